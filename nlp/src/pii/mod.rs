//! Personal-data detection and redaction. A [`PiiDetector`] finds spans; [`redact`] replaces
//! them with `[KIND]` placeholders. The default detector combines the Rampart token classifier
//! (names, phones, addresses, ID numbers, …) with checksum-validated rules for the kinds a
//! pattern decides better than a model (emails, IBANs, card numbers).

pub mod rampart;
pub mod rules;

use serde::Serialize;

use crate::error::NlpError;

/// What a span of personal data is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    GivenName,
    Surname,
    Email,
    Phone,
    Url,
    TaxId,
    BankAccount,
    Iban,
    CardNumber,
    RoutingNumber,
    GovernmentId,
    Passport,
    DriversLicense,
    Ssn,
    BuildingNumber,
    StreetName,
    SecondaryAddress,
    City,
    State,
    ZipCode,
}

impl PiiKind {
    /// The name scripts see (`"given_name"`).
    pub fn name(self) -> &'static str {
        match self {
            PiiKind::GivenName => "given_name",
            PiiKind::Surname => "surname",
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::Url => "url",
            PiiKind::TaxId => "tax_id",
            PiiKind::BankAccount => "bank_account",
            PiiKind::Iban => "iban",
            PiiKind::CardNumber => "card_number",
            PiiKind::RoutingNumber => "routing_number",
            PiiKind::GovernmentId => "government_id",
            PiiKind::Passport => "passport",
            PiiKind::DriversLicense => "drivers_license",
            PiiKind::Ssn => "ssn",
            PiiKind::BuildingNumber => "building_number",
            PiiKind::StreetName => "street_name",
            PiiKind::SecondaryAddress => "secondary_address",
            PiiKind::City => "city",
            PiiKind::State => "state",
            PiiKind::ZipCode => "zip_code",
        }
    }

    /// The placeholder redaction writes (`[GIVEN_NAME]`).
    pub fn placeholder(self) -> String {
        format!("[{}]", self.name().to_ascii_uppercase())
    }

    /// The kind of a Rampart label without its B-/I- prefix (`GIVEN_NAME`).
    pub fn from_model_label(label: &str) -> Option<Self> {
        Some(match label {
            "GIVEN_NAME" => PiiKind::GivenName,
            "SURNAME" => PiiKind::Surname,
            "EMAIL" => PiiKind::Email,
            "PHONE" => PiiKind::Phone,
            "URL" => PiiKind::Url,
            "TAX_ID" => PiiKind::TaxId,
            "BANK_ACCOUNT" => PiiKind::BankAccount,
            "ROUTING_NUMBER" => PiiKind::RoutingNumber,
            "GOVERNMENT_ID" => PiiKind::GovernmentId,
            "PASSPORT" => PiiKind::Passport,
            "DRIVERS_LICENSE" => PiiKind::DriversLicense,
            "BUILDING_NUMBER" => PiiKind::BuildingNumber,
            "STREET_NAME" => PiiKind::StreetName,
            "SECONDARY_ADDRESS" => PiiKind::SecondaryAddress,
            "CITY" => PiiKind::City,
            "STATE" => PiiKind::State,
            "ZIP_CODE" => PiiKind::ZipCode,
            _ => return None,
        })
    }
}

/// One detected piece of personal data: byte offsets into the text it was found in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PiiSpan {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
    /// The model's confidence (mean over the span's tokens), 1 for a checksum-validated rule.
    pub score: f32,
}

/// Finds personal data in text.
pub trait PiiDetector: Send + Sync {
    /// Non-overlapping spans in order of position.
    fn detect(&self, text: &str) -> Result<Vec<PiiSpan>, NlpError>;
}

/// `text` with every span replaced by its kind's placeholder. `spans` must not overlap.
pub fn redact(text: &str, spans: &[PiiSpan]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        if span.start < at || span.end > text.len() {
            continue;
        }
        out.push_str(&text[at..span.start]);
        out.push_str(&span.kind.placeholder());
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Keeps one span wherever spans overlap: rule matches (score 1, checksum-validated) over model
/// guesses, then the longer span. Returns them sorted by position.
pub(crate) fn resolve_overlaps(mut spans: Vec<PiiSpan>) -> Vec<PiiSpan> {
    spans.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<PiiSpan> = Vec::with_capacity(spans.len());
    for span in spans {
        if kept
            .iter()
            .all(|other| span.end <= other.start || span.start >= other.end)
        {
            kept.push(span);
        }
    }
    kept.sort_by_key(|span| span.start);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(kind: PiiKind, start: usize, end: usize, score: f32) -> PiiSpan {
        PiiSpan {
            kind,
            start,
            end,
            score,
        }
    }

    #[test]
    fn redact_replaces_spans_with_placeholders() {
        let text = "Mail anna@example.com or call Anna.";
        let spans = [
            span(PiiKind::Email, 5, 21, 1.0),
            span(PiiKind::GivenName, 30, 34, 0.9),
        ];
        assert_eq!(redact(text, &spans), "Mail [EMAIL] or call [GIVEN_NAME].");
    }

    #[test]
    fn rule_spans_win_over_overlapping_model_spans() {
        let spans = vec![
            span(PiiKind::BankAccount, 0, 10, 0.8),
            span(PiiKind::Iban, 0, 22, 1.0),
            span(PiiKind::City, 30, 36, 0.7),
        ];
        let kinds: Vec<PiiKind> = resolve_overlaps(spans).iter().map(|s| s.kind).collect();
        assert_eq!(kinds, vec![PiiKind::Iban, PiiKind::City]);
    }
}
