//! Helpers shared by the integration tests.
// Each test crate uses a subset of these helpers.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// A temporary folder holding `files` (path, content), parent folders created.
pub fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap_or(dir.path())).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

/// Runs the strata binary in `dir` without colour, with extra environment variables.
pub fn strata_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("running strata: {e}"))
}

/// Runs the strata binary in `dir` without colour.
pub fn strata(dir: &Path, args: &[&str]) -> Output {
    strata_with_env(dir, args, &[])
}

/// Standard output of a run, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error of a run, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output of a run, parsed as JSON.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

/// A copy of `examples/platform` in a temporary folder, without the `out/` a local
/// `strata build examples/platform` leaves there.
pub fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/platform");
    let entries = walkdir::WalkDir::new(&src)
        .into_iter()
        .filter_entry(|e| e.file_name() != "out");
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("{e}"));
        let rel = entry.path().strip_prefix(&src).unwrap_or_else(|e| panic!("{e}"));
        let to = dir.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap_or_else(|e| panic!("{e}"));
        } else {
            std::fs::copy(entry.path(), &to).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    dir
}

/// Every file under `dir`, by path relative to it: its permission bits and content.
pub fn tree_files(dir: &Path) -> std::collections::BTreeMap<String, (u32, Vec<u8>)> {
    use std::os::unix::fs::PermissionsExt;
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap_or(e.path()).display().to_string();
            let mode = e.metadata().map_or(0, |m| m.permissions().mode() & 0o7777);
            (rel, (mode, std::fs::read(e.path()).unwrap_or_default()))
        })
        .collect()
}
