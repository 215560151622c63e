//! Importers: each reads one format into a [`Log`] plus [`Diagnostic`]s, or fails with an
//! [`ImportError`] that names where the input went wrong. None of them panics on bad input.

pub mod csv;
pub mod jsonl;
pub mod xes;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::diagnostic::Diagnostic;
use crate::log::Log;
use crate::ocel::{self, OcelError};

/// What an import produced.
pub type Imported = (Log, Vec<Diagnostic>);

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{file}: XML error at byte {byte}: {message}")]
    Xml {
        file: String,
        byte: u64,
        message: String,
    },
    #[error("{file}: row {row}{column}: {message}", column = column.as_ref().map(|c| format!(", column {c:?}")).unwrap_or_default())]
    Csv {
        file: String,
        row: u64,
        column: Option<String>,
        message: String,
    },
    #[error("{file}: line {line}: {message}")]
    Json {
        file: String,
        line: u64,
        message: String,
    },
    #[error(transparent)]
    Ocel(#[from] OcelError),
    #[error("{file}: {message}")]
    Format { file: String, message: String },
}

/// The formats Flowbot reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xes,
    Csv,
    /// OCEL 2.0 JSON or OCEL 1.0 JSON (told apart by content).
    OcelJson,
    OcelXml,
    OcelSqlite,
    /// One `flowbot_model::Event` per line (the bots' run history).
    Jsonl,
}

impl Format {
    /// The format a file name implies (`.gz` is looked through).
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_string_lossy().to_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let extension = name.rsplit('.').next()?;
        Some(match extension {
            "xes" => Format::Xes,
            "csv" | "tsv" | "txt" => Format::Csv,
            "jsonocel" | "json" => Format::OcelJson,
            "xmlocel" | "xml" => Format::OcelXml,
            "sqlite" | "sqlite3" | "db" => Format::OcelSqlite,
            "jsonl" | "ndjson" => Format::Jsonl,
            _ => return None,
        })
    }
}

/// Options that apply across importers.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub format: Option<Format>,
    pub csv: csv::CsvOptions,
    /// For object-centric logs: the object type whose objects become cases.
    pub object_type: Option<String>,
}

/// Opens `path` for reading, decompressing gzip when the file starts with its magic bytes
/// (whatever the name says).
pub fn open(path: &Path) -> Result<Box<dyn BufRead>, ImportError> {
    let io_error = |source| ImportError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = BufReader::with_capacity(1 << 16, File::open(path).map_err(io_error)?);
    let head = file.fill_buf().map_err(io_error)?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(file),
        )))
    } else {
        Ok(Box::new(file))
    }
}

/// Wraps a reader so a progress callback sees how many bytes were consumed.
pub struct Counting<R, F> {
    inner: R,
    read: u64,
    report: F,
}

impl<R: Read, F: FnMut(u64)> Counting<R, F> {
    pub fn new(inner: R, report: F) -> Self {
        Self {
            inner,
            read: 0,
            report,
        }
    }
}

impl<R: Read, F: FnMut(u64)> Read for Counting<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buf)?;
        self.read += count as u64;
        (self.report)(self.read);
        Ok(count)
    }
}

/// Imports any supported file (or a run folder containing `events.jsonl`), choosing the
/// importer from `options.format` or the file name. `progress` is told the compressed bytes
/// read so far, for a progress bar.
pub fn import_path(
    path: &Path,
    options: &ImportOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<Imported, ImportError> {
    let path: PathBuf = if path.is_dir() {
        path.join("events.jsonl")
    } else {
        path.to_path_buf()
    };
    let file_name = path.display().to_string();
    let format = options
        .format
        .or_else(|| Format::from_path(&path))
        .ok_or_else(|| ImportError::Format {
            file: file_name.clone(),
            message: "cannot tell the format from the file name; pass --input-format".into(),
        })?;
    let io_error = |source| ImportError::Io {
        path: file_name.clone(),
        source,
    };
    let file = File::open(&path).map_err(io_error)?;
    let counted = Counting::new(file, progress);
    let mut buffered = BufReader::with_capacity(1 << 16, counted);
    let gz = buffered
        .fill_buf()
        .map_err(io_error)?
        .starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn BufRead + '_> = if gz {
        Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    };
    match format {
        Format::Xes => xes::read(reader, &file_name),
        Format::Csv => csv::read(reader, &file_name, &options.csv),
        Format::Jsonl => jsonl::read(reader, &file_name),
        Format::OcelJson => {
            let ocel = ocel::json::read(reader, &file_name)?;
            flatten(ocel, options, &file_name)
        }
        Format::OcelXml => {
            let ocel = ocel::xml::read(reader, &file_name)?;
            flatten(ocel, options, &file_name)
        }
        // SQLite reads the file by path itself; the opened handle is simply dropped.
        Format::OcelSqlite => {
            let ocel = ocel::sqlite::read(&path)?;
            flatten(ocel, options, &file_name)
        }
    }
}

fn flatten(
    ocel: ocel::Ocel,
    options: &ImportOptions,
    file_name: &str,
) -> Result<Imported, ImportError> {
    let object_type = match &options.object_type {
        Some(object_type) => object_type.clone(),
        None => ocel
            .default_object_type()
            .ok_or_else(|| ImportError::Format {
                file: file_name.to_owned(),
                message: "the object-centric log has no objects to use as cases".into(),
            })?,
    };
    if !ocel.object_types().any(|known| known == object_type) {
        let known: Vec<&str> = ocel.object_types().collect();
        return Err(ImportError::Format {
            file: file_name.to_owned(),
            message: format!(
                "object type {object_type:?} is not in the log (it has {})",
                known.join(", ")
            ),
        });
    }
    let mut diagnostics = ocel.diagnostics.clone();
    let log = ocel.flatten(&object_type, &mut diagnostics);
    Ok((log, diagnostics))
}

/// Reads OCEL JSON (2.0 or 1.0) from `reader` and flattens it on `object_type`.
pub fn ocel_json_flattened(
    reader: impl BufRead,
    file: &str,
    object_type: &str,
) -> Result<Imported, ImportError> {
    let ocel = ocel::json::read(reader, file)?;
    let options = ImportOptions {
        object_type: Some(object_type.to_owned()),
        ..ImportOptions::default()
    };
    flatten(ocel, &options, file)
}
