//! Invoice contents (random but consistent: line amounts, net, tax and total add up; IBANs and
//! Chinese credit codes carry valid check characters) and the four layouts that draw them.

use image::GrayImage;
use serde::{Deserialize, Serialize};

use crate::DPI;
use crate::canvas::{Align, Canvas, Fonts, TruthLine};

/// The page designs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// British: title top left, GBP, `15 March 2024`, `1,234.56`, IBAN GB.
    Classic,
    /// German-style in English: EUR, `15.03.2024`, `1.234,56`, VAT id, IBAN DE.
    European,
    /// American: meta block on the right, USD, `March 15, 2024`, `$1,234.56`.
    Us,
    /// 增值税普通发票-style: 发票号码, 开票日期 2024年03月15日, 纳税人识别号, ¥, 价税合计（大写）.
    ChineseVat,
}

pub const LAYOUTS: [Layout; 4] = [
    Layout::Classic,
    Layout::European,
    Layout::Us,
    Layout::ChineseVat,
];

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::Classic => "classic",
            Layout::European => "european",
            Layout::Us => "us",
            Layout::ChineseVat => "chinese_vat",
        }
    }

    pub fn lang(self) -> &'static str {
        match self {
            Layout::ChineseVat => "zh",
            _ => "en",
        }
    }
}

/// One line item; money in cents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub description: String,
    pub quantity: u32,
    pub unit_cents: i64,
    pub amount_cents: i64,
}

/// The invoice's fields as the layout prints them, with normalised values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fields {
    pub invoice_number: String,
    /// ISO 8601.
    pub date: String,
    pub seller: String,
    pub buyer: String,
    /// EU VAT id (European layout) or unified social credit code (Chinese), when printed.
    pub seller_tax_id: Option<String>,
    pub buyer_tax_id: Option<String>,
    pub iban: Option<String>,
    pub currency: String,
    pub items: Vec<Item>,
    pub tax_rate_percent: u32,
    pub net_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
}

const EN_SELLERS: &[&str] = &[
    "Northwind Traders Ltd",
    "Blue Harbour Consulting",
    "Acme Office Supplies",
    "Kestrel Logistics plc",
    "Greenfield Software GmbH",
];
const EN_BUYERS: &[&str] = &[
    "Contoso Insurance",
    "Fabrikam Bank",
    "Tailspin Securities",
    "Wide World Importers",
];
const EN_ITEMS: &[&str] = &[
    "Printer paper A4 box",
    "Consulting hours",
    "Laptop docking station",
    "Annual software licence",
    "Courier delivery",
    "Office chairs",
    "Network switch 24 port",
    "Training workshop",
];
const ZH_SELLERS: &[&str] = &[
    "上海明达信息技术有限公司",
    "北京华信科技有限公司",
    "深圳市蓝海贸易有限公司",
    "杭州云帆软件有限公司",
];
const ZH_BUYERS: &[&str] = &[
    "中国平安保险股份有限公司",
    "招商银行股份有限公司",
    "华泰证券股份有限公司",
];
const ZH_ITEMS: &[&str] = &[
    "办公用纸",
    "技术服务费",
    "笔记本电脑",
    "软件许可",
    "快递服务",
    "办公椅",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A valid IBAN of `country` with a random account part (`bban_len` digits).
fn iban(rng: &mut fastrand::Rng, country: &str, bank: &str, digits: usize) -> String {
    let account: String = (0..digits).map(|_| rng.digit(10)).collect();
    let bban = format!("{bank}{account}");
    let numeric: String = format!("{bban}{country}00")
        .chars()
        .map(|c| c.to_digit(36).map_or(String::new(), |v| v.to_string()))
        .collect();
    let remainder = numeric
        .bytes()
        .fold(0u32, |r, b| (r * 10 + u32::from(b - b'0')) % 97);
    format!("{country}{:02}{bban}", 98 - remainder)
}

/// A unified social credit code (GB 32100) with a valid check character.
fn credit_code(rng: &mut fastrand::Rng) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let region = ["110108", "310115", "440300", "330106"][rng.usize(..4)];
    let org: String = (0..9)
        .map(|_| CHARS[rng.usize(..CHARS.len())] as char)
        .collect();
    let body = format!("91{region}{org}");
    let mut weight = 1;
    let mut sum = 0;
    for c in body.bytes() {
        let value = CHARS.iter().position(|&x| x == c).expect("charset");
        sum += value * weight;
        weight = weight * 3 % 31;
    }
    format!("{body}{}", CHARS[(31 - sum % 31) % 31] as char)
}

pub(crate) fn fields(layout: Layout, rng: &mut fastrand::Rng) -> Fields {
    let zh = layout == Layout::ChineseVat;
    let catalogue = if zh { ZH_ITEMS } else { EN_ITEMS };
    let mut items = Vec::new();
    for _ in 0..rng.usize(2..=5) {
        let quantity = rng.u32(1..=12);
        let unit_cents = i64::from(rng.u32(5..=2400)) * 25;
        items.push(Item {
            description: catalogue[rng.usize(..catalogue.len())].to_owned(),
            quantity,
            unit_cents,
            amount_cents: unit_cents * i64::from(quantity),
        });
    }
    let net_cents: i64 = items.iter().map(|item| item.amount_cents).sum();
    let tax_rate_percent = match layout {
        Layout::Classic => 20,
        Layout::European => 19,
        Layout::Us => 8,
        Layout::ChineseVat => 13,
    };
    // Rounded half up to the cent.
    let tax_cents = (net_cents * i64::from(tax_rate_percent) + 50) / 100;
    let (year, month, day) = (rng.i32(2021..=2025), rng.u32(1..=12), rng.u32(1..=28));
    let pick = |list: &[&str], rng: &mut fastrand::Rng| list[rng.usize(..list.len())].to_owned();
    Fields {
        invoice_number: match layout {
            Layout::Classic => format!("INV-{year}-{:04}", rng.u32(1..10_000)),
            Layout::European => format!("RE{:06}", rng.u32(100_000..1_000_000)),
            Layout::Us => format!("{}", rng.u32(10_000..100_000)),
            Layout::ChineseVat => format!("{:08}", rng.u32(0..100_000_000)),
        },
        date: format!("{year:04}-{month:02}-{day:02}"),
        seller: pick(if zh { ZH_SELLERS } else { EN_SELLERS }, rng),
        buyer: pick(if zh { ZH_BUYERS } else { EN_BUYERS }, rng),
        seller_tax_id: match layout {
            Layout::European => Some(format!("DE{:09}", rng.u32(100_000_000..1_000_000_000))),
            Layout::ChineseVat => Some(credit_code(rng)),
            _ => None,
        },
        buyer_tax_id: (layout == Layout::ChineseVat).then(|| credit_code(rng)),
        iban: match layout {
            Layout::Classic => Some(iban(rng, "GB", "NWBK", 14)),
            Layout::European => Some(iban(rng, "DE", "", 18)),
            _ => None,
        },
        currency: match layout {
            Layout::Classic => "GBP",
            Layout::European => "EUR",
            Layout::Us => "USD",
            Layout::ChineseVat => "CNY",
        }
        .to_owned(),
        items,
        tax_rate_percent,
        net_cents,
        tax_cents,
        total_cents: net_cents + tax_cents,
    }
}

/// `1,234.56` (`sep` `,` and `dec` `.`) or `1.234,56`.
pub(crate) fn money(cents: i64, sep: char, dec: char) -> String {
    let units = (cents / 100).to_string();
    let mut grouped = String::new();
    for (index, c) in units.chars().enumerate() {
        if index > 0 && (units.len() - index).is_multiple_of(3) {
            grouped.push(sep);
        }
        grouped.push(c);
    }
    format!("{grouped}{dec}{:02}", cents % 100)
}

/// Chinese uppercase (大写) amount as printed on 增值税发票, e.g. 壹仟零伍元整.
pub(crate) fn uppercase(cents: i64) -> String {
    const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
    const UNITS: [&str; 8] = ["", "拾", "佰", "仟", "万", "拾", "佰", "仟"];
    let yuan = cents / 100;
    let digits: Vec<u32> = yuan
        .to_string()
        .chars()
        .filter_map(|c| c.to_digit(10))
        .collect();
    let mut out = String::new();
    let mut pending_zero = false;
    for (index, &d) in digits.iter().enumerate() {
        let place = digits.len() - 1 - index;
        if d == 0 {
            pending_zero = true;
            if place == 4 && !out.ends_with('万') && !out.is_empty() {
                out.push('万');
                pending_zero = false;
            }
            continue;
        }
        if pending_zero && !out.is_empty() {
            out.push('零');
        }
        pending_zero = false;
        out.push(DIGITS[d as usize]);
        out.push_str(UNITS[place]);
    }
    if out.is_empty() {
        out.push('零');
    }
    out.push('元');
    let (jiao, fen) = ((cents % 100) / 10, cents % 10);
    if jiao == 0 && fen == 0 {
        out.push('整');
    } else {
        if jiao > 0 {
            out.push(DIGITS[jiao as usize]);
            out.push('角');
        } else {
            out.push('零');
        }
        if fen > 0 {
            out.push(DIGITS[fen as usize]);
            out.push('分');
        }
    }
    out
}

fn grouped_iban(iban: &str) -> String {
    iban.as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) struct Page {
    pub(crate) image: GrayImage,
    pub(crate) lines: Vec<TruthLine>,
}

pub(crate) fn render(layout: Layout, f: &Fields, fonts: &Fonts) -> Page {
    let mut c = Canvas::a4(DPI, fonts, layout == Layout::ChineseVat);
    let (y, m, d) = (&f.date[..4], &f.date[5..7], &f.date[8..10]);
    let month_name = MONTHS[m.parse::<usize>().unwrap_or(1) - 1];
    let day = d.trim_start_matches('0');
    match layout {
        Layout::Classic => {
            let gbp = |cents| format!("£{}", money(cents, ',', '.'));
            c.text(20.0, 18.0, 26.0, true, Align::Left, "INVOICE");
            c.text(20.0, 34.0, 12.0, true, Align::Left, &f.seller);
            c.text(
                20.0,
                41.0,
                10.0,
                false,
                Align::Left,
                "12 Harbour Street, Bristol BS1 4QA",
            );
            c.text(
                120.0,
                34.0,
                11.0,
                false,
                Align::Left,
                &format!("Invoice No: {}", f.invoice_number),
            );
            c.text(
                120.0,
                41.0,
                11.0,
                false,
                Align::Left,
                &format!("Date: {day} {month_name} {y}"),
            );
            c.text(20.0, 56.0, 11.0, true, Align::Left, "Bill to:");
            c.text(20.0, 63.0, 11.0, false, Align::Left, &f.buyer);
            items_table(
                &mut c,
                f,
                80.0,
                ["Description", "Qty", "Unit price", "Amount"],
                &|cents| money(cents, ',', '.'),
            );
            let mut y = 96.0 + 8.0 * f.items.len() as f32;
            for (label, cents) in [
                ("Subtotal", f.net_cents),
                ("VAT 20%", f.tax_cents),
                ("Total due", f.total_cents),
            ] {
                c.text(150.0, y, 11.0, label == "Total due", Align::Right, label);
                c.text(
                    190.0,
                    y,
                    11.0,
                    label == "Total due",
                    Align::Right,
                    &gbp(cents),
                );
                y += 8.0;
            }
            if let Some(iban) = &f.iban {
                c.text(
                    20.0,
                    y + 14.0,
                    10.0,
                    false,
                    Align::Left,
                    &format!("Please pay to IBAN {}", grouped_iban(iban)),
                );
            }
        }
        Layout::European => {
            let eur = |cents| format!("{} EUR", money(cents, '.', ','));
            c.text(20.0, 18.0, 14.0, true, Align::Left, &f.seller);
            c.text(
                20.0,
                26.0,
                10.0,
                false,
                Align::Left,
                "Hauptstrasse 5, 10115 Berlin",
            );
            if let Some(vat) = &f.seller_tax_id {
                c.text(
                    20.0,
                    32.0,
                    10.0,
                    false,
                    Align::Left,
                    &format!("VAT ID: {vat}"),
                );
            }
            c.text(20.0, 48.0, 20.0, true, Align::Left, "Invoice");
            c.text(
                20.0,
                62.0,
                11.0,
                false,
                Align::Left,
                &format!("Invoice number: {}", f.invoice_number),
            );
            c.text(
                20.0,
                69.0,
                11.0,
                false,
                Align::Left,
                &format!("Invoice date: {d}.{m}.{y}"),
            );
            c.text(120.0, 62.0, 11.0, false, Align::Left, "Customer:");
            c.text(120.0, 69.0, 11.0, false, Align::Left, &f.buyer);
            items_table(
                &mut c,
                f,
                84.0,
                ["Item", "Quantity", "Price", "Total"],
                &|cents| money(cents, '.', ','),
            );
            let mut y = 100.0 + 8.0 * f.items.len() as f32;
            for (label, cents) in [
                ("Net amount", f.net_cents),
                ("VAT 19%", f.tax_cents),
                ("Gross amount", f.total_cents),
            ] {
                c.text(150.0, y, 11.0, label == "Gross amount", Align::Right, label);
                c.text(
                    190.0,
                    y,
                    11.0,
                    label == "Gross amount",
                    Align::Right,
                    &eur(cents),
                );
                y += 8.0;
            }
            if let Some(iban) = &f.iban {
                c.text(
                    20.0,
                    y + 14.0,
                    10.0,
                    false,
                    Align::Left,
                    &format!("IBAN: {}", grouped_iban(iban)),
                );
            }
        }
        Layout::Us => {
            let usd = |cents| format!("${}", money(cents, ',', '.'));
            c.text(20.0, 20.0, 14.0, true, Align::Left, &f.seller);
            c.text(
                20.0,
                28.0,
                10.0,
                false,
                Align::Left,
                "500 Market Street, San Francisco, CA 94105",
            );
            c.text(190.0, 20.0, 24.0, true, Align::Right, "INVOICE");
            c.text(
                190.0,
                34.0,
                11.0,
                false,
                Align::Right,
                &format!("Invoice # {}", f.invoice_number),
            );
            c.text(
                190.0,
                41.0,
                11.0,
                false,
                Align::Right,
                &format!("Date: {month_name} {day}, {y}"),
            );
            c.text(20.0, 50.0, 11.0, true, Align::Left, "Sold to:");
            c.text(20.0, 57.0, 11.0, false, Align::Left, &f.buyer);
            items_table(
                &mut c,
                f,
                72.0,
                ["Description", "Qty", "Rate", "Amount"],
                &|cents| money(cents, ',', '.'),
            );
            let mut y = 88.0 + 8.0 * f.items.len() as f32;
            for (label, cents) in [
                ("Subtotal", f.net_cents),
                ("Sales tax 8%", f.tax_cents),
                ("Balance due", f.total_cents),
            ] {
                c.text(150.0, y, 11.0, label == "Balance due", Align::Right, label);
                c.text(
                    190.0,
                    y,
                    11.0,
                    label == "Balance due",
                    Align::Right,
                    &usd(cents),
                );
                y += 8.0;
            }
        }
        Layout::ChineseVat => {
            let cny = |cents| format!("¥{}", money(cents, ',', '.'));
            c.text(60.0, 16.0, 20.0, false, Align::Left, "增值税普通发票");
            c.text(
                130.0,
                34.0,
                11.0,
                false,
                Align::Left,
                &format!("发票号码：{}", f.invoice_number),
            );
            c.text(
                130.0,
                41.0,
                11.0,
                false,
                Align::Left,
                &format!("开票日期：{y}年{m}月{d}日"),
            );
            c.text(
                20.0,
                52.0,
                11.0,
                false,
                Align::Left,
                &format!("购买方名称：{}", f.buyer),
            );
            if let Some(id) = &f.buyer_tax_id {
                c.text(
                    20.0,
                    59.0,
                    11.0,
                    false,
                    Align::Left,
                    &format!("纳税人识别号：{id}"),
                );
            }
            items_table(
                &mut c,
                f,
                72.0,
                ["货物或应税劳务名称", "数量", "单价", "金额"],
                &|cents| money(cents, ',', '.'),
            );
            let mut y = 88.0 + 8.0 * f.items.len() as f32;
            c.text(20.0, y, 11.0, false, Align::Left, "合计");
            c.text(190.0, y, 11.0, false, Align::Right, &cny(f.net_cents));
            y += 8.0;
            c.text(
                20.0,
                y,
                11.0,
                false,
                Align::Left,
                &format!("税率：{}%", f.tax_rate_percent),
            );
            c.text(
                190.0,
                y,
                11.0,
                false,
                Align::Right,
                &format!("税额：{}", cny(f.tax_cents)),
            );
            y += 8.0;
            c.text(
                20.0,
                y,
                11.0,
                false,
                Align::Left,
                &format!("价税合计（大写）：{}", uppercase(f.total_cents)),
            );
            c.text(
                190.0,
                y,
                11.0,
                false,
                Align::Right,
                &format!("（小写）{}", cny(f.total_cents)),
            );
            y += 14.0;
            c.text(
                20.0,
                y,
                11.0,
                false,
                Align::Left,
                &format!("销售方名称：{}", f.seller),
            );
            if let Some(id) = &f.seller_tax_id {
                c.text(
                    20.0,
                    y + 7.0,
                    11.0,
                    false,
                    Align::Left,
                    &format!("纳税人识别号：{id}"),
                );
            }
        }
    }
    let (image, lines) = c.finish();
    Page { image, lines }
}

/// The line-item table: header, rule, one row per item (description, quantity, unit, amount).
fn items_table(
    c: &mut Canvas<'_>,
    f: &Fields,
    top: f32,
    header: [&str; 4],
    money: &dyn Fn(i64) -> String,
) {
    let columns = [
        (20.0, Align::Left),
        (120.0, Align::Right),
        (155.0, Align::Right),
        (190.0, Align::Right),
    ];
    for (text, (x, align)) in header.iter().zip(columns) {
        c.text(x, top, 11.0, true, align, text);
    }
    c.rule(20.0, 190.0, top + 7.0);
    for (row, item) in f.items.iter().enumerate() {
        let y = top + 10.0 + 8.0 * row as f32;
        let cells = [
            item.description.clone(),
            item.quantity.to_string(),
            money(item.unit_cents),
            money(item.amount_cents),
        ];
        for (text, (x, align)) in cells.iter().zip(columns) {
            c.text(x, y, 11.0, false, align, text);
        }
    }
    c.rule(20.0, 190.0, top + 10.0 + 8.0 * f.items.len() as f32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uppercase_amounts_as_printed_on_fapiao() {
        assert_eq!(uppercase(100_500), "壹仟零伍元整");
        assert_eq!(uppercase(459_425), "肆仟伍佰玖拾肆元贰角伍分");
        assert_eq!(uppercase(1_234_567), "壹万贰仟叁佰肆拾伍元陆角柒分");
        assert_eq!(uppercase(10_000_000), "壹拾万元整");
        assert_eq!(uppercase(1_000_505), "壹万零伍元零伍分");
    }

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(123_456_789, ',', '.'), "1,234,567.89");
        assert_eq!(money(5, '.', ','), "0,05");
    }

    #[test]
    fn generated_ids_carry_their_published_check_characters() {
        let mut rng = fastrand::Rng::with_seed(7);
        // Same construction reproduces the registry example GB82 WEST 1234 5698 7654 32.
        let numeric: String = "WEST12345698765432GB00"
            .chars()
            .map(|c| c.to_digit(36).map_or(String::new(), |v| v.to_string()))
            .collect();
        let remainder = numeric
            .bytes()
            .fold(0u32, |r, b| (r * 10 + u32::from(b - b'0')) % 97);
        assert_eq!(98 - remainder, 82);
        assert_eq!(iban(&mut rng, "GB", "NWBK", 14).len(), 22);
        assert_eq!(credit_code(&mut rng).len(), 18);
    }
}
