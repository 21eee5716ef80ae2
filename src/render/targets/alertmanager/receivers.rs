//! One Alertmanager 0.25 receiver per tenant channel, named `<tenant>/<channel>`.
//!
//! Field names follow Alertmanager 0.25's configuration format: `slack_configs`
//! (`api_url` / `api_url_file`, `channel`, `title`, `text`), `email_configs` (`to`,
//! `html`, `headers`), `webhook_configs` (`url`) and `pagerduty_configs` (`routing_key` /
//! `routing_key_file`, `description`, `severity`). Fields Alertmanager expands as Go
//! templates (`channel`, `to`, `routing_key`) are made inert so a value renders to itself.

use super::templates::{call, go_literal_text};
use crate::model::{Channel, ChannelType};
use serde_json::{Map, Value, json};

/// The receiver that drops what reaches it: the root route's fallback and the fallback of
/// each tenant route (alerts without a tenant, or of a severity a tenant routes nowhere).
pub const NULL_RECEIVER: &str = "strata-null";

/// Name of the receiver of `channel` of tenant `tenant`. Tenant ids are DNS labels (no
/// `/`), so names of different tenants never collide, and none equals [`NULL_RECEIVER`].
pub fn receiver_name(tenant: &str, channel: &str) -> String {
    format!("{tenant}/{channel}")
}

/// Alertmanager's own `send_resolved` default of each integration, written explicitly.
fn default_send_resolved(kind: ChannelType) -> bool {
    matches!(kind, ChannelType::Webhook | ChannelType::Pagerduty)
}

/// The receiver of one channel, using the templates of locale `lang`.
pub fn receiver(name: &str, channel: &Channel, lang: &str) -> Value {
    let mut config = Map::new();
    let send_resolved = channel
        .send_resolved
        .unwrap_or_else(|| default_send_resolved(channel.kind));
    let key = match channel.kind {
        ChannelType::Slack => {
            if let Some(file) = &channel.webhook_url_file {
                config.insert("api_url_file".into(), json!(file));
            } else if let Some(url) = &channel.webhook_url {
                config.insert("api_url".into(), json!(url));
            }
            if let Some(c) = &channel.channel {
                config.insert("channel".into(), json!(go_literal_text(c)));
            }
            config.insert("send_resolved".into(), json!(send_resolved));
            config.insert("title".into(), json!(call("slack.title", lang)));
            config.insert("text".into(), json!(call("slack.text", lang)));
            "slack_configs"
        }
        ChannelType::Email => {
            config.insert("to".into(), json!(go_literal_text(channel.to.as_deref().unwrap_or(""))));
            config.insert("send_resolved".into(), json!(send_resolved));
            config.insert("html".into(), json!(call("email.html", lang)));
            config.insert("headers".into(), json!({"Subject": call("email.subject", lang)}));
            "email_configs"
        }
        ChannelType::Webhook => {
            let Some(url) = &channel.url else {
                return json!({"name": name});
            };
            config.insert("url".into(), json!(url));
            config.insert("send_resolved".into(), json!(send_resolved));
            "webhook_configs"
        }
        ChannelType::Pagerduty => {
            if let Some(file) = &channel.routing_key_file {
                config.insert("routing_key_file".into(), json!(file));
            } else if let Some(key) = &channel.routing_key {
                config.insert("routing_key".into(), json!(go_literal_text(key)));
            }
            config.insert("send_resolved".into(), json!(send_resolved));
            config.insert("description".into(), json!(call("pagerduty.description", lang)));
            config.insert(
                "severity".into(),
                json!("{{ if .CommonLabels.severity }}{{ .CommonLabels.severity }}{{ else }}error{{ end }}"),
            );
            "pagerduty_configs"
        }
    };
    json!({"name": name, key: [config]})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(kind: &str, extra: Value) -> Channel {
        let mut v = json!({"type": kind});
        if let (Some(m), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            m.extend(e.clone());
        }
        serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn each_kind_uses_alertmanager_field_names() {
        let slack = receiver(
            "a/s",
            &channel("slack", json!({"webhook_url_file": "/f", "channel": "#x"})),
            "de",
        );
        assert_eq!(slack["slack_configs"][0]["api_url_file"], "/f");
        assert_eq!(slack["slack_configs"][0]["send_resolved"], false);
        assert_eq!(
            slack["slack_configs"][0]["title"],
            "{{ template \"strata.slack.title.de\" . }}"
        );
        let mail = receiver(
            "a/m",
            &channel("email", json!({"to": "x@y.z", "send_resolved": true})),
            "fr",
        );
        assert_eq!(mail["email_configs"][0]["to"], "x@y.z");
        assert_eq!(mail["email_configs"][0]["send_resolved"], true);
        let hook = receiver("a/w", &channel("webhook", json!({"url": "https://h"})), "en");
        assert_eq!(
            hook["webhook_configs"][0],
            json!({"url": "https://h", "send_resolved": true})
        );
        let pd = receiver("a/p", &channel("pagerduty", json!({"routing_key": "k{{x"})), "en");
        assert_eq!(pd["pagerduty_configs"][0]["routing_key"], "k{{ \"{{\" }}x");
    }
}
