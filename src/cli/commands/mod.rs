//! One module per subcommand.

pub mod build;
pub mod check;
pub mod explain;
pub mod init;
pub mod schema;

/// Environment variables as the process sees them.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}
