//! Printing diagnostics in the chosen format, and finding the repository root.

use super::args::{Color, Format, ReportArgs};
use crate::compile::Compiled;
use crate::diag::{
    Diagnostic, Scope, Severity, SourceMap, render_github, render_human, render_json, render_junit, render_sarif,
};
use crate::project::FailOn;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// What a compile covered, for the JUnit report: its environments and tenants.
pub fn scope_of(compiled: &Compiled) -> Scope {
    Scope {
        envs: compiled.platforms.keys().cloned().collect(),
        tenants: compiled.repo.tenants.keys().cloned().collect(),
        warnings_fail: compiled.repo.project.policies.fail_on == FailOn::Warning,
    }
}

/// Prints `diags` to stdout in the format asked for; `scope` names the testcases of a
/// JUnit report.
pub fn print_diagnostics(diags: &[Diagnostic], sources: &SourceMap, report: &ReportArgs, scope: &Scope) {
    let text = match report.format {
        Format::Json => render_json(diags, sources),
        Format::Sarif => render_sarif(diags, sources),
        Format::Github => render_github(diags, sources, std::env::current_dir().ok().as_deref()),
        Format::Junit => render_junit(diags, sources, scope),
        Format::Human => {
            let color = match report.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
                }
            };
            render_human(diags, sources, color)
        }
    };
    print!("{text}");
}

/// The exit code for a run's diagnostics.
pub fn exit_code(diags: &[Diagnostic], fail_on: FailOn) -> u8 {
    let fails = |d: &Diagnostic| d.severity == Severity::Error || fail_on == FailOn::Warning;
    if diags.iter().any(fails) {
        super::EXIT_PROBLEMS
    } else {
        super::EXIT_OK
    }
}

/// The nearest folder at or above `start` holding `strata.toml`.
pub fn find_root(start: &Path) -> Result<PathBuf, String> {
    let start = std::path::absolute(start).map_err(|e| e.to_string())?;
    start
        .ancestors()
        .find(|dir| dir.join("strata.toml").is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("no strata.toml found in {} or any folder above it", start.display()))
}

/// ROOT as given, or found from the working directory.
pub fn root_or_cwd(root: Option<&Path>) -> Result<PathBuf, String> {
    match root {
        Some(r) if r.join("strata.toml").is_file() => Ok(r.to_path_buf()),
        Some(r) if r.is_dir() => Err(format!("{} has no strata.toml", r.display())),
        Some(r) => Err(format!("{} is not a directory", r.display())),
        None => find_root(Path::new(".")),
    }
}
