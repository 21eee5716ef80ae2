//! `strata explain [ROOT] --env E --tenant T [PATH]`.

use crate::cli::args::{ExplainArgs, ExplainFormat};
use crate::cli::output::root_or_cwd;
use crate::explain::{explain, find, history, render, render_history, tenant_layers};
use crate::interpolate::Mode;
use crate::load::Selection;
use std::path::Path;

/// Runs `strata explain`.
pub fn run(args: ExplainArgs) -> Result<u8, String> {
    let (root, path) = match args.args.as_slice() {
        [root, path] => (Some(root.as_str()), path.as_str()),
        [one] if Path::new(one).is_dir() => (Some(one.as_str()), ""),
        [path] => (None, path.as_str()),
        _ => (None, ""),
    };
    let root = root_or_cwd(root.map(Path::new))?;
    let selection = Selection {
        envs: Some([args.env.clone()].into()),
        tenants: Some([args.tenant.clone()].into()),
    };
    let compiled = super::compile_with_process_env(&root, Mode::Check, selection, crate::compile::Keep::Tenants)?;
    let Some(tenant) = compiled
        .tenants
        .iter()
        .find(|t| t.env == args.env && t.tenant == args.tenant)
    else {
        eprintln!(
            "strata: tenant `{}` could not be loaded; run `strata check` for the reason",
            args.tenant
        );
        return Ok(crate::cli::EXIT_PROBLEMS);
    };
    let Some(node) = find(&tenant.doc, path) else {
        let layers = tenant_layers(&compiled.repo, &args.env, &args.tenant);
        let history = history(compiled.sources(), &layers, path);
        if history.is_empty() {
            return Err(format!(
                "`{path}` is not set in any layer of tenant `{}` in `{}`",
                args.tenant, args.env
            ));
        }
        print!("{}", compiled.secrets.redact(&render_history(path, &history)));
        return Ok(crate::cli::EXIT_OK);
    };
    let items = explain(compiled.sources(), node, path);
    let text = match args.format {
        ExplainFormat::Human => render(&items),
        ExplainFormat::Json => serde_json::to_string_pretty(&items).map_err(|e| e.to_string())? + "\n",
    };
    print!("{}", compiled.secrets.redact(&text));
    Ok(crate::cli::EXIT_OK)
}
