//! Slack: Block Kit message templates, `<env>/slack/<tenant>/<severity>.<locale>.json`,
//! one file per severity in the tenant's locale (see `docs/slack.md`).
//!
//! A file is one JSON object, one message per line, keyed by alert name: every alerting
//! rule of the tenant of that severity (its own rules and the built-in ones, as in the
//! Prometheus rule file), each escalation copy as `<alert>/escalation=<after>`, then `*`,
//! the generic message for any other alert of the severity. A message is
//! `{"blocks": [...]}` (see [`blocks`]) holding Go-template placeholders
//! (`{{ .Labels.alertname }}`, ...) a sender fills from the Alertmanager alert.
//!
//! Every message is checked against the Block Kit limits ([`limits`]) before it is
//! written; text is truncated as it is built, so a violation is a bug (STRATA-E073). A
//! `runbook_url` that is not a usable http(s) URL gets no button and a warning
//! (STRATA-E074).

pub mod blocks;
pub mod limits;
pub mod sample;
pub mod texts;

use crate::model::{AlertRule, Severity};
use crate::render::targets::alertmanager::severity_name;
use crate::render::targets::prometheus::{all_alerts, rule_labels};
use crate::render::verify::ArtifactChecks;
use crate::render::{EnvContext, TenantModel};
use crate::write::Artifact;
use blocks::{AlertSpec, Message, Meta, alert_message, context, generic_message};
use rustc_hash::FxHashSet;
use serde_json::Value;
use texts::Messages;

/// Severities, in file order.
pub const SEVERITIES: [Severity; 3] = [Severity::Critical, Severity::Warning, Severity::Info];

/// Key of the generic message of a file.
pub const GENERIC: &str = "*";

/// Whether `url` can be a button's URL: `http://` or `https://` with a host, at most
/// [`limits::BUTTON_URL`] characters of printable ASCII that URLs allow unescaped (no
/// spaces, quotes, `<>`, `{}`, `|`, `\`, `^` or backticks).
pub fn is_button_url(url: &str) -> bool {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    let host = rest.and_then(|r| r.split(['/', '?', '#']).next()).unwrap_or("");
    rest.is_some()
        && !host.is_empty()
        && !host.starts_with(':')
        && url.len() <= limits::BUTTON_URL
        && url
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"<>{}|\\^`".contains(&b))
}

/// STRATA-E074: a warning for each rule whose `runbook_url` cannot be a button.
fn check_runbooks(t: &TenantModel, checks: &mut ArtifactChecks<'_>) {
    for (key, rule) in t.tenant.alerting.iter().flat_map(|a| &a.rules) {
        let Some(url) = &rule.runbook_url else { continue };
        if is_button_url(url) {
            continue;
        }
        let chars = url.chars().count();
        let why = if chars > limits::BUTTON_URL {
            format!("it has {chars} characters, more than Slack's {}", limits::BUTTON_URL)
        } else {
            "it is not an absolute http:// or https:// URL, or holds characters URLs must percent-encode".into()
        };
        checks.warning(
            "STRATA-E074",
            &["alerting", "rules", key, "runbook_url"],
            format!("the Slack message of alert `{key}` gets no runbook button: {why}"),
            "give an absolute http:// or https:// URL of at most 3000 characters, with spaces, quotes, <>, {} and | percent-encoded",
        );
    }
}

/// The labels of a rule as its message shows them.
fn spec_labels(labels: &serde_json::Map<String, Value>) -> Vec<(&str, &str)> {
    labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("")))
        .collect()
}

/// The key of an alert in its file: the name, or `<name>/escalation=<after>` for an
/// escalation copy.
pub fn message_key(name: &str, rule: &AlertRule) -> String {
    match rule.labels.get("escalation") {
        Some(after) => format!("{name}/escalation={after}"),
        None => name.to_string(),
    }
}

/// The messages of one severity, keyed, in file order (`*` last), built in `messages`.
pub fn messages(
    ctx: &EnvContext<'_>,
    t: &TenantModel,
    alerts: &[(String, AlertRule)],
    severity: Severity,
    messages: Messages<'_>,
) -> Vec<(String, Message)> {
    let meta = Meta {
        tenant_id: &t.id,
        tenant_name: t.tenant.name.as_deref(),
        env: ctx.env,
        severity,
        messages,
    };
    let context = context(&meta);
    let mut seen = FxHashSet::default();
    let mut out = Vec::new();
    for (name, rule) in alerts.iter().filter(|(_, r)| r.severity == severity) {
        let key = message_key(name, rule);
        if !seen.insert(key.clone()) {
            continue;
        }
        let labels = rule_labels(ctx, &t.id, rule);
        let spec = AlertSpec {
            name,
            summary: rule.summary.as_deref(),
            description: rule.description.as_deref().is_some_and(|d| !d.trim().is_empty()),
            labels: spec_labels(&labels),
            escalation: rule.labels.get("escalation").map(String::as_str),
            runbook: rule.runbook_url.as_deref().filter(|u| is_button_url(u)),
        };
        out.push((key, alert_message(&meta, &spec, &context)));
    }
    let label = ctx.project.project.tenant_label.as_str();
    let generic = [("severity", severity_name(severity)), (label, t.id.as_str())];
    out.push((GENERIC.to_string(), generic_message(&meta, &generic, &context)));
    out
}

/// A file of messages: a JSON object, one `"key":message` per line.
pub fn file_bytes<M: serde::Serialize>(messages: &[(String, M)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1536 * messages.len());
    out.extend_from_slice(b"{\n");
    for (i, (key, message)) in messages.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        // Serializing strings and messages (no maps, no floats) cannot fail.
        let _ = serde_json::to_writer(&mut out, key);
        out.push(b':');
        let _ = serde_json::to_writer(&mut out, message);
    }
    out.extend_from_slice(b"\n}\n");
    out
}

/// The message templates of one tenant.
pub fn render_tenant(ctx: &EnvContext<'_>, t: &TenantModel, checks: &mut ArtifactChecks<'_>) -> Vec<Artifact> {
    check_runbooks(t, checks);
    let m = Messages::new(
        &ctx.project.texts,
        t.tenant.locale.as_deref(),
        &ctx.project.project.default_locale,
    );
    let alerts = all_alerts(ctx, t);
    let mut files = Vec::new();
    for severity in SEVERITIES {
        let messages = messages(ctx, t, &alerts, severity, m);
        for (key, message) in &messages {
            let problems = limits::check(message);
            if !problems.is_empty() {
                let name = key.split('/').next().unwrap_or(key);
                checks.error(
                    "STRATA-E073",
                    &["alerting", "rules", name],
                    format!(
                        "the Slack message `{key}` ({}) breaks Block Kit limits: {}",
                        severity_name(severity),
                        problems.join("; ")
                    ),
                    "this is a bug in strata: please report it with this alert's config",
                );
            }
        }
        files.push(Artifact {
            path: format!("{}/slack/{}/{}.{}.json", ctx.env, t.id, severity_name(severity), m.lang),
            bytes: file_bytes(&messages),
        });
    }
    files
}

#[cfg(test)]
mod tests;
