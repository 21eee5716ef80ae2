//! `strata schema [--out DIR]`: write the JSON Schemas generated from the typed model.

use crate::cli::args::SchemaArgs;
use crate::validate::schema::generate;

/// The text of a generated schema file.
pub fn schema_text(schema: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Runs `strata schema`.
pub fn run(args: SchemaArgs) -> Result<u8, String> {
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    for (name, schema) in generate() {
        let path = args.out.join(name);
        std::fs::write(&path, schema_text(&schema)).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(crate::cli::EXIT_OK)
}
