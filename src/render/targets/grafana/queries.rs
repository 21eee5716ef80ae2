//! The PromQL of the dashboards. Every query is written against the platform's tenant
//! metrics without a tenant matcher and confined by [`confine_cached`] (never by pasting
//! the id into the text). Values from the config (feature names, SLO metrics) are quoted
//! as PromQL strings by [`promql_string`]; after confinement every `$` and `[` left inside
//! a string literal is written as `\x24` / `\x5b`, so Grafana cannot read a variable
//! (`$name`, `${name}`, `[[name]]`) into a query.

use crate::validate::promql::{PromqlError, confine_cached};

/// Requests per second, all endpoints.
pub const REQUEST_RATE: &str = "sum(rate(tenant_requests_total[5m]))";
/// Requests per second by HTTP status.
pub const REQUEST_RATE_BY_STATUS: &str = "sum by (status) (rate(tenant_requests_total[5m]))";
/// Fraction of requests answered with a 5xx status.
pub const ERROR_RATIO: &str =
    "sum(rate(tenant_requests_total{status=~\"5..\"}[5m])) / sum(rate(tenant_requests_total[5m]))";
/// Latency quantile `q` over five minutes.
pub fn latency_quantile(q: &str) -> String {
    format!("histogram_quantile({q}, sum by (le) (rate(tenant_response_time_seconds_bucket[5m])))")
}
/// Used percentage of the API quota (`tenant_api_quota_usage` is a 0..1 fraction).
pub const QUOTA_PERCENT: &str = "100 * max(tenant_api_quota_usage)";
/// Storage in use, bytes.
pub const STORAGE_BYTES: &str = "max(tenant_storage_usage_bytes)";
/// CPU cores in use.
pub const CPU_CORES: &str = "sum(rate(container_cpu_usage_seconds_total[5m]))";
/// CPU use in percent of the requested cores (what the autoscaler targets).
pub const CPU_PERCENT: &str = "100 * sum(rate(container_cpu_usage_seconds_total[5m])) / sum(kube_pod_container_resource_requests{resource=\"cpu\"})";
/// Memory in use, bytes.
pub const MEMORY_BYTES: &str = "sum(container_memory_working_set_bytes)";
/// Memory use in percent of the requested memory.
pub const MEMORY_PERCENT: &str =
    "100 * sum(container_memory_working_set_bytes) / sum(kube_pod_container_resource_requests{resource=\"memory\"})";
/// Current and desired replicas of the tenant's autoscaler.
pub const REPLICAS_CURRENT: &str = "max(kube_horizontalpodautoscaler_status_current_replicas)";
/// Desired replicas.
pub const REPLICAS_DESIRED: &str = "max(kube_horizontalpodautoscaler_status_desired_replicas)";
/// Requests per second by feature, every feature.
pub const FEATURE_RATE_ALL: &str = "sum by (feature) (rate(tenant_feature_requests_total[5m]))";
/// Requests per feature over the last day, every feature.
pub const FEATURE_DAY_ALL: &str = "sum by (feature) (increase(tenant_feature_requests_total[1d]))";
/// Firing alerts by severity.
pub const FIRING_BY_SEVERITY: &str = "sum by (severity) (ALERTS{alertstate=\"firing\"})";
/// Firing alerts, one series each.
pub const FIRING: &str = "ALERTS{alertstate=\"firing\"}";
/// How often each alert fired over the last day.
pub const ALERT_HISTORY: &str = "sum by (alertname, severity) (count_over_time(ALERTS{alertstate=\"firing\"}[1d]))";
/// How long each active alert has been active, in seconds.
pub const ALERT_ACTIVE_FOR: &str = "max by (alertname, severity) (time() - ALERTS_FOR_STATE)";
/// Critical alerts, for the annotation.
pub const CRITICAL_ALERTS: &str = "ALERTS{alertstate=\"firing\", severity=\"critical\"}";

/// Firing alerts of one severity (0 when none).
pub fn firing_count(severity: &str) -> String {
    format!("count(ALERTS{{alertstate=\"firing\", severity=\"{severity}\"}}) or vector(0)")
}

/// Requests per second of one feature.
pub fn feature_rate(feature: &str) -> String {
    format!(
        "sum(rate(tenant_feature_requests_total{{feature={}}}[5m]))",
        promql_string(feature)
    )
}

/// Requests of one feature over the last day.
pub fn feature_day(feature: &str) -> String {
    format!(
        "sum(increase(tenant_feature_requests_total{{feature={}}}[1d]))",
        promql_string(feature)
    )
}

/// `text` as a double-quoted PromQL string literal, with every character that could end
/// the literal or be read by Grafana escaped.
pub fn promql_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' => out.push_str("\\x24"),
            '[' => out.push_str("\\x5b"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `expr` confined to `tenant` on `label`, with `$` and `[` inside string literals
/// escaped (see the module documentation).
pub fn confined(expr: &str, label: &str, tenant: &str) -> Result<String, PromqlError> {
    let text = confine_cached(expr, label, tenant)?;
    Ok(escape_in_strings(text))
}

/// Escapes `$` and `[` that stand inside double-quoted string literals of `expr` (the
/// printer of the parser writes every literal double-quoted); outside literals `$` is not
/// PromQL and `[` opens a range, which stays.
fn escape_in_strings(expr: String) -> String {
    if !expr.contains(['$', '[']) {
        return expr;
    }
    let mut out = String::with_capacity(expr.len() + 8);
    let mut in_string = false;
    let mut escaped = false;
    for c in expr.chars() {
        if in_string {
            match c {
                _ if escaped => {
                    escaped = false;
                    out.push(c);
                }
                '\\' => {
                    escaped = true;
                    out.push(c);
                }
                '"' => {
                    in_string = false;
                    out.push(c);
                }
                '$' => out.push_str("\\x24"),
                '[' => out.push_str("\\x5b"),
                c => out.push(c),
            }
        } else {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_queries_confine() {
        let fixed = [
            REQUEST_RATE,
            REQUEST_RATE_BY_STATUS,
            ERROR_RATIO,
            QUOTA_PERCENT,
            STORAGE_BYTES,
            CPU_CORES,
            CPU_PERCENT,
            MEMORY_BYTES,
            MEMORY_PERCENT,
            REPLICAS_CURRENT,
            REPLICAS_DESIRED,
            FEATURE_RATE_ALL,
            FEATURE_DAY_ALL,
            FIRING_BY_SEVERITY,
            FIRING,
            ALERT_HISTORY,
            ALERT_ACTIVE_FOR,
            CRITICAL_ALERTS,
        ];
        for q in fixed
            .iter()
            .map(|s| s.to_string())
            .chain([latency_quantile("0.99"), firing_count("critical")])
        {
            let c = confined(&q, "tenant", "acme").unwrap_or_else(|e| panic!("{q}: {e:?}"));
            assert!(c.contains("tenant=\"acme\""), "{c}");
        }
    }

    #[test]
    fn hostile_feature_names_stay_inside_the_string() {
        for name in [
            "a\"}) or up{x=\"",
            "$env ${datasource} [[env]]",
            "line\nbreak\t\\",
            "\u{1}\u{7f}",
        ] {
            let q = confined(&feature_rate(name), "tenant", "acme").unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert!(!q.contains('$'), "{q}");
            assert!(!q.contains("[["), "{q}");
            assert!(!q.contains('\n'), "{q}");
            assert_eq!(q.matches("tenant=\"acme\"").count(), 1, "{q}");
            let ast = promql_parser::parser::parse(&q).unwrap_or_else(|e| panic!("{q}: {e}"));
            let round = ast.to_string();
            assert!(
                round.contains(
                    &name
                        .replace('\\', "\\\\")
                        .replace('"', "\\\"")
                        .replace('\n', "\\n")
                        .replace('\t', "\\t")
                ) || name.contains('\u{1}'),
                "{round}"
            );
        }
    }
}
