//! `strata preview slack --env E --tenant T --severity S [--locale L] [--alert A] [ROOT]`: one Block Kit
//! message of a tenant filled with a sample alert, for pasting into Slack's Block Kit
//! Builder.

use crate::cli::output::root_or_cwd;
use crate::compile::Keep;
use crate::interpolate::Mode;
use crate::load::Selection;
use crate::model::Severity;
use crate::render::EnvContext;
use crate::render::targets::alertmanager::severity_name;
use crate::render::targets::slack::SEVERITIES;
use crate::render::targets::slack::sample::{PreviewError, preview};
use crate::render::targets::slack::texts::Messages;
use clap::{Args, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;

/// What to preview.
#[derive(Debug, Subcommand)]
pub enum PreviewCommand {
    /// Print a tenant's Slack Block Kit message for a severity, filled with a sample alert.
    Slack(PreviewSlackArgs),
}

/// `strata preview slack`.
#[derive(Debug, Args)]
pub struct PreviewSlackArgs {
    /// Repository root (default: the nearest folder with strata.toml).
    pub root: Option<PathBuf>,
    /// Environment.
    #[arg(long)]
    pub env: String,
    /// Tenant.
    #[arg(long)]
    pub tenant: String,
    /// Severity: info, warning or critical.
    #[arg(long)]
    pub severity: String,
    /// Locale (default: the tenant's, else the project's).
    #[arg(long)]
    pub locale: Option<String>,
    /// The message to show: an alert name, `<alert>/escalation=<after>` or `*` (default:
    /// the tenant's first alert of the severity, else `*`).
    #[arg(long)]
    pub alert: Option<String>,
}

/// Runs `strata preview`.
pub fn run(command: PreviewCommand) -> Result<u8, String> {
    match command {
        PreviewCommand::Slack(args) => slack(args),
    }
}

/// The severity named `name`.
fn parse_severity(name: &str) -> Result<Severity, String> {
    SEVERITIES
        .into_iter()
        .find(|s| severity_name(*s) == name)
        .ok_or_else(|| format!("unknown severity `{name}` (known: critical, warning, info)"))
}

/// Prints diagnostics to stderr (stdout holds the message).
fn print_diagnostics(diags: &[crate::diag::Diagnostic], sources: &crate::diag::SourceMap) {
    if diags.is_empty() {
        return;
    }
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal();
    eprint!("{}", crate::diag::render_human(diags, sources, color));
}

fn slack(args: PreviewSlackArgs) -> Result<u8, String> {
    let severity = parse_severity(&args.severity)?;
    let root = root_or_cwd(args.root.as_deref())?;
    let selection = Selection {
        envs: Some([args.env.clone()].into()),
        tenants: Some([args.tenant.clone()].into()),
    };
    let compiled = super::compile_with_process_env(
        &root,
        Mode::Check,
        selection,
        Keep::Artifacts(&crate::render::render_tenant),
    )?;
    print_diagnostics(&compiled.diags, compiled.sources());
    let texts = &compiled.repo.project.texts;
    if let Some(lang) = &args.locale
        && !texts.has(lang)
    {
        let known: Vec<&str> = texts.langs().collect();
        return Err(format!("unknown locale `{lang}` (known: {})", known.join(", ")));
    }
    let errors = compiled
        .diags
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error);
    let model = compiled
        .models
        .get(&args.env)
        .and_then(|models| models.iter().find(|m| m.id == args.tenant));
    let (Some(model), Some(platform)) = (model, compiled.typed_platforms.get(&args.env)) else {
        eprintln!(
            "strata: tenant `{}` in `{}` has errors; fix them to preview its Slack messages",
            args.tenant, args.env
        );
        return Ok(crate::cli::EXIT_PROBLEMS);
    };
    if errors {
        eprintln!("strata: the repository has errors; fix them to preview its Slack messages");
        return Ok(crate::cli::EXIT_PROBLEMS);
    }
    let ctx = EnvContext {
        env: &args.env,
        project: &compiled.repo.project,
        platform,
    };
    let lang = match &args.locale {
        Some(lang) => lang.as_str(),
        None => {
            Messages::new(
                &ctx.project.texts,
                model.tenant.locale.as_deref(),
                &ctx.project.project.default_locale,
            )
            .lang
        }
    };
    match preview(&ctx, model, severity, lang, args.alert.as_deref()) {
        Ok(message) => {
            let text = serde_json::to_string_pretty(&message).map_err(|e| e.to_string())?;
            println!("{text}");
            Ok(crate::cli::EXIT_OK)
        }
        Err(PreviewError::UnknownAlert(known)) => Err(format!(
            "tenant `{}` has no {} message `{}` in `{}` (known: {})",
            args.tenant,
            args.severity,
            args.alert.as_deref().unwrap_or("*"),
            args.env,
            known.join(", ")
        )),
        Err(PreviewError::Limits(problems)) => {
            eprintln!("strata: internal error: the preview breaks Block Kit limits: {problems}");
            Ok(crate::cli::EXIT_PROBLEMS)
        }
    }
}
