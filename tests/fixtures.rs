//! Every directory under `tests/fixtures/` is a broken repository. `strata check` must
//! exit 1 on it (never panic) and its human and JSON diagnostics must match the reviewed
//! snapshots in `tests/snapshots/`.
//!
//! A case may hold `large-file.txt` naming a path: the harness then writes a file larger
//! than the size limit at that path in a copy of the case (too big to commit).

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap_or_else(|e| panic!("walking {}: {e}", from.display()));
        let rel = entry.path().strip_prefix(from).unwrap_or_else(|e| panic!("{e}"));
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
        }
    }
}

/// Prepares the case in a temporary copy when it needs generated files.
fn prepare(case: &Path, scratch: &Path) -> PathBuf {
    let marker = case.join("large-file.txt");
    if !marker.exists() {
        return case.to_path_buf();
    }
    copy_tree(case, scratch);
    let rel = std::fs::read_to_string(&marker).unwrap_or_default();
    let big = scratch.join(rel.trim());
    let line = "# padding to exceed the size limit of strata input files\n";
    std::fs::write(&big, line.repeat(5 * 1024 * 1024 / line.len() + 1)).unwrap_or_else(|e| panic!("{e}"));
    scratch.to_path_buf()
}

fn run(root: &Path, format: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["check", ".", "--format", format, "--color", "never"])
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env_remove("STRATA_TEST_SECRET")
        .output()
        .unwrap_or_else(|e| panic!("running strata: {e}"));
    let code = out.status.code().unwrap_or(-1);
    (
        code,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_fixture_fails_with_its_reviewed_diagnostics() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 25,
        "expected at least 25 fixture cases, found {}",
        cases.len()
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots");
    let _guard = settings.bind_to_scope();
    for case in cases {
        let name = case
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = prepare(&case, scratch.path());
        for format in ["human", "json"] {
            let (code, stdout, stderr) = run(&root, format);
            assert_eq!(
                code, 1,
                "{name} ({format}) must exit 1, got {code}\nstdout:\n{stdout}\nstderr:\n{stderr}"
            );
            assert!(!stderr.contains("panicked"), "{name} panicked: {stderr}");
            insta::assert_snapshot!(format!("{name}.{format}"), stdout);
        }
    }
}
