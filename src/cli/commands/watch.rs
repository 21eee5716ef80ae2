//! `strata watch [ROOT] --env E`: build, then rebuild on every change and hot-reload the
//! runtimes (see [`crate::watch`]). Ctrl-C or SIGTERM finishes the step under way and
//! exits 0.

use crate::cli::args::WatchArgs;
use crate::cli::output::{print_diagnostics, root_or_cwd};
use crate::watch::reload::Runtime;
use crate::watch::{Config, run as watch};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Runs `strata watch`.
pub fn run(args: WatchArgs) -> Result<u8, String> {
    let root = root_or_cwd(args.root.as_deref())?;
    let env_file = |ext: &str| root.join("environments").join(format!("{}.{ext}", args.env));
    if !env_file("yaml").is_file() && !env_file("yml").is_file() {
        return Err(format!(
            "unknown environment `{}`: {} does not exist",
            args.env,
            env_file("yaml").display()
        ));
    }
    let out = match args.out {
        Some(out) => out,
        None => {
            let text = std::fs::read_to_string(root.join("strata.toml")).unwrap_or_default();
            let dir = crate::project::parse_project(&text, crate::diag::FileId(0))
                .map_or_else(|_| "out".to_string(), |p| p.build.out_dir);
            root.join(dir)
        }
    };
    let mut runtimes = Vec::new();
    for (target, url) in [("prometheus", args.prometheus), ("alertmanager", args.alertmanager)] {
        if let Some(url) = url {
            crate::watch::http::split_url(&url).map_err(|e| format!("--{target}: {e}"))?;
            runtimes.push(Runtime { target, url });
        }
    }
    let config = Config {
        root,
        env: args.env,
        out,
        runtimes,
        listen: args.listen,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| format!("installing the Ctrl-C / SIGTERM handler: {e}"))?;
    let report = args.report;
    let print = |diags: &[crate::diag::Diagnostic], sources: &crate::diag::SourceMap| {
        if !diags.is_empty() {
            print_diagnostics(diags, sources, &report, &Default::default());
        }
    };
    watch(&config, &stop, &print)?;
    Ok(crate::cli::EXIT_OK)
}
