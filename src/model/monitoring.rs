//! The `monitoring` section: scrape targets, probes, dashboards and recording rules.

use super::Duration;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Monitoring settings of a tenant.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitoringConfig {
    /// Scrape interval of the tenant's targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scrape_interval: Option<Duration>,
    /// How long metrics are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Duration>,
    /// Static scrape targets keyed by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub targets: IndexMap<String, ScrapeTarget>,
    /// Probes through the blackbox exporter, keyed by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub health_checks: IndexMap<String, HealthCheck>,
    /// Dashboards to generate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dashboards: Vec<Dashboard>,
    /// Recording rules keyed by rule key; `record` defaults to the key.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub recording_rules: IndexMap<String, RecordingRule>,
}

/// A static scrape target.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScrapeTarget {
    /// `host:port` of the target.
    #[schemars(length(min = 1, max = 512))]
    pub address: String,
    /// Metrics path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = "^/"))]
    pub path: Option<String>,
    /// `http` or `https`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<Scheme>,
    /// Extra labels attached to every series of the target.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
}

/// URL scheme of a scrape target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS.
    Https,
}

/// Probe protocol of a health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProbeProtocol {
    /// HTTP(S) GET, 2xx expected.
    Http,
    /// TCP connect.
    Tcp,
    /// gRPC health protocol.
    Grpc,
    /// ICMP echo.
    Icmp,
}

/// A health check probed through the blackbox exporter.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    /// Probe protocol.
    pub protocol: ProbeProtocol,
    /// URL (http) or `host:port` (tcp, grpc) or host (icmp).
    #[schemars(length(min = 1, max = 2048))]
    pub target: String,
    /// Probe interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
}

/// A generated dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Dashboard {
    /// Traffic, errors and saturation at a glance.
    Overview,
    /// Latency and resource use.
    Performance,
    /// Quotas and usage.
    Business,
    /// Firing alerts.
    Alerts,
    /// Error budgets and burn rates.
    Slo,
}

/// A Prometheus recording rule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordingRule {
    /// Name of the recorded series; defaults to the rule key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = "^[a-zA-Z_:][a-zA-Z0-9_:]*$"))]
    pub record: Option<String>,
    /// PromQL expression.
    #[schemars(length(min = 1))]
    pub expr: String,
    /// Labels added to the recorded series.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
}
