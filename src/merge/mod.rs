//! Layering (SPEC section 2): mappings merge key by key, anything else is replaced whole,
//! `null` removes a key, and a change of shape (mapping, sequence, scalar) between layers
//! is an error pointing at both. Every value keeps the locations of the values it replaced.

use crate::diag::Diagnostic;
use crate::load::{Entry, Kind, Node};

/// Merges `over` on top of `base`. Returns `None` when the result is removed (`over` is null).
/// Shape conflicts are reported into `diags`; the later layer wins so checking can go on.
pub fn merge(base: Node, over: Node, path: &mut Vec<String>, diags: &mut Vec<Diagnostic>) -> Option<Node> {
    if over.kind == Kind::Null {
        return None;
    }
    match (base.kind, over.kind) {
        (Kind::Map(mut base_map), Kind::Map(over_map)) => {
            for (key, over_entry) in over_map {
                path.push(key.clone());
                match base_map.get_mut(&key) {
                    Some(base_entry) => {
                        let placeholder = Node::new(Kind::Null, base_entry.value.loc);
                        let earlier = std::mem::replace(&mut base_entry.value, placeholder);
                        match merge(earlier, over_entry.value, path, diags) {
                            Some(value) => {
                                *base_entry = Entry {
                                    key_loc: over_entry.key_loc,
                                    value,
                                }
                            }
                            None => {
                                base_map.shift_remove(&key);
                            }
                        }
                    }
                    None => {
                        if let Some(value) = strip_nulls(over_entry.value) {
                            base_map.insert(
                                key,
                                Entry {
                                    key_loc: over_entry.key_loc,
                                    value,
                                },
                            );
                        }
                    }
                }
                path.pop();
            }
            let mut overridden = base.overridden;
            overridden.push(base.loc);
            Some(Node {
                kind: Kind::Map(base_map),
                loc: over.loc,
                overridden,
                raw: None,
                secret: false,
            })
        }
        (base_kind, over_kind) => {
            if base_kind.shape() != over_kind.shape() && base_kind != Kind::Null {
                diags.push(kind_conflict(
                    path,
                    base_kind.shape(),
                    base.loc,
                    over_kind.shape(),
                    over.loc,
                ));
            }
            let mut overridden = base.overridden;
            overridden.push(base.loc);
            overridden.extend(over.overridden);
            Some(Node {
                kind: over_kind,
                loc: over.loc,
                overridden,
                raw: over.raw,
                secret: over.secret,
            })
        }
    }
}

/// Merges a list of layers in order (the first is the lowest).
pub fn merge_layers(layers: impl IntoIterator<Item = Node>, diags: &mut Vec<Diagnostic>) -> Option<Node> {
    let mut acc: Option<Node> = None;
    for layer in layers {
        acc = match acc {
            None => strip_nulls(layer),
            Some(base) => merge(base, layer, &mut Vec::new(), diags),
        };
    }
    acc
}

/// Removes null values (they only mean "remove" when something is below them).
pub fn strip_nulls(node: Node) -> Option<Node> {
    match node.kind {
        Kind::Null => None,
        Kind::Map(map) => {
            let map = map
                .into_iter()
                .filter_map(|(k, e)| {
                    strip_nulls(e.value).map(|value| {
                        (
                            k,
                            Entry {
                                key_loc: e.key_loc,
                                value,
                            },
                        )
                    })
                })
                .collect();
            Some(Node {
                kind: Kind::Map(map),
                ..node
            })
        }
        _ => Some(node),
    }
}

fn kind_conflict(
    path: &[String],
    base_shape: &str,
    base_loc: crate::diag::Loc,
    over_shape: &str,
    over_loc: crate::diag::Loc,
) -> Diagnostic {
    let dotted = if path.is_empty() {
        "the document".to_string()
    } else {
        format!("`{}`", path.join("."))
    };
    Diagnostic::error(
        "STRATA-E010",
        over_loc,
        format!("{dotted} changes from a {base_shape} to a {over_shape}"),
    )
    .with_label(format!("a {over_shape} here"))
    .with_note(base_loc, format!("a {base_shape} in the earlier layer"))
    .with_help(format!(
        "a later layer must keep the shape of {dotted}; write a {base_shape} as the earlier layer does"
    ))
}

#[cfg(test)]
mod tests;
