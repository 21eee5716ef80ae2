//! Waivers (SPEC section 5): a tenant's dated exceptions to policy rules. An active waiver
//! suppresses its rule's findings for that tenant (they are counted and listed); an
//! expired one is STRATA-E083 and one naming an unknown rule STRATA-E082, both at the waiver.

use crate::diag::{Diagnostic, Loc};
use crate::load::Node;

/// One waiver of a tenant document.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    /// Rule id.
    pub rule: String,
    /// Why.
    pub reason: String,
    /// Last day it applies, `YYYY-MM-DD`.
    pub expires: String,
    /// Where `rule:` is written.
    pub rule_loc: Loc,
    /// Where `expires:` is written.
    pub expires_loc: Loc,
}

/// A finding suppressed by a waiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waived {
    /// Rule id.
    pub rule: String,
    /// Tenant id.
    pub tenant: String,
    /// Environments where the finding occurs.
    pub envs: Vec<String>,
    /// The finding's message.
    pub message: String,
    /// The waiver's reason.
    pub reason: String,
    /// The waiver's expiry.
    pub expires: String,
    /// Where the waiver is written.
    pub waiver: Loc,
}

/// The waivers of an effective tenant document (entries without `rule` are left to the schema).
pub fn read(tenant: &Node) -> Vec<Waiver> {
    let Some(list) = tenant.get("waivers") else {
        return Vec::new();
    };
    list.items()
        .iter()
        .filter_map(|w| {
            let rule = w.get("rule")?;
            let expires = w.get("expires");
            Some(Waiver {
                rule: rule.as_str()?.to_string(),
                reason: w.get("reason").and_then(Node::as_str).unwrap_or_default().to_string(),
                expires: expires.and_then(Node::as_str).unwrap_or_default().to_string(),
                rule_loc: rule.loc,
                expires_loc: expires.map_or(rule.loc, |e| e.loc),
            })
        })
        .collect()
}

/// Today as `YYYY-MM-DD`: `STRATA_TODAY` when set (tests), else the system clock (UTC).
pub fn today() -> Result<String, String> {
    if let Ok(v) = std::env::var("STRATA_TODAY") {
        return if valid_date(&v) {
            Ok(v)
        } else {
            Err(format!("STRATA_TODAY must be a date YYYY-MM-DD, not `{v}`"))
        };
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
    Ok(format!("{y:04}-{m:02}-{d:02}"))
}

/// Whether `s` is `YYYY-MM-DD` with a plausible month and day.
pub fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok()).unwrap_or(0);
    b.len() == 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (1..=12).contains(&num(5..7))
        && (1..=31).contains(&num(8..10))
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Checks the waivers against the known rule ids and today; returns the active ones.
pub fn validate(
    waivers: Vec<Waiver>,
    known: &dyn Fn(&str) -> bool,
    today: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Waiver> {
    let mut active = Vec::new();
    for w in waivers {
        if !known(&w.rule) {
            diags.push(
                Diagnostic::error(
                    "STRATA-E082",
                    w.rule_loc,
                    format!("waiver names unknown rule `{}`", w.rule),
                )
                .with_label("no policy rule has this id")
                .with_help("`strata policy list` prints every rule id; fix the id or remove the waiver"),
            );
        } else if valid_date(&w.expires) && w.expires.as_str() < today {
            diags.push(
                Diagnostic::error(
                    "STRATA-E083",
                    w.expires_loc,
                    format!("waiver of `{}` expired on {}", w.rule, w.expires),
                )
                .with_label(format!("expired (today is {today})"))
                .with_help("fix the finding and remove the waiver, or renew it with a new date and a reason"),
            );
        } else {
            active.push(w);
        }
    }
    active
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert!(valid_date("2027-01-31"));
        assert!(!valid_date("2027-13-01"));
        assert!(!valid_date("27-01-31"));
    }

    #[test]
    fn expired_and_unknown_waivers_are_errors() {
        let w = |rule: &str, expires: &str| Waiver {
            rule: rule.into(),
            reason: "r".into(),
            expires: expires.into(),
            rule_loc: Loc::default(),
            expires_loc: Loc::default(),
        };
        let mut diags = Vec::new();
        let known = |id: &str| id.starts_with("GDPR");
        let active = validate(
            vec![
                w("GDPR-002", "2027-01-31"),
                w("GDPR-001", "2026-01-01"),
                w("NOPE-1", "2030-01-01"),
            ],
            &known,
            "2026-12-01",
            &mut diags,
        );
        assert_eq!(active.len(), 1);
        let codes: Vec<&str> = diags.iter().map(|d| d.code.as_ref()).collect();
        assert_eq!(codes, ["STRATA-E083", "STRATA-E082"]);
    }
}
