//! YAML text to a [`Node`] tree with a location on every value. Uses the event parser of
//! saphyr (the parser serde-saphyr is built on) so that every value, not only typed
//! fields, keeps its span. The tree is built without recursion and within limits, so no
//! input can exhaust the stack or the memory.

use super::lines::LineIndex;
use super::node::{Entry, Kind, Map, Node};
use super::scalar::resolve_plain;
use crate::diag::{Diagnostic, FileId, Loc};
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

/// Deepest nesting of mappings and sequences accepted.
pub const MAX_DEPTH: usize = 64;
/// Most values (after alias expansion) accepted in one file.
pub const MAX_NODES: usize = 200_000;

enum Frame {
    Seq {
        items: Vec<Node>,
        loc: Loc,
        anchor: usize,
    },
    Map {
        map: Map,
        loc: Loc,
        anchor: usize,
        key: Option<Key>,
        merges: Vec<Node>,
    },
}

struct Key {
    text: String,
    loc: Loc,
    is_merge: bool,
}

struct Builder<'a> {
    lines: LineIndex<'a>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    root: Option<Node>,
    documents: usize,
    diags: Vec<Diagnostic>,
}

/// Why parsing stopped early.
struct Abort(Box<Diagnostic>);

fn abort(d: Diagnostic) -> Abort {
    Abort(Box::new(d))
}

/// Parses one YAML document. Returns the tree (absent after a fatal problem) and every
/// diagnostic found (duplicate keys do not stop parsing).
pub fn parse_yaml(text: &str, file: FileId) -> (Option<Node>, Vec<Diagnostic>) {
    let mut b = Builder {
        lines: LineIndex::new(text),
        stack: Vec::new(),
        anchors: HashMap::default(),
        nodes: 0,
        root: None,
        documents: 0,
        diags: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let step = match next {
            Ok((event, span)) => {
                let loc = b.lines.loc(
                    file,
                    (span.start.line(), span.start.col()),
                    (span.end.line(), span.end.col()),
                );
                b.event(event, loc)
            }
            Err(e) => {
                let m = e.marker();
                let loc = b.lines.loc(file, (m.line(), m.col()), (m.line(), m.col()));
                Err(abort(scan_error(e.info(), loc)))
            }
        };
        if let Err(Abort(d)) = step {
            b.diags.push(*d);
            return (None, b.diags);
        }
    }
    let root = b.root.unwrap_or_else(|| Node::new(Kind::Null, Loc::file_start(file)));
    (Some(root), b.diags)
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, loc: Loc) -> Result<(), Abort> {
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(abort(
                        Diagnostic::error("STRATA-E001", loc, "more than one YAML document in the file")
                            .with_label("second document starts here")
                            .with_help("keep one document per file; split the rest into their own files"),
                    ));
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let kind = self.scalar_kind(&value, style, tag.as_deref(), loc)?;
                let is_merge = style == ScalarStyle::Plain && value == "<<";
                self.value(Node::new(kind, loc), anchor, is_merge)?;
            }
            Event::SequenceStart(_, Some(tag)) | Event::MappingStart(_, Some(tag)) if !is_collection_tag(&tag) => {
                return Err(abort(unsupported_tag(&tag, loc)));
            }
            Event::SequenceStart(anchor, _) => self.open(Frame::Seq {
                items: Vec::new(),
                loc: Loc { len: 0, ..loc },
                anchor,
            })?,
            Event::MappingStart(anchor, _) => self.open(Frame::Map {
                map: Map::default(),
                loc: Loc { len: 0, ..loc },
                anchor,
                key: None,
                merges: Vec::new(),
            })?,
            Event::SequenceEnd | Event::MappingEnd => self.close()?,
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id) else {
                    return Err(abort(unknown_anchor(loc)));
                };
                self.nodes += size;
                if self.nodes > MAX_NODES {
                    return Err(abort(alias_bomb(loc)));
                }
                let node = node.clone();
                self.value(node, 0, false)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn scalar_kind(
        &self,
        value: &str,
        style: ScalarStyle,
        tag: Option<&saphyr_parser::Tag>,
        loc: Loc,
    ) -> Result<Kind, Abort> {
        let Some(tag) = tag else {
            return Ok(if style == ScalarStyle::Plain {
                resolve_plain(value)
            } else {
                Kind::Str(value.to_string())
            });
        };
        let core = tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!";
        let resolved = match (core, tag.suffix.as_str()) {
            (true, "str") => Some(Kind::Str(value.to_string())),
            (true, "null" | "bool" | "int" | "float") => {
                let kind = resolve_plain(value);
                let fits = matches!(
                    (tag.suffix.as_str(), &kind),
                    ("null", Kind::Null)
                        | ("bool", Kind::Bool(_))
                        | ("int", Kind::Int(_))
                        | ("float", Kind::Float(_) | Kind::Int(_))
                );
                fits.then_some(kind)
            }
            _ => None,
        };
        resolved.ok_or_else(|| abort(unsupported_tag(tag, loc)))
    }

    fn open(&mut self, frame: Frame) -> Result<(), Abort> {
        if self.stack.len() >= MAX_DEPTH {
            let loc = match &frame {
                Frame::Seq { loc, .. } | Frame::Map { loc, .. } => *loc,
            };
            return Err(abort(
                Diagnostic::error("STRATA-E004", loc, format!("nesting deeper than {MAX_DEPTH} levels"))
                    .with_label("too deep")
                    .with_help("flatten the structure; no strata setting nests this deep"),
            ));
        }
        self.count(match &frame {
            Frame::Seq { loc, .. } | Frame::Map { loc, .. } => *loc,
        })?;
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self) -> Result<(), Abort> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (node, anchor) = match frame {
            // Every tenant file's tree is held for the whole run: growth slack would cost
            // more than the values themselves (a 4-key mapping reserves 7 slots).
            Frame::Seq { mut items, loc, anchor } => {
                items.shrink_to_fit();
                (Node::new(Kind::Seq(items), loc), anchor)
            }
            Frame::Map {
                mut map,
                loc,
                anchor,
                merges,
                ..
            } => {
                for merged in merges {
                    merge_key_entries(&mut map, merged);
                }
                map.shrink_to_fit();
                (Node::new(Kind::Map(map), loc), anchor)
            }
        };
        self.value(node, anchor, false)
    }

    fn count(&mut self, loc: Loc) -> Result<(), Abort> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(abort(alias_bomb(loc)));
        }
        Ok(())
    }

    fn value(&mut self, node: Node, anchor: usize, is_merge: bool) -> Result<(), Abort> {
        if !matches!(node.kind, Kind::Seq(_) | Kind::Map(_)) {
            self.count(node.loc)?;
        }
        if anchor != 0 {
            let size = subtree_size(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { key: key @ None, .. }) => {
                let text = match &node.kind {
                    Kind::Str(s) => s.clone(),
                    Kind::Int(i) => i.to_string(),
                    Kind::Float(f) => f.to_string(),
                    Kind::Bool(b) => b.to_string(),
                    Kind::Null => "null".to_string(),
                    Kind::Seq(_) | Kind::Map(_) => {
                        return Err(abort(
                            Diagnostic::error("STRATA-E001", node.loc, "mapping keys must be plain strings")
                                .with_help("use a string key"),
                        ));
                    }
                };
                *key = Some(Key {
                    text,
                    loc: node.loc,
                    is_merge,
                });
            }
            Some(Frame::Map {
                map,
                key: key @ Some(_),
                merges,
                ..
            }) => {
                let Some(k) = key.take() else { return Ok(()) };
                if k.is_merge {
                    merges.push(node);
                } else if let Some(first) = map.get(&k.text) {
                    self.diags.push(
                        Diagnostic::error("STRATA-E002", k.loc, format!("duplicate key `{}`", k.text))
                            .with_label("defined again here")
                            .with_note(first.key_loc, "first defined here")
                            .with_help("remove one of the two; YAML parsers disagree on which one wins"),
                    );
                } else {
                    map.insert(
                        k.text,
                        Entry {
                            key_loc: k.loc,
                            value: node,
                        },
                    );
                }
            }
        }
        Ok(())
    }
}

/// Applies a YAML merge key (`<<: *base` or `<<: [*a, *b]`): entries missing from `map`
/// are taken from the merged mappings.
fn merge_key_entries(map: &mut Map, merged: Node) {
    let sources = match merged.kind {
        Kind::Map(m) => vec![m],
        Kind::Seq(items) => items
            .into_iter()
            .filter_map(|n| match n.kind {
                Kind::Map(m) => Some(m),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    for source in sources {
        for (k, e) in source {
            map.entry(k).or_insert(e);
        }
    }
}

fn subtree_size(node: &Node) -> usize {
    let mut size = 0;
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        size += 1;
        match &n.kind {
            Kind::Seq(items) => todo.extend(items.iter()),
            Kind::Map(m) => todo.extend(m.values().map(|e| &e.value)),
            _ => {}
        }
    }
    size
}

fn is_collection_tag(tag: &saphyr_parser::Tag) -> bool {
    (tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:") && matches!(tag.suffix.as_str(), "map" | "seq")
}

fn unsupported_tag(tag: &saphyr_parser::Tag, loc: Loc) -> Diagnostic {
    let tag = format!("{}{}", tag.handle, tag.suffix);
    Diagnostic::error("STRATA-E001", loc, format!("unsupported YAML tag `{tag}`"))
        .with_label("tag not allowed")
        .with_help("remove the tag; strata reads plain YAML values and never constructs objects from tags")
}

/// A parser error as a diagnostic, with help that fits the common causes.
fn scan_error(info: &str, loc: Loc) -> Diagnostic {
    if info.contains("recursion limit") {
        // The scanner's own depth limit, met by flow collections before the tree's.
        return Diagnostic::error("STRATA-E004", loc, format!("nesting deeper than {MAX_DEPTH} levels"))
            .with_label("too deep")
            .with_help("flatten the structure; no strata setting nests this deep");
    }
    if info.contains("unknown anchor") {
        return unknown_anchor(loc);
    }
    let help = if info.contains("simple key") {
        "a plain key must end with `:` on the same line and be at most 1024 characters; quote long keys or use `? key`"
    } else if info.contains("tab") {
        "indent with spaces; YAML does not allow tabs for indentation"
    } else {
        "fix the YAML syntax; `yamllint` or your editor's YAML mode can help"
    };
    Diagnostic::error("STRATA-E001", loc, format!("invalid YAML: {info}"))
        .with_label("here")
        .with_help(help)
}

/// An alias whose anchor is not defined before it, or whose value it is inside of.
fn unknown_anchor(loc: Loc) -> Diagnostic {
    Diagnostic::error("STRATA-E003", loc, "alias to an unknown anchor")
        .with_label("no complete `&anchor` of this name before here")
        .with_help(
            "define the anchor (`&name`) before its alias (`*name`), in the same file; \
             an alias cannot refer to the value it is part of",
        )
}

fn alias_bomb(loc: Loc) -> Diagnostic {
    Diagnostic::error(
        "STRATA-E003",
        loc,
        format!("document expands to more than {MAX_NODES} values"),
    )
    .with_label("expansion limit reached here")
    .with_help("aliases that reference aliases multiply; write the values out or split the file")
}
