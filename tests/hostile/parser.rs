//! The YAML parser alone: no input makes it panic; arbitrary text, YAML-shaped noise, and
//! deep or self-multiplying documents all end in a tree or a diagnostic.

use proptest::prelude::*;
use strata::diag::FileId;
use strata::load::parse_yaml;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = parse_yaml(&text, FileId(0));
    }

    #[test]
    fn yaml_shaped_noise_never_panics(text in "([a-z]{0,3}|[-:{}\\[\\],&*!|>'\"#?%@` \n\t]|\r\n){0,200}") {
        let (tree, diags) = parse_yaml(&text, FileId(0));
        prop_assert!(tree.is_some() || !diags.is_empty(), "a failed parse always says why");
    }
}

#[test]
fn deep_and_exploding_documents_are_refused_with_a_code() {
    let deep_flow = format!("x: {}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_block: String = (0..200).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect();
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    for (name, text, codes) in [
        ("deep flow", deep_flow, &["STRATA-E004"][..]),
        ("deep block", deep_block, &["STRATA-E004"][..]),
        ("alias bomb", bomb, &["STRATA-E003"][..]),
    ] {
        let (tree, diags) = parse_yaml(&text, FileId(0));
        assert!(tree.is_none(), "{name} must be refused");
        assert!(
            diags.iter().any(|d| codes.contains(&d.code.as_ref())),
            "{name}: {diags:?}"
        );
    }
}
