//! Project policies that run or allocate without bound are stopped within the evaluation
//! time limit with STRATA-E080 at their file, not left to hang or exhaust memory.

use super::{build_refused, platform, write};

fn policy_refused(body: &str) {
    let repo = platform();
    let text = format!("package acme.hostile\n\nimport rego.v1\n\n{body}\n");
    write(repo.path(), "policies/hostile.rego", text);
    build_refused(repo.path(), "STRATA-E080", "policies/hostile.rego");
}

#[test]
fn a_comprehension_that_allocates_without_bound_is_stopped() {
    policy_refused("deny contains \"never\" if {\n\tcount([i | some i in numbers.range(1, 1000000000)]) < 0\n}");
}

#[test]
fn a_nested_loop_that_never_ends_is_stopped() {
    policy_refused(
        "deny contains \"never\" if {\n\tsome i in numbers.range(1, 1000000)\n\tsome j in numbers.range(1, 1000000)\n\ti == j + 1000000\n}",
    );
}

#[test]
fn a_recursive_rule_is_refused() {
    policy_refused("f(x) := y if {\n\ty := f(x + 1)\n}\n\ndeny contains \"never\" if {\n\tf(1) == 0\n}");
}

#[test]
fn a_string_built_from_a_cross_product_is_stopped() {
    policy_refused(
        "deny contains \"never\" if {\n\ts := concat(\"\", [x | some i in numbers.range(1, 1000000); some j in numbers.range(1, 1000000); x := \"aaaaaaaaaaaaaaaa\"])\n\tcount(s) < 0\n}",
    );
}
