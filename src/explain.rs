//! `strata explain`: every value under a path of an effective tenant, with the layer that
//! set it and the layers it overrode. Secrets are never shown.

use crate::diag::{Loc, SourceMap};
use crate::load::{Kind, Node};
use serde::Serialize;

/// Where a value came from, for display.
#[derive(Debug, Serialize)]
pub struct Origin {
    /// File (relative to the root).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The value as written there.
    pub value: String,
}

/// One explained value.
#[derive(Debug, Serialize)]
pub struct Explained {
    /// Dotted path.
    pub path: String,
    /// Effective value.
    pub value: String,
    /// The layer that set it.
    pub origin: Origin,
    /// Layers it overrode, latest first.
    pub overridden: Vec<Origin>,
}

fn origin(sources: &SourceMap, loc: Loc, secret: bool) -> Origin {
    let value = if secret {
        "<secret>".to_string()
    } else {
        sources
            .snippet(loc)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("<collection>")
            .to_string()
    };
    Origin {
        file: sources.path(loc.file).to_string(),
        line: loc.line,
        column: loc.col,
        value,
    }
}

fn render_value(node: &Node) -> String {
    if node.secret {
        return "<secret>".to_string();
    }
    match &node.kind {
        Kind::Str(s) => serde_json::Value::String(s.clone()).to_string(),
        _ => node.to_json(Some("<secret>")).to_string(),
    }
}

/// Finds the node at a dotted `path` (empty: the whole document).
pub fn find<'a>(doc: &'a Node, path: &str) -> Option<&'a Node> {
    if path.is_empty() {
        return Some(doc);
    }
    path.split('.').try_fold(doc, |node, key| match &node.kind {
        Kind::Seq(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => node.get(key),
    })
}

/// Every leaf at or below `node` (sequences count as leaves: layers replace them whole).
pub fn explain(sources: &SourceMap, node: &Node, path: &str) -> Vec<Explained> {
    let mut out = Vec::new();
    let mut todo = vec![(path.to_string(), node)];
    while let Some((p, n)) = todo.pop() {
        if let Kind::Map(map) = &n.kind {
            for (k, e) in map.iter().rev() {
                let child = if p.is_empty() { k.clone() } else { format!("{p}.{k}") };
                todo.push((child, &e.value));
            }
            continue;
        }
        out.push(Explained {
            path: p,
            value: render_value(n),
            origin: origin(sources, n.loc, n.secret),
            overridden: n
                .overridden
                .iter()
                .rev()
                .map(|l| origin(sources, *l, n.secret))
                .collect(),
        });
    }
    out
}

/// Human rendering of [`explain`]'s result.
pub fn render(items: &[Explained]) -> String {
    let mut out = String::new();
    for item in items {
        out.push_str(&format!("{} = {}\n", item.path, item.value));
        out.push_str(&format!(
            "    set in     {}:{}:{}\n",
            item.origin.file, item.origin.line, item.origin.column
        ));
        for o in &item.overridden {
            out.push_str(&format!(
                "    overrides  {} at {}:{}:{}\n",
                o.value, o.file, o.line, o.column
            ));
        }
    }
    out
}

/// The layers of one tenant in one environment, lowest first.
pub fn tenant_layers<'a>(repo: &'a crate::load::Repo, env: &str, tenant: &str) -> Vec<&'a Node> {
    let env_layer = repo.environments.get(env);
    let files = repo.tenants.get(tenant);
    [Some(&repo.builtin), repo.defaults.as_ref(), env_layer]
        .into_iter()
        .flatten()
        .filter_map(|l| l.tenant_defaults.as_ref())
        .chain(files.and_then(|f| f.base.as_ref()).and_then(|(_, n)| n.as_ref()))
        .chain(files.and_then(|f| f.overlays.get(env)).and_then(|(_, n)| n.as_ref()))
        .collect()
}

/// For a path absent from the effective tenant: every layer that wrote it, lowest first;
/// `None` as value marks a `null` that removed it.
pub fn history(sources: &SourceMap, layers: &[&Node], path: &str) -> Vec<(Origin, bool)> {
    layers
        .iter()
        .filter_map(|layer| find(layer, path))
        .map(|n| {
            let mut o = origin(sources, n.loc, n.secret);
            o.value = shorten(&render_value(n));
            (o, n.kind == Kind::Null)
        })
        .collect()
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= 80 {
        return text.to_string();
    }
    format!("{}…", text.chars().take(79).collect::<String>())
}

/// Human rendering of [`history`].
pub fn render_history(path: &str, history: &[(Origin, bool)]) -> String {
    let mut out = String::new();
    for (o, removed) in history.iter().rev() {
        let what = if *removed {
            "removed by `null`".to_string()
        } else {
            format!("set to {}", o.value)
        };
        if out.is_empty() {
            out.push_str(&format!("{path} is not set\n"));
        }
        out.push_str(&format!("    {what} at {}:{}:{}\n", o.file, o.line, o.column));
    }
    out
}
