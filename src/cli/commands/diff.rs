//! `strata diff [ROOT] --against DIR_OR_GIT_REF`: builds both sides in memory and reports
//! what changed in the artifacts, per environment and tenant. Exit 0 whether or not
//! anything changed; 1 when a side has errors; 2 for usage problems (such as a git ref
//! that does not exist).

use crate::cli::args::Color;
use crate::cli::output::root_or_cwd;
use crate::diag::{Diagnostic, Severity, render_human, render_json};
use crate::diff::side::{self, Built};
use crate::diff::{against, compare, human, items, markdown};
use clap::{Args, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Output format of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// For people (colour only on a terminal, never with NO_COLOR).
    Human,
    /// GitHub-flavoured markdown for a pull-request comment (at most 60,000 characters).
    Markdown,
    /// JSON (`strata-diff/1`, see docs/diff.md).
    Json,
}

/// `strata diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Repository root (default: the nearest folder with strata.toml).
    pub root: Option<PathBuf>,
    /// What to compare with: a folder (another checkout) or a git ref such as `main`,
    /// `origin/main` or `HEAD~1` of the git repository ROOT is in.
    #[arg(long, value_name = "DIR_OR_GIT_REF")]
    pub against: String,
    /// Only these environments.
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// Runs `strata diff`.
pub fn run(args: DiffArgs) -> Result<u8, String> {
    let root = root_or_cwd(args.root.as_deref())?;
    let other = against::resolve(&root, &args.against)?;
    let (head_envs, base_envs) = (side::environments(&root), side::environments(&other.root));
    if let Some(unknown) = args
        .envs
        .iter()
        .find(|e| !head_envs.contains(*e) && !base_envs.contains(*e))
    {
        let known: Vec<&String> = head_envs.union(&base_envs).collect();
        let known: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
        return Err(format!("unknown environment `{unknown}` (known: {})", known.join(", ")));
    }
    let head_label = args
        .root
        .as_ref()
        .map_or_else(|| root.display().to_string(), |r| r.display().to_string());
    let base_label = args.against.clone();
    let head = side::build(&root, &args.envs)?;
    let base = side::build(&other.root, &args.envs)?;
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal(),
    };
    let (mut head, mut base) = match (head, base) {
        (Ok(h), Ok(b)) => (h, b),
        (h, b) => {
            let failed = [
                (&base_label, "--against side", b.err()),
                (&head_label, "repository", h.err()),
            ];
            print!("{}", failures(&failed, args.format, color));
            eprintln!("strata: diff failed: a side does not build; fix its errors first");
            return Ok(crate::cli::EXIT_PROBLEMS);
        }
    };
    crate::diff::drop_unchanged(&mut base.files, &mut head.files);
    let secrets = all_secrets(&head, &base);
    let cut = |b: Built| items::items_of(&b.files, &b.tenant_label, &secrets);
    let base_items = cut(base);
    let report = compare(&base_label, &head_label, &base_items, &cut(head));
    let text = match args.format {
        DiffFormat::Human => human::render_human(&report, color),
        DiffFormat::Markdown => markdown::render_markdown(&report),
        DiffFormat::Json => crate::diff::render_json(&report),
    };
    print!("{text}");
    Ok(crate::cli::EXIT_OK)
}

/// Secrets of either side, longest first: a value secret on one side is redacted on both.
fn all_secrets(head: &Built, base: &Built) -> Vec<String> {
    let mut all: Vec<String> = head.secrets.iter().chain(&base.secrets).cloned().collect();
    all.sort_by_key(|s| (std::cmp::Reverse(s.len()), s.clone()));
    all.dedup();
    all
}

/// The errors of the sides that did not build, in the chosen format.
fn failures(
    sides: &[(&String, &str, Option<Box<crate::compile::Compiled>>)],
    format: DiffFormat,
    color: bool,
) -> String {
    let errors = |c: &crate::compile::Compiled| -> Vec<Diagnostic> {
        c.diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .cloned()
            .collect()
    };
    let failed = sides
        .iter()
        .filter_map(|(label, what, c)| c.as_ref().map(|c| (label, what, c)));
    match format {
        DiffFormat::Json => {
            let sides: Vec<serde_json::Value> = failed
                .map(|(label, what, c)| {
                    let diags: serde_json::Value =
                        serde_json::from_str(&render_json(&errors(c), c.sources())).unwrap_or_default();
                    serde_json::json!({"side": what, "label": label, "root": c.repo.root, "diagnostics": diags["diagnostics"]})
                })
                .collect();
            let doc = serde_json::json!({"format": "strata-diff/1", "error": "a side does not build", "failed": sides});
            format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default())
        }
        DiffFormat::Human | DiffFormat::Markdown => {
            let mut out = String::new();
            for (label, what, c) in failed {
                let errs = errors(c);
                let plural = if errs.len() == 1 { "" } else { "s" };
                let head = format!("the {what} `{label}` does not build ({} error{plural}):", errs.len());
                let body = render_human(&errs, c.sources(), color && format == DiffFormat::Human);
                if format == DiffFormat::Markdown {
                    let body = crate::diff::text::cut(&body, markdown::MAX_CHARS / 2);
                    out.push_str(&format!("### strata diff: {head}\n\n````text\n{body}\n````\n\n"));
                } else {
                    out.push_str(&format!("strata diff: {head}\n{body}\n"));
                }
            }
            out
        }
    }
}
