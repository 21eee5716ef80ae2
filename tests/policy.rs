//! The policy engine end to end: each built-in pack's fixture triggers every rule of the
//! pack (reviewed snapshots of the findings), waivers, project policies with errors, the
//! evaluation time limit, severity overrides, `fail_on`, and `strata policy`.

mod common;

use common::{repo, strata_with_env};
use std::path::{Path, PathBuf};
use std::process::Output;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn strata(dir: &Path, args: &[&str]) -> Output {
    strata_with_env(dir, args, &[("STRATA_TODAY", "2026-12-01")])
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `strata check --format json` of `dir`: exit code and diagnostics.
fn check(dir: &Path) -> (i32, Vec<serde_json::Value>) {
    let out = strata(dir, &["check", ".", "--format", "json"]);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out)));
    let diags = report["diagnostics"].as_array().cloned().unwrap_or_default();
    (out.status.code().unwrap_or(-1), diags)
}

/// One line per diagnostic: code, severity, file:line:column, message.
fn summary(diags: &[serde_json::Value]) -> String {
    diags
        .iter()
        .map(|d| {
            format!(
                "{} {} {}:{}:{} {}\n",
                d["code"].as_str().unwrap_or_default(),
                d["severity"].as_str().unwrap_or_default(),
                d["file"].as_str().unwrap_or_default(),
                d["line"],
                d["column"],
                d["message"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

/// Rule ids of a pack, from `strata policy list`.
fn pack_rules(prefix: &str) -> Vec<String> {
    let out = strata(Path::new(env!("CARGO_MANIFEST_DIR")), &["policy", "list"]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|id| id.starts_with(prefix))
        .map(str::to_string)
        .collect()
}

fn assert_pack(case: &str, prefix: &str) {
    let (code, diags) = check(&fixture(case));
    assert_eq!(code, 1, "{}", summary(&diags));
    let rules = pack_rules(prefix);
    assert!(rules.len() >= 5, "{prefix}: {rules:?}");
    for id in &rules {
        assert!(
            diags.iter().any(|d| d["code"] == id.as_str()),
            "{case} does not trigger {id}:\n{}",
            summary(&diags)
        );
    }
    insta::assert_snapshot!(case, summary(&diags));
}

#[test]
fn baseline_fixture_triggers_every_baseline_rule() {
    assert_pack("policy-baseline", "BASE-");
}

#[test]
fn soc2_fixture_triggers_every_soc2_rule() {
    assert_pack("policy-soc2", "SOC2-");
}

#[test]
fn gdpr_fixture_triggers_every_gdpr_rule() {
    assert_pack("policy-gdpr", "GDPR-");
}

#[test]
fn hipaa_fixture_triggers_every_hipaa_rule() {
    assert_pack("policy-hipaa", "HIPAA-");
}

#[test]
fn findings_carry_frameworks_and_remediation() {
    let (_, diags) = check(&fixture("policy-soc2"));
    let d = diags
        .iter()
        .find(|d| d["code"] == "SOC2-003")
        .cloned()
        .unwrap_or_default();
    assert!(d["message"].as_str().unwrap_or_default().starts_with("[SOC2] "), "{d}");
    assert_eq!(
        d["help"], "Set `security.key_rotation_days` to 90 or less.",
        "remediation is the help line"
    );
    // A value set in layer 4 is reported there.
    let overlay = diags
        .iter()
        .find(|d| d["code"] == "SOC2-004" && d["file"] == "tenants/short-backups/production.yaml");
    assert!(overlay.is_some(), "{}", summary(&diags));
}

#[test]
fn waivers_suppress_and_expired_or_unknown_ones_are_errors() {
    let dir = fixture("policy-waivers");
    let (code, diags) = check(&dir);
    assert_eq!(code, 1);
    insta::assert_snapshot!("policy-waivers", summary(&diags));
    assert!(!diags.iter().any(|d| d["code"] == "GDPR-002"), "GDPR-002 is waived");
    let human = strata(&dir, &["check", ".", "--color", "never"]);
    assert!(
        text(&human).contains("1 finding waived:\n  GDPR-002 offshore [production]"),
        "{}",
        text(&human)
    );
    // Once its date has passed, the active waiver expires too.
    let later = strata_with_env(
        &dir,
        &["check", ".", "--format", "json"],
        &[("STRATA_TODAY", "2100-01-01")],
    );
    let later = text(&later);
    assert!(later.contains("waiver of `GDPR-002` expired on 2099-12-31"), "{later}");
    assert!(later.contains("\"code\": \"GDPR-002\""), "{later}");
    let bad = strata_with_env(&dir, &["check", "."], &[("STRATA_TODAY", "tomorrow")]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
}

#[test]
fn a_typo_in_a_project_policy_is_e080_at_its_line() {
    let (code, diags) = check(&fixture("policy-user-typo"));
    assert_eq!(code, 1);
    insta::assert_snapshot!("policy-user-typo", summary(&diags));
    let d = diags
        .iter()
        .find(|d| d["code"] == "STRATA-E080")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (d["file"].as_str(), d["line"].as_u64(), d["column"].as_u64()),
        (Some("policies/naming.rego"), Some(12), Some(6))
    );
    // The other project policy still runs.
    assert!(diags.iter().any(|d| d["code"] == "ACME-002"));
}

#[test]
fn invalid_metadata_and_unknown_ids_are_reported_where_written() {
    let (_, diags) = check(&fixture("policy-bad-metadata"));
    insta::assert_snapshot!("policy-bad-metadata", summary(&diags));
    let (_, diags) = check(&fixture("policy-unknown-ids"));
    insta::assert_snapshot!("policy-unknown-ids", summary(&diags));
}

const TOML: &str = "[project]\nname = \"t\"\n";
const ENV: &str = "platform:\n  cluster: c\n";

#[test]
fn a_looping_policy_is_stopped_by_the_time_limit() {
    let policy = "package acme.slow\n\nimport rego.v1\n\ndeny contains \"never\" if {\n\tcount([1 | some i in numbers.range(1, 100000); some j in numbers.range(1, 100000)]) < 0\n}\n";
    let dir = repo(&[
        ("strata.toml", TOML),
        ("environments/production.yaml", ENV),
        ("tenants/a.yaml", "id: a\n"),
        ("policies/slow.rego", policy),
    ]);
    let started = std::time::Instant::now();
    let (code, diags) = check(dir.path());
    let took = started.elapsed();
    assert_eq!(code, 1);
    assert!(took < std::time::Duration::from_secs(15), "took {took:?}");
    let d = diags
        .iter()
        .find(|d| d["code"] == "STRATA-E080")
        .cloned()
        .unwrap_or_default();
    assert!(d["message"].as_str().unwrap_or_default().contains("time limit"), "{d}");
    assert_eq!(d["file"], "policies/slow.rego");
}

const WARN_ONLY: &str = "id: a\nmonitoring: {retention: 3d}\n";

#[test]
fn fail_on_warning_fails_on_policy_warnings() {
    let dir = repo(&[
        ("strata.toml", TOML),
        ("environments/production.yaml", ENV),
        ("tenants/a.yaml", WARN_ONLY),
    ]);
    let (code, diags) = check(dir.path());
    assert_eq!(
        (code, summary(&diags).contains("BASE-007 warning")),
        (0, true),
        "{}",
        summary(&diags)
    );
    let strict = format!("{TOML}\n[policies]\nfail_on = \"warning\"\n");
    std::fs::write(dir.path().join("strata.toml"), strict).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(check(dir.path()).0, 1);
}

#[test]
fn severity_overrides_and_disabled_packs() {
    let bad = "id: a\nalerting:\n  channels:\n    pager: {type: pagerduty, routing_key_file: /k}\n  routing:\n    severities: {critical: [pager]}\n  rules:\n    Down: {expr: up == 0, severity: critical}\n";
    let dir = repo(&[
        ("strata.toml", TOML),
        ("environments/production.yaml", ENV),
        ("tenants/a.yaml", bad),
    ]);
    let (code, diags) = check(dir.path());
    assert_eq!(code, 1);
    assert!(summary(&diags).contains("BASE-003 error"), "{}", summary(&diags));
    let relaxed = format!("{TOML}\n[policies.severity]\nBASE-003 = \"warning\"\n");
    std::fs::write(dir.path().join("strata.toml"), relaxed).unwrap_or_else(|e| panic!("{e}"));
    let (code, diags) = check(dir.path());
    assert_eq!(code, 0, "{}", summary(&diags));
    assert!(summary(&diags).contains("BASE-003 warning"), "{}", summary(&diags));
    let off = format!("{TOML}\n[policies]\npacks = []\n");
    std::fs::write(dir.path().join("strata.toml"), off).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(check(dir.path()), (0, Vec::new()));
}

#[test]
fn policy_list_explain_and_test() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let list = strata(here, &["policy", "list"]);
    assert_eq!(list.status.code(), Some(0), "{}", text(&list));
    let rules = String::from_utf8_lossy(&list.stdout).lines().count() - 1;
    assert!(rules >= 20, "{rules} rules");
    let explain = strata(here, &["policy", "explain", "SOC2-003"]);
    let t = text(&explain);
    assert!(
        t.contains("Remediation: Set `security.key_rotation_days` to 90 or less."),
        "{t}"
    );
    assert!(t.contains("frameworks:  soc2"), "{t}");
    assert_eq!(strata(here, &["policy", "explain", "NOPE-1"]).status.code(), Some(2));

    let test = strata(here, &["policy", "test"]);
    let t = text(&test);
    assert_eq!(test.status.code(), Some(0), "{t}");
    assert!(
        t.contains("PASS strata.soc2_test.test_soc2_003_slow_key_rotation"),
        "{t}"
    );

    let failing = "package acme.t\n\nimport rego.v1\n\ntest_passes if true\n\ntest_fails if 1 == 2\n";
    let dir = repo(&[
        ("strata.toml", TOML),
        ("environments/production.yaml", ENV),
        ("policies/acme_test.rego", failing),
    ]);
    let out = strata(dir.path(), &["policy", "test", "."]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("PASS acme.t.test_passes") && t.contains("FAIL acme.t.test_fails"),
        "{t}"
    );
}

/// A copy of `examples/platform` whose strata.toml names `policies/k8s` under
/// `[policies] manifests`, with `policy` as `policies/k8s/main.rego`.
fn example_with_manifest_policy(policy: &str) -> tempfile::TempDir {
    let dir = common::example_copy();
    let toml = dir.path().join("strata.toml");
    let text = std::fs::read_to_string(&toml).unwrap_or_else(|e| panic!("{e}"));
    let text = if text.contains("[policies]") {
        text.replacen("[policies]", "[policies]\nmanifests = [\"policies/k8s\"]", 1)
    } else {
        format!("{text}\n[policies]\nmanifests = [\"policies/k8s\"]\n")
    };
    std::fs::write(&toml, text).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join("policies/k8s")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("policies/k8s/main.rego"), policy).unwrap_or_else(|e| panic!("{e}"));
    dir
}

#[test]
fn manifest_policies_run_over_the_generated_kubernetes_objects() {
    let deny = r#"package main

import rego.v1

deny contains msg if {
	input.kind == "HorizontalPodAutoscaler"
	input.spec.maxReplicas > 15
	msg := sprintf("maxReplicas %d is above 15", [input.spec.maxReplicas])
}
"#;
    let dir = example_with_manifest_policy(deny);
    let out = strata(dir.path(), &["build", ".", "--out", "out", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        !dir.path().join("out").exists(),
        "a build refused by a manifest policy wrote output"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let found: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .map(|a| a.iter().filter(|d| d["code"] == "main").collect())
        .unwrap_or_default();
    assert!(!found.is_empty(), "{}", text(&out));
    for d in &found {
        let message = d["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("HorizontalPodAutoscaler/"), "{d}");
        assert!(message.contains("is above 15"), "{d}");
        // At the `autoscaling:` key of the layer that set it.
        let file = d["file"].as_str().unwrap_or_default();
        let lines: Vec<String> = std::fs::read_to_string(dir.path().join(file))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect();
        let line = d["line"]
            .as_u64()
            .and_then(|l| lines.get(l as usize - 1))
            .cloned()
            .unwrap_or_default();
        assert!(line.trim_start().starts_with("autoscaling:"), "{d}: {line}");
        assert!(d["help"].as_str().is_some_and(|h| !h.is_empty()), "{d}");
    }

    let warn = deny.replace("deny contains", "warn contains");
    let dir = example_with_manifest_policy(&warn);
    let out = strata(dir.path(), &["build", ".", "--out", "out"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("is above 15") && said.contains("warning"), "{said}");
    assert!(dir.path().join("out/manifest.json").is_file());
}
