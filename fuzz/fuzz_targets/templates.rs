//! Fuzz target `templates`: the harness is tests/fuzz_harness/templates.rs, which
//! tests/fuzz_regressions.rs also runs on every saved crash.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::templates::run(data));
