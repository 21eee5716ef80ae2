//! The `platform` settings of `defaults.yaml` and `environments/<env>.yaml`.

use super::Duration;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Environment-wide settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "strata platform settings")]
pub struct Platform {
    /// Name of the cluster the environment runs on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub cluster: Option<String>,
    /// Regions tenants may use; replaces the built-in list when set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    /// Prometheus globals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<PrometheusGlobals>,
    /// Alertmanager globals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alertmanager: Option<AlertmanagerGlobals>,
    /// Grafana settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grafana: Option<GrafanaSettings>,
    /// Kubernetes settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<KubernetesSettings>,
}

/// Prometheus globals.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrometheusGlobals {
    /// Default scrape interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scrape_interval: Option<Duration>,
    /// Rule evaluation interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_interval: Option<Duration>,
    /// Labels added to every series and alert leaving this Prometheus.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub external_labels: IndexMap<String, String>,
    /// Alertmanager addresses (`host:port`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alertmanagers: Vec<String>,
    /// Blackbox exporter address (`host:port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blackbox_exporter: Option<String>,
}

/// Alertmanager globals.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerGlobals {
    /// Time after which an alert without updates is resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolve_timeout: Option<Duration>,
    /// SMTP relay for e-mail channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp: Option<Smtp>,
}

/// SMTP relay settings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    /// `host:port` of the relay.
    pub smarthost: String,
    /// Sender address.
    pub from: String,
    /// Login user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_username: Option<String>,
    /// Login password (secret: give it as `${VAR}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-secret" = true))]
    pub auth_password: Option<String>,
    /// File holding the login password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_password_file: Option<String>,
    /// Whether STARTTLS is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_tls: Option<bool>,
}

/// Grafana settings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrafanaSettings {
    /// Uid of the Prometheus datasource the dashboards query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = "^[a-zA-Z0-9_-]{1,40}$"))]
    pub datasource_uid: Option<String>,
    /// Whether each tenant gets its own dashboard folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder_per_tenant: Option<bool>,
}

/// Kubernetes settings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KubernetesSettings {
    /// Prefix of tenant namespaces (`<prefix><tenant id>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = "^[a-z0-9]([-a-z0-9]*)?$"))]
    pub namespace_prefix: Option<String>,
    /// Namespace of the monitoring stack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub monitoring_namespace: Option<String>,
    /// URL of the Prometheus that KEDA's `prometheus` triggers query (strategy
    /// `predictive`); default `http://prometheus-operated.<monitoring_namespace>.svc:9090`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = "^https?://[^\\s]+$"))]
    pub prometheus_url: Option<String>,
    /// Namespace of Velero, where the backup `Schedule`s are written; default `velero`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), length(max = 63))]
    pub velero_namespace: Option<String>,
}
