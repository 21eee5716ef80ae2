//! Fuzz target `yaml_merge`: the sections of the input (the [`super::repo`] format, paths
//! ignored) are decoded and parsed as layer files, then merged in order. Parsing and
//! merging may not panic, every diagnostic is well formed, every location in the merged
//! tree (value and overridden layers) is a real place in a layer, and when no layer
//! changes a value's shape the result equals a plain model of the SPEC's merge rules on
//! JSON: mappings merge key by key, `null` removes a key, anything else replaces whole.

use super::diags::{assert_loc, assert_well_formed};
use super::repo;
use serde_json::Value;
use std::sync::Arc;
use strata::diag::SourceMap;
use strata::load::{Kind, Node, check_raw, decode, parse_yaml};
use strata::merge::merge_layers;

/// The SPEC's merge of `over` onto `base`; `None` when `over` removes the value.
fn model_merge(base: Option<Value>, over: Value) -> Option<Value> {
    match (base, over) {
        (_, Value::Null) => None,
        (Some(Value::Object(mut base)), Value::Object(over)) => {
            for (key, value) in over {
                match model_merge(base.get(&key).cloned(), value) {
                    Some(v) => {
                        base.insert(key, v);
                    }
                    None => {
                        base.shift_remove(&key);
                    }
                }
            }
            Some(Value::Object(base))
        }
        (_, Value::Object(over)) => model_merge(Some(Value::Object(Default::default())), Value::Object(over)),
        (_, over) => Some(over),
    }
}

fn assert_locs(node: &Node, sources: &SourceMap) {
    assert_loc(&node.loc, sources, &"merged value");
    node.overridden
        .iter()
        .for_each(|l| assert_loc(l, sources, &"overridden value"));
    match &node.kind {
        Kind::Map(map) => map.values().for_each(|e| {
            assert_loc(&e.key_loc, sources, &"merged key");
            assert_locs(&e.value, sources);
        }),
        Kind::Seq(items) => items.iter().for_each(|n| assert_locs(n, sources)),
        _ => {}
    }
}

/// Runs the target on one input.
pub fn run(data: &[u8]) {
    let mut sources = SourceMap::default();
    let mut diags = Vec::new();
    let mut layers = Vec::new();
    for (path, bytes) in repo::files(data).into_iter().filter(|(p, _)| p != "strata.toml") {
        let raw = decode(bytes);
        let file = sources.add(path.clone(), path.into(), Arc::new(raw.text.clone()));
        if let Some(d) = check_raw(&raw, file) {
            diags.push(d);
            continue;
        }
        let (node, mut d) = parse_yaml(&raw.text, file);
        diags.append(&mut d);
        layers.extend(node);
    }
    let before = diags.len();
    let model = layers
        .iter()
        .fold(None, |acc, layer| model_merge(acc, layer.to_json(None)));
    let merged = merge_layers(layers, &mut diags);
    assert_well_formed(&diags, &sources);
    if let Some(merged) = &merged {
        assert_locs(merged, &sources);
    }
    if diags.len() == before {
        assert_eq!(
            merged.map(|m| m.to_json(None)),
            model,
            "merge differs from the SPEC's rules"
        );
    }
}
