//! OPA `# METADATA` annotations of policy rules, read from the comment blocks of a `.rego`
//! file (regorus does not expose them), and the rule heads the blocks document.

use crate::diag::{Diagnostic, FileId, Loc, Severity};
use crate::load::lines::LineIndex;
use crate::load::{Kind, Node, parse_yaml};

/// What one `# METADATA` block says about a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleMeta {
    /// `custom.id`, such as `SOC2-003`.
    pub id: String,
    /// `title`.
    pub title: String,
    /// `description`.
    pub description: String,
    /// `custom.severity` (error when unset).
    pub severity: Severity,
    /// `custom.frameworks`.
    pub frameworks: Vec<String>,
    /// `custom.remediation`.
    pub remediation: Option<String>,
    /// Package of the rule, such as `strata.soc2`.
    pub package: String,
    /// Name of the rule the block documents (`violation`, `deny`, ...).
    pub rule: String,
    /// Where the block starts.
    pub loc: Loc,
}

/// A rule head found at the start of a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    /// Rule name.
    pub name: String,
    /// Where it starts.
    pub loc: Loc,
}

/// The package, rule heads and documented rules of one file.
#[derive(Debug, Default, Clone)]
pub struct FileInfo {
    /// `package` (empty when missing).
    pub package: String,
    /// Rule heads in order.
    pub heads: Vec<Head>,
    /// Rules with a `custom.id`.
    pub rules: Vec<RuleMeta>,
}

fn ident(line: &str) -> Option<&str> {
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    let word = &line[..end];
    (!word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit())).then_some(word)
}

/// Scans `text` for its package, rule heads and `# METADATA` blocks. Invalid metadata is
/// reported as STRATA-E081 at its line.
pub fn scan(text: &str, file: FileId, diags: &mut Vec<Diagnostic>) -> FileInfo {
    let index = LineIndex::new(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut info = FileInfo::default();
    let mut offset = 0usize;
    let offsets: Vec<usize> = lines
        .iter()
        .map(|l| {
            let o = offset;
            offset += l.len() + 1;
            o.min(text.len())
        })
        .collect();
    let loc_at = |i: usize, col: usize, len: usize| index.loc_of_range(file, offsets[i] + col, offsets[i] + col + len);
    let mut pending: Option<(usize, Vec<&str>)> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end_matches('\r');
        if line.trim() == "# METADATA" {
            let start = i;
            let mut block = Vec::new();
            i += 1;
            while i < lines.len() && lines[i].trim_start().starts_with('#') {
                let l = lines[i].trim_start().trim_start_matches('#');
                block.push(l.strip_prefix(' ').unwrap_or(l).trim_end_matches('\r'));
                i += 1;
            }
            pending = Some((start, block));
            continue;
        }
        if let Some(rest) = line.strip_prefix("package ") {
            info.package = rest.trim().to_string();
        } else if !line.starts_with(|c: char| c.is_whitespace() || c == '#')
            && let Some(word) = ident(line)
            && !matches!(word, "import" | "package")
        {
            let name = match word {
                "default" => ident(line["default".len()..].trim_start()).unwrap_or(word),
                w => w,
            };
            let head_loc = loc_at(i, 0, name.len().min(line.len()));
            info.heads.push(Head {
                name: name.to_string(),
                loc: head_loc,
            });
            if let Some((start, block)) = pending.take()
                && let Some(meta) = parse_block(&block, start, &info.package, name, &loc_at, diags)
            {
                if let Some(dup) = info.rules.iter().find(|r| r.id == meta.id) {
                    diags.push(
                        Diagnostic::error(
                            "STRATA-E081",
                            meta.loc,
                            format!("rule id `{}` is documented twice in this file", meta.id),
                        )
                        .with_note(dup.loc, "first documented here")
                        .with_help("give each rule its own `custom.id`, or document the rule once"),
                    );
                } else {
                    info.rules.push(meta);
                }
            }
        }
        i += 1;
    }
    info
}

fn text_of(node: Option<&Node>) -> Option<String> {
    match node.map(|n| &n.kind) {
        Some(Kind::Str(s)) => Some(s.trim().to_string()),
        _ => None,
    }
}

/// Parses one block (the comment lines without `# `); `start` is the `# METADATA` line.
fn parse_block(
    block: &[&str],
    start: usize,
    package: &str,
    rule: &str,
    loc_at: &dyn Fn(usize, usize, usize) -> Loc,
    diags: &mut Vec<Diagnostic>,
) -> Option<RuleMeta> {
    let block_loc = loc_at(start, 0, "# METADATA".len());
    let yaml = block.join("\n");
    // Locations inside the block map back to `.rego` lines: block line n is file line start + n.
    let at = |n: &Node| loc_at(start + n.loc.line as usize, 2 + n.loc.col.saturating_sub(1) as usize, 1);
    let bad = |loc: Loc, msg: String| {
        Diagnostic::error("STRATA-E081", loc, msg)
            .with_label("invalid METADATA")
            .with_help(
                "a METADATA block is YAML: title, description, and custom: {id, severity: error|warning, frameworks: [..], remediation}",
            )
    };
    let (node, errors) = parse_yaml(&yaml, FileId(u32::MAX));
    if let Some(e) = errors.first() {
        let loc = loc_at(start + e.loc.line as usize, 2 + e.loc.col.saturating_sub(1) as usize, 1);
        diags.push(bad(loc, format!("METADATA is not valid YAML: {}", e.message)));
        return None;
    }
    let node = node?;
    let custom = node.get("custom")?;
    let id_node = custom.get("id")?;
    let Some(id) = text_of(Some(id_node)).filter(|s| !s.is_empty() && !s.contains(char::is_whitespace)) else {
        diags.push(bad(
            at(id_node),
            "`custom.id` must be a rule id such as ACME-001".into(),
        ));
        return None;
    };
    let severity = match custom.get("severity") {
        None => Severity::Error,
        Some(n) => match n.as_str() {
            Some("error") => Severity::Error,
            Some("warning") => Severity::Warning,
            _ => {
                diags.push(bad(
                    at(n),
                    format!("`custom.severity` of {id} must be `error` or `warning`"),
                ));
                return None;
            }
        },
    };
    let frameworks = match custom.get("frameworks") {
        None => Vec::new(),
        Some(n) => match &n.kind {
            Kind::Seq(items) if items.iter().all(|i| i.as_str().is_some()) => {
                items.iter().filter_map(|i| i.as_str()).map(str::to_string).collect()
            }
            _ => {
                diags.push(bad(
                    at(n),
                    format!("`custom.frameworks` of {id} must be a list of names"),
                ));
                return None;
            }
        },
    };
    let Some(title) = text_of(node.get("title")) else {
        diags.push(bad(block_loc, format!("METADATA of {id} has no `title`")));
        return None;
    };
    Some(RuleMeta {
        id,
        title,
        description: text_of(node.get("description")).unwrap_or_default(),
        severity,
        frameworks,
        remediation: text_of(custom.get("remediation")),
        package: package.to_string(),
        rule: rule.to_string(),
        loc: block_loc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "package p\n\nimport rego.v1\n\n# METADATA\n# title: T\n# description: D\n# custom:\n#   id: P-001\n#   severity: warning\n#   frameworks: [soc2]\n#   remediation: R\nviolation contains v if {\n\tv := 1\n}\n\ndefault allow := false\n";

    #[test]
    fn reads_blocks_and_heads() {
        let mut diags = Vec::new();
        let info = scan(SRC, FileId(0), &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(info.package, "p");
        let names: Vec<&str> = info.heads.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["violation", "allow"]);
        let r = &info.rules[0];
        assert_eq!(
            (
                r.id.as_str(),
                r.severity,
                r.frameworks.clone(),
                r.rule.as_str(),
                r.loc.line
            ),
            ("P-001", Severity::Warning, vec!["soc2".to_string()], "violation", 5)
        );
    }

    #[test]
    fn bad_severity_is_e081_at_its_line() {
        let src = SRC.replace("severity: warning", "severity: fatal");
        let mut diags = Vec::new();
        let info = scan(&src, FileId(0), &mut diags);
        assert!(info.rules.is_empty());
        assert_eq!((diags[0].code.as_ref(), diags[0].loc.line), ("STRATA-E081", 10));
    }
}
