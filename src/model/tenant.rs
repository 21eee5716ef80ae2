//! The tenant document (SPEC section 1) and its smaller sections.

use super::{AlertingConfig, Duration, MonitoringConfig, Percent};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One tenant of the platform: the document in `tenants/<id>.yaml`, merged over the
/// `tenant_defaults` of `defaults.yaml` and the environment file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "strata tenant document")]
pub struct Tenant {
    /// Tenant id: equals the file stem; a DNS label.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Address of the tenant's administrative contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// Commercial tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    /// Cloud region the tenant runs in, such as `eu-west-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Language of notifications; falls back to the project's `default_locale`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[a-z]{2}(-[A-Z]{2})?$"))]
    pub locale: Option<String>,
    /// How long the tenant's personal data may be kept (GDPR storage limitation), such as
    /// `90d`; metrics retention must not exceed it (policy GDPR-003).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_retention: Option<Duration>,
    /// Compliance frameworks whose policies apply to this tenant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compliance: Vec<Framework>,
    /// Product features enabled for the tenant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// Resource quotas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quotas: Option<Quotas>,
    /// Horizontal autoscaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    /// Scrape targets, health checks, dashboards and recording rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<MonitoringConfig>,
    /// Notification channels, routing, escalation and alert rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerting: Option<AlertingConfig>,
    /// Service level objectives, keyed by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub slos: IndexMap<String, Slo>,
    /// Security settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<Security>,
    /// Application performance settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance: Option<Performance>,
    /// Backup schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<Backup>,
    /// Exceptions to policy rules, each with a reason and an expiry date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<Waiver>,
}

/// Commercial tier of a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Free tier.
    Free,
    /// Paid tier.
    Premium,
    /// Enterprise tier.
    Enterprise,
}

/// A compliance framework with a built-in policy pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    /// SOC 2.
    Soc2,
    /// EU General Data Protection Regulation.
    Gdpr,
    /// US Health Insurance Portability and Accountability Act.
    Hipaa,
}

/// Resource quotas of a tenant.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quotas {
    /// API requests allowed per hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_requests_per_hour: Option<u64>,
    /// Storage in GiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_gb: Option<u64>,
    /// CPU cores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub cpu_cores: Option<f64>,
    /// Memory in GiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub memory_gb: Option<f64>,
}

/// How replicas are scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScalingStrategy {
    /// Scale on observed CPU and memory.
    Reactive,
    /// Scale ahead of forecast load.
    Predictive,
    /// Scale on a time schedule.
    Scheduled,
}

/// Horizontal autoscaling settings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("allOf" = [
    {"if": {"properties": {"strategy": {"const": "scheduled"}}, "required": ["strategy"]},
     "then": {"required": ["schedules"]}}
]))]
pub struct Autoscaling {
    /// Whether autoscaling is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Scaling strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<ScalingStrategy>,
    /// Lowest replica count; at most `max_replicas`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 10000))]
    pub min_replicas: Option<u32>,
    /// Highest replica count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 10000))]
    pub max_replicas: Option<u32>,
    /// Target CPU utilisation in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_target_percent: Option<Percent>,
    /// Target memory utilisation in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_target_percent: Option<Percent>,
    /// Target request latency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_target: Option<Duration>,
    /// Replica counts on a time schedule (strategy `scheduled`), keyed by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub schedules: IndexMap<String, ScalingSchedule>,
}

/// A time window with a fixed replica count, such as business hours.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScalingSchedule {
    /// Cron schedule (five fields) at which the window starts.
    pub start: String,
    /// Cron schedule (five fields) at which the window ends.
    pub end: String,
    /// Replicas during the window.
    #[schemars(range(min = 1, max = 10000))]
    pub replicas: u32,
    /// IANA time zone of the schedules, such as `Europe/Berlin`; UTC when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(UTC|[A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2})$"))]
    pub timezone: Option<String>,
}

/// A service level objective.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    /// Percent of good events over the window.
    pub objective: Percent,
    /// Window the objective is measured over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Duration>,
    /// PromQL counting good events; `{{window}}` is replaced by the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good: Option<String>,
    /// PromQL counting all events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
    /// Latency objective: requests faster than `threshold` are good.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencySli>,
    /// Severities of the fast (page) and slow (ticket) burn-rate alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerting: Option<SloAlerting>,
}

/// A latency indicator over a histogram metric.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencySli {
    /// Histogram metric name (without `_bucket`).
    #[schemars(regex(pattern = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"))]
    pub metric: String,
    /// Latency threshold: requests at or below it are good.
    pub threshold: Duration,
    /// Upper bounds (`le`) of the histogram's buckets in seconds, as the application
    /// declares them; when given, `threshold` must be one of them (a rate between two
    /// boundaries cannot be measured).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<f64>,
}

/// Severities of SLO burn-rate alerts.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SloAlerting {
    /// Severity of the fast-burn alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<super::Severity>,
    /// Severity of the slow-burn alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<super::Severity>,
    /// Runbook linked from both alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook_url: Option<String>,
}

/// Tenant isolation mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Isolation {
    /// Dedicated namespace and network policy.
    Strict,
    /// Shared resources.
    Shared,
}

/// Encryption algorithm at rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Encryption {
    /// AES-256 in GCM mode.
    #[serde(rename = "AES-256-GCM")]
    Aes256Gcm,
    /// AES-256 in CBC mode.
    #[serde(rename = "AES-256-CBC")]
    Aes256Cbc,
    /// ChaCha20-Poly1305.
    #[serde(rename = "ChaCha20-Poly1305")]
    ChaCha20Poly1305,
    /// No encryption.
    #[serde(rename = "none")]
    None,
}

/// Security settings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Security {
    /// Encryption at rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<Encryption>,
    /// Isolation mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolation: Option<Isolation>,
    /// Whether audit logging is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_logging: Option<bool>,
    /// Days between key rotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 3650))]
    pub key_rotation_days: Option<u32>,
    /// Namespaces allowed to reach the tenant's namespace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_ingress_namespaces: Vec<String>,
}

/// Application performance settings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Performance {
    /// Cache entry lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_ttl: Option<Duration>,
    /// Connection pool size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100000))]
    pub connection_pool: Option<u32>,
    /// Whether the circuit breaker is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circuit_breaker: Option<bool>,
    /// Request rate limit per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_second: Option<u32>,
}

/// Backup schedule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    /// Whether backups run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Cron schedule (five fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Days a backup is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 3650))]
    pub retention_days: Option<u32>,
}

/// An exception to one policy rule for this tenant, until a date.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Policy rule id, such as `GDPR-002`.
    pub rule: String,
    /// Why the exception is needed.
    pub reason: String,
    /// Last day the waiver applies (YYYY-MM-DD).
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub expires: String,
}
