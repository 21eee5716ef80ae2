//! Laws of layering, checked on generated documents. Keys decide shapes (`m*` mappings,
//! `l*` sequences, `s*` scalars), as in real documents where a field has one shape.

use super::*;
use crate::diag::{FileId, Loc};
use crate::load::{Entry, Map};
use proptest::prelude::*;

fn loc(file: u32, line: u32) -> Loc {
    Loc {
        file: FileId(file),
        line,
        col: 1,
        offset: 0,
        len: 0,
    }
}

/// A document tree without provenance; `layer` is stamped in later.
#[derive(Debug, Clone)]
enum Tree {
    Scalar(i64),
    List(Vec<i64>),
    Map(Vec<(String, Tree)>),
}

fn tree(depth: u32) -> BoxedStrategy<Tree> {
    let leafy = prop_oneof![
        (0..3u8, any::<i64>()).prop_map(|(k, v)| (format!("s{k}"), Tree::Scalar(v))),
        (0..2u8, prop::collection::vec(any::<i64>(), 0..3)).prop_map(|(k, v)| (format!("l{k}"), Tree::List(v))),
    ];
    let entry = if depth == 0 {
        leafy.boxed()
    } else {
        prop_oneof![leafy, (0..2u8, tree(depth - 1)).prop_map(|(k, t)| (format!("m{k}"), t))].boxed()
    };
    prop::collection::vec(entry, 0..5).prop_map(Tree::Map).boxed()
}

fn to_node(t: &Tree, layer: u32, line: &mut u32) -> Node {
    *line += 1;
    let here = loc(layer, *line);
    let kind = match t {
        Tree::Scalar(v) => Kind::Int(*v),
        Tree::List(items) => Kind::Seq(items.iter().map(|v| Node::new(Kind::Int(*v), here)).collect()),
        Tree::Map(entries) => {
            let mut map = Map::default();
            for (k, v) in entries {
                let value = to_node(v, layer, line);
                map.insert(
                    k.clone(),
                    Entry {
                        key_loc: value.loc,
                        value,
                    },
                );
            }
            Kind::Map(map)
        }
    };
    Node::new(kind, here)
}

fn layered(trees: &[Tree]) -> Vec<Node> {
    let mut line = 0;
    trees
        .iter()
        .enumerate()
        .map(|(i, t)| to_node(t, i as u32, &mut line))
        .collect()
}

fn fold(nodes: Vec<Node>) -> Option<Node> {
    let mut diags = Vec::new();
    let out = merge_layers(nodes, &mut diags);
    assert!(diags.is_empty(), "shapes are consistent by construction: {diags:?}");
    out
}

/// Every leaf path with its value and provenance.
fn leaves(node: &Node, path: String, out: &mut Vec<(String, serde_json::Value, Loc, Vec<Loc>)>) {
    match &node.kind {
        Kind::Map(m) => m.iter().for_each(|(k, e)| leaves(&e.value, format!("{path}/{k}"), out)),
        _ => out.push((path, node.to_json(None), node.loc, node.overridden.clone())),
    }
}

fn leaf_map(node: &Node) -> Vec<(String, serde_json::Value, Loc, Vec<Loc>)> {
    let mut out = Vec::new();
    leaves(node, String::new(), &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

proptest! {
    #[test]
    fn layering_is_associative(a in tree(2), b in tree(2), c in tree(2)) {
        let [na, nb, nc]: [Node; 3] = layered(&[a, b, c]).try_into().unwrap_or_else(|_| unreachable!());
        let left = fold(vec![fold(vec![na.clone(), nb.clone()]).unwrap_or_else(|| unreachable!()), nc.clone()]);
        let right = fold(vec![na, fold(vec![nb, nc]).unwrap_or_else(|| unreachable!())]);
        let (left, right) = (left.map(|n| leaf_map(&n)), right.map(|n| leaf_map(&n)));
        prop_assert_eq!(left, right);
    }

    #[test]
    fn maps_merge_lists_replace_and_the_last_writer_wins(layers in prop::collection::vec(tree(2), 1..5)) {
        let nodes = layered(&layers);
        let per_layer: Vec<_> = nodes.iter().map(leaf_map).collect();
        let merged = fold(nodes).map(|n| leaf_map(&n)).unwrap_or_default();
        for (path, value, origin, overridden) in &merged {
            let writers: Vec<_> = per_layer.iter().filter_map(|l| l.iter().find(|(p, ..)| p == path)).collect();
            let last = writers.last().map(|w| (&w.1, w.2));
            prop_assert_eq!(last, Some((value, *origin)), "the last layer that wrote {} wins, lists whole", path);
            let earlier: Vec<Loc> = writers[..writers.len() - 1].iter().map(|w| w.2).collect();
            prop_assert_eq!(&earlier, overridden, "provenance of {} lists every earlier layer", path);
        }
        let written: std::collections::BTreeSet<&String> = per_layer.iter().flatten().map(|l| &l.0).collect();
        let present: std::collections::BTreeSet<&String> = merged.iter().map(|l| &l.0).collect();
        prop_assert_eq!(written, present, "no leaf is lost or invented");
    }

    #[test]
    fn null_removes_a_key(base in tree(2), key in "[msl][0-1]") {
        let mut nodes = layered(&[base]);
        let mut removal = Map::default();
        removal.insert(key.clone(), Entry { key_loc: loc(9, 1), value: Node::new(Kind::Null, loc(9, 1)) });
        nodes.push(Node::new(Kind::Map(removal), loc(9, 1)));
        let merged = fold(nodes);
        prop_assert!(merged.as_ref().and_then(|n| n.get(&key)).is_none());
    }
}

#[test]
fn a_change_of_shape_points_at_both_layers() {
    let mut line = 0;
    let base = to_node(&Tree::Map(vec![("m0".into(), Tree::Map(vec![]))]), 0, &mut line);
    let over = to_node(&Tree::Map(vec![("m0".into(), Tree::Scalar(1))]), 1, &mut line);
    let mut diags = Vec::new();
    merge_layers([base, over], &mut diags);
    assert_eq!(diags.len(), 1);
    assert_eq!(
        (diags[0].code.as_ref(), diags[0].loc.file, diags[0].notes[0].loc.file),
        ("STRATA-E010", FileId(1), FileId(0))
    );
}
