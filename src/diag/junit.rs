//! `--format junit`: JUnit XML for CI test reports. One `<testsuite>` per environment and
//! one `<testcase>` per (environment, tenant), passing or with one `<failure>` per error
//! (warnings go to `<system-out>`, or fail too with `fail_on = "warning"`). A diagnostic is
//! tied to a tenant by its file (`tenants/<t>.yaml`, `tenants/<t>/<env>.yaml`); any other
//! goes into a testcase named after its file, in the suite of its environments, or in the
//! `repository` suite when it depends on none. Every text is sanitized and XML-escaped.

use super::{Diagnostic, Severity, SourceMap, sanitize};
use std::collections::BTreeMap;

/// Name of the suite for problems that do not depend on an environment.
pub const REPOSITORY_SUITE: &str = "repository";

/// What a run covered: the testcases a clean run reports.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Environments compiled.
    pub envs: Vec<String>,
    /// Tenants compiled.
    pub tenants: Vec<String>,
    /// Whether warnings fail the run (`fail_on = "warning"`).
    pub warnings_fail: bool,
}

/// Escapes text for XML content and attribute values; drops characters XML 1.0 forbids.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for XML content: like [`escape_xml`], but keeps quotes and line breaks.
fn escape_text(text: &str) -> String {
    escape_xml(text)
        .replace("&#10;", "\n")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
}

/// The tenant a file belongs to, and the environment of an overlay.
fn tenant_of(path: &str) -> Option<(String, Option<String>)> {
    let stem = |s: &str| {
        s.strip_suffix(".yaml")
            .or_else(|| s.strip_suffix(".yml"))
            .map(str::to_string)
    };
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["tenants", file] => Some((stem(file)?, None)),
        ["tenants", tenant, file] => Some(((*tenant).to_string(), Some(stem(file)?))),
        _ => None,
    }
}

/// A testcase: its findings, in the order of the diagnostics.
#[derive(Default)]
struct Case<'a> {
    file: Option<String>,
    diags: Vec<&'a Diagnostic>,
}

type Suites<'a> = BTreeMap<String, BTreeMap<(u8, String), Case<'a>>>;

fn fails(d: &Diagnostic, scope: &Scope) -> bool {
    d.severity == Severity::Error || scope.warnings_fail
}

fn finding_text(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut text = format!(
        "{}:{}:{}: {} {}: {}",
        sanitize(sources.path(d.loc.file)),
        d.loc.line,
        d.loc.col,
        match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        sanitize(&d.code),
        sanitize(&d.message)
    );
    if !d.label.is_empty() {
        text.push_str(&format!(" ({})", sanitize(&d.label)));
    }
    if let Some(help) = &d.help {
        text.push_str(&format!("\nhelp: {}", sanitize(help)));
    }
    for note in &d.notes {
        text.push_str(&format!(
            "\nnote: {}:{}:{}: {}",
            sanitize(sources.path(note.loc.file)),
            note.loc.line,
            note.loc.col,
            sanitize(&note.message)
        ));
    }
    if !d.envs.is_empty() {
        text.push_str(&format!("\nenvironments: {}", sanitize(&d.envs.join(", "))));
    }
    text
}

/// Renders diagnostics as a JUnit XML report of the (environment, tenant) pairs in `scope`.
pub fn render_junit(diags: &[Diagnostic], sources: &SourceMap, scope: &Scope) -> String {
    // Suite -> (kind: 0 tenant, 1 file; name) -> case.
    let mut suites: Suites<'_> = BTreeMap::new();
    let seeded = if scope.envs.is_empty() {
        vec![REPOSITORY_SUITE.to_string()]
    } else {
        scope.envs.clone()
    };
    for env in &seeded {
        let suite = suites.entry(env.clone()).or_default();
        for tenant in &scope.tenants {
            suite.entry((0, tenant.clone())).or_default();
        }
    }
    for d in diags {
        let path = sources.path(d.loc.file);
        let tenant = tenant_of(path);
        let envs: Vec<String> = if !d.envs.is_empty() {
            d.envs.clone()
        } else if let Some((_, Some(env))) = &tenant {
            // An overlay of an environment this run did not compile (or that does not
            // exist) is a problem of the tenant, in no environment.
            if scope.envs.contains(env) {
                vec![env.clone()]
            } else {
                vec![REPOSITORY_SUITE.to_string()]
            }
        } else if let (Some(_), false) = (&tenant, scope.envs.is_empty()) {
            scope.envs.clone()
        } else if let Some(env) = path
            .strip_prefix("environments/")
            .and_then(|f| f.strip_suffix(".yaml").or_else(|| f.strip_suffix(".yml")))
            .filter(|e| !e.contains('/'))
        {
            vec![env.to_string()]
        } else {
            vec![REPOSITORY_SUITE.to_string()]
        };
        let key = match &tenant {
            Some((t, _)) => (0, t.clone()),
            None => (1, path.to_string()),
        };
        for env in envs {
            let case = suites.entry(env).or_default().entry(key.clone()).or_default();
            if key.0 == 0 && case.file.is_none() {
                case.file = Some(path.to_string());
            }
            case.diags.push(d);
        }
    }

    let mut body = String::new();
    let (mut total_tests, mut total_failures) = (0, 0);
    for (env, cases) in &suites {
        let failures = cases
            .values()
            .filter(|c| c.diags.iter().any(|d| fails(d, scope)))
            .count();
        total_tests += cases.len();
        total_failures += failures;
        let env_name = escape_xml(&sanitize(env));
        body.push_str(&format!(
            "  <testsuite name=\"{env_name}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n",
            cases.len()
        ));
        for ((kind, name), case) in cases {
            let file = if *kind == 1 {
                Some(name.as_str())
            } else {
                case.file.as_deref()
            };
            let mut attrs = format!(
                "name=\"{}\" classname=\"{}\"",
                escape_xml(&sanitize(name)),
                escape_xml(&format!("strata.{}", sanitize(env)))
            );
            if let Some(file) = file {
                attrs.push_str(&format!(" file=\"{}\"", escape_xml(&sanitize(file))));
            }
            if case.diags.is_empty() {
                body.push_str(&format!("    <testcase {attrs}/>\n"));
                continue;
            }
            body.push_str(&format!("    <testcase {attrs}>\n"));
            let mut out = Vec::new();
            for d in &case.diags {
                let text = finding_text(d, sources);
                if fails(d, scope) {
                    body.push_str(&format!(
                        "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                        escape_xml(&sanitize(&d.code)),
                        escape_xml(&sanitize(&d.message)),
                        escape_text(&text)
                    ));
                } else {
                    out.push(text);
                }
            }
            if !out.is_empty() {
                body.push_str(&format!(
                    "      <system-out>{}</system-out>\n",
                    escape_text(&out.join("\n"))
                ));
            }
            body.push_str("    </testcase>\n");
        }
        body.push_str("  </testsuite>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"strata\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"0\">\n{body}</testsuites>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_map_to_tenants() {
        assert_eq!(tenant_of("tenants/acme.yaml"), Some(("acme".into(), None)));
        assert_eq!(
            tenant_of("tenants/acme/prod.yml"),
            Some(("acme".into(), Some("prod".into())))
        );
        assert_eq!(tenant_of("environments/prod.yaml"), None);
        assert_eq!(tenant_of("tenants/readme.md"), None);
    }

    #[test]
    fn an_overlay_of_an_unknown_environment_is_reported_outside_the_environments() {
        let mut sources = SourceMap::default();
        let file = sources.add(
            "tenants/acme/staging.yaml".into(),
            "x".into(),
            std::sync::Arc::new(String::new()),
        );
        let d = Diagnostic::error("STRATA-E032", crate::diag::Loc::file_start(file), "unknown env");
        let scope = Scope {
            envs: vec!["dev".into()],
            tenants: vec!["acme".into()],
            warnings_fail: false,
        };
        let xml = render_junit(&[d], &sources, &scope);
        assert!(!xml.contains("name=\"staging\""), "{xml}");
        assert!(
            xml.contains("<testsuite name=\"repository\" tests=\"1\" failures=\"1\""),
            "{xml}"
        );
        assert!(
            xml.contains("<testsuite name=\"dev\" tests=\"1\" failures=\"0\""),
            "{xml}"
        );
    }

    #[test]
    fn escapes_markup_quotes_and_control_characters() {
        assert_eq!(
            escape_xml("a<b>&\"c'\u{1b}]]>\n"),
            "a&lt;b&gt;&amp;&quot;c&apos;]]&gt;&#10;"
        );
    }

    #[test]
    fn a_clean_run_has_one_passing_testcase_per_tenant_and_environment() {
        let scope = Scope {
            envs: vec!["dev".into(), "prod".into()],
            tenants: vec!["a".into(), "b".into()],
            warnings_fail: false,
        };
        let xml = render_junit(&[], &SourceMap::default(), &scope);
        assert_eq!(xml.matches("<testcase ").count(), 4);
        assert!(xml.contains("<testsuites name=\"strata\" tests=\"4\" failures=\"0\""));
    }
}
