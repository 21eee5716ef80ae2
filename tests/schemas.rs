//! The JSON Schemas in `schemas/` are generated from the Rust types; this test fails when
//! they drift, so editors and CI never see a stale schema.

use std::path::Path;
use strata::cli::schema_text;
use strata::validate::schema::generate;

#[test]
fn checked_in_schemas_match_the_types() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    for (name, schema) in generate() {
        let path = dir.join(name);
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == schema_text(&schema),
            "schemas/{name} is out of date with the Rust types: regenerate with `cargo run -- schema`"
        );
    }
}

#[test]
fn secrets_are_marked_in_the_schema() {
    let tenant = generate()
        .into_iter()
        .find(|(n, _)| *n == "tenant.schema.json")
        .map(|(_, s)| s.to_string());
    let text = tenant.unwrap_or_default();
    assert!(
        text.contains("\"x-secret\":true"),
        "webhook_url and routing_key must carry x-secret"
    );
}

#[test]
fn no_stale_schema_file_is_left_in_schemas() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let generated: Vec<&str> = generate().iter().map(|(name, _)| *name).collect();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".schema.json") {
            assert!(
                generated.contains(&name.as_str()),
                "schemas/{name} is not generated any more: delete it"
            );
        }
    }
}
