//! Rule-based extractors: where a format and a checksum say more than a model could. Each
//! returns what it found with the byte span in the input text, in order of appearance.

mod amounts;
mod dates;
mod ids;
mod invoice;

use std::str::FromStr;

use serde::Serialize;

pub use amounts::{Amount, amounts, parse_chinese_uppercase, parse_number};
pub use dates::{Date, DateOrder, dates};
pub use ids::{
    Iban, cn_credit_codes, cn_resident_ids, ibans, is_valid_cn_credit_code,
    is_valid_cn_resident_id, is_valid_iban, vat_ids,
};
pub use invoice::invoice_numbers;

/// One match: the value, the text it was read from and its byte span.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found<T> {
    pub value: T,
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// What [`extract`] looks for; the names are the ones scripts use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dates,
    Amounts,
    Ibans,
    InvoiceNumbers,
    VatIds,
    CnResidentIds,
    CnCreditCodes,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Dates,
        Kind::Amounts,
        Kind::Ibans,
        Kind::InvoiceNumbers,
        Kind::VatIds,
        Kind::CnResidentIds,
        Kind::CnCreditCodes,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Dates => "dates",
            Kind::Amounts => "amounts",
            Kind::Ibans => "ibans",
            Kind::InvoiceNumbers => "invoice_numbers",
            Kind::VatIds => "vat_ids",
            Kind::CnResidentIds => "cn_resident_ids",
            Kind::CnCreditCodes => "cn_credit_codes",
        }
    }
}

/// An unknown extractor name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown extractor `{0}`; use dates, amounts, ibans, invoice_numbers, vat_ids, cn_resident_ids or cn_credit_codes"
)]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().trim_end_matches('s');
        Kind::ALL
            .into_iter()
            .find(|kind| kind.name().trim_end_matches('s') == wanted)
            .ok_or_else(|| UnknownKind(text.to_owned()))
    }
}

/// A found value of any kind, for callers that pick the kind at run time (the agent's
/// `extract(kind, text)` step). Serialises as the inner value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Date(Date),
    Amount(Amount),
    Iban(Iban),
    Text(String),
}

/// Runs one extractor.
pub fn extract(kind: Kind, text: &str) -> Vec<Found<Value>> {
    fn wrap<T>(found: Vec<Found<T>>, f: impl Fn(T) -> Value) -> Vec<Found<Value>> {
        found
            .into_iter()
            .map(|item| Found {
                value: f(item.value),
                text: item.text,
                start: item.start,
                end: item.end,
            })
            .collect()
    }
    match kind {
        Kind::Dates => wrap(dates(text, DateOrder::DayFirst), Value::Date),
        Kind::Amounts => wrap(amounts(text), Value::Amount),
        Kind::Ibans => wrap(ibans(text), Value::Iban),
        Kind::InvoiceNumbers => wrap(invoice_numbers(text), Value::Text),
        Kind::VatIds => wrap(vat_ids(text), Value::Text),
        Kind::CnResidentIds => wrap(cn_resident_ids(text), Value::Text),
        Kind::CnCreditCodes => wrap(cn_credit_codes(text), Value::Text),
    }
}

/// Keeps the earliest, then longest, of overlapping matches.
fn without_overlaps<T>(mut found: Vec<Found<T>>) -> Vec<Found<T>> {
    found.sort_by_key(|item| (item.start, std::cmp::Reverse(item.end)));
    let mut kept: Vec<Found<T>> = Vec::with_capacity(found.len());
    for item in found {
        if kept.last().is_none_or(|last| item.start >= last.end) {
            kept.push(item);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_by_name_singular_or_plural() {
        for kind in Kind::ALL {
            assert_eq!(kind.name().parse::<Kind>(), Ok(kind));
        }
        assert_eq!("iban".parse::<Kind>(), Ok(Kind::Ibans));
        assert!("phone_numbers".parse::<Kind>().is_err());
    }
}
