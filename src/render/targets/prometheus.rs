//! Prometheus: `prometheus/prometheus.yml` per environment, and per tenant the rule file
//! `prometheus/rules/<tenant>.yml` (recording rules, alerting rules, built-in rules and
//! escalation copies) and the promtool test file `prometheus/tests/<tenant>.test.yml`.
//! Every expression is confined to its tenant, generated ones included.

use super::prometheus_rules::{builtin_alerts, builtin_recordings, escalation_copies};
use super::prometheus_slo::{slo_rules, slo_tests};
use crate::model::{AlertExpectation, AlertRule, ProbeProtocol, Tenant};
use crate::render::{EnvContext, TenantModel, yaml, yaml_artifact, yaml_text_artifact};
use crate::validate::promql::confine;
use crate::write::Artifact;
use serde_json::{Map, Value, json};

/// Blackbox exporter module of each probe protocol.
fn probe_module(protocol: ProbeProtocol) -> &'static str {
    match protocol {
        ProbeProtocol::Http => "http_2xx",
        ProbeProtocol::Tcp => "tcp_connect",
        ProbeProtocol::Grpc => "grpc",
        ProbeProtocol::Icmp => "icmp",
    }
}

fn tenant_labels(ctx: &EnvContext<'_>, id: &str) -> Map<String, Value> {
    let mut labels = Map::new();
    labels.insert(ctx.project.project.tenant_label.clone(), Value::String(id.to_string()));
    labels
}

fn scrape_jobs(ctx: &EnvContext<'_>, t: &TenantModel) -> Vec<Value> {
    let mut jobs = Vec::new();
    let monitoring = t.tenant.monitoring.as_ref();
    let interval = monitoring.and_then(|m| m.scrape_interval.clone());
    for (name, target) in monitoring.map(|m| &m.targets).into_iter().flatten() {
        let mut labels: Map<String, Value> = target
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        labels.extend(tenant_labels(ctx, &t.id));
        let mut job = Map::new();
        job.insert("job_name".into(), json!(format!("{}/{}", t.id, name)));
        if let Some(i) = &interval {
            job.insert("scrape_interval".into(), json!(i));
        }
        job.insert(
            "metrics_path".into(),
            json!(target.path.as_deref().unwrap_or("/metrics")),
        );
        if let Some(scheme) = target.scheme {
            job.insert("scheme".into(), serde_json::to_value(scheme).unwrap_or_default());
        }
        job.insert(
            "static_configs".into(),
            json!([{"targets": [target.address], "labels": labels}]),
        );
        jobs.push(Value::Object(job));
    }
    let Some(exporter) = ctx
        .platform
        .prometheus
        .as_ref()
        .and_then(|p| p.blackbox_exporter.as_ref())
    else {
        return jobs;
    };
    for (name, check) in monitoring.map(|m| &m.health_checks).into_iter().flatten() {
        let mut labels = tenant_labels(ctx, &t.id);
        labels.insert("probe".into(), json!(name));
        let mut job = Map::new();
        job.insert("job_name".into(), json!(format!("{}/probe/{}", t.id, name)));
        if let Some(i) = check.interval.as_ref().or(interval.as_ref()) {
            job.insert("scrape_interval".into(), json!(i));
        }
        job.insert("metrics_path".into(), json!("/probe"));
        job.insert("params".into(), json!({"module": [probe_module(check.protocol)]}));
        job.insert(
            "static_configs".into(),
            json!([{"targets": [check.target], "labels": labels}]),
        );
        job.insert(
            "relabel_configs".into(),
            json!([
                {"source_labels": ["__address__"], "target_label": "__param_target"},
                {"source_labels": ["__param_target"], "target_label": "instance"},
                {"target_label": "__address__", "replacement": exporter},
            ]),
        );
        jobs.push(Value::Object(job));
    }
    jobs
}

/// The level of the `scrape_configs` items in `prometheus.yml`.
const JOBS_LEVEL: usize = 0;

/// The content of `prometheus.yml` with `jobs` as its scrape configs.
fn config(ctx: &EnvContext<'_>, jobs: Vec<Value>) -> Value {
    let prom = ctx.platform.prometheus.as_ref();
    let mut global = Map::new();
    if let Some(p) = prom {
        if let Some(i) = &p.scrape_interval {
            global.insert("scrape_interval".into(), json!(i));
        }
        if let Some(i) = &p.evaluation_interval {
            global.insert("evaluation_interval".into(), json!(i));
        }
        if !p.external_labels.is_empty() {
            global.insert("external_labels".into(), json!(p.external_labels));
        }
    }
    let mut config = Map::new();
    config.insert("global".into(), Value::Object(global));
    config.insert("rule_files".into(), json!(["rules/*.yml"]));
    let alertmanagers = prom.map(|p| p.alertmanagers.clone()).unwrap_or_default();
    if !alertmanagers.is_empty() {
        config.insert(
            "alerting".into(),
            json!({"alertmanagers": [{"static_configs": [{"targets": alertmanagers}]}]}),
        );
    }
    config.insert("scrape_configs".into(), Value::Array(jobs));
    Value::Object(config)
}

fn config_path(ctx: &EnvContext<'_>) -> String {
    format!("{}/prometheus/prometheus.yml", ctx.env)
}

/// `prometheus.yml` of one environment.
pub fn render_env(ctx: &EnvContext<'_>, tenants: &[TenantModel]) -> Vec<Artifact> {
    let jobs: Vec<Value> = tenants.iter().flat_map(|t| scrape_jobs(ctx, t)).collect();
    vec![yaml_artifact(config_path(ctx), &config(ctx, jobs))]
}

/// One tenant's scrape configs as they appear in `prometheus.yml`.
pub fn env_share(ctx: &EnvContext<'_>, t: &TenantModel) -> String {
    yaml::seq_text(&scrape_jobs(ctx, t), JOBS_LEVEL)
}

/// [`render_env`] from each tenant's [`env_share`], in tenant order; `None` if the shares
/// cannot be spliced in (then render from the tenants).
pub fn render_env_from(ctx: &EnvContext<'_>, shares: &[&str]) -> Option<Artifact> {
    let any = shares.iter().any(|s| !s.is_empty());
    let text = yaml::to_yaml(&config(ctx, if any { vec![yaml::placeholder(0)] } else { Vec::new() }));
    let text = if any {
        yaml::splice(&text, &[(0, JOBS_LEVEL, shares)])?
    } else {
        text
    };
    Some(yaml_text_artifact(config_path(ctx), text))
}

/// A rule's labels: its own, then severity and the tenant label (which always win).
pub fn rule_labels(ctx: &EnvContext<'_>, id: &str, rule: &AlertRule) -> Map<String, Value> {
    let mut labels: Map<String, Value> = rule.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    labels.insert(
        "severity".into(),
        serde_json::to_value(rule.severity).unwrap_or_default(),
    );
    labels.extend(tenant_labels(ctx, id));
    labels
}

fn alert_json(ctx: &EnvContext<'_>, id: &str, name: &str, rule: &AlertRule) -> Value {
    let mut out = Map::new();
    out.insert("alert".into(), json!(name));
    out.insert("expr".into(), json!(rule.expr));
    if let Some(f) = &rule.for_ {
        out.insert("for".into(), json!(f));
    }
    if let Some(k) = &rule.keep_firing_for {
        out.insert("keep_firing_for".into(), json!(k));
    }
    out.insert("labels".into(), Value::Object(rule_labels(ctx, id, rule)));
    let mut annotations: Map<String, Value> = Map::new();
    for (key, value) in [
        ("summary", &rule.summary),
        ("description", &rule.description),
        ("runbook_url", &rule.runbook_url),
    ] {
        if let Some(v) = value {
            annotations.insert(key.into(), json!(v));
        }
    }
    annotations.extend(rule.annotations.iter().map(|(k, v)| (k.clone(), json!(v))));
    if !annotations.is_empty() {
        out.insert("annotations".into(), Value::Object(annotations));
    }
    Value::Object(out)
}

/// Every alerting rule of a tenant, named: its own rules, built-in rules and escalation
/// copies (same name, longer `for`, an `escalation` label).
pub fn all_alerts(ctx: &EnvContext<'_>, t: &TenantModel) -> Vec<(String, AlertRule)> {
    let mut rules: Vec<(String, AlertRule)> = t
        .tenant
        .alerting
        .iter()
        .flat_map(|a| &a.rules)
        .map(|(key, rule)| (rule.alert.clone().unwrap_or_else(|| key.clone()), rule.clone()))
        .collect();
    rules.extend(builtin_alerts(ctx, t));
    let copies = escalation_copies(&t.tenant, &rules);
    rules.extend(copies);
    rules
}

/// The rule groups of one tenant (`<id>.recording`, `<id>.alerts`), as in the rule file;
/// the Kubernetes target puts the same groups into a `PrometheusRule`.
pub fn rule_groups(ctx: &EnvContext<'_>, t: &TenantModel) -> Vec<Value> {
    let tenant: &Tenant = &t.tenant;
    let mut recording: Vec<Value> = tenant
        .monitoring
        .iter()
        .flat_map(|m| &m.recording_rules)
        .map(|(key, rule)| {
            let mut labels: Map<String, Value> = rule.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            labels.extend(tenant_labels(ctx, &t.id));
            let mut out = Map::new();
            out.insert(
                "record".into(),
                Value::String(rule.record.clone().unwrap_or_else(|| key.clone())),
            );
            out.insert("expr".into(), Value::String(rule.expr.clone()));
            out.insert("labels".into(), Value::Object(labels));
            Value::Object(out)
        })
        .collect();
    let own: Vec<Value> = recording.iter().map(|r| r["record"].clone()).collect();
    recording.extend(
        builtin_recordings(ctx, t)
            .into_iter()
            .filter(|r| !own.contains(&r["record"])),
    );
    let alerts: Vec<Value> = all_alerts(ctx, t)
        .iter()
        .map(|(name, rule)| alert_json(ctx, &t.id, name, rule))
        .collect();
    let mut groups = Vec::new();
    if !recording.is_empty() {
        groups.push(group(format!("{}.recording", t.id), recording));
    }
    if !alerts.is_empty() {
        groups.push(group(format!("{}.alerts", t.id), alerts));
    }
    for slo in slo_rules(ctx, t) {
        let mut rules = slo.recordings;
        rules.extend(slo.alerts.iter().map(|(name, rule)| alert_json(ctx, &t.id, name, rule)));
        groups.push(group(slo.group, rules));
    }
    groups
}

/// `{"name": name, "rules": rules}`, built without copying the rules.
fn group(name: String, rules: Vec<Value>) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), Value::String(name));
    out.insert("rules".into(), Value::Array(rules));
    Value::Object(out)
}

/// The rule file and the test file of one tenant.
pub fn render_tenant(ctx: &EnvContext<'_>, t: &TenantModel, rule_groups: &[Value]) -> Vec<Artifact> {
    let mut files = vec![yaml_text_artifact(
        format!("{}/prometheus/rules/{}.yml", ctx.env, t.id),
        yaml::seq_entry_text("groups", rule_groups),
    )];
    if let Some(tests) = render_tests(ctx, t) {
        files.push(tests);
    }
    if !t.tenant.slos.is_empty() {
        let tests = slo_tests(ctx, t, rule_groups);
        if !tests.is_empty() {
            let doc = json!({
                "rule_files": [format!("../rules/{}.yml", t.id)],
                "evaluation_interval": "1m",
                "tests": tests,
            });
            files.push(yaml_artifact(
                format!("{}/prometheus/tests/{}.slo.test.yml", ctx.env, t.id),
                &doc,
            ));
        }
    }
    files
}

/// Adds the tenant matcher to a promtool input series such as `metric{a="b"}`.
fn confine_series(ctx: &EnvContext<'_>, id: &str, series: &str) -> String {
    confine(series, &ctx.project.project.tenant_label, id).unwrap_or_else(|_| series.to_string())
}

fn render_tests(ctx: &EnvContext<'_>, t: &TenantModel) -> Option<Artifact> {
    let alerting = t.tenant.alerting.as_ref()?;
    if alerting.tests.is_empty() {
        return None;
    }
    let alerts = all_alerts(ctx, t);
    let tests: Vec<Value> = alerting
        .tests
        .iter()
        .map(|test| {
            let series: Vec<Value> = test
                .series
                .iter()
                .map(|(s, values)| json!({"series": confine_series(ctx, &t.id, s), "values": values}))
                .collect();
            let checks = expectation_checks(ctx, t, &alerts, &test.expect);
            let mut out = json!({"name": test.name, "input_series": series, "alert_rule_test": checks});
            if let Some(i) = &test.interval {
                out["interval"] = json!(i);
            }
            out
        })
        .collect();
    let eval = ctx
        .platform
        .prometheus
        .as_ref()
        .and_then(|p| p.evaluation_interval.clone())
        .unwrap_or("1m".into());
    let doc = json!({
        "rule_files": [format!("../rules/{}.yml", t.id)],
        "evaluation_interval": eval,
        "tests": tests,
    });
    Some(yaml_artifact(
        format!("{}/prometheus/tests/{}.test.yml", ctx.env, t.id),
        &doc,
    ))
}

/// promtool's `alert_rule_test` entries: one per (time, alert name), listing every alert
/// instance expected then. An expectation names one instance: the alert itself, or with
/// `escalation: <after>` its escalation copy; `firing: false` expects none.
fn expectation_checks(
    ctx: &EnvContext<'_>,
    t: &TenantModel,
    alerts: &[(String, AlertRule)],
    expectations: &[AlertExpectation],
) -> Vec<Value> {
    let mut groups: Vec<((&str, &str), Vec<Value>)> = Vec::new();
    for e in expectations {
        let key = (e.at.as_str(), e.alert.as_str());
        let index = match groups.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                groups.push((key, Vec::new()));
                groups.len() - 1
            }
        };
        if e.firing == Some(false) {
            continue;
        }
        let wanted = e.escalation.as_deref();
        let instance = alerts
            .iter()
            .find(|(name, rule)| *name == e.alert && rule.labels.get("escalation").map(String::as_str) == wanted);
        if let Some((_, rule)) = instance {
            let mut labels = rule_labels(ctx, &t.id, rule);
            labels.extend(e.labels.iter().map(|(k, v)| (k.clone(), json!(v))));
            let mut annotations = alert_json(ctx, &t.id, &e.alert, rule)
                .get("annotations")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            annotations.extend(e.annotations.iter().map(|(k, v)| (k.clone(), json!(v))));
            groups[index]
                .1
                .push(json!({"exp_labels": labels, "exp_annotations": annotations}));
        }
    }
    groups
        .into_iter()
        .map(|((at, alert), expected)| json!({"eval_time": at, "alertname": alert, "exp_alerts": expected}))
        .collect()
}
