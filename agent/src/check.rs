//! `flowbot check`: what can be known about a script without running it. Syntax errors, calls
//! to functions that neither the catalogue, rhai's standard library nor the script defines,
//! wrong argument counts, and literal arguments of the wrong type — each with file:line:col.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rhai::{ASTNode, Engine, Expr, OptimizationLevel, Stmt};
use serde::Serialize;

use crate::catalogue::{Catalogue, ParamType};
use crate::events::MemorySink;
use crate::run::{build_engine, detached_runtime};
use crate::sandbox::{Limits, PackageResolver};

/// Functions rhai parses as calls but implements in the evaluator, not as registered functions.
const KEYWORD_FUNCTIONS: &[&str] = &[
    "print",
    "debug",
    "type_of",
    "Fn",
    "call",
    "curry",
    "is_shared",
    "is_def_fn",
    "is_def_var",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": error: {}", self.message)
    }
}

/// Checks scripts against one engine and catalogue.
pub struct Checker {
    engine: Engine,
    catalogue: Catalogue,
    /// Every registered function name with the argument counts it accepts.
    known: BTreeMap<String, BTreeSet<usize>>,
}

impl Default for Checker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker {
    pub fn new() -> Self {
        let limits = Limits::default();
        let runtime = detached_runtime(Box::new(MemorySink::default()), &limits);
        let (mut engine, catalogue) = build_engine(&limits, &std::env::temp_dir(), &runtime);
        // Positions must be those of the text the author wrote.
        engine.set_optimization_level(OptimizationLevel::None);
        let mut known: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
        for signature in engine.gen_fn_signatures(true) {
            if let Some((name, arity)) = name_and_arity(&signature) {
                known.entry(name).or_default().insert(arity);
            }
        }
        Self {
            engine,
            catalogue,
            known,
        }
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// Reads and checks the script at `path` and the modules it imports from its package
    /// folder (each module once).
    pub fn check_file(&self, path: &Path) -> Vec<Diagnostic> {
        let package_dir = path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut visited = BTreeSet::new();
        self.check_file_in(path, package_dir, &mut visited)
    }

    fn check_file_in(
        &self,
        path: &Path,
        package_dir: &Path,
        visited: &mut BTreeSet<PathBuf>,
    ) -> Vec<Diagnostic> {
        let file = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => self.check_text(&file, &text, Some(package_dir), visited),
            Err(error) => vec![Diagnostic {
                file,
                line: None,
                column: None,
                message: format!("cannot read script: {error}"),
            }],
        }
    }

    /// Checks a script text; imports are not followed (there is no package folder).
    pub fn check_source(&self, file: &str, text: &str) -> Vec<Diagnostic> {
        self.check_text(file, text, None, &mut BTreeSet::new())
    }

    fn check_text(
        &self,
        file: &str,
        text: &str,
        package_dir: Option<&Path>,
        visited: &mut BTreeSet<PathBuf>,
    ) -> Vec<Diagnostic> {
        let ast = match self.engine.compile(text) {
            Ok(ast) => ast,
            Err(error) => {
                let position = error.position();
                return vec![Diagnostic {
                    file: file.to_owned(),
                    line: position.line(),
                    column: position.position(),
                    message: error.err_type().to_string(),
                }];
            }
        };
        let mut script_fns: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
        for function in ast.iter_functions() {
            script_fns
                .entry(function.name.to_owned())
                .or_default()
                .insert(function.params.len());
        }
        // A variable holding a function pointer can be called like a function.
        let mut variables = BTreeSet::new();
        // The type of a variable declared once from a literal and never assigned again, which
        // is as good as the literal for judging arguments.
        let mut declared: BTreeMap<String, (usize, Option<ParamType>)> = BTreeMap::new();
        let mut assigned = BTreeSet::new();
        ast.walk(&mut |path: &[ASTNode]| {
            match path.last() {
                Some(ASTNode::Stmt(Stmt::Var(var, _, _))) => {
                    let name = var.0.name.to_string();
                    let entry = declared.entry(name.clone()).or_insert((0, None));
                    entry.0 += 1;
                    entry.1 = literal_type(&var.1);
                    variables.insert(name);
                }
                Some(ASTNode::Stmt(Stmt::Assignment(assignment))) => {
                    if let Expr::Variable(variable, _, _) = &assignment.1.lhs {
                        assigned.insert(variable.1.to_string());
                    }
                }
                _ => {}
            }
            true
        });
        let mut parameters = BTreeSet::new();
        for function in ast.iter_functions() {
            parameters.extend(function.params.iter().map(|param| (*param).to_owned()));
        }
        let known_types: BTreeMap<String, ParamType> = declared
            .into_iter()
            .filter(|(name, (count, _))| {
                *count == 1 && !assigned.contains(name) && !parameters.contains(name)
            })
            .filter_map(|(name, (_, ty))| ty.map(|ty| (name, ty)))
            .collect();
        variables.extend(parameters);

        let mut diagnostics = Vec::new();
        let modules = match package_dir {
            Some(dir) => self.imported_modules(file, &ast, dir, visited, &mut diagnostics),
            None => BTreeMap::new(),
        };
        ast.walk(&mut |path: &[ASTNode]| {
            let Some(ASTNode::Expr(Expr::FnCall(call, position))) = path.last() else {
                return true;
            };
            let name = call.name.as_str();
            if !call.namespace.is_empty() {
                let alias = call.namespace.to_string();
                if let Some(functions) = modules.get(&alias) {
                    let message = match functions.get(name) {
                        None => Some(format!("module `{alias}` has no public function `{name}`")),
                        Some(counts) if !counts.contains(&call.args.len()) => Some(format!(
                            "`{alias}::{name}` takes {} argument(s), not {}",
                            counts
                                .iter()
                                .map(usize::to_string)
                                .collect::<Vec<_>>()
                                .join(" or "),
                            call.args.len()
                        )),
                        Some(_) => None,
                    };
                    if let Some(message) = message {
                        diagnostics.push(Diagnostic {
                            file: file.to_owned(),
                            line: position.line(),
                            column: position.position(),
                            message,
                        });
                    }
                }
                return true;
            }
            if !rhai::is_valid_identifier(name)
                || !rhai::is_valid_identifier(name)
                || KEYWORD_FUNCTIONS.contains(&name)
                || variables.contains(name)
            {
                return true;
            }
            let arity = call.args.len();
            let mut report = |message: String| {
                diagnostics.push(Diagnostic {
                    file: file.to_owned(),
                    line: position.line(),
                    column: position.position(),
                    message,
                });
            };
            let accepted: BTreeSet<usize> = self
                .known
                .get(name)
                .into_iter()
                .chain(script_fns.get(name))
                .flatten()
                .copied()
                .collect();
            if accepted.is_empty() {
                report(self.unknown_message(name, &script_fns));
            } else if !accepted.contains(&arity) {
                let counts: Vec<String> = accepted.iter().map(usize::to_string).collect();
                report(format!(
                    "`{name}` takes {} argument(s), not {arity}",
                    counts.join(" or ")
                ));
            } else if !script_fns.contains_key(name)
                && let Some(message) = self.type_mismatch(name, &call.args, &known_types)
            {
                report(message);
            }
            true
        });
        diagnostics
    }

    /// The public functions of each module imported with a literal path, by alias; problems
    /// with the modules themselves (missing, outside the package, their own errors) are added
    /// to `diagnostics`.
    fn imported_modules(
        &self,
        file: &str,
        ast: &rhai::AST,
        package_dir: &Path,
        visited: &mut BTreeSet<PathBuf>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> BTreeMap<String, BTreeMap<String, BTreeSet<usize>>> {
        let mut imports = Vec::new();
        ast.walk(&mut |path: &[ASTNode]| {
            if let Some(ASTNode::Stmt(Stmt::Import(import, position))) = path.last()
                && let Expr::StringConstant(module, _) = &import.0
            {
                imports.push((module.to_string(), import.1.name.to_string(), *position));
            }
            true
        });
        let resolver = PackageResolver::new(package_dir);
        let mut modules = BTreeMap::new();
        for (module, alias, position) in imports {
            let report = |message: String| Diagnostic {
                file: file.to_owned(),
                line: position.line(),
                column: position.position(),
                message,
            };
            let real = match resolver.locate(&module) {
                Ok(real) => real,
                Err(message) => {
                    diagnostics.push(report(message));
                    continue;
                }
            };
            let text = match std::fs::read_to_string(&real) {
                Ok(text) => text,
                Err(error) => {
                    diagnostics.push(report(format!("module `{module}`: {error}")));
                    continue;
                }
            };
            let module_file = real.display().to_string();
            if visited.insert(real.clone()) {
                diagnostics.extend(self.check_text(
                    &module_file,
                    &text,
                    Some(package_dir),
                    visited,
                ));
            }
            let Ok(module_ast) = self.engine.compile(&text) else {
                continue;
            };
            let mut functions: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
            for function in module_ast.iter_functions() {
                if function.access != rhai::FnAccess::Private {
                    functions
                        .entry(function.name.to_owned())
                        .or_default()
                        .insert(function.params.len());
                }
            }
            if !alias.is_empty() {
                modules.insert(alias, functions);
            }
        }
        modules
    }

    fn unknown_message(
        &self,
        name: &str,
        script_fns: &BTreeMap<String, BTreeSet<usize>>,
    ) -> String {
        let closest = self
            .catalogue
            .names()
            .into_iter()
            .map(str::to_owned)
            .chain(script_fns.keys().cloned())
            .map(|candidate| (edit_distance(name, &candidate), candidate))
            .filter(|(distance, _)| *distance <= 2)
            .min();
        match closest {
            Some((_, candidate)) => {
                format!("unknown step or function `{name}`; did you mean `{candidate}`?")
            }
            None => format!("unknown step or function `{name}` (see `flowbot steps`)"),
        }
    }

    /// A message if every catalogue overload with this many parameters rejects a literal
    /// argument's type (or that of a variable only ever holding a literal). Other arguments
    /// are not judged.
    fn type_mismatch(
        &self,
        name: &str,
        args: &[Expr],
        known_types: &BTreeMap<String, ParamType>,
    ) -> Option<String> {
        let overloads: Vec<_> = self
            .catalogue
            .named(name)
            .filter(|spec| spec.params.len() == args.len())
            .collect();
        if overloads.is_empty() {
            return None;
        }
        let mut first_problem = None;
        for spec in &overloads {
            let problem =
                spec.params
                    .iter()
                    .zip(args)
                    .enumerate()
                    .find_map(|(index, (param, arg))| {
                        let given = literal_type(arg).or_else(|| match arg {
                            Expr::Variable(variable, _, _) if variable.2.is_empty() => {
                                known_types.get(variable.1.as_str()).copied()
                            }
                            _ => None,
                        })?;
                        (!accepts(param.ty, given)).then(|| {
                            format!(
                                "argument {} (`{}`) of `{name}` must be {}, not {}",
                                index + 1,
                                param.name,
                                param.ty.rhai_name(),
                                given.rhai_name()
                            )
                        })
                    });
            match problem {
                None => return None,
                Some(message) => {
                    first_problem.get_or_insert(message);
                }
            }
        }
        first_problem
    }
}

fn literal_type(expr: &Expr) -> Option<ParamType> {
    match expr {
        Expr::StringConstant(..) | Expr::InterpolatedString(..) => Some(ParamType::String),
        Expr::IntegerConstant(..) => Some(ParamType::Int),
        Expr::FloatConstant(..) => Some(ParamType::Float),
        Expr::BoolConstant(..) => Some(ParamType::Bool),
        Expr::Array(..) => Some(ParamType::Array),
        Expr::Map(..) => Some(ParamType::Map),
        _ => None,
    }
}

fn accepts(param: ParamType, given: ParamType) -> bool {
    param == ParamType::Any || param == given
}

/// `name(a: T, b: U) -> R` → (`name`, 2). Property getters and indexers are skipped.
fn name_and_arity(signature: &str) -> Option<(String, usize)> {
    let open = signature.find('(')?;
    let name = signature[..open].trim();
    let name = name.rsplit(' ').next()?;
    if !rhai::is_valid_identifier(name) {
        return None;
    }
    // The parameter list ends at the parenthesis matching the first one: a return type of
    // `()` after it (`browser_close() -> ()`) is not a parameter.
    let mut nesting = 0_i32;
    let close = signature[open..].char_indices().find_map(|(at, c)| {
        match c {
            '(' => nesting += 1,
            ')' => {
                nesting -= 1;
                if nesting == 0 {
                    return Some(open + at);
                }
            }
            _ => {}
        }
        None
    })?;
    let inside = signature.get(open + 1..close)?.trim();
    let mut depth = 0_i32;
    let mut count = usize::from(!inside.is_empty());
    for c in inside.chars() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' => depth -= 1,
            ',' if depth == 0 => count += 1,
            _ => {}
        }
    }
    Some((name.to_owned(), count))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_parse_to_name_and_arity() {
        assert_eq!(
            name_and_arity("read_csv(path: String, options: Map) -> Array"),
            Some(("read_csv".to_owned(), 2))
        );
        assert_eq!(
            name_and_arity("today() -> String"),
            Some(("today".to_owned(), 0))
        );
        assert_eq!(name_and_arity("+(a: i64, b: i64) -> i64"), None);
        // rhai's rendering of a zero-argument step returning `()`.
        assert_eq!(
            name_and_arity("browser_close() -> ->()"),
            Some(("browser_close".to_owned(), 0))
        );
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("read_cvs", "read_csv"), 2);
        assert_eq!(edit_distance("log", "log"), 0);
    }
}
