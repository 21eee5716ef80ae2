//! prometheus-operator resources of a tenant, for clusters that run it:
//! - `PrometheusRule` (`monitoring.coreos.com/v1`) with the same rule groups as
//!   `prometheus/rules/<tenant>.yml` (already confined to the tenant);
//! - `AlertmanagerConfig` (`monitoring.coreos.com/v1alpha1`) with the tenant's route tree
//!   of `alertmanager.yml` and one receiver per channel it uses.
//!
//! Secrets never appear in the manifests: Slack and webhook URLs and PagerDuty routing keys
//! are references into a Secret named `strata-alerting` in the tenant namespace, keys
//! `<channel>-webhook-url` and `<channel>-routing-key`. strata does not write that Secret;
//! the platform team creates it (sealed-secrets, external-secrets, ...).

use super::{ALERTING_SECRET, E070, Tenant};
use crate::model::ChannelType;
use crate::render::targets::alertmanager::{NULL_RECEIVER, go_literal_text, tenant_route};
use crate::render::verify::ArtifactChecks;
use serde_json::{Map, Value, json};

/// The `PrometheusRule` and `AlertmanagerConfig` of the tenant.
pub(crate) fn objects(k: &Tenant<'_>, checks: &mut ArtifactChecks<'_>) -> Vec<Value> {
    let mut docs = Vec::new();
    if !k.rule_groups.is_empty() {
        let mut spec = Map::new();
        spec.insert("groups".into(), Value::Array(k.rule_groups.to_vec()));
        docs.push(json!({
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "PrometheusRule",
            "metadata": k.meta(&k.t.id),
            "spec": Value::Object(spec),
        }));
    }
    docs.push(alertmanager_config(k, checks));
    docs
}

/// Whether `key` is a valid key of a Secret's data.
pub fn is_secret_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn secret_ref(key: String) -> Value {
    json!({"name": ALERTING_SECRET, "key": key})
}

/// Reads back a matcher written by `alertmanager::matcher`: `name="escaped value"`.
fn parse_matcher(text: &str) -> Option<Value> {
    let (name, rest) = text.split_once('=')?;
    let quoted = rest.strip_prefix('"')?.strip_suffix('"')?;
    let mut value = String::with_capacity(quoted.len());
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next()? {
                'n' => value.push('\n'),
                other => value.push(other),
            }
        } else {
            value.push(c);
        }
    }
    Some(json!({"name": name, "value": value, "matchType": "="}))
}

/// The Alertmanager route of `alertmanager.yml` in the CRD's camelCase, with receivers
/// named by channel (the operator prefixes them with namespace and object name).
fn convert_route(route: &Value, prefix: &str) -> Value {
    let mut out = Map::new();
    let Some(map) = route.as_object() else {
        return Value::Object(out);
    };
    for (key, value) in map {
        match key.as_str() {
            "receiver" => {
                let name = value.as_str().unwrap_or(NULL_RECEIVER);
                out.insert("receiver".into(), json!(name.strip_prefix(prefix).unwrap_or(name)));
            }
            "matchers" => {
                let matchers: Vec<Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m.as_str().and_then(parse_matcher))
                    .collect();
                out.insert("matchers".into(), Value::Array(matchers));
            }
            "routes" => {
                let routes: Vec<Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| convert_route(r, prefix))
                    .collect();
                out.insert("routes".into(), Value::Array(routes));
            }
            "group_by" => _ = out.insert("groupBy".into(), value.clone()),
            "group_wait" => _ = out.insert("groupWait".into(), value.clone()),
            "group_interval" => _ = out.insert("groupInterval".into(), value.clone()),
            "repeat_interval" => _ = out.insert("repeatInterval".into(), value.clone()),
            other => _ = out.insert(other.to_string(), value.clone()),
        }
    }
    Value::Object(out)
}

fn alertmanager_config(k: &Tenant<'_>, checks: &mut ArtifactChecks<'_>) -> Value {
    let (route, used) = tenant_route(k.ctx, k.t);
    let prefix = format!("{}/", k.t.id);
    let mut receivers = vec![json!({"name": NULL_RECEIVER})];
    let channels = k.t.tenant.alerting.iter().flat_map(|a| &a.channels);
    for (name, channel) in channels.filter(|(name, _)| used.contains(name)) {
        let send_resolved = channel
            .send_resolved
            .unwrap_or(matches!(channel.kind, ChannelType::Webhook | ChannelType::Pagerduty));
        if name == NULL_RECEIVER {
            checks.error(
                E070,
                &["alerting", "channels", name],
                format!("channel name `{NULL_RECEIVER}` is taken by strata's drop receiver"),
                "rename the channel",
            );
            continue;
        }
        let (field, key_suffix) = match channel.kind {
            ChannelType::Slack => ("slackConfigs", Some("webhook-url")),
            ChannelType::Webhook => ("webhookConfigs", Some("webhook-url")),
            ChannelType::Pagerduty => ("pagerdutyConfigs", Some("routing-key")),
            ChannelType::Email => ("emailConfigs", None),
        };
        let mut config = Map::new();
        if let Some(suffix) = key_suffix {
            let key = format!("{name}-{suffix}");
            if !is_secret_key(&key) {
                checks.error(
                    E070,
                    &["alerting", "channels", name],
                    format!(
                        "channel name `{}` does not make a valid Secret key (`{}`)",
                        super::truncated(name),
                        super::truncated(&key)
                    ),
                    "name channels with letters, digits, `-`, `_` and `.` only",
                );
                continue;
            }
            let secret = secret_ref(key);
            match channel.kind {
                ChannelType::Slack => {
                    config.insert("apiURL".into(), secret);
                    if let Some(c) = &channel.channel {
                        config.insert("channel".into(), json!(go_literal_text(c)));
                    }
                }
                ChannelType::Webhook => _ = config.insert("urlSecret".into(), secret),
                _ => _ = config.insert("routingKey".into(), secret),
            }
        } else {
            let to = channel.to.as_deref().unwrap_or("");
            config.insert("to".into(), json!(go_literal_text(to)));
        }
        config.insert("sendResolved".into(), json!(send_resolved));
        receivers.push(json!({"name": name, field: [config]}));
    }
    json!({
        "apiVersion": "monitoring.coreos.com/v1alpha1",
        "kind": "AlertmanagerConfig",
        "metadata": k.meta(&k.t.id),
        "spec": {
            "route": convert_route(&route, &prefix),
            "receivers": receivers,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::targets::alertmanager::matcher;

    #[test]
    fn matchers_read_back() {
        for v in ["acme", "a\"b", "x\\y", "line\nbreak", "{{ x }}"] {
            let m = parse_matcher(&matcher("tenant", v));
            assert_eq!(
                m,
                Some(json!({"name": "tenant", "value": v, "matchType": "="})),
                "{v:?}"
            );
        }
        assert_eq!(parse_matcher("no-quotes"), None);
    }

    #[test]
    fn route_in_camel_case() {
        let route = json!({
            "matchers": ["tenant=\"a\""], "receiver": "strata-null", "group_by": ["alertname"],
            "group_wait": "30s", "routes": [{"matchers": ["severity=\"critical\""], "receiver": "strata-null",
            "routes": [{"receiver": "a/pager", "continue": true}]}],
        });
        let out = convert_route(&route, "a/");
        assert_eq!(out["groupBy"], json!(["alertname"]));
        assert_eq!(out["groupWait"], "30s");
        assert_eq!(
            out["routes"][0]["routes"][0],
            json!({"receiver": "pager", "continue": true})
        );
        assert_eq!(out["matchers"][0]["value"], "a");
    }

    #[test]
    fn secret_keys() {
        assert!(is_secret_key("team-slack-webhook-url"));
        assert!(!is_secret_key("a/b"));
        assert!(!is_secret_key(""));
    }
}
