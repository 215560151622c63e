//! The step catalogue: every function a script can call beyond rhai's standard library, with
//! its documentation, typed parameters and an example. Registration goes through
//! [`Registrar::add`], which hands the same [`StepSpec`] to rhai (as function metadata) and to
//! the catalogue, so `flowbot steps`, `flowbot check` and the designer's autocomplete cannot
//! drift from what the engine actually runs.

use rhai::{Engine, FnNamespace, FuncRegistration, RhaiNativeFunc, Variant};
use serde::Serialize;

/// What analysts and authors think in; `flowbot steps` groups by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Flow,
    Data,
    Files,
    Tables,
    Json,
    Http,
    Dates,
    Text,
    Queue,
    Browser,
    Documents,
    Language,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Flow => "flow",
            Category::Data => "data",
            Category::Files => "files",
            Category::Tables => "tables",
            Category::Json => "json",
            Category::Http => "http",
            Category::Dates => "dates",
            Category::Text => "text",
            Category::Queue => "queue",
            Category::Browser => "browser",
            Category::Documents => "documents",
            Category::Language => "language",
        }
    }
}

/// What a call does to the world, which decides whether it emits an event and whether
/// `--dry-run` skips it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// A computation on values (text, dates, parsing): no event, so a loop over 10 000 rows
    /// does not bury the run's process map in regex calls.
    Pure,
    /// Reads the outside world or the job; one event per call.
    Read,
    /// Changes the outside world; one event per call, skipped (status `skipped`) in a dry run.
    Write,
    /// Structures the run (step groups, retries, waits, logs); one event per call.
    Control,
}

impl Effect {
    pub fn emits_event(self) -> bool {
        self != Effect::Pure
    }
}

/// The rhai type a parameter takes or a step returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    String,
    Int,
    Float,
    Bool,
    Array,
    Map,
    /// A closure or function pointer (`|| …`, `Fn("name")`).
    Fn,
    Any,
    /// Returns nothing (`()`).
    Unit,
}

impl ParamType {
    /// The name rhai's metadata uses.
    pub fn rhai_name(self) -> &'static str {
        match self {
            ParamType::String => "String",
            ParamType::Int => "i64",
            ParamType::Float => "f64",
            ParamType::Bool => "bool",
            ParamType::Array => "Array",
            ParamType::Map => "Map",
            ParamType::Fn => "FnPtr",
            ParamType::Any => "Dynamic",
            ParamType::Unit => "()",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Param {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub ty: ParamType,
}

/// One callable signature. Overloads (`read_csv(path)`, `read_csv(path, options)`) are separate
/// specs with the same name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepSpec {
    pub name: &'static str,
    pub category: Category,
    pub effect: Effect,
    pub doc: &'static str,
    pub params: &'static [Param],
    pub returns: ParamType,
    pub example: &'static str,
}

impl StepSpec {
    /// `read_csv(path: String, options: Map) -> Array`
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|param| format!("{}: {}", param.name, param.ty.rhai_name()))
            .collect();
        format!(
            "{}({}) -> {}",
            self.name,
            params.join(", "),
            self.returns.rhai_name()
        )
    }
}

/// `name: Type` per parameter, then `-> Type`: rhai's parameter metadata for a step.
fn param_docs(spec: &StepSpec) -> Vec<String> {
    let mut params: Vec<String> = spec
        .params
        .iter()
        .map(|param| format!("{}: {}", param.name, param.ty.rhai_name()))
        .collect();
    params.push(format!("-> {}", spec.returns.rhai_name()));
    params
}

/// The step's doc and example as rhai doc comments.
fn comment_docs(spec: &StepSpec) -> Vec<String> {
    let mut comments: Vec<String> = spec.doc.lines().map(|line| format!("/// {line}")).collect();
    comments.push("///".to_owned());
    comments.push("/// ```rhai".to_owned());
    comments.extend(spec.example.lines().map(|line| format!("/// {line}")));
    comments.push("/// ```".to_owned());
    comments
}

/// Registers steps into an engine and keeps their specs.
pub struct Registrar<'e> {
    engine: &'e mut Engine,
    specs: Vec<StepSpec>,
    /// Whether the engine also gets each step's parameter names and doc comments (for `check`
    /// and the catalogue); a run's engine does without them.
    docs: bool,
}

impl<'e> Registrar<'e> {
    pub fn new(engine: &'e mut Engine) -> Self {
        Self {
            engine,
            specs: Vec::new(),
            docs: true,
        }
    }

    /// A registrar for an engine that only runs scripts: no metadata, which is most of the
    /// cost of registering a step, paid again by every run.
    pub fn for_runs(engine: &'e mut Engine) -> Self {
        Self {
            docs: false,
            ..Self::new(engine)
        }
    }

    pub fn add<A: 'static, const N: usize, const X: bool, R, const F: bool, FUNC>(
        &mut self,
        spec: StepSpec,
        func: FUNC,
    ) where
        R: Variant + Clone,
        FUNC: RhaiNativeFunc<A, N, X, R, F> + Send + Sync + 'static,
    {
        let registration = FuncRegistration::new(spec.name)
            .with_namespace(FnNamespace::Global)
            .with_volatility(spec.effect != Effect::Pure);
        let registration = if self.docs {
            registration
                .with_params_info(param_docs(&spec))
                .with_comments(comment_docs(&spec))
        } else {
            registration
        };
        registration.register_into_engine(self.engine, func);
        self.specs.push(spec);
    }

    pub fn finish(self) -> Catalogue {
        Catalogue(self.specs)
    }
}

/// Every registered step signature, in registration order.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct Catalogue(Vec<StepSpec>);

impl Catalogue {
    pub fn iter(&self) -> impl Iterator<Item = &StepSpec> {
        self.0.iter()
    }

    /// Every overload of `name`.
    pub fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a StepSpec> + 'a {
        self.0.iter().filter(move |spec| spec.name == name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|spec| spec.name == name)
    }

    /// Sorted, de-duplicated step names.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.0.iter().map(|spec| spec.name).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
