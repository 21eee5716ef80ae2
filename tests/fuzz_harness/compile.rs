//! Fuzz target `compile`: a small repository from arbitrary bytes ([`super::repo`]) is
//! checked and built in memory. Neither may panic or fail outside a diagnostic, every
//! diagnostic is well formed, and a clean build writes only valid artifacts.

use super::repo;

/// Runs the target on one input.
pub fn run(data: &[u8]) {
    let files = repo::files(data);
    let dir = repo::write(&files);
    repo::check(dir.path());
    repo::build(dir.path());
}
