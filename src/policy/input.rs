//! The input document of a tenant policy: `{"tenant", "platform", "env", "project"}`, the
//! effective merged documents with secrets redacted.

use crate::load::Node;
use regorus::Value;
use std::collections::BTreeMap;

/// What a secret given as a literal looks like in the input (a secret given as `${VAR}`
/// appears as that reference). Secret values never reach a policy.
pub const REDACTED: &str = "<redacted>";

/// A document as a policy sees it, secrets redacted.
pub fn value_of(node: &Node) -> Value {
    Value::from(node.to_json(Some(REDACTED)))
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
        let json = Node::new(Kind::Map(map), Loc::default()).to_json(Some(REDACTED));
        assert_eq!(json, serde_json::json!({"a": REDACTED, "b": "${HOOK}"}));
    }
}
