//! Finding and loading the files of a config repository (SPEC section 1 layout).

use super::node::{Kind, Node};
use super::{ReadError, check_raw, parse_yaml, read_file, read_inside};
use crate::diag::{Diagnostic, FileId, Loc, SourceMap};
use crate::project::{Project, parse_project};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const TENANT_SHAPE: &str = "a tenant file is a mapping with `id:` and the tenant's sections";
const OVERLAY_SHAPE: &str = "an overlay file is a mapping with the tenant sections to change in that environment";
const LAYER_SHAPE: &str = "a defaults or environment file is a mapping with `platform:` and `tenant_defaults:`";
const BUILTIN_DEFAULTS: &str = include_str!("../builtin_defaults.yaml");

/// A parsed `defaults.yaml`, environment file or the built-in defaults.
#[derive(Debug, Clone)]
pub struct LayerFile {
    /// The file.
    pub file: FileId,
    /// Its `platform:` mapping.
    pub platform: Option<Node>,
    /// Its `tenant_defaults:` mapping.
    pub tenant_defaults: Option<Node>,
}

/// The files of one tenant.
#[derive(Debug, Clone, Default)]
pub struct TenantFiles {
    /// `tenants/<id>.yaml` and its tree (absent when it failed to parse).
    pub base: Option<(FileId, Option<Node>)>,
    /// `tenants/<id>/<env>.yaml` by environment.
    pub overlays: BTreeMap<String, (FileId, Option<Node>)>,
}

/// Which environments and tenants a run covers (`None`: all).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Environments to compile.
    pub envs: Option<BTreeSet<String>>,
    /// Tenants to load and compile.
    pub tenants: Option<BTreeSet<String>>,
}

/// A loaded repository.
#[derive(Debug)]
pub struct Repo {
    /// The folder holding `strata.toml`.
    pub root: PathBuf,
    /// Every file read.
    pub sources: SourceMap,
    /// Project settings (defaults when `strata.toml` is invalid; a diagnostic says so).
    pub project: Project,
    /// The built-in defaults layer.
    pub builtin: LayerFile,
    /// `defaults.yaml`.
    pub defaults: Option<LayerFile>,
    /// `environments/<env>.yaml` by name.
    pub environments: BTreeMap<String, LayerFile>,
    /// Tenants by id (file stem), only those selected.
    pub tenants: BTreeMap<String, TenantFiles>,
    /// Every tenant id present in the repository, selected or not.
    pub all_tenants: BTreeSet<String>,
    /// The files of the tenants not selected (not read).
    pub unselected: Vec<PathBuf>,
    /// Problems found while loading.
    pub diags: Vec<Diagnostic>,
}

/// A file found on disk, before parsing.
struct Found {
    path: PathBuf,
    display: String,
    role: Role,
}

#[derive(Clone)]
enum Role {
    Defaults,
    Environment(String),
    Tenant(String),
    Overlay(String, String),
}

/// Loads the repository at `root`. Fails (usage error) only when `strata.toml` cannot be read.
pub fn load_repo(root: &Path, selection: &Selection) -> Result<Repo, String> {
    let toml_path = root.join("strata.toml");
    let toml_raw = read_file(&toml_path).map_err(|e| format!("cannot read {}: {e}", toml_path.display()))?;
    let mut sources = SourceMap::default();
    let mut diags = Vec::new();
    let toml_file = sources.add("strata.toml".into(), toml_path, Arc::new(toml_raw.text.clone()));
    let project = match check_raw(&toml_raw, toml_file) {
        Some(d) => {
            diags.push(d);
            None
        }
        None => parse_project(&toml_raw.text, toml_file)
            .map_err(|d| diags.push(*d))
            .ok(),
    };
    let project = project.unwrap_or_else(Project::fallback);

    let builtin_file = sources.add(
        "<builtin>/defaults.yaml".into(),
        PathBuf::new(),
        Arc::new(BUILTIN_DEFAULTS.to_string()),
    );
    let (builtin_node, _) = parse_yaml(BUILTIN_DEFAULTS, builtin_file);
    let builtin = split_layer(builtin_file, builtin_node, &mut diags);

    let (found, all_tenants, unselected) = discover(root, selection);
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let raws: Vec<(Found, Result<super::RawFile, ReadError>)> = found
        .into_par_iter()
        .map(|f| {
            let raw = read_inside(&real_root, &f.path);
            (f, raw)
        })
        .collect();
    let mut pending = Vec::with_capacity(raws.len());
    for (f, raw) in raws {
        match raw {
            Ok(raw) => {
                let id = sources.add(f.display.clone(), f.path.clone(), Arc::new(raw.text.clone()));
                pending.push((f.role, id, raw));
            }
            Err(e) => {
                let id = sources.add(f.display.clone(), f.path.clone(), Arc::new(String::new()));
                diags.push(e.diagnostic(id));
            }
        }
    }
    let parsed: Vec<(Role, FileId, Option<Node>, Vec<Diagnostic>)> = pending
        .into_par_iter()
        .map(|(role, id, raw)| match check_raw(&raw, id) {
            Some(d) => (role, id, None, vec![d]),
            None => {
                let (node, d) = parse_yaml(&raw.text, id);
                (role, id, node, d)
            }
        })
        .collect();

    let mut project = project;
    project.texts = Arc::new(super::overrides::load_overrides(
        root,
        &real_root,
        &mut sources,
        &mut diags,
    ));
    let mut repo = Repo {
        root: root.to_path_buf(),
        sources,
        project,
        builtin,
        defaults: None,
        environments: BTreeMap::new(),
        tenants: BTreeMap::new(),
        all_tenants,
        unselected,
        diags,
    };
    for (role, id, node, d) in parsed {
        repo.diags.extend(d);
        match role {
            Role::Defaults => repo.defaults = Some(split_layer(id, node, &mut repo.diags)),
            Role::Environment(env) => {
                let layer = split_layer(id, node, &mut repo.diags);
                repo.environments.insert(env, layer);
            }
            Role::Tenant(t) => {
                let node = node.and_then(|n| require_mapping(n, TENANT_SHAPE, &mut repo.diags));
                repo.tenants.entry(t).or_default().base = Some((id, node));
            }
            Role::Overlay(t, env) => {
                let node = node.and_then(|n| require_mapping(n, OVERLAY_SHAPE, &mut repo.diags));
                repo.tenants.entry(t).or_default().overlays.insert(env, (id, node));
            }
        }
    }
    check_overlays(&mut repo);
    Ok(repo)
}

fn yaml_stem(path: &Path) -> Option<String> {
    let ext = path.extension()?.to_str()?;
    if ext != "yaml" && ext != "yml" {
        return None;
    }
    Some(path.file_stem()?.to_str()?.to_string())
}

/// The entries of `dir`, sorted, each with whether it is a file and whether it is a folder
/// (symbolic links followed). The type comes from the directory listing where it can: a
/// watch rebuild lists the 1,000 tenant files without a `stat` of each.
fn sorted_entries(dir: &Path) -> Vec<(PathBuf, bool, bool)> {
    let kind = |e: &std::fs::DirEntry| match e.file_type() {
        Ok(t) if !t.is_symlink() => (t.is_file(), t.is_dir()),
        _ => (e.path().is_file(), e.path().is_dir()),
    };
    let mut entries: Vec<(PathBuf, bool, bool)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| {
                    let (is_file, is_dir) = kind(&e);
                    (e.path(), is_file, is_dir)
                })
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    entries
}

/// Lists the layer files to load: all environments, the selected tenants.
fn discover(root: &Path, sel: &Selection) -> (Vec<Found>, BTreeSet<String>, Vec<PathBuf>) {
    let mut found = Vec::new();
    let mut unselected = Vec::new();
    let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_string_lossy().replace('\\', "/");
    for name in ["defaults.yaml", "defaults.yml"] {
        let p = root.join(name);
        if p.is_file() {
            found.push(Found {
                display: rel(&p),
                path: p,
                role: Role::Defaults,
            });
            break;
        }
    }
    for (p, is_file, _) in sorted_entries(&root.join("environments")) {
        if let (true, Some(env)) = (is_file, yaml_stem(&p)) {
            found.push(Found {
                display: rel(&p),
                path: p,
                role: Role::Environment(env),
            });
        }
    }
    let mut all = BTreeSet::new();
    let selected = |t: &str| sel.tenants.as_ref().is_none_or(|s| s.contains(t));
    for (p, is_file, is_dir) in sorted_entries(&root.join("tenants")) {
        if is_file {
            if let Some(t) = yaml_stem(&p) {
                all.insert(t.clone());
                if selected(&t) {
                    found.push(Found {
                        display: rel(&p),
                        path: p,
                        role: Role::Tenant(t),
                    });
                } else {
                    unselected.push(p);
                }
            }
        } else if is_dir {
            let Some(t) = p.file_name().and_then(|n| n.to_str()).map(String::from) else {
                continue;
            };
            if !selected(&t) {
                let files = sorted_entries(&p)
                    .into_iter()
                    .filter(|(o, f, _)| *f && yaml_stem(o).is_some());
                unselected.extend(files.map(|(o, _, _)| o));
                continue;
            }
            for (o, is_file, _) in sorted_entries(&p) {
                if let (true, Some(env)) = (is_file, yaml_stem(&o)) {
                    found.push(Found {
                        display: rel(&o),
                        path: o,
                        role: Role::Overlay(t.clone(), env),
                    });
                }
            }
        }
    }
    (found, all, unselected)
}

/// A tenant or overlay file must hold a mapping (an empty file counts as an empty one).
/// `what` describes the file's expected content for the help line.
fn require_mapping(node: Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<Node> {
    match node.kind {
        Kind::Map(_) => Some(node),
        Kind::Null => Some(Node::new(Kind::Map(Default::default()), node.loc)),
        _ => {
            diags.push(
                Diagnostic::error(
                    "STRATA-E007",
                    node.loc,
                    format!("expected a mapping, found a {}", node.kind.shape()),
                )
                .with_label("the document must be a mapping")
                .with_help(what.to_string()),
            );
            None
        }
    }
}

/// Splits a layer file into `platform` and `tenant_defaults`; other keys are errors.
fn split_layer(file: FileId, node: Option<Node>, diags: &mut Vec<Diagnostic>) -> LayerFile {
    let mut layer = LayerFile {
        file,
        platform: None,
        tenant_defaults: None,
    };
    let Some(node) = node.and_then(|n| require_mapping(n, LAYER_SHAPE, diags)) else {
        return layer;
    };
    let Kind::Map(map) = node.kind else {
        return layer;
    };
    for (key, entry) in map {
        match key.as_str() {
            "platform" => layer.platform = Some(entry.value),
            "tenant_defaults" => layer.tenant_defaults = Some(entry.value),
            _ => diags.push(
                Diagnostic::error("STRATA-E007", entry.key_loc, format!("unknown top-level key `{key}`"))
                    .with_label("not allowed here")
                    .with_help(
                        "defaults and environment files have two top-level keys: `platform` and `tenant_defaults`",
                    ),
            ),
        }
    }
    layer
}

/// Overlays must name a known environment and belong to a tenant file.
fn check_overlays(repo: &mut Repo) {
    for (tenant, files) in &repo.tenants {
        for (env, (file, _)) in &files.overlays {
            if !repo.environments.contains_key(env) {
                let known: Vec<&str> = repo.environments.keys().map(String::as_str).collect();
                repo.diags.push(
                    Diagnostic::error(
                        "STRATA-E032",
                        Loc::file_start(*file),
                        format!("overlay for unknown environment `{env}`"),
                    )
                    .with_help(format!(
                        "environments are: {}; rename the file or add environments/{env}.yaml",
                        known.join(", ")
                    )),
                );
            }
            if files.base.is_none() {
                repo.diags.push(
                    Diagnostic::error(
                        "STRATA-E032",
                        Loc::file_start(*file),
                        format!("overlay for tenant `{tenant}` without tenants/{tenant}.yaml"),
                    )
                    .with_help(format!(
                        "create tenants/{tenant}.yaml or remove the folder tenants/{tenant}/"
                    )),
                );
            }
        }
    }
}
