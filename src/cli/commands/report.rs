//! `strata report [ROOT] [--env E]... --format html|markdown [--out FILE]`: the compliance
//! report (tenants x frameworks, failing rules, waivers, what each build produces).

use crate::cli::output::root_or_cwd;
use crate::compile::Keep;
use crate::interpolate::Mode;
use crate::load::Selection;
use crate::report::collect::is_config_error;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Format of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML file (inline CSS, no script, nothing loaded from the network).
    Html,
    /// GitHub-flavoured Markdown.
    Markdown,
}

/// `strata report`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 when the report is written, whether or not policies fail \
(it is a report, not a gate); 1 when the configuration has errors (printed to stderr and \
listed at the top of the report); 2 on usage or I/O errors.\n\n\
Waivers expiring within 30 days are flagged; set STRATA_TODAY=YYYY-MM-DD to report as of another day."
)]
pub struct ComplianceReportArgs {
    /// Repository root (default: the nearest folder with strata.toml).
    pub root: Option<PathBuf>,
    /// Only these environments (default: all).
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: ReportFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Runs `strata report`.
pub fn run(args: ComplianceReportArgs) -> Result<u8, String> {
    let root = root_or_cwd(args.root.as_deref())?;
    let selection = Selection {
        envs: (!args.envs.is_empty()).then(|| args.envs.iter().cloned().collect()),
        tenants: None,
    };
    let mut compiled = super::compile_with_process_env(&root, Mode::Check, selection, Keep::Tenants)?;
    let report = crate::report::collect(&mut compiled)?;
    let text = match args.format {
        ReportFormat::Html => crate::report::html::render(&report),
        ReportFormat::Markdown => crate::report::markdown::render(&report),
    };
    let text = compiled.secrets.redact(&text);
    match &args.out {
        Some(path) => {
            std::fs::write(path, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
            eprintln!("strata: wrote the report to {}", path.display());
        }
        None => print!("{text}"),
    }
    let errors: Vec<_> = compiled.diags.iter().filter(|d| is_config_error(d)).cloned().collect();
    if errors.is_empty() {
        return Ok(crate::cli::EXIT_OK);
    }
    // The report may be on stdout: the errors go to stderr.
    eprint!("{}", crate::diag::render_human(&errors, compiled.sources(), false));
    Ok(crate::cli::EXIT_PROBLEMS)
}
