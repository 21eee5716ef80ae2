//! `strata import prometheus-rules FILE... --tenant T [--root ROOT]`: Prometheus rule
//! files to a tenant's rules (see [`crate::import`]).

use crate::cli::args::{Format, ReportArgs};
use crate::cli::output::{print_diagnostics, root_or_cwd};
use crate::cli::{EXIT_OK, EXIT_PROBLEMS};
use crate::import::{Report, Request, import_prometheus_rules};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// What to import.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import Prometheus rule files into a tenant's alerting and recording rules.
    ///
    /// Alerting rules go to `alerting.rules.<alert>` and recording rules to
    /// `monitoring.recording_rules.<record with : as _>` of `tenants/<TENANT>.yaml` (created
    /// when missing). A rule of the same key already there is replaced; keys that collide
    /// within the input get `_2`, `_3`, ... while `alert` / `record` keep the name. `for`,
    /// labels and annotations are kept as written; the `severity` label becomes the
    /// `severity` field (`page`, `error`, `high`, `major`, `fatal`, `emergency`, `crit`
    /// map to critical; `warn`, `medium`, `minor` to warning; `none`, `informational`,
    /// `notice`, `low`, `debug` to info; anything else, or no label, gives warning and is
    /// reported). `summary`, `description` and `runbook_url` annotations become fields.
    /// An alert name strata's schema refuses (`Foo(v1)`) is made valid (`Foo_v1`) and
    /// reported. Group settings (`interval`, `limit`) are not carried over and are
    /// reported.
    ///
    /// A rule is refused, and listed with file:line and the reason, when Prometheus would
    /// refuse it, when its expression is not valid PromQL, or when it already selects
    /// another tenant (`tenant="other"`, `tenant!=...`, a regex on the tenant label). The
    /// other rules are still written.
    ///
    /// The tenant file is rewritten whole, atomically: comments and formatting of an
    /// existing file are NOT kept. Nothing is written when no rule is carried over.
    ///
    /// Exit codes: 0 every rule was carried over (warnings allowed); 1 some rules or files
    /// were refused (the others are written); 2 usage or I/O error (nothing written).
    PrometheusRules(PrometheusRulesArgs),
}

/// `strata import prometheus-rules`.
#[derive(Debug, Args)]
pub struct PrometheusRulesArgs {
    /// Prometheus rule files (`groups: [...]`, or a Kubernetes `PrometheusRule`).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Tenant to import into: the rules go to `tenants/<TENANT>.yaml`.
    #[arg(long)]
    pub tenant: String,
    /// Repository root (default: the nearest folder with strata.toml).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Report options.
    #[command(flatten)]
    pub report: ReportArgs,
}

/// Runs `strata import`.
pub fn run(command: ImportCommand) -> Result<u8, String> {
    let ImportCommand::PrometheusRules(args) = command;
    let root = root_or_cwd(args.root.as_deref())?;
    let report = import_prometheus_rules(&Request {
        root: &root,
        files: &args.files,
        tenant: &args.tenant,
    })?;
    let diags = crate::diag::normalize(report.diags.clone(), &report.sources);
    match args.report.format {
        Format::Json => print_json(&report, &diags),
        Format::Human | Format::Github => {
            print_diagnostics(&diags, &report.sources, &args.report, &import_scope(&args.tenant));
            println!("{}", summary(&report));
        }
        Format::Sarif | Format::Junit => {
            // The report is one document on stdout; the summary goes to stderr.
            print_diagnostics(&diags, &report.sources, &args.report, &import_scope(&args.tenant));
            eprintln!("{}", summary(&report));
        }
    }
    Ok(if report.is_clean() { EXIT_OK } else { EXIT_PROBLEMS })
}

/// The JUnit scope of an import: no environment, the one tenant.
fn import_scope(tenant: &str) -> crate::diag::Scope {
    crate::diag::Scope {
        envs: Vec::new(),
        tenants: vec![tenant.to_string()],
        warnings_fail: false,
    }
}

/// The closing lines of the human report.
fn summary(report: &Report) -> String {
    let mut out = format!(
        "imported {} alerting + {} recording rule{}",
        report.alerting,
        report.recording,
        if report.alerting + report.recording == 1 {
            ""
        } else {
            "s"
        }
    );
    match &report.written {
        Some((path, true)) => out.push_str(&format!(
            " into {} (rewritten: its comments and formatting are not kept)",
            path.display()
        )),
        Some((path, false)) => out.push_str(&format!(" into {} (created)", path.display())),
        None => out.push_str("; nothing written"),
    }
    if report.refused > 0 {
        out.push_str(&format!(
            "\nrefused {} rule(s), listed above with the reason",
            report.refused
        ));
    }
    if report.problems > 0 {
        out.push_str(&format!(
            "\n{} file problem(s) kept rules from being read, listed above",
            report.problems
        ));
    }
    out
}

fn print_json(report: &Report, diags: &[crate::diag::Diagnostic]) {
    let text = crate::diag::render_json(diags, &report.sources);
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    if let Some(obj) = value.as_object_mut() {
        obj.insert(
            "import".into(),
            serde_json::json!({
                "alerting": report.alerting,
                "recording": report.recording,
                "refused": report.refused,
                "problems": report.problems,
                "written": report.written.as_ref().map(|(p, _)| p.display().to_string()),
                "created": report.written.as_ref().is_some_and(|(_, existed)| !existed),
            }),
        );
    }
    println!("{}", serde_json::to_string_pretty(&value).unwrap_or(text));
}
