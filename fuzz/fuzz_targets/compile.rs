//! Fuzz target `compile`: the harness is tests/fuzz_harness/compile.rs, which
//! tests/fuzz_regressions.rs also runs on every saved crash.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::compile::run(data));
