//! `strata watch`: build once, then rebuild on every change of the repository, swap the
//! output in atomically and ask Prometheus and Alertmanager to reload. An invalid change
//! swaps nothing and reloads nothing; the last good output keeps being served. A runtime
//! that rejects a reloaded config gets the previous output back (STRATA-E090).

pub mod build;
pub mod cache;
pub mod debounce;
pub mod health;
pub mod http;
pub mod metrics;
pub mod reload;
pub mod swap;
#[cfg(test)]
mod tests;

use build::{Builder, Outcome, Printer};
use cache::Scope;
use debounce::{Batch, Debouncer};
use metrics::State;
use reload::{Reload, Runtime};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The debounce window: changes closer together than this form one rebuild.
pub const WINDOW: Duration = Duration::from_millis(200);

/// What `strata watch` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// Repository root.
    pub root: PathBuf,
    /// The environment built.
    pub env: String,
    /// Output folder.
    pub out: PathBuf,
    /// Runtimes reloaded after each swap.
    pub runtimes: Vec<Runtime>,
    /// `--listen` address of `/healthz` and `/metrics`.
    pub listen: Option<String>,
}

/// Runs the watch loop until `stop` is set; the step under way is finished first.
pub fn run(config: &Config, stop: &AtomicBool, print: Printer<'_>) -> Result<(), String> {
    let state = Arc::new(Mutex::new(State {
        unhealthy: Some("the initial build is under way".into()),
        ..State::default()
    }));
    if let Some(addr) = &config.listen {
        let bound = health::serve(addr, Arc::clone(&state))?;
        eprintln!("strata watch: serving /healthz and /metrics on http://{bound}");
    }
    let root = config
        .root
        .canonicalize()
        .map_err(|e| format!("{}: {e}", config.root.display()))?;
    let out = absolute_out(&config.out)?;
    let mut builder = Builder::new(&root, &config.env, &out);
    let mut watcher = Debouncer::new(&root, &out, WINDOW)?;
    step(&mut builder, config, &state, print, "initial build", &Scope::All);
    builder.prestage();
    eprintln!(
        "strata watch: watching {} (environment {}, output {})",
        root.display(),
        config.env,
        out.display()
    );
    while let Some(batch) = watcher.next(stop) {
        let scope = cache::scope_of(&batch.paths, batch.rescan);
        step(&mut builder, config, &state, print, &describe(&batch), &scope);
        builder.prestage();
    }
    eprintln!("strata watch: stopped");
    Ok(())
}

/// The output folder as an absolute path with its parent resolved (it may not exist yet).
fn absolute_out(out: &Path) -> Result<PathBuf, String> {
    let abs = std::path::absolute(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let (Some(parent), Some(name)) = (abs.parent(), abs.file_name()) else {
        return Err(format!("{}: not a usable output folder", out.display()));
    };
    std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let parent = parent
        .canonicalize()
        .map_err(|e| format!("{}: {e}", parent.display()))?;
    Ok(parent.join(name))
}

/// What a batch changed, for the status line.
fn describe(batch: &Batch) -> String {
    if batch.rescan {
        return "rescan (events lost)".into();
    }
    let names: Vec<String> = batch.paths.iter().map(|p| p.display().to_string()).collect();
    match names.len() {
        0 => "nothing".into(),
        1..=3 => names.join(", "),
        n => format!("{}, ... ({n} files)", names[..2].join(", ")),
    }
}

/// One rebuild: build, swap, reload (rolling back on a rejection), then one status line.
fn step(builder: &mut Builder, config: &Config, state: &Mutex<State>, print: Printer<'_>, what: &str, scope: &Scope) {
    let start = Instant::now();
    let outcome = builder.build(scope, print).unwrap_or_else(|message| Outcome {
        errors: 1,
        reason: Some(message),
        ..Outcome::default()
    });
    let took = start.elapsed();
    if let Ok(mut s) = state.lock() {
        s.record_build(
            outcome.ok,
            took.as_secs_f64(),
            outcome.errors as u64,
            outcome.warnings as u64,
            outcome.tenants as u64,
        );
        s.unhealthy = outcome.reason.clone();
    }
    let reloads = if outcome.swapped {
        let (summary, rejected) = reload_all(builder, config, state, print);
        if let (Some(reason), Ok(mut s)) = (rejected, state.lock()) {
            s.unhealthy = Some(reason);
        }
        summary
    } else if outcome.ok {
        "unchanged, no reload".into()
    } else {
        "nothing swapped, last good output kept".into()
    };
    let rebuilt = if outcome.full {
        format!("rebuilt all {} tenants", outcome.tenants)
    } else {
        format!("rebuilt {} tenant(s)", outcome.tenants)
    };
    let result = if outcome.ok {
        format!("{rebuilt}, ok, {} files", outcome.files)
    } else {
        let reason = outcome.reason.as_deref().unwrap_or("");
        format!("{rebuilt}, FAILED ({} errors; {reason})", outcome.errors.max(1))
    };
    eprintln!("strata watch: {what}: {result} in {} ms; {reloads}", took.as_millis());
}

/// Reloads every runtime; on a rejection swaps the previous output back, reloads again and
/// prints STRATA-E090. Returns the status text and the rejection, if any.
fn reload_all(
    builder: &mut Builder,
    config: &Config,
    state: &Mutex<State>,
    print: Printer<'_>,
) -> (String, Option<String>) {
    if config.runtimes.is_empty() {
        return ("swapped".into(), None);
    }
    let mut parts = Vec::new();
    for runtime in &config.runtimes {
        let result = reload::reload(runtime);
        if let Ok(mut s) = state.lock() {
            s.record_reload(runtime.target, result == Reload::Confirmed);
        }
        match result {
            Reload::Confirmed => parts.push(format!("{} reloaded", runtime.target)),
            Reload::Unreachable(e) => parts.push(format!("{} NOT reloaded ({e})", runtime.target)),
            Reload::Rejected(error) => {
                let error = builder.secrets().redact(&error).into_owned();
                let rolled = builder.roll_back();
                print_rejection(runtime, &error, builder.out(), &config.env, print);
                for again in &config.runtimes {
                    let ok = reload::reload(again) == Reload::Confirmed;
                    if let Ok(mut s) = state.lock() {
                        s.record_reload(again.target, ok);
                    }
                }
                let restored = match rolled {
                    Ok(true) => "previous output restored and reloaded".to_string(),
                    Ok(false) => "no previous output to restore".to_string(),
                    Err(e) => format!("restoring the previous output failed: {e}"),
                };
                let reason = format!("STRATA-E090 {} rejected the reloaded config: {error}", runtime.target);
                return (
                    format!("{} REJECTED the config; {restored}", runtime.target),
                    Some(reason),
                );
            }
        }
    }
    (parts.join(", "), None)
}

/// Prints STRATA-E090 located at the rejected runtime's config file.
fn print_rejection(runtime: &Runtime, error: &str, out: &Path, env: &str, print: Printer<'_>) {
    let rel = match runtime.target {
        "prometheus" => format!("{env}/prometheus/prometheus.yml"),
        _ => format!("{env}/alertmanager/alertmanager.yml"),
    };
    let path = out.join(&rel);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut sources = crate::diag::SourceMap::default();
    let file = sources.add(path.display().to_string(), path, Arc::new(text));
    let diag = crate::diag::Diagnostic::error(
        "STRATA-E090",
        crate::diag::Loc::file_start(file),
        format!("{} rejected the reloaded config", runtime.target),
    )
    .with_help(format!(
        "the runtime said: {error}; strata restored the previous output"
    ));
    print(&[diag], &sources);
}
