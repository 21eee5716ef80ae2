//! What `watch` keeps between builds so a tenant edit recompiles only that tenant: each
//! valid tenant's files (with their sha256) and typed model, the tenants that failed and
//! why, a failure outside any tenant, and the inputs for the manifest.

use crate::compile::Compiled;
use crate::diag::{Diagnostic, Severity};
use crate::project::FailOn;
use crate::render::{EnvContext, EnvShare, TenantModel};
use crate::write::{Artifact, manifest_entry, manifest_of_entries, sha256_hex};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One valid tenant's rendered files with their hashes, and its share of the files
/// rendered per environment.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The tenant's own files, with the hex sha256 of each.
    pub files: Vec<(Artifact, String)>,
    /// Its share of `prometheus.yml`, `alertmanager.yml` and the Grafana provisioning.
    pub share: EnvShare,
}

/// The per-tenant results of the last builds, for one environment.
#[derive(Debug, Default)]
pub struct Cache {
    /// Valid tenants, by id (sorted as `compile` orders them). A tenant's results are
    /// never changed in place, so an output written from them is known by the same `Arc`s.
    pub tenants: BTreeMap<String, Arc<Rendered>>,
    /// The typed valid tenants, sorted by id (in step with `tenants`), for the files
    /// rendered per environment.
    pub models: Vec<TenantModel>,
    /// Tenants with a failing diagnostic, with the first as the reason.
    pub broken: BTreeMap<String, String>,
    /// The first failing diagnostic outside any tenant's files.
    pub global: Option<String>,
    /// Every input read, by display path: its manifest entry.
    inputs: BTreeMap<String, String>,
    /// Every output but the manifest, by path: its manifest entry.
    outputs: BTreeMap<String, String>,
    /// The files rendered per environment by the last [`Cache::assemble`], with hashes.
    own: Arc<Vec<(Artifact, String)>>,
}

/// What a change affects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything (defaults, an environment, strata.toml, a template, a policy, ...).
    All,
    /// Only these tenants.
    Tenants(BTreeSet<String>),
}

/// The tenant a file (relative to the root, `/`-separated) belongs to.
pub fn tenant_of(display: &str) -> Option<String> {
    let rest = display.strip_prefix("tenants/")?;
    match rest.split_once('/') {
        Some((tenant, _)) => Some(tenant.to_string()),
        None => {
            let stem = rest.strip_suffix(".yaml").or_else(|| rest.strip_suffix(".yml"))?;
            Some(stem.to_string())
        }
    }
}

/// What the changed paths (relative to the root) affect: files under `tenants/` affect
/// their tenant; any other file, everything.
pub fn scope_of(paths: &BTreeSet<PathBuf>, rescan: bool) -> Scope {
    if rescan {
        return Scope::All;
    }
    let mut tenants = BTreeSet::new();
    for path in paths {
        let display = path.to_string_lossy().replace('\\', "/");
        if !display.starts_with("tenants/") {
            return Scope::All;
        }
        if let Some(t) = tenant_of(&display) {
            tenants.insert(t);
        }
    }
    Scope::Tenants(tenants)
}

/// `file:line: CODE message` of a diagnostic.
pub fn reason(compiled: &Compiled, d: &Diagnostic) -> String {
    let file = compiled.sources().path(d.loc.file);
    format!("{file}:{}: {} {}", d.loc.line, d.code, d.message)
}

impl Cache {
    /// Folds a compile into the cache. `scope` is what was recompiled (`None`: all);
    /// `rendered` the tenants' files captured while rendering.
    pub fn update(
        &mut self,
        compiled: &Compiled,
        scope: Option<&BTreeSet<String>>,
        rendered: BTreeMap<String, (Vec<Artifact>, TenantModel, EnvShare)>,
    ) {
        match scope {
            None => *self = Cache::default(),
            Some(tenants) => {
                for t in tenants {
                    for (a, _) in self.tenants.remove(t).iter().flat_map(|r| &r.files) {
                        self.outputs.remove(&a.path);
                    }
                    self.broken.remove(t);
                    if let Ok(at) = self.models.binary_search_by(|m| m.id.as_str().cmp(t)) {
                        self.models.remove(at);
                    }
                }
                self.inputs
                    .retain(|path, _| tenant_of(path).is_none_or(|t| !tenants.contains(&t)));
                self.global = None;
            }
        }
        for file in compiled.sources().files() {
            if !file.display.starts_with("<builtin>") {
                let bytes = std::fs::read(&file.path).unwrap_or_default();
                let entry = manifest_entry(&file.display, &sha256_hex(&bytes));
                self.inputs.insert(file.display.clone(), entry);
            }
        }
        for (tenant, (files, model, share)) in rendered {
            let files: Vec<(Artifact, String)> = files
                .into_iter()
                .map(|a| {
                    let sha = sha256_hex(&a.bytes);
                    (a, sha)
                })
                .collect();
            for (a, sha) in &files {
                self.outputs.insert(a.path.clone(), manifest_entry(&a.path, sha));
            }
            match self.models.binary_search_by(|m| m.id.as_str().cmp(&tenant)) {
                Ok(at) => self.models[at] = model,
                Err(at) => self.models.insert(at, model),
            }
            self.tenants.insert(tenant, Arc::new(Rendered { files, share }));
        }
        let fail_on = compiled.repo.project.policies.fail_on;
        let fails = |d: &&Diagnostic| d.severity == Severity::Error || fail_on == FailOn::Warning;
        for d in compiled.diags.iter().filter(fails) {
            let text = reason(compiled, d);
            match tenant_of(compiled.sources().path(d.loc.file)) {
                Some(t) => {
                    self.broken.entry(t).or_insert(text);
                }
                None => {
                    self.global.get_or_insert(text);
                }
            }
        }
    }

    /// Why the build is not good: a failure outside tenants first, then a broken tenant.
    pub fn failure(&self) -> Option<String> {
        self.global.clone().or_else(|| self.broken.values().next().cloned())
    }

    /// The files rendered per environment (spliced from the tenants' shares, with their
    /// hashes) and the manifest of the whole output.
    pub fn assemble(&mut self, ctx: &EnvContext<'_>) -> Assembled {
        use rayon::prelude::*;
        let shares: Vec<&EnvShare> = self.tenants.values().map(|r| &r.share).collect();
        let own = crate::render::render_env_from(ctx, &shares)
            .unwrap_or_else(|| crate::render::shares::render_whole(ctx, &self.models));
        // An edit seldom changes these files (a tenant's name is in none of them): a file
        // equal to the last one keeps its hash instead of hashing megabytes again.
        let last = &self.own;
        let own: Vec<(Artifact, String)> = own
            .into_par_iter()
            .map(|a| {
                let same = last.iter().find(|(l, _)| l.path == a.path && l.bytes == a.bytes);
                let sha = same.map_or_else(|| sha256_hex(&a.bytes), |(_, sha)| sha.clone());
                (a, sha)
            })
            .collect();
        for (a, _) in self.own.iter() {
            self.outputs.remove(&a.path);
        }
        for (a, sha) in &own {
            self.outputs.insert(a.path.clone(), manifest_entry(&a.path, sha));
        }
        self.own = Arc::new(own);
        let manifest = manifest_of_entries(
            self.inputs.values().map(String::as_str),
            self.outputs.values().map(String::as_str),
        );
        Assembled {
            own: Arc::clone(&self.own),
            manifest,
        }
    }
}

/// The files of a build that are not a tenant's own.
#[derive(Debug)]
pub struct Assembled {
    /// The files rendered per environment, with their hex sha256.
    pub own: Arc<Vec<(Artifact, String)>>,
    /// `manifest.json`.
    pub manifest: Artifact,
}

/// Whether `path` (absolute) is a tenant's base file that exists.
pub fn tenant_exists(root: &Path, tenant: &str) -> bool {
    ["yaml", "yml"]
        .iter()
        .any(|ext| root.join("tenants").join(format!("{tenant}.{ext}")).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_map_to_tenants_and_scopes() {
        assert_eq!(tenant_of("tenants/a.yaml"), Some("a".into()));
        assert_eq!(tenant_of("tenants/b/production.yaml"), Some("b".into()));
        assert_eq!(tenant_of("defaults.yaml"), None);
        let set = |p: &[&str]| p.iter().map(PathBuf::from).collect::<BTreeSet<_>>();
        assert_eq!(
            scope_of(&set(&["tenants/a.yaml", "tenants/b/dev.yaml"]), false),
            Scope::Tenants(["a".to_string(), "b".to_string()].into())
        );
        assert_eq!(scope_of(&set(&["tenants/a.yaml", "defaults.yaml"]), false), Scope::All);
        assert_eq!(scope_of(&set(&["templates/x.tmpl"]), false), Scope::All);
        assert_eq!(scope_of(&set(&["tenants/a.yaml"]), true), Scope::All);
    }
}
