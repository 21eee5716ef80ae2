//! Building one side of a diff in memory, as `check` does: no secret has to be set, and
//! none is read. `${...}` references resolve to their default or stay as written, so both
//! sides are built from the same inputs whatever the environment holds; literal secret
//! values are collected so the report can replace them.

use crate::compile::{Compiled, Keep, Options, compile};
use crate::diag::Severity;
use crate::interpolate::Mode;
use crate::load::{Kind, Node, Selection};
use crate::write::Artifact;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;

/// A side that built: its artifacts, the tenant label and the secrets to redact.
pub struct Built {
    /// Every file a build would write (no manifest).
    pub files: Vec<Artifact>,
    /// The project's tenant label (`tenant` by default).
    pub tenant_label: String,
    /// Literal secret values (and secret values taken from a `${NAME:-default}`).
    pub secrets: Vec<String>,
}

/// Builds the repository at `root` in memory. `envs` limits the environments (those the
/// repository does not have are skipped). A side with errors is returned as `Err` with
/// its compile, for its diagnostics.
pub fn build(root: &Path, envs: &[String]) -> Result<Result<Built, Box<Compiled>>, String> {
    let known = environments(root);
    let selection = Selection {
        envs: (!envs.is_empty()).then(|| envs.iter().filter(|e| known.contains(*e)).cloned().collect()),
        tenants: None,
    };
    let secrets = Mutex::new(BTreeSet::new());
    let render = |ctx: &crate::render::EnvContext<'_>,
                  effective: &crate::compile::EffectiveTenant,
                  diags: &mut Vec<crate::diag::Diagnostic>| {
        let mut found = BTreeSet::new();
        collect_secrets(&effective.doc, &mut found);
        if let Ok(mut all) = secrets.lock() {
            all.extend(found);
        }
        crate::render::render_tenant(ctx, effective, diags)
    };
    let lookup = |_: &str| None;
    let mut compiled = compile(
        root,
        &Options {
            mode: Mode::Check,
            selection,
            lookup: &lookup,
            keep: Keep::Artifacts(&render),
        },
    )?;
    if compiled.diags.iter().any(|d| d.severity == Severity::Error) {
        return Ok(Err(Box::new(compiled)));
    }
    let mut secrets = secrets.into_inner().unwrap_or_default();
    for platform in compiled.platforms.values() {
        collect_secrets(platform, &mut secrets);
    }
    let tenant_label = compiled.repo.project.project.tenant_label.clone();
    let files = compiled.take_all_files();
    // Longest first, so a secret that contains another is replaced whole.
    let mut secrets: Vec<String> = secrets.into_iter().collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    Ok(Ok(Built {
        files,
        tenant_label,
        secrets,
    }))
}

/// The environments of the repository at `root` (`environments/<name>.yaml`).
pub fn environments(root: &Path) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(root.join("environments")) else {
        return BTreeSet::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".yaml").or_else(|| name.strip_suffix(".yml"))?;
            Some(stem.to_string())
        })
        .collect()
}

/// The values of secret fields that are not a `${...}` reference kept as written.
fn collect_secrets(node: &Node, out: &mut BTreeSet<String>) {
    match &node.kind {
        Kind::Str(s) if node.secret && !s.is_empty() && !node.is_unresolved() => {
            out.insert(s.clone());
        }
        Kind::Map(map) => map.values().for_each(|e| collect_secrets(&e.value, out)),
        Kind::Seq(items) => items.iter().for_each(|n| collect_secrets(n, out)),
        _ => {}
    }
}
