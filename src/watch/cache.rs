//! What `watch` keeps between builds so a tenant edit recompiles only that tenant: each
//! valid tenant's files (with their sha256) and typed model, the tenants that failed and
//! why, a failure outside any tenant, and the inputs for the manifest.

use crate::compile::Compiled;
use crate::diag::{Diagnostic, Severity};
use crate::project::FailOn;
use crate::render::{EnvContext, EnvShare, TenantModel};
use crate::write::{Artifact, manifest_of_hashes, sha256_hex};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

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
    /// Valid tenants, by id (sorted as `compile` orders them).
    pub tenants: BTreeMap<String, Rendered>,
    /// The typed valid tenants, sorted by id (in step with `tenants`), for the files
    /// rendered per environment.
    pub models: Vec<TenantModel>,
    /// Tenants with a failing diagnostic, with the first as the reason.
    pub broken: BTreeMap<String, String>,
    /// The first failing diagnostic outside any tenant's files.
    pub global: Option<String>,
    /// Every input read, by display path: hex sha256.
    pub inputs: BTreeMap<String, String>,
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
                    self.tenants.remove(t);
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
                self.inputs.insert(file.display.clone(), sha256_hex(&bytes));
            }
        }
        for (tenant, (files, model, share)) in rendered {
            let files = files
                .into_iter()
                .map(|a| {
                    let sha = sha256_hex(&a.bytes);
                    (a, sha)
                })
                .collect();
            match self.models.binary_search_by(|m| m.id.as_str().cmp(&tenant)) {
                Ok(at) => self.models[at] = model,
                Err(at) => self.models.insert(at, model),
            }
            self.tenants.insert(tenant, Rendered { files, share });
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

    /// The files rendered per environment (spliced from the tenants' shares) and the
    /// manifest, with the hash of every output (tenants' files too) by path.
    pub fn assemble(&self, ctx: &EnvContext<'_>) -> Assembled {
        let shares: Vec<&EnvShare> = self.tenants.values().map(|r| &r.share).collect();
        let mut own = crate::render::render_env_from(ctx, &shares)
            .unwrap_or_else(|| crate::render::shares::render_whole(ctx, &self.models));
        let mut hashes: HashMap<String, String> = HashMap::with_capacity(own.len() + 16 * self.tenants.len());
        for (a, sha) in self.tenants.values().flat_map(|r| r.files.iter()) {
            hashes.insert(a.path.clone(), sha.clone());
        }
        for a in &own {
            hashes.insert(a.path.clone(), sha256_hex(&a.bytes));
        }
        let outputs = hashes.iter().map(|(p, s)| (p.clone(), s.clone())).collect();
        let inputs = self.inputs.iter().map(|(p, s)| (p.clone(), s.clone())).collect();
        own.push(manifest_of_hashes(inputs, outputs));
        Assembled { own, hashes }
    }

    /// Every file of a build: each cached tenant's, then the assembled ones (the manifest
    /// last).
    pub fn files<'a>(&'a self, assembled: &'a Assembled) -> Vec<&'a Artifact> {
        self.tenants
            .values()
            .flat_map(|r| r.files.iter().map(|(a, _)| a))
            .chain(assembled.own.iter())
            .collect()
    }
}

/// The files of a build that are not a tenant's own, and the hash of every output.
#[derive(Debug, Default)]
pub struct Assembled {
    /// The files rendered per environment, then `manifest.json`.
    pub own: Vec<Artifact>,
    /// Hex sha256 of every output but the manifest, by path.
    pub hashes: HashMap<String, String>,
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
