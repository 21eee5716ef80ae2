//! The code the fuzz targets (`fuzz/fuzz_targets/`) and `tests/fuzz_regressions.rs`
//! share: each target is one `run(data)` that panics when an invariant breaks, so a crash
//! input found by libFuzzer replays through exactly the same path as a normal test.
//! The fuzz crate includes this folder with `#[path]`; it is not a test crate itself.
#![allow(dead_code)]

pub mod compile;
pub mod diags;
pub mod promql;
pub mod repo;
pub mod templates;
pub mod yaml_merge;

/// A target's harness: runs one input, panics when an invariant breaks.
pub type Harness = fn(&[u8]);

/// Every fuzz target: its name (a folder under `fuzz/fuzz_targets/` and
/// `tests/fuzz_cases/`) and its harness.
pub const TARGETS: &[(&str, Harness)] = &[
    ("yaml_merge", yaml_merge::run),
    ("compile", compile::run),
    ("promql_confine", promql::run),
    ("templates", templates::run),
];
