//! Scalar resolution with the YAML 1.2 core schema, strictly: only `true`/`false` are
//! booleans (`no`, `on`, `yes` stay strings) and numbers with leading zeros stay strings.

use super::node::Kind;

/// Resolves a plain (unquoted, untagged) scalar.
pub fn resolve_plain(text: &str) -> Kind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "true" | "True" | "TRUE" => return Kind::Bool(true),
        "false" | "False" | "FALSE" => return Kind::Bool(false),
        _ => {}
    }
    if let Some(i) = parse_int(text) {
        return Kind::Int(i);
    }
    if is_float_syntax(text)
        && let Ok(f) = text.parse::<f64>()
        && f.is_finite()
    {
        return Kind::Float(f);
    }
    Kind::Str(text.to_string())
}

fn parse_int(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok();
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`, without leading zeros.
fn is_float_syntax(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], Some(&mantissa[i + 1..])),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match frac {
        Some(f) => digits(int_part) && digits(f) && !(int_part.is_empty() && f.is_empty()),
        None => !int_part.is_empty() && digits(int_part),
    };
    let leading_zero = int_part.len() > 1 && int_part.starts_with('0');
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok && !leading_zero && (frac.is_some() || exponent.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_booleans_and_leading_zeros() {
        assert_eq!(resolve_plain("no"), Kind::Str("no".into()));
        assert_eq!(resolve_plain("on"), Kind::Str("on".into()));
        assert_eq!(resolve_plain("true"), Kind::Bool(true));
        assert_eq!(resolve_plain("010"), Kind::Str("010".into()));
        assert_eq!(resolve_plain("0"), Kind::Int(0));
        assert_eq!(resolve_plain("-12"), Kind::Int(-12));
        assert_eq!(resolve_plain("99.9"), Kind::Float(99.9));
        assert_eq!(resolve_plain("1e3"), Kind::Float(1000.0));
        assert_eq!(resolve_plain("2027-01-31"), Kind::Str("2027-01-31".into()));
        assert_eq!(resolve_plain("30s"), Kind::Str("30s".into()));
        assert_eq!(resolve_plain(".inf"), Kind::Str(".inf".into()));
        assert_eq!(resolve_plain("~"), Kind::Null);
        assert_eq!(resolve_plain("00.5"), Kind::Str("00.5".into()));
    }
}
