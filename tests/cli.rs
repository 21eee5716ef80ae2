//! The command line end to end: exit codes, formats, explain, build output and the
//! pre-commit path, on small repositories written by each test.

use std::path::{Path, PathBuf};
mod common;

use common::{json, repo, stdout, strata, strata_with_env};
use std::process::Command;

const TOML: &str = "[project]\nname = \"t\"\n";
const DEFAULTS: &str = "tenant_defaults:\n  autoscaling:\n    max_replicas: 10\n";
const PRODUCTION: &str = "platform:\n  cluster: prod\ntenant_defaults:\n  autoscaling:\n    max_replicas: 20\n";
const ACME: &str = "id: acme\nregion: eu-west-1\nautoscaling:\n  max_replicas: 40\n";

fn layered_repo() -> tempfile::TempDir {
    repo(&[
        ("strata.toml", TOML),
        ("defaults.yaml", DEFAULTS),
        ("environments/production.yaml", PRODUCTION),
        ("environments/dev.yaml", "platform:\n  cluster: dev\n"),
        ("tenants/acme.yaml", ACME),
    ])
}

#[test]
fn every_example_checks_clean() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&examples).unwrap_or_else(|e| panic!("{e}")) {
        let dir = entry.unwrap_or_else(|e| panic!("{e}")).path();
        if !dir.is_dir() {
            continue; // a cargo example program (examples/*.rs), not a config repository
        }
        // The example's waivers expire in 2027: check it at a fixed date so the test
        // does not start failing then.
        let out = strata_with_env(
            &dir,
            &["check", ".", "--format", "json"],
            &[("STRATA_TODAY", "2026-12-01")],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{} must check clean:\n{}",
            dir.display(),
            stdout(&out)
        );
        assert_eq!(json(&out)["summary"]["errors"], 0);
        seen += 1;
    }
    assert!(seen >= 1, "examples/ holds no example");
}

#[test]
fn init_creates_a_repository_that_checks_clean() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let created = strata(dir.path(), &["init", "starter"]);
    assert_eq!(created.status.code(), Some(0));
    let out = strata(&dir.path().join("starter"), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        strata(dir.path(), &["init", "starter"]).status.code(),
        Some(2),
        "init never overwrites"
    );
}

#[test]
fn explain_prints_every_layer_with_file_and_line() {
    let dir = layered_repo();
    let out = strata(
        dir.path(),
        &[
            "explain",
            "--env",
            "production",
            "--tenant",
            "acme",
            "autoscaling.max_replicas",
        ],
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.starts_with("autoscaling.max_replicas = 40\n"), "{text}");
    assert!(text.contains("set in     tenants/acme.yaml:4:17"), "{text}");
    assert!(
        text.contains("overrides  20 at environments/production.yaml:5:19"),
        "{text}"
    );
    assert!(text.contains("overrides  10 at defaults.yaml:3:19"), "{text}");
}

#[test]
fn a_schema_error_points_at_the_tenant_and_notes_the_other_layers() {
    let dir = layered_repo();
    std::fs::write(dir.path().join("tenants/acme.yaml"), ACME.replace("40", "\"many\""))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = strata(dir.path(), &["check", "--env", "production", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let d = &report["diagnostics"][0];
    assert_eq!(
        (d["code"].as_str(), d["file"].as_str(), d["line"].as_u64()),
        (Some("STRATA-E013"), Some("tenants/acme.yaml"), Some(4))
    );
    let notes: Vec<&str> = d["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["file"].as_str())
        .collect();
    assert!(
        notes.starts_with(&["environments/production.yaml", "defaults.yaml"]),
        "{notes:?}"
    );
}

#[test]
fn exit_codes_separate_problems_from_usage_errors() {
    let dir = layered_repo();
    assert_eq!(strata(dir.path(), &["check"]).status.code(), Some(0));
    assert_eq!(strata(dir.path(), &["check", "--env", "nope"]).status.code(), Some(2));
    assert_eq!(
        strata(dir.path(), &["check", "--tenant", "nope"]).status.code(),
        Some(2)
    );
    assert_eq!(strata(dir.path(), &["frobnicate"]).status.code(), Some(2));
    let empty = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        strata(empty.path(), &["check"]).status.code(),
        Some(2),
        "no strata.toml is a usage error"
    );
    std::fs::write(dir.path().join("tenants/acme.yaml"), "id: acme\nregion: mars-1\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(strata(dir.path(), &["check"]).status.code(), Some(1));
}

#[test]
fn changed_files_check_only_the_tenants_they_affect() {
    let dir = layered_repo();
    std::fs::write(dir.path().join("tenants/broken.yaml"), "id: wrong\n").unwrap_or_else(|e| panic!("{e}"));
    let only_acme = strata(dir.path(), &["check", "tenants/acme.yaml"]);
    assert_eq!(only_acme.status.code(), Some(0), "{}", stdout(&only_acme));
    let broken = strata(dir.path(), &["check", "tenants/broken.yaml"]);
    assert_eq!(broken.status.code(), Some(1));
    let env_change = strata(dir.path(), &["check", "environments/dev.yaml"]);
    assert_eq!(
        env_change.status.code(),
        Some(1),
        "an environment file affects every tenant"
    );
    std::fs::write(dir.path().join("README.md"), "docs").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(strata(dir.path(), &["check", "README.md"]).status.code(), Some(0));
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let dir = layered_repo();
    std::fs::write(dir.path().join("tenants/acme.yaml"), "id: acme\nregion: mars-1\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let plain = strata(dir.path(), &["check"]);
    assert!(!plain.stdout.contains(&0x1b), "no escape codes off a terminal");
    assert!(stdout(&plain).contains("tenants/acme.yaml:2:9"), "{}", stdout(&plain));
    let coloured = strata(dir.path(), &["check", "--color", "always"]);
    assert!(coloured.stdout.contains(&0x1b));
}

fn read_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap_or(e.path()).to_path_buf(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn build_writes_deterministic_output_and_a_failed_build_keeps_the_last_one() {
    let dir = layered_repo();
    let first = strata(dir.path(), &["build"]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let out = dir.path().join("out");
    let tree = read_tree(&out);
    let names: Vec<String> = tree.iter().map(|(p, _)| p.to_string_lossy().into_owned()).collect();
    for expected in [
        "dev/tenants/acme.json",
        "manifest.json",
        "production/tenants/acme.json",
        "production/prometheus/prometheus.yml",
        "production/prometheus/rules/acme.yml",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
    }
    let file = |name: &str| {
        tree.iter()
            .find(|(p, _)| p.to_string_lossy() == name)
            .map(|(_, b)| b.clone())
            .unwrap_or_default()
    };
    let acme: serde_json::Value = serde_json::from_slice(&file("production/tenants/acme.json")).unwrap_or_default();
    assert_eq!(acme["autoscaling"]["max_replicas"], 40);
    let manifest = String::from_utf8_lossy(&file("manifest.json")).into_owned();
    let tenant_sha = strata::write::sha256_hex(&file("production/tenants/acme.json"));
    assert!(
        manifest.contains(&tenant_sha) && manifest.contains("\"tenants/acme.yaml\""),
        "{manifest}"
    );

    assert_eq!(strata(dir.path(), &["build"]).status.code(), Some(0));
    assert_eq!(read_tree(&out), tree, "the same inputs give byte-identical output");

    std::fs::write(dir.path().join("tenants/acme.yaml"), "id: acme\nregion: mars-1\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(strata(dir.path(), &["build"]).status.code(), Some(1));
    assert_eq!(
        read_tree(&out),
        tree,
        "a failed build leaves the previous output untouched"
    );
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".strata-"))
        .collect();
    assert_eq!(
        leftovers,
        [".strata-previous-out"],
        "no staging folder is left behind, only the spare the next build reuses"
    );
    assert_eq!(strata(dir.path(), &["build"]).status.code(), Some(1));
    std::fs::write(dir.path().join("tenants/acme.yaml"), ACME).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(strata(dir.path(), &["build"]).status.code(), Some(0));
    assert_eq!(
        read_tree(&out),
        tree,
        "a build reusing the spare a failed build left writes the same files"
    );
}

#[test]
fn build_refuses_to_replace_a_folder_it_did_not_write() {
    let dir = layered_repo();
    std::fs::create_dir_all(dir.path().join("precious")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("precious/notes.txt"), "keep").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        strata(dir.path(), &["build", "--out", "precious"]).status.code(),
        Some(2)
    );
    assert!(dir.path().join("precious/notes.txt").exists());
}

#[test]
fn secrets_need_variables_in_build_but_not_in_check_and_never_show() {
    let slack = "  channels:\n    s: {type: slack, webhook_url: \"${STRATA_TEST_HOOK}\", channel: \"#a\"}\n";
    let dir = layered_repo();
    std::fs::write(
        dir.path().join("tenants/acme.yaml"),
        format!("{ACME}alerting:\n{slack}"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let check = strata(dir.path(), &["check", "--format", "json"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    assert_eq!(json(&check)["diagnostics"][0]["severity"], "warning");
    let build = strata(dir.path(), &["build"]);
    assert_eq!(build.status.code(), Some(1));
    assert!(
        stdout(&build).contains("STRATA-E030") && stdout(&build).contains("tenants/acme.yaml:7"),
        "{}",
        stdout(&build)
    );

    let secret = "https://hooks.slack.com/services/T000/B000/s3cr3t";
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(args)
            .current_dir(dir.path())
            .env("STRATA_TEST_HOOK", secret)
            .output()
    };
    let built = run(&["build"]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(built.status.code(), Some(0));
    let explained = run(&["explain", "--env", "dev", "--tenant", "acme", "alerting"]).unwrap_or_else(|e| panic!("{e}"));
    let shown = format!(
        "{}{}",
        stdout(&explained),
        String::from_utf8_lossy(&std::fs::read(dir.path().join("out/dev/tenants/acme.json")).unwrap_or_default())
    );
    assert!(shown.contains("<secret>") && !shown.contains("s3cr3t"), "{shown}");
}

#[test]
fn explain_tells_where_a_removed_value_was_set_and_removed() {
    let dir = layered_repo();
    std::fs::create_dir_all(dir.path().join("tenants/acme")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("tenants/acme/dev.yaml"), "region: null\n").unwrap_or_else(|e| panic!("{e}"));
    let out = strata(dir.path(), &["explain", "--env", "dev", "--tenant", "acme", "region"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "region is not set\n    removed by `null` at tenants/acme/dev.yaml:1:9\n    set to \"eu-west-1\" at tenants/acme.yaml:2:9\n"
    );
    let unknown = strata(dir.path(), &["explain", "--env", "dev", "--tenant", "acme", "nowhere"]);
    assert_eq!(unknown.status.code(), Some(2), "a path no layer sets is a usage error");
}

#[test]
fn a_rule_reaching_another_tenant_is_refused_and_nothing_is_written() {
    for expr in ["up{tenant=\\\"globex\\\"} == 0", "up{tenant!=\\\"acme\\\"} == 0"] {
        let dir = layered_repo();
        let rules = format!("alerting:\n  rules:\n    Spy:\n      expr: \"{expr}\"\n      severity: warning\n");
        std::fs::write(dir.path().join("tenants/acme.yaml"), format!("{ACME}{rules}"))
            .unwrap_or_else(|e| panic!("{e}"));
        let out = strata(dir.path(), &["build", "--format", "json"]);
        assert_eq!(out.status.code(), Some(1), "{expr}");
        let d = &json(&out)["diagnostics"][0];
        assert_eq!(
            (d["code"].as_str(), d["file"].as_str(), d["line"].as_u64()),
            (Some("STRATA-E051"), Some("tenants/acme.yaml"), Some(8))
        );
        assert!(!dir.path().join("out").exists(), "no output is written");
    }
}
