//! What an importer tells the user about input it had to repair or skip.

use std::fmt;

/// Where in the input a diagnostic points.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "at")]
pub enum Location {
    /// 1-based line of a text file (XML, JSON lines).
    Line(u64),
    /// Byte offset, where a parser knows no line (compressed input).
    Byte(u64),
    /// 1-based data row of a CSV file (the header is row 0) or a table row.
    Row(u64),
    /// An item named by id (an OCEL event or object).
    Item(String),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(line) => write!(f, "line {line}"),
            Location::Byte(byte) => write!(f, "byte {byte}"),
            Location::Row(row) => write!(f, "row {row}"),
            Location::Item(id) => write!(f, "{id}"),
        }
    }
}

/// One repaired or skipped piece of input: file, place, field, and what was done about it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub file: String,
    pub location: Location,
    pub field: Option<String>,
    pub message: String,
}

impl Diagnostic {
    pub fn new(
        file: impl Into<String>,
        location: Location,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            location,
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.location)?;
        if let Some(field) = &self.field {
            write!(f, ", field {field:?}")?;
        }
        write!(f, ": {}", self.message)
    }
}
