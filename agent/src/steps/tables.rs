//! Tables: CSV (`csv`) and Excel (`calamine` to read, `rust_xlsxwriter` to write). A table is an
//! array of maps keyed by the header row, which is what scripts loop over.

use std::path::Path;
use std::sync::Arc;

use calamine::{Data, Reader};
use rhai::{Array, Dynamic, ImmutableString, Map, NativeCallContext};

use crate::catalogue::ParamType::{Array as ArrayT, Map as MapT, String as Str, Unit};
use crate::catalogue::{Category, Effect, Param, Registrar, StepSpec};
use crate::error::StepError;
use crate::runtime::{Runtime, StepRecord};
use crate::steps::files::ensure_parent;
use crate::steps::option;

/// `(path, rows, columns)`: the parameters of `write_csv` and `write_xlsx`; without columns,
/// the first two.
const WRITE_ROWS_WITH_COLUMNS: &[Param] = &[
    Param {
        name: "path",
        ty: Str,
    },
    Param {
        name: "rows",
        ty: ArrayT,
    },
    Param {
        name: "columns",
        ty: ArrayT,
    },
];

pub(crate) fn register(reg: &mut Registrar<'_>, rt: &Arc<Runtime>) {
    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "read_csv",
            category: Category::Tables,
            effect: Effect::Read,
            doc: "Rows of the CSV file at `path` as maps keyed by the header row; values are strings.",
            params: &[Param { name: "path", ty: Str }],
            returns: ArrayT,
            example: "for row in read_csv(\"in/bank.csv\") { log(row.amount); }",
        },
        move |ctx: NativeCallContext, path: ImmutableString| {
            runtime.step(&ctx, "read_csv", &[&path.clone().into()], |record| {
                read_csv(&runtime, record, &path, &Map::new())
            })
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "read_csv",
            category: Category::Tables,
            effect: Effect::Read,
            doc: "Like `read_csv(path)`, with options: `delimiter` (one character, default \",\").",
            params: &[
                Param {
                    name: "path",
                    ty: Str,
                },
                Param {
                    name: "options",
                    ty: MapT,
                },
            ],
            returns: ArrayT,
            example: "let rows = read_csv(\"in/export.csv\", #{ delimiter: \";\" });",
        },
        move |ctx: NativeCallContext, path: ImmutableString, options: Map| {
            let args = [&path.clone().into(), &options.clone().into()];
            runtime.step(&ctx, "read_csv", &args, |record| {
                read_csv(&runtime, record, &path, &options)
            })
        },
    );

    for (name, with_columns) in [("write_csv", false), ("write_csv", true)] {
        let runtime = Arc::clone(rt);
        let spec = StepSpec {
            name,
            category: Category::Tables,
            effect: Effect::Write,
            doc: if with_columns {
                "Writes `rows` (maps) to a CSV file with the given column order."
            } else {
                "Writes `rows` (maps) to a CSV file; columns are the first row's keys, sorted."
            },
            params: if with_columns {
                WRITE_ROWS_WITH_COLUMNS
            } else {
                &WRITE_ROWS_WITH_COLUMNS[..2]
            },
            returns: Unit,
            example: if with_columns {
                "write_csv(\"out/exceptions.csv\", rows, [\"id\", \"reason\"]);"
            } else {
                "write_csv(\"out/clean.csv\", rows);"
            },
        };
        if with_columns {
            reg.add(
                spec,
                move |ctx: NativeCallContext,
                      path: ImmutableString,
                      rows: Array,
                      columns: Array| {
                    write_table(&runtime, &ctx, "write_csv", &path, &rows, Some(&columns))
                },
            );
        } else {
            reg.add(
                spec,
                move |ctx: NativeCallContext, path: ImmutableString, rows: Array| {
                    write_table(&runtime, &ctx, "write_csv", &path, &rows, None)
                },
            );
        }
    }

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "read_xlsx",
            category: Category::Tables,
            effect: Effect::Read,
            doc: "Rows of the first sheet of the workbook at `path` (xlsx, xls, ods) as maps keyed by\nthe header row. Numbers stay numbers, dates become `YYYY-MM-DD` (or with time) text,\nempty cells \"\".",
            params: &[Param { name: "path", ty: Str }],
            returns: ArrayT,
            example: "let ledger = read_xlsx(\"in/ledger.xlsx\");",
        },
        move |ctx: NativeCallContext, path: ImmutableString| {
            runtime.step(&ctx, "read_xlsx", &[&path.clone().into()], |record| {
                read_xlsx(&runtime, record, &path, None)
            })
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "read_xlsx",
            category: Category::Tables,
            effect: Effect::Read,
            doc: "Rows of the sheet named `sheet`.",
            params: &[
                Param {
                    name: "path",
                    ty: Str,
                },
                Param {
                    name: "sheet",
                    ty: Str,
                },
            ],
            returns: ArrayT,
            example: "let rates = read_xlsx(\"in/ledger.xlsx\", \"FX\");",
        },
        move |ctx: NativeCallContext, path: ImmutableString, sheet: ImmutableString| {
            let args = [&path.clone().into(), &sheet.clone().into()];
            runtime.step(&ctx, "read_xlsx", &args, |record| {
                read_xlsx(&runtime, record, &path, Some(&sheet))
            })
        },
    );

    for with_columns in [false, true] {
        let runtime = Arc::clone(rt);
        let spec = StepSpec {
            name: "write_xlsx",
            category: Category::Tables,
            effect: Effect::Write,
            doc: if with_columns {
                "Writes `rows` (maps) to a one-sheet workbook with the given column order; a bold\nheader row, numbers as numbers."
            } else {
                "Writes `rows` (maps) to a one-sheet workbook; columns are the first row's keys, sorted."
            },
            params: if with_columns {
                WRITE_ROWS_WITH_COLUMNS
            } else {
                &WRITE_ROWS_WITH_COLUMNS[..2]
            },
            returns: Unit,
            example: "write_xlsx(\"out/exceptions.xlsx\", exceptions, [\"id\", \"reason\"]);",
        };
        if with_columns {
            reg.add(
                spec,
                move |ctx: NativeCallContext,
                      path: ImmutableString,
                      rows: Array,
                      columns: Array| {
                    write_table(&runtime, &ctx, "write_xlsx", &path, &rows, Some(&columns))
                },
            );
        } else {
            reg.add(
                spec,
                move |ctx: NativeCallContext, path: ImmutableString, rows: Array| {
                    write_table(&runtime, &ctx, "write_xlsx", &path, &rows, None)
                },
            );
        }
    }
}

fn read_csv(
    runtime: &Runtime,
    record: &mut StepRecord,
    path: &str,
    options: &Map,
) -> Result<Array, StepError> {
    record.attr("path", path);
    let delimiter = match option(options, "delimiter").map(|value| value.to_string()) {
        None => b',',
        Some(text) if text.len() == 1 => text.as_bytes()[0],
        Some(text) => {
            return Err(StepError::invalid(format!(
                "delimiter must be one ASCII character, not {text:?}"
            )));
        }
    };
    let real = runtime.resolve(path)?;
    let csv_error = |source| StepError::Csv {
        path: real.clone(),
        source,
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_path(&real)
        .map_err(csv_error)?;
    let headers: Vec<ImmutableString> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(|header| header.trim_start_matches('\u{feff}').into())
        .collect();
    let mut rows = Array::new();
    for line in reader.records() {
        let line = line.map_err(csv_error)?;
        let row: Map = headers
            .iter()
            .zip(line.iter())
            .map(|(header, value)| (header.as_str().into(), Dynamic::from(value.to_owned())))
            .collect();
        rows.push(row.into());
    }
    record.attr("rows", rows.len());
    Ok(rows)
}

fn read_xlsx(
    runtime: &Runtime,
    record: &mut StepRecord,
    path: &str,
    sheet: Option<&str>,
) -> Result<Array, StepError> {
    record.attr("path", path);
    let real = runtime.resolve(path)?;
    let excel_error = |message: String| StepError::Excel {
        path: real.clone(),
        message,
    };
    let mut workbook =
        calamine::open_workbook_auto(&real).map_err(|error| excel_error(error.to_string()))?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(sheet) => sheet.to_owned(),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| excel_error("the workbook has no sheets".to_owned()))?,
    };
    if !names.contains(&name) {
        return Err(excel_error(format!(
            "no sheet `{name}` (sheets: {})",
            names.join(", ")
        )));
    }
    record.attr("sheet", name.as_str());
    let range = workbook
        .worksheet_range(&name)
        .map_err(|error| excel_error(error.to_string()))?;
    let mut lines = range.rows();
    let headers: Vec<String> = match lines.next() {
        Some(header) => header.iter().map(cell_text).collect(),
        None => Vec::new(),
    };
    let mut rows = Array::new();
    for line in lines {
        if line.iter().all(|cell| matches!(cell, Data::Empty)) {
            continue;
        }
        let row: Map = headers
            .iter()
            .zip(line.iter())
            .filter(|(header, _)| !header.is_empty())
            .map(|(header, cell)| (header.as_str().into(), cell_value(cell)))
            .collect();
        rows.push(row.into());
    }
    record.attr("rows", rows.len());
    Ok(rows)
}

fn cell_text(cell: &Data) -> String {
    cell_value(cell).to_string()
}

fn cell_value(cell: &Data) -> Dynamic {
    match cell {
        Data::Int(value) => Dynamic::from_int(*value),
        Data::Float(value) => Dynamic::from_float(*value),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => {
            Dynamic::from(text.clone())
        }
        Data::Bool(flag) => Dynamic::from_bool(*flag),
        Data::DateTime(value) => match value.as_datetime() {
            Some(stamp) if stamp.time() == chrono::NaiveTime::MIN => {
                Dynamic::from(stamp.date().format("%Y-%m-%d").to_string())
            }
            Some(stamp) => Dynamic::from(stamp.format("%Y-%m-%dT%H:%M:%S").to_string()),
            None => Dynamic::from_float(value.as_f64()),
        },
        Data::Error(error) => Dynamic::from(format!("#{error:?}")),
        Data::Empty => Dynamic::from(String::new()),
    }
}

/// The column order: given, or the first row's keys.
fn columns_of(rows: &Array, columns: Option<&Array>) -> Result<Vec<String>, StepError> {
    match columns {
        Some(columns) => Ok(columns.iter().map(|column| column.to_string()).collect()),
        None => match rows
            .first()
            .and_then(|row| row.read_lock::<Map>().map(|m| m.clone()))
        {
            Some(first) => Ok(first.keys().map(|key| key.to_string()).collect()),
            None if rows.is_empty() => Ok(Vec::new()),
            None => Err(StepError::invalid(
                "rows must be maps (`#{ column: value }`)",
            )),
        },
    }
}

fn write_table(
    runtime: &Runtime,
    ctx: &NativeCallContext,
    step: &'static str,
    path: &str,
    rows: &Array,
    columns: Option<&Array>,
) -> Result<(), Box<rhai::EvalAltResult>> {
    let args = [
        &Dynamic::from(path.to_owned()),
        &Dynamic::from_int(rows.len() as i64),
    ];
    runtime.step_as(ctx, step, step, Effect::Write, &args, |record| {
        record.attr("path", path);
        record.attr("rows", rows.len());
        let real = runtime.resolve(path)?;
        let columns = columns_of(rows, columns)?;
        let mut table = Vec::with_capacity(rows.len());
        for (index, row) in rows.iter().enumerate() {
            let map = row.read_lock::<Map>().ok_or_else(|| {
                StepError::invalid(format!(
                    "row {} is a {}, not a map",
                    index + 1,
                    row.type_name()
                ))
            })?;
            let cells: Vec<Dynamic> = columns
                .iter()
                .map(|column| map.get(column.as_str()).cloned().unwrap_or(Dynamic::UNIT))
                .collect();
            table.push(cells);
        }
        if runtime.dry_run {
            record.skipped = true;
            return Ok(());
        }
        ensure_parent(&real)?;
        if step == "write_csv" {
            write_csv(&real, &columns, &table)
        } else {
            write_xlsx(&real, &columns, &table)
        }
    })
}

fn write_csv(path: &Path, columns: &[String], table: &[Vec<Dynamic>]) -> Result<(), StepError> {
    let csv_error = |source| StepError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut writer = csv::Writer::from_path(path).map_err(csv_error)?;
    writer.write_record(columns).map_err(csv_error)?;
    for cells in table {
        writer
            .write_record(cells.iter().map(|cell| {
                if cell.is_unit() {
                    String::new()
                } else {
                    cell.to_string()
                }
            }))
            .map_err(csv_error)?;
    }
    writer.flush().map_err(|source| StepError::Io {
        action: "cannot write",
        path: path.to_path_buf(),
        source,
    })
}

fn write_xlsx(path: &Path, columns: &[String], table: &[Vec<Dynamic>]) -> Result<(), StepError> {
    let excel_error = |error: rust_xlsxwriter::XlsxError| StepError::Excel {
        path: path.to_path_buf(),
        message: error.to_string(),
    };
    let too_big = || StepError::invalid("the table is larger than a worksheet");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (col, name) in columns.iter().enumerate() {
        let col = u16::try_from(col).map_err(|_| too_big())?;
        sheet
            .write_string_with_format(0, col, name, &bold)
            .map_err(excel_error)?;
    }
    for (row, cells) in table.iter().enumerate() {
        let row = u32::try_from(row + 1).map_err(|_| too_big())?;
        for (col, cell) in cells.iter().enumerate() {
            let col = u16::try_from(col).map_err(|_| too_big())?;
            if let Ok(int) = cell.as_int() {
                // Excel stores numbers as f64; amounts beyond 2^53 would lose digits either way.
                sheet
                    .write_number(row, col, int as f64)
                    .map_err(excel_error)?;
            } else if let Ok(float) = cell.as_float() {
                sheet.write_number(row, col, float).map_err(excel_error)?;
            } else if let Ok(flag) = cell.as_bool() {
                sheet.write_boolean(row, col, flag).map_err(excel_error)?;
            } else if !cell.is_unit() {
                sheet
                    .write_string(row, col, cell.to_string())
                    .map_err(excel_error)?;
            }
        }
    }
    sheet.autofit();
    workbook.save(path).map_err(excel_error)
}
