//! One module per subcommand.

pub mod build;
pub mod check;
pub mod completions;
pub mod diff;
pub mod explain;
pub mod import;
pub mod init;
pub mod policy;
pub mod preview;
pub mod report;
pub mod schema;
pub mod watch;

use crate::compile::{Compiled, Keep, Options, compile};
use crate::interpolate::Mode;
use crate::load::Selection;
use std::path::Path;

/// Compiles `root` with `${...}` references resolved from the process environment.
pub fn compile_with_process_env(
    root: &Path,
    mode: Mode,
    selection: Selection,
    keep: Keep<'_>,
) -> Result<Compiled, String> {
    let lookup = |name: &str| std::env::var(name).ok();
    compile(
        root,
        &Options {
            mode,
            selection,
            lookup: &lookup,
            keep,
        },
    )
}
