//! One build of the watched environment: compile, render, verify, then swap the output
//! folder in whole with [`crate::write::write_atomically`]. The previous good output is
//! kept in memory so a build a runtime rejects can be swapped back.

use crate::compile::{Compiled, Keep, Options, compile};
use crate::diag::{Diagnostic, Severity, SourceMap};
use crate::interpolate::Mode;
use crate::load::Selection;
use crate::project::FailOn;
use crate::write::{Artifact, write_atomically};
use std::path::{Path, PathBuf};

/// Prints the diagnostics of a build (the CLI passes its `check` renderer).
pub type Printer<'a> = &'a dyn Fn(&[Diagnostic], &SourceMap);

/// What one build did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The build is good (no failing diagnostic, files verified).
    pub ok: bool,
    /// The output folder was swapped (good and different from the current output).
    pub swapped: bool,
    /// Tenants compiled.
    pub tenants: usize,
    /// Errors found.
    pub errors: usize,
    /// Warnings found.
    pub warnings: usize,
    /// Why the build failed: the first failing diagnostic, `file:line: CODE message`.
    pub reason: Option<String>,
    /// Files written.
    pub files: usize,
}

/// Builds one environment of a repository into an output folder, keeping the current and
/// previous good outputs.
pub struct Builder {
    root: PathBuf,
    env: String,
    out: PathBuf,
    current: Option<Vec<Artifact>>,
    previous: Option<Vec<Artifact>>,
}

impl Builder {
    /// A builder of `env` of `root` into `out`.
    pub fn new(root: &Path, env: &str, out: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            env: env.to_string(),
            out: out.to_path_buf(),
            current: None,
            previous: None,
        }
    }

    /// The output folder.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Compiles everything; prints the diagnostics; swaps the output in when good.
    pub fn build(&mut self, print: Printer<'_>) -> Result<Outcome, String> {
        let lookup = |name: &str| std::env::var(name).ok();
        let opts = Options {
            mode: Mode::Build,
            selection: Selection {
                envs: Some([self.env.clone()].into()),
                tenants: None,
            },
            lookup: &lookup,
            keep: Keep::Artifacts(&crate::render::render_tenant),
        };
        let mut compiled = match compile(&self.root, &opts) {
            Ok(c) => c,
            Err(message) => {
                return Ok(Outcome {
                    errors: 1,
                    reason: Some(message),
                    ..Outcome::default()
                });
            }
        };
        print(&compiled.diags, compiled.sources());
        let mut outcome = summarize(&compiled);
        if outcome.reason.is_some() {
            return Ok(outcome);
        }
        let files = crate::cli::commands::build::with_manifest(&mut compiled);
        if let Some(problem) = crate::render::verify_build(&files).first() {
            outcome.reason = Some(format!("internal error: {problem}"));
            return Ok(outcome);
        }
        outcome.ok = true;
        outcome.files = files.len();
        if self.current.as_deref().is_some_and(|c| same(c, &files)) && self.out.join("manifest.json").is_file() {
            return Ok(outcome);
        }
        write_atomically(&self.out, &files).map_err(|e| format!("writing {}: {e}", self.out.display()))?;
        self.previous = self.current.replace(files);
        outcome.swapped = true;
        Ok(outcome)
    }

    /// Swaps the previous good output back in; `false` when there is none.
    pub fn roll_back(&mut self) -> Result<bool, String> {
        let Some(previous) = self.previous.take() else {
            return Ok(false);
        };
        write_atomically(&self.out, &previous).map_err(|e| format!("writing {}: {e}", self.out.display()))?;
        self.current = Some(previous);
        Ok(true)
    }
}

/// Counts of a compile, and the first failing diagnostic as the reason.
fn summarize(compiled: &Compiled) -> Outcome {
    let fail_on = compiled.repo.project.policies.fail_on;
    let fails = |d: &&Diagnostic| d.severity == Severity::Error || fail_on == FailOn::Warning;
    let count = |s: Severity| compiled.diags.iter().filter(|d| d.severity == s).count();
    Outcome {
        tenants: compiled.repo.tenants.len(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        reason: compiled.diags.iter().find(fails).map(|d| {
            let file = compiled.sources().path(d.loc.file);
            format!("{file}:{}: {} {}", d.loc.line, d.code, d.message)
        }),
        ..Outcome::default()
    }
}

/// Whether two builds hold the same files with the same bytes.
fn same(a: &[Artifact], b: &[Artifact]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.path == y.path && x.bytes == y.bytes)
}
