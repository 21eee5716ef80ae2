//! `strata init DIR`: a small working repository that checks clean.

use crate::cli::args::InitArgs;

/// The starter files: path in the new repository and content.
pub const STARTER: &[(&str, &str)] = &[
    ("strata.toml", include_str!("../starter/strata.toml")),
    ("defaults.yaml", include_str!("../starter/defaults.yaml")),
    (
        "environments/dev.yaml",
        include_str!("../starter/environments/dev.yaml"),
    ),
    (
        "environments/production.yaml",
        include_str!("../starter/environments/production.yaml"),
    ),
    ("tenants/example.yaml", include_str!("../starter/tenants/example.yaml")),
    (
        "tenants/example/production.yaml",
        include_str!("../starter/tenants/example/production.yaml"),
    ),
    (".gitignore", include_str!("../starter/gitignore")),
];

/// Runs `strata init`.
pub fn run(args: InitArgs) -> Result<u8, String> {
    if args.dir.join("strata.toml").exists() {
        return Err(format!(
            "{} already holds a strata.toml; not overwriting it",
            args.dir.display()
        ));
    }
    for (path, text) in STARTER {
        let target = args.dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&target, text).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    eprintln!(
        "created a strata repository in {}; next: strata check {}",
        args.dir.display(),
        args.dir.display()
    );
    Ok(crate::cli::EXIT_OK)
}
