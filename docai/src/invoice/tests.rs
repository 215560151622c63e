//! Extraction on hand-placed words (no OCR): labels, geometry, cross-checks and review.

use super::*;
use crate::document::{Page, PageSource, Unit};
use crate::engine::{Line, Word};

/// A page with `lines` of words placed at (x, y) in pixels: 12 px per character, 8 px
/// between words, 20 px high, confidence `confidence`.
fn page(lines: &[(f32, f32, &str)], confidence: f32) -> Document {
    let mut words = Vec::new();
    let mut page_lines = Vec::new();
    for (index, (x, y, text)) in lines.iter().enumerate() {
        let mut left = *x;
        for word in text.split(' ') {
            let width = 12.0 * word.chars().count() as f32;
            words.push(Word {
                text: word.to_owned(),
                bbox: BBox {
                    left,
                    top: *y,
                    right: left + width,
                    bottom: y + 20.0,
                },
                confidence,
                line: index,
            });
            left += width + 8.0;
        }
        page_lines.push(Line {
            text: (*text).to_owned(),
            bbox: BBox {
                left: *x,
                top: *y,
                right: left,
                bottom: y + 20.0,
            },
            confidence,
        });
    }
    Document {
        path: "test.png".into(),
        pages: vec![Page {
            number: 1,
            source: PageSource::Ocr,
            unit: Unit::Pixel,
            width: 1654.0,
            height: 2339.0,
            skew_degrees: 0.0,
            text: String::new(),
            words,
            lines: page_lines,
        }],
    }
}

fn european(total: &str) -> Vec<(f32, f32, String)> {
    vec![
        (160.0, 140.0, "Acme Office Supplies".to_owned()),
        (160.0, 380.0, "Invoice".to_owned()),
        (160.0, 490.0, "Invoice number: RE607818".to_owned()),
        (940.0, 490.0, "Customer:".to_owned()),
        (160.0, 545.0, "Invoice date: 04.07.2021".to_owned()),
        (940.0, 545.0, "Wide World Importers".to_owned()),
        (160.0, 660.0, "Item".to_owned()),
        (860.0, 660.0, "Quantity".to_owned()),
        (1140.0, 660.0, "Price".to_owned()),
        (1420.0, 660.0, "Total".to_owned()),
        (160.0, 740.0, "Network switch 24 port".to_owned()),
        (920.0, 740.0, "2".to_owned()),
        (1140.0, 740.0, "345,25".to_owned()),
        (1420.0, 740.0, "690,50".to_owned()),
        (160.0, 800.0, "Office chairs".to_owned()),
        (920.0, 800.0, "l".to_owned()),
        (1140.0, 800.0, "1.042,50".to_owned()),
        (1400.0, 800.0, "1.042,50".to_owned()),
        (900.0, 900.0, "Net amount".to_owned()),
        (1300.0, 900.0, "1.733,00 EUR".to_owned()),
        (900.0, 960.0, "VAT 19%".to_owned()),
        (1300.0, 960.0, "329,27 EUR".to_owned()),
        (900.0, 1020.0, "Gross amount".to_owned()),
        (1300.0, 1020.0, format!("{total} EUR")),
        (160.0, 1130.0, "VAT ID: DE388894859".to_owned()),
    ]
}

fn document(lines: &[(f32, f32, String)], confidence: f32) -> Document {
    let borrowed: Vec<(f32, f32, &str)> =
        lines.iter().map(|(x, y, t)| (*x, *y, t.as_str())).collect();
    page(&borrowed, confidence)
}

#[test]
fn fields_are_found_by_label_and_geometry() {
    let invoice = extract_invoice(&document(&european("2.062,27"), 93.0));
    let value = |name| invoice.field(name).map(|(value, _)| value);
    assert_eq!(value("invoice_number").as_deref(), Some("RE607818"));
    assert_eq!(value("date").as_deref(), Some("2021-07-04"));
    assert_eq!(value("supplier").as_deref(), Some("Acme Office Supplies"));
    assert_eq!(value("buyer").as_deref(), Some("Wide World Importers"));
    assert_eq!(value("net").as_deref(), Some("1733.00"));
    assert_eq!(value("tax").as_deref(), Some("329.27"));
    assert_eq!(value("total").as_deref(), Some("2062.27"));
    assert_eq!(value("currency").as_deref(), Some("EUR"));
    let items: Vec<_> = invoice
        .line_items
        .iter()
        .map(|item| (item.description.as_str(), item.quantity, item.amount_cents))
        .collect();
    // "l" read for 1 is repaired; a number inside a description stays in it.
    assert_eq!(
        items,
        [
            ("Network switch 24 port", 2.0, 69_050),
            ("Office chairs", 1.0, 104_250)
        ]
    );
    assert!(invoice.issues.is_empty(), "{:?}", invoice.issues);
    // Confirmed by the arithmetic, so above any OCR score.
    assert!(invoice.total.as_ref().unwrap().confidence >= CONFIRMED);
    let number = invoice.invoice_number.as_ref().unwrap();
    assert!((number.confidence - 0.93).abs() < 1e-3);
    assert_eq!(number.bbox.top, 490.0);
    assert!(review(&invoice, 0.8).is_empty());
    assert_eq!(
        review(&invoice, 0.95).len(),
        5,
        "{:?}",
        review(&invoice, 0.95)
    );
}

#[test]
fn totals_that_do_not_add_up_are_named_issues() {
    let invoice = extract_invoice(&document(&european("2.062,72"), 93.0));
    let codes: Vec<_> = invoice.issues.iter().map(|issue| issue.code).collect();
    assert_eq!(codes, [IssueCode::TotalsDisagree]);
    assert!(invoice.issues[0].message.contains("2062.72"));
    assert!(invoice.total.as_ref().unwrap().confidence < CONFIRMED);
}

#[test]
fn a_chinese_vat_invoice_with_its_uppercase_total() {
    let lines: Vec<(f32, f32, String)> = [
        (470.0, 140.0, "增值税普通发票"),
        (1020.0, 275.0, "票号码:84253401"),
        (1020.0, 330.0, "开票日期:2021年10月03日"),
        (160.0, 410.0, "购买方名称:中国平安保险股份有限公司"),
        (160.0, 570.0, "货物或应税劳务名称"),
        (900.0, 570.0, "数量"),
        (1150.0, 570.0, "单价"),
        (1420.0, 570.0, "金额"),
        (160.0, 650.0, "办公用纸"),
        (920.0, 650.0, "12"),
        (1150.0, 650.0, "562.25"),
        (1400.0, 650.0, "6,747.00"),
        (160.0, 760.0, "合计"),
        (1400.0, 760.0, "半6,747.00"),
        (160.0, 820.0, "税率:13%"),
        (1250.0, 820.0, "税额:半877.11"),
        (160.0, 880.0, "价税合计(大写):柒仟陆佰贰拾肆元壹角壹分"),
        (1250.0, 880.0, "(小写)Y7,624.11"),
        (160.0, 990.0, "销售方名称:深圳市蓝海贸易有限公司"),
    ]
    .into_iter()
    .map(|(x, y, t)| (x, y, t.to_owned()))
    .collect();
    let invoice = extract_invoice(&document(&lines, 90.0));
    let value = |name| invoice.field(name).map(|(value, _)| value);
    assert_eq!(value("invoice_number").as_deref(), Some("84253401"));
    assert_eq!(value("date").as_deref(), Some("2021-10-03"));
    assert_eq!(value("supplier").as_deref(), Some("深圳市蓝海贸易有限公司"));
    assert_eq!(value("buyer").as_deref(), Some("中国平安保险股份有限公司"));
    assert_eq!(value("net").as_deref(), Some("6747.00"));
    assert_eq!(value("tax").as_deref(), Some("877.11"));
    assert_eq!(value("total").as_deref(), Some("7624.11"));
    assert_eq!(value("currency").as_deref(), Some("CNY"));
    assert_eq!(invoice.line_items.len(), 1);
    assert!(invoice.issues.is_empty(), "{:?}", invoice.issues);
}

#[test]
fn a_missing_total_is_an_issue_and_review_lists_it() {
    let mut lines = european("2.062,27");
    lines.retain(|(_, _, text)| !text.starts_with("Gross") && !text.starts_with("2.062"));
    let invoice = extract_invoice(&document(&lines, 93.0));
    assert!(invoice.total.is_none());
    let issues = review(&invoice, 0.8);
    assert!(
        issues
            .iter()
            .any(|issue| issue.code == IssueCode::Missing && issue.field == "total")
    );
}

#[test]
fn an_unreadable_uppercase_total_is_no_reading_but_a_wrong_one_is_an_issue() {
    let with_words = |words: &str| -> Vec<(f32, f32, String)> {
        vec![
            (160.0, 140.0, "发票号码:84253401".to_owned()),
            (160.0, 200.0, "销售方名称:深圳市蓝海贸易有限公司".to_owned()),
            (160.0, 260.0, "合计".to_owned()),
            (1400.0, 260.0, "¥100.00".to_owned()),
            (1250.0, 320.0, "税额:¥13.00".to_owned()),
            (160.0, 380.0, format!("价税合计(大写):{words}")),
            (1250.0, 380.0, "(小写)¥113.00".to_owned()),
        ]
    };
    let codes = |words: &str| -> Vec<IssueCode> {
        extract_invoice(&document(&with_words(words), 95.0))
            .issues
            .iter()
            .map(|issue| issue.code)
            .filter(|code| *code != IssueCode::Missing)
            .collect()
    };
    assert!(codes("壹佰壹拾叁元整").is_empty());
    assert!(
        codes("喜佰数拾迷元整").is_empty(),
        "garbled words are not read"
    );
    assert_eq!(codes("壹佰壹拾肆元整"), [IssueCode::TotalInWordsDisagrees]);
}
