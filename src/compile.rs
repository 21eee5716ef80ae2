//! The pipeline of one run: load, merge each (environment, tenant) with provenance,
//! interpolate, validate. Collects every diagnostic; never stops at the first.

use crate::diag::{Diagnostic, Loc, SourceMap, normalize};
use crate::interpolate::{Context, Mode, interpolate};
use crate::load::{Kind, LayerFile, Node, Repo, Selection, load_repo};
use crate::merge::merge_layers;
use crate::model::Platform;
use crate::policy::Policies;
use crate::render::{EnvContext, TenantModel};
use crate::secrets::Secrets;
use crate::validate::checks::{TenantCtx, check_platform, check_tenant};
use crate::validate::promql::check_and_confine;
use crate::validate::schema::{platform_schema, tenant_schema, validate};
use crate::write::Artifact;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// What a run covers and how strict it is.
pub struct Options<'a> {
    /// Check (unset variables are warnings) or build (they are errors).
    pub mode: Mode,
    /// Environments and tenants to cover.
    pub selection: Selection,
    /// Looks up environment variables.
    pub lookup: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// What to keep of each effective tenant once validated.
    pub keep: Keep<'a>,
}

/// Renders one valid effective tenant into its own files, and returns them with its typed
/// model for the files rendered per environment, or `None` to keep nothing of the tenant
/// (a renderer that keeps what it needs itself, as `build` and `watch` do).
/// Problems found in the rendered files are added to the diagnostics.
pub type Renderer<'a> = &'a (
        dyn Fn(&EnvContext<'_>, &EffectiveTenant, &mut Vec<Diagnostic>) -> Option<(Vec<Artifact>, TenantModel)> + Sync
    );

/// What a run keeps of each effective tenant. `check` keeps nothing and `build` only the
/// rendered files, so memory stays flat however many tenants there are.
#[derive(Clone, Copy)]
pub enum Keep<'a> {
    /// Only the diagnostics.
    Nothing,
    /// The merged documents (`explain`).
    Tenants,
    /// The files `render` makes of each tenant without errors (`build`).
    Artifacts(Renderer<'a>),
}

/// One effective tenant in one environment.
#[derive(Debug)]
pub struct EffectiveTenant {
    /// Environment name.
    pub env: String,
    /// Tenant id (file stem).
    pub tenant: String,
    /// The tenant file, `tenants/<id>.yaml`.
    pub file: crate::diag::FileId,
    /// The merged, interpolated document.
    pub doc: Node,
}

/// The result of a run.
#[derive(Debug)]
pub struct Compiled {
    /// The repository as loaded.
    pub repo: Repo,
    /// Every problem, sorted and folded across environments.
    pub diags: Vec<Diagnostic>,
    /// Effective platform settings per environment.
    pub platforms: BTreeMap<String, Node>,
    /// Effective tenants, sorted by environment then tenant (with [`Keep::Tenants`]).
    pub tenants: Vec<EffectiveTenant>,
    /// Rendered files (with [`Keep::Artifacts`]).
    pub artifacts: Vec<Artifact>,
    /// Typed valid tenants per environment (with [`Keep::Artifacts`]).
    pub models: BTreeMap<String, Vec<TenantModel>>,
    /// Typed platform settings per environment, where they are valid.
    pub typed_platforms: BTreeMap<String, Platform>,
    /// Policy findings suppressed by active waivers, folded across environments.
    pub waived: Vec<crate::policy::Waived>,
    /// The secret variables and values of the files read (already redacted from `diags`).
    pub secrets: Secrets,
}

fn empty_map(loc: Loc) -> Node {
    Node::new(Kind::Map(Default::default()), loc)
}

/// The secrets of every layer document of `repo`. When tenants were left out, those of
/// their files that reference a variable the loaded files use outside a secret field are
/// read too: whether that variable is a secret depends on every file.
fn secrets_of(repo: &Repo, lookup: &(dyn Fn(&str) -> Option<String> + Sync)) -> Secrets {
    let layer_files = std::iter::once(&repo.builtin)
        .chain(&repo.defaults)
        .chain(repo.environments.values());
    let layers = layer_files.flat_map(|l| l.platform.iter().chain(&l.tenant_defaults));
    let tenant_files = repo
        .tenants
        .values()
        .flat_map(|t| t.base.iter().chain(t.overlays.values()));
    let mut secrets = Secrets::collect(layers.chain(tenant_files.filter_map(|(_, n)| n.as_ref())), lookup);
    let open: Vec<String> = secrets
        .others
        .difference(&secrets.names)
        .map(|n| format!("${{{n}"))
        .collect();
    if open.is_empty() || repo.unselected.is_empty() {
        return secrets;
    }
    // Regular files only: a symbolic link (perhaps leading outside the root) is not followed.
    let others: Vec<Node> = repo
        .unselected
        .par_iter()
        .filter_map(|path| {
            let meta = std::fs::symlink_metadata(path).ok()?;
            if !meta.is_file() || meta.len() > crate::load::MAX_FILE_BYTES {
                return None;
            }
            let text = String::from_utf8(std::fs::read(path).ok()?).ok()?;
            if !open.iter().any(|r| text.contains(r.as_str())) {
                return None;
            }
            crate::load::parse_yaml(&text, crate::diag::FileId(0)).0
        })
        .collect();
    secrets.extend(&Secrets::collect(&others, lookup));
    secrets
}

/// Runs load, merge and validation for the selected environments and tenants.
/// Fails only on usage problems (no `strata.toml`, unknown `--env` / `--tenant`).
pub fn compile(root: &Path, opts: &Options<'_>) -> Result<Compiled, String> {
    let mut repo = load_repo(root, &opts.selection)?;
    for (what, wanted, known) in [
        (
            "environment",
            &opts.selection.envs,
            repo.environments.keys().cloned().collect::<Vec<_>>(),
        ),
        (
            "tenant",
            &opts.selection.tenants,
            repo.all_tenants.iter().cloned().collect(),
        ),
    ] {
        for name in wanted.iter().flatten() {
            if !known.contains(name) {
                return Err(format!("unknown {what} `{name}` (known: {})", known.join(", ")));
            }
        }
    }
    let mut diags = repo.diags.clone();
    let secrets = secrets_of(&repo, opts.lookup);
    let cx = Context {
        mode: opts.mode,
        lookup: opts.lookup,
        secret_vars: &secrets.names,
    };
    let policies = Policies::load(
        &repo.root,
        &repo.project,
        crate::diag::FileId(0),
        &mut repo.sources,
        &mut diags,
    )?;
    if repo.environments.is_empty() {
        diags.push(
            Diagnostic::error(
                "STRATA-E033",
                Loc::file_start(crate::diag::FileId(0)),
                "the repository has no environments",
            )
            .with_help("add at least one file environments/<env>.yaml, such as environments/production.yaml"),
        );
    }
    let envs: Vec<(&String, &LayerFile)> = repo
        .environments
        .iter()
        .filter(|(name, _)| opts.selection.envs.as_ref().is_none_or(|s| s.contains(*name)))
        .collect();

    let mut platforms = BTreeMap::new();
    let mut typed_platforms = BTreeMap::new();
    let mut bases = Vec::new();
    for (env, layer) in &envs {
        let mut env_diags = Vec::new();
        let stack = [Some(&repo.builtin), repo.defaults.as_ref(), Some(*layer)];
        let platform_layers = stack.iter().flatten().filter_map(|l| l.platform.clone());
        let mut platform =
            merge_layers(platform_layers, &mut env_diags).unwrap_or_else(|| empty_map(Loc::file_start(layer.file)));
        interpolate(&mut platform, &cx, &mut env_diags);
        validate(
            platform_schema(),
            &platform,
            Loc::file_start(layer.file),
            "platform",
            &mut env_diags,
        );
        check_platform(&platform, &mut env_diags);
        drop_shadowed_type_errors(&mut env_diags);
        if !env_diags.iter().any(|d| d.severity == crate::diag::Severity::Error)
            && let Ok(typed) = serde_json::from_value::<Platform>(platform.to_json(None))
        {
            typed_platforms.insert((*env).clone(), typed);
        }
        let defaults_layers = stack.iter().flatten().filter_map(|l| l.tenant_defaults.clone());
        let base = merge_layers(defaults_layers, &mut env_diags);
        for d in &mut env_diags {
            d.envs = vec![(*env).clone()];
        }
        diags.extend(env_diags);
        bases.push(((*env).clone(), base));
        platforms.insert((*env).clone(), platform);
    }

    let project_value = crate::policy::input::value_of_serde(&repo.project);
    let platform_values: BTreeMap<&String, regorus::Value> = platforms
        .iter()
        .map(|(env, node)| (env, crate::policy::input::value_of(node)))
        .collect();
    let jobs: Vec<(&String, &Option<Node>, &String)> = bases
        .iter()
        .flat_map(|(env, base)| repo.tenants.keys().map(move |t| (env, base, t)))
        .collect();
    let results: Vec<TenantResult> = jobs
        .into_par_iter()
        .map_init(
            || policies.engine(),
            |engine, (env, base, tenant)| {
                let ctx = typed_platforms.get(env).map(|platform| EnvContext {
                    env,
                    project: &repo.project,
                    platform,
                });
                let policy = PolicyCtx {
                    platform_node: &platforms[env],
                    policies: &policies,
                    engine,
                    platform: &platform_values[env],
                    project: &project_value,
                };
                compile_tenant(&repo, ctx.as_ref(), (env, base, tenant), opts, &secrets.names, policy)
            },
        )
        .collect();
    let mut tenants = Vec::new();
    let mut artifacts = Vec::new();
    let mut models: BTreeMap<String, Vec<TenantModel>> = BTreeMap::new();
    let mut waived = Vec::new();
    for (t, rendered, d, w) in results {
        waived.extend(w);
        tenants.extend(t);
        if let Some((env, files, model)) = rendered {
            artifacts.extend(files);
            models.entry(env).or_default().push(model);
        }
        diags.extend(d);
    }
    diags.iter_mut().for_each(|d| secrets.redact_diagnostic(d));
    let diags = normalize(diags, &repo.sources);
    Ok(Compiled {
        repo,
        diags,
        platforms,
        tenants,
        artifacts,
        models,
        typed_platforms,
        waived: crate::policy::fold_waived(waived),
        secrets,
    })
}

/// A value whose shape changed between layers (STRATA-E010) also fails the schema's type;
/// the E010 says more, so the schema error at the same place is dropped.
fn drop_shadowed_type_errors(diags: &mut Vec<Diagnostic>) {
    let conflicts: Vec<Loc> = diags
        .iter()
        .filter(|d| d.code == "STRATA-E010")
        .map(|d| d.loc)
        .collect();
    if !conflicts.is_empty() {
        diags.retain(|d| d.code != "STRATA-E013" || !conflicts.contains(&d.loc));
    }
}

/// What one (environment, tenant) job yields: the kept document, the rendered files with
/// the typed model, and the diagnostics.
type TenantResult = (
    Option<EffectiveTenant>,
    Option<(String, Vec<Artifact>, TenantModel)>,
    Vec<Diagnostic>,
    Vec<crate::policy::Waived>,
);

/// What a tenant job needs to run the policies: the compiled policies, this worker's
/// engine and the environment's documents as policy values.
struct PolicyCtx<'a> {
    /// The effective platform document of the environment.
    platform_node: &'a Node,
    policies: &'a Policies,
    engine: &'a mut regorus::Engine,
    platform: &'a regorus::Value,
    project: &'a regorus::Value,
}

fn compile_tenant(
    repo: &Repo,
    ctx: Option<&EnvContext<'_>>,
    (env, base, tenant): (&str, &Option<Node>, &str),
    opts: &Options<'_>,
    secret_vars: &std::collections::BTreeSet<String>,
    policy: PolicyCtx<'_>,
) -> TenantResult {
    let platform = policy.platform_node;
    let mut diags = Vec::new();
    let Some(files) = repo.tenants.get(tenant) else {
        return (None, None, diags, Vec::new());
    };
    let Some((file, Some(tenant_node))) = &files.base else {
        return (None, None, diags, Vec::new());
    };
    let overlay = files.overlays.get(env).and_then(|(_, n)| n.clone());
    let layers = base.iter().cloned().chain([tenant_node.clone()]).chain(overlay);
    let mut doc = merge_layers(layers, &mut diags).unwrap_or_else(|| empty_map(Loc::file_start(*file)));
    let cx = Context {
        mode: opts.mode,
        lookup: opts.lookup,
        secret_vars,
    };
    interpolate(&mut doc, &cx, &mut diags);
    validate(tenant_schema(), &doc, Loc::file_start(*file), "tenant", &mut diags);
    check_tenant(
        &TenantCtx {
            tenant: &doc,
            platform,
            stem: tenant,
            file: *file,
        },
        &mut diags,
    );
    drop_shadowed_type_errors(&mut diags);
    let label = &repo.project.project.tenant_label;
    check_and_confine(&mut doc, label, tenant, &repo.sources, &mut diags);
    let valid = !diags.iter().any(|d| d.severity == crate::diag::Severity::Error);
    let own_files: Vec<crate::diag::FileId> = std::iter::once(*file)
        .chain(files.overlays.get(env).map(|(f, _)| *f))
        .collect();
    let (policy_diags, waived) = policy.policies.check(
        policy.engine,
        &crate::policy::Job {
            env,
            tenant,
            doc: &doc,
            platform,
            platform_value: policy.platform,
            project_value: policy.project,
            own_files: &own_files,
            valid,
        },
    );
    let valid = valid && !policy_diags.iter().any(|d| d.severity == crate::diag::Severity::Error);
    diags.extend(policy_diags);
    let effective = EffectiveTenant {
        env: env.to_string(),
        tenant: tenant.to_string(),
        file: *file,
        doc,
    };
    let result = match opts.keep {
        Keep::Nothing => (None, None),
        Keep::Tenants => (Some(effective), None),
        Keep::Artifacts(render) => {
            let rendered = ctx
                .filter(|_| valid)
                .and_then(|ctx| render(ctx, &effective, &mut diags));
            (None, rendered.map(|(files, model)| (env.to_string(), files, model)))
        }
    };
    for d in &mut diags {
        d.envs = vec![env.to_string()];
    }
    (result.0, result.1, diags, waived)
}

impl Compiled {
    /// Every file the run read.
    pub fn sources(&self) -> &SourceMap {
        &self.repo.sources
    }

    /// Every file a build of this run writes, without the manifest, sorted by path: the
    /// tenants' files (taken out of `artifacts`) and each environment's files rendered from
    /// `models` (a run with [`Keep::Artifacts`] whose renderer kept the models).
    pub fn take_all_files(&mut self) -> Vec<Artifact> {
        let mut out = std::mem::take(&mut self.artifacts);
        for (env, platform) in &self.typed_platforms {
            let ctx = EnvContext {
                env,
                project: &self.repo.project,
                platform,
            };
            let tenants = self.models.get(env).map_or(&[][..], Vec::as_slice);
            out.extend(crate::render::render_env(&ctx, tenants));
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }
}
