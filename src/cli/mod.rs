//! The command line: arguments (clap) and one module per subcommand. Each command returns
//! its exit code: 0 clean, 1 problems found, 2 usage or I/O error.

mod args;
pub(crate) mod commands;
mod help;
mod output;

pub use args::{Cli, Command, Format};
pub use commands::schema::schema_text;

use std::process::ExitCode;

/// Exit code: clean.
pub const EXIT_OK: u8 = 0;
/// Exit code: problems found.
pub const EXIT_PROBLEMS: u8 = 1;
/// Exit code: usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let code = match cli.command {
        Command::Check(a) => commands::check::run(a),
        Command::Build(a) => commands::build::run(a),
        Command::Watch(a) => commands::watch::run(a),
        Command::Explain(a) => commands::explain::run(a),
        Command::Diff(a) => commands::diff::run(a),
        Command::Schema(a) => commands::schema::run(a),
        Command::Init(a) => commands::init::run(a),
        Command::Import(a) => commands::import::run(a),
        Command::Preview(a) => commands::preview::run(a),
        Command::Policy(a) => commands::policy::run(a),
        Command::Completions(a) => commands::completions::run(a),
        Command::Man(a) => commands::completions::run_man(a),
        Command::Report(a) => commands::report::run(a),
    };
    let code = code.unwrap_or_else(|message| {
        eprintln!("strata: error: {message}");
        EXIT_USAGE
    });
    ExitCode::from(code)
}
