//! Cross-checks of an extracted invoice, and the review that decides whether a person must
//! look at it: a missing field, arithmetic that does not add up, or a field read with less
//! confidence than the caller accepts.

use serde::Serialize;

use super::{CONFIRMED, Field, Invoice, REPAIRED};
use crate::extract::Amount;

/// What is wrong, by name, so a validation screen and a script can react to each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueCode {
    /// A field every invoice has was not found.
    Missing,
    /// net + tax ≠ total.
    TotalsDisagree,
    /// The line items do not add up to the net amount.
    ItemsDisagree,
    /// A line item's quantity × unit price ≠ its amount.
    ItemArithmetic,
    /// The Chinese uppercase (大写) total ≠ the numeric total.
    TotalInWordsDisagrees,
    /// Read with less confidence than the review threshold.
    LowConfidence,
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    pub code: IssueCode,
    /// The field's name (`total`, `line_items[2]`).
    pub field: String,
    pub message: String,
}

impl Issue {
    fn new(code: IssueCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Fields without which an invoice cannot be booked. Tax may be absent (exempt invoices).
const REQUIRED: [&str; 7] = [
    "invoice_number",
    "date",
    "supplier",
    "buyer",
    "net",
    "total",
    "currency",
];

fn money(cents: i64) -> String {
    Amount::new(cents, None).value
}

/// Raises an amount the arithmetic confirms. A repaired amount is not raised: it was chosen
/// to make the arithmetic agree, so the agreement is no further evidence.
fn confirm(field: &mut Option<Field<Amount>>) {
    if let Some(field) = field
        && field.confidence != REPAIRED
    {
        field.confidence = field.confidence.max(CONFIRMED);
    }
}

/// Runs every cross-check; amounts that agree are confirmed (see [`CONFIRMED`]).
pub(crate) fn cross_check(
    invoice: &mut Invoice,
    total_in_words: Option<&Field<Amount>>,
) -> Vec<Issue> {
    let mut issues: Vec<Issue> = REQUIRED
        .iter()
        .filter(|name| invoice.field(name).is_none())
        .map(|name| Issue::new(IssueCode::Missing, *name, format!("no {name} found")))
        .collect();
    let cents = |field: &Option<Field<Amount>>| field.as_ref().map(|f| f.value.cents);
    let (net, tax, total) = (
        cents(&invoice.net),
        cents(&invoice.tax),
        cents(&invoice.total),
    );
    match (net, tax, total) {
        (Some(net), tax, Some(total)) if net + tax.unwrap_or(0) == total => {
            confirm(&mut invoice.net);
            confirm(&mut invoice.tax);
            confirm(&mut invoice.total);
        }
        (Some(net), tax, Some(total)) => issues.push(Issue::new(
            IssueCode::TotalsDisagree,
            "total",
            format!(
                "net {} + tax {} = {}, but the total reads {}",
                money(net),
                money(tax.unwrap_or(0)),
                money(net + tax.unwrap_or(0)),
                money(total)
            ),
        )),
        _ => {}
    }
    for (index, item) in invoice.line_items.iter().enumerate() {
        let expected = (item.quantity * item.unit_cents as f64).round() as i64;
        if expected != item.amount_cents {
            issues.push(Issue::new(
                IssueCode::ItemArithmetic,
                format!("line_items[{index}]"),
                format!(
                    "{} × {} = {}, but the amount reads {}",
                    item.quantity,
                    money(item.unit_cents),
                    money(expected),
                    money(item.amount_cents)
                ),
            ));
        }
    }
    if let (Some(net), false) = (net, invoice.line_items.is_empty()) {
        let sum: i64 = invoice
            .line_items
            .iter()
            .map(|item| item.amount_cents)
            .sum();
        if sum == net && !issues.iter().any(|i| i.code == IssueCode::ItemArithmetic) {
            confirm(&mut invoice.net);
            for item in &mut invoice.line_items {
                if item.confidence != REPAIRED {
                    item.confidence = item.confidence.max(CONFIRMED);
                }
            }
        } else if sum != net {
            issues.push(Issue::new(
                IssueCode::ItemsDisagree,
                "line_items",
                format!(
                    "the {} line items add up to {}, but the net reads {}",
                    invoice.line_items.len(),
                    money(sum),
                    money(net)
                ),
            ));
        }
    }
    if let (Some(words), Some(total)) = (total_in_words, total)
        && words.value.cents != total
    {
        issues.push(Issue::new(
            IssueCode::TotalInWordsDisagrees,
            "total",
            format!(
                "the total in words reads {}, the figures {}",
                money(words.value.cents),
                money(total)
            ),
        ));
    }
    issues
}

/// The invoice's issues plus every field and line item read with a confidence below
/// `threshold` (0–1). An empty list means the invoice can be booked without a person.
pub fn review(invoice: &Invoice, threshold: f32) -> Vec<Issue> {
    let mut issues = invoice.issues.clone();
    for name in Invoice::FIELDS {
        if let Some((value, confidence)) = invoice.field(name)
            && confidence < threshold
        {
            issues.push(Issue::new(
                IssueCode::LowConfidence,
                name,
                format!("{name} `{value}` read with confidence {confidence:.2} < {threshold:.2}"),
            ));
        }
    }
    for (index, item) in invoice.line_items.iter().enumerate() {
        if item.confidence < threshold {
            issues.push(Issue::new(
                IssueCode::LowConfidence,
                format!("line_items[{index}]"),
                format!(
                    "line item `{}` read with confidence {:.2} < {threshold:.2}",
                    item.description, item.confidence
                ),
            ));
        }
    }
    issues
}
