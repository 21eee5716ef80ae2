//! The Block Kit message of one alert, and the generic one (`*`) for alerts strata does
//! not know by name. Every text is built through [`texts::text`], escaped and cut to its
//! Block Kit limit as it is made.
//!
//! A message, top to bottom (typed: [`Message`], [`Block`], serialized without a JSON
//! tree):
//! 1. `header`: a severity emoji and the alert name (`plain_text`);
//! 2. `section`: the escalation line of an escalation copy, the summary, and the
//!    description placeholder when the rule has a description;
//! 3. `section` with `fields`: one per label (`*name*` and value), at most 10: with more,
//!    the first 9 and a localized "+N more labels";
//! 4. `actions`: a button to the runbook, when the rule has a valid one;
//! 5. `context`: tenant, environment, severity and the start time placeholder (the same
//!    block for every message of a file).
use super::limits::{BUTTON_TEXT, CONTEXT_TEXT, FIELD_TEXT, FIELDS, HEADER_TEXT, SECTION_TEXT};
use super::texts::{Messages, Piece, Style, text, truncate};
use crate::model::Severity;
use serde::Serialize;
use serde_json::Value;

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
    pub messages: Messages<'a>,
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

/// A Block Kit text object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    /// `plain_text` or `mrkdwn`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The text.
    pub text: String,
    /// `plain_text` only: show `:emoji:` codes as emoji.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emoji: Option<bool>,
}

impl Text {
    fn plain(text: String) -> Self {
        Self {
            kind: "plain_text",
            text,
            emoji: Some(true),
        }
    }

    fn mrkdwn(text: String) -> Self {
        Self {
            kind: "mrkdwn",
            text,
            emoji: None,
        }
    }
}

/// A button linking to a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Button {
    /// Always `button`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Identifies the button in interaction payloads.
    pub action_id: &'static str,
    /// Its label.
    pub text: Text,
    /// Where it leads.
    pub url: String,
}

/// The blocks strata writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Block {
    /// A header: `plain_text` only.
    Header {
        /// The text.
        text: Text,
    },
    /// A section: text and/or fields.
    Section {
        /// The text.
        #[serde(skip_serializing_if = "Option::is_none")]
        text: Option<Text>,
        /// Fields shown in two columns.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        fields: Vec<Text>,
    },
    /// Buttons.
    Actions {
        /// The buttons.
        elements: Vec<Button>,
    },
    /// Small print.
    Context {
        /// Text elements.
        elements: Vec<Text>,
    },
}

/// A message: `{"blocks": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// The blocks, top to bottom.
    pub blocks: Vec<Block>,
}

impl Message {
    /// Every text of the message with its Block Kit limit and whether it is one line.
    pub fn texts_mut(&mut self) -> Vec<(&mut Text, usize, bool)> {
        let mut out = Vec::new();
        for block in &mut self.blocks {
            match block {
                Block::Header { text } => out.push((text, HEADER_TEXT, true)),
                Block::Section { text, fields } => {
                    out.extend(text.iter_mut().map(|t| (t, SECTION_TEXT, false)));
                    out.extend(fields.iter_mut().map(|t| (t, FIELD_TEXT, false)));
                }
                Block::Actions { elements } => {
                    out.extend(elements.iter_mut().map(|b| (&mut b.text, BUTTON_TEXT, true)));
                }
                Block::Context { elements } => out.extend(elements.iter_mut().map(|t| (t, CONTEXT_TEXT, true))),
            }
        }
        out
    }

    /// The message as a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
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
pub fn severity_text<'a>(m: Messages<'a>, s: Severity) -> &'a str {
    match s {
        Severity::Critical => m.get("severity_critical"),
        Severity::Warning => m.get("severity_warning"),
        Severity::Info => m.get("severity_info"),
    }
}

fn header(name: Piece<'_>, severity: Severity) -> Block {
    let t = text(
        &[Piece::Raw(emoji(severity)), Piece::Raw(" "), name],
        Style::PlainLine,
        HEADER_TEXT,
    );
    Block::Header { text: Text::plain(t) }
}

fn labels(meta: &Meta<'_>, labels: &[(&str, &str)]) -> Option<Block> {
    if labels.is_empty() {
        return None;
    }
    let shown = if labels.len() > FIELDS {
        FIELDS - 1
    } else {
        labels.len()
    };
    let mut fields: Vec<Text> = labels[..shown]
        .iter()
        .map(|(name, value)| {
            let pieces = [Piece::Raw("*"), Piece::Lit(name), Piece::Raw("*\n"), Piece::Lit(value)];
            Text::mrkdwn(text(&pieces, Style::Mrkdwn, FIELD_TEXT))
        })
        .collect();
    if shown < labels.len() {
        let more = meta
            .messages
            .get("more_labels")
            .replace("{count}", &(labels.len() - shown).to_string());
        fields.push(Text::mrkdwn(text(&[Piece::Lit(&more)], Style::Mrkdwn, FIELD_TEXT)));
    }
    Some(Block::Section { text: None, fields })
}

fn runbook(meta: &Meta<'_>, url: &str) -> Block {
    let label = text(
        &[Piece::Lit(meta.messages.get("open_runbook"))],
        Style::PlainLine,
        BUTTON_TEXT,
    );
    Block::Actions {
        elements: vec![Button {
            kind: "button",
            action_id: "runbook",
            text: Text::plain(label),
            url: url.to_string(),
        }],
    }
}

/// The context block, the same for every message of a file.
pub fn context(meta: &Meta<'_>) -> Block {
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
        Text::mrkdwn(text(&pieces, Style::MrkdwnLine, CONTEXT_TEXT))
    };
    Block::Context {
        elements: vec![
            Text::mrkdwn(text(&tenant, Style::MrkdwnLine, CONTEXT_TEXT)),
            item("environment", Piece::Lit(meta.env)),
            item("severity", Piece::Lit(severity_text(m, meta.severity))),
            item("started", Piece::Ph(PH_STARTS_AT)),
        ],
    }
}

/// The message of one alert; `context` is the file's [`context`] block.
pub fn alert_message(meta: &Meta<'_>, spec: &AlertSpec<'_>, context: &Block) -> Message {
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
    blocks.push(Block::Section {
        text: Some(Text::mrkdwn(summary)),
        fields: Vec::new(),
    });
    blocks.extend(labels(meta, &spec.labels));
    if let Some(url) = spec.runbook {
        blocks.push(runbook(meta, url));
    }
    blocks.push(context.clone());
    Message { blocks }
}

/// The generic message (`*`): for any alert of the severity, its name, summary and
/// description filled in at send time.
pub fn generic_message(meta: &Meta<'_>, labels_: &[(&str, &str)], context: &Block) -> Message {
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
        Block::Section {
            text: Some(Text::mrkdwn(text(&summary, Style::Mrkdwn, SECTION_TEXT))),
            fields: Vec::new(),
        },
    ];
    blocks.extend(labels(meta, labels_));
    blocks.push(context.clone());
    Message { blocks }
}

#[cfg(test)]
mod tests {
    use super::super::limits::violations;
    use super::*;

    fn meta(lang: &str) -> Meta<'static> {
        static TEXTS: std::sync::OnceLock<crate::texts::Texts> = std::sync::OnceLock::new();
        Meta {
            tenant_id: "acme-corp",
            tenant_name: Some("ACME <Corp> & Co"),
            env: "production",
            severity: Severity::Critical,
            messages: Messages::new(TEXTS.get_or_init(Default::default), Some(lang), "en"),
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
        let m = alert_message(&meta("en"), &spec, &context(&meta("en"))).to_value();
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
        let m = alert_message(&meta("de"), &spec, &context(&meta("de"))).to_value();
        assert_eq!(violations(&m), Vec::<String>::new());
        let fields = m["blocks"][2]["fields"].as_array().cloned().unwrap_or_default();
        assert_eq!(fields.len(), 10);
        assert_eq!(fields[9]["text"], "+5 weitere Labels");
        assert_eq!(m["blocks"][1]["text"]["text"], "*A*");
    }

    #[test]
    fn the_generic_message_is_all_placeholders() {
        let m = generic_message(&meta("fr"), &[("severity", "critical")], &context(&meta("fr"))).to_value();
        assert_eq!(violations(&m), Vec::<String>::new());
        assert_eq!(m["blocks"][0]["text"]["text"], ":red_circle: {{ .Labels.alertname }}");
        assert_eq!(
            m["blocks"][1]["text"]["text"],
            "*Résumé:* {{ .Annotations.summary }}\n{{ .Annotations.description }}"
        );
        assert_eq!(m["blocks"][3]["elements"][2]["text"], "*Gravité:* Critique");
    }
}
