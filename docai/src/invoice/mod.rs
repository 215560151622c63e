//! Invoice extraction from a read [`Document`]: invoice number, date, supplier, buyer, net,
//! tax, total, currency and line items, each with its value, a confidence (0–1) and the box
//! of the words it was read from; then the cross-checks (net + tax = total, the items add up
//! to the net, quantity × unit price = amount, the Chinese uppercase total equals the numeric
//! one) as named issues.
//!
//! Layout-independent: fields are found by their labels (English and Chinese) and by
//! geometry — value after the label, in the next column or the line below — never by fixed
//! positions. Confidence is the mean OCR confidence of the source words (1.0 for a PDF text
//! layer, whose boxes come from `pdftotext -bbox-layout`) times how sure the rule is (1.0 for
//! a labelled value, less for one found by position alone). Amounts that the arithmetic
//! cross-checks confirm are raised to at least [`CONFIRMED`]: two independent readings that
//! add up are stronger evidence than either word's OCR score. A single misread figure is put
//! right by the others first (`repair.rs`) and marked with [`REPAIRED`] confidence.

mod checks;
mod fields;
mod items;
mod layout;
mod repair;
#[cfg(test)]
mod tests;

use serde::Serialize;

pub use checks::{Issue, IssueCode, review};
pub use items::normalise_description;
pub use repair::REPAIRED;

use crate::document::Document;
use crate::engine::BBox;
use crate::extract::{Amount, Date, Found};

/// The confidence of amounts the cross-checks confirm.
pub const CONFIRMED: f32 = 0.99;

/// One extracted value with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field<T> {
    pub value: T,
    /// 0–1.
    pub confidence: f32,
    /// 1-based page.
    pub page: usize,
    /// In the page's unit (pixels of an image, PDF points).
    pub bbox: BBox,
}

/// One row of the items table; money in hundredths.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineItem {
    pub description: String,
    pub quantity: f64,
    pub unit_cents: i64,
    pub amount_cents: i64,
    pub confidence: f32,
    pub page: usize,
    pub bbox: BBox,
}

/// What [`extract_invoice`] found, and what did not add up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invoice {
    pub invoice_number: Option<Field<String>>,
    pub date: Option<Field<Date>>,
    pub supplier: Option<Field<String>>,
    pub buyer: Option<Field<String>>,
    pub net: Option<Field<Amount>>,
    pub tax: Option<Field<Amount>>,
    pub total: Option<Field<Amount>>,
    /// ISO 4217.
    pub currency: Option<Field<String>>,
    pub line_items: Vec<LineItem>,
    /// Failed cross-checks and missing fields (not low confidence: that depends on the
    /// caller's threshold, see [`review`]).
    pub issues: Vec<Issue>,
}

impl Invoice {
    /// The names of the scalar fields, in the order they are reported.
    pub const FIELDS: [&'static str; 8] = [
        "invoice_number",
        "date",
        "supplier",
        "buyer",
        "net",
        "tax",
        "total",
        "currency",
    ];

    /// A scalar field's value as text (amounts as `1234.56`, dates ISO) and confidence.
    pub fn field(&self, name: &str) -> Option<(String, f32)> {
        fn text<T: ToString>(field: &Option<Field<T>>) -> Option<(String, f32)> {
            field
                .as_ref()
                .map(|field| (field.value.to_string(), field.confidence))
        }
        fn money(field: &Option<Field<Amount>>) -> Option<(String, f32)> {
            field
                .as_ref()
                .map(|field| (field.value.value.clone(), field.confidence))
        }
        match name {
            "invoice_number" => text(&self.invoice_number),
            "date" => text(&self.date),
            "supplier" => text(&self.supplier),
            "buyer" => text(&self.buyer),
            "net" => money(&self.net),
            "tax" => money(&self.tax),
            "total" => money(&self.total),
            "currency" => text(&self.currency),
            _ => None,
        }
    }
}

/// Finds the invoice fields in a document and cross-checks them.
pub fn extract_invoice(document: &Document) -> Invoice {
    let rows = layout::rows(document);
    let net = fields::net(&rows);
    let tax = fields::tax(&rows);
    let total = fields::total(&rows);
    let currency = {
        let found: Vec<&Field<Amount>> = [&total, &net, &tax].into_iter().flatten().collect();
        fields::currency(&rows, &found)
    };
    let mut invoice = Invoice {
        invoice_number: fields::invoice_number(&rows),
        date: fields::date(&rows),
        supplier: fields::supplier(&rows),
        buyer: fields::buyer(&rows),
        net,
        tax,
        total,
        currency,
        line_items: items::line_items(&rows),
        issues: Vec::new(),
    };
    let total_in_words = fields::total_in_words(&rows);
    repair::repair(&mut invoice);
    invoice.issues = checks::cross_check(&mut invoice, total_in_words.as_ref());
    invoice
}
