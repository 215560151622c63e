//! The one place the rhai engine is built. Every limit is set here, so a script can neither
//! hang, exhaust memory, nor reach files, processes or the network except through the steps the
//! catalogue registers (the raw engine has no I/O of its own besides `print`/`debug`, which we
//! route into the redacted run log).

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rhai::packages::{Package, StandardPackage};
use rhai::{Dynamic, Engine, EvalAltResult, Module, ModuleResolver, Position, Scope, Shared};

/// Why the engine stopped a script from outside (the value of `ErrorTerminated`).
pub const TERMINATED_CANCELLED: &str = "cancelled";
pub const TERMINATED_TIMEOUT: &str = "timeout";

/// How much a script may use. `Default` is what an unattended production bot gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// rhai operations (roughly: expressions evaluated) per run.
    pub max_operations: u64,
    /// Nesting of function calls, script and native.
    pub max_call_depth: usize,
    /// Nesting of expressions, at top level and inside functions.
    pub max_expr_depth: usize,
    /// Bytes of text in one value (all strings inside an array or map count together).
    pub max_string_size: usize,
    /// Array items in one value, nested arrays included.
    pub max_array_size: usize,
    /// Map entries in one value, nested maps included (an array of row maps counts them all).
    pub max_map_size: usize,
    /// Modules a script may import in a run.
    pub max_modules: usize,
    /// Variables alive in a scope at once.
    pub max_variables: usize,
    /// Functions a script (or module) may define.
    pub max_functions: usize,
    /// Wall-clock time of one run.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_operations: 500_000_000,
            max_call_depth: 64,
            max_expr_depth: 64,
            // rhai counts these over a whole value, nested parts included: a 100 000-row,
            // 20-column sheet read as an array of maps is 2 000 000 map entries and all its
            // text in one "string size". The limits leave room for that and stop runaways.
            max_string_size: 64 * 1024 * 1024,
            max_array_size: 2_000_000,
            max_map_size: 2_000_000,
            max_modules: 32,
            max_variables: 1_000,
            max_functions: 1_000,
            timeout: Duration::from_secs(3600),
        }
    }
}

/// Stops a running script from another thread; the engine checks it between operations and
/// long-running steps (`sleep`, `wait_until`, `retry`) check it while they wait.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// When a run must stop: on cancel or past its deadline.
#[derive(Debug, Clone)]
pub struct Stopper {
    pub cancel: CancelToken,
    pub deadline: Instant,
}

impl Stopper {
    pub fn new(cancel: CancelToken, timeout: Duration) -> Self {
        let now = Instant::now();
        let deadline = now
            .checked_add(timeout)
            .unwrap_or(now + Duration::from_secs(86_400 * 365));
        Self { cancel, deadline }
    }

    /// The reason to stop now, if any.
    pub fn reason(&self) -> Option<&'static str> {
        if self.cancel.is_cancelled() {
            Some(TERMINATED_CANCELLED)
        } else if Instant::now() >= self.deadline {
            Some(TERMINATED_TIMEOUT)
        } else {
            None
        }
    }

    /// Sleeps up to `duration`, waking early to stop; `Err(reason)` if the run must stop.
    pub fn sleep(&self, duration: Duration) -> Result<(), &'static str> {
        let until = Instant::now() + duration;
        loop {
            if let Some(reason) = self.reason() {
                return Err(reason);
            }
            let now = Instant::now();
            if now >= until {
                return Ok(());
            }
            // 20 ms slices keep cancel latency far under the 100 ms promise.
            std::thread::sleep((until - now).min(Duration::from_millis(20)));
        }
    }
}

/// Builds the sandboxed engine: limits, module resolver confined to `package_dir`, `eval`
/// disabled, and the stopper polled through `on_progress`. Steps are registered afterwards by
/// [`crate::catalogue::register_all`]; print/debug handlers by the runtime.
pub fn sandboxed_engine(limits: &Limits, package_dir: &Path, stopper: Stopper) -> Engine {
    // The standard library is immutable: build it once per process and share it, instead of
    // paying for hundreds of function registrations on every run (most of an agent's CPU per
    // trivial job before this).
    static STANDARD: OnceLock<Shared<Module>> = OnceLock::new();
    let mut engine = Engine::new_raw();
    engine.register_global_module(Shared::clone(
        STANDARD.get_or_init(|| StandardPackage::new().as_shared_module()),
    ));
    engine
        .set_max_operations(limits.max_operations)
        .set_max_call_levels(limits.max_call_depth)
        .set_max_expr_depths(limits.max_expr_depth, limits.max_expr_depth)
        .set_max_string_size(limits.max_string_size)
        .set_max_array_size(limits.max_array_size)
        .set_max_map_size(limits.max_map_size)
        .set_max_modules(limits.max_modules)
        .set_max_variables(limits.max_variables)
        .set_max_functions(limits.max_functions)
        .set_module_resolver(PackageResolver::new(package_dir));
    // `eval` would compile code the checker never saw.
    engine.disable_symbol("eval");
    engine.on_progress(move |operations| {
        // Reading the clock costs more than an operation; every 256th is often enough
        // (a step that blocks checks the stopper itself).
        if operations % 256 == 0 {
            stopper.reason().map(Dynamic::from)
        } else {
            None
        }
    });
    engine
}

/// Resolves `import "name"` to `<package_dir>/name.rhai` and refuses anything that would leave
/// the package folder (`..`, absolute paths, symlinks pointing out).
#[derive(Debug, Clone)]
pub struct PackageResolver {
    package_dir: PathBuf,
}

impl PackageResolver {
    pub fn new(package_dir: &Path) -> Self {
        Self {
            package_dir: package_dir.to_path_buf(),
        }
    }

    pub(crate) fn locate(&self, path: &str) -> Result<PathBuf, String> {
        let relative = Path::new(path);
        if relative
            .components()
            .any(|part| !matches!(part, Component::Normal(_)))
        {
            return Err(format!(
                "module `{path}` must be a plain path inside the bot package folder (no `..`, no absolute path)"
            ));
        }
        let mut file = self.package_dir.join(relative);
        if file.extension().is_none() {
            file.set_extension("rhai");
        }
        let root = self.package_dir.canonicalize().map_err(|error| {
            format!("bot package folder {}: {error}", self.package_dir.display())
        })?;
        let real = file
            .canonicalize()
            .map_err(|error| format!("module `{path}` ({}): {error}", file.display()))?;
        if !real.starts_with(&root) {
            return Err(format!(
                "module `{path}` resolves to {} outside the bot package folder {}",
                real.display(),
                root.display()
            ));
        }
        Ok(real)
    }
}

impl ModuleResolver for PackageResolver {
    fn resolve(
        &self,
        engine: &Engine,
        _source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        // Not `ErrorModuleNotFound`: rhai replaces that with its own message, and the author
        // needs to know why the module was refused.
        let file = self.locate(path).map_err(|message| {
            EvalAltResult::ErrorInModule(
                path.into(),
                EvalAltResult::ErrorRuntime(message.into(), pos).into(),
                pos,
            )
        })?;
        let text = std::fs::read_to_string(&file).map_err(|error| {
            EvalAltResult::ErrorModuleNotFound(format!("{}: {error}", file.display()), pos)
        })?;
        let mut ast = engine
            .compile(text)
            .map_err(|error| EvalAltResult::ErrorInModule(path.into(), error.into(), pos))?;
        ast.set_source(file.display().to_string());
        let module = Module::eval_ast_as_new(Scope::new(), &ast, engine)
            .map_err(|error| EvalAltResult::ErrorInModule(path.into(), error, pos))?;
        Ok(module.into())
    }
}
