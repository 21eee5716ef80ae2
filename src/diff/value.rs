//! Field-level differences between two JSON values, as paths with the value before and
//! after; parsing generated YAML back into values; and redacting secrets.

use crate::diag::FileId;
use crate::load::parse_yaml;
use serde::Serialize;
use serde_json::Value;

/// One field that differs. `before` is absent when the field was added, `after` when it
/// was removed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// Where the field is: `.key`, `["odd key"]`, `[3]` (list index) and `[name=x]` (the
    /// element of a list of named objects whose `name`, `job_name` or `id` is `x`).
    pub path: String,
    /// The value before, if the field existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// The value after, if the field exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

/// Every field that differs between `before` and `after`, in document order.
pub fn field_changes(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    walk(String::new(), Some(before), Some(after), &mut out);
    out
}

fn walk(path: String, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (before, after) {
        (Some(a), Some(b)) if a == b => {}
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            for (key, value) in a {
                walk(join_key(&path, key), Some(value), b.get(key), out);
            }
            for (key, value) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                walk(join_key(&path, key), None, Some(value), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => match (keys_of(a), keys_of(b)) {
            (Some(ka), Some(kb)) => {
                for (key, value) in ka.iter().zip(a) {
                    let other = kb.iter().position(|k| k == key).map(|i| &b[i]);
                    walk(format!("{path}[{key}]"), Some(value), other, out);
                }
                for (key, value) in kb.iter().zip(b).filter(|(k, _)| !ka.contains(k)) {
                    walk(format!("{path}[{key}]"), None, Some(value), out);
                }
            }
            _ if a.len() == b.len() => {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    walk(format!("{path}[{i}]"), Some(x), Some(y), out);
                }
            }
            _ => out.push(change(path, before, after)),
        },
        _ => out.push(change(path, before, after)),
    }
}

fn change(path: String, before: Option<&Value>, after: Option<&Value>) -> FieldChange {
    FieldChange {
        path: if path.is_empty() { ".".into() } else { path },
        before: before.cloned(),
        after: after.cloned(),
    }
}

/// `path.key`, or `path["key"]` when the key is not a plain identifier.
fn join_key(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit() || c == '-');
    if plain {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", serde_json::to_string(key).unwrap_or_default())
    }
}

/// The identity of each element of a list of objects that all carry a distinct `name`,
/// `job_name` or `id`, such as `name=api`; `None` for other lists (compared by index).
fn keys_of(items: &[Value]) -> Option<Vec<String>> {
    ["name", "job_name", "id"].iter().find_map(|field| {
        let keys: Vec<String> = items
            .iter()
            .map(|item| match item.get(field)? {
                Value::String(s) => Some(format!("{field}={s}")),
                Value::Number(n) => Some(format!("{field}={n}")),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        (!keys.is_empty() && sorted.len() == keys.len()).then_some(keys)
    })
}

/// The documents of a generated YAML file (documents separated by `---` lines), parsed
/// with the crate's own loader; `None` if any does not parse.
pub fn yaml_documents(text: &str) -> Option<Vec<Value>> {
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in text.lines().chain(std::iter::once("---")) {
        if line == "---" {
            if current.lines().any(|l| !l.starts_with('#') && !l.trim().is_empty()) {
                let (node, diags) = parse_yaml(&current, FileId(0));
                if !diags.is_empty() {
                    return None;
                }
                docs.push(node?.to_json(None));
            }
            current.clear();
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    Some(docs)
}

/// Replaces every occurrence of a secret in `text` with `<redacted:N>`, N being the
/// secret's place in `secrets`: a changed secret still shows as a change.
pub fn redact_text(text: &str, secrets: &[String]) -> String {
    secrets.iter().enumerate().fold(text.to_string(), |acc, (n, secret)| {
        if acc.contains(secret.as_str()) {
            acc.replace(secret.as_str(), &format!("<redacted:{}>", n + 1))
        } else {
            acc
        }
    })
}

/// Replaces every occurrence of a secret in the strings (and keys) of `value`.
pub fn redact(value: &mut Value, secrets: &[String]) {
    if secrets.is_empty() {
        return;
    }
    match value {
        Value::String(s) if secrets.iter().any(|x| s.contains(x.as_str())) => *s = redact_text(s, secrets),
        Value::Array(items) => items.iter_mut().for_each(|v| redact(v, secrets)),
        Value::Object(map) => {
            let leaks = map.keys().any(|k| secrets.iter().any(|x| k.contains(x.as_str())));
            if leaks {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (redact_text(&k, secrets), v))
                    .collect();
            }
            map.values_mut().for_each(|v| redact(v, secrets));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_fields_report_their_paths() {
        let a = json!({"spec": {"hard": {"requests.cpu": "8", "pods": 10}}, "kind": "ResourceQuota"});
        let b = json!({"spec": {"hard": {"requests.cpu": "16", "pods": 10, "services": 5}}, "kind": "ResourceQuota"});
        let changes = field_changes(&a, &b);
        let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, [".spec.hard[\"requests.cpu\"]", ".spec.hard.services"]);
        assert_eq!(changes[0].before, Some(json!("8")));
        assert_eq!(changes[1].before, None);
        assert_eq!(changes[1].after, Some(json!(5)));
    }

    #[test]
    fn named_lists_match_by_name_and_others_by_index() {
        let a = json!({"c": [{"name": "a", "v": 1}, {"name": "b", "v": 2}], "l": [1, 2]});
        let b = json!({"c": [{"name": "b", "v": 3}, {"name": "new", "v": 0}], "l": [1, 3]});
        let paths: Vec<String> = field_changes(&a, &b).into_iter().map(|c| c.path).collect();
        assert_eq!(paths, [".c[name=a]", ".c[name=b].v", ".c[name=new]", ".l[1]"]);
        let grown = field_changes(&json!([1]), &json!([1, 2]));
        assert_eq!(grown[0].path, ".");
    }

    #[test]
    fn generated_yaml_documents_parse_back() {
        let text = "# header\n---\nkind: A\nn: \"--- not a separator\"\n---\nkind: B\n";
        let docs = yaml_documents(text);
        assert_eq!(
            docs,
            Some(vec![
                json!({"kind": "A", "n": "--- not a separator"}),
                json!({"kind": "B"})
            ])
        );
        assert_eq!(yaml_documents("a: [unclosed\n"), None);
    }

    #[test]
    fn secrets_are_redacted_in_values_and_keys() {
        let secrets = vec!["s3cr3t-long".to_string(), "s3cr3t".to_string()];
        let mut v = json!({"url": "https://x/s3cr3t/y", "s3cr3t": ["s3cr3t-long"], "n": 1});
        redact(&mut v, &secrets);
        assert_eq!(
            v,
            json!({"url": "https://x/<redacted:2>/y", "<redacted:2>": ["<redacted:1>"], "n": 1})
        );
    }
}
