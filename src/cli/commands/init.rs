//! `strata init DIR`: a small working repository that checks clean, with the JSON Schemas
//! in `schemas/` and a modeline in every file pointing an editor at its schema.

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

/// The text of a starter file as written: YAML layers start with a `yaml-language-server`
/// modeline naming their schema (relative to the file, in the `schemas/` folder init writes),
/// and `strata.toml` with the `#:schema` directive of taplo (Even Better TOML).
pub fn with_schema_modeline(path: &str, text: &str) -> String {
    let up = "../".repeat(path.matches('/').count());
    if path == "strata.toml" {
        return format!("#:schema ./schemas/strata-toml.schema.json\n{text}");
    }
    match crate::validate::schema_files::schema_for(path) {
        Some(schema) => format!("# yaml-language-server: $schema={up}schemas/{schema}\n{text}"),
        None => text.to_string(),
    }
}

/// Runs `strata init`.
pub fn run(args: InitArgs) -> Result<u8, String> {
    if args.dir.join("strata.toml").exists() {
        return Err(format!(
            "{} already holds a strata.toml; not overwriting it",
            args.dir.display()
        ));
    }
    let schemas = crate::validate::schema::generate()
        .into_iter()
        .map(|(name, schema)| (format!("schemas/{name}"), super::schema::schema_text(&schema)));
    let starter = STARTER
        .iter()
        .map(|(path, text)| ((*path).to_string(), with_schema_modeline(path, text)));
    for (path, text) in starter.chain(schemas) {
        let target = args.dir.join(&path);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_name_their_schema_relative_to_themselves() {
        let first = |path: &str| {
            with_schema_modeline(path, "x: 1\n")
                .lines()
                .next()
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(
            first("defaults.yaml"),
            "# yaml-language-server: $schema=schemas/environment.schema.json"
        );
        assert_eq!(
            first("environments/dev.yaml"),
            "# yaml-language-server: $schema=../schemas/environment.schema.json"
        );
        assert_eq!(
            first("tenants/example.yaml"),
            "# yaml-language-server: $schema=../schemas/tenant-file.schema.json"
        );
        assert_eq!(
            first("tenants/example/production.yaml"),
            "# yaml-language-server: $schema=../../schemas/tenant-overlay.schema.json"
        );
        assert_eq!(first("strata.toml"), "#:schema ./schemas/strata-toml.schema.json");
        assert_eq!(with_schema_modeline(".gitignore", "out/\n"), "out/\n");
    }
}
