//! The input document of a tenant policy: `{"tenant", "platform", "env", "project"}`, the
//! effective merged documents with secrets redacted.

use crate::load::Node;
use regorus::Value;
use std::collections::BTreeMap;

/// What a secret given as a literal looks like in the input (a secret given as `${VAR}`
/// appears as that reference). Secret values never reach a policy.
pub const REDACTED: &str = "<redacted>";

/// A document as a policy sees it, secrets redacted (as `Node::to_json(Some(REDACTED))`,
/// converted directly: going through JSON costs more than the policies of a tenant).
pub fn value_of(node: &Node) -> Value {
    use crate::load::Kind;
    if node.secret {
        return Value::from(node.raw.as_deref().unwrap_or(REDACTED));
    }
    match &node.kind {
        Kind::Null => Value::Null,
        Kind::Bool(b) => Value::from(*b),
        Kind::Int(i) => Value::from(*i),
        Kind::Float(f) if f.is_finite() => Value::from(*f),
        Kind::Float(_) => Value::Null,
        Kind::Str(s) => Value::from(s.as_str()),
        Kind::Seq(items) => Value::from(items.iter().map(value_of).collect::<Vec<Value>>()),
        Kind::Map(m) => Value::from(
            m.iter()
                .map(|(k, e)| (Value::from(k.as_str()), value_of(&e.value)))
                .collect::<BTreeMap<Value, Value>>(),
        ),
    }
}

/// A serializable value (such as the project settings) as a policy sees it.
pub fn value_of_serde<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).map_or(Value::Null, Value::from)
}

/// The input of one (environment, tenant) evaluation. `platform` and `project` are
/// converted once per run and shared.
pub fn tenant_input(tenant: &Node, platform: &Value, env: &str, project: &Value) -> Value {
    let mut map = BTreeMap::new();
    map.insert(Value::from("tenant"), value_of(tenant));
    map.insert(Value::from("platform"), platform.clone());
    map.insert(Value::from("env"), Value::from(env));
    map.insert(Value::from("project"), project.clone());
    Value::from(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Loc;
    use crate::load::{Entry, Kind, Map};

    #[test]
    fn secrets_are_redacted_or_kept_as_references() {
        let mut literal = Node::new(Kind::Str("https://hooks.slack.com/T0/B0/xyz".into()), Loc::default());
        literal.secret = true;
        let mut reference = Node::new(Kind::Str("https://resolved".into()), Loc::default());
        reference.secret = true;
        reference.raw = Some("${HOOK}".into());
        let mut map = Map::default();
        for (k, v) in [("a", literal), ("b", reference)] {
            map.insert(
                k.into(),
                Entry {
                    key_loc: Loc::default(),
                    value: v,
                },
            );
        }
        let node = Node::new(Kind::Map(map), Loc::default());
        let json = node.to_json(Some(REDACTED));
        assert_eq!(json, serde_json::json!({"a": REDACTED, "b": "${HOOK}"}));
        assert_eq!(value_of(&node), Value::from(json));
    }
}
