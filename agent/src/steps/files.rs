//! File and folder steps. Every path goes through [`crate::runtime::FileRoots::resolve`], so a
//! script can only touch the bot's files root and its own run folder.

use std::path::Path;
use std::sync::Arc;

use rhai::{Array, Dynamic, ImmutableString, NativeCallContext};

use crate::catalogue::ParamType::{Array as ArrayT, Bool, String as Str, Unit};
use crate::catalogue::{Category, Effect, Param, Registrar, StepSpec};
use crate::error::StepError;
use crate::runtime::Runtime;

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StepError + 'a {
    move |source| StepError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Creates the parent folders of a file about to be written.
pub(crate) fn ensure_parent(path: &Path) -> Result<(), StepError> {
    match path.parent() {
        Some(parent) => std::fs::create_dir_all(parent).map_err(io("cannot create folder", parent)),
        None => Ok(()),
    }
}

pub(crate) fn register(reg: &mut Registrar<'_>, rt: &Arc<Runtime>) {
    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "read_text",
            category: Category::Files,
            effect: Effect::Read,
            doc: "The whole text file at `path` (UTF-8).",
            params: &[Param {
                name: "path",
                ty: Str,
            }],
            returns: Str,
            example: "let body = read_text(\"in/letter.txt\");",
        },
        move |ctx: NativeCallContext, path: ImmutableString| {
            runtime.step(&ctx, "read_text", &[&path.clone().into()], |record| {
                record.attr("path", path.as_str());
                let real = runtime.resolve(&path)?;
                let text = std::fs::read_to_string(&real).map_err(io("cannot read", &real))?;
                record.attr("bytes", text.len());
                Ok(text)
            })
        },
    );

    for (name, append, doc, example) in [
        (
            "write_text",
            false,
            "Writes `text` to `path`, replacing the file; creates missing folders.",
            "write_text(\"out/summary.txt\", summary);",
        ),
        (
            "append_text",
            true,
            "Appends `text` to `path`, creating the file and folders if needed.",
            "append_text(\"out/audit.log\", `${today()} done\\n`);",
        ),
    ] {
        let runtime = Arc::clone(rt);
        reg.add(
            StepSpec {
                name,
                category: Category::Files,
                effect: Effect::Write,
                doc,
                params: &[
                    Param {
                        name: "path",
                        ty: Str,
                    },
                    Param {
                        name: "text",
                        ty: Str,
                    },
                ],
                returns: Unit,
                example,
            },
            move |ctx: NativeCallContext, path: ImmutableString, text: ImmutableString| {
                runtime.step_as(
                    &ctx,
                    name,
                    name,
                    Effect::Write,
                    &[&path.clone().into(), &text.clone().into()],
                    |record| {
                        record.attr("path", path.as_str());
                        record.attr("bytes", text.len());
                        let real = runtime.resolve(&path)?;
                        if runtime.dry_run {
                            record.skipped = true;
                            return Ok(());
                        }
                        ensure_parent(&real)?;
                        if append {
                            use std::io::Write;
                            std::fs::OpenOptions::new()
                                .create(true)
                                .append(true)
                                .open(&real)
                                .and_then(|mut file| file.write_all(text.as_bytes()))
                                .map_err(io("cannot append to", &real))
                        } else {
                            std::fs::write(&real, text.as_bytes())
                                .map_err(io("cannot write", &real))
                        }
                    },
                )
            },
        );
    }

    for (name, copy, doc, example) in [
        (
            "move_file",
            false,
            "Moves (renames) `from` to `to`, creating the target folder; fails if `to` exists.",
            "move_file(\"in/batch.csv\", \"done/batch.csv\");",
        ),
        (
            "copy_file",
            true,
            "Copies `from` to `to`, creating the target folder; fails if `to` exists.",
            "copy_file(\"templates/report.xlsx\", \"out/report.xlsx\");",
        ),
    ] {
        let runtime = Arc::clone(rt);
        reg.add(
            StepSpec {
                name,
                category: Category::Files,
                effect: Effect::Write,
                doc,
                params: &[
                    Param {
                        name: "from",
                        ty: Str,
                    },
                    Param {
                        name: "to",
                        ty: Str,
                    },
                ],
                returns: Unit,
                example,
            },
            move |ctx: NativeCallContext, from: ImmutableString, to: ImmutableString| {
                runtime.step_as(
                    &ctx,
                    name,
                    name,
                    Effect::Write,
                    &[&from.clone().into(), &to.clone().into()],
                    |record| {
                        record.attr("from", from.as_str());
                        record.attr("to", to.as_str());
                        let source = runtime.resolve(&from)?;
                        let target = runtime.resolve(&to)?;
                        if !source.is_file() {
                            return Err(StepError::invalid(format!("`{from}` is not a file")));
                        }
                        // Overwriting silently loses the earlier file; the script must decide.
                        if target.exists() {
                            return Err(StepError::invalid(format!("`{to}` already exists")));
                        }
                        if runtime.dry_run {
                            record.skipped = true;
                            return Ok(());
                        }
                        ensure_parent(&target)?;
                        if copy {
                            std::fs::copy(&source, &target)
                                .map(|_| ())
                                .map_err(io("cannot copy to", &target))
                        } else {
                            std::fs::rename(&source, &target).map_err(io("cannot move to", &target))
                        }
                    },
                )
            },
        );
    }

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "delete_file",
            category: Category::Files,
            effect: Effect::Write,
            doc: "Deletes the file at `path` (not folders).",
            params: &[Param {
                name: "path",
                ty: Str,
            }],
            returns: Unit,
            example: "delete_file(\"tmp/export.csv\");",
        },
        move |ctx: NativeCallContext, path: ImmutableString| {
            runtime.step_as(
                &ctx,
                "delete_file",
                "delete_file",
                Effect::Write,
                &[&path.clone().into()],
                |record| {
                    record.attr("path", path.as_str());
                    let real = runtime.resolve(&path)?;
                    if runtime.dry_run {
                        record.skipped = true;
                        return Ok(());
                    }
                    std::fs::remove_file(&real).map_err(io("cannot delete", &real))
                },
            )
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "make_dir",
            category: Category::Files,
            effect: Effect::Write,
            doc: "Creates the folder `path` and any missing parents.",
            params: &[Param {
                name: "path",
                ty: Str,
            }],
            returns: Unit,
            example: "make_dir(\"out/2024-05\");",
        },
        move |ctx: NativeCallContext, path: ImmutableString| {
            runtime.step_as(
                &ctx,
                "make_dir",
                "make_dir",
                Effect::Write,
                &[&path.clone().into()],
                |record| {
                    record.attr("path", path.as_str());
                    let real = runtime.resolve(&path)?;
                    if runtime.dry_run {
                        record.skipped = true;
                        return Ok(());
                    }
                    std::fs::create_dir_all(&real).map_err(io("cannot create folder", &real))
                },
            )
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "file_exists",
            category: Category::Files,
            effect: Effect::Read,
            doc: "True if a file or folder exists at `path`.",
            params: &[Param {
                name: "path",
                ty: Str,
            }],
            returns: Bool,
            example: "if file_exists(\"in/ready.flag\") { … }",
        },
        move |ctx: NativeCallContext, path: ImmutableString| {
            runtime.step(&ctx, "file_exists", &[&path.clone().into()], |record| {
                record.attr("path", path.as_str());
                let exists = runtime.resolve(&path)?.exists();
                record.attr("exists", exists);
                Ok(exists)
            })
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "list_files",
            category: Category::Files,
            effect: Effect::Read,
            doc: "Paths matching the glob `pattern` (`*`, `?`, `**`, `[a-z]`), relative to the files\nroot, sorted. Matches outside the allowed folders are left out.",
            params: &[Param { name: "pattern", ty: Str }],
            returns: ArrayT,
            example: "for file in list_files(\"in/*.csv\") { … }",
        },
        move |ctx: NativeCallContext, pattern: ImmutableString| {
            runtime.step(&ctx, "list_files", &[&pattern.clone().into()], |record| {
                record.attr("pattern", pattern.as_str());
                let files = list_files(&runtime, &pattern)?;
                record.attr("matches", files.len());
                Ok(files)
            })
        },
    );
}

fn list_files(runtime: &Runtime, pattern: &str) -> Result<Array, StepError> {
    if Path::new(pattern)
        .components()
        .any(|part| matches!(part, std::path::Component::ParentDir))
    {
        return Err(StepError::invalid(format!(
            "glob `{pattern}` may not contain `..`"
        )));
    }
    let root = runtime.roots.primary();
    let full = root.join(pattern);
    let full = full.to_str().ok_or_else(|| {
        StepError::invalid(format!(
            "glob `{pattern}` is not valid UTF-8 under the root"
        ))
    })?;
    let matches = glob::glob(full)
        .map_err(|error| StepError::invalid(format!("glob `{pattern}`: {error}")))?;
    let mut found = Vec::new();
    for entry in matches {
        let Ok(path) = entry else { continue };
        let Some(relative) = path.strip_prefix(root).ok().and_then(Path::to_str) else {
            continue;
        };
        // A symlink inside the root may point out of it; resolve() refuses those.
        if runtime.resolve(relative).is_ok() {
            found.push(relative.to_owned());
        }
    }
    found.sort();
    Ok(found.into_iter().map(Dynamic::from).collect())
}
