//! The Grafana target end to end: `strata build` of `examples/platform` and of small
//! repositories with hostile names, then every dashboard parsed back and checked: the
//! model, uids unique across the build, every query confined to its tenant, thresholds
//! equal to the tenant's configured values, valid JSON for hostile text, and two builds
//! byte-identical.

mod common;

use common::{repo, strata_with_env};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use strata::render::targets::grafana::check::{check_query, valid_uid};

fn build(root: &Path, out: &Path) {
    let out_arg = out.to_string_lossy().into_owned();
    let result = strata_with_env(root, &["build", ".", "--out", &out_arg], &[]);
    assert_eq!(
        result.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
}

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/platform")
}

/// Every dashboard under `out`: (env, tenant, file name) -> bytes.
fn dashboards(out: &Path) -> BTreeMap<(String, String, String), Vec<u8>> {
    let mut found = BTreeMap::new();
    for entry in walkdir::WalkDir::new(out).sort_by_file_name() {
        let entry = entry.unwrap_or_else(|e| panic!("{e}"));
        let rel = entry.path().strip_prefix(out).unwrap_or(entry.path());
        let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        if let [env, g, d, tenant, file] = parts.as_slice()
            && g == "grafana"
            && d == "dashboards"
        {
            let bytes = std::fs::read(entry.path()).unwrap_or_else(|e| panic!("{e}"));
            found.insert((env.clone(), tenant.clone(), file.clone()), bytes);
        }
    }
    found
}

fn parse(key: &(String, String, String), bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{key:?}: {e}"))
}

fn exprs(d: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for p in d["panels"].as_array().into_iter().flatten() {
        for t in p["targets"].as_array().into_iter().flatten() {
            out.push(t["expr"].as_str().unwrap_or("").to_string());
        }
    }
    for a in d["annotations"]["list"].as_array().into_iter().flatten() {
        if let Some(e) = a["expr"].as_str() {
            out.push(e.to_string());
        }
    }
    out
}

fn panel<'a>(d: &'a Value, title: &str) -> &'a Value {
    d["panels"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["title"] == title))
        .unwrap_or_else(|| panic!("no panel {title}"))
}

fn step_values(p: &Value) -> Vec<f64> {
    p["fieldConfig"]["defaults"]["thresholds"]["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["value"].as_f64())
        .collect()
}

#[test]
fn the_example_dashboards_are_valid_confined_and_unique() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    build(&example(), out.path());
    let all = dashboards(out.path());
    assert!(all.len() > 60, "only {} dashboards", all.len());
    let mut uids: HashMap<String, (String, String, String)> = HashMap::new();
    for (key, bytes) in &all {
        let d = parse(key, bytes);
        let (env, tenant, _) = key;
        assert_eq!(d["schemaVersion"], 39, "{key:?}");
        let uid = d["uid"].as_str().unwrap_or("").to_string();
        assert!(valid_uid(&uid), "{key:?}: {uid}");
        if let Some(first) = uids.insert(uid.clone(), key.clone()) {
            panic!("uid {uid} used by {first:?} and {key:?}");
        }
        assert_eq!(d["templating"]["list"][1]["query"], env.as_str());
        let es = exprs(&d);
        assert!(!es.is_empty(), "{key:?}");
        for e in es {
            assert_eq!(check_query(&e, "tenant", tenant), Ok(()), "{key:?}");
        }
        let text = String::from_utf8_lossy(bytes).replace("${datasource}", "");
        assert!(!text.contains('$'), "{key:?}");
    }
    for env in ["dev", "staging", "production"] {
        let yaml = out.path().join(env).join("grafana/provisioning/dashboards.yaml");
        let text = std::fs::read_to_string(&yaml).unwrap_or_else(|e| panic!("{}: {e}", yaml.display()));
        assert!(text.contains("foldersFromFilesStructure: true"));
    }
    // acme-corp lists five dashboards, sonic-labs only the overview.
    let of = |tenant: &str| {
        all.keys()
            .filter(|(e, t, _)| e == "production" && t == tenant)
            .map(|(_, _, f)| f.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of("acme-corp"),
        [
            "alerts.json",
            "business.json",
            "overview.json",
            "performance.json",
            "slo.json"
        ]
    );
    assert_eq!(of("sonic-labs"), ["overview.json"]);
}

#[test]
fn thresholds_equal_the_tenants_values() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    build(&example(), out.path());
    let all = dashboards(out.path());
    let get = |file: &str| {
        let key = ("production".to_string(), "acme-corp".to_string(), file.to_string());
        parse(&key, all.get(&key).unwrap_or_else(|| panic!("no {file}")))
    };
    // tenants/acme-corp.yaml: latency_target 300ms, api_quota 75/90, storage 80 (95 from
    // defaults.yaml), storage_gb 500; tenants/acme-corp/production.yaml: replicas 4..80.
    let overview = get("overview.json");
    assert_eq!(step_values(panel(&overview, "Latency p99")), [0.3]);
    assert_eq!(step_values(panel(&overview, "API quota used")), [75.0, 90.0]);
    assert_eq!(step_values(panel(&overview, "Error ratio")), [0.001]);
    let performance = get("performance.json");
    assert_eq!(step_values(panel(&performance, "Replicas")), [4.0, 80.0]);
    assert_eq!(step_values(panel(&performance, "CPU cores vs quota")), [16.0]);
    let business = get("business.json");
    let gib = 1024.0 * 1024.0 * 1024.0;
    assert_eq!(
        step_values(panel(&business, "Storage used")),
        [500.0 * gib * 0.80, 500.0 * gib * 0.95]
    );
    let features = panel(&business, "Requests per feature")["targets"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert_eq!(features, 4);
}

const TOML: &str = "[project]\nname = \"t\"\n[build]\ntargets = [\"grafana\"]\n";

#[test]
fn hostile_names_produce_valid_escaped_json() {
    let long = "ß".repeat(5000);
    let tenant = format!(
        "id: evil\nregion: eu-west-1\nname: \"Evil \\\"Corp\\\"\\n{{{{ $env }}}} [[env]] $${{datasource}} {long}\"\n\
         features: [\"a\\\"}}) or up{{x=\\\"\", \"$env\", \"[[env]]\", \"{{{{ .Labels }}}}\", \"line\\nbreak\", \"{long}\"]\n\
         autoscaling: {{latency_target: 250ms}}\n\
         monitoring:\n  dashboards: [overview, business]\n"
    );
    let dir = repo(&[
        ("strata.toml", TOML),
        ("environments/dev.yaml", "platform: {}\n"),
        ("tenants/evil.yaml", &tenant),
    ]);
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    build(dir.path(), out.path());
    let all = dashboards(out.path());
    assert_eq!(all.len(), 2);
    for (key, bytes) in &all {
        let d = parse(key, bytes);
        let title = d["title"].as_str().unwrap_or("");
        assert!(title.starts_with("Evil \"Corp\""), "{title}");
        assert!(title.chars().count() <= 189 && !title.contains('\n') && !title.contains('$'));
        for e in exprs(&d) {
            assert_eq!(check_query(&e, "tenant", "evil"), Ok(()), "{e}");
        }
        let text = String::from_utf8_lossy(bytes).replace("${datasource}", "");
        assert!(!text.contains('$'), "{key:?}");
        for p in d["panels"].as_array().into_iter().flatten() {
            let t = p["title"].as_str().unwrap_or("");
            assert!(t.chars().count() <= 80 && !t.contains('\n') && !t.contains('$'), "{t}");
        }
    }
    let business = &all[&("dev".into(), "evil".into(), "business.json".into())];
    let d = parse(&("dev".into(), "evil".into(), "business.json".into()), business);
    assert_eq!(
        panel(&d, "Requests per feature")["targets"].as_array().map(Vec::len),
        Some(6)
    );
}

#[test]
fn a_dashboard_that_fails_its_check_is_e072_at_the_value() {
    let tenant = "id: bad\nregion: eu-west-1\nmonitoring:\n  dashboards: [overview, slo]\nslos:\n  availability:\n    objective: 99.9\n    good: sum(rate(x{tenant=\"other\"}[{{window}}]))\n    total: sum(rate(x[{{window}}]))\n";
    let dir = repo(&[
        ("strata.toml", TOML),
        ("environments/dev.yaml", "platform: {}\n"),
        ("tenants/bad.yaml", tenant),
    ]);
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out_arg = out.path().to_string_lossy().into_owned();
    let result = strata_with_env(dir.path(), &["build", ".", "--out", &out_arg], &[]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    assert_eq!(result.status.code(), Some(1), "{text}");
    // SLO expressions are checked here (E072) unless validation confines them first (E051).
    assert!(text.contains("STRATA-E072") || text.contains("STRATA-E051"), "{text}");
    assert!(text.contains("tenants/bad.yaml:8:"), "{text}");
}

#[test]
fn acme_corp_dashboards_are_as_reviewed() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    build(&example(), out.path());
    for file in ["overview", "business"] {
        let path = out
            .path()
            .join(format!("production/grafana/dashboards/acme-corp/{file}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        insta::assert_snapshot!(format!("acme-corp-production-{file}"), text);
    }
    let yaml = out.path().join("production/grafana/provisioning/dashboards.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap_or_else(|e| panic!("{}: {e}", yaml.display()));
    insta::assert_snapshot!("production-provisioning", text);
}

#[test]
fn two_builds_are_byte_identical() {
    let (a, b) = (
        tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
        tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
    );
    build(&example(), a.path());
    build(&example(), b.path());
    let (x, y) = (dashboards(a.path()), dashboards(b.path()));
    assert!(!x.is_empty());
    assert!(x == y, "dashboards differ between two builds");
}
