//! The Kubernetes target end to end: `examples/platform` is built once, every manifest is
//! parsed back, and the objects are checked for what the config says (isolation, replicas,
//! strategies, backups). Custom resources are validated against the upstream CRDs in
//! `../shared/crds`, so the bundled subset schemas cannot drift from them unnoticed.

mod common;

use common::{repo, strata_with_env};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use strata::diag::FileId;
use strata::load::parse_yaml;

/// The example built once for all tests of this file.
fn example_out() -> &'static Path {
    static OUT: OnceLock<tempfile::TempDir> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/platform");
        let out_arg = out.path().to_string_lossy().into_owned();
        let result = strata_with_env(&example, &["build", ".", "--out", &out_arg], &[]);
        assert_eq!(
            result.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
        out
    })
    .path()
}

/// The documents of a multi-document YAML text, parsed with the crate's own YAML loader.
fn documents(text: &str) -> Vec<Value> {
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in text.lines().chain(std::iter::once("---")) {
        if line == "---" {
            if current.lines().any(|l| !l.starts_with('#') && !l.trim().is_empty()) {
                let (node, diags) = parse_yaml(&current, FileId(0));
                assert!(diags.is_empty(), "{current}\n{diags:?}");
                docs.push(node.map(|n| n.to_json(None)).unwrap_or_default());
            }
            current.clear();
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    docs
}

fn objects(out: &Path, env: &str, file: &str) -> Vec<Value> {
    let path = out.join(env).join("kubernetes").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    documents(&text)
}

fn all(out: &Path, env: &str, tenant: &str) -> Vec<Value> {
    let mut docs = objects(out, env, &format!("{tenant}.yaml"));
    let operator = out.join(env).join("kubernetes").join(format!("{tenant}.operator.yaml"));
    if operator.exists() {
        docs.extend(objects(out, env, &format!("{tenant}.operator.yaml")));
    }
    docs
}

fn of_kind<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

fn every_manifest(out: &Path) -> Vec<(String, Vec<Value>)> {
    let mut files = Vec::new();
    for env in ["dev", "staging", "production"] {
        let dir = out.join(env).join("kubernetes");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        names.sort();
        for name in names {
            files.push((format!("{env}/{name}"), objects(out, env, &name)));
        }
    }
    files
}

#[test]
fn every_manifest_parses_with_known_kinds_and_dns_names() {
    let files = every_manifest(example_out());
    assert!(files.len() >= 30, "{}", files.len());
    for (file, docs) in &files {
        assert!(!docs.is_empty(), "{file}");
        for doc in docs {
            let kind = doc["kind"].as_str().unwrap_or_default();
            assert!(
                [
                    "Namespace",
                    "ResourceQuota",
                    "LimitRange",
                    "NetworkPolicy",
                    "HorizontalPodAutoscaler",
                    "ScaledObject",
                    "Schedule",
                    "PrometheusRule",
                    "AlertmanagerConfig"
                ]
                .contains(&kind),
                "{file}: {kind}"
            );
            let name = doc["metadata"]["name"].as_str().unwrap_or_default();
            assert!(strata::render::verify::is_dns_label(name), "{file}: {name}");
            for (key, value) in doc["metadata"]["labels"].as_object().into_iter().flatten() {
                let v = value.as_str().unwrap_or("?");
                assert!(strata::render::verify::is_label_value(v), "{file}: {key}={v}");
            }
        }
    }
}

#[test]
fn strict_isolation_denies_then_allows_listed_namespaces() {
    let docs = all(example_out(), "production", "acme-corp");
    let ns = of_kind(&docs, "Namespace")[0];
    assert_eq!(ns["metadata"]["name"], "tenant-acme-corp");
    assert_eq!(ns["metadata"]["labels"]["environment"], "production");
    let policies = of_kind(&docs, "NetworkPolicy");
    assert_eq!(policies.len(), 2);
    assert_eq!(
        policies[0]["spec"],
        json!({"podSelector": {}, "policyTypes": ["Ingress"]})
    );
    let from = &policies[1]["spec"]["ingress"][0]["from"];
    assert_eq!(from[0], json!({"podSelector": {}}));
    assert_eq!(
        from[1]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
        "monitoring"
    );
}

#[test]
fn reactive_tenant_gets_an_hpa_with_its_replicas() {
    let docs = all(example_out(), "production", "tempo-global");
    assert!(of_kind(&docs, "ScaledObject").is_empty());
    let hpa = of_kind(&docs, "HorizontalPodAutoscaler")[0];
    assert_eq!(hpa["apiVersion"], "autoscaling/v2");
    assert_eq!(hpa["spec"]["minReplicas"], 2);
    assert_eq!(hpa["spec"]["maxReplicas"], 24);
    assert_eq!(
        hpa["spec"]["scaleTargetRef"],
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "tempo-global"})
    );
    let metrics = hpa["spec"]["metrics"].as_array().cloned().unwrap_or_default();
    assert_eq!(metrics[0]["resource"]["target"]["averageUtilization"], 70);
    assert_eq!(metrics[1]["resource"]["name"], "memory");
}

#[test]
fn predictive_tenant_gets_a_confined_predict_linear_trigger() {
    let docs = all(example_out(), "production", "acme-corp");
    assert!(
        of_kind(&docs, "HorizontalPodAutoscaler").is_empty(),
        "KEDA owns the HPA"
    );
    let so = of_kind(&docs, "ScaledObject")[0];
    assert_eq!(so["spec"]["maxReplicaCount"], 80);
    let triggers = so["spec"]["triggers"].as_array().cloned().unwrap_or_default();
    let query = triggers[0]["metadata"]["query"].as_str().unwrap_or_default();
    assert!(query.contains("predict_linear(") && query.contains("900)"), "{query}");
    // Confined: confining again to the same tenant changes nothing, and to another fails.
    let again = strata::validate::promql::confine(query, "tenant", "acme-corp");
    assert_eq!(again.as_deref(), Ok(query));
    assert!(strata::validate::promql::confine(query, "tenant", "beatforge").is_err());
    let latency = &triggers[1];
    assert_eq!(latency["metricType"], "Value");
    assert_eq!(latency["metadata"]["threshold"], "0.3");
    let lat_query = latency["metadata"]["query"].as_str().unwrap_or_default();
    assert!(lat_query.contains("tenant=\"acme-corp\""), "{lat_query}");
}

#[test]
fn scheduled_tenant_gets_cron_triggers() {
    let docs = all(example_out(), "production", "radio-lumiere");
    let so = of_kind(&docs, "ScaledObject")[0];
    let cron: Vec<&Value> = so["spec"]["triggers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["type"] == "cron")
        .collect();
    assert_eq!(cron.len(), 2);
    assert_eq!(
        cron[0]["metadata"],
        json!({"timezone": "Europe/Paris", "start": "0 7 * * *", "end": "0 9 * * *", "desiredReplicas": "10"})
    );
}

#[test]
fn velero_schedule_keeps_backups_for_the_retention() {
    let docs = all(example_out(), "production", "tempo-global");
    let s = of_kind(&docs, "Schedule")[0];
    assert_eq!(s["metadata"]["namespace"], "velero");
    assert_eq!(s["spec"]["schedule"], "0 5 * * *");
    assert_eq!(s["spec"]["template"]["ttl"], "720h0m0s");
    assert_eq!(
        s["spec"]["template"]["includedNamespaces"],
        json!(["tenant-tempo-global"])
    );
}

#[test]
fn operator_resources_carry_rules_and_secret_references() {
    let docs = all(example_out(), "production", "acme-corp");
    let rule = of_kind(&docs, "PrometheusRule")[0];
    let groups = rule["spec"]["groups"].as_array().cloned().unwrap_or_default();
    assert!(!groups.is_empty());
    let amc = of_kind(&docs, "AlertmanagerConfig")[0];
    let text = amc.to_string();
    assert!(!text.contains("${"), "no secret reference may leak: {text}");
    for receiver in amc["spec"]["receivers"].as_array().into_iter().flatten() {
        for (field, configs) in receiver.as_object().into_iter().flatten() {
            for config in configs.as_array().into_iter().flatten() {
                for key in ["apiURL", "urlSecret", "routingKey"] {
                    if !config[key].is_null() {
                        assert_eq!(config[key]["name"], "strata-alerting", "{field}");
                    }
                }
            }
        }
    }
}

fn build_repo(files: &[(&str, &str)]) -> (tempfile::TempDir, std::process::Output) {
    let dir = repo(files);
    let out = dir.path().join("out").to_string_lossy().into_owned();
    let result = strata_with_env(dir.path(), &["build", ".", "--out", &out], &[]);
    (dir, result)
}

const TOML: &str = "[project]\nname = \"t\"\n\n[build]\ntargets = [\"kubernetes\"]\n\n[policies]\npacks = []\n";
const DEV: &str = "platform:\n  kubernetes: {namespace_prefix: t-, velero_namespace: backups}\n";

#[test]
fn shared_isolation_writes_no_network_policy() {
    let tenant = "id: shared-one\nsecurity: {isolation: shared, allowed_ingress_namespaces: [monitoring]}\n";
    let (dir, result) = build_repo(&[
        ("strata.toml", TOML),
        ("environments/dev.yaml", DEV),
        ("tenants/shared-one.yaml", tenant),
    ]);
    assert_eq!(
        result.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let docs = all(&dir.path().join("out"), "dev", "shared-one");
    assert!(of_kind(&docs, "NetworkPolicy").is_empty());
    assert_eq!(of_kind(&docs, "Namespace")[0]["metadata"]["name"], "t-shared-one");
}

#[test]
fn hostile_text_stays_one_string() {
    let hostile = r#"id: hostile
name: "Evil \"name\"\n---\nkind: Secret"
alerting:
  channels:
    hook: {type: webhook, url: "https://hooks.example/x"}
  routing: {severities: {critical: [hook]}}
  rules:
    Evil:
      expr: up == 0
      severity: critical
      summary: "{{ $labels.x }} \" \n---\napiVersion: v1\nkind: Secret"
      description: "x\u2028y: z"
"#;
    let (dir, result) = build_repo(&[
        ("strata.toml", TOML),
        ("environments/dev.yaml", DEV),
        ("tenants/hostile.yaml", hostile),
    ]);
    assert_eq!(
        result.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let docs = all(&dir.path().join("out"), "dev", "hostile");
    assert!(of_kind(&docs, "Secret").is_empty());
    let rule = of_kind(&docs, "PrometheusRule")[0];
    let text = rule.to_string();
    assert!(text.contains("apiVersion: v1\\nkind: Secret"), "{text}");
    let amc = of_kind(&docs, "AlertmanagerConfig")[0];
    assert_eq!(
        amc["spec"]["receivers"][1]["webhookConfigs"][0]["urlSecret"]["key"],
        "hook-webhook-url"
    );
    assert!(!amc.to_string().contains("hooks.example"));
}

#[test]
fn a_namespace_kubernetes_refuses_is_located_e070() {
    let id = "a".repeat(62);
    let tenant = format!("id: {id}\n");
    let path = format!("tenants/{id}.yaml");
    let (_dir, result) = build_repo(&[("strata.toml", TOML), ("environments/dev.yaml", DEV), (&path, &tenant)]);
    assert_eq!(result.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&result.stderr).into_owned() + &String::from_utf8_lossy(&result.stdout);
    assert!(stderr.contains("STRATA-E070"), "{stderr}");
    assert!(stderr.contains(&format!("{path}:1:5")), "{stderr}");
    assert!(stderr.contains("help:"), "{stderr}");
}

// ---------------------------------------------------------------------------------------
// Drift between the bundled subset schemas and the upstream CRDs
// ---------------------------------------------------------------------------------------

/// The upstream CRDs: `STRATA_CRDS`, else `../shared/crds` beside the checkout.
fn crd_dir() -> PathBuf {
    std::env::var_os("STRATA_CRDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/crds"))
}

/// Whether the upstream CRDs are present; a note on stderr when they are not.
fn have_upstream_crds() -> bool {
    let present = crd_dir().is_dir();
    if !present {
        eprintln!("note: {} is absent; upstream CRD test skipped", crd_dir().display());
    }
    present
}

/// (apiVersion, kind) -> openAPIV3Schema of each served version of the upstream CRDs.
fn upstream_schemas() -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for file in [
        "keda.sh_scaledobjects.yaml",
        "velero.io_schedules.yaml",
        "monitoring.coreos.com_prometheusrules.yaml",
        "monitoring.coreos.com_alertmanagerconfigs.yaml",
    ] {
        let path = crd_dir().join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (the upstream CRDs live in ../shared/crds)", path.display()));
        let (node, diags) = parse_yaml(&text, FileId(0));
        assert!(diags.is_empty(), "{file}: {diags:?}");
        let crd = node.map(|n| n.to_json(None)).unwrap_or_default();
        let group = crd["spec"]["group"].as_str().unwrap_or_default().to_string();
        let kind = crd["spec"]["names"]["kind"].as_str().unwrap_or_default().to_string();
        for version in crd["spec"]["versions"].as_array().into_iter().flatten() {
            let name = version["name"].as_str().unwrap_or_default();
            let schema = ecma_patterns(version["schema"]["openAPIV3Schema"].clone());
            out.push((format!("{group}/{name}"), kind.clone(), schema));
        }
    }
    out
}

/// The schema without `description`s and without the few `pattern`s that use Go's inline
/// flags (`(?i)`), which JSON Schema's ECMA-262 regular expressions do not have.
fn ecma_patterns(schema: Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, v)| {
                    k != "description" && !(k == "pattern" && v.as_str().is_some_and(|p| p.contains("(?")))
                })
                .map(|(k, v)| (k, ecma_patterns(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(ecma_patterns).collect()),
        other => other,
    }
}

/// Fields of `value` the structural schema does not declare: the API server would prune
/// them silently, so a misspelt field would pass schema validation and be lost.
fn undeclared(value: &Value, schema: &Value, path: &str, out: &mut Vec<String>) {
    if schema["x-kubernetes-preserve-unknown-fields"] == true {
        return;
    }
    match value {
        Value::Object(map) => {
            let props = schema["properties"].as_object();
            for (key, item) in map {
                let here = format!("{path}.{key}");
                if let Some(s) = props.and_then(|p| p.get(key)) {
                    undeclared(item, s, &here, out);
                } else if schema["additionalProperties"].is_object() {
                    undeclared(item, &schema["additionalProperties"], &here, out);
                } else if props.is_some() && path != ".metadata" {
                    out.push(here);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                undeclared(item, &schema["items"], &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn custom_resources_match_the_upstream_crds() {
    if !have_upstream_crds() {
        return;
    }
    let upstream = upstream_schemas();
    let validators: Vec<(String, String, Value, jsonschema::Validator)> = upstream
        .into_iter()
        .map(|(api, kind, schema)| {
            // OpenAPI v3 schemas: the draft 4 vocabulary, `x-kubernetes-*` ignored.
            let v = jsonschema::draft4::new(&schema).unwrap_or_else(|e| panic!("{api} {kind}: {e}"));
            (api, kind, schema, v)
        })
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for (file, docs) in every_manifest(example_out()) {
        for doc in docs {
            let (api, kind) = (
                doc["apiVersion"].as_str().unwrap_or(""),
                doc["kind"].as_str().unwrap_or(""),
            );
            let Some((_, _, schema, validator)) = validators.iter().find(|(a, k, _, _)| a == api && k == kind) else {
                continue;
            };
            seen.insert(kind.to_string());
            let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{file}: {kind}: {errors:?}");
            let mut extra = Vec::new();
            undeclared(&doc, schema, "", &mut extra);
            assert!(extra.is_empty(), "{file}: {kind}: fields not in the CRD: {extra:?}");
        }
    }
    // The pruning check itself: a misspelt field is caught.
    let docs = all(example_out(), "production", "acme-corp");
    let mut bogus = of_kind(&docs, "ScaledObject")[0].clone();
    bogus["spec"]["minReplicaCnt"] = json!(1);
    let so_schema = validators.iter().find(|(_, k, _, _)| k == "ScaledObject").map(|v| &v.2);
    let mut extra = Vec::new();
    undeclared(&bogus, so_schema.unwrap_or(&Value::Null), "", &mut extra);
    assert_eq!(extra, [".spec.minReplicaCnt"]);
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        ["AlertmanagerConfig", "PrometheusRule", "ScaledObject", "Schedule"]
    );
}

#[test]
fn bundled_schemas_name_only_fields_upstream_declares() {
    if !have_upstream_crds() {
        return;
    }
    let upstream = upstream_schemas();
    for (api, kind, _) in strata::render::targets::kubernetes::CUSTOM_RESOURCES {
        let bundled = strata::render::targets::kubernetes::bundled_schema(kind).unwrap_or_default();
        let (_, _, up) = upstream
            .iter()
            .find(|(a, k, _)| a == api && k == kind)
            .unwrap_or_else(|| panic!("{api} {kind} is not among the upstream CRDs"));
        let mut missing = Vec::new();
        same_fields(
            &bundled,
            &bundled["properties"]["spec"],
            &up["properties"]["spec"],
            ".spec",
            &mut missing,
        );
        assert!(
            missing.is_empty(),
            "{kind}: bundled fields upstream does not have: {missing:?}"
        );
    }
}

/// Resolves a local `$ref` of the bundled schema.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/$defs/")) {
        Some(name) => &root["$defs"][name],
        None => schema,
    }
}

fn same_fields(root: &Value, bundled: &Value, upstream: &Value, path: &str, missing: &mut Vec<String>) {
    let bundled = resolve(root, bundled);
    if upstream["x-kubernetes-preserve-unknown-fields"] == true {
        return;
    }
    for (key, sub) in bundled["properties"].as_object().into_iter().flatten() {
        let up = &upstream["properties"][key];
        if up.is_null() {
            missing.push(format!("{path}.{key}"));
            continue;
        }
        let sub = resolve(root, sub);
        same_fields(root, sub, up, &format!("{path}.{key}"), missing);
        if !sub["items"].is_null() {
            same_fields(root, &sub["items"], &up["items"], &format!("{path}.{key}[]"), missing);
        }
    }
}
