//! `strata build [ROOT]`: validate with secrets required, then write every environment's
//! outputs and the manifest, swapping the output folder in whole.

use crate::cli::args::BuildArgs;
use crate::cli::output::{exit_code, print_diagnostics, root_or_cwd, scope_of};
use crate::compile::{Compiled, Keep};
use crate::interpolate::Mode;
use crate::load::Selection;
use crate::render::{EnvContext, render_env};
use crate::write::{Artifact, manifest, write_atomically};

/// Every output of a clean compile, sorted by path, followed by the manifest.
pub fn with_manifest(compiled: &mut Compiled) -> Vec<Artifact> {
    let mut out = std::mem::take(&mut compiled.artifacts);
    for (env, platform) in &compiled.typed_platforms {
        let ctx = EnvContext {
            env,
            project: &compiled.repo.project,
            platform,
        };
        let tenants = compiled.models.get(env).map_or(&[][..], Vec::as_slice);
        out.extend(render_env(&ctx, tenants));
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    let inputs: Vec<(String, Vec<u8>)> = compiled
        .sources()
        .files()
        .iter()
        .filter(|f| !f.display.starts_with("<builtin>"))
        .map(|f| (f.display.clone(), std::fs::read(&f.path).unwrap_or_default()))
        .collect();
    out.push(manifest(&inputs, &out));
    out
}

/// Runs `strata build`.
pub fn run(args: BuildArgs) -> Result<u8, String> {
    let root = root_or_cwd(args.root.as_deref())?;
    let selection = Selection {
        envs: (!args.envs.is_empty()).then(|| args.envs.iter().cloned().collect()),
        tenants: None,
    };
    let mut compiled = super::compile_with_process_env(
        &root,
        Mode::Build,
        selection,
        Keep::Artifacts(&crate::render::render_tenant),
    )?;
    let code = exit_code(&compiled.diags, compiled.repo.project.policies.fail_on);
    print_diagnostics(&compiled.diags, compiled.sources(), &args.report, &scope_of(&compiled));
    if args.report.format == crate::cli::Format::Human {
        print!("{}", crate::policy::render_waived(&compiled.waived, compiled.sources()));
    }
    if code != crate::cli::EXIT_OK {
        eprintln!("strata: build failed; the previous output was left untouched");
        return Ok(code);
    }
    let out_dir = args
        .out
        .unwrap_or_else(|| root.join(&compiled.repo.project.build.out_dir));
    let files = with_manifest(&mut compiled);
    let problems = crate::render::verify_build(&files);
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("strata: internal error: {problem}");
        }
        eprintln!("strata: build failed; the previous output was left untouched");
        return Ok(crate::cli::EXIT_PROBLEMS);
    }
    write_atomically(&out_dir, &files).map_err(|e| format!("writing {}: {e}", out_dir.display()))?;
    eprintln!("strata: wrote {} files to {}", files.len(), out_dir.display());
    Ok(code)
}
