//! The schema files `strata schema` writes, for editors (yaml-language-server) as well as
//! for reference. Every field carries a `title` (from its key) and a `description` (from
//! the Rust doc comment, through schemars).
//!
//! `tenant.schema.json` and `platform.schema.json` are what the merged documents are
//! validated against. A repository's files are layers, so a field the merged document
//! requires may be set by another layer, and `null` removes a value an earlier layer set:
//! the schemas of layers require nothing (but a tenant file's `id`) and accept `null`:
//! - `tenant-file.schema.json`: a tenant file, `tenants/<id>.yaml`;
//! - `tenant-overlay.schema.json`: a tenant in one environment, `tenants/<id>/<env>.yaml`;
//! - `environment.schema.json`: `defaults.yaml` and `environments/<env>.yaml`, with the
//!   top-level keys `platform` and `tenant_defaults`;
//! - `tenant.schema.json`: the merged tenant document;
//! - `platform.schema.json`: the merged platform settings;
//! - `strata-toml.schema.json`: `strata.toml`.

use super::schema::schema_of;
use serde_json::{Map, Value, json};

/// `Max replicas` for `max_replicas`.
fn humanize(key: &str) -> String {
    let text = key.replace(['_', '-'], " ");
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Adds a title to every property that has none. Conditions (`if`) are left alone: their
/// properties are tests, not fields.
fn add_titles(schema: &mut Value) {
    let Value::Object(map) = schema else {
        if let Value::Array(items) = schema {
            items.iter_mut().for_each(add_titles);
        }
        return;
    };
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        for (key, prop) in props.iter_mut() {
            if let Value::Object(p) = prop {
                p.entry("title").or_insert_with(|| json!(humanize(key)));
            }
        }
    }
    for (key, value) in map.iter_mut() {
        if key != "if" {
            add_titles(value);
        }
    }
}

/// Removes every `required` outside conditions, for a layer that other layers complete.
fn drop_required(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            map.remove("required");
            for (key, value) in map.iter_mut() {
                if key != "if" {
                    drop_required(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_required),
        _ => {}
    }
}

/// Removes the `oneOf` / `anyOf` that an alternative without constraints (`{}`, what a
/// `required`-only alternative becomes in a layer) makes trivially true or unsatisfiable.
fn drop_trivial_alternatives(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            map.values_mut().for_each(drop_trivial_alternatives);
            for key in ["oneOf", "anyOf"] {
                let trivial = map
                    .get(key)
                    .and_then(Value::as_array)
                    .is_some_and(|alts| alts.iter().any(|a| a.as_object().is_some_and(Map::is_empty)));
                if trivial {
                    map.remove(key);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_trivial_alternatives),
        _ => {}
    }
}

/// `schema`, or `null`: in a layer, `null` removes a key set by an earlier layer. The title
/// and description stay outside, where editors look for them.
fn or_null(schema: &mut Value) {
    let Value::Object(inner) = schema else {
        return;
    };
    let mut outer = Map::new();
    for key in ["title", "description"] {
        if let Some(v) = inner.remove(key) {
            outer.insert(key.into(), v);
        }
    }
    outer.insert(
        "anyOf".into(),
        json!([Value::Object(std::mem::take(inner)), {"type": "null"}]),
    );
    *schema = Value::Object(outer);
}

/// Lets every property and map value of a layer be `null`.
fn nullable(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key != "if" {
                    nullable(value);
                }
            }
            if let Some(Value::Object(props)) = map.get_mut("properties") {
                props.values_mut().for_each(or_null);
            }
            if let Some(extra @ Value::Object(_)) = map.get_mut("additionalProperties") {
                or_null(extra);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(nullable),
        _ => {}
    }
}

/// A layer's schema: nothing required (another layer may set it), `null` allowed anywhere.
fn layer(schema: &mut Value) {
    drop_required(schema);
    drop_trivial_alternatives(schema);
    nullable(schema);
}

/// Splits a generated schema into its root (without `$schema` and `$defs`) and its `$defs`.
fn split(mut schema: Value) -> (Map<String, Value>, Map<String, Value>) {
    let Value::Object(mut root) = schema.take() else {
        return (Map::new(), Map::new());
    };
    root.remove("$schema");
    let defs = match root.remove("$defs") {
        Some(Value::Object(defs)) => defs,
        _ => Map::new(),
    };
    (root, defs)
}

/// The schema of `defaults.yaml` and `environments/<env>.yaml`.
fn environment() -> Value {
    let (mut platform, mut defs) = split(schema_of::<crate::model::Platform>());
    let (mut tenant, tenant_defs) = split(schema_of::<crate::model::Tenant>());
    for (name, def) in tenant_defs {
        // Both come from one crate: a name shared by the two models is one type.
        defs.entry(name).or_insert(def);
    }
    if let Some(Value::Object(props)) = tenant.get_mut("properties") {
        props.remove("id");
    }
    platform.insert(
        "description".into(),
        json!("Platform settings of every environment (defaults.yaml) or of this one; later layers override them key by key."),
    );
    tenant.insert(
        "description".into(),
        json!("Defaults of every tenant (defaults.yaml) or of every tenant in this environment; tenant files override them key by key."),
    );
    platform.insert("title".into(), json!("Platform"));
    tenant.insert("title".into(), json!("Tenant defaults"));
    defs.insert("PlatformLayer".into(), Value::Object(platform));
    defs.insert("TenantDefaults".into(), Value::Object(tenant));
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "strata environment or defaults file",
        "description": "defaults.yaml (layer 1) or environments/<env>.yaml (layer 2): the platform settings and the tenant defaults of every environment or of one.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "platform": {
                "$ref": "#/$defs/PlatformLayer",
                "description": "Platform settings: Prometheus, Alertmanager, Grafana, Kubernetes, regions, SMTP.",
            },
            "tenant_defaults": {
                "$ref": "#/$defs/TenantDefaults",
                "description": "Values every tenant gets unless its own files set them.",
            },
        },
        "$defs": defs,
    });
    layer(&mut schema);
    schema
}

/// The schema of `tenants/<id>/<env>.yaml`.
fn tenant_overlay() -> Value {
    let mut schema = schema_of::<crate::model::Tenant>();
    layer(&mut schema);
    if let Value::Object(map) = &mut schema {
        map.insert("title".into(), json!("strata tenant overlay"));
        map.insert(
            "description".into(),
            json!("tenants/<id>/<env>.yaml (layer 4): the tenant in one environment; it overrides the tenant file key by key."),
        );
    }
    schema
}

/// The schema of `tenants/<id>.yaml`: only `id` is required there, the rest may come from
/// defaults.
fn tenant_file() -> Value {
    let mut schema = schema_of::<crate::model::Tenant>();
    layer(&mut schema);
    if let Value::Object(map) = &mut schema {
        map.insert("required".into(), json!(["id"]));
    }
    schema
}

/// The schema files: name in `schemas/` and content.
pub fn files() -> Vec<(&'static str, Value)> {
    let mut files = vec![
        ("tenant.schema.json", schema_of::<crate::model::Tenant>()),
        ("tenant-file.schema.json", tenant_file()),
        ("tenant-overlay.schema.json", tenant_overlay()),
        ("environment.schema.json", environment()),
        ("platform.schema.json", schema_of::<crate::model::Platform>()),
        ("strata-toml.schema.json", schema_of::<crate::project::Project>()),
    ];
    for (_, schema) in &mut files {
        add_titles(schema);
    }
    files
}

/// The schema file a repository file uses, for its `yaml-language-server` modeline:
/// `path` is relative to the repository root.
pub fn schema_for(path: &str) -> Option<&'static str> {
    let parts: Vec<&str> = path.split('/').collect();
    let yaml = |name: &str| name.ends_with(".yaml") || name.ends_with(".yml");
    match parts.as_slice() {
        ["defaults.yaml" | "defaults.yml"] => Some("environment.schema.json"),
        ["environments", name] if yaml(name) => Some("environment.schema.json"),
        ["tenants", name] if yaml(name) => Some("tenant-file.schema.json"),
        ["tenants", _, name] if yaml(name) => Some("tenant-overlay.schema.json"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every property outside conditions, as `file: path`, missing a title or description.
    fn undocumented(file: &str, schema: &Value, path: &str, out: &mut Vec<String>) {
        match schema {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties") {
                    for (key, prop) in props {
                        for attr in ["title", "description"] {
                            let text = prop.get(attr).and_then(Value::as_str).unwrap_or_default();
                            if text.trim().is_empty() {
                                out.push(format!("{file}: {path}/properties/{key} has no {attr}"));
                            }
                        }
                    }
                }
                for (key, value) in map {
                    if key != "if" {
                        undocumented(file, value, &format!("{path}/{key}"), out);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    undocumented(file, item, &format!("{path}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_field_has_a_title_and_a_description() {
        let mut missing = Vec::new();
        for (file, schema) in files() {
            undocumented(file, &schema, "#", &mut missing);
        }
        assert!(missing.is_empty(), "add doc comments:\n{}", missing.join("\n"));
    }

    #[test]
    fn the_walk_finds_an_undocumented_field() {
        let mut missing = Vec::new();
        let schema = json!({"properties": {"a": {"title": "A"}, "b": {"properties": {"c": {"description": "d"}}}}});
        undocumented("x", &schema, "#", &mut missing);
        assert_eq!(
            missing,
            [
                "x: #/properties/a has no description",
                "x: #/properties/b has no title",
                "x: #/properties/b has no description",
                "x: #/properties/b/properties/c has no title"
            ]
        );
    }

    #[test]
    fn layers_require_nothing_but_conditions_stay() {
        let files = files();
        let get = |name: &str| files.iter().find(|(n, _)| *n == name).map(|(_, s)| s.to_string());
        let overlay = get("tenant-overlay.schema.json").unwrap_or_default();
        assert!(!overlay.contains("\"required\":[\"id\"]"), "{overlay}");
        assert!(overlay.contains("\"if\""), "conditions are kept");
        let tenant = get("tenant-file.schema.json").unwrap_or_default();
        assert!(tenant.contains("\"required\":[\"id\"]") && tenant.contains("{\"type\":\"null\"}"));
        let merged = get("tenant.schema.json").unwrap_or_default();
        assert!(
            !merged.contains("{\"type\":\"null\"}"),
            "the merged document has no null"
        );
        let env = get("environment.schema.json").unwrap_or_default();
        assert!(env.contains("\"tenant_defaults\"") && env.contains("\"PlatformLayer\""));
    }

    #[test]
    fn layer_values_may_be_null_and_required_only_alternatives_go() {
        let mut s = json!({
            "required": ["a"],
            "properties": {
                "a": {"title": "A", "description": "d", "type": "string"},
                "b": {"oneOf": [{"required": ["x"]}, {"required": ["y"]}], "properties": {"x": {"type": "string"}}},
            },
        });
        layer(&mut s);
        assert_eq!(
            s["properties"]["a"],
            json!({"title": "A", "description": "d", "anyOf": [{"type": "string"}, {"type": "null"}]})
        );
        assert!(s.get("required").is_none());
        let b = &s["properties"]["b"]["anyOf"][0];
        assert!(b.get("oneOf").is_none() && b["properties"]["x"]["anyOf"][1] == json!({"type": "null"}));
    }

    #[test]
    fn files_map_to_their_schema() {
        assert_eq!(schema_for("defaults.yaml"), Some("environment.schema.json"));
        assert_eq!(schema_for("environments/dev.yaml"), Some("environment.schema.json"));
        assert_eq!(schema_for("tenants/a.yaml"), Some("tenant-file.schema.json"));
        assert_eq!(schema_for("tenants/a/dev.yaml"), Some("tenant-overlay.schema.json"));
        assert_eq!(schema_for("strata.toml"), None);
        assert_eq!(humanize("max_replicas"), "Max replicas");
    }
}
