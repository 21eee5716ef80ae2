//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// strata: compile and validate a layered multi-tenant monitoring config repository.
#[derive(Debug, Parser)]
#[command(name = "strata", version, about, propagate_version = true)]
#[command(after_help = crate::cli::help::STRATA)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the repository (or only what the given files affect).
    Check(CheckArgs),
    /// Validate, then write the outputs of every environment.
    Build(BuildArgs),
    /// Build, then rebuild on every change and hot-reload Prometheus and Alertmanager.
    Watch(WatchArgs),
    /// Show a value of an effective tenant, where it was set and what it overrode.
    Explain(ExplainArgs),
    /// Build ROOT and another checkout or git ref in memory and report what changed in the artifacts.
    Diff(crate::cli::commands::diff::DiffArgs),
    /// Write the JSON Schemas of the config files.
    Schema(SchemaArgs),
    /// Create a starter repository that checks clean.
    Init(InitArgs),
    /// Turn rules of other tools into a tenant's rules.
    #[command(subcommand)]
    Import(crate::cli::commands::import::ImportCommand),
    /// List, explain and test the compliance policies.
    #[command(subcommand)]
    Policy(crate::cli::commands::policy::PolicyCommand),
    /// Render an artifact with sample data, for pasting into the tool that shows it.
    #[command(subcommand)]
    Preview(crate::cli::commands::preview::PreviewCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(crate::cli::commands::completions::CompletionsArgs),
    /// Print the man page, or write one per subcommand with --out.
    Man(crate::cli::commands::completions::ManArgs),
    /// Write a compliance report: tenants x frameworks, failing rules, waivers, build outputs.
    Report(crate::cli::commands::report::ComplianceReportArgs),
}

/// Output format of diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people (colour only on a terminal, never with NO_COLOR).
    Human,
    /// One JSON object with every diagnostic.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, GitLab, IDEs).
    Sarif,
    /// GitHub Actions annotations (`::error file=...,line=...::`).
    Github,
    /// JUnit XML: one testcase per environment and tenant.
    Junit,
}

/// Output format of `explain` (a value's layers are not findings: no sarif, github, junit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// For people.
    Human,
    /// JSON.
    Json,
}

/// When to colour human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Options shared by commands that report diagnostics.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// `strata check`.
#[derive(Debug, Args)]
#[command(after_long_help = crate::cli::help::CHECK)]
pub struct CheckArgs {
    /// ROOT (a directory) and/or changed FILES (as a pre-commit hook passes them).
    #[arg(value_name = "ROOT|FILE")]
    pub paths: Vec<PathBuf>,
    /// Only these environments.
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
    /// Only these tenants.
    #[arg(long = "tenant", value_name = "TENANT")]
    pub tenants: Vec<String>,
    /// Report options.
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `strata build`.
#[derive(Debug, Args)]
#[command(after_long_help = crate::cli::help::BUILD)]
pub struct BuildArgs {
    /// Repository root (default: the nearest folder with strata.toml).
    pub root: Option<PathBuf>,
    /// Only these environments.
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
    /// Output folder (default: `build.out_dir` of strata.toml, relative to ROOT).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Report options.
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `strata watch`.
#[derive(Debug, Args)]
#[command(after_long_help = crate::cli::help::WATCH)]
pub struct WatchArgs {
    /// Repository root (default: the nearest folder with strata.toml).
    pub root: Option<PathBuf>,
    /// The environment to build and serve.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// Prometheus base URL to reload after each swap, such as http://127.0.0.1:9090.
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
    /// Alertmanager base URL to reload after each swap, such as http://127.0.0.1:9093.
    #[arg(long, value_name = "URL")]
    pub alertmanager: Option<String>,
    /// Serve /healthz and /metrics on this address, such as 127.0.0.1:9464.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Output folder (default: `build.out_dir` of strata.toml, relative to ROOT).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Report options.
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `strata explain`.
#[derive(Debug, Args)]
#[command(after_long_help = crate::cli::help::EXPLAIN)]
pub struct ExplainArgs {
    /// `[ROOT] [PATH]`: an existing directory is ROOT; PATH is dotted, such as
    /// `autoscaling.max_replicas`.
    #[arg(num_args = 0..=2)]
    pub args: Vec<String>,
    /// Environment.
    #[arg(long)]
    pub env: String,
    /// Tenant.
    #[arg(long)]
    pub tenant: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
    pub format: ExplainFormat,
}

/// `strata schema`.
#[derive(Debug, Args)]
#[command(after_long_help = crate::cli::help::SCHEMA)]
pub struct SchemaArgs {
    /// Folder to write the schemas into.
    #[arg(long, default_value = "schemas")]
    pub out: PathBuf,
}

/// `strata init`.
#[derive(Debug, Args)]
#[command(after_long_help = crate::cli::help::INIT)]
pub struct InitArgs {
    /// Folder to create the repository in.
    pub dir: PathBuf,
}
