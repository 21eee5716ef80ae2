//! `strata preview slack --env E --tenant T --severity S [--locale L] [ROOT]`: one Block Kit
//! message of a tenant filled with a sample alert, for pasting into Slack's Block Kit
//! Builder.

use clap::{Args, Subcommand};
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
}

/// Runs `strata preview`.
pub fn run(command: PreviewCommand) -> Result<u8, String> {
    match command {
        PreviewCommand::Slack(_) => Err("preview slack is not built yet".into()),
    }
}
