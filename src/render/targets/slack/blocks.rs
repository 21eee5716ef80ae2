//! The Block Kit message of one alert, and the generic one (`*`) for alerts strata does
//! not know by name. Every text is built through [`texts::text`], escaped and cut to its
//! Block Kit limit as it is made.
//!
//! A message, top to bottom:
//! 1. `header`: a severity emoji and the alert name (`plain_text`);
//! 2. `section` `summary`: the escalation line of an escalation copy, the summary, and
//!    the description placeholder when the rule has a description;
//! 3. `section` `labels`: one field per label (`*name*` and value), at most 10: with more,
//!    the first 9 and a localized "+N more labels";
//! 4. `actions` `runbook`: a button to the runbook, when the rule has a valid one;
//! 5. `context`: tenant, environment, severity and the start time placeholder.

use super::limits::{BUTTON_TEXT, CONTEXT_TEXT, FIELD_TEXT, FIELDS, HEADER_TEXT, SECTION_TEXT};
use super::texts::{Messages, Piece, Style, text, truncate};
use crate::model::Severity;
use serde_json::{Value, json};

/// Placeholder: the alert name.
pub const PH_ALERTNAME: &str = "{{ .Labels.alertname }}";
/// Placeholder: the summary annotation, as Prometheus expanded it.
pub const PH_SUMMARY: &str = "{{ .Annotations.summary }}";
/// Placeholder: the description annotation, as Prometheus expanded it.
pub const PH_DESCRIPTION: &str = "{{ .Annotations.description }}";
/// Placeholder: when the alert started.
pub const PH_STARTS_AT: &str = "{{ .StartsAt.Format \"2006-01-02 15:04:05 MST\" }}";

/// Longest tenant display name in the context line, before escaping.
const TENANT_NAME: usize = 150;

/// What every message of one tenant file shares.
#[derive(Debug, Clone, Copy)]
pub struct Meta<'a> {
    /// Tenant id.
    pub tenant_id: &'a str,
    /// Tenant display name.
    pub tenant_name: Option<&'a str>,
    /// Environment.
    pub env: &'a str,
    /// Severity of the file.
    pub severity: Severity,
    /// Messages of the file's locale.
    pub messages: Messages,
}

/// One alert as its message shows it; text known when strata builds.
#[derive(Debug, Clone, Default)]
pub struct AlertSpec<'a> {
    /// Alert name.
    pub name: &'a str,
    /// Summary from the config.
    pub summary: Option<&'a str>,
    /// Whether the rule has a description (filled in at send time).
    pub description: bool,
    /// The labels the rule sets (its own, severity, tenant, escalation).
    pub labels: Vec<(&'a str, &'a str)>,
    /// `after` of an escalation copy.
    pub escalation: Option<&'a str>,
    /// A valid runbook URL.
    pub runbook: Option<&'a str>,
}

/// Slack emoji of a severity.
fn emoji(s: Severity) -> &'static str {
    match s {
        Severity::Critical => ":red_circle:",
        Severity::Warning => ":large_orange_circle:",
        Severity::Info => ":large_blue_circle:",
    }
}

/// The localized name of a severity.
pub fn severity_text(m: Messages, s: Severity) -> &'static str {
    match s {
        Severity::Critical => m.get("severity_critical"),
        Severity::Warning => m.get("severity_warning"),
        Severity::Info => m.get("severity_info"),
    }
}

fn header(name: Piece<'_>, severity: Severity) -> Value {
    let t = text(
        &[Piece::Raw(emoji(severity)), Piece::Raw(" "), name],
        Style::PlainLine,
        HEADER_TEXT,
    );
    json!({"type": "header", "block_id": "header", "text": {"type": "plain_text", "text": t, "emoji": true}})
}

fn mrkdwn(t: String) -> Value {
    json!({"type": "mrkdwn", "text": t})
}

fn labels(meta: &Meta<'_>, labels: &[(&str, &str)]) -> Option<Value> {
    if labels.is_empty() {
        return None;
    }
    let shown = if labels.len() > FIELDS {
        FIELDS - 1
    } else {
        labels.len()
    };
    let mut fields: Vec<Value> = labels[..shown]
        .iter()
        .map(|(name, value)| {
            let pieces = [Piece::Raw("*"), Piece::Lit(name), Piece::Raw("*\n"), Piece::Lit(value)];
            mrkdwn(text(&pieces, Style::Mrkdwn, FIELD_TEXT))
        })
        .collect();
    if shown < labels.len() {
        let more = meta
            .messages
            .get("more_labels")
            .replace("{count}", &(labels.len() - shown).to_string());
        fields.push(mrkdwn(text(&[Piece::Lit(&more)], Style::Mrkdwn, FIELD_TEXT)));
    }
    Some(json!({"type": "section", "block_id": "labels", "fields": fields}))
}

fn runbook(meta: &Meta<'_>, url: &str) -> Value {
    let label = text(
        &[Piece::Lit(meta.messages.get("open_runbook"))],
        Style::PlainLine,
        BUTTON_TEXT,
    );
    json!({"type": "actions", "block_id": "runbook", "elements": [{
        "type": "button",
        "action_id": "runbook",
        "text": {"type": "plain_text", "text": label, "emoji": true},
        "url": url,
    }]})
}

fn context(meta: &Meta<'_>) -> Value {
    let m = meta.messages;
    let name = meta
        .tenant_name
        .filter(|n| !n.trim().is_empty() && *n != meta.tenant_id)
        .map(|n| truncate(n, TENANT_NAME));
    let mut tenant = vec![Piece::Raw("*"), Piece::Lit(m.get("tenant")), Piece::Raw(":* ")];
    match &name {
        Some(n) => tenant.extend([
            Piece::Lit(n),
            Piece::Raw(" ("),
            Piece::Lit(meta.tenant_id),
            Piece::Raw(")"),
        ]),
        None => tenant.push(Piece::Lit(meta.tenant_id)),
    }
    let item = |key: &'static str, value: Piece<'_>| {
        let pieces = [Piece::Raw("*"), Piece::Lit(m.get(key)), Piece::Raw(":* "), value];
        mrkdwn(text(&pieces, Style::MrkdwnLine, CONTEXT_TEXT))
    };
    json!({"type": "context", "block_id": "context", "elements": [
        mrkdwn(text(&tenant, Style::MrkdwnLine, CONTEXT_TEXT)),
        item("environment", Piece::Lit(meta.env)),
        item("severity", Piece::Lit(severity_text(m, meta.severity))),
        item("started", Piece::Ph(PH_STARTS_AT)),
    ]})
}

/// The message of one alert.
pub fn alert_message(meta: &Meta<'_>, spec: &AlertSpec<'_>) -> Value {
    let mut blocks = vec![header(Piece::Lit(spec.name), meta.severity)];
    let mut summary = Vec::new();
    if let Some(after) = spec.escalation {
        summary.extend([
            Piece::Raw(":rotating_light: *"),
            Piece::Lit(meta.messages.get("escalated")),
            Piece::Raw("* "),
            Piece::Lit(after),
            Piece::Raw("\n"),
        ]);
    }
    match spec.summary.filter(|s| !s.trim().is_empty()) {
        Some(s) => summary.push(Piece::Lit(s)),
        None => summary.extend([Piece::Raw("*"), Piece::Lit(spec.name), Piece::Raw("*")]),
    }
    if spec.description {
        summary.extend([Piece::Raw("\n"), Piece::Ph(PH_DESCRIPTION)]);
    }
    let summary = text(&summary, Style::Mrkdwn, SECTION_TEXT);
    blocks.push(json!({"type": "section", "block_id": "summary", "text": mrkdwn(summary)}));
    blocks.extend(labels(meta, &spec.labels));
    if let Some(url) = spec.runbook {
        blocks.push(runbook(meta, url));
    }
    blocks.push(context(meta));
    json!({"blocks": blocks})
}

/// The generic message (`*`): for any alert of the severity, its name, summary and
/// description filled in at send time.
pub fn generic_message(meta: &Meta<'_>, labels_: &[(&str, &str)]) -> Value {
    let summary_label = meta.messages.get("summary");
    let summary = [
        Piece::Raw("*"),
        Piece::Lit(summary_label),
        Piece::Raw(":* "),
        Piece::Ph(PH_SUMMARY),
        Piece::Raw("\n"),
        Piece::Ph(PH_DESCRIPTION),
    ];
    let mut blocks = vec![
        header(Piece::Ph(PH_ALERTNAME), meta.severity),
        json!({"type": "section", "block_id": "summary", "text": mrkdwn(text(&summary, Style::Mrkdwn, SECTION_TEXT))}),
    ];
    blocks.extend(labels(meta, labels_));
    blocks.push(context(meta));
    json!({"blocks": blocks})
}

#[cfg(test)]
mod tests {
    use super::super::limits::violations;
    use super::*;

    fn meta(lang: &str) -> Meta<'static> {
        Meta {
            tenant_id: "acme-corp",
            tenant_name: Some("ACME <Corp> & Co"),
            env: "production",
            severity: Severity::Critical,
            messages: Messages::new(Some(lang), "en"),
        }
    }

    #[test]
    fn an_alert_message_has_every_part() {
        let spec = AlertSpec {
            name: "HighErrorRate",
            summary: Some("Error rate > 5%"),
            description: true,
            labels: vec![("team", "api"), ("severity", "critical"), ("tenant", "acme-corp")],
            escalation: Some("30m"),
            runbook: Some("https://runbooks.example/high-error-rate"),
        };
        let m = alert_message(&meta("en"), &spec);
        assert_eq!(violations(&m), Vec::<String>::new());
        let blocks = m["blocks"].as_array().cloned().unwrap_or_default();
        let types: Vec<&str> = blocks.iter().filter_map(|b| b["type"].as_str()).collect();
        assert_eq!(types, ["header", "section", "section", "actions", "context"]);
        assert_eq!(blocks[0]["text"]["text"], ":red_circle: HighErrorRate");
        assert_eq!(
            blocks[1]["text"]["text"],
            ":rotating_light: *Escalated: still firing after* 30m\nError rate &gt; 5%\n{{ .Annotations.description }}"
        );
        assert_eq!(blocks[2]["fields"][0]["text"], "*team*\napi");
        assert_eq!(
            blocks[3]["elements"][0]["url"],
            "https://runbooks.example/high-error-rate"
        );
        assert_eq!(
            blocks[4]["elements"][0]["text"],
            "*Tenant:* ACME &lt;Corp&gt; &amp; Co (acme-corp)"
        );
    }

    #[test]
    fn more_than_ten_labels_are_summarized() {
        let names: Vec<String> = (0..14).map(|i| format!("l{i}")).collect();
        let spec = AlertSpec {
            name: "A",
            labels: names.iter().map(|n| (n.as_str(), "v")).collect(),
            ..AlertSpec::default()
        };
        let m = alert_message(&meta("de"), &spec);
        assert_eq!(violations(&m), Vec::<String>::new());
        let fields = m["blocks"][2]["fields"].as_array().cloned().unwrap_or_default();
        assert_eq!(fields.len(), 10);
        assert_eq!(fields[9]["text"], "+5 weitere Labels");
        assert_eq!(m["blocks"][1]["text"]["text"], "*A*");
    }

    #[test]
    fn the_generic_message_is_all_placeholders() {
        let m = generic_message(&meta("fr"), &[("severity", "critical")]);
        assert_eq!(violations(&m), Vec::<String>::new());
        assert_eq!(m["blocks"][0]["text"]["text"], ":red_circle: {{ .Labels.alertname }}");
        assert_eq!(
            m["blocks"][1]["text"]["text"],
            "*Résumé:* {{ .Annotations.summary }}\n{{ .Annotations.description }}"
        );
        assert_eq!(m["blocks"][3]["elements"][2]["text"], "*Gravité:* Critique");
    }
}
