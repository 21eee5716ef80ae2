//! The tenant file an import writes into: read (or started as `id: <tenant>`), the rules
//! put in place, and written back atomically with the project's safe YAML emitter.
//! Comments and formatting of an existing file are not kept.

use crate::diag::{Diagnostic, SourceMap};
use crate::load::{Kind, Node, check_raw, parse_yaml, read_file};
use serde_json::{Map, Value};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// Where rules of each kind go: (section, map).
pub const ALERTING: (&str, &str) = ("alerting", "rules");
/// Where recording rules go.
pub const RECORDING: (&str, &str) = ("monitoring", "recording_rules");

/// The tenant document as JSON, and whether the file existed.
#[derive(Debug)]
pub struct Loaded {
    /// The document.
    pub doc: Map<String, Value>,
    /// Whether `tenants/<tenant>.yaml` existed (it is rewritten) or is new.
    pub existed: bool,
}

/// Reads the tenant file at `path` as JSON, or starts `{id: tenant}` when it is missing.
/// `Ok(None)`: the file has problems, reported in `diags`. `Err`: it cannot be read.
pub fn load(
    path: &Path,
    display: String,
    tenant: &str,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<Loaded>, String> {
    if !path.exists() {
        let mut doc = Map::new();
        doc.insert("id".into(), Value::String(tenant.to_string()));
        return Ok(Some(Loaded { doc, existed: false }));
    }
    let raw = read_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file = sources.add(display, path.to_path_buf(), Arc::new(raw.text.clone()));
    if let Some(d) = check_raw(&raw, file) {
        diags.push(d);
        return Ok(None);
    }
    let (node, parse_diags) = parse_yaml(&raw.text, file);
    let failed = !parse_diags.is_empty();
    diags.extend(parse_diags);
    let Some(node) = node.filter(|_| !failed) else {
        return Ok(None);
    };
    let shape_diags = check_shape(&node);
    if !shape_diags.is_empty() {
        diags.extend(shape_diags);
        return Ok(None);
    }
    let mut doc = match node.to_json(None) {
        Value::Object(doc) => doc,
        _ => Map::new(),
    };
    if !doc.contains_key("id") {
        let rest = std::mem::take(&mut doc);
        doc.insert("id".into(), Value::String(tenant.to_string()));
        doc.extend(rest);
    }
    Ok(Some(Loaded { doc, existed: true }))
}

/// Problems that keep rules from being put into the document: a document that is not a
/// mapping, or a section or rule map that is not one.
fn check_shape(node: &Node) -> Vec<Diagnostic> {
    let not_map = |n: &Node| !matches!(n.kind, Kind::Map(_) | Kind::Null);
    if !matches!(node.kind, Kind::Map(_) | Kind::Null) {
        return vec![shape_error(node, "the tenant document is not a mapping")];
    }
    let mut out = Vec::new();
    for (section, list) in [ALERTING, RECORDING] {
        if let Some(n) = node.get(section).filter(|n| not_map(n)) {
            out.push(shape_error(n, &format!("`{section}` is not a mapping")));
        } else if let Some(n) = node.at(&[section, list]).filter(|n| not_map(n)) {
            out.push(shape_error(n, &format!("`{section}.{list}` is not a mapping")));
        }
    }
    out
}

fn shape_error(node: &Node, message: &str) -> Diagnostic {
    Diagnostic::error(
        "STRATA-E064",
        node.loc,
        format!("{message}; the rules cannot be put in"),
    )
    .with_label("here")
    .with_help("fix the tenant file (`strata check` explains what it expects), then import again")
}

/// Puts `rules` into `doc` at `place`; a rule of the same key is replaced where it stands.
pub fn insert(doc: &mut Map<String, Value>, place: (&str, &str), rules: Vec<(String, Value)>) {
    if rules.is_empty() {
        return;
    }
    let mut target = doc;
    for key in [place.0, place.1] {
        let slot = target.entry(key.to_string()).or_insert(Value::Null);
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Some(next) = slot.as_object_mut() else {
            return;
        };
        target = next;
    }
    for (key, rule) in rules {
        target.insert(key, rule);
    }
}

/// Writes `text` to `path` through a temporary file in the same folder and a rename, so
/// readers see the old file or the new one, never a part. Keeps the old file's permissions.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let permissions = match std::fs::metadata(path) {
        Ok(m) => m.permissions(),
        Err(_) => std::os::unix::fs::PermissionsExt::from_mode(0o644),
    };
    let mut tmp = tempfile::Builder::new().prefix(".strata-import-").tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.as_file().set_permissions(permissions)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
