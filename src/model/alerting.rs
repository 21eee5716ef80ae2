//! The `alerting` section: channels, routing, escalation, rules and alert tests.

use super::{Duration, Percent};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Alerting settings of a tenant.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertingConfig {
    /// Notification channels keyed by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub channels: IndexMap<String, Channel>,
    /// Grouping, timing and the channels of each severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<Routing>,
    /// Extra channels notified when an alert is still firing after a delay.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalation: Vec<Escalation>,
    /// Alerting rules keyed by rule key; `alert` defaults to the key.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub rules: IndexMap<String, AlertRule>,
    /// Rules generated from quotas and thresholds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builtin_rules: Option<BuiltinRules>,
    /// Alert unit tests, compiled to promtool test files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<AlertTest>,
}

/// Severity of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Info,
    /// Needs attention soon.
    Warning,
    /// Needs attention now.
    Critical,
}

/// Kind of notification channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChannelType {
    /// Slack incoming webhook.
    Slack,
    /// E-mail through the platform's SMTP relay.
    Email,
    /// Generic webhook.
    Webhook,
    /// PagerDuty Events API v2.
    Pagerduty,
}

/// A notification channel. Which fields are required depends on `type`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("allOf" = [
    {"if": {"properties": {"type": {"const": "slack"}}},
     "then": {"oneOf": [{"required": ["webhook_url"]}, {"required": ["webhook_url_file"]}]}},
    {"if": {"properties": {"type": {"const": "email"}}}, "then": {"required": ["to"]}},
    {"if": {"properties": {"type": {"const": "webhook"}}}, "then": {"required": ["url"]}},
    {"if": {"properties": {"type": {"const": "pagerduty"}}},
     "then": {"oneOf": [{"required": ["routing_key"]}, {"required": ["routing_key_file"]}]}}
]))]
pub struct Channel {
    /// Channel kind.
    #[serde(rename = "type")]
    pub kind: ChannelType,
    /// Slack incoming-webhook URL (secret: give it as `${VAR}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-secret" = true))]
    pub webhook_url: Option<String>,
    /// File holding the Slack webhook URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url_file: Option<String>,
    /// Slack channel, such as `#alerts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = "^[#@]?[a-z0-9][a-z0-9._-]{0,79}$"))]
    pub channel: Option<String>,
    /// E-mail recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Webhook URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// PagerDuty routing key (secret: give it as `${VAR}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-secret" = true))]
    pub routing_key: Option<String>,
    /// File holding the PagerDuty routing key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_key_file: Option<String>,
    /// Whether resolved alerts are sent too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
}

/// Alert grouping and the channels per severity.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Routing {
    /// Labels alerts are grouped by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_by: Vec<String>,
    /// Wait before the first notification of a group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_wait: Option<Duration>,
    /// Wait before notifying about new alerts of a group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_interval: Option<Duration>,
    /// Wait before repeating a notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_interval: Option<Duration>,
    /// Channels notified for each severity.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub severities: IndexMap<Severity, Vec<String>>,
}

/// One escalation step.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// How long the alert must have fired.
    pub after: Duration,
    /// Severity the step applies to.
    pub severity: Severity,
    /// Channels notified in addition.
    #[schemars(length(min = 1))]
    pub notify: Vec<String>,
}

/// A Prometheus alerting rule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// Alert name; defaults to the rule key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = "^[a-zA-Z_][a-zA-Z0-9_]*$"))]
    pub alert: Option<String>,
    /// PromQL expression.
    #[schemars(length(min = 1))]
    pub expr: String,
    /// How long the condition must hold before the alert fires.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<Duration>,
    /// How long the alert keeps firing after the condition clears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_firing_for: Option<Duration>,
    /// Severity.
    pub severity: Severity,
    /// One-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Longer description; Go templates allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Link to the runbook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook_url: Option<String>,
    /// Extra labels.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
    /// Extra annotations.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub annotations: IndexMap<String, String>,
}

/// Rules generated from quotas and thresholds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuiltinRules {
    /// API quota usage alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_quota: Option<ThresholdRule>,
    /// Latency alert against `autoscaling.latency_target`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<ThresholdRule>,
    /// Storage usage alerts against `quotas.storage_gb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<ThresholdRule>,
}

/// A generated threshold rule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdRule {
    /// Whether the rule is generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Usage percent that raises a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning_percent: Option<Percent>,
    /// Usage percent that raises a critical alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical_percent: Option<Percent>,
}

/// An alert unit test.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertTest {
    /// Test name.
    pub name: String,
    /// Sample interval of the input series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// Input series in promtool notation, keyed by series selector.
    pub series: IndexMap<String, String>,
    /// Alerts expected at given times.
    pub expect: Vec<AlertExpectation>,
}

/// An alert expected to fire (or not) at a time.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertExpectation {
    /// Evaluation time.
    pub at: Duration,
    /// Alert name.
    pub alert: String,
    /// Whether the alert fires (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firing: Option<bool>,
    /// Expect the escalation copy of this step (its `after`) instead of the alert itself;
    /// list both to expect both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<Duration>,
    /// Labels the firing alert carries from its expression (the rule's own labels,
    /// severity and tenant are added).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
    /// Annotations as promtool expands them (needed for annotations with templates).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub annotations: IndexMap<String, String>,
}
