//! Documents that reach an invoice inbox but are not invoices — a customer complaint, an
//! insurance claim form, a bank statement — in English and Chinese, so the intake's
//! classification is tested on what it must turn away. Names, dates and amounts are random;
//! the wording is fixed per kind.

use serde::{Deserialize, Serialize};

use crate::canvas::{Align, Canvas, Fonts};
use crate::invoice::money;
use crate::{DPI, GenError, pdf};

/// What a non-invoice document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterKind {
    Complaint,
    InsuranceClaim,
    BankStatement,
}

pub const LETTER_KINDS: [LetterKind; 3] = [
    LetterKind::Complaint,
    LetterKind::InsuranceClaim,
    LetterKind::BankStatement,
];

impl LetterKind {
    pub fn name(self) -> &'static str {
        match self {
            LetterKind::Complaint => "complaint",
            LetterKind::InsuranceClaim => "insurance_claim",
            LetterKind::BankStatement => "bank_statement",
        }
    }
}

/// One generated letter: its kind, language (`en`, `zh`), files and drawn text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Letter {
    pub id: String,
    pub kind: LetterKind,
    pub lang: String,
    /// A PNG of the page.
    pub png: String,
    /// A PDF: text layer for English, image-only for Chinese (as the invoices).
    pub pdf: String,
    /// Every drawn line, top to bottom.
    pub text: String,
}

const EN_NAMES: &[&str] = &[
    "Anna Becker",
    "James Whitfield",
    "Maria Lopez",
    "Tom Hughes",
];
const ZH_NAMES: &[&str] = &["张伟", "王芳", "李娜", "刘洋"];
const EN_MONTHS: [&str; 12] = [
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

/// The lines of the page: (text, size in points, bold).
fn lines(kind: LetterKind, zh: bool, rng: &mut fastrand::Rng) -> Vec<(String, f32, bool)> {
    let names = if zh { ZH_NAMES } else { EN_NAMES };
    let name = names[rng.usize(..names.len())];
    let (year, month, day) = (rng.i32(2021..=2025), rng.usize(1..=12), rng.u32(1..=28));
    let en_date = format!("{day} {} {year}", EN_MONTHS[month - 1]);
    let zh_date = format!("{year}年{month}月{day}日");
    let amount = money(i64::from(rng.u32(2_000..500_000)), ',', '.');
    let policy = format!("MX-{:05}", rng.u32(10_000..100_000));
    let body = |text: &str| (text.to_owned(), 11.0, false);
    let title = |text: &str| (text.to_owned(), 20.0, true);
    match (kind, zh) {
        (LetterKind::Complaint, false) => vec![
            title("Customer Complaint"),
            body(name),
            body("14 Lindenstrasse, 10115 Berlin"),
            body(&en_date),
            body("Dear Sir or Madam,"),
            body("I am writing to complain about the service I received"),
            body("from your branch."),
            body(&format!("My card payment of {amount} was taken twice.")),
            body("Nobody has answered my emails."),
            body("I called your helpline three times and waited over an hour each time."),
            body("I am very disappointed and expect a refund of the duplicate payment"),
            body("and an apology. If I do not hear from you within 14 days I will take"),
            body("this complaint to the ombudsman."),
            body("Yours faithfully,"),
            body(name),
        ],
        (LetterKind::InsuranceClaim, false) => vec![
            title("Insurance Claim Form"),
            body(&format!("Policy number: {policy}")),
            body(&format!("Policyholder: {name}")),
            body(&format!("Date of loss: {en_date}")),
            body("Description of the incident:"),
            body("My parked car was hit by another vehicle"),
            body("in the supermarket car park."),
            body("The rear bumper and the tail light were damaged."),
            body("I request reimbursement of the repair costs"),
            body("under my motor insurance policy."),
            body(&format!("Estimated repair cost: {amount}")),
            body("Photos of the damage and the garage quote are attached."),
            body(&format!("Signature: {name}")),
        ],
        (LetterKind::BankStatement, false) => {
            let mut balance = i64::from(rng.u32(100_000..900_000));
            let mut lines = vec![
                title("Bank Statement"),
                body(&format!("Account holder: {name}")),
                body(&format!(
                    "Statement period: 1 {0} {year} to 28 {0} {year}",
                    EN_MONTHS[month - 1]
                )),
                body(&format!("Opening balance {}", money(balance, ',', '.'))),
            ];
            for (what, sign) in [
                ("Card payment supermarket", -1),
                ("Salary", 1),
                ("Rent standing order", -1),
                ("Transfer to savings account", -1),
            ] {
                let cents = i64::from(rng.u32(2_000..300_000)) * sign;
                balance += cents;
                let day = rng.u32(1..=28);
                lines.push(body(&format!(
                    "{day:02} {} {what} {}",
                    &EN_MONTHS[month - 1][..3],
                    signed_money(cents)
                )));
            }
            lines.push(body(&format!(
                "Closing balance {}",
                money(balance, ',', '.')
            )));
            lines
        }
        (LetterKind::Complaint, true) => vec![
            title("客户投诉信"),
            body("尊敬的客服部门："),
            body(&format!(
                "我于{zh_date}在贵行办理转账业务，款项{amount}元被重复扣除。"
            )),
            body("我多次拨打客服电话，至今没有得到任何答复。"),
            body("我对贵行的服务非常不满，要求退还重复扣除的款项并书面道歉。"),
            body("如十四天内仍未处理，我将向监管部门投诉。"),
            body(&format!("投诉人：{name}")),
        ],
        (LetterKind::InsuranceClaim, true) => vec![
            title("保险理赔申请书"),
            body(&format!("保单号：{policy}")),
            body(&format!("被保险人：{name}")),
            body(&format!("出险日期：{zh_date}")),
            body("事故经过：车辆停放在停车场时被其他车辆撞击，后保险杠和尾灯损坏。"),
            body(&format!("申请赔偿金额：{amount}元")),
            body("附件：损坏照片、维修报价单"),
            body(&format!("申请人签名：{name}")),
        ],
        (LetterKind::BankStatement, true) => {
            let mut balance = i64::from(rng.u32(100_000..900_000));
            let mut lines = vec![
                title("银行对账单"),
                body(&format!("账户名称：{name}")),
                body(&format!(
                    "对账期间：{year}年{month}月1日至{year}年{month}月28日"
                )),
                body(&format!("期初余额：{}", money(balance, ',', '.'))),
            ];
            for (what, sign) in [("超市消费", -1), ("工资", 1), ("房租", -1)] {
                let cents = i64::from(rng.u32(2_000..300_000)) * sign;
                balance += cents;
                lines.push(body(&format!(
                    "{month}月{}日 {what} {}",
                    rng.u32(1..=28),
                    signed_money(cents)
                )));
            }
            lines.push(body(&format!("期末余额：{}", money(balance, ',', '.'))));
            lines
        }
    }
}

/// A statement entry's amount with its sign: `+1,234.56`, `-20.00`.
fn signed_money(cents: i64) -> String {
    let sign = if cents < 0 { '-' } else { '+' };
    format!("{sign}{}", money(cents.abs(), ',', '.'))
}

/// Writes one letter of `kind` in `lang` (`en` or `zh`) as `<id>.png` and `<id>.pdf`.
pub fn write_letter(
    out: &std::path::Path,
    id: &str,
    kind: LetterKind,
    lang: &str,
    fonts: &Fonts,
    rng: &mut fastrand::Rng,
) -> Result<Letter, GenError> {
    let zh = lang == "zh";
    let mut canvas = Canvas::a4(DPI, fonts, zh);
    let mut y = 20.0;
    for (text, size, bold) in lines(kind, zh, rng) {
        canvas.text(20.0, y, size, bold, Align::Left, &text);
        y += if bold { 16.0 } else { 8.0 };
    }
    let (image, drawn) = canvas.finish();
    let letter = Letter {
        id: id.to_owned(),
        kind,
        lang: lang.to_owned(),
        png: format!("{id}.png"),
        pdf: format!("{id}.pdf"),
        text: drawn
            .iter()
            .map(|line| line.text.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let write = |name: &str, bytes: &[u8]| {
        let path = out.join(name);
        std::fs::write(&path, bytes).map_err(|source| GenError::Write { path, source })
    };
    std::fs::create_dir_all(out).map_err(|source| GenError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    write(&letter.png, &pdf::png_with_dpi(&image, DPI)?)?;
    let document = if zh {
        pdf::image_pdf(&image, DPI)
    } else {
        pdf::text_pdf(&drawn, image.width(), image.height(), DPI)
    };
    write(&letter.pdf, &document)?;
    Ok(letter)
}

/// One letter of every kind in English and in Chinese (6), named `letter-<kind>-<lang>`.
pub fn generate_letters(out: &std::path::Path, seed: u64) -> Result<Vec<Letter>, GenError> {
    let fonts = Fonts::load()?;
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut letters = Vec::new();
    for lang in ["en", "zh"] {
        for kind in LETTER_KINDS {
            let id = format!("letter-{}-{lang}", kind.name());
            letters.push(write_letter(out, &id, kind, lang, &fonts, &mut rng)?);
        }
    }
    Ok(letters)
}
