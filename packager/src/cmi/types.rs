//! The value types of the SCORM 1.2 and 2004 data models and their validation.

/// What a value must be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Type {
    /// Any text up to this many characters (2004 characterstring, 1.2 CMIString).
    Text(usize),
    /// Text whose length is enforced: `suspend_data`, where a value over the version's
    /// limit is refused rather than stored and then cut by some other system.
    Limited(usize),
    /// 2004 localized_string_type: an optional `{lang=..}` prefix, then text.
    Localized(usize),
    /// 2004 long_identifier_type (URI-like, no spaces) / 1.2 CMIIdentifier.
    Identifier(usize),
    /// A real number, optionally bounded (2004 real(10,7), 1.2 CMIDecimal).
    Real { min: Option<f64>, max: Option<f64> },
    /// 1.2 score: CMIDecimal 0-100, or empty.
    Score12,
    /// 1.2 CMISInteger in a range.
    Integer { min: i64, max: i64 },
    /// One word from a list.
    Vocabulary(&'static [&'static str]),
    /// 2004 timeinterval (ISO 8601 duration).
    Duration,
    /// 1.2 CMITimespan `HHHH:MM:SS.SS`.
    Timespan,
    /// 2004 time(second,10,0): `YYYY[-MM[-DD[Thh[:mm[:ss[.s[TZD]]]]]]]`.
    Timestamp,
    /// 1.2 CMITime `HH:MM:SS[.SS]`.
    Time12,
    /// 2004 language_type (`en`, `en-GB`, or empty).
    Language,
    /// 2004 interaction result: a vocabulary word or a real.
    Result2004,
    /// 1.2 interaction result.
    Result12,
    /// An interaction's response or correct-response pattern: checked against its type.
    Response,
}

/// Why a value was refused: the kind decides the error code (2004: 406 or 407).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    Type,
    Range,
}

pub fn is_real(s: &str) -> bool {
    let t = s.strip_prefix('-').unwrap_or(s);
    !t.is_empty()
        && t.chars().all(|c| c.is_ascii_digit() || c == '.')
        && t.matches('.').count() <= 1
        && t != "."
}

/// Checks `v` against `ty`. `scorm12` selects 1.2's rules where they differ.
pub fn check(ty: Type, v: &str) -> Result<(), Invalid> {
    match ty {
        Type::Text(_) | Type::Localized(_) => Ok(()),
        Type::Limited(max) => {
            if v.chars().count() > max {
                Err(Invalid::Type)
            } else {
                Ok(())
            }
        }
        Type::Identifier(max) => {
            if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_whitespace) {
                Err(Invalid::Type)
            } else {
                Ok(())
            }
        }
        Type::Real { min, max } => {
            if !is_real(v) {
                return Err(Invalid::Type);
            }
            let x: f64 = v.parse().map_err(|_| Invalid::Type)?;
            if min.is_some_and(|m| x < m) || max.is_some_and(|m| x > m) {
                Err(Invalid::Range)
            } else {
                Ok(())
            }
        }
        Type::Score12 => {
            if v.is_empty() {
                return Ok(());
            }
            if !is_real(v) {
                return Err(Invalid::Type);
            }
            let x: f64 = v.parse().map_err(|_| Invalid::Type)?;
            if (0.0..=100.0).contains(&x) {
                Ok(())
            } else {
                Err(Invalid::Range)
            }
        }
        Type::Integer { min, max } => {
            let x: i64 = v.parse().map_err(|_| Invalid::Type)?;
            if (min..=max).contains(&x) {
                Ok(())
            } else {
                Err(Invalid::Range)
            }
        }
        Type::Vocabulary(words) => {
            if words.contains(&v) {
                Ok(())
            } else {
                Err(Invalid::Type)
            }
        }
        Type::Duration => duration(v).then_some(()).ok_or(Invalid::Type),
        Type::Timespan => timespan(v).then_some(()).ok_or(Invalid::Type),
        Type::Timestamp => timestamp(v).then_some(()).ok_or(Invalid::Type),
        Type::Time12 => time12(v).then_some(()).ok_or(Invalid::Type),
        Type::Language => language(v).then_some(()).ok_or(Invalid::Type),
        Type::Result2004 => {
            if ["correct", "incorrect", "unanticipated", "neutral"].contains(&v) || is_real(v) {
                Ok(())
            } else {
                Err(Invalid::Type)
            }
        }
        Type::Result12 => {
            if ["correct", "wrong", "unanticipated", "neutral"].contains(&v) || is_real(v) {
                Ok(())
            } else {
                Err(Invalid::Type)
            }
        }
        Type::Response => Ok(()),
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// ISO 8601 duration as SCORM 2004 allows: `P[nY][nM][nD][T[nH][nM][n[.n]S]]`, at most
/// two decimals on seconds, and `T` only before a time part.
pub fn duration(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('P') else {
        return false;
    };
    if rest.is_empty() {
        return false;
    }
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => {
            if t.is_empty() {
                return false;
            }
            (d, Some(t))
        }
        None => (rest, None),
    };
    fn parts(s: &str, units: &[char], decimal_last: bool) -> bool {
        let mut rest = s;
        let mut allowed = units;
        while !rest.is_empty() {
            let n: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let Some(unit) = rest[n.len()..].chars().next() else {
                return false;
            };
            let Some(pos) = allowed.iter().position(|u| *u == unit) else {
                return false;
            };
            let ok = if n.contains('.') {
                let (i, f) = n.split_once('.').unwrap_or(("", ""));
                decimal_last && unit == 'S' && digits(i) && digits(f) && f.len() <= 2
            } else {
                digits(&n)
            };
            if !ok {
                return false;
            }
            allowed = &allowed[pos + 1..];
            rest = &rest[n.len() + unit.len_utf8()..];
        }
        true
    }
    parts(date, &['Y', 'M', 'D'], false) && time.is_none_or(|t| parts(t, &['H', 'M', 'S'], true))
}

/// Seconds in a valid 2004 duration (years as 365 days, months as 30), for adding times.
pub fn duration_seconds(v: &str) -> Option<f64> {
    if !duration(v) {
        return None;
    }
    let mut total = 0.0;
    let mut in_time = false;
    let mut num = String::new();
    for c in v[1..].chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' | '.' => num.push(c),
            unit => {
                let n: f64 = num.parse().ok()?;
                num.clear();
                total += n * match (unit, in_time) {
                    ('Y', false) => 365.0 * 86400.0,
                    ('M', false) => 30.0 * 86400.0,
                    ('D', false) => 86400.0,
                    ('H', true) => 3600.0,
                    ('M', true) => 60.0,
                    ('S', true) => 1.0,
                    _ => return None,
                };
            }
        }
    }
    Some(total)
}

/// A 2004 duration for a number of seconds, as the LMS reports total time.
pub fn format_duration(seconds: f64) -> String {
    let cs = (seconds * 100.0).round() as u64;
    let (h, m, s, c) = (cs / 360_000, cs / 6000 % 60, cs / 100 % 60, cs % 100);
    if c == 0 {
        format!("PT{h}H{m}M{s}S")
    } else {
        format!("PT{h}H{m}M{s}.{c:02}S")
    }
}

/// 1.2 CMITimespan: hours (2-4 digits), minutes and seconds (2 digits), optional 1-2
/// decimals.
pub fn timespan(v: &str) -> bool {
    clock(v).is_some_and(|(h, m, s)| (2..=4).contains(&h.len()) && m < "60" && s < "60")
}

/// `H:MM:SS[.s[s]]` split into hours, minutes and whole seconds, each checked for digits
/// (minutes and seconds exactly two), with at most two decimals.
fn clock(v: &str) -> Option<(&str, &str, &str)> {
    let p: Vec<&str> = v.split(':').collect();
    let [h, m, s] = p.as_slice() else { return None };
    let (sec, frac) = match s.split_once('.') {
        Some((s, f)) => (s, Some(f)),
        None => (*s, None),
    };
    let ok = digits(h)
        && digits(m)
        && m.len() == 2
        && digits(sec)
        && sec.len() == 2
        && frac.is_none_or(|f| digits(f) && f.len() <= 2);
    ok.then_some((*h, *m, sec))
}

pub fn timespan_seconds(v: &str) -> Option<f64> {
    if !timespan(v) {
        return None;
    }
    let p: Vec<&str> = v.split(':').collect();
    Some(
        p[0].parse::<f64>().ok()? * 3600.0
            + p[1].parse::<f64>().ok()? * 60.0
            + p[2].parse::<f64>().ok()?,
    )
}

pub fn format_timespan(seconds: f64) -> String {
    let cs = (seconds * 100.0).round() as u64;
    format!(
        "{:04}:{:02}:{:02}.{:02}",
        (cs / 360_000).min(9999),
        cs / 6000 % 60,
        cs / 100 % 60,
        cs % 100
    )
}

/// 1.2 CMITime: `HH:MM:SS` with optional 1-2 decimals.
pub fn time12(v: &str) -> bool {
    clock(v).is_some_and(|(h, m, s)| h.len() == 2 && h < "24" && m < "60" && s < "60")
}

/// 2004 time(second,10,0).
pub fn timestamp(v: &str) -> bool {
    let b = v.as_bytes();
    let num = |r: std::ops::Range<usize>, lo: u32, hi: u32| -> bool {
        v.get(r)
            .is_some_and(|s| digits(s) && s.parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n)))
    };
    if !num(0..4, 1970, 2038) {
        return false;
    }
    if b.len() == 4 {
        return true;
    }
    if b.get(4) != Some(&b'-') || !num(5..7, 1, 12) {
        return false;
    }
    if b.len() == 7 {
        return true;
    }
    if b.get(7) != Some(&b'-') || !num(8..10, 1, 31) {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    if b.get(10) != Some(&b'T') || !num(11..13, 0, 23) {
        return false;
    }
    let mut i = 13;
    for (lo, hi) in [(0, 59), (0, 59)] {
        if b.len() == i {
            return true;
        }
        if b.get(i) != Some(&b':') || !num(i + 1..i + 3, lo, hi) {
            return zone(&v[i..]);
        }
        i += 3;
    }
    if b.len() == i {
        return true;
    }
    let mut rest = &v[i..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.chars().take_while(char::is_ascii_digit).count();
        if n == 0 || n > 2 {
            return false;
        }
        rest = &frac[n..];
    }
    rest.is_empty() || zone(rest)
}

fn zone(z: &str) -> bool {
    if z == "Z" {
        return true;
    }
    let Some(rest) = z.strip_prefix('+').or_else(|| z.strip_prefix('-')) else {
        return false;
    };
    if !rest.is_ascii() {
        return false;
    }
    match rest.len() {
        2 => digits(rest) && rest <= "23",
        5 => {
            digits(&rest[..2])
                && &rest[2..3] == ":"
                && digits(&rest[3..])
                && &rest[..2] <= "23"
                && &rest[3..] <= "59"
        }
        _ => false,
    }
}

/// RFC 3066-like language tag: a 1-8 letter primary subtag (or `i`/`x`), then subtags.
pub fn language(v: &str) -> bool {
    if v.is_empty() {
        return true;
    }
    let mut parts = v.split('-');
    let first = parts.next().unwrap_or("");
    let first_ok = ((1..=3).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_alphabetic()))
        || first.eq_ignore_ascii_case("i")
        || first.eq_ignore_ascii_case("x");
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Checks a 2004 `learner_response` (`pattern == false`) or correct-response pattern
/// against the interaction's type. Returns `Invalid::Type` (406) on a format error.
pub fn check_response_2004(kind: &str, v: &str, pattern: bool) -> Result<(), Invalid> {
    let short_id = |s: &str| !s.is_empty() && s.len() <= 250 && !s.chars().any(char::is_whitespace);
    let bad = Err(Invalid::Type);
    match kind {
        "true-false" => {
            if v == "true" || v == "false" {
                Ok(())
            } else {
                bad
            }
        }
        "choice" | "sequencing" => {
            if v.is_empty() {
                return if kind == "choice" { Ok(()) } else { bad };
            }
            let ids: Vec<&str> = v.split("[,]").collect();
            let mut seen = std::collections::BTreeSet::new();
            if ids.iter().all(|i| short_id(i))
                && (kind == "sequencing" || ids.iter().all(|i| seen.insert(*i)))
            {
                Ok(())
            } else {
                bad
            }
        }
        "fill-in" | "long-fill-in" => {
            let body = strip_flags(v, pattern);
            if body.is_none() { bad } else { Ok(()) }
        }
        "matching" => {
            if v.split("[,]").all(|pair| {
                pair.split_once("[.]")
                    .is_some_and(|(a, b)| short_id(a) && short_id(b))
            }) {
                Ok(())
            } else {
                bad
            }
        }
        "numeric" => {
            if pattern {
                let (lo, hi) = v.split_once("[:]").unwrap_or((v, ""));
                let ok = (lo.is_empty() || is_real(lo)) && (hi.is_empty() || is_real(hi));
                let ordered = match (lo.parse::<f64>(), hi.parse::<f64>()) {
                    (Ok(a), Ok(b)) => a <= b,
                    _ => true,
                };
                if ok && ordered && v.contains("[:]") || ok && !v.contains("[:]") && is_real(v) {
                    Ok(())
                } else {
                    bad
                }
            } else if is_real(v) {
                Ok(())
            } else {
                bad
            }
        }
        "likert" => {
            if v.is_empty() || short_id(v) {
                Ok(())
            } else {
                bad
            }
        }
        "performance" => {
            let body = if pattern {
                v.strip_prefix("{order_matters=true}")
                    .or_else(|| v.strip_prefix("{order_matters=false}"))
                    .unwrap_or(v)
            } else {
                v
            };
            if body
                .split("[,]")
                .all(|step| step.contains("[.]") || step.is_empty())
            {
                Ok(())
            } else {
                bad
            }
        }
        _ => Ok(()),
    }
}

/// Removes the `{lang=..}`, `{case_matters=..}` and `{order_matters=..}` prefixes a
/// fill-in value may carry; `None` when one is malformed.
fn strip_flags(v: &str, pattern: bool) -> Option<&str> {
    let mut rest = v;
    loop {
        let Some(inner) = rest.strip_prefix('{') else {
            return Some(rest);
        };
        let Some(end) = inner.find('}') else {
            return Some(rest);
        };
        let flag = &inner[..end];
        let ok = match flag.split_once('=') {
            Some(("lang", l)) => language(l),
            Some(("case_matters", b)) | Some(("order_matters", b)) => {
                pattern && (b == "true" || b == "false")
            }
            _ => return Some(rest),
        };
        if !ok {
            return None;
        }
        rest = &inner[end + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for ok in [
            "PT0S",
            "PT1M",
            "P1Y2M3DT4H5M6.78S",
            "PT05H",
            "P5Y6M4DT12H30M58.55S",
            "P1D",
            "PT0H0M0S",
        ] {
            assert!(duration(ok), "{ok}");
        }
        for bad in [
            "P", "PT", "PT1.234S", "00:05:00", "P1H", "PT1M2H", "1M", "PT-1S",
        ] {
            assert!(!duration(bad), "{bad}");
        }
        assert_eq!(duration_seconds("PT1H2M3.5S"), Some(3723.5));
        assert_eq!(format_duration(61.0), "PT0H1M1S");
    }

    #[test]
    fn timespans_and_times() {
        for ok in ["00:05:30", "0000:05:30.5", "9999:59:59.99"] {
            assert!(timespan(ok), "{ok}");
        }
        for bad in ["PT5M", "5:30:00", "00:5:30", "00:05:30.123", "00:60:00"] {
            assert!(!timespan(bad), "{bad}");
        }
        assert!(time12("23:59:59.5") && !time12("24:00:00") && !time12("1:00:00"));
        assert_eq!(format_timespan(3723.5), "0001:02:03.50");
    }

    #[test]
    fn timestamps() {
        for ok in [
            "2026",
            "2026-11",
            "2026-11-29",
            "2026-11-29T10:05",
            "2026-11-29T10:05:30.5Z",
            "2026-11-29T10:05:30+01:00",
        ] {
            assert!(timestamp(ok), "{ok}");
        }
        for bad in [
            "26-11-29",
            "2026-13-01",
            "2026-11-29 10:05",
            "2026-11-29T25:00",
            "2026-11-29T10:05:30.123",
        ] {
            assert!(!timestamp(bad), "{bad}");
        }
    }

    #[test]
    fn reals_and_responses() {
        assert!(
            is_real("1")
                && is_real("-0.5")
                && is_real("1.0")
                && !is_real("1e3")
                && !is_real("")
                && !is_real(".")
        );
        assert_eq!(
            check(
                Type::Real {
                    min: Some(-1.0),
                    max: Some(1.0)
                },
                "1.5"
            ),
            Err(Invalid::Range)
        );
        assert_eq!(
            check(
                Type::Real {
                    min: Some(-1.0),
                    max: Some(1.0)
                },
                "abc"
            ),
            Err(Invalid::Type)
        );
        assert!(check_response_2004("choice", "a[,]b", false).is_ok());
        assert!(check_response_2004("choice", "a[,]a", false).is_err());
        assert!(check_response_2004("true-false", "t", false).is_err());
        assert!(check_response_2004("numeric", "1[:]5", true).is_ok());
        assert!(check_response_2004("numeric", "5[:]1", true).is_err());
        assert!(check_response_2004("matching", "a[.]b[,]c[.]d", true).is_ok());
        assert!(check_response_2004("fill-in", "{case_matters=true}Hello", true).is_ok());
        assert!(check_response_2004("fill-in", "{case_matters=maybe}Hello", true).is_err());
    }
}
