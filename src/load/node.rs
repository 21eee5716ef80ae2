//! The value tree every stage works on: YAML values with the location they were written at
//! and, after merging, the locations of the values they replaced.

use crate::diag::Loc;
use indexmap::IndexMap;

/// A value with its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub kind: Kind,
    /// Where the value was written (for a merged mapping: the last layer that wrote it).
    pub loc: Loc,
    /// Values this one replaced, earliest first.
    pub overridden: Vec<Loc>,
    /// The text before `${...}` interpolation, when interpolation changed it.
    pub raw: Option<Box<str>>,
    /// Whether the value is a secret that must never be shown.
    pub secret: bool,
}

/// A mapping entry: the key's location and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Where the key was written.
    pub key_loc: Loc,
    /// The value.
    pub value: Node,
}

/// A mapping from string keys to entries, in source order.
pub type Map = IndexMap<String, Entry, rustc_hash::FxBuildHasher>;

/// The kinds of value YAML can express (with the strict core schema).
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `null`, `~` or empty.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A finite floating point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping.
    Map(Map),
}

impl Kind {
    /// The kind's name as used in messages: mapping, sequence or scalar.
    pub fn shape(&self) -> &'static str {
        match self {
            Kind::Map(_) => "mapping",
            Kind::Seq(_) => "sequence",
            _ => "scalar",
        }
    }
}

impl Node {
    /// A node of `kind` written at `loc`.
    pub fn new(kind: Kind, loc: Loc) -> Self {
        Self {
            kind,
            loc,
            overridden: Vec::new(),
            raw: None,
            secret: false,
        }
    }

    /// The entry `key` of a mapping.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.kind {
            Kind::Map(m) => m.get(key),
            _ => None,
        }
    }

    /// The value at `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Follows a path of mapping keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The string value, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The integer value, if this is an integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self.kind {
            Kind::Int(i) => Some(i),
            _ => None,
        }
    }

    /// The entries of a mapping (empty for other kinds).
    pub fn entries(&self) -> impl Iterator<Item = (&String, &Entry)> {
        let map = match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        };
        map.into_iter().flat_map(|m| m.iter())
    }

    /// The items of a sequence (empty for other kinds).
    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(s) => s,
            _ => &[],
        }
    }

    /// Converts to JSON. With `redacted` given, a secret is written as its `${...}`
    /// reference, or as `redacted` when it was a literal.
    pub fn to_json(&self, redacted: Option<&str>) -> serde_json::Value {
        use serde_json::Value;
        if self.secret
            && let Some(r) = redacted
        {
            return Value::String(self.raw.as_deref().unwrap_or(r).to_string());
        }
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Int(i) => Value::from(*i),
            Kind::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::Seq(items) => Value::Array(items.iter().map(|n| n.to_json(redacted)).collect()),
            Kind::Map(m) => Value::Object(m.iter().map(|(k, e)| (k.clone(), e.value.to_json(redacted))).collect()),
        }
    }
}
