//! Block Kit limits (<https://api.slack.com/reference/block-kit>), checked on every message
//! before it is written. The renderer truncates text to these limits as it builds a
//! message, so a violation found here is a bug in strata (STRATA-E073).
//! `scripts/check_slack.py` checks the same limits independently.

use super::blocks::{Block, Message};
use serde_json::Value;

/// Blocks per message.
pub const BLOCKS: usize = 50;
/// `plain_text` of a header block.
pub const HEADER_TEXT: usize = 150;
/// Text of a section block.
pub const SECTION_TEXT: usize = 3000;
/// Fields of a section block.
pub const FIELDS: usize = 10;
/// Text of one field.
pub const FIELD_TEXT: usize = 2000;
/// Text of a button.
pub const BUTTON_TEXT: usize = 75;
/// URL of a button.
pub const BUTTON_URL: usize = 3000;
/// `action_id` and `block_id`.
pub const ID: usize = 255;
/// Elements of an actions block.
pub const ACTION_ELEMENTS: usize = 25;
/// Elements of a context block.
pub const CONTEXT_ELEMENTS: usize = 10;
/// Text of a context element.
pub const CONTEXT_TEXT: usize = 3000;

fn len(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

/// Checks a text object at `at`: `kind` if given, a string of 1 to `max` characters.
fn text_object(v: &Value, at: &str, kinds: &[&str], max: usize, out: &mut Vec<String>) {
    let kind = v["type"].as_str().unwrap_or("");
    if !kinds.contains(&kind) {
        out.push(format!("{at}: text type `{kind}` is not one of {kinds:?}"));
    }
    let Some(text) = v["text"].as_str() else {
        out.push(format!("{at}: text is not a string"));
        return;
    };
    let n = text.chars().count();
    if n == 0 || n > max {
        out.push(format!("{at}: text of {n} characters (1 to {max} allowed)"));
    }
}

fn id(v: &Value, key: &str, at: &str, out: &mut Vec<String>) {
    if let Some(id) = v.get(key) {
        let n = len(id);
        if !id.is_string() || n == 0 || n > ID {
            out.push(format!("{at}: {key} of {n} characters (1 to {ID} allowed)"));
        }
    }
}

fn section(block: &Value, at: &str, out: &mut Vec<String>) {
    let text = block.get("text");
    let fields = block.get("fields").and_then(Value::as_array);
    if text.is_none() && fields.is_none() {
        out.push(format!("{at}: a section needs text or fields"));
    }
    if let Some(t) = text {
        text_object(t, &format!("{at}/text"), &["mrkdwn", "plain_text"], SECTION_TEXT, out);
    }
    if let Some(fields) = fields {
        if fields.is_empty() || fields.len() > FIELDS {
            out.push(format!("{at}/fields: {} fields (1 to {FIELDS} allowed)", fields.len()));
        }
        for (i, f) in fields.iter().enumerate() {
            text_object(
                f,
                &format!("{at}/fields/{i}"),
                &["mrkdwn", "plain_text"],
                FIELD_TEXT,
                out,
            );
        }
    }
}

fn actions(block: &Value, at: &str, out: &mut Vec<String>) {
    let elements = block["elements"].as_array().map_or(&[][..], Vec::as_slice);
    if elements.is_empty() || elements.len() > ACTION_ELEMENTS {
        out.push(format!(
            "{at}/elements: {} elements (1 to {ACTION_ELEMENTS} allowed)",
            elements.len()
        ));
    }
    for (i, e) in elements.iter().enumerate() {
        let at = format!("{at}/elements/{i}");
        if e["type"] != "button" {
            out.push(format!("{at}: only buttons are generated"));
            continue;
        }
        text_object(&e["text"], &format!("{at}/text"), &["plain_text"], BUTTON_TEXT, out);
        id(e, "action_id", &at, out);
        if let Some(url) = e.get("url") {
            let n = len(url);
            if n == 0 || n > BUTTON_URL {
                out.push(format!("{at}/url: {n} characters (1 to {BUTTON_URL} allowed)"));
            }
        }
    }
}

fn context(block: &Value, at: &str, out: &mut Vec<String>) {
    let elements = block["elements"].as_array().map_or(&[][..], Vec::as_slice);
    if elements.is_empty() || elements.len() > CONTEXT_ELEMENTS {
        out.push(format!(
            "{at}/elements: {} elements (1 to {CONTEXT_ELEMENTS} allowed)",
            elements.len()
        ));
    }
    for (i, e) in elements.iter().enumerate() {
        text_object(
            e,
            &format!("{at}/elements/{i}"),
            &["mrkdwn", "plain_text"],
            CONTEXT_TEXT,
            out,
        );
    }
}

/// Every Block Kit limit `message` (`{"blocks": [...]}`) breaks, as `pointer: problem`.
pub fn violations(message: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(blocks) = message["blocks"].as_array() else {
        return vec!["/blocks: not an array".into()];
    };
    if blocks.is_empty() || blocks.len() > BLOCKS {
        out.push(format!("/blocks: {} blocks (1 to {BLOCKS} allowed)", blocks.len()));
    }
    let mut ids: Vec<&str> = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let at = format!("/blocks/{i}");
        id(block, "block_id", &at, &mut out);
        if let Some(b) = block["block_id"].as_str() {
            if ids.contains(&b) {
                out.push(format!("{at}: block_id `{b}` repeated"));
            }
            ids.push(b);
        }
        match block["type"].as_str().unwrap_or("") {
            "header" => text_object(
                &block["text"],
                &format!("{at}/text"),
                &["plain_text"],
                HEADER_TEXT,
                &mut out,
            ),
            "section" => section(block, &at, &mut out),
            "actions" => actions(block, &at, &mut out),
            "context" => context(block, &at, &mut out),
            "divider" => {}
            other => out.push(format!("{at}: unexpected block type `{other}`")),
        }
    }
    out
}

/// Every Block Kit limit a message strata built breaks (the same rules as [`violations`],
/// on the typed message, without making JSON of it).
pub fn check(message: &Message) -> Vec<String> {
    let mut out = Vec::new();
    if message.blocks.is_empty() || message.blocks.len() > BLOCKS {
        out.push(format!(
            "/blocks: {} blocks (1 to {BLOCKS} allowed)",
            message.blocks.len()
        ));
    }
    let mut count = |n: usize, max: usize, what: &str, at: usize| {
        if n == 0 || n > max {
            out.push(format!("/blocks/{at}: {what} of {n} (1 to {max} allowed)"));
        }
    };
    for (i, block) in message.blocks.iter().enumerate() {
        match block {
            Block::Header { text } => {
                count(usize::from(text.kind == "plain_text"), 1, "plain_text header", i);
                count(text.text.chars().count(), HEADER_TEXT, "text", i);
            }
            Block::Section { text, fields } => {
                count(
                    usize::from(text.is_some() || !fields.is_empty()),
                    1,
                    "text or fields",
                    i,
                );
                if let Some(t) = text {
                    count(t.text.chars().count(), SECTION_TEXT, "text", i);
                }
                if !fields.is_empty() {
                    count(fields.len(), FIELDS, "fields", i);
                }
                for f in fields {
                    count(f.text.chars().count(), FIELD_TEXT, "field text", i);
                }
            }
            Block::Actions { elements } => {
                count(elements.len(), ACTION_ELEMENTS, "elements", i);
                for b in elements {
                    count(usize::from(b.text.kind == "plain_text"), 1, "plain_text button", i);
                    count(b.text.text.chars().count(), BUTTON_TEXT, "button text", i);
                    count(b.url.chars().count(), BUTTON_URL, "button url", i);
                    count(b.action_id.chars().count(), ID, "action_id", i);
                }
            }
            Block::Context { elements } => {
                count(elements.len(), CONTEXT_ELEMENTS, "elements", i);
                for t in elements {
                    count(t.text.chars().count(), CONTEXT_TEXT, "text", i);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_good_message_passes() {
        let m = json!({"blocks": [
            {"type": "header", "block_id": "h", "text": {"type": "plain_text", "text": "A"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "fields": [{"type": "mrkdwn", "text": "y"}]},
            {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Go"}, "url": "https://x", "action_id": "go"}]},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}]},
        ]});
        assert_eq!(violations(&m), Vec::<String>::new());
    }

    #[test]
    fn each_limit_is_found() {
        let long = |n: usize| "x".repeat(n);
        let fields: Vec<Value> = (0..11).map(|_| json!({"type": "mrkdwn", "text": "f"})).collect();
        let m = json!({"blocks": [
            {"type": "header", "block_id": long(256), "text": {"type": "plain_text", "text": long(151)}},
            {"type": "header", "text": {"type": "mrkdwn", "text": "a"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": long(3001)}, "fields": fields},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": long(2001)}]},
            {"type": "section"},
            {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": long(76)}, "url": long(3001), "action_id": long(256)}]},
            {"type": "context", "elements": (0..11).map(|_| json!({"type": "mrkdwn", "text": ""})).collect::<Vec<_>>()},
            {"type": "image"},
        ]});
        let found = violations(&m);
        assert_eq!(found.len(), 12 + 11, "{found:#?}");
        let many = json!({"blocks": (0..51).map(|_| json!({"type": "divider"})).collect::<Vec<_>>()});
        assert_eq!(
            violations(&many),
            vec!["/blocks: 51 blocks (1 to 50 allowed)".to_string()]
        );
    }

    #[test]
    fn the_typed_check_finds_the_same() {
        use super::super::blocks::{Block, Message, Text};
        let text = |n: usize| Text {
            kind: "mrkdwn",
            text: "x".repeat(n),
            emoji: None,
        };
        let m = Message {
            blocks: vec![
                Block::Header { text: text(151) },
                Block::Section {
                    text: Some(text(3001)),
                    fields: (0..11).map(|_| text(2001)).collect(),
                },
                Block::Section {
                    text: None,
                    fields: Vec::new(),
                },
                Block::Context {
                    elements: vec![text(0)],
                },
            ],
        };
        let found = check(&m);
        // Header kind and length, section text, field count and 11 field lengths, the
        // empty section, the empty context text.
        assert_eq!(found.len(), 2 + 1 + 1 + 11 + 1 + 1, "{found:#?}");
        assert_eq!(violations(&m.to_value()).len(), found.len());
        assert_eq!(check(&Message { blocks: Vec::new() }).len(), 1);
    }
}
