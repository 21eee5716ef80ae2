//! JSON Schemas generated from the typed model, and schema validation of merged documents
//! with every error mapped back, through provenance, to the value (or key) that caused it.

use crate::diag::{Diagnostic, Loc};
use crate::load::{Kind, Node};
use crate::validate::checks::note_layers;
use jsonschema::error::ValidationErrorKind;
use jsonschema::{Validator, paths::LocationSegment};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The generated schema files: file name in `schemas/` and content (see
/// [`super::schema_files`]).
pub fn generate() -> Vec<(&'static str, Value)> {
    super::schema_files::files()
}

/// The schema of `T`. Optional fields are absent rather than null in strata documents
/// (`null` removes a key when layers merge), so the `null` alternatives that schemars adds
/// for `Option` are removed: errors then name the real problem instead of "not any of".
pub fn schema_of<T: schemars::JsonSchema>() -> Value {
    let mut value = schemars::schema_for!(T).to_value();
    strip_null_alternatives(&mut value);
    value
}

fn strip_null_alternatives(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let is_null = |v: &Value| v.get("type") == Some(&Value::String("null".into()));
            if let Some(Value::Array(alternatives)) = map.get("anyOf")
                && alternatives.len() == 2
                && let Some(keep) = alternatives.iter().find(|v| !is_null(v)).cloned()
                && alternatives.iter().any(is_null)
            {
                map.remove("anyOf");
                if let Value::Object(inner) = keep {
                    map.extend(inner);
                }
            }
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let single = types.remove(0);
                    map.insert("type".into(), single);
                }
            }
            map.values_mut().for_each(strip_null_alternatives);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null_alternatives),
        _ => {}
    }
}

/// A compiled schema and the property names it knows (for "did you mean" help).
pub struct DocSchema {
    validator: Validator,
    names: BTreeSet<String>,
}

fn compile(schema: Value) -> DocSchema {
    let mut names = BTreeSet::new();
    collect_property_names(&schema, &mut names);
    // The schema is generated from our own types; failing to compile it is a bug, not input.
    let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("generated schema is invalid: {e}"));
    DocSchema { validator, names }
}

/// The tenant document schema, compiled once.
pub fn tenant_schema() -> &'static DocSchema {
    static S: OnceLock<DocSchema> = OnceLock::new();
    S.get_or_init(|| compile(schema_of::<crate::model::Tenant>()))
}

/// The platform settings schema, compiled once.
pub fn platform_schema() -> &'static DocSchema {
    static S: OnceLock<DocSchema> = OnceLock::new();
    S.get_or_init(|| compile(schema_of::<crate::model::Platform>()))
}

fn collect_property_names(schema: &Value, names: &mut BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                names.extend(props.keys().cloned());
            }
            map.values().for_each(|v| collect_property_names(v, names));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_property_names(v, names)),
        _ => {}
    }
}

/// Validates `doc` against `schema`. `fallback` is where a missing value should have been
/// set (the tenant file for tenants). `prefix` names the document in messages.
pub fn validate(schema: &DocSchema, doc: &Node, fallback: Loc, prefix: &str, diags: &mut Vec<Diagnostic>) {
    let json = doc.to_json(None);
    if schema.validator.is_valid(&json) {
        return;
    }
    for error in schema.validator.iter_errors(&json) {
        let segments: Vec<String> = error
            .instance_path()
            .iter()
            .map(|s| match s {
                LocationSegment::Property(p) => p.to_string(),
                LocationSegment::Index(i) => i.to_string(),
            })
            .collect();
        let (node, key_loc) = resolve(doc, &segments);
        let path = display_path(prefix, &segments);
        diags.extend(describe(schema, error.kind(), node, key_loc, fallback, &path));
    }
}

/// Follows `segments` from `doc`: the node there and the location of the key naming it.
fn resolve<'a>(doc: &'a Node, segments: &[String]) -> (&'a Node, Option<Loc>) {
    let mut node = doc;
    let mut key_loc = None;
    for seg in segments {
        let next = match &node.kind {
            Kind::Map(m) => m.get(seg.as_str()).map(|e| (&e.value, Some(e.key_loc))),
            Kind::Seq(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)).map(|n| (n, None)),
            _ => None,
        };
        let Some((n, k)) = next else { break };
        node = n;
        key_loc = k.or(Some(n.loc));
    }
    (node, key_loc)
}

fn display_path(prefix: &str, segments: &[String]) -> String {
    if segments.is_empty() {
        prefix.to_string()
    } else {
        segments.join(".")
    }
}

fn show(node: &Node) -> String {
    if node.secret {
        return "the secret value".to_string();
    }
    let text = match &node.kind {
        Kind::Str(s) => format!("`{s}`"),
        Kind::Map(_) => "a mapping".to_string(),
        Kind::Seq(_) => "a sequence".to_string(),
        other => format!("`{}`", Node::new(other.clone(), node.loc).to_json(None)),
    };
    if text.chars().count() > 60 {
        format!("{}…`", text.chars().take(58).collect::<String>())
    } else {
        text
    }
}

fn describe(
    schema: &DocSchema,
    kind: &ValidationErrorKind,
    node: &Node,
    key_loc: Option<Loc>,
    fallback: Loc,
    path: &str,
) -> Vec<Diagnostic> {
    use ValidationErrorKind as K;
    let value_error = |message: String, label: &str, help: String| {
        note_layers(
            Diagnostic::error("STRATA-E013", node.loc, message)
                .with_label(label.to_string())
                .with_help(help),
            node,
        )
    };
    let d = match kind {
        K::AdditionalProperties { unexpected } => {
            return unexpected
                .iter()
                .map(|name| {
                    let loc = node.entry(name).map_or(node.loc, |e| e.key_loc);
                    let d = Diagnostic::error("STRATA-E011", loc, format!("unknown field `{name}` in `{path}`"))
                        .with_label("not a field here");
                    match did_you_mean(name, &schema.names) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d.with_help("remove it; `strata schema` writes the JSON Schema listing every field"),
                    }
                })
                .collect();
        }
        K::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let loc = match key_loc {
                Some(loc) => loc,
                None if node.loc.file == fallback.file => Loc { len: 0, ..node.loc },
                None => fallback,
            };
            Diagnostic::error(
                "STRATA-E012",
                loc,
                format!("missing required field `{name}` in `{path}`"),
            )
            .with_label(format!("`{name}` must be set here"))
            .with_help(format!("add `{name}:`"))
        }
        K::Type { kind } => {
            let expected = type_name(&format!("{kind:?}"));
            let yaml11_bool = matches!(
                node.as_str(),
                Some("yes" | "no" | "on" | "off" | "y" | "n" | "Yes" | "No" | "YES" | "NO")
            );
            let help = if expected.contains("true") && yaml11_bool {
                "YAML 1.2 booleans are `true` and `false`; `yes`, `no`, `on` and `off` are strings".to_string()
            } else if expected == "a string" {
                "quote the value to make it a string".to_string()
            } else {
                format!("write {expected} here")
            };
            value_error(
                format!("`{path}` must be {expected}, found {}", show(node)),
                "wrong type",
                help,
            )
        }
        K::Enum { options } => {
            let opts: Vec<String> = options
                .as_array()
                .into_iter()
                .flatten()
                .map(|o| o.to_string().replace('"', "`"))
                .collect();
            value_error(
                format!("`{path}` is {}, expected one of {}", show(node), opts.join(", ")),
                "not an allowed value",
                format!("use one of {}", opts.join(", ")),
            )
        }
        K::Minimum { limit } | K::ExclusiveMinimum { limit } => value_error(
            format!("`{path}` is {}, below the minimum {limit}", show(node)),
            "too small",
            format!("use a value of at least {limit}"),
        ),
        K::Maximum { limit } | K::ExclusiveMaximum { limit } => value_error(
            format!("`{path}` is {}, above the maximum {limit}", show(node)),
            "too large",
            format!("use a value of at most {limit}"),
        ),
        K::Pattern { pattern } => value_error(
            format!("`{path}` is {}, which does not match `{pattern}`", show(node)),
            "malformed",
            format!("write a value matching the pattern `{pattern}`"),
        ),
        K::MinLength { limit } | K::MinItems { limit } => value_error(
            format!("`{path}` is too short (at least {limit})"),
            "too short",
            format!("give at least {limit}"),
        ),
        K::MaxLength { limit } | K::MaxItems { limit } => value_error(
            format!("`{path}` is too long (at most {limit})"),
            "too long",
            format!("give at most {limit}"),
        ),
        K::OneOfNotValid { context } | K::OneOfMultipleValid { context } => {
            let mut alternatives: Vec<String> = context
                .iter()
                .flatten()
                .filter_map(|e| match e.kind() {
                    K::Required { property } => property.as_str().map(|p| format!("`{p}`")),
                    _ => None,
                })
                .collect();
            alternatives.dedup();
            let constants: Vec<String> = context
                .iter()
                .flatten()
                .filter_map(|e| match e.kind() {
                    K::Constant { expected_value } => {
                        Some(format!("`{}`", expected_value.as_str().unwrap_or_default()))
                    }
                    _ => None,
                })
                .collect();
            if alternatives.is_empty() && !constants.is_empty() {
                return vec![value_error(
                    format!("`{path}` is {}, expected one of {}", show(node), constants.join(", ")),
                    "not an allowed value",
                    format!("use one of {}", constants.join(", ")),
                )];
            }
            if alternatives.is_empty() {
                return vec![value_error(
                    format!("`{path}` is invalid"),
                    "invalid value",
                    "see the JSON Schema in schemas/".to_string(),
                )];
            }
            let loc = key_loc.unwrap_or(node.loc);
            Diagnostic::error(
                "STRATA-E012",
                loc,
                format!("`{path}` needs exactly one of {}", alternatives.join(", ")),
            )
            .with_label("set exactly one of them")
            .with_help("the `*_file` form reads the value from a file at run time")
        }
        _ => value_error(
            format!("`{path}` is invalid"),
            "invalid value",
            "see the JSON Schema in schemas/".to_string(),
        ),
    };
    vec![d]
}

fn type_name(debug: &str) -> String {
    let t = debug.to_lowercase();
    let pick = |s: &str| match s {
        "object" => "a mapping",
        "array" => "a sequence",
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "`true` or `false`",
        "null" => "null",
        _ => "another type",
    };
    ["object", "array", "string", "integer", "number", "boolean"]
        .iter()
        .filter(|k| t.contains(*k))
        .map(|k| pick(k))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The known name closest to `name`, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a String>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (edit_distance(name, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4) && *d > 0)
        .min()
        .map(|(_, k)| k.as_str())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
