//! Unit tests of the Kubernetes target: one tenant rendered from a JSON document.

use super::*;
use crate::diag::FileId;
use crate::load::parse_yaml;
use crate::model::{KubernetesSettings, Platform};
use crate::render::test_support::project;

fn platform() -> Platform {
    Platform {
        kubernetes: Some(KubernetesSettings {
            namespace_prefix: Some("tenant-".into()),
            monitoring_namespace: Some("mon".into()),
            prometheus_url: None,
            velero_namespace: None,
        }),
        ..Platform::default()
    }
}

/// Renders tenant `id` from `doc`: the objects of both files and the diagnostics' codes
/// and messages.
pub(super) fn render(id: &str, doc: Value) -> (Vec<Value>, Vec<(String, String)>) {
    render_in(id, doc, &platform())
}

fn render_in(id: &str, doc: Value, platform: &Platform) -> (Vec<Value>, Vec<(String, String)>) {
    let mut doc = doc;
    doc["id"] = json!(id);
    let tenant: crate::model::Tenant = serde_json::from_value(doc.clone()).unwrap_or_else(|e| panic!("{e}"));
    let model = TenantModel { id: id.into(), tenant };
    let project = project("tenant", "en");
    let ctx = EnvContext {
        env: "production",
        project: &project,
        platform,
    };
    let (node, _) = parse_yaml(&doc.to_string(), FileId(0));
    let node = node.unwrap_or_else(|| panic!("no node"));
    let mut checks = ArtifactChecks::new(&node, FileId(0));
    let groups = crate::render::targets::prometheus::rule_groups(&ctx, &model);
    let files = render_tenant(&ctx, &model, &groups, &mut checks);
    let mut objects = Vec::new();
    for f in &files {
        let text = String::from_utf8(f.bytes.clone()).unwrap_or_default();
        for part in text.split("---\n").skip(1) {
            let (n, diags) = parse_yaml(part, FileId(0));
            assert!(diags.is_empty(), "{part}\n{diags:?}");
            objects.extend(n.map(|n| n.to_json(None)));
        }
    }
    let diags = checks
        .diags
        .iter()
        .map(|d| (d.code.to_string(), d.message.clone()))
        .collect();
    (objects, diags)
}

fn kind<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

fn full() -> Value {
    json!({
        "tier": "enterprise",
        "compliance": ["soc2", "gdpr"],
        "quotas": {"api_requests_per_hour": 36000, "storage_gb": 100, "cpu_cores": 8, "memory_gb": 32},
        "autoscaling": {"enabled": true, "strategy": "reactive", "min_replicas": 2, "max_replicas": 16,
                        "cpu_target_percent": 70, "memory_target_percent": 80, "latency_target": "300ms"},
        "security": {"isolation": "strict", "allowed_ingress_namespaces": ["monitoring", "ingress-nginx"]},
        "backup": {"enabled": true, "schedule": "0 2 * * *", "retention_days": 30},
        "alerting": {
            "channels": {
                "team-slack": {"type": "slack", "webhook_url": "${SLACK}", "channel": "#a"},
                "pager": {"type": "pagerduty", "routing_key": "${PD}"},
                "mail": {"type": "email", "to": "a@b.c"},
            },
            "routing": {"severities": {"warning": ["team-slack"], "critical": ["team-slack", "pager", "mail"]}},
        },
    })
}

#[test]
fn a_full_tenant_renders_every_object_cleanly() {
    let (objects, diags) = render("acme", full());
    assert!(diags.is_empty(), "{diags:?}");
    let kinds: Vec<&str> = objects.iter().filter_map(|o| o["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "Namespace",
            "ResourceQuota",
            "LimitRange",
            "NetworkPolicy",
            "NetworkPolicy",
            "HorizontalPodAutoscaler",
            "Schedule",
            "PrometheusRule",
            "AlertmanagerConfig"
        ]
    );
    let ns = &objects[0];
    assert_eq!(ns["metadata"]["name"], "tenant-acme");
    assert_eq!(ns["metadata"]["labels"]["compliance"], "soc2-gdpr");
    assert_eq!(ns["metadata"]["labels"]["tier"], "enterprise");
    assert_eq!(ns["metadata"]["labels"]["environment"], "production");
    let quota = &objects[1]["spec"]["hard"];
    assert_eq!(quota["limits.cpu"], "8");
    assert_eq!(quota["requests.memory"], "32Gi");
    assert_eq!(quota["requests.storage"], "100Gi");
    let limits = &objects[2]["spec"]["limits"][0];
    assert_eq!(limits["default"]["cpu"], "500m");
    assert_eq!(limits["default"]["memory"], "2Gi");
    assert_eq!(limits["max"]["cpu"], "8");
    let hpa = &objects[5]["spec"];
    assert_eq!(hpa["minReplicas"], 2);
    assert_eq!(hpa["maxReplicas"], 16);
    assert_eq!(hpa["scaleTargetRef"]["name"], "acme");
}

#[test]
fn alertmanager_config_references_secrets_only() {
    let (objects, _) = render("acme", full());
    let amc = kind(&objects, "AlertmanagerConfig")[0];
    let text = amc.to_string();
    assert!(!text.contains("${SLACK}") && !text.contains("${PD}"), "{text}");
    let receivers = amc["spec"]["receivers"].as_array().cloned().unwrap_or_default();
    let slack = receivers.iter().find(|r| r["name"] == "team-slack").cloned();
    let slack = slack.unwrap_or_default();
    assert_eq!(
        slack["slackConfigs"][0]["apiURL"],
        json!({"name": "strata-alerting", "key": "team-slack-webhook-url"})
    );
    let pager = receivers
        .iter()
        .find(|r| r["name"] == "pager")
        .cloned()
        .unwrap_or_default();
    assert_eq!(pager["pagerdutyConfigs"][0]["routingKey"]["key"], "pager-routing-key");
    assert_eq!(amc["spec"]["route"]["matchers"][0]["value"], "acme");
}

#[test]
fn keda_replaces_the_hpa() {
    let mut doc = full();
    doc["autoscaling"]["strategy"] = json!("predictive");
    let (objects, diags) = render("acme", doc);
    assert!(diags.is_empty(), "{diags:?}");
    assert!(kind(&objects, "HorizontalPodAutoscaler").is_empty());
    let so = kind(&objects, "ScaledObject")[0];
    let triggers = so["spec"]["triggers"].as_array().cloned().unwrap_or_default();
    let query = triggers[0]["metadata"]["query"].as_str().unwrap_or_default();
    assert!(query.starts_with("predict_linear("), "{query}");
    assert!(query.contains("tenant=\"acme\""), "{query}");
    assert!(query.contains(", 900)"), "{query}");
    // 36000 requests per hour = 10/s over 16 replicas.
    assert_eq!(triggers[0]["metadata"]["threshold"], "0.625");
    assert_eq!(
        triggers[0]["metadata"]["serverAddress"],
        "http://prometheus-operated.mon.svc:9090"
    );
    assert_eq!(triggers[1]["metadata"]["threshold"], "0.3");
    assert_eq!(triggers[1]["metricType"], "Value");
    assert!(triggers.iter().any(|t| t["type"] == "cpu"));
}

#[test]
fn scheduled_gets_cron_triggers() {
    let mut doc = full();
    doc["autoscaling"]["strategy"] = json!("scheduled");
    doc["autoscaling"]["schedules"] = json!({
        "office": {"start": "0 8 * * 1-5", "end": "0 20 * * 1-5", "replicas": 8, "timezone": "Europe/Berlin"},
        "night": {"start": "0 0 * * *", "end": "0 6 * * *", "replicas": 3},
    });
    let (objects, diags) = render("acme", doc);
    assert!(diags.is_empty(), "{diags:?}");
    let so = kind(&objects, "ScaledObject")[0];
    let cron: Vec<&Value> = so["spec"]["triggers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["type"] == "cron")
        .collect();
    assert_eq!(cron.len(), 2);
    assert_eq!(cron[0]["metadata"]["desiredReplicas"], "8");
    assert_eq!(cron[0]["metadata"]["timezone"], "Europe/Berlin");
    assert_eq!(cron[1]["metadata"]["timezone"], "Etc/UTC");
}

#[test]
fn shared_isolation_has_no_network_policy() {
    let mut doc = full();
    doc["security"]["isolation"] = json!("shared");
    let (objects, _) = render("acme", doc);
    assert!(kind(&objects, "NetworkPolicy").is_empty());
}

#[test]
fn velero_schedule_in_velero_namespace() {
    let mut p = platform();
    if let Some(k) = p.kubernetes.as_mut() {
        k.velero_namespace = Some("backups".into());
    }
    let (objects, _) = render_in("acme", full(), &p);
    let s = kind(&objects, "Schedule")[0];
    assert_eq!(s["metadata"]["namespace"], "backups");
    assert_eq!(s["spec"]["template"]["ttl"], "720h0m0s");
    assert_eq!(s["spec"]["template"]["includedNamespaces"], json!(["tenant-acme"]));
}

#[test]
fn what_kubernetes_refuses_is_e070() {
    let cases = [
        (
            "autoscaling",
            json!({"enabled": true, "min_replicas": 5, "max_replicas": 2}),
            "minReplicas",
        ),
        (
            "autoscaling",
            json!({"enabled": true, "min_replicas": 0, "max_replicas": 2}),
            "minReplicas >= 1",
        ),
        ("quotas", json!({"cpu_cores": 0.001}), "less than 1m"),
        (
            "security",
            json!({"isolation": "strict", "allowed_ingress_namespaces": ["Bad Name"]}),
            "not a DNS label",
        ),
        (
            "alerting",
            json!({"channels": {"a/b": {"type": "pagerduty", "routing_key": "${K}"}},
                   "routing": {"severities": {"critical": ["a/b"]}}}),
            "Secret key",
        ),
    ];
    for (section, value, needle) in cases {
        let mut doc = json!({"autoscaling": {"enabled": true, "max_replicas": 4}});
        doc[section] = value;
        let (_, diags) = render("acme", doc);
        assert!(
            diags.iter().any(|(code, msg)| code == E070 && msg.contains(needle)),
            "{section}: {diags:?}"
        );
    }
    let (_, diags) = render(&"a".repeat(60), json!({}));
    assert!(
        diags.iter().any(|(c, m)| c == E070 && m.contains("namespace")),
        "{diags:?}"
    );
}

#[test]
fn hostile_values_stay_strings() {
    let hostile = "x\"\n- kind: Secret\n{{ evil }}";
    let doc = json!({
        "alerting": {
            "channels": {"mail": {"type": "email", "to": hostile}},
            "routing": {"severities": {"critical": ["mail"]}},
            "rules": {"Evil": {"expr": "up == 0", "severity": "critical", "summary": hostile}},
        },
    });
    let (objects, diags) = render("acme", doc);
    assert!(diags.is_empty(), "{diags:?}");
    assert!(kind(&objects, "Secret").is_empty());
    let amc = kind(&objects, "AlertmanagerConfig")[0];
    // Alertmanager expands `to` as a Go template: `{{` is made inert, the rest is kept.
    assert_eq!(
        amc["spec"]["receivers"][1]["emailConfigs"][0]["to"],
        crate::render::targets::alertmanager::go_literal_text(hostile)
    );
}
