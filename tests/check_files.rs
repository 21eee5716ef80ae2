//! `strata check FILES...` as a pre-commit hook runs it: files relative to the working
//! directory, which may be anywhere in (or above) the config repository.

mod common;

use common::{json, repo, stderr, stdout, strata};
use std::path::Path;

const TOML: &str = "[project]\nname = \"t\"\n";
const ACME: &str = "id: acme\nregion: eu-west-1\n";
const BETA: &str = "id: beta\nregion: eu-west-1\n";
/// A tenant file whose third line is invalid.
const BROKEN_ACME: &str = "id: acme\nregion: eu-west-1\nautoscaling:\n  max_replicas: lots\n";

/// A git-like tree: the config repository in `platform/`, other files around it.
fn monorepo() -> tempfile::TempDir {
    repo(&[
        ("README.md", "# services\n"),
        (".github/workflows/ci.yml", "on: push\njobs: {}\n"),
        ("platform/strata.toml", TOML),
        ("platform/environments/dev.yaml", "platform:\n  cluster: dev\n"),
        ("platform/environments/production.yaml", "platform:\n  cluster: prod\n"),
        ("platform/tenants/acme.yaml", ACME),
        ("platform/tenants/beta.yaml", BETA),
        ("platform/tenants/beta/production.yaml", "region: us-east-1\n"),
    ])
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
}

/// The `file:line` of every diagnostic of a JSON report.
fn locations(out: &std::process::Output) -> Vec<String> {
    let report = json(out);
    let diags = report["diagnostics"].as_array().cloned().unwrap_or_default();
    diags
        .iter()
        .map(|d| format!("{}:{}", d["file"].as_str().unwrap_or("?"), d["line"]))
        .collect()
}

#[test]
fn files_are_found_from_the_top_of_a_monorepo() {
    let dir = monorepo();
    let clean = strata(dir.path(), &["check", "platform/tenants/acme.yaml", "README.md"]);
    assert_eq!(clean.status.code(), Some(0), "{}{}", stdout(&clean), stderr(&clean));

    write(&dir.path().join("platform/tenants/acme.yaml"), BROKEN_ACME);
    let broken = strata(
        dir.path(),
        &["check", "--format", "json", "README.md", "platform/tenants/acme.yaml"],
    );
    assert_eq!(broken.status.code(), Some(1), "{}", stdout(&broken));
    assert_eq!(locations(&broken), ["tenants/acme.yaml:4"]);

    let human = strata(dir.path(), &["check", "platform/tenants/acme.yaml"]);
    assert!(
        stdout(&human).contains("tenants/acme.yaml:4:"),
        "the human report names the file and line:\n{}",
        stdout(&human)
    );
    // Only acme is affected: beta's file alone still checks clean.
    let beta = strata(dir.path(), &["check", "platform/tenants/beta/production.yaml"]);
    assert_eq!(beta.status.code(), Some(0), "{}", stdout(&beta));
}

#[test]
fn files_are_relative_to_a_working_directory_inside_the_repository() {
    let dir = monorepo();
    write(&dir.path().join("platform/tenants/acme.yaml"), BROKEN_ACME);
    let tenants = dir.path().join("platform/tenants");
    let from_tenants = strata(&tenants, &["check", "--format", "json", "acme.yaml"]);
    assert_eq!(from_tenants.status.code(), Some(1), "{}", stderr(&from_tenants));
    assert_eq!(locations(&from_tenants), ["tenants/acme.yaml:4"]);
    assert_eq!(strata(&tenants, &["check", "beta.yaml"]).status.code(), Some(0));
    // `..` in a path, and an explicit ROOT next to files relative to the working directory.
    let env = strata(&tenants, &["check", "../environments/dev.yaml"]);
    assert_eq!(
        env.status.code(),
        Some(1),
        "an environment affects every tenant, acme too"
    );
    let with_root = strata(&tenants, &["check", "..", "beta/production.yaml"]);
    assert_eq!(with_root.status.code(), Some(0), "{}", stdout(&with_root));
}

#[test]
fn files_strata_does_not_read_are_ignored() {
    let dir = monorepo();
    write(&dir.path().join("platform/tenants/acme.yaml"), BROKEN_ACME);
    write(&dir.path().join("platform/notes.yaml"), ": not yaml : [");
    for files in [
        &["README.md", ".github/workflows/ci.yml"][..],
        &["platform/notes.yaml"][..],
        &["platform/tenants/acme/README.md", ".github/workflows/ci.yml"][..],
    ] {
        std::fs::create_dir_all(dir.path().join("platform/tenants/acme")).unwrap_or_else(|e| panic!("{e}"));
        write(&dir.path().join("platform/tenants/acme/README.md"), "notes");
        let args: Vec<&str> = ["check"].iter().chain(files).copied().collect();
        let out = strata(dir.path(), &args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{files:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }
    let sarif = strata(dir.path(), &["check", "--format", "sarif", "README.md"]);
    assert_eq!(sarif.status.code(), Some(0));
    assert_eq!(json(&sarif)["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn a_deleted_tenant_file_is_a_change_not_an_error() {
    let dir = monorepo();
    let platform = dir.path().join("platform");
    // Deleted with its overlay folder: nothing of it is left to check.
    std::fs::remove_file(platform.join("tenants/acme.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let gone = strata(&platform, &["check", "tenants/acme.yaml"]);
    assert_eq!(gone.status.code(), Some(0), "{}{}", stdout(&gone), stderr(&gone));
    // Deleted, but its overlay is left behind: that overlay is an error.
    std::fs::remove_file(platform.join("tenants/beta.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let orphan = strata(&platform, &["check", "--format", "json", "tenants/beta.yaml"]);
    assert_eq!(orphan.status.code(), Some(1), "{}", stdout(&orphan));
    assert_eq!(json(&orphan)["diagnostics"][0]["code"], "STRATA-E032");
    // A missing file strata would never read is a typo: usage error.
    let typo = strata(&platform, &["check", "tenants/acme.txt"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        stderr(&typo).contains("tenants/acme.txt: no such file"),
        "{}",
        stderr(&typo)
    );
}

#[test]
fn files_of_two_repositories_are_checked_each_in_its_own() {
    let dir = monorepo();
    let other = [
        ("strata.toml", TOML),
        ("environments/dev.yaml", "platform:\n  cluster: dev\n"),
        ("tenants/acme.yaml", BROKEN_ACME),
    ];
    for (path, text) in other {
        let p = dir.path().join("legacy").join(path);
        std::fs::create_dir_all(p.parent().unwrap_or(dir.path())).unwrap_or_else(|e| panic!("{e}"));
        write(&p, text);
    }
    let files = ["check", "platform/tenants/acme.yaml", "legacy/tenants/acme.yaml"];
    let human = strata(dir.path(), &files);
    assert_eq!(human.status.code(), Some(1), "legacy's acme is broken");
    let report = stdout(&human);
    let legacy = report
        .find("legacy:")
        .unwrap_or_else(|| panic!("no legacy header:\n{report}"));
    let platform = report
        .find("platform:")
        .unwrap_or_else(|| panic!("no platform header:\n{report}"));
    let problem = report.find("tenants/acme.yaml:4:").unwrap_or(0);
    assert!(
        legacy < problem && problem < platform,
        "each report under its ROOT:\n{report}"
    );
    let mut json_args = files.to_vec();
    json_args.extend(["--format", "json"]);
    let one_report = strata(dir.path(), &json_args);
    assert_eq!(
        one_report.status.code(),
        Some(2),
        "one JSON report cannot hold two repositories"
    );
    assert!(
        stderr(&one_report).contains("2 repositories"),
        "{}",
        stderr(&one_report)
    );
}
