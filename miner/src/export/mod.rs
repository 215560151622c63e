//! Exporters: XES (plain or gzip), CSV and OCEL 2.0 JSON. Each writes the log as stored:
//! events per case in their sorted order, every attribute kept as far as the format can carry
//! it (CSV has no types; OCEL JSON has no nested attributes, which it writes as text).

pub mod csv;
pub mod ocel;
pub mod xes;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::log::Log;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "{path}: cannot tell the export format from the name (use .xes, .xes.gz, .csv or .jsonocel)"
    )]
    UnknownFormat { path: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Xes,
    XesGz,
    Csv,
    OcelJson,
}

impl ExportFormat {
    pub fn from_path(path: &Path) -> Option<ExportFormat> {
        let name = path.file_name()?.to_string_lossy().to_lowercase();
        Some(if name.ends_with(".xes.gz") {
            ExportFormat::XesGz
        } else if name.ends_with(".xes") {
            ExportFormat::Xes
        } else if name.ends_with(".csv") {
            ExportFormat::Csv
        } else if name.ends_with(".jsonocel") || name.ends_with(".json") {
            ExportFormat::OcelJson
        } else {
            return None;
        })
    }
}

/// Writes `log` to `out` in `format`.
pub fn write_to(log: &Log, format: ExportFormat, out: impl Write) -> io::Result<()> {
    match format {
        ExportFormat::Xes => xes::write(log, out),
        ExportFormat::XesGz => {
            let mut encoder = GzEncoder::new(out, Compression::default());
            xes::write(log, &mut encoder)?;
            encoder.finish()?.flush()
        }
        ExportFormat::Csv => csv::write(log, out),
        ExportFormat::OcelJson => ocel::write(log, out),
    }
}

/// Writes `log` to the file at `path`, the format chosen by its name.
pub fn write_path(log: &Log, path: &Path) -> Result<ExportFormat, ExportError> {
    let format = ExportFormat::from_path(path).ok_or_else(|| ExportError::UnknownFormat {
        path: path.display().to_string(),
    })?;
    let io_error = |source| ExportError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = File::create(path).map_err(io_error)?;
    let mut out = BufWriter::new(file);
    write_to(log, format, &mut out).map_err(io_error)?;
    out.flush().map_err(io_error)?;
    Ok(format)
}
