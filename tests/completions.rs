//! `strata completions SHELL`, `strata man` and `--help`: generated from the command-line
//! definition, they must name every subcommand and be accepted by the shells and groff.

mod common;

use common::{stdout, strata};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// The subcommands `strata --help` lists.
fn subcommands() -> Vec<String> {
    let help = stdout(&strata(Path::new("."), &["--help"]));
    let names: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|n| n != "help")
        .collect();
    assert!(names.len() >= 10, "too few subcommands in --help:\n{help}");
    names
}

fn completion(shell: &str) -> String {
    let out = strata(Path::new("."), &["completions", shell]);
    assert_eq!(out.status.code(), Some(0), "completions {shell}");
    stdout(&out)
}

/// Whether `program` can be run.
fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `program args...` with `input` on standard input; returns (success, stdout+stderr).
fn run(program: &str, args: &[&str], input: &str) -> (bool, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let text = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn every_shell_script_names_every_subcommand() {
    let names = subcommands();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = completion(shell);
        for name in &names {
            assert!(script.contains(name.as_str()), "{shell} completion lacks `{name}`");
        }
    }
    let bad = strata(Path::new("."), &["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2), "an unknown shell is a usage error");
}

#[test]
fn bash_parses_the_script_and_completes_commands_flags_and_values() {
    let script = completion("bash");
    let (ok, out) = run("bash", &["-n"], &script);
    assert!(ok, "bash -n: {out}");
    // Drive the completion function as bash's `complete -F` does, for three command lines.
    let driver = format!(
        "{script}\n\
         ask() {{ COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMPREPLY=();\n\
           _strata strata \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\";\n\
           echo \"${{COMPREPLY[*]}}\"; }}\n\
         ask strata ch\n\
         ask strata check --fo\n\
         ask strata check --format ''\n"
    );
    let (ok, out) = run("bash", &[], &driver);
    assert!(ok, "bash: {out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines, ["check", "--format", "human json sarif github junit"], "{out}");
}

#[test]
fn fish_and_zsh_accept_their_scripts_when_installed() {
    if installed("fish") {
        let script = completion("fish");
        let (ok, out) = run("fish", &["--no-execute"], &script);
        assert!(ok, "fish -n: {out}");
        let (ok, out) = run(
            "fish",
            &["--no-config", "-c", "source; complete -C 'strata check --format '"],
            &script,
        );
        assert!(ok && out.contains("sarif\t"), "fish completes --format values: {out}");
    } else {
        eprintln!("fish not installed: fish checks skipped (scripts/precommit_check.sh runs them in CI)");
    }
    if installed("zsh") {
        let (ok, out) = run("zsh", &["-n"], &completion("zsh"));
        assert!(ok, "zsh -n: {out}");
    } else {
        eprintln!("zsh not installed: zsh -n skipped (scripts/precommit_check.sh runs it in CI)");
    }
}

#[test]
fn man_pages_cover_every_subcommand_and_render_without_warnings() {
    let page = strata(Path::new("."), &["man"]);
    assert_eq!(page.status.code(), Some(0));
    let page = stdout(&page);
    assert!(page.contains(".TH strata 1"), "{page}");
    for name in subcommands() {
        assert!(
            page.contains(&format!("strata\\-{name}")) || page.contains(&name),
            "man lacks {name}"
        );
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out_dir = dir.path().join("man1");
    let out_arg = out_dir.to_string_lossy().into_owned();
    let written = strata(Path::new("."), &["man", "--out", &out_arg]);
    assert_eq!(written.status.code(), Some(0));
    for name in subcommands() {
        let file = out_dir.join(format!("strata-{name}.1"));
        assert!(file.is_file(), "{} not written", file.display());
    }
    let check = std::fs::read_to_string(out_dir.join("strata-check.1")).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        check.contains("pre\\-commit"),
        "the long help (examples) is in the page"
    );
    if installed("groff") {
        let (ok, out) = run("groff", &["-man", "-Tutf8", "-ww", "-z"], &page);
        assert!(ok && out.trim().is_empty(), "groff warnings: {out}");
    }
}
