//! `strata build [ROOT]`: validate with secrets required, then write every environment's
//! outputs and the manifest, swapping the output folder in whole. Each tenant's files are
//! written to the staging folder as soon as they are rendered, and only its share of the
//! files rendered per environment is kept, so the build never holds every file, nor every
//! tenant's typed model, in memory; a failed build removes the staging folder.

use crate::cli::args::BuildArgs;
use crate::cli::output::{exit_code, print_diagnostics, root_or_cwd, scope_of};
use crate::compile::{Compiled, EffectiveTenant, Keep};
use crate::diag::Diagnostic;
use crate::interpolate::Mode;
use crate::load::Selection;
use crate::policy::manifests::{Object, tenant_objects};
use crate::project::Project;
use crate::render::{BuildChecks, EnvContext, EnvShare, env_share, render_env_from, render_tenant};
use crate::write::{Staging, sha256_hex};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock, PoisonError};

/// Each environment's tenants, in tenant order, with their share of its files.
type SharesByEnv = BTreeMap<String, Vec<(String, EnvShare)>>;

/// Splices the files of every environment of a clean compile from its tenants' `shares`
/// into `staging` (the environments in parallel), noting them in `checks`. An environment
/// whose files cannot be spliced is a problem of the build, by message.
fn put_env_files(
    compiled: &Compiled,
    mut shares: SharesByEnv,
    staging: &Staging,
    checks: &BuildChecks,
) -> std::io::Result<Vec<String>> {
    shares
        .values_mut()
        .for_each(|tenants| tenants.sort_by(|a, b| a.0.cmp(&b.0)));
    let envs: Vec<_> = compiled.typed_platforms.iter().collect();
    let problems = envs.par_iter().map(|(env, platform)| {
        let ctx = EnvContext {
            env,
            project: &compiled.repo.project,
            platform,
        };
        let tenants: Vec<&EnvShare> = shares.get(*env).into_iter().flatten().map(|(_, s)| s).collect();
        let Some(files) = render_env_from(&ctx, &tenants) else {
            return Ok(Some(format!(
                "the files of environment `{env}` could not be spliced from its tenants"
            )));
        };
        files.iter().try_for_each(|file| {
            checks.add(file);
            staging.put(file)
        })?;
        Ok(None)
    });
    problems
        .collect::<std::io::Result<Vec<Option<String>>>>()
        .map(|found| found.into_iter().flatten().collect())
}

/// The hash of every input file of the build, by path relative to the root.
fn input_hashes(compiled: &Compiled) -> Vec<(String, String)> {
    compiled
        .sources()
        .files()
        .iter()
        .filter(|f| !f.display.starts_with("<builtin>"))
        .map(|f| {
            (
                f.display.clone(),
                sha256_hex(&std::fs::read(&f.path).unwrap_or_default()),
            )
        })
        .collect()
}

/// Runs `strata build`.
pub fn run(args: BuildArgs) -> Result<u8, String> {
    let root = root_or_cwd(args.root.as_deref())?;
    let selection = Selection {
        envs: (!args.envs.is_empty()).then(|| args.envs.iter().cloned().collect()),
        tenants: None,
    };
    // The default output folder is in strata.toml, which the compile reads: the first
    // tenant rendered makes the staging folder.
    let out_dir_of = |project: &Project| args.out.clone().unwrap_or_else(|| root.join(&project.build.out_dir));
    let staging: OnceLock<std::io::Result<Staging>> = OnceLock::new();
    let stage = |project: &Project| staging.get_or_init(|| Staging::new(&out_dir_of(project))).as_ref();
    let checks = BuildChecks::default();
    let write_error: Mutex<Option<String>> = Mutex::new(None);
    let k8s_objects: Mutex<Vec<Object>> = Mutex::new(Vec::new());
    let shares: Mutex<SharesByEnv> = Mutex::new(BTreeMap::new());
    let render = |ctx: &EnvContext<'_>, tenant: &EffectiveTenant, diags: &mut Vec<Diagnostic>| {
        let (files, model) = render_tenant(ctx, tenant, diags)?;
        let share = env_share(ctx, &model);
        lock(&shares)
            .entry(ctx.env.to_string())
            .or_default()
            .push((tenant.tenant.clone(), share));
        let objects = tenant_objects(ctx, tenant, &files);
        if !objects.is_empty() {
            lock(&k8s_objects).extend(objects);
        }
        let written = stage(ctx.project).map_err(|e| e.to_string()).and_then(|staging| {
            files.iter().try_for_each(|file| {
                checks.add(file);
                staging.put(file).map_err(|e| e.to_string())
            })
        });
        if let Err(e) = written {
            lock(&write_error).get_or_insert(e);
        }
        // Kept in `shares` instead: the compile keeps no model.
        None
    };
    let mut compiled = super::compile_with_process_env(&root, Mode::Build, selection, Keep::Artifacts(&render))?;
    crate::policy::manifests::check_compiled(
        &mut compiled,
        &k8s_objects.into_inner().unwrap_or_else(PoisonError::into_inner),
    );
    let code = exit_code(&compiled.diags, compiled.repo.project.policies.fail_on);
    print_diagnostics(&compiled.diags, compiled.sources(), &args.report, &scope_of(&compiled));
    if args.report.format == crate::cli::Format::Human {
        print!("{}", crate::policy::render_waived(&compiled.waived, compiled.sources()));
    }
    if code != crate::cli::EXIT_OK {
        eprintln!("strata: build failed; the previous output was left untouched");
        return Ok(code);
    }
    let out_dir = out_dir_of(&compiled.repo.project);
    let failed = |e: &dyn std::fmt::Display| format!("writing {}: {e}", out_dir.display());
    if let Some(e) = write_error.into_inner().unwrap_or_else(PoisonError::into_inner) {
        return Err(failed(&e));
    }
    let staging = match stage(&compiled.repo.project).map(|_| ()) {
        Ok(()) => staging.into_inner().and_then(Result::ok),
        Err(e) => return Err(failed(e)),
    };
    let Some(staging) = staging else {
        return Err(failed(&"no staging folder"));
    };
    // The tenants' YAML trees are not needed any more: freed before the environment files
    // are rendered, a large fleet's peak memory holds one or the other, not both.
    compiled.repo.tenants.clear();
    let shares = shares.into_inner().unwrap_or_else(PoisonError::into_inner);
    let mut problems = put_env_files(&compiled, shares, &staging, &checks).map_err(|e| failed(&e))?;
    problems.extend(checks.problems());
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("strata: internal error: {}", compiled.secrets.redact(problem));
        }
        eprintln!("strata: build failed; the previous output was left untouched");
        return Ok(crate::cli::EXIT_PROBLEMS);
    }
    let written = staging.commit(input_hashes(&compiled)).map_err(|e| failed(&e))?;
    eprintln!("strata: wrote {written} files to {}", out_dir.display());
    Ok(code)
}

/// The data behind `m`, also when a thread panicked holding it.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
