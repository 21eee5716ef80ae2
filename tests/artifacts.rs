//! The full artifact set of `examples/platform`: every file one tenant gets in one
//! environment, as reviewed snapshots, and two builds of the same input compared byte for
//! byte (all targets).

mod common;

use common::strata_with_env;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file under `dir`, keyed by its path relative to `dir` (with `/`).
fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap_or_else(|e| panic!("{e}")) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap_or(&path);
                let name = relative.to_string_lossy().replace('\\', "/");
                out.insert(name, std::fs::read(&path).unwrap_or_else(|e| panic!("{e}")));
            }
        }
    }
    out
}

fn build_example(out: &Path) {
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/platform");
    let out_arg = out.to_string_lossy().into_owned();
    // The example's waivers expire; the build must not start failing on that date.
    let result = strata_with_env(
        &example,
        &["build", ".", "--out", &out_arg],
        &[("STRATA_TODAY", "2026-12-01")],
    );
    assert_eq!(
        result.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
}

/// Whether `path` (relative to the output folder) belongs to `tenant` in `env`.
fn of_tenant(path: &str, env: &str, tenant: &str) -> bool {
    let Some(rest) = path.strip_prefix(&format!("{env}/")) else {
        return false;
    };
    rest.split('/')
        .any(|part| part == tenant || part.split('.').next() == Some(tenant))
}

#[test]
fn one_tenants_full_artifact_set_is_as_reviewed() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    build_example(out.path());
    let tree = read_tree(out.path());
    let files: Vec<(&String, &Vec<u8>)> = tree
        .iter()
        .filter(|(path, _)| of_tenant(path, "production", "acme-corp"))
        .collect();
    let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    insta::assert_snapshot!("acme-corp-production-files", names.join("\n"));
    for (path, bytes) in files {
        let text = String::from_utf8(bytes.clone()).unwrap_or_else(|e| panic!("{path}: {e}"));
        let relative = path.strip_prefix("production/").unwrap_or(path);
        let name = format!("acme-corp-production-{}", relative.replace(['/', '.'], "_"));
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn two_builds_of_the_same_input_are_byte_identical() {
    let first = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let second = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    build_example(first.path());
    build_example(second.path());
    let (a, b) = (read_tree(first.path()), read_tree(second.path()));
    assert!(a.len() > 100, "only {} files", a.len());
    let a_names: Vec<&String> = a.keys().collect();
    let b_names: Vec<&String> = b.keys().collect();
    assert_eq!(a_names, b_names);
    for (path, bytes) in &a {
        assert!(b.get(path) == Some(bytes), "{path} differs between two builds");
    }
}
