//! The `strata` binary: parse arguments, run, exit 0 / 1 / 2.

use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    strata::cli::run(strata::cli::Cli::parse())
}
