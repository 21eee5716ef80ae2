//! `strata diff` end to end: the example against a copy with one rule changed, one tenant
//! added and one quota changed (markdown snapshot, JSON shape, human text), git refs
//! (ROOT in a subfolder of the repository, a ref that does not exist), secrets that must
//! not appear, and a side that does not build.

mod common;

use common::{json, stderr, stdout, strata, strata_with_env};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/platform")
}

/// Copies the example's inputs (not its `out/`) to `dest`.
fn copy_example(dest: &Path) {
    for entry in walkdir::WalkDir::new(example()).into_iter().flatten() {
        let rel = entry.path().strip_prefix(example()).unwrap_or_else(|e| panic!("{e}"));
        if rel.starts_with("out") {
            continue;
        }
        let to = dest.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap_or_else(|e| panic!("{e}"));
        } else {
            std::fs::copy(entry.path(), &to).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// Replaces `from` by `to` in the file at `path`, which must contain it.
fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap_or_else(|e| panic!("{e}"));
}

/// One rule changed (beatforge), one tenant added (nova-beats), one quota changed
/// (radio-lumiere's CPU cores).
fn three_changes(head: &Path) {
    let tenants = head.join("tenants");
    edit(
        &tenants.join("beatforge.yaml"),
        "expr: max(tenant_api_quota_usage) > 0.9\n",
        "expr: max(tenant_api_quota_usage) > 0.85\n",
    );
    let sonic = std::fs::read_to_string(tenants.join("sonic-labs.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let nova = sonic
        .replace("sonic-labs", "nova-beats")
        .replace("Sonic Labs", "Nova Beats");
    std::fs::write(tenants.join("nova-beats.yaml"), nova).unwrap_or_else(|e| panic!("{e}"));
    edit(&tenants.join("radio-lumiere.yaml"), "cpu_cores: 6,", "cpu_cores: 10,");
}

/// A folder with `base/` (the example) and `head/` (the example with [`three_changes`]).
fn base_and_head() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    copy_example(&dir.path().join("base"));
    copy_example(&dir.path().join("head"));
    three_changes(&dir.path().join("head"));
    dir
}

#[test]
fn the_markdown_shows_exactly_the_three_changes() {
    let dir = base_and_head();
    let out = strata(
        dir.path(),
        &["diff", "head", "--against", "base", "--format", "markdown"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = stdout(&out);
    assert!(md.len() <= 60_000);
    assert_eq!(md.matches("<details>").count(), md.matches("</details>").count());
    insta::assert_snapshot!("three-changes.md", md);
}

#[test]
fn the_json_report_has_its_documented_shape() {
    let dir = base_and_head();
    let out = strata(dir.path(), &["diff", "head", "--against", "base", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["format"], "strata-diff/1");
    assert_eq!(
        (doc["base"].as_str(), doc["head"].as_str()),
        (Some("base"), Some("head"))
    );
    assert_eq!(doc["changed"], true);
    let envs: Vec<&str> = doc["environments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["env"].as_str())
        .collect();
    assert_eq!(envs, ["dev", "production", "staging"]);
    for env in doc["environments"].as_array().into_iter().flatten() {
        assert_eq!(env["status"], "changed");
        assert_eq!(
            env["changes"],
            Value::Array(Vec::new()),
            "no file of the whole environment changes"
        );
        let tenants: Vec<(&str, &str)> = env["tenants"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| (t["tenant"].as_str().unwrap_or(""), t["status"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(
            tenants,
            [
                ("beatforge", "changed"),
                ("nova-beats", "added"),
                ("radio-lumiere", "changed")
            ]
        );
        let beatforge = &env["tenants"][0]["changes"];
        let rule = beatforge
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["target"] == "rules")
            .unwrap_or_else(|| panic!("no rule change: {beatforge}"));
        assert_eq!(rule["item"], "beatforge.alerts/ApiQuotaNearlyExhausted");
        assert_eq!(rule["status"], "changed");
        assert_eq!(rule["fields"][0]["path"], ".expr");
        assert_eq!(
            rule["fields"][0]["before"],
            "max(tenant_api_quota_usage{tenant=\"beatforge\"}) > 0.9"
        );
        assert_eq!(
            rule["fields"][0]["after"],
            "max(tenant_api_quota_usage{tenant=\"beatforge\"}) > 0.85"
        );
        let quota = env["tenants"][2]["changes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["item"] == "ResourceQuota tenant-radio-lumiere/strata-quota")
            .unwrap_or_else(|| panic!("no quota change"));
        assert_eq!(quota["fields"][0]["path"], ".spec.hard[\"requests.cpu\"]");
        assert_eq!(
            (
                quota["fields"][0]["before"].as_str(),
                quota["fields"][0]["after"].as_str()
            ),
            (Some("6"), Some("10"))
        );
        let added = env["tenants"][1]["changes"].as_array().map_or(0, Vec::len);
        assert!(added > 10, "the new tenant's items are listed: {added}");
    }
    let counts = &doc["counts"];
    assert_eq!(counts["removed"], 0);
    assert_eq!(counts["changed"], 21);
}

#[test]
fn no_changes_and_the_reverse_direction() {
    let dir = base_and_head();
    let same = strata(dir.path(), &["diff", "base", "--against", "base"]);
    assert_eq!(same.status.code(), Some(0));
    assert!(
        stdout(&same).contains("no changes in the built artifacts"),
        "{}",
        stdout(&same)
    );
    let reverse = strata(dir.path(), &["diff", "base", "--against", "head", "--env", "dev"]);
    assert_eq!(reverse.status.code(), Some(0), "{}", stderr(&reverse));
    let text = stdout(&reverse);
    assert!(text.contains("nova-beats: removed"), "{text}");
    assert!(!text.contains("production"), "only dev: {text}");
    let colored = strata(
        dir.path(),
        &["diff", "base", "--against", "head", "--env", "dev", "--color", "always"],
    );
    assert!(
        stdout(&colored).contains("\x1b[31mnova-beats: removed"),
        "{}",
        stdout(&colored)
    );
    assert!(!text.contains('\x1b'), "no colour without a terminal: {text}");
    let unknown = strata(dir.path(), &["diff", "base", "--against", "head", "--env", "qa"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("unknown environment `qa`"));
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=strata",
            "-c",
            "user.email=strata@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("git: {e}"));
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_git_ref_of_a_repository_whose_config_is_in_a_subfolder() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("ops/config");
    copy_example(&config);
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "example"]);
    three_changes(&config);
    let out = strata(
        &config,
        &["diff", "--against", "main", "--format", "json", "--env", "staging"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["base"], "main");
    let tenants: Vec<&str> = doc["environments"][0]["tenants"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["tenant"].as_str())
        .collect();
    assert_eq!(tenants, ["beatforge", "nova-beats", "radio-lumiere"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "three changes"]);
    let committed = strata(dir.path(), &["diff", "ops/config", "--against", "HEAD"]);
    assert_eq!(committed.status.code(), Some(0), "{}", stderr(&committed));
    assert!(stdout(&committed).contains("no changes"), "{}", stdout(&committed));
    let previous = strata(
        dir.path(),
        &["diff", "ops/config", "--against", "HEAD~1", "--env", "dev"],
    );
    assert!(stdout(&previous).contains("nova-beats: added"), "{}", stdout(&previous));
    // Another checkout given by its top folder: ROOT's subfolder is taken from it.
    let other = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let checkout = other.path().join("old");
    let checkout_arg = checkout.to_string_lossy().into_owned();
    git(
        dir.path(),
        &["worktree", "add", "-q", "--detach", &checkout_arg, "HEAD~1"],
    );
    let folder = strata(
        dir.path(),
        &["diff", "ops/config", "--against", &checkout_arg, "--env", "dev"],
    );
    assert_eq!(folder.status.code(), Some(0), "{}", stderr(&folder));
    assert!(stdout(&folder).contains("nova-beats: added"), "{}", stdout(&folder));
}

#[test]
fn a_ref_that_does_not_exist_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    copy_example(dir.path());
    let outside = strata(dir.path(), &["diff", "--against", "main"]);
    assert_eq!(outside.status.code(), Some(2));
    assert!(
        stderr(&outside).contains("cannot be read as a git ref"),
        "{}",
        stderr(&outside)
    );
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "example"]);
    let out = strata(dir.path(), &["diff", "--against", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("no such git ref"), "{err}");
    assert!(err.contains("help:"), "{err}");
    assert!(stdout(&out).is_empty());
    let no_git = strata_with_env(dir.path(), &["diff", "--against", "main"], &[("PATH", "/nonexistent")]);
    assert_eq!(no_git.status.code(), Some(2));
    assert!(stderr(&no_git).contains("git is not installed"), "{}", stderr(&no_git));
}

#[test]
fn secrets_never_appear() {
    let dir = base_and_head();
    let channel = "webhook_url_file: /etc/alertmanager/secrets/beatforge-slack";
    let secrets = [
        (
            "base",
            // A literal is refused by policy BASE-001; a default is a literal all the same.
            "webhook_url: \"${BASE_SLACK:-https://hooks.slack.com/services/T0/B0/basesecret}\"",
        ),
        (
            "head",
            "webhook_url: \"${BEATFORGE_SLACK:-https://hooks.slack.com/services/T0/B0/headsecret}\"",
        ),
    ];
    for (side, line) in secrets {
        edit(&dir.path().join(side).join("tenants/beatforge.yaml"), channel, line);
    }
    edit(
        &dir.path().join("head/tenants/radio-lumiere.yaml"),
        "webhook_url_file: /etc/alertmanager/secrets/radio-lumiere-slack",
        "webhook_url: \"${RADIO_SLACK}\"",
    );
    let env = [
        ("BEATFORGE_SLACK", "https://hooks.slack.com/envsecret"),
        ("RADIO_SLACK", "https://hooks.slack.com/envsecret2"),
    ];
    for format in ["human", "markdown", "json"] {
        let out = strata_with_env(
            dir.path(),
            &["diff", "head", "--against", "base", "--format", format],
            &env,
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = format!("{}{}", stdout(&out), stderr(&out));
        for secret in ["basesecret", "headsecret", "envsecret"] {
            assert!(!text.contains(secret), "{format} shows {secret}:\n{text}");
        }
        assert!(text.contains("<redacted:"), "{format}:\n{text}");
        assert!(
            text.contains("beatforge/beatforge-slack"),
            "a changed secret is a changed receiver: {text}"
        );
        assert!(
            text.contains("${RADIO_SLACK}"),
            "a reference is shown as written: {text}"
        );
    }
}

#[test]
fn a_side_that_does_not_build_is_reported_with_its_errors() {
    let dir = base_and_head();
    edit(
        &dir.path().join("base/tenants/beatforge.yaml"),
        "cpu_cores: 8,",
        "cpu_cores: lots,",
    );
    let out = strata(dir.path(), &["diff", "head", "--against", "base"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("the --against side `base` does not build"), "{text}");
    assert!(
        text.contains("STRATA-E013") && text.contains("tenants/beatforge.yaml"),
        "{text}"
    );
    let out = strata(dir.path(), &["diff", "head", "--against", "base", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert_eq!(doc["failed"][0]["side"], "--against side");
    assert_eq!(doc["failed"][0]["diagnostics"][0]["code"], "STRATA-E013");
    assert_eq!(doc["failed"][0]["diagnostics"][0]["line"], 11);
}
