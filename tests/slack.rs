//! The Slack target end to end: every message of the example within Block Kit limits,
//! hostile text, and `strata preview slack` (output snapshot, exit codes).

mod common;

use common::{repo, stderr, strata};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use strata::render::targets::slack::limits::{self, violations};

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/platform")
}

/// Builds `root` into a temporary folder; asserts exit code 0.
fn build(root: &Path) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out_arg = out.path().to_string_lossy().into_owned();
    let result = strata(root, &["build", ".", "--out", &out_arg]);
    assert_eq!(
        result.status.code(),
        Some(0),
        "{}{}",
        stderr(&result),
        String::from_utf8_lossy(&result.stdout)
    );
    out
}

/// Every Slack file under `out` as (path relative to `out`, parsed JSON), asserting each is
/// a JSON object with one message per line.
fn slack_files(out: &Path) -> Vec<(String, Value)> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(out).sort_by_file_name() {
        let entry = entry.unwrap_or_else(|e| panic!("{e}"));
        let rel = entry.path().strip_prefix(out).unwrap_or(entry.path());
        let rel = rel.to_string_lossy().replace('\\', "/");
        if !entry.file_type().is_file() || rel.split('/').nth(1) != Some("slack") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel} is not JSON: {e}"));
        let messages = value.as_object().unwrap_or_else(|| panic!("{rel}: not an object"));
        assert_eq!(text.lines().count(), messages.len() + 2, "{rel}: one message per line");
        assert_eq!(messages.keys().next_back().map(String::as_str), Some("*"), "{rel}");
        files.push((rel, value));
    }
    files
}

/// Every message of `files` within Block Kit limits, with a few limits restated here.
fn assert_within_limits(files: &[(String, Value)]) {
    for (path, file) in files {
        for (key, message) in file.as_object().into_iter().flatten() {
            assert_eq!(violations(message), Vec::<String>::new(), "{path} `{key}`");
            let blocks = message["blocks"].as_array().unwrap_or_else(|| panic!("{path} `{key}`"));
            assert!(!blocks.is_empty() && blocks.len() <= limits::BLOCKS);
            let header = blocks[0]["text"]["text"].as_str().unwrap_or("");
            assert!((1..=150).contains(&header.chars().count()), "{path} `{key}`");
        }
    }
}

/// `scripts/check_slack.py` (independent of the Rust code) passes on `out`; skipped
/// without python3.
fn check_with_python(out: &Path) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/check_slack.py");
    match std::process::Command::new("python3").arg(&script).arg(out).output() {
        Ok(o) => assert_eq!(
            o.status.code(),
            Some(0),
            "check_slack.py: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => eprintln!("python3 not run ({e}): check_slack.py skipped"),
    }
}

#[test]
fn every_message_of_the_example_is_valid_and_within_limits() {
    let out = build(&example());
    let files = slack_files(out.path());
    // 3 environments x 10 tenants x 3 severities.
    assert_eq!(files.len(), 90, "{:?}", files.iter().map(|f| &f.0).collect::<Vec<_>>());
    assert_within_limits(&files);
    check_with_python(out.path());
    let acme: Vec<&str> = files
        .iter()
        .filter(|(p, _)| p.starts_with("production/slack/acme-corp/"))
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(
        acme,
        [
            "production/slack/acme-corp/critical.de.json",
            "production/slack/acme-corp/info.de.json",
            "production/slack/acme-corp/warning.de.json"
        ]
    );
    let critical = &files.iter().find(|(p, _)| p == acme[0]).map(|f| &f.1);
    let keys: Vec<&String> = critical
        .and_then(Value::as_object)
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert!(keys.iter().any(|k| *k == "HighErrorRate"), "{keys:?}");
    assert!(
        keys.iter().any(|k| k.starts_with("HighErrorRate/escalation=")),
        "{keys:?}"
    );
}

const HOSTILE_TOML: &str =
    "[project]\nname = \"t\"\n[build]\ntargets = [\"prometheus\", \"alertmanager\", \"slack\"]\n";

/// A repository whose tenant name and alert summary are hostile text: quotes, newlines,
/// `{{`, mrkdwn mentions, 5,000 characters.
fn hostile_repo() -> tempfile::TempDir {
    let hostile = "He said \"{{ .Labels.x }}\" <!channel> & <@U1|x> }}\n{{ template \"x\" }}\\ ".repeat(80);
    let hostile = format!("{}{}", hostile, "é".repeat(5000 - hostile.chars().count().min(5000)));
    let quoted = serde_json::to_string(&hostile).unwrap_or_default();
    let tenant = format!(
        "id: evil\nname: {quoted}\nalerting:\n  rules:\n    Evil:\n      expr: up == 0\n      severity: warning\n      summary: {quoted}\n      description: {quoted}\n      labels: {{team: {quoted}}}\n    BadRunbook:\n      expr: up == 0\n      severity: info\n      runbook_url: \"javascript:alert(1)\"\n"
    );
    repo(&[
        ("strata.toml", HOSTILE_TOML),
        ("environments/dev.yaml", "platform:\n  cluster: dev\n"),
        ("tenants/evil.yaml", &tenant),
    ])
}

#[test]
fn hostile_text_gives_valid_json_truncated_within_limits() {
    let dir = hostile_repo();
    let check = strata(dir.path(), &["build", ".", "--out", "out", "--format", "json"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    let report: Value = serde_json::from_slice(&check.stdout).unwrap_or_default();
    let text = report.to_string();
    assert!(text.contains("STRATA-E074"), "{text}");
    assert!(
        text.contains("runbook_url") || text.contains("tenants/evil.yaml"),
        "{text}"
    );
    let files = slack_files(&dir.path().join("out"));
    assert_eq!(files.len(), 3);
    assert_within_limits(&files);
    check_with_python(&dir.path().join("out"));
    let warning = files
        .iter()
        .find(|(p, _)| p == "dev/slack/evil/warning.en.json")
        .map(|f| &f.1["Evil"]["blocks"])
        .unwrap_or_else(|| panic!("no warning file"));
    let summary = warning[1]["text"]["text"].as_str().unwrap_or("");
    assert!(summary.ends_with('…'), "{summary}");
    assert!(summary.chars().count() <= 3000);
    assert!(!summary.contains('<') && !summary.contains("{{ .Labels.x"), "{summary}");
    let context = warning
        .as_array()
        .and_then(|b| b.last())
        .map(|b| b["elements"][0]["text"].clone());
    let context = context.and_then(|c| c.as_str().map(str::to_string)).unwrap_or_default();
    assert!(
        context.contains('…') && context.ends_with("(evil)") && !context.contains('\n'),
        "{context}"
    );
    let bad = files
        .iter()
        .find(|(p, _)| p.ends_with("info.en.json"))
        .map(|f| f.1["BadRunbook"]["blocks"].to_string())
        .unwrap_or_default();
    assert!(!bad.contains("javascript:"), "{bad}");
    // The preview fills the same message and stays within limits.
    let preview = strata(
        dir.path(),
        &[
            "preview",
            "slack",
            "--env",
            "dev",
            "--tenant",
            "evil",
            "--severity",
            "warning",
        ],
    );
    assert_eq!(preview.status.code(), Some(0), "{}", stderr(&preview));
    let message: Value = serde_json::from_slice(&preview.stdout).unwrap_or_default();
    assert_eq!(violations(&message), Vec::<String>::new());
}

fn preview(args: &[&str]) -> Output {
    let mut all = vec!["preview", "slack"];
    all.extend_from_slice(args);
    strata(&example(), &all)
}

#[test]
fn preview_prints_one_filled_message_for_block_kit_builder() {
    let out = preview(&["--env", "production", "--tenant", "acme-corp", "--severity", "critical"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let message: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(violations(&message), Vec::<String>::new());
    assert!(!text.contains("{{"), "placeholders left:\n{text}");
    insta::assert_snapshot!("preview_acme_corp_production_critical_de", text);
    let fr = preview(&[
        "--env",
        "dev",
        "--tenant",
        "acme-corp",
        "--severity",
        "info",
        "--locale",
        "fr",
    ]);
    assert_eq!(fr.status.code(), Some(0), "{}", stderr(&fr));
    insta::assert_snapshot!("preview_acme_corp_dev_info_fr", String::from_utf8_lossy(&fr.stdout));
    // `--alert` picks any message of the file: an escalation copy, or the generic one.
    for (alert, expect) in [
        ("HighErrorRate/escalation=15m", "Eskaliert: noch aktiv nach* 15m"),
        ("*", "SampleAlert"),
    ] {
        let out = preview(&[
            "--env",
            "production",
            "--tenant",
            "acme-corp",
            "--severity",
            "critical",
            "--alert",
            alert,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(expect), "{alert}: {text}");
        let message: Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(violations(&message), Vec::<String>::new());
    }
}

#[test]
fn preview_exit_codes() {
    let base = ["--env", "production", "--tenant", "acme-corp", "--severity", "warning"];
    assert_eq!(preview(&base).status.code(), Some(0));
    for (i, bad) in ["nope", "nope", "fatal"].iter().enumerate() {
        let mut args = base.to_vec();
        args[2 * i + 1] = bad;
        let out = preview(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(bad), "{}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
    let mut args = base.to_vec();
    args.extend(["--locale", "es"]);
    assert_eq!(preview(&args).status.code(), Some(2));
    assert_eq!(
        preview(&["--env", "production"]).status.code(),
        Some(2),
        "missing arguments"
    );
    let mut args = base.to_vec();
    args.extend(["--alert", "NoSuchAlert"]);
    let out = preview(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("known: ") && stderr(&out).contains('*'),
        "{}",
        stderr(&out)
    );

    let dir = repo(&[
        ("strata.toml", "[project]\nname = \"t\"\n"),
        ("environments/dev.yaml", "platform:\n  cluster: dev\n"),
        (
            "tenants/acme.yaml",
            "id: acme\nautoscaling: {min_replicas: 5, max_replicas: 2}\n",
        ),
    ]);
    let out = strata(
        dir.path(),
        &[
            "preview",
            "slack",
            "--env",
            "dev",
            "--tenant",
            "acme",
            "--severity",
            "info",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "diagnostics go to stderr");
    assert!(stderr(&out).contains("STRATA-E"), "{}", stderr(&out));
}
