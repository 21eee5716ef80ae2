//! Autoscaling of the tenant's `Deployment` (named after the tenant id):
//! - strategy `reactive` (the default): an `autoscaling/v2` `HorizontalPodAutoscaler` on
//!   CPU and memory utilisation;
//! - strategy `predictive`: a KEDA `ScaledObject` with a `prometheus` trigger on the
//!   request rate predicted 15 minutes ahead (`predict_linear`), one on p99 latency against
//!   `latency_target`, and the CPU and memory targets as KEDA `cpu` / `memory` triggers;
//! - strategy `scheduled`: a KEDA `ScaledObject` with one `cron` trigger per schedule, plus
//!   the CPU and memory triggers between windows.
//!
//! KEDA creates and owns the HPA of a `ScaledObject`, so no HPA is written beside one.
//! The request-rate threshold is per replica: the tenant's hourly API quota (else
//! `performance.rate_limit_per_second`) spread over `max_replicas`, so the workload reaches
//! its highest replica count when the forecast load reaches the quota.

use super::{E070, Tenant};
use crate::duration::parse_duration;
use crate::model::{Autoscaling, Percent, ScalingStrategy};
use crate::render::verify::ArtifactChecks;
use crate::validate::promql::confine;
use serde_json::{Value, json};

/// The request rate of the tenant 15 minutes ahead, from the last 30 minutes at 1m steps.
pub const PREDICTED_REQUEST_RATE: &str = "predict_linear(sum(rate(tenant_requests_total[5m]))[30m:1m], 900)";
/// The tenant's p99 response time in seconds.
pub const P99_LATENCY: &str = "histogram_quantile(0.99, sum by (le) (rate(tenant_response_time_seconds_bucket[5m])))";
/// Requests per second per replica when neither quota nor rate limit says otherwise.
const DEFAULT_RPS_PER_REPLICA: f64 = 10.0;

/// The HPA or `ScaledObject` of the tenant, when autoscaling is on.
pub(crate) fn objects(k: &Tenant<'_>, checks: &mut ArtifactChecks<'_>) -> Vec<Value> {
    let Some(a) = k.t.tenant.autoscaling.as_ref().filter(|a| a.enabled != Some(false)) else {
        return Vec::new();
    };
    let min = a.min_replicas.unwrap_or(1);
    let Some(max) = a.max_replicas else {
        checks.error(
            E070,
            &["autoscaling", "max_replicas"],
            "autoscaling is enabled without max_replicas: Kubernetes requires an upper bound",
            "set autoscaling.max_replicas, or autoscaling.enabled: false",
        );
        return Vec::new();
    };
    if min > max {
        checks.error(
            E070,
            &["autoscaling", "min_replicas"],
            format!("minReplicas {min} is above maxReplicas {max}: Kubernetes refuses the autoscaler"),
            "lower autoscaling.min_replicas or raise autoscaling.max_replicas",
        );
        return Vec::new();
    }
    let strategy = a.strategy.unwrap_or(ScalingStrategy::Reactive);
    let target = json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": k.t.id});
    match strategy {
        ScalingStrategy::Reactive => {
            if min == 0 {
                checks.error(
                    E070,
                    &["autoscaling", "min_replicas"],
                    "an autoscaling/v2 HPA needs minReplicas >= 1 (0 needs the alpha HPAScaleToZero gate)",
                    "set autoscaling.min_replicas to 1 or more, or use strategy predictive (KEDA scales to zero)",
                );
                return Vec::new();
            }
            let mut spec = json!({"scaleTargetRef": target, "minReplicas": min, "maxReplicas": max});
            let metrics = resource_metrics(a, checks);
            if !metrics.is_empty() {
                spec["metrics"] = Value::Array(metrics);
            }
            vec![json!({
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": k.meta(&k.t.id),
                "spec": spec,
            })]
        }
        ScalingStrategy::Predictive | ScalingStrategy::Scheduled => {
            let mut triggers = if strategy == ScalingStrategy::Predictive {
                predictive_triggers(k, a, max, checks)
            } else {
                cron_triggers(a, max, checks)
            };
            triggers.extend(keda_resource_triggers(a, checks));
            vec![json!({
                "apiVersion": "keda.sh/v1alpha1",
                "kind": "ScaledObject",
                "metadata": k.meta(&k.t.id),
                "spec": {
                    "scaleTargetRef": target,
                    "minReplicaCount": min,
                    "maxReplicaCount": max,
                    "triggers": triggers,
                },
            })]
        }
    }
}

/// The CPU and memory targets as whole percentages (Kubernetes wants integers >= 1).
fn utilization_targets(a: &Autoscaling, checks: &mut ArtifactChecks<'_>) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for (name, value, key) in [
        ("cpu", a.cpu_target_percent, "cpu_target_percent"),
        ("memory", a.memory_target_percent, "memory_target_percent"),
    ] {
        let Some(Percent(p)) = value else { continue };
        let whole = p.round() as i64;
        if whole < 1 {
            checks.error(
                E070,
                &["autoscaling", key],
                format!("a {name} utilization target of {p}% rounds to 0: Kubernetes requires at least 1"),
                "set a target between 1 and 100",
            );
            continue;
        }
        out.push((name, whole));
    }
    out
}

fn resource_metrics(a: &Autoscaling, checks: &mut ArtifactChecks<'_>) -> Vec<Value> {
    utilization_targets(a, checks)
        .into_iter()
        .map(|(name, pct)| {
            json!({"type": "Resource", "resource": {
                "name": name,
                "target": {"type": "Utilization", "averageUtilization": pct},
            }})
        })
        .collect()
}

fn keda_resource_triggers(a: &Autoscaling, checks: &mut ArtifactChecks<'_>) -> Vec<Value> {
    utilization_targets(a, checks)
        .into_iter()
        .map(|(name, pct)| json!({"type": name, "metricType": "Utilization", "metadata": {"value": pct.to_string()}}))
        .collect()
}

/// A decimal text with at most three fractional digits, at least 0.001.
pub fn decimal(v: f64) -> String {
    let millis = (v * 1000.0).round().max(1.0) as u64;
    let (int, frac) = (millis / 1000, millis % 1000);
    if frac == 0 {
        int.to_string()
    } else {
        format!("{int}.{frac:03}").trim_end_matches('0').to_string()
    }
}

/// Requests per second per replica that the predicted load is divided by.
fn rps_per_replica(k: &Tenant<'_>, max: u32) -> f64 {
    let t = &k.t.tenant;
    let tenant_rps = t
        .quotas
        .as_ref()
        .and_then(|q| q.api_requests_per_hour)
        .map(|h| h as f64 / 3600.0)
        .or_else(|| {
            t.performance
                .as_ref()
                .and_then(|p| p.rate_limit_per_second)
                .map(f64::from)
        });
    match tenant_rps {
        Some(rps) => rps / f64::from(max.max(1)),
        None => DEFAULT_RPS_PER_REPLICA,
    }
}

fn confined(k: &Tenant<'_>, expr: &str, checks: &mut ArtifactChecks<'_>) -> Option<String> {
    match confine(expr, k.tenant_label(), &k.t.id) {
        Ok(q) => Some(q),
        Err(e) => {
            checks.error(
                E070,
                &[],
                format!("the KEDA query could not be confined to the tenant: {e:?}"),
                "this is a bug in strata; please report it",
            );
            None
        }
    }
}

fn predictive_triggers(k: &Tenant<'_>, a: &Autoscaling, max: u32, checks: &mut ArtifactChecks<'_>) -> Vec<Value> {
    let server = super::prometheus_url(k.ctx);
    let mut triggers = Vec::new();
    if let Some(query) = confined(k, PREDICTED_REQUEST_RATE, checks) {
        triggers.push(json!({
            "type": "prometheus",
            "name": "predicted-request-rate",
            "metricType": "AverageValue",
            "metadata": {
                "serverAddress": server,
                "query": query,
                "threshold": decimal(rps_per_replica(k, max)),
            },
        }));
    }
    let Some(target) = a.latency_target.as_deref() else {
        return triggers;
    };
    let Some(ms) = parse_duration(target) else {
        checks.error(
            E070,
            &["autoscaling", "latency_target"],
            format!("latency_target `{target}` is not a duration"),
            "use Prometheus duration syntax, such as 500ms",
        );
        return triggers;
    };
    if let Some(query) = confined(k, P99_LATENCY, checks) {
        triggers.push(json!({
            "type": "prometheus",
            "name": "p99-latency",
            "metricType": "Value",
            "metadata": {
                "serverAddress": server,
                "query": query,
                "threshold": decimal(ms as f64 / 1000.0),
            },
        }));
    }
    triggers
}

fn cron_triggers(a: &Autoscaling, max: u32, checks: &mut ArtifactChecks<'_>) -> Vec<Value> {
    let mut triggers = Vec::new();
    if a.schedules.is_empty() {
        checks.error(
            E070,
            &["autoscaling", "strategy"],
            "strategy scheduled without schedules: the ScaledObject would have no cron trigger",
            "add autoscaling.schedules, or use strategy reactive",
        );
    }
    for (name, s) in &a.schedules {
        if s.replicas > max {
            checks.error(
                E070,
                &["autoscaling", "schedules", name, "replicas"],
                format!(
                    "schedule `{name}` asks for {} replicas, above maxReplicas {max}",
                    s.replicas
                ),
                "lower the schedule's replicas or raise autoscaling.max_replicas",
            );
            continue;
        }
        for (field, cron) in [("start", &s.start), ("end", &s.end)] {
            if cron.split_whitespace().count() != 5 {
                checks.error(
                    E070,
                    &["autoscaling", "schedules", name, field],
                    format!("KEDA cron triggers take five-field schedules; `{cron}` is not one"),
                    "write minute hour day-of-month month day-of-week",
                );
            }
        }
        triggers.push(json!({
            "type": "cron",
            "name": name,
            "metadata": {
                "timezone": s.timezone.as_deref().unwrap_or("Etc/UTC"),
                "start": s.start,
                "end": s.end,
                "desiredReplicas": s.replicas.to_string(),
            },
        }));
    }
    triggers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_short_and_positive() {
        assert_eq!(decimal(0.3), "0.3");
        assert_eq!(decimal(1.0), "1");
        assert_eq!(decimal(12.3456), "12.346");
        assert_eq!(decimal(0.0), "0.001");
        assert_eq!(decimal(0.25), "0.25");
    }

    #[test]
    fn fixed_queries_parse() {
        for q in [PREDICTED_REQUEST_RATE, P99_LATENCY] {
            let confined = confine(q, "tenant", "acme").unwrap_or_else(|e| panic!("{e:?}"));
            assert!(confined.contains("tenant=\"acme\""), "{confined}");
        }
    }
}
