//! What each dashboard shows, with thresholds from the tenant's own config: the latency
//! target, the quota alert percentages, the autoscaling bounds and targets, SLO
//! objectives.

use super::model::{Builder, Field, Query};
use super::panels::Kind::{Bargauge, Gauge, Stat, Table, Timeseries};
use super::panels::Origin;
use super::queries as q;
use super::text::short_title;
use crate::duration::parse_duration;
use crate::model::{Dashboard, Percent, Tenant, ThresholdRule};

/// The tenant values the dashboards draw thresholds from.
pub struct Limits {
    /// `autoscaling.latency_target`, seconds.
    pub latency_target: Option<f64>,
    /// API quota warning and critical percent (`alerting.builtin_rules.api_quota`).
    pub quota: (Option<f64>, Option<f64>),
    /// Storage warning and critical percent.
    pub storage: (Option<f64>, Option<f64>),
    /// Whether the tenant has an API quota.
    pub has_api_quota: bool,
    /// `quotas.storage_gb` in bytes.
    pub storage_bytes: Option<f64>,
    /// `quotas.cpu_cores`.
    pub cpu_cores: Option<f64>,
    /// `quotas.memory_gb` in bytes.
    pub memory_bytes: Option<f64>,
    /// Autoscaling bounds.
    pub replicas: (Option<f64>, Option<f64>),
    /// Autoscaling CPU and memory targets, percent.
    pub targets: (Option<f64>, Option<f64>),
    /// Highest acceptable error ratio (from the `availability` SLO), 0..1.
    pub error_budget: Option<f64>,
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

fn percents(rule: Option<&ThresholdRule>, warning: f64, critical: Option<f64>) -> (Option<f64>, Option<f64>) {
    let pick = |p: Option<Percent>, d: Option<f64>| p.map(|p| p.0).or(d);
    (
        pick(rule.and_then(|r| r.warning_percent), Some(warning)),
        pick(rule.and_then(|r| r.critical_percent), critical),
    )
}

impl Limits {
    /// The limits of `t`. Defaults match the built-in alert rules.
    pub fn of(t: &Tenant) -> Self {
        let builtin = t.alerting.as_ref().and_then(|a| a.builtin_rules.as_ref());
        let quotas = t.quotas.as_ref();
        let scaling = t.autoscaling.as_ref();
        let error_budget = t
            .slos
            .get("availability")
            .map(|s| (100.0 - s.objective.0) / 100.0)
            .filter(|b| *b > 0.0);
        Self {
            latency_target: scaling
                .and_then(|a| a.latency_target.as_deref())
                .and_then(parse_duration)
                .map(|ms| ms as f64 / 1000.0),
            quota: percents(builtin.and_then(|b| b.api_quota.as_ref()), 80.0, Some(95.0)),
            storage: percents(builtin.and_then(|b| b.storage.as_ref()), 85.0, None),
            has_api_quota: quotas.and_then(|q| q.api_requests_per_hour).is_some_and(|n| n > 0),
            storage_bytes: quotas
                .and_then(|q| q.storage_gb)
                .filter(|g| *g > 0)
                .map(|g| g as f64 * GIB),
            cpu_cores: quotas.and_then(|q| q.cpu_cores).filter(|c| *c > 0.0),
            memory_bytes: quotas.and_then(|q| q.memory_gb).filter(|g| *g > 0.0).map(|g| g * GIB),
            replicas: (
                scaling.and_then(|a| a.min_replicas).map(f64::from),
                scaling.and_then(|a| a.max_replicas).map(f64::from),
            ),
            targets: (
                scaling.and_then(|a| a.cpu_target_percent).map(|p| p.0),
                scaling.and_then(|a| a.memory_target_percent).map(|p| p.0),
            ),
            error_budget,
        }
    }
}

const LATENCY: &[&str] = &["autoscaling", "latency_target"];

fn latency_panel(b: &mut Builder<'_>, l: &Limits, size: (u32, u32)) {
    b.panel(
        Timeseries,
        "Latency p50 / p99 vs target",
        size,
        Field::unit("s")
            .step("red", l.latency_target)
            .lines()
            .range(Some(0.0), None),
        vec![
            Query::range(q::latency_quantile("0.5"), "p50"),
            Query::range(q::latency_quantile("0.99"), "p99"),
        ],
    );
}

fn quota_gauge(b: &mut Builder<'_>, l: &Limits, size: (u32, u32)) {
    if l.has_api_quota {
        b.panel(
            Gauge,
            "API quota used",
            size,
            Field::unit("percent")
                .range(Some(0.0), Some(100.0))
                .step("orange", l.quota.0)
                .step("red", l.quota.1),
            vec![Query::instant(q::QUOTA_PERCENT, "").from(&["quotas", "api_requests_per_hour"])],
        );
    }
}

/// Request rate, error ratio, latency against the target, quota use.
pub fn overview(b: &mut Builder<'_>, l: &Limits) {
    b.panel(
        Stat,
        "Request rate",
        (6, 4),
        Field::unit("reqps"),
        vec![Query::instant(q::REQUEST_RATE, "")],
    );
    b.panel(
        Stat,
        "Error ratio",
        (6, 4),
        Field::unit("percentunit").step("red", l.error_budget),
        vec![Query::instant(q::ERROR_RATIO, "").from(&["slos", "availability", "objective"])],
    );
    b.panel(
        Stat,
        "Latency p99",
        (6, 4),
        Field::unit("s").step("red", l.latency_target),
        vec![Query::instant(q::latency_quantile("0.99"), "").from(LATENCY)],
    );
    quota_gauge(b, l, (6, 4));
    b.panel(
        Timeseries,
        "Requests by status",
        (12, 8),
        Field::unit("reqps").range(Some(0.0), None),
        vec![Query::range(q::REQUEST_RATE_BY_STATUS, "{{status}}")],
    );
    latency_panel(b, l, (12, 8));
    b.panel(
        Timeseries,
        "Error ratio",
        (12, 8),
        Field::unit("percentunit")
            .step("red", l.error_budget)
            .lines()
            .range(Some(0.0), None),
        vec![Query::range(q::ERROR_RATIO, "errors")],
    );
    if l.has_api_quota {
        b.panel(
            Timeseries,
            "API quota use",
            (12, 8),
            Field::unit("percent")
                .range(Some(0.0), Some(100.0))
                .step("orange", l.quota.0)
                .step("red", l.quota.1)
                .lines(),
            vec![Query::range(q::QUOTA_PERCENT, "quota used")],
        );
    }
}

/// CPU, memory and replicas against quotas and autoscaling bounds, and latency.
pub fn performance(b: &mut Builder<'_>, l: &Limits) {
    b.panel(
        Timeseries,
        "CPU cores vs quota",
        (12, 8),
        Field::unit("short")
            .step("red", l.cpu_cores)
            .lines()
            .range(Some(0.0), None),
        vec![Query::range(q::CPU_CORES, "cores").from(&["quotas", "cpu_cores"])],
    );
    b.panel(
        Timeseries,
        "Memory vs quota",
        (12, 8),
        Field::unit("bytes")
            .step("red", l.memory_bytes)
            .lines()
            .range(Some(0.0), None),
        vec![Query::range(q::MEMORY_BYTES, "working set").from(&["quotas", "memory_gb"])],
    );
    b.panel(
        Timeseries,
        "CPU use vs autoscaling target",
        (12, 8),
        Field::unit("percent")
            .step("orange", l.targets.0)
            .lines()
            .range(Some(0.0), None),
        vec![Query::range(q::CPU_PERCENT, "cpu").from(&["autoscaling", "cpu_target_percent"])],
    );
    b.panel(
        Timeseries,
        "Memory use vs autoscaling target",
        (12, 8),
        Field::unit("percent")
            .step("orange", l.targets.1)
            .lines()
            .range(Some(0.0), None),
        vec![Query::range(q::MEMORY_PERCENT, "memory").from(&["autoscaling", "memory_target_percent"])],
    );
    let replicas = || {
        Field::unit("short")
            .base("orange")
            .step("green", l.replicas.0)
            .step("red", l.replicas.1)
            .range(Some(0.0), l.replicas.1)
    };
    b.panel(
        Timeseries,
        "Replicas vs autoscaling min / max",
        (18, 8),
        replicas().lines(),
        vec![
            Query::range(q::REPLICAS_CURRENT, "current").from(&["autoscaling", "max_replicas"]),
            Query::range(q::REPLICAS_DESIRED, "desired").from(&["autoscaling", "max_replicas"]),
        ],
    );
    b.panel(
        Stat,
        "Replicas",
        (6, 8),
        replicas(),
        vec![Query::instant(q::REPLICAS_CURRENT, "").from(&["autoscaling", "min_replicas"])],
    );
    latency_panel(b, l, (24, 8));
}

/// Usage of each feature the tenant has, and quota use.
pub fn business(b: &mut Builder<'_>, l: &Limits, features: &[String]) {
    let rates: Vec<Query> = features
        .iter()
        .map(|f| Query::range(q::feature_rate(f), "{{feature}}").from(&["features"]))
        .collect();
    let days: Vec<Query> = features
        .iter()
        .map(|f| Query::instant(q::feature_day(f), "{{feature}}").from(&["features"]))
        .collect();
    let (rates, days) = if features.is_empty() {
        (
            vec![Query::range(q::FEATURE_RATE_ALL, "{{feature}}")],
            vec![Query::instant(q::FEATURE_DAY_ALL, "{{feature}}")],
        )
    } else {
        (rates, days)
    };
    b.panel(
        Timeseries,
        "Requests per feature",
        (24, 8),
        Field::unit("reqps").range(Some(0.0), None),
        rates,
    );
    b.panel(
        Bargauge,
        "Requests per feature, last 24h",
        (12, 8),
        Field::unit("short"),
        days,
    );
    quota_gauge(b, l, (6, 8));
    if let Some(bytes) = l.storage_bytes {
        let at = |p: Option<f64>| p.map(|p| bytes * p / 100.0);
        b.panel(
            Gauge,
            "Storage used",
            (6, 8),
            Field::unit("bytes")
                .range(Some(0.0), Some(bytes))
                .step("orange", at(l.storage.0))
                .step("red", at(l.storage.1)),
            vec![Query::instant(q::STORAGE_BYTES, "").from(&["quotas", "storage_gb"])],
        );
    }
    for (i, f) in features.iter().enumerate() {
        b.panel(
            Stat,
            &format!("Feature: {}", short_title(f, 60)),
            (6, 4),
            Field::unit("reqps"),
            vec![Query::instant(q::feature_rate(f), "").from(&["features"])],
        );
        if let Some(last) = b.panels.last_mut() {
            last.origin = Origin::at(&["features", &i.to_string()]);
        }
    }
}

/// Firing alerts by severity and the alert history.
pub fn alerts(b: &mut Builder<'_>) {
    for (severity, color) in [("critical", "red"), ("warning", "orange"), ("info", "blue")] {
        let title = match severity {
            "critical" => "Critical alerts firing",
            "warning" => "Warning alerts firing",
            _ => "Info alerts firing",
        };
        b.panel(
            Stat,
            title,
            (8, 4),
            Field::unit("none").step(color, Some(1.0)),
            vec![Query::instant(q::firing_count(severity), "")],
        );
    }
    b.panel(
        Timeseries,
        "Firing alerts by severity",
        (24, 8),
        Field::unit("none").range(Some(0.0), None),
        vec![Query::range(q::FIRING_BY_SEVERITY, "{{severity}}")],
    );
    b.panel(
        Table,
        "Firing alerts",
        (12, 10),
        Field::unit("none"),
        vec![Query::instant(q::FIRING, "")],
    );
    b.panel(
        Table,
        "Active for (ALERTS_FOR_STATE)",
        (12, 10),
        Field::unit("s"),
        vec![Query::instant(q::ALERT_ACTIVE_FOR, "")],
    );
    b.panel(
        Bargauge,
        "Alert history, last 24h (evaluations firing)",
        (24, 8),
        Field::unit("none"),
        vec![Query::instant(q::ALERT_HISTORY, "{{alertname}} ({{severity}})")],
    );
}

/// Runs the builder of `kind`.
pub fn build(kind: Dashboard, b: &mut Builder<'_>, t: &Tenant) {
    let limits = Limits::of(t);
    match kind {
        Dashboard::Overview => overview(b, &limits),
        Dashboard::Performance => performance(b, &limits),
        Dashboard::Business => business(b, &limits, &t.features),
        Dashboard::Alerts => alerts(b),
        Dashboard::Slo => super::slo::slo(b, t),
    }
}
