//! The hostile-input suite (issue 9): each case drives the real binary on a temporary
//! repository and asserts a located diagnostic with a code, exit 1 (no panic, no signal),
//! no partial output folder, and bounded time and address space.

#[path = "../common/mod.rs"]
mod common;

mod fleet;
mod output;
mod parser;
mod paths;
mod promql;
mod rego;
mod yaml;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Longest one run may take in a debug build on a loaded two-core machine.
pub const TIME_LIMIT: Duration = Duration::from_secs(20);
/// Address space one run may reserve (`prlimit --as`).
pub const MEMORY_LIMIT: u64 = 2 * 1024 * 1024 * 1024;

/// A copy of `examples/platform` in a temporary folder.
pub fn platform() -> tempfile::TempDir {
    common::example_copy()
}

/// Writes `text` to `rel` under `root`, parent folders created.
pub fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap_or(root)).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
    p
}

/// Runs strata with `args` in `dir` under [`MEMORY_LIMIT`], killed after [`TIME_LIMIT`].
/// Returns the output and the wall time.
pub fn run(dir: &Path, args: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let mut child = Command::new("prlimit")
        .arg(format!("--as={MEMORY_LIMIT}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("CLUSTER_NAME", "hostile")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running strata under prlimit: {e}"));
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("strata {args:?} ran longer than {TIME_LIMIT:?}");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("waiting for strata: {e}"),
        }
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    (out, start.elapsed())
}

/// Asserts a run was refused cleanly: exit 1 (not a panic's 101, not a signal), a
/// diagnostic with `code` at `location` (a `file:line` prefix, or just a file), and help.
pub fn assert_refused(out: &Output, code: &str, location: &str) {
    let err = text(out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit status {:?}; stderr:\n{err}",
        out.status
    );
    assert!(!err.contains("panicked"), "panic:\n{err}");
    let found = err
        .lines()
        .enumerate()
        .any(|(i, line)| line.contains(code) && err.lines().skip(i).take(6).any(|l| l.contains(location)));
    assert!(found, "no {code} at {location} in:\n{err}");
    assert!(err.contains("help"), "a diagnostic without help:\n{err}");
}

/// What a run printed: diagnostics (standard output) then standard error.
pub fn text(out: &Output) -> String {
    format!("{}{}", common::stdout(out), common::stderr(out))
}

/// `build --out out` in `root`, asserting it is refused with `code` at `location` and
/// leaves no `out` folder (nor a temporary one beside it).
pub fn build_refused(root: &Path, code: &str, location: &str) -> Output {
    let (out, _) = run(root, &["build", "--out", "out"]);
    assert_refused(&out, code, location);
    assert!(!root.join("out").exists(), "a refused build left an output folder");
    let stray: Vec<_> = std::fs::read_dir(root)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        !stray.iter().any(|n| n.to_string_lossy().contains("out")),
        "a refused build left {stray:?}"
    );
    out
}
