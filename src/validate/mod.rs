//! Validation of merged documents: JSON Schema first, then the semantic checks.

pub mod checks;
pub mod promql;
pub mod schema;
pub mod schema_files;
pub mod slo_promql;
