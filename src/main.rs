//! The `strata` binary: parse arguments, run, exit 0 / 1 / 2.

use clap::Parser;

fn main() -> std::process::ExitCode {
    strata::cli::run(strata::cli::Cli::parse())
}
