//! `--format sarif|github|junit` end to end: the same findings as the JSON output, at the
//! same lines and columns; valid SARIF shape, GitHub annotation grammar, well-formed JUnit
//! XML with one testcase per environment and tenant; hostile text escaped in every format.

use std::path::{Path, PathBuf};
use std::process::Output;
mod common;

use common::{json, repo, stdout, strata};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn check(dir: &Path, format: &str) -> Output {
    strata(dir, &["check", ".", "--format", format])
}

/// One parsed GitHub workflow command: command, properties, message (still escaped).
#[derive(Debug)]
struct Annotation {
    command: String,
    props: Vec<(String, String)>,
    data: String,
}

impl Annotation {
    fn prop(&self, key: &str) -> Option<&str> {
        self.props.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Parses `::error|warning k=v,...::data` strictly: known keys, escaped values, nothing
/// unescaped that GitHub would read as a separator.
fn parse_annotation(line: &str) -> Result<Annotation, String> {
    let rest = line.strip_prefix("::").ok_or("no leading ::")?;
    let (head, data) = rest.split_once("::").ok_or("no :: before the message")?;
    let (command, props) = head.split_once(' ').ok_or("no properties")?;
    if command != "error" && command != "warning" {
        return Err(format!("unknown command {command}"));
    }
    let mut parsed = Vec::new();
    for prop in props.split(',') {
        let (k, v) = prop
            .split_once('=')
            .ok_or_else(|| format!("property without =: {prop}"))?;
        if !["file", "line", "col", "endLine", "endColumn", "title"].contains(&k) {
            return Err(format!("unknown property {k}"));
        }
        if ["line", "col", "endLine", "endColumn"].contains(&k) && v.parse::<u32>().is_err() {
            return Err(format!("{k} is not a number: {v}"));
        }
        parsed.push((k.to_string(), v.to_string()));
    }
    for text in parsed.iter().map(|(_, v)| v.as_str()).chain([data]) {
        if text.contains(['\r', '\n']) {
            return Err("unescaped line break".into());
        }
        // Every % starts an escape that GitHub decodes.
        for (i, _) in text.match_indices('%') {
            let esc = text.get(i..i + 3).unwrap_or("");
            if !["%25", "%0D", "%0A", "%3A", "%2C"].contains(&esc) {
                return Err(format!("unescaped % in {text}"));
            }
        }
    }
    Ok(Annotation {
        command: command.to_string(),
        props: parsed,
        data: data.to_string(),
    })
}

/// Undoes GitHub's escaping.
fn unescape(text: &str) -> String {
    text.replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// The annotations of a github report, and its summary line.
fn annotations(o: &Output) -> (Vec<Annotation>, String) {
    let text = stdout(o);
    let mut lines: Vec<&str> = text.lines().collect();
    let summary = lines.pop().unwrap_or_default().to_string();
    assert!(summary.starts_with("strata: "), "summary line missing: {text}");
    let parsed = lines
        .iter()
        .map(|l| parse_annotation(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (parsed, summary)
}

fn assert_sarif_shape(sarif: &serde_json::Value) {
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
    let runs = sarif["runs"].as_array().unwrap_or_else(|| panic!("no runs"));
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["tool"]["driver"]["name"], "strata");
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap_or_else(|| panic!("no rules"));
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "rules sorted and unique");
    for rule in rules {
        assert!(rule["shortDescription"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(rule["help"]["text"].as_str().is_some_and(|t| !t.is_empty()));
    }
    let results = run["results"].as_array().unwrap_or_else(|| panic!("no results"));
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
        assert_eq!(rules.get(index).map(|r| &r["id"]), Some(&result["ruleId"]), "{result}");
        assert!(["error", "warning"].contains(&result["level"].as_str().unwrap_or("")));
        let physical = &result["locations"][0]["physicalLocation"];
        assert!(physical["artifactLocation"]["uri"].is_string());
    }
    // Every rule is used.
    for (i, _) in rules.iter().enumerate() {
        assert!(results.iter().any(|r| r["ruleIndex"] == i), "rule {i} is not used");
    }
}

const MULTI: &str = "multi-all-problems-stable-order";

#[test]
fn sarif_has_the_findings_of_the_json_output_at_the_same_places() {
    let dir = fixtures_dir().join(MULTI);
    let expected = json(&check(&dir, "json"));
    let out = check(&dir, "sarif");
    assert_eq!(out.status.code(), Some(1));
    let sarif = json(&out);
    assert_sarif_shape(&sarif);
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let diags = expected["diagnostics"]
        .as_array()
        .unwrap_or_else(|| panic!("no diagnostics"));
    let results = run["results"].as_array().unwrap_or_else(|| panic!("no results"));
    assert_eq!(results.len(), diags.len());
    assert!(diags.len() >= 5);
    for (d, r) in diags.iter().zip(results) {
        assert_eq!(r["ruleId"], d["code"]);
        assert_eq!(r["level"], d["severity"]);
        let physical = &r["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], d["file"]);
        assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(physical["region"]["startLine"], d["line"]);
        assert_eq!(physical["region"]["startColumn"], d["column"]);
        let text = r["message"]["text"].as_str().unwrap_or("");
        assert!(text.starts_with(d["message"].as_str().unwrap_or("?")), "{text}");
        assert_eq!(
            r["properties"]["environments"].as_array().map(Vec::len).unwrap_or(0),
            d["environments"].as_array().map(Vec::len).unwrap_or(0)
        );
        let notes = d["notes"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(r["relatedLocations"].as_array().map(Vec::len).unwrap_or(0), notes);
    }
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap_or_else(|| panic!("no rules"));
    let e013 = rules
        .iter()
        .find(|r| r["id"] == "STRATA-E013")
        .unwrap_or_else(|| panic!("no E013"));
    assert_eq!(
        e013["shortDescription"]["text"],
        "invalid value (type, allowed values, range, pattern)"
    );
    // The human output names the same places.
    let human = stdout(&check(&dir, "human"));
    for d in diags {
        let place = format!("{}:{}:{}", d["file"].as_str().unwrap_or("?"), d["line"], d["column"]);
        assert!(human.contains(&place), "{place} missing from the human output");
    }
}

#[test]
fn sarif_is_deterministic() {
    let dir = fixtures_dir().join(MULTI);
    assert_eq!(check(&dir, "sarif").stdout, check(&dir, "sarif").stdout);
}

#[test]
fn github_has_one_annotation_per_finding_and_a_summary() {
    let dir = fixtures_dir().join(MULTI);
    let expected = json(&check(&dir, "json"));
    let out = check(&dir, "github");
    assert_eq!(out.status.code(), Some(1));
    let (anns, summary) = annotations(&out);
    let diags = expected["diagnostics"]
        .as_array()
        .unwrap_or_else(|| panic!("no diagnostics"));
    assert_eq!(anns.len(), diags.len());
    for (d, a) in diags.iter().zip(&anns) {
        assert_eq!(a.command, d["severity"].as_str().unwrap_or("?"));
        assert_eq!(a.prop("file"), d["file"].as_str());
        assert_eq!(a.prop("line"), Some(d["line"].to_string().as_str()));
        assert_eq!(a.prop("col"), Some(d["column"].to_string().as_str()));
        assert_eq!(a.prop("title"), d["code"].as_str());
        let data = unescape(&a.data);
        assert!(data.starts_with(d["message"].as_str().unwrap_or("?")), "{data}");
        if let Some(help) = d["help"].as_str() {
            assert!(data.contains(&format!("\nhelp: {help}")), "{data}");
        }
    }
    let errors = expected["summary"]["errors"].as_u64().unwrap_or(0);
    assert!(summary.starts_with(&format!("strata: {errors} error")), "{summary}");
}

/// Every (suite, testcase) of a JUnit report, with its failure count.
fn junit_cases(xml: &str) -> Vec<(String, String, usize)> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("invalid XML ({e}):\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let mut out = Vec::new();
    for suite in root.children().filter(|n| n.has_tag_name("testsuite")) {
        let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
        assert_eq!(suite.attribute("tests"), Some(cases.len().to_string().as_str()));
        for case in cases {
            let failures = case.children().filter(|n| n.has_tag_name("failure")).count();
            out.push((
                suite.attribute("name").unwrap_or("").to_string(),
                case.attribute("name").unwrap_or("").to_string(),
                failures,
            ));
        }
    }
    out
}

#[test]
fn junit_has_one_testcase_per_environment_and_tenant() {
    let dir = fixtures_dir().join(MULTI);
    let out = check(&dir, "junit");
    assert_eq!(out.status.code(), Some(1));
    let cases = junit_cases(&stdout(&out));
    for env in ["dev", "prod"] {
        for tenant in ["acme", "beta", "zeta"] {
            let n = cases.iter().filter(|(s, c, _)| s == env && c == tenant).count();
            assert_eq!(n, 1, "{env}/{tenant} in {cases:?}");
        }
    }
    let failures = |env: &str, name: &str| {
        cases
            .iter()
            .find(|(s, c, _)| s == env && c == name)
            .map_or(0, |(_, _, f)| *f)
    };
    assert_eq!(failures("prod", "acme"), 3);
    assert_eq!(failures("dev", "environments/dev.yaml"), 1, "{cases:?}");
}

#[test]
fn junit_of_a_clean_repository_passes_every_testcase() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/platform");
    let out = check(&examples, "junit");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let cases = junit_cases(&stdout(&out));
    let envs = std::fs::read_dir(examples.join("environments")).map_or(0, |d| d.count());
    let tenants = std::fs::read_dir(examples.join("tenants"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "yaml"))
                .count()
        })
        .unwrap_or(0);
    assert!(envs > 0 && tenants > 0);
    assert_eq!(cases.len(), envs * tenants, "{cases:?}");
    assert!(cases.iter().all(|(_, _, f)| *f == 0));
}

#[test]
fn every_broken_fixture_renders_in_every_format() {
    let mut seen = 0;
    for entry in std::fs::read_dir(fixtures_dir()).unwrap_or_else(|e| panic!("{e}")) {
        let dir = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let expected = check(&dir, "json");
        let code = expected.status.code();
        assert!(code == Some(0) || code == Some(1), "{}: {code:?}", dir.display());
        let diags = json(&expected)["diagnostics"].as_array().map_or(0, Vec::len);

        let sarif = check(&dir, "sarif");
        assert_eq!(sarif.status.code(), code, "{}", dir.display());
        let sarif = json(&sarif);
        assert_sarif_shape(&sarif);
        assert_eq!(sarif["runs"][0]["results"].as_array().map_or(0, Vec::len), diags);

        let github = check(&dir, "github");
        assert_eq!(github.status.code(), code, "{}", dir.display());
        assert_eq!(annotations(&github).0.len(), diags, "{}", dir.display());

        let junit = check(&dir, "junit");
        assert_eq!(junit.status.code(), code, "{}", dir.display());
        junit_cases(&stdout(&junit));
        seen += 1;
    }
    assert!(seen >= 50);
}

/// A value full of what each format must escape, echoed by the E013 message.
const HOSTILE: &str = "a\"b' <x> & ]]> 50% ::error ::x,y:z";

fn hostile_repo() -> tempfile::TempDir {
    repo(&[
        ("strata.toml", "[project]\nname = \"t\"\n"),
        ("environments/dev.yaml", "platform:\n  cluster: dev\n"),
        (
            "tenants/acme.yaml",
            "id: acme\ntier: \"a\\\"b' <x> & ]]> 50% ::error ::x,y:z\\nline2\\r\\u001b[31m\"\n",
        ),
        ("tenants/a,b:c%d.yaml", "id: a,b:c%d\n"),
    ])
}

#[test]
fn hostile_text_is_escaped_in_sarif() {
    let dir = hostile_repo();
    let out = check(dir.path(), "sarif");
    assert_eq!(out.status.code(), Some(1));
    let sarif = json(&out);
    assert_sarif_shape(&sarif);
    let results = sarif["runs"][0]["results"].as_array().cloned().unwrap_or_default();
    let texts: Vec<&str> = results.iter().filter_map(|r| r["message"]["text"].as_str()).collect();
    assert!(
        texts.iter().any(|t| t.contains(HOSTILE) && t.contains("\nline2")),
        "{texts:?}"
    );
    assert!(texts.iter().all(|t| !t.contains('\u{1b}') && !t.contains('\r')));
    let uris: Vec<&str> = results
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(uris.contains(&"tenants/a%2Cb%3Ac%25d.yaml"), "{uris:?}");
}

#[test]
fn hostile_text_is_escaped_in_github_annotations() {
    let dir = hostile_repo();
    let out = check(dir.path(), "github");
    assert_eq!(out.status.code(), Some(1));
    let (anns, _) = annotations(&out);
    let tier = anns
        .iter()
        .find(|a| unescape(&a.data).contains(HOSTILE))
        .unwrap_or_else(|| panic!("{}", stdout(&out)));
    assert!(tier.data.contains("::error ::x,y:z%0Aline2"), "{}", tier.data);
    assert!(!tier.data.contains('\u{1b}'));
    let file = anns
        .iter()
        .find_map(|a| a.prop("file").filter(|f| f.contains("%2C")))
        .unwrap_or_else(|| panic!("{}", stdout(&out)));
    assert_eq!(file, "tenants/a%2Cb%3Ac%25d.yaml");
}

#[test]
fn hostile_text_is_escaped_in_junit() {
    let dir = hostile_repo();
    let out = check(dir.path(), "junit");
    assert_eq!(out.status.code(), Some(1));
    let xml = stdout(&out);
    assert!(!xml.contains("]]>") && !xml.contains('\u{1b}'));
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("invalid XML ({e}):\n{xml}"));
    let failures: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("failure")).collect();
    assert!(
        failures.iter().any(
            |f| f.text().is_some_and(|t| t.contains(HOSTILE) && t.contains("\nline2"))
                && f.attribute("message").is_some_and(|m| m.contains(HOSTILE))
        ),
        "{xml}"
    );
    let names: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert!(names.contains(&"a,b:c%d"), "{names:?}");
}

#[test]
fn build_and_import_take_the_formats_and_explain_refuses_them() {
    let dir = hostile_repo();
    let out = strata(dir.path(), &["build", ".", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    assert_sarif_shape(&json(&out));

    let rules = "groups:\n- name: g\n  rules:\n  - alert: Bad\n    expr: 'up{'\n";
    let dir = repo(&[
        ("strata.toml", "[project]\nname = \"t\"\n"),
        ("environments/dev.yaml", "platform:\n  cluster: dev\n"),
        ("rules.yml", rules),
    ]);
    let args = [
        "import",
        "prometheus-rules",
        "rules.yml",
        "--tenant",
        "acme",
        "--format",
    ];
    let github = strata(dir.path(), &[&args[..], &["github"]].concat());
    assert_eq!(github.status.code(), Some(1), "{}", stdout(&github));
    let text = stdout(&github);
    let first = text.lines().next().unwrap_or("");
    let ann = parse_annotation(first).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert!(ann.prop("title").is_some_and(|t| t.starts_with("STRATA-E0")), "{text}");
    assert_eq!(ann.prop("file"), Some("rules.yml"));
    let sarif = strata(dir.path(), &[&args[..], &["sarif"]].concat());
    assert_sarif_shape(&json(&sarif));
    let junit = strata(dir.path(), &[&args[..], &["junit"]].concat());
    assert!(!junit_cases(&stdout(&junit)).is_empty());

    let explain = strata(
        dir.path(),
        &["explain", "--env", "dev", "--tenant", "acme", "--format", "sarif"],
    );
    assert_eq!(explain.status.code(), Some(2));
}

#[test]
fn github_names_files_from_the_working_directory_when_root_is_a_subfolder() {
    let dir = repo(&[
        ("cfg/strata.toml", "[project]\nname = \"t\"\n"),
        ("cfg/environments/dev.yaml", "platform:\n  cluster: dev\n"),
        ("cfg/tenants/acme.yaml", "id: acme\ntier: gold\n"),
    ]);
    let out = strata(dir.path(), &["check", "cfg", "--format", "github"]);
    assert_eq!(out.status.code(), Some(1));
    let (anns, _) = annotations(&out);
    assert_eq!(anns.len(), 1, "{}", stdout(&out));
    assert_eq!(anns[0].prop("file"), Some("cfg/tenants/acme.yaml"));
    // SARIF stays relative to ROOT (%SRCROOT%).
    let sarif = json(&strata(dir.path(), &["check", "cfg", "--format", "sarif"]));
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "tenants/acme.yaml"
    );
}

#[test]
fn warnings_pass_unless_fail_on_warning() {
    let tenant = "id: acme\nalerting:\n  channels:\n    team-slack: {type: slack, webhook_url: \"${STRATA_FORMATS_UNSET}\", channel: \"#acme\"}\n";
    for (toml, code, failures) in [
        ("[project]\nname = \"t\"\n", 0, 0),
        ("[project]\nname = \"t\"\n[policies]\nfail_on = \"warning\"\n", 1, 1),
    ] {
        let dir = repo(&[
            ("strata.toml", toml),
            ("environments/dev.yaml", "platform:\n  cluster: dev\n"),
            ("tenants/acme.yaml", tenant),
        ]);
        let junit = check(dir.path(), "junit");
        assert_eq!(junit.status.code(), Some(code), "{}", stdout(&junit));
        let xml = stdout(&junit);
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}"));
        let count = |tag: &str| doc.descendants().filter(|n| n.has_tag_name(tag)).count();
        assert_eq!(count("failure"), failures, "{xml}");
        assert_eq!(count("system-out"), 1 - failures, "{xml}");

        let github = check(dir.path(), "github");
        assert_eq!(github.status.code(), Some(code));
        let (anns, summary) = annotations(&github);
        assert_eq!(anns.len(), 1);
        assert_eq!(anns[0].command, "warning");
        assert_eq!(summary, "strata: 0 errors, 1 warning");

        let sarif = check(dir.path(), "sarif");
        assert_eq!(sarif.status.code(), Some(code));
        assert_eq!(json(&sarif)["runs"][0]["results"][0]["level"], "warning");
    }
}
