//! What each `STRATA-E0xx` code means, in one line: the README's "Diagnostics" table as
//! data, used for SARIF rule descriptions. A unit test keeps the two in step, so a new
//! code goes into both. Policy rule ids (such as `SOC2-003`) are not listed: their text
//! comes from the policy's own metadata.

/// Every tool code and its one-line description, sorted by code.
pub const CODES: &[(&str, &str)] = &[
    (
        "STRATA-E001",
        "invalid YAML (syntax, unsupported tag, several documents, non-string key)",
    ),
    ("STRATA-E002", "duplicate key"),
    (
        "STRATA-E003",
        "alias expansion beyond the limit (alias bomb) or unknown alias",
    ),
    ("STRATA-E004", "nesting deeper than 64 levels"),
    ("STRATA-E005", "file larger than 4 MiB"),
    ("STRATA-E006", "file is not UTF-8"),
    (
        "STRATA-E007",
        "unknown top-level key, or a document that is not a mapping",
    ),
    ("STRATA-E008", "invalid `strata.toml`"),
    ("STRATA-E010", "a value changes shape between layers"),
    ("STRATA-E011", "unknown field"),
    ("STRATA-E012", "missing required field"),
    ("STRATA-E013", "invalid value (type, allowed values, range, pattern)"),
    ("STRATA-E020", "tenant id differs from its file name"),
    ("STRATA-E021", "tenant id or file name is not a DNS label"),
    ("STRATA-E022", "`min_replicas` greater than `max_replicas`"),
    ("STRATA-E023", "invalid duration"),
    ("STRATA-E024", "invalid cron schedule"),
    ("STRATA-E025", "routing or escalation names an unknown channel"),
    ("STRATA-E026", "invalid e-mail address"),
    ("STRATA-E027", "unknown region"),
    ("STRATA-E028", "alert test expects an undefined alert"),
    (
        "STRATA-E029",
        "an e-mail channel in an environment without an SMTP relay",
    ),
    (
        "STRATA-E030",
        "unset environment variable (warning in `check`, error in `build`)",
    ),
    ("STRATA-E031", "malformed `${...}` reference"),
    (
        "STRATA-E032",
        "tenant overlay for an unknown environment or without its tenant file",
    ),
    ("STRATA-E033", "the repository has no environments"),
    (
        "STRATA-E034",
        "a secret variable referenced by a field that is not secret",
    ),
    ("STRATA-E040", "a file cannot be read"),
    (
        "STRATA-E041",
        "a file is a symbolic link leading outside the repository",
    ),
    (
        "STRATA-E042",
        "a file under `templates/` or `locales/` that overrides nothing built in",
    ),
    (
        "STRATA-E043",
        "a notification template override is malformed or lacks a template receivers use",
    ),
    (
        "STRATA-E044",
        "a message catalog entry: unknown key, not text, or without `{count}`",
    ),
    ("STRATA-E050", "a rule expression is not valid PromQL"),
    (
        "STRATA-E051",
        "a rule expression selects outside its tenant (`tenant!=`, regex, another id)",
    ),
    (
        "STRATA-E055",
        "an SLO objective not between 0 and 100 (exclusive) or a window outside 7d..90d",
    ),
    (
        "STRATA-E056",
        "an SLO indicator: not exactly one of `good`/`total` and `latency`, or no `{{window}}`",
    ),
    (
        "STRATA-E057",
        "an SLO latency threshold that is not one of the histogram's `buckets`",
    ),
    (
        "STRATA-E060",
        "`import`: a rule was refused (not valid for Prometheus, bad PromQL, another tenant)",
    ),
    (
        "STRATA-E061",
        "`import`: a rule was imported with a change (renamed, severity mapped)",
    ),
    (
        "STRATA-E062",
        "`import`: a group setting could not be carried over (`interval`, `limit`)",
    ),
    ("STRATA-E063", "`import`: a malformed rule file"),
    ("STRATA-E064", "`import`: the tenant file cannot take the rules"),
    ("STRATA-E070", "a Kubernetes manifest Kubernetes would refuse"),
    ("STRATA-E071", "a custom resource fails its bundled CRD schema"),
    ("STRATA-E072", "a dashboard check failed"),
    ("STRATA-E073", "a Slack message breaks a Block Kit limit"),
    ("STRATA-E074", "a runbook URL Slack cannot link (no button)"),
    ("STRATA-E080", "a Rego policy fails to parse or evaluate"),
    ("STRATA-E081", "invalid policy METADATA"),
    ("STRATA-E082", "a waiver names an unknown rule"),
    ("STRATA-E083", "an expired waiver"),
    ("STRATA-E084", "unknown policy pack or rule in strata.toml"),
    ("STRATA-E090", "a runtime rejected the reloaded config"),
];

/// The description of a tool code, or `None` for a policy rule id or an unknown code.
pub fn describe(code: &str) -> Option<&'static str> {
    CODES.binary_search_by(|(c, _)| (*c).cmp(code)).ok().map(|i| CODES[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::Path;

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    /// The rows `| STRATA-E0xx | description |` of README's "Diagnostics" section.
    fn readme_table() -> BTreeMap<String, String> {
        let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_else(|e| panic!("README.md: {e}"));
        let section = readme
            .split("\n## ")
            .find(|s| s.starts_with("Diagnostics"))
            .unwrap_or_else(|| panic!("README.md has no `## Diagnostics` section"));
        let mut rows = BTreeMap::new();
        for line in section.lines() {
            let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
            if let [code, description] = cells.as_slice()
                && code.starts_with("STRATA-E")
            {
                let old = rows.insert((*code).to_string(), (*description).to_string());
                assert!(old.is_none(), "README.md lists {code} twice");
            }
        }
        rows
    }

    #[test]
    fn codes_are_sorted_and_unique() {
        for pair in CODES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} must come before {}", pair[0].0, pair[1].0);
        }
    }

    #[test]
    fn codes_match_the_readme_table() {
        let readme = readme_table();
        let ours: BTreeMap<String, String> = CODES
            .iter()
            .map(|(c, d)| ((*c).to_string(), (*d).to_string()))
            .collect();
        for (code, description) in &ours {
            match readme.get(code) {
                None => panic!("{code} is in src/diag/codes.rs but not in README.md's Diagnostics table"),
                Some(d) => assert_eq!(d, description, "{code}: README.md and src/diag/codes.rs differ"),
            }
        }
        for code in readme.keys() {
            assert!(
                ours.contains_key(code),
                "{code} is in README.md's Diagnostics table but not in src/diag/codes.rs"
            );
        }
    }

    #[test]
    fn every_code_in_the_sources_is_described() {
        for entry in walkdir::WalkDir::new(root().join("src")) {
            let entry = entry.unwrap_or_else(|e| panic!("{e}"));
            if entry.path().extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for (i, _) in text.match_indices("\"STRATA-E") {
                let code: String = text[i + 1..].chars().take_while(|c| *c != '"').collect();
                let digits = &code["STRATA-E".len()..];
                if digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()) && digits != "000" {
                    assert!(
                        describe(&code).is_some(),
                        "{} uses {code}, which src/diag/codes.rs (and README.md) do not describe",
                        entry.path().display()
                    );
                }
            }
        }
    }

    #[test]
    fn policy_ids_are_not_described() {
        assert_eq!(describe("SOC2-003"), None);
        assert_eq!(
            describe("STRATA-E013"),
            Some("invalid value (type, allowed values, range, pattern)")
        );
    }
}
