//! The built-in packs, embedded in the binary, and their tests.

/// A built-in policy file: pack name, display path, source.
pub type Builtin = (&'static str, &'static str, &'static str);

/// The packs a project can enable (`[policies] packs`).
pub const PACKS: &[&str] = &["baseline", "soc2", "gdpr", "hipaa"];

/// Policy files, helpers first.
pub const FILES: &[Builtin] = &[
    (
        "lib",
        "<builtin>/policies/lib.rego",
        include_str!("../../policies/lib.rego"),
    ),
    (
        "baseline",
        "<builtin>/policies/baseline.rego",
        include_str!("../../policies/baseline.rego"),
    ),
    (
        "soc2",
        "<builtin>/policies/soc2.rego",
        include_str!("../../policies/soc2.rego"),
    ),
    (
        "gdpr",
        "<builtin>/policies/gdpr.rego",
        include_str!("../../policies/gdpr.rego"),
    ),
    (
        "hipaa",
        "<builtin>/policies/hipaa.rego",
        include_str!("../../policies/hipaa.rego"),
    ),
];

/// Unit tests of the packs (`strata policy test`).
pub const TESTS: &[Builtin] = &[
    (
        "baseline",
        "<builtin>/policies/baseline_test.rego",
        include_str!("../../policies/baseline_test.rego"),
    ),
    (
        "soc2",
        "<builtin>/policies/soc2_test.rego",
        include_str!("../../policies/soc2_test.rego"),
    ),
    (
        "gdpr",
        "<builtin>/policies/gdpr_test.rego",
        include_str!("../../policies/gdpr_test.rego"),
    ),
    (
        "hipaa",
        "<builtin>/policies/hipaa_test.rego",
        include_str!("../../policies/hipaa_test.rego"),
    ),
];

/// The framework a pack stands for (its rules apply only to tenants listing it in
/// `compliance`); `None` for packs that apply to every tenant.
pub fn framework(pack: &str) -> Option<&str> {
    matches!(pack, "soc2" | "gdpr" | "hipaa").then_some(pack)
}
