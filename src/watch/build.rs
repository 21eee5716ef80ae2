//! One build of the watched environment: compile, render, verify, then swap the output
//! folder in whole with [`crate::write::write_atomically`]. The previous good output is
//! kept in memory so a build a runtime rejects can be swapped back.

use super::cache::{Cache, Scope, tenant_exists};
use super::swap::Snapshot;
use crate::compile::{Compiled, EffectiveTenant, Keep, Options, compile};
use crate::diag::{Diagnostic, Severity, SourceMap};
use crate::interpolate::Mode;
use crate::load::Selection;
use crate::policy::manifests::{Object, check_compiled, tenant_objects};
use crate::render::{EnvContext, EnvShare, TenantModel};
use crate::write::{Artifact, swap_back, write_swap};
use std::collections::HashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Each tenant's rendered files, model and share of the files per environment, captured
/// during a compile.
type Captured = BTreeMap<String, (Vec<Artifact>, TenantModel, EnvShare)>;

/// Prints the diagnostics of a build (the CLI passes its `check` renderer).
pub type Printer<'a> = &'a dyn Fn(&[Diagnostic], &SourceMap);

/// What one build did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The build is good (no failing diagnostic, files verified).
    pub ok: bool,
    /// The output folder was swapped (good and different from the current output).
    pub swapped: bool,
    /// Tenants compiled.
    pub tenants: usize,
    /// Errors found.
    pub errors: usize,
    /// Warnings found.
    pub warnings: usize,
    /// Why the build failed: the first failing diagnostic, `file:line: CODE message`.
    pub reason: Option<String>,
    /// Files written.
    pub files: usize,
    /// Everything was recompiled (not only the tenants a change affects).
    pub full: bool,
}

/// Builds one environment of a repository into an output folder, keeping the current and
/// previous good outputs.
pub struct Builder {
    root: PathBuf,
    env: String,
    out: PathBuf,
    previous_dir: PathBuf,
    current: Snapshot,
    previous: Option<Snapshot>,
    /// `previous` is an output that was replaced (not a copy of the current one).
    restorable: bool,
    cache: Cache,
    built: bool,
    /// The secrets of every compile so far, to redact what the runtimes answer.
    secrets: crate::secrets::Secrets,
}

impl Builder {
    /// A builder of `env` of `root` into `out`.
    pub fn new(root: &Path, env: &str, out: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            env: env.to_string(),
            out: out.to_path_buf(),
            previous_dir: previous_dir(out),
            current: Snapshot::default(),
            previous: None,
            restorable: false,
            cache: Cache::default(),
            built: false,
            secrets: crate::secrets::Secrets::default(),
        }
    }

    /// The secrets of the compiles so far: a runtime's answer may quote the config.
    pub fn secrets(&self) -> &crate::secrets::Secrets {
        &self.secrets
    }

    /// The output folder.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Compiles what `scope` affects (everything on the first build, after a failure
    /// outside tenants, or when a scoped compile cannot run), reusing the cached results of
    /// the other tenants; prints the diagnostics; swaps the output in when good.
    pub fn build(&mut self, scope: &Scope, print: Printer<'_>) -> Result<Outcome, String> {
        let scoped = match scope {
            Scope::Tenants(t) if self.built && self.cache.global.is_none() => Some(
                t.iter()
                    .filter(|t| {
                        tenant_exists(&self.root, t)
                            || self.cache.tenants.contains_key(*t)
                            || self.cache.broken.contains_key(*t)
                    })
                    .cloned()
                    .collect::<BTreeSet<_>>(),
            ),
            _ => None,
        };
        let t0 = std::time::Instant::now();
        let (compiled, rendered) = match self.compile(scoped.as_ref()) {
            Ok(done) => done,
            Err(_) if scoped.is_some() => match self.compile(None) {
                Ok(done) => done,
                Err(message) => return Ok(failed(message)),
            },
            Err(message) => return Ok(failed(message)),
        };
        let full = scoped.is_none();
        self.secrets.extend(&compiled.secrets);
        print(&compiled.diags, compiled.sources());
        let count = |s: Severity| compiled.diags.iter().filter(|d| d.severity == s).count();
        let mut outcome = Outcome {
            tenants: scoped.as_ref().map_or(compiled.repo.tenants.len(), BTreeSet::len),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            full,
            ..Outcome::default()
        };
        let t1 = t0.elapsed();
        self.cache.update(&compiled, scoped.as_ref(), rendered);
        let t2 = t0.elapsed();
        self.built = true;
        if let Some(reason) = self.cache.failure() {
            outcome.errors = outcome.errors.max(1);
            outcome.reason = Some(reason);
            return Ok(outcome);
        }
        let Some(platform) = compiled.typed_platforms.get(&self.env) else {
            outcome.reason = Some(format!("environment {} has no valid platform settings", self.env));
            return Ok(outcome);
        };
        let ctx = EnvContext {
            env: &self.env,
            project: &compiled.repo.project,
            platform,
        };
        let assembled = self.cache.assemble(&ctx);
        let t3 = t0.elapsed();
        let next = Snapshot {
            manifest: assembled.manifest,
            tenants: self.cache.tenants.clone(),
            own: assembled.own,
        };
        // Cross-file checks: of every file on a full build; of the recompiled tenants and
        // the files per environment otherwise.
        let problems = match &scoped {
            None => crate::render::verify_build(next.files().map(|(a, _)| a)),
            Some(t) => crate::render::verify_build(
                (t.iter().filter_map(|t| next.tenants.get(t)))
                    .flat_map(|r| r.files.iter().map(|(a, _)| a))
                    .chain(next.own.iter().map(|(a, _)| a)),
            ),
        };
        if let Some(problem) = problems.first() {
            outcome.reason = Some(format!("internal error: {problem}"));
            return Ok(outcome);
        }
        let t4 = t0.elapsed();
        outcome.ok = true;
        outcome.files = next.files().count() + 1;
        if self.current.manifest.bytes == next.manifest.bytes && self.out.join("manifest.json").is_file() {
            return Ok(outcome);
        }
        let spare = self
            .previous
            .take()
            .filter(|p| p.is_known() && self.previous_dir.is_dir());
        let recycled = spare.is_some_and(|spare| {
            let (remove, mut write) = super::swap::changes(&spare, &next);
            write.push(&next.manifest);
            super::swap::recycle_and_swap(&self.previous_dir, &remove, &write, &self.out).is_ok()
        });
        if !recycled {
            self.write_whole(&next)?;
        }
        if std::env::var_os("STRATA_WATCH_PROFILE").is_some() {
            let t5 = t0.elapsed();
            eprintln!(
                "strata watch: profile: compile {t1:?}, cache {t2:?}, assemble {t3:?}, verify {t4:?}, written {t5:?}"
            );
        }
        let replaced = std::mem::replace(&mut self.current, next);
        self.restorable = replaced.is_known();
        self.previous = Some(replaced);
        outcome.swapped = true;
        Ok(outcome)
    }

    /// Writes every file of `next` to a new folder swapped in as the output (the replaced
    /// one is kept beside it); files the current output holds unchanged are hard-linked.
    fn write_whole(&self, next: &Snapshot) -> Result<(), String> {
        let files: Vec<&Artifact> = next.files().map(|(a, _)| a).chain([&next.manifest]).collect();
        let current: HashMap<&str, &str> = self.current.files().map(|(a, sha)| (a.path.as_str(), sha)).collect();
        let wanted: HashMap<&str, &str> = next.files().map(|(a, sha)| (a.path.as_str(), sha)).collect();
        let known = |a: &Artifact| {
            let path = a.path.as_str();
            Some(current.get(path).is_some_and(|sha| wanted.get(path) == Some(sha)))
        };
        let known: &(dyn Fn(&Artifact) -> Option<bool> + Sync) =
            if self.current.is_known() { &known } else { &|_| None };
        write_swap(&self.out, &files, known, Some(&self.previous_dir))
            .map_err(|e| format!("writing {}: {e}", self.out.display()))
    }

    /// Compiles the environment, only `tenants` when given, capturing each valid tenant's
    /// rendered files, and runs the `[policies] manifests` over the Kubernetes objects of
    /// the tenants it rendered (as `build` does; a finding breaks its tenant).
    fn compile(&self, tenants: Option<&BTreeSet<String>>) -> Result<(Compiled, Captured), String> {
        let captured: Mutex<Captured> = Mutex::default();
        let k8s_objects: Mutex<Vec<Object>> = Mutex::default();
        let render = |ctx: &EnvContext<'_>, tenant: &EffectiveTenant, diags: &mut Vec<Diagnostic>| {
            let (files, model) = crate::render::render_tenant(ctx, tenant, diags)?;
            let objects = tenant_objects(ctx, tenant, &files);
            if !objects.is_empty()
                && let Ok(mut all) = k8s_objects.lock()
            {
                all.extend(objects);
            }
            let share = crate::render::env_share(ctx, &model);
            if let Ok(mut c) = captured.lock() {
                c.insert(tenant.tenant.clone(), (files, model, share));
            }
            None
        };
        let lookup = |name: &str| std::env::var(name).ok();
        let opts = Options {
            mode: Mode::Build,
            selection: Selection {
                envs: Some([self.env.clone()].into()),
                tenants: tenants.cloned(),
            },
            lookup: &lookup,
            keep: Keep::Artifacts(&render),
        };
        let mut compiled = compile(&self.root, &opts)?;
        let objects = k8s_objects.into_inner().unwrap_or_else(|p| p.into_inner());
        check_compiled(&mut compiled, &objects);
        let captured = captured.into_inner().unwrap_or_else(|p| p.into_inner());
        Ok((compiled, captured))
    }

    /// Makes the folder kept beside the output a hard-linked copy of the current output
    /// when it holds no output known by hash, so that the next build writes only the files
    /// it changes instead of a whole tree (the first edit after the start, or after a build
    /// that could not recycle that folder).
    pub fn prestage(&mut self) {
        let known = self.previous.as_ref().is_some_and(Snapshot::is_known);
        if !self.current.is_known() || (known && self.previous_dir.is_dir()) {
            return;
        }
        if super::swap::link_copy(&self.out, &self.previous_dir).is_ok() {
            self.previous = Some(self.current.clone());
            self.restorable = false;
        }
    }

    /// Swaps the previous good output back in; `false` when there is none.
    pub fn roll_back(&mut self) -> Result<bool, String> {
        if !self.restorable {
            return Ok(false);
        }
        let Some(previous) = self.previous.take() else {
            return Ok(false);
        };
        swap_back(&self.previous_dir, &self.out).map_err(|e| format!("restoring {}: {e}", self.out.display()))?;
        self.previous = Some(std::mem::replace(&mut self.current, previous));
        Ok(true)
    }
}

/// A build that could not run.
fn failed(message: String) -> Outcome {
    Outcome {
        errors: 1,
        reason: Some(message),
        full: true,
        ..Outcome::default()
    }
}

/// Where the replaced output is kept for a swap back: the output's spare, hidden beside
/// it, which `strata build` reuses too.
fn previous_dir(out: &Path) -> PathBuf {
    crate::write::spare_dir(out)
}
