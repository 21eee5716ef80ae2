//! `strata import prometheus-rules` end to end: keys, replacement, byte-for-byte
//! annotations, refused rules with file:line, and the real awesome-prometheus-alerts
//! corpus through import, check, build, promtool and a re-parse of every output selector.

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{Expr, VectorSelector};
use promql_parser::util::visitor::{ExprVisitor, walk_expr};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use strata::diag::FileId;
use strata::load::parse_yaml;

/// Runs the strata binary in `dir`.
fn strata(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("running strata: {e}"))
}

/// stdout and stderr of a run.
fn text(o: &Output) -> String {
    String::from_utf8_lossy(&[o.stdout.as_slice(), &o.stderr].concat()).into_owned()
}

/// A starter repository (`strata init`) in a temporary folder, with `files` added.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let init = strata(dir.path(), &["init", "."]);
    assert_eq!(init.status.code(), Some(0), "{}", text(&init));
    // Imported rules are what they are: critical alerts without a runbook or a route are
    // reported by policy (BASE-003, BASE-004) as warnings here, so check and build pass.
    let toml = dir.path().join("strata.toml");
    let mut settings = std::fs::read_to_string(&toml).unwrap_or_else(|e| panic!("{e}"));
    settings.push_str("\n[policies.severity]\nBASE-003 = \"warning\"\nBASE-004 = \"warning\"\n");
    std::fs::write(&toml, settings).unwrap_or_else(|e| panic!("{e}"));
    for (path, content) in files {
        std::fs::write(dir.path().join(path), content).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

/// Runs `strata import prometheus-rules ARGS...`.
fn import(dir: &Path, args: &[&str]) -> Output {
    strata(dir, &[&["import", "prometheus-rules"], args].concat())
}

/// Asserts the exit code and that the output holds every needle; returns the output.
fn expect(out: &Output, code: i32, needles: &[&str]) -> String {
    let t = text(out);
    assert_eq!(out.status.code(), Some(code), "{t}");
    for needle in needles {
        assert!(t.contains(needle), "missing {needle:?} in\n{t}");
    }
    t
}

/// The items of a JSON array (none for other values).
fn items(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// A YAML file as JSON, read with strata's own loader.
fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (node, diags) = parse_yaml(&text, FileId(0));
    assert!(diags.is_empty(), "{}: {diags:?}", path.display());
    node.map(|n| n.to_json(None)).unwrap_or_default()
}

fn assert_checks_clean(dir: &Path) {
    let check = strata(dir, &["check", "."]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

const TWO_FILES_A: &str = "groups:
- name: a
  rules:
  - alert: HighCpu
    expr: rate(cpu_seconds_total[5m]) > 0.9
    for: 5m
    labels: {severity: critical, team: infra}
  - record: job:cpu:rate5m
    expr: sum by (job) (rate(cpu_seconds_total[5m]))
";
const TWO_FILES_B: &str = "groups:
- name: b
  rules:
  - alert: HighCpu
    expr: rate(cpu_seconds_total[1m]) > 0.95
    labels: {severity: page}
  - record: job:cpu:rate5m
    expr: sum by (job) (rate(cpu_seconds_total[5m]))
    labels: {copy: \"2\"}
";

#[test]
fn colliding_keys_get_a_suffix_and_keep_the_name() {
    let dir = repo(&[("a.yml", TWO_FILES_A), ("b.yml", TWO_FILES_B)]);
    let out = import(dir.path(), &["a.yml", "b.yml", "--tenant", "acme"]);
    let needles = [
        "imported 2 alerting + 2 recording rules",
        "severity `page` of alert `HighCpu` imported as `critical`",
    ];
    expect(&out, 0, &needles);
    let doc = yaml(&dir.path().join("tenants/acme.yaml"));
    assert_eq!(doc["id"], "acme");
    let rules = &doc["alerting"]["rules"];
    assert_eq!(rules["HighCpu"]["alert"], Value::Null, "the key is the name");
    assert_eq!(rules["HighCpu"]["severity"], "critical");
    assert_eq!(rules["HighCpu"]["labels"], serde_json::json!({"team": "infra"}));
    assert_eq!(rules["HighCpu_2"]["alert"], "HighCpu");
    assert_eq!(rules["HighCpu_2"]["expr"], "rate(cpu_seconds_total[1m]) > 0.95");
    let recording = &doc["monitoring"]["recording_rules"];
    assert_eq!(recording["job_cpu_rate5m"]["record"], "job:cpu:rate5m");
    assert_eq!(recording["job_cpu_rate5m_2"]["record"], "job:cpu:rate5m");
    assert_eq!(recording["job_cpu_rate5m_2"]["labels"]["copy"], "2");
    assert_checks_clean(dir.path());
    expect(&import(dir.path(), &["a.yml", "b.yml", "--tenant", "acme"]), 0, &[]);
    assert_eq!(
        yaml(&dir.path().join("tenants/acme.yaml")),
        doc,
        "importing twice changes nothing"
    );
}

#[test]
fn a_rule_of_the_same_key_is_replaced_in_place() {
    let rules = "groups:\n- name: g\n  rules:\n  - alert: HighErrorRate\n    expr: up == 0\n    \
                 labels: {severity: warning}\n";
    let dir = repo(&[("r.yml", rules)]);
    let out = import(dir.path(), &["r.yml", "--tenant", "example"]);
    expect(&out, 0, &["comments and formatting are not kept"]);
    let doc = yaml(&dir.path().join("tenants/example.yaml"));
    assert_eq!(doc["name"], "Example Tenant", "the rest of the tenant stays");
    let replaced = &doc["alerting"]["rules"]["HighErrorRate"];
    assert_eq!(replaced["expr"], "up == 0");
    assert_eq!(replaced["severity"], "warning");
    assert_eq!(replaced["runbook_url"], Value::Null, "replaced whole, not merged");
    assert_checks_clean(dir.path());
}

const TEMPLATED: &str = r#"groups:
- name: templates
  interval: 1m
  rules:
  - alert: InstanceDown
    expr: up{job="node"} == 0
    for: 1h30m
    keep_firing_for: 5m
    labels:
      severity: critical
      priority: 1
      note: '{{ $labels.job }}: "quoted" ${NOT_A_VAR}'
    annotations:
      summary: Instance {{ $labels.instance }} down
      description: "VALUE = {{ $value }}\n  LABELS = {{ $labels }}\n  cost: ${{ $value }}"
      runbook_url: https://runbooks.example/instance-down
      dashboard: 'https://grafana.example/d/x?var-instance={{ $labels.instance }}'
"#;

#[test]
fn for_labels_and_annotations_are_kept_byte_for_byte() {
    let dir = repo(&[("t.yml", TEMPLATED)]);
    let out = import(dir.path(), &["t.yml", "--tenant", "acme"]);
    expect(&out, 0, &["`interval: 1m` of group `templates` is not carried over"]);
    assert_checks_clean(dir.path());
    let build = strata(dir.path(), &["build", ".", "--env", "dev"]);
    assert_eq!(build.status.code(), Some(0), "{}", text(&build));
    let input = yaml(&dir.path().join("t.yml"));
    let want = &input["groups"][0]["rules"][0];
    let built = yaml(&dir.path().join("out/dev/prometheus/rules/acme.yml"));
    let alerts = built["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| g["name"] == "acme.alerts");
    let rule = alerts.map(|g| &g["rules"][0]).unwrap_or(&Value::Null);
    assert_eq!(rule["alert"], "InstanceDown");
    assert_eq!(rule["expr"], r#"up{job="node",tenant="acme"} == 0"#);
    assert_eq!(
        (&rule["for"], &rule["keep_firing_for"]),
        (&want["for"], &want["keep_firing_for"])
    );
    assert_eq!(rule["annotations"], want["annotations"]);
    assert_eq!(rule["labels"]["note"], want["labels"]["note"]);
    assert_eq!(rule["labels"]["priority"], "1", "written as Prometheus reads it");
    assert_eq!(rule["labels"]["severity"], "critical");
    assert_eq!(rule["labels"]["tenant"], "acme");
}

const REFUSED: &str = r#"groups:
- name: mixed
  rules:
  - alert: Fine
    expr: up == 0
    labels: {severity: info}
  - alert: OtherTenant
    expr: sum(rate(http_requests_total{tenant="other"}[5m])) > 1
  - alert: NotMine
    expr: up{tenant!="acme"} == 0
  - alert: Broken
    expr: sum(rate(http_requests_total[5m]) > 1
  - alert: BadFor
    expr: up == 0
    for: 1.5h
  - alert: Relabelled
    expr: up == 0
    labels: {tenant: other}
"#;

#[test]
fn foreign_tenant_and_syntax_errors_are_refused_with_file_and_line() {
    let dir = repo(&[("mixed.yml", REFUSED)]);
    let out = import(dir.path(), &["mixed.yml", "--tenant", "acme"]);
    let needles = [
        "imported 1 alerting + 0 recording rule ",
        "refused 5 rule(s)",
        "mixed.yml:8:11",
        "selects outside tenant `acme`: `tenant=\\\"other\\\"`",
        "mixed.yml:10:11",
        "STRATA-E050",
        "mixed.yml:12:14",
        "`for: 1.5h` of alert `BadFor` is not a Prometheus duration",
        "mixed.yml:18:22",
    ];
    expect(&out, 1, &needles);
    let json = import(dir.path(), &["mixed.yml", "--tenant", "acme", "--format", "json"]);
    let value: Value = serde_json::from_slice(&json.stdout).unwrap_or_default();
    assert_eq!(value["import"]["refused"], 5, "{}", text(&json));
    let errors = items(&value["diagnostics"]).filter(|d| d["severity"] == "error");
    let lines: Vec<u64> = errors.filter_map(|d| d["line"].as_u64()).collect();
    assert_eq!(lines, [8, 10, 12, 15, 18]);
    let doc = yaml(&dir.path().join("tenants/acme.yaml"));
    let keys: Vec<&String> = doc["alerting"]["rules"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.keys())
        .collect();
    assert_eq!(keys, ["Fine"]);
}

#[test]
fn usage_and_file_errors() {
    let dir = repo(&[("bad.yml", "groups:\n- name: x\n  rules: [\n"), ("ok.yml", TWO_FILES_A)]);
    expect(
        &import(dir.path(), &["ok.yml", "--tenant", "../etc"]),
        2,
        &["not a tenant id"],
    );
    expect(&import(dir.path(), &["nope.yml", "--tenant", "acme"]), 2, &["nope.yml"]);
    assert!(
        !dir.path().join("tenants/acme.yaml").exists(),
        "nothing written on usage errors"
    );
    let sub = dir.path().join("environments");
    let mixed = import(&sub, &["../bad.yml", "../ok.yml", "--tenant", "acme"]);
    let needles = ["../bad.yml:4:1", "imported 1 alerting + 1 recording rules"];
    expect(&mixed, 1, &needles);
    assert!(
        dir.path().join("tenants/acme.yaml").exists(),
        "ROOT found above the working folder"
    );
    std::fs::write(dir.path().join("tenants/acme.yaml"), "id: acme\nalerting: [1]\n").unwrap_or_else(|e| panic!("{e}"));
    let elsewhere = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let ok = dir.path().join("ok.yml").display().to_string();
    let root = dir.path().display().to_string();
    let broken = import(elsewhere.path(), &[&ok, "--tenant", "acme", "--root", &root]);
    expect(&broken, 1, &["STRATA-E064", "`alerting` is not a mapping"]);
}

/// Records every selector that lacks the tenant matcher.
struct Unconfined<'a> {
    tenant: &'a str,
    missing: Vec<String>,
}

impl Unconfined<'_> {
    fn check(&mut self, vs: &VectorSelector) {
        let own = |group: &Vec<Matcher>| {
            group
                .iter()
                .any(|m| m.name == "tenant" && m.op == MatchOp::Equal && m.value == self.tenant)
        };
        let groups = &vs.matchers.or_matchers;
        let ok = if groups.is_empty() {
            own(&vs.matchers.matchers)
        } else {
            groups.iter().all(own)
        };
        if !ok {
            self.missing.push(vs.to_string());
        }
    }
}

impl ExprVisitor for Unconfined<'_> {
    type Error = String;
    fn pre_visit(&mut self, expr: &Expr) -> Result<bool, String> {
        match expr {
            Expr::VectorSelector(vs) => self.check(vs),
            Expr::MatrixSelector(ms) => self.check(&ms.vs),
            _ => {}
        }
        Ok(true)
    }
}

fn corpus_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/awesome-prometheus-alerts/dist/rules");
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
}

/// Imports the corpus with `--format json`, prints and returns the report.
fn import_corpus(dir: &Path, files: &[PathBuf]) -> Value {
    let mut args: Vec<String> = ["import", "prometheus-rules", "--tenant", "corpus", "--format", "json"]
        .map(String::from)
        .to_vec();
    args.extend(files.iter().map(|p| p.display().to_string()));
    let out = strata(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    for d in items(&report["diagnostics"]) {
        println!(
            "{}:{}: {} {} {}",
            d["file"], d["line"], d["severity"], d["code"], d["message"]
        );
    }
    assert_eq!(report["import"]["problems"], 0, "{}", text(&out));
    report
}

fn promtool_check_rules(rule_file: &Path) {
    if !Path::new("/usr/bin/promtool").exists() {
        println!("note: /usr/bin/promtool is absent; promtool check skipped");
        return;
    }
    let promtool = Command::new("/usr/bin/promtool")
        .args(["check", "rules"])
        .arg(rule_file)
        .output()
        .unwrap_or_else(|e| panic!("running promtool: {e}"));
    println!("promtool: {}", text(&promtool).trim());
    assert!(promtool.status.success(), "{}", text(&promtool));
}

#[test]
fn the_awesome_prometheus_alerts_corpus_imports_builds_and_stays_confined() {
    let files = corpus_files();
    if files.is_empty() {
        eprintln!("note: ../shared/corpora/awesome-prometheus-alerts is absent; corpus test skipped");
        return;
    }
    let dir = repo(&[]);
    let report = import_corpus(dir.path(), &files);
    let imported = report["import"]["alerting"].as_u64().unwrap_or(0);
    let refused = report["import"]["refused"].as_u64().unwrap_or(0);
    println!(
        "corpus: {} files, {imported} alerting rules imported, {refused} refused",
        files.len()
    );
    let listed = items(&report["diagnostics"])
        .filter(|d| d["severity"] == "error")
        .count();
    assert_eq!(refused, listed as u64, "every refused rule is listed with its reason");
    assert_eq!(imported + refused, 954);

    assert_checks_clean(dir.path());
    let build = strata(dir.path(), &["build", ".", "--env", "dev"]);
    assert_eq!(build.status.code(), Some(0), "{}", text(&build));
    let rule_file = dir.path().join("out/dev/prometheus/rules/corpus.yml");
    promtool_check_rules(&rule_file);

    let built = yaml(&rule_file);
    let output: Vec<&Value> = items(&built["groups"]).flat_map(|g| items(&g["rules"])).collect();
    let mut unconfined = Unconfined {
        tenant: "corpus",
        missing: Vec::new(),
    };
    for rule in &output {
        let expr = rule["expr"].as_str().unwrap_or_default();
        let ast = promql_parser::parser::parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        walk_expr(&mut unconfined, &ast).unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(unconfined.missing.is_empty(), "not confined: {:?}", unconfined.missing);

    // Input order is kept, so the n-th output alert is the n-th input alert.
    let alerts: Vec<&&Value> = output.iter().filter(|r| r["alert"].is_string()).collect();
    let inputs: Vec<Value> = files.iter().map(|f| yaml(f)).collect();
    let inputs: Vec<&Value> = inputs
        .iter()
        .flat_map(|d| items(&d["groups"]))
        .flat_map(|g| items(&g["rules"]))
        .collect();
    if refused == 0 {
        assert_eq!(alerts.len(), inputs.len());
        for (want, got) in inputs.iter().zip(alerts) {
            let name = want["alert"].as_str().unwrap_or_default();
            let sanitized = strata::import::names::sanitize(name);
            assert!(got["alert"] == name || got["alert"] == sanitized.as_str(), "{name}");
            assert_eq!(got["for"], want["for"], "{name}");
            assert_eq!(got["annotations"], want["annotations"], "{name}");
            assert_eq!(got["labels"]["severity"], want["labels"]["severity"], "{name}");
            assert_eq!(got["labels"]["tenant"], "corpus", "{name}");
        }
    }
}
