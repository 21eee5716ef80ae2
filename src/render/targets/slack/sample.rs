//! `strata preview slack`: one message of a tenant with its placeholders filled from a
//! sample alert, exactly as a sender does it (see `docs/slack.md`): each placeholder is
//! replaced by the alert's value (escaped for mrkdwn in mrkdwn text), `{{ "{" }}` by `{`,
//! and each text is cut to its Block Kit limit again.

use super::blocks::{Message, PH_ALERTNAME, PH_DESCRIPTION, PH_STARTS_AT, PH_SUMMARY};
use super::limits;
use super::texts::{Messages, truncate};
use super::{GENERIC, message_key, messages};
use crate::model::Severity;
use crate::render::targets::prometheus::all_alerts;
use crate::render::{EnvContext, TenantModel};
use serde_json::Value;

/// The start time of the sample alert.
pub const SAMPLE_STARTS_AT: &str = "2026-01-01 12:00:00 UTC";
/// What stands for each Prometheus template action (`{{ $value }}`) in a sample annotation.
pub const SAMPLE_VALUE: &str = "42";

/// The values of the sample alert.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// `alertname` label.
    pub alertname: String,
    /// `summary` annotation.
    pub summary: String,
    /// `description` annotation.
    pub description: String,
    /// Start time, formatted.
    pub starts_at: String,
}

/// `text` with each Prometheus template action (`{{ ... }}`) replaced by [`SAMPLE_VALUE`],
/// as if Prometheus had expanded it.
fn expand_sample(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        match rest[start..].find("}}") {
            Some(end) => {
                out.push_str(SAMPLE_VALUE);
                rest = &rest[start + end + 2..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

fn escape_mrkdwn(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// `template` with its placeholders filled from `sample`; values escaped for mrkdwn when
/// `mrkdwn`, control characters of one-line text turned into spaces.
pub fn fill(template: &str, sample: &Sample, mrkdwn: bool, one_line: bool) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            rest = &rest[start..];
            break;
        };
        let action = &rest[start..start + end + 2];
        let value = match action {
            "{{ \"{\" }}" => {
                out.push('{');
                rest = &rest[start + end + 2..];
                continue;
            }
            PH_ALERTNAME => sample.alertname.as_str(),
            PH_SUMMARY => sample.summary.as_str(),
            PH_DESCRIPTION => sample.description.as_str(),
            PH_STARTS_AT => sample.starts_at.as_str(),
            _ => "",
        };
        let value = if one_line {
            value.replace(|c: char| c.is_control(), " ")
        } else {
            value.to_string()
        };
        out.push_str(&if mrkdwn { escape_mrkdwn(&value) } else { value });
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// `message` with every placeholder filled from `sample`, each text trimmed at the end
/// and cut to its limit (`-` when nothing is left).
pub fn fill_message(message: &mut Message, sample: &Sample) {
    for (t, max, one_line) in message.texts_mut() {
        let mrkdwn = t.kind == "mrkdwn";
        t.text = truncate(fill(&t.text, sample, mrkdwn, one_line).trim_end(), max);
        if t.text.trim().is_empty() {
            t.text = "-".into();
        }
    }
}

/// Why there is no preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewError {
    /// No message has the key asked for; the keys of the file.
    UnknownAlert(Vec<String>),
    /// The filled message breaks these Block Kit limits (a bug).
    Limits(String),
}

/// The preview of tenant `t` for `severity` in locale `lang` (a built-in one): the message
/// under key `alert` (an alert name, `<alert>/escalation=<after>` or `*`), by default the
/// tenant's first alert of that severity (the generic one when it has none), filled with a
/// sample alert, as `{"blocks": [...]}`.
pub fn preview(
    ctx: &EnvContext<'_>,
    t: &TenantModel,
    severity: Severity,
    lang: &str,
    alert: Option<&str>,
) -> Result<Value, PreviewError> {
    let m = Messages::new(&ctx.project.texts, Some(lang), lang);
    let alerts = all_alerts(ctx, t);
    let all = messages(ctx, t, &alerts, severity, m);
    let key = match alert {
        Some(key) => key.to_string(),
        None => alerts
            .iter()
            .find(|(name, rule)| rule.severity == severity && message_key(name, rule) == *name)
            .map_or_else(|| GENERIC.to_string(), |(name, _)| name.clone()),
    };
    let rule = alerts
        .iter()
        .find(|(name, rule)| rule.severity == severity && message_key(name, rule) == key)
        .map(|(_, r)| r);
    let known: Vec<String> = all.iter().map(|(k, _)| k.clone()).collect();
    let Some(mut message) = all.into_iter().find(|(k, _)| *k == key).map(|(_, m)| m) else {
        return Err(PreviewError::UnknownAlert(known));
    };
    let sample = Sample {
        alertname: match key.split('/').next() {
            Some(name) if rule.is_some() => name.to_string(),
            _ => "SampleAlert".to_string(),
        },
        summary: rule
            .and_then(|r| r.summary.as_deref())
            .map_or_else(|| m.get("sample_summary").to_string(), expand_sample),
        description: rule
            .and_then(|r| r.description.as_deref())
            .map(expand_sample)
            .unwrap_or_default(),
        starts_at: SAMPLE_STARTS_AT.into(),
    };
    fill_message(&mut message, &sample);
    let message = message.to_value();
    let problems = limits::violations(&message);
    if problems.is_empty() {
        Ok(message)
    } else {
        Err(PreviewError::Limits(problems.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::super::blocks::Block;
    use super::*;

    fn sample() -> Sample {
        Sample {
            alertname: "HighErrorRate".into(),
            summary: "a < b".into(),
            description: "x\ny".into(),
            starts_at: SAMPLE_STARTS_AT.into(),
        }
    }

    #[test]
    fn placeholders_are_filled_and_escaped() {
        let s = sample();
        assert_eq!(fill("*{{ .Annotations.summary }}*", &s, true, false), "*a &lt; b*");
        assert_eq!(fill("{{ .Annotations.summary }}", &s, false, true), "a < b");
        assert_eq!(fill("{{ .Annotations.description }}", &s, true, true), "x y");
        assert_eq!(fill("{{ \"{\" }}{ .x }}", &s, true, false), "{{ .x }}");
        assert_eq!(fill("{{ .Labels.other }}!", &s, true, false), "!");
        assert_eq!(fill("open {{ end", &s, true, false), "open {{ end");
    }

    #[test]
    fn prometheus_actions_become_sample_values() {
        assert_eq!(expand_sample("{{ $value | humanize }} of {{ $labels.x }}"), "42 of 42");
        assert_eq!(expand_sample("a {{ b"), "a {{ b");
    }

    #[test]
    fn filled_text_is_cut_to_its_limit() {
        let text = |kind, text: &str| super::super::blocks::Text {
            kind,
            text: text.into(),
            emoji: None,
        };
        let mut m = Message {
            blocks: vec![
                Block::Header {
                    text: text("plain_text", PH_ALERTNAME),
                },
                Block::Section {
                    text: Some(text("mrkdwn", PH_DESCRIPTION)),
                    fields: vec![text("mrkdwn", PH_SUMMARY)],
                },
            ],
        };
        let s = Sample {
            alertname: "A".repeat(400),
            description: "<&>".repeat(2000),
            summary: String::new(),
            ..sample()
        };
        fill_message(&mut m, &s);
        let m = m.to_value();
        assert_eq!(limits::violations(&m), Vec::<String>::new());
        assert_eq!(m["blocks"][1]["fields"][0]["text"], "-", "empty text");
        let text = m["blocks"][1]["text"]["text"].as_str().unwrap_or("");
        assert!(
            text.ends_with("&gt;…") || text.ends_with("&lt;…") || text.ends_with("&amp;…"),
            "{text}"
        );
        assert!(!text.is_empty() && !m["blocks"][0]["text"]["text"].as_str().unwrap_or("").is_empty());
    }
}
