//! Unit tests of the dashboards of one tenant.

use super::*;
use crate::diag::{FileId, Loc};
use crate::load::{Kind as NodeKind, Node};
use crate::model::Platform;
use crate::render::test_support::{project, tenant};
use serde_json::Value;

fn platform() -> Platform {
    serde_json::from_value(json!({"grafana": {"datasource_uid": "prom-main", "folder_per_tenant": true}}))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn acme() -> TenantModel {
    tenant(
        "acme",
        json!({
            "name": "ACME Corporation",
            "features": ["audio_processing", "analytics"],
            "quotas": {"api_requests_per_hour": 5000, "storage_gb": 100, "cpu_cores": 8, "memory_gb": 32},
            "autoscaling": {"min_replicas": 2, "max_replicas": 50, "latency_target": "300ms",
                            "cpu_target_percent": 65, "memory_target_percent": 75},
            "monitoring": {"dashboards": ["overview", "performance", "business", "alerts", "slo", "overview"]},
            "alerting": {"builtin_rules": {"api_quota": {"warning_percent": 75, "critical_percent": 90}}},
            "slos": {
                "availability": {"objective": 99.9, "window": "30d",
                    "good": "sum(rate(tenant_requests_total{status!~\"5..\"}[{{window}}]))",
                    "total": "sum(rate(tenant_requests_total[{{window}}]))"},
                "latency": {"objective": 99, "latency": {"metric": "tenant_response_time_seconds", "threshold": "300ms"}}
            }
        }),
    )
}

fn render(t: &TenantModel) -> (Vec<Artifact>, Vec<crate::diag::Diagnostic>) {
    let (project, platform) = (project("tenant", "en"), platform());
    let ctx = EnvContext {
        env: "production",
        project: &project,
        platform: &platform,
    };
    let doc = Node::new(NodeKind::Map(Default::default()), Loc::file_start(FileId(0)));
    let mut checks = ArtifactChecks::new(&doc, FileId(0));
    let files = render_tenant(&ctx, t, &mut checks);
    (files, checks.diags)
}

fn parse(a: &Artifact) -> Value {
    serde_json::from_slice(&a.bytes).unwrap_or_else(|e| panic!("{}: {e}", a.path))
}

#[test]
fn every_listed_dashboard_once_with_a_valid_unique_uid() {
    let (files, diags) = render(&acme());
    assert!(diags.is_empty(), "{diags:?}");
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        ["overview", "performance", "business", "alerts", "slo"]
            .map(|d| format!("production/grafana/dashboards/acme/{d}.json"))
    );
    let uids: Vec<String> = files
        .iter()
        .map(|f| parse(f)["uid"].as_str().unwrap_or("").to_string())
        .collect();
    for u in &uids {
        assert!(check::valid_uid(u) && u.starts_with("acme-"), "{u}");
    }
    assert!(duplicate_uids(&files).is_empty());
    let mut twice = files.clone();
    twice.push(Artifact {
        path: "staging/grafana/dashboards/acme/copy.json".into(),
        bytes: files[0].bytes.clone(),
    });
    assert_eq!(duplicate_uids(&twice).len(), 1);
}

#[test]
fn uids_fit_grafana_for_the_longest_ids() {
    let long = "a".repeat(63);
    let u = uid("production", &long, "overview");
    assert_eq!(u.len(), 40);
    assert!(check::valid_uid(&u));
    assert_ne!(uid("staging", &long, "overview"), u);
    let edge = format!("{}-b", "a".repeat(26));
    assert!(!uid("p", &edge, "x").contains("--"));
}

#[test]
fn dashboards_follow_the_model() {
    let (files, _) = render(&acme());
    for f in &files {
        let d = parse(f);
        assert_eq!(d["schemaVersion"], 39);
        assert_eq!(d["templating"]["list"][0]["name"], "datasource");
        assert_eq!(d["templating"]["list"][0]["current"]["value"], "prom-main");
        assert_eq!(d["templating"]["list"][1]["query"], "production");
        let panels = d["panels"].as_array().cloned().unwrap_or_default();
        assert!(!panels.is_empty(), "{}", f.path);
        for (i, p) in panels.iter().enumerate() {
            assert_eq!(p["id"], i + 1);
            assert_eq!(p["datasource"]["uid"], "${datasource}");
            assert!(p["fieldConfig"]["overrides"].as_array().is_some_and(|o| o.is_empty()));
            for t in p["targets"].as_array().cloned().unwrap_or_default() {
                let expr = t["expr"].as_str().unwrap_or("");
                assert_eq!(check::check_query(expr, "tenant", "acme"), Ok(()), "{expr}");
            }
        }
        // The only `$` in the file is the datasource reference.
        let text = String::from_utf8_lossy(&f.bytes).replace("${datasource}", "");
        assert!(!text.contains('$'), "{}", f.path);
    }
}

fn panel<'a>(d: &'a Value, title: &str) -> &'a Value {
    d["panels"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["title"] == title))
        .unwrap_or_else(|| panic!("no panel {title}"))
}

fn steps(p: &Value) -> Vec<Value> {
    p["fieldConfig"]["defaults"]["thresholds"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn thresholds_come_from_the_tenant() {
    let (files, _) = render(&acme());
    let overview = parse(&files[0]);
    let latency = steps(panel(&overview, "Latency p99"));
    assert_eq!(latency[1]["value"], 0.3);
    let quota = steps(panel(&overview, "API quota used"));
    assert_eq!(
        (quota[1]["value"].clone(), quota[2]["value"].clone()),
        (json!(75.0), json!(90.0))
    );
    let performance = parse(&files[1]);
    let replicas = steps(panel(&performance, "Replicas"));
    assert_eq!(
        (replicas[1]["value"].clone(), replicas[2]["value"].clone()),
        (json!(2.0), json!(50.0))
    );
}

#[test]
fn hostile_names_give_valid_json_and_confined_queries() {
    let hostile = format!(
        "x\"}}) or up{{a=\"\n{{{{ $env }}}} [[env]] ${{datasource}} {}",
        "é".repeat(5000)
    );
    let mut t = acme();
    t.tenant.name = Some(hostile.clone());
    t.tenant.features = vec![hostile.clone(), "ok".into()];
    let (files, diags) = render(&t);
    assert!(diags.is_empty(), "{diags:?}");
    let business = files
        .iter()
        .find(|f| f.path.ends_with("business.json"))
        .unwrap_or_else(|| panic!("no business dashboard"));
    let d = parse(business);
    let title = d["title"].as_str().unwrap_or("");
    assert!(
        title.chars().count() < 189 && !title.contains('\n') && !title.contains('$'),
        "{title}"
    );
    let rates = &panel(&d, "Requests per feature")["targets"];
    let expr = rates[0]["expr"].as_str().unwrap_or("");
    assert_eq!(check::check_query(expr, "tenant", "acme"), Ok(()));
    assert_eq!(rates[1]["refId"], "B");
    let text = String::from_utf8_lossy(&business.bytes).replace("${datasource}", "");
    assert!(!text.contains('$'));
}

#[test]
fn an_unconfinable_slo_is_e072_at_the_slo() {
    let mut t = acme();
    let slo = t
        .tenant
        .slos
        .get_mut("availability")
        .unwrap_or_else(|| panic!("no slo"));
    slo.good = Some("sum(rate(x{tenant=\"other\"}[{{window}}]))".into());
    let (files, diags) = render(&t);
    assert!(!files.iter().any(|f| f.path.ends_with("slo.json")));
    assert!(!diags.is_empty());
    assert!(diags.iter().all(|d| d.code == DASHBOARD_CHECK_FAILED), "{diags:?}");
}

#[test]
fn provisioning_is_one_file_provider() {
    let (project, platform) = (project("tenant", "en"), platform());
    let ctx = EnvContext {
        env: "production",
        project: &project,
        platform: &platform,
    };
    let files = render_env(&ctx, &[acme()]);
    let text = String::from_utf8_lossy(&files[0].bytes).into_owned();
    assert_eq!(files[0].path, "production/grafana/provisioning/dashboards.yaml");
    assert!(text.contains("foldersFromFilesStructure: true"), "{text}");
    assert!(text.contains("path: /var/lib/grafana/dashboards"), "{text}");
    assert!(render_env(&ctx, &[tenant("quiet", json!({}))]).is_empty());
}

#[test]
fn deterministic() {
    let (a, _) = render(&acme());
    let (b, _) = render(&acme());
    assert!(a.iter().zip(&b).all(|(x, y)| x.bytes == y.bytes));
}
