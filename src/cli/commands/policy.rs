//! `strata policy list | explain ID | test [ROOT]`: the rules of the built-in packs and of
//! the project's `policies/`, their documentation, and their unit tests.

use crate::cli::output::find_root;
use crate::diag::{Severity, SourceMap, render_human};
use crate::policy::meta::RuleMeta;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

/// What to do with the policies.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// List every rule: id, severity, frameworks, title.
    List(PolicyRootArgs),
    /// Print everything a rule documents about itself.
    Explain(PolicyExplainArgs),
    /// Run the `test_*` rules of the built-in packs and the project's policies.
    Test(PolicyRootArgs),
}

/// A repository root (default: the nearest folder with strata.toml; built-in packs only
/// when there is none).
#[derive(Debug, Args)]
pub struct PolicyRootArgs {
    /// Repository root.
    pub root: Option<PathBuf>,
}

/// `strata policy explain`.
#[derive(Debug, Args)]
pub struct PolicyExplainArgs {
    /// Rule id, such as SOC2-003.
    pub id: String,
    /// Repository root.
    pub root: Option<PathBuf>,
}

/// Runs a `strata policy` command.
pub fn run(cmd: PolicyCommand) -> Result<u8, String> {
    match cmd {
        PolicyCommand::List(a) => list(a.root.as_deref()),
        PolicyCommand::Explain(a) => explain(&a.id, a.root.as_deref()),
        PolicyCommand::Test(a) => test(a.root.as_deref()),
    }
}

/// The project root given, or found from the working directory; `None` for built-ins only.
fn root_of(root: Option<&Path>) -> Result<Option<PathBuf>, String> {
    match root {
        Some(r) if r.is_dir() => Ok(Some(r.to_path_buf())),
        Some(r) => Err(format!("{} is not a directory", r.display())),
        None => Ok(find_root(Path::new(".")).ok()),
    }
}

/// Every documented rule (built-in and project), and the problems met reading them.
fn catalog(root: Option<&Path>) -> Result<(Vec<RuleMeta>, SourceMap, String), String> {
    let root = root_of(root)?;
    let mut sources = SourceMap::default();
    let mut diags = Vec::new();
    let dir = root.unwrap_or_else(|| PathBuf::from("/nonexistent-strata-root"));
    let modules = crate::policy::load_modules(&dir, false, &mut sources, &mut diags);
    let mut rules: Vec<RuleMeta> = modules.iter().flat_map(|m| m.info.rules.clone()).collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    rules.dedup_by(|a, b| a.id == b.id);
    let problems = if diags.is_empty() {
        String::new()
    } else {
        render_human(&diags, &sources, false)
    };
    Ok((rules, sources, problems))
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn list(root: Option<&Path>) -> Result<u8, String> {
    let (rules, _, problems) = catalog(root)?;
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
    println!("{:width$}  {:8}  {:12}  TITLE", "ID", "SEVERITY", "FRAMEWORKS");
    for r in &rules {
        let fw = if r.frameworks.is_empty() {
            "-".to_string()
        } else {
            r.frameworks.join(",")
        };
        println!("{:width$}  {:8}  {:12}  {}", r.id, severity(r.severity), fw, r.title);
    }
    eprint!("{problems}");
    Ok(if problems.is_empty() {
        crate::cli::EXIT_OK
    } else {
        crate::cli::EXIT_PROBLEMS
    })
}

fn explain(id: &str, root: Option<&Path>) -> Result<u8, String> {
    let (rules, sources, _) = catalog(root)?;
    let Some(r) = rules.iter().find(|r| r.id.eq_ignore_ascii_case(id)) else {
        return Err(format!(
            "unknown rule `{id}`; `strata policy list` prints every rule id"
        ));
    };
    println!("{}: {}", r.id, r.title);
    println!("  severity:    {}", severity(r.severity));
    let fw = if r.frameworks.is_empty() {
        "none (applies to every tenant)".to_string()
    } else {
        r.frameworks.join(", ")
    };
    println!("  frameworks:  {fw}");
    println!("  package:     {} (rule `{}`)", r.package, r.rule);
    println!("  defined in:  {}:{}", sources.path(r.loc.file), r.loc.line);
    if !r.description.is_empty() {
        println!("\n{}", r.description);
    }
    if let Some(fix) = &r.remediation {
        println!("\nRemediation: {fix}");
    }
    Ok(crate::cli::EXIT_OK)
}

fn test(root: Option<&Path>) -> Result<u8, String> {
    let root = root_of(root)?;
    let mut sources = SourceMap::default();
    let (results, diags) = crate::policy::testing::run(root.as_deref(), &mut sources);
    let mut failed = 0;
    for t in &results {
        match &t.outcome {
            Ok(()) => println!("PASS {} ({})", t.name, t.file),
            Err(why) => {
                failed += 1;
                println!("FAIL {} ({}): {why}", t.name, t.file);
            }
        }
    }
    if !diags.is_empty() {
        print!("{}", render_human(&diags, &sources, false));
    }
    println!("policy tests: {} passed, {failed} failed", results.len() - failed);
    Ok(if failed > 0 || !diags.is_empty() {
        crate::cli::EXIT_PROBLEMS
    } else {
        crate::cli::EXIT_OK
    })
}
