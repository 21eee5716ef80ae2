//! `strata completions SHELL` and `strata man`: shell completion scripts and man pages,
//! generated from the same command-line definition as `--help`.

use crate::cli::args::Cli;
use clap::{Args, CommandFactory};
use std::path::PathBuf;

/// `strata completions`.
#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  strata completions bash > ~/.local/share/bash-completion/completions/strata
  strata completions zsh > ~/.zfunc/_strata      # with fpath+=(~/.zfunc) before compinit
  strata completions fish > ~/.config/fish/completions/strata.fish")]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `strata man`.
#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  strata man | man -l -                 read the main page
  strata man --out /usr/local/share/man/man1   install every page")]
pub struct ManArgs {
    /// Write `strata.1` and one page per subcommand (`strata-check.1`, ...) into this
    /// folder instead of printing `strata.1`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// The completion script for `shell`.
pub fn completion_script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "strata", &mut script);
    script
}

/// Runs `strata completions`.
pub fn run(args: CompletionsArgs) -> Result<u8, String> {
    use std::io::Write;
    std::io::stdout()
        .write_all(&completion_script(args.shell))
        .map_err(|e| format!("cannot write the completion script: {e}"))?;
    Ok(crate::cli::EXIT_OK)
}

/// Runs `strata man`.
pub fn run_man(args: ManArgs) -> Result<u8, String> {
    let cmd = Cli::command();
    match args.out {
        Some(dir) => {
            std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .map_err(|e| format!("cannot write man pages to {}: {e}", dir.display()))?;
        }
        None => clap_mangen::Man::new(cmd)
            .render(&mut std::io::stdout())
            .map_err(|e| format!("cannot write the man page: {e}"))?,
    }
    Ok(crate::cli::EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every subcommand and every argument of `cmd` and below that has no help text.
    fn undocumented(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        if cmd.get_about().is_none() {
            out.push(format!("{path}: no about"));
        }
        for arg in cmd.get_arguments() {
            let builtin = matches!(arg.get_id().as_str(), "help" | "version");
            if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                out.push(format!("{path} {}: no help", arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            undocumented(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_subcommand_and_flag_has_help() {
        let mut bare = Vec::new();
        let sample = clap::Command::new("x").about("x").arg(clap::Arg::new("y").long("y"));
        undocumented(&sample, "x", &mut bare);
        assert_eq!(bare, ["x y: no help"], "the walk finds an undocumented flag");
        let mut missing = Vec::new();
        undocumented(&Cli::command(), "strata", &mut missing);
        assert!(missing.is_empty(), "undocumented: {missing:#?}");
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
