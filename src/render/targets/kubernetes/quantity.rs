//! Kubernetes resource quantities (`500m`, `2Gi`, `1.5`, `1e3`): a parser that follows
//! `k8s.io/apimachinery/pkg/api/resource` closely enough to compare and verify what strata
//! writes, and the formatters that turn the tenant's quotas (cores, GiB) into canonical
//! quantities.
//!
//! Values are kept exactly as integers of nano-units (10^-9), which holds every quantity a
//! tenant can ask for (up to about 1.7 * 10^20 units) without rounding.

use std::cmp::Ordering;

/// A parsed quantity, in nano-units (1 core = 10^9, 1 byte = 10^9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity(i128);

const NANO: i128 = 1_000_000_000;

impl Quantity {
    /// Zero.
    pub const ZERO: Quantity = Quantity(0);

    /// The value in milli-units, rounded up (Kubernetes rounds CPU up to `1m`).
    pub fn millis_ceil(self) -> i128 {
        let m = NANO / 1000;
        (self.0 + m - 1).div_euclid(m)
    }

    /// The value in whole units, rounded up.
    pub fn units_ceil(self) -> i128 {
        (self.0 + NANO - 1).div_euclid(NANO)
    }

    /// Whether the quantity is zero.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

/// Why a text is not a quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuantityError(pub String);

impl std::fmt::Display for QuantityError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The multiplier of a suffix, as (numerator in nano-units per unit, exact).
fn suffix_nanos(suffix: &str) -> Option<i128> {
    let binary = |p: u32| 1024i128.checked_pow(p).and_then(|v| v.checked_mul(NANO));
    let decimal = |e: i32| -> Option<i128> {
        // 10^(9 + e) nano-units; e >= -9.
        10i128.checked_pow(u32::try_from(9 + e).ok()?)
    };
    match suffix {
        "Ki" => binary(1),
        "Mi" => binary(2),
        "Gi" => binary(3),
        "Ti" => binary(4),
        "Pi" => binary(5),
        "Ei" => binary(6),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "" => decimal(0),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        _ => {
            let exp = suffix.strip_prefix(['e', 'E'])?;
            let (neg, digits) = match exp.as_bytes().first()? {
                b'-' => (true, &exp[1..]),
                b'+' => (false, &exp[1..]),
                _ => (false, exp),
            };
            if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let e: i32 = digits.parse().ok()?;
            decimal(if neg { -e } else { e })
        }
    }
}

/// Parses a Kubernetes quantity: `[+-]digits[.digits][suffix]`, suffix one of the binary
/// (`Ki` .. `Ei`), decimal (`n u m k M G T P E`) or exponent (`e3`, `E-2`) forms.
pub fn parse(text: &str) -> Result<Quantity, QuantityError> {
    let err = |why: &str| QuantityError(format!("`{text}` is not a Kubernetes quantity: {why}"));
    let (neg, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        Some(_) => (false, text),
        None => return Err(err("it is empty")),
    };
    let num_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(num_end);
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(err("it has no digits"));
    }
    if frac.contains('.') {
        return Err(err("it has two decimal points"));
    }
    let Some(mult) = suffix_nanos(suffix) else {
        return Err(err(&format!("unknown suffix `{suffix}`")));
    };
    let too_big = || err("it is too large");
    let mut mantissa: i128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        mantissa = mantissa
            .checked_mul(10)
            .and_then(|m| m.checked_add(i128::from(b - b'0')))
            .ok_or_else(too_big)?;
    }
    let scale = 10i128
        .checked_pow(u32::try_from(frac.len()).map_err(|_| too_big())?)
        .ok_or_else(too_big)?;
    let nanos = mantissa.checked_mul(mult).ok_or_else(too_big)?;
    // Kubernetes rounds sub-nano precision up; so do we.
    let value = (nanos + scale - 1) / scale;
    Ok(Quantity(if neg { -value } else { value }))
}

/// A CPU amount in cores as a canonical quantity: whole cores (`8`) or millicores (`500m`).
pub fn cpu(cores: f64) -> String {
    cpu_millis((cores * 1000.0).round() as i64)
}

/// Millicores as a canonical quantity.
pub fn cpu_millis(millis: i64) -> String {
    if millis % 1000 == 0 {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

/// A memory amount in GiB as a canonical quantity: `32Gi`, or `512Mi` when not whole.
pub fn memory_gib(gib: f64) -> String {
    memory_mib((gib * 1024.0).round() as i64)
}

/// MiB as a canonical quantity.
pub fn memory_mib(mib: i64) -> String {
    if mib % 1024 == 0 {
        format!("{}Gi", mib / 1024)
    } else {
        format!("{mib}Mi")
    }
}

/// Compares two quantity texts; `None` when either does not parse.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    Some(parse(a).ok()?.cmp(&parse(b).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn parses_the_kubernetes_forms() {
        assert_eq!(q("500m"), q("0.5"));
        assert_eq!(q("1"), q("1000m"));
        assert_eq!(q("2Gi"), q("2048Mi"));
        assert_eq!(q("1Ki"), q("1024"));
        assert_eq!(q("1k"), q("1000"));
        assert_eq!(q("1e3"), q("1k"));
        assert_eq!(q("1E-3"), q("1m"));
        assert_eq!(q("1.5Gi"), q("1536Mi"));
        assert_eq!(q(".5"), q("500m"));
        assert_eq!(q("+1"), q("1"));
        assert_eq!(q("-1").cmp(&q("0")), Ordering::Less);
        assert_eq!(q("100n").millis_ceil(), 1);
        assert_eq!(q("1500m").units_ceil(), 2);
        assert!(q("0").is_zero());
        assert!(q("8Ei") > q("7Ei"));
    }

    #[test]
    fn refuses_what_kubernetes_refuses() {
        for bad in [
            "", "m", "1x", "1.2.3", "1 Gi", "Gi", "1gi", "1e", "1e1000", "--1", "1KiB", "0x10", "١",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert!(parse("99999999999999999999999999999999999999Ei").is_err());
    }

    #[test]
    fn formats_canonically() {
        assert_eq!(cpu(8.0), "8");
        assert_eq!(cpu(0.5), "500m");
        assert_eq!(cpu(1.25), "1250m");
        assert_eq!(memory_gib(32.0), "32Gi");
        assert_eq!(memory_gib(0.5), "512Mi");
        assert_eq!(memory_mib(1536), "1536Mi");
        for s in [cpu(2.5), memory_gib(1.5), cpu_millis(7)] {
            assert!(parse(&s).is_ok(), "{s}");
        }
        assert_eq!(compare("1Gi", "1000Mi"), Some(Ordering::Greater));
        assert_eq!(compare("x", "1"), None);
    }
}
