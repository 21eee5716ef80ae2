//! Long help text of the commands: what `--help` shows after the flags (examples, exit
//! codes). `-h` shows the flags only.

/// After the top-level `--help` (and `-h`).
pub const STRATA: &str = "\
Exit codes: 0 clean (warnings allowed unless `fail_on = \"warning\"`), 1 problems found,
2 usage or I/O error. ROOT defaults to the nearest folder at or above the working
directory holding strata.toml. `strata help COMMAND` or `strata COMMAND --help` shows a
command's examples; `strata man` prints the man page.";

/// After `strata check --help`.
pub const CHECK: &str = "\
A directory argument is ROOT; file arguments are FILES, relative to the working
directory, as a pre-commit hook passes them. With FILES only what they affect is checked:
tenants/T.yaml and tenants/T/ENV.yaml check tenant T; strata.toml, defaults.yaml,
environments/*.yaml and any *.rego check everything; other files are ignored. Without
ROOT, each file's repository is found by walking up from it to strata.toml.

Examples:
  strata check                                 the repository around the working directory
  strata check platform/ --env production      one environment
  strata check tenants/acme.yaml               what a change to acme affects (pre-commit)
  strata check --format sarif > strata.sarif   for code scanning
  strata check --format github                 annotations in a GitHub Actions log
  strata check --format junit > report.xml     a test report for CI";

/// After `strata build --help`.
pub const BUILD: &str = "\
The build validates first (an unset ${VAR} reference is an error here, a warning in
check), writes into a temporary folder and swaps it in whole: a failed build leaves the
last good output.

Examples:
  strata build                                 every environment into build.out_dir (strata.toml)
  strata build platform/ --env production --out /tmp/out";

/// After `strata explain --help`.
pub const EXPLAIN: &str = "\
Examples:
  strata explain --env production --tenant acme autoscaling.max_replicas
  strata explain platform/ --env dev --tenant acme alerting --format json";

/// After `strata watch --help`.
pub const WATCH: &str = "\
Examples:
  strata watch --env dev --prometheus http://127.0.0.1:9090 --alertmanager http://127.0.0.1:9093
  strata watch platform/ --env dev --listen 127.0.0.1:9464   with /healthz and /metrics";

/// After `strata schema --help`.
pub const SCHEMA: &str = "\
Point your editor's YAML language server at the written files for completion and
validation, such as `# yaml-language-server: $schema=../schemas/tenant.schema.json`.

Example:
  strata schema --out schemas";

/// After `strata init --help`.
pub const INIT: &str = "\
Example:
  strata init platform && strata check platform";
