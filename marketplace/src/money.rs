//! Money as the portal keeps it: whole pence in integers, never floating point, shown
//! and read as pounds and pence.

/// Pence as pounds for a form: `12.50`, or empty for free.
pub fn pounds(pence: i64) -> String {
    if pence == 0 {
        String::new()
    } else {
        format!("{}.{:02}", pence / 100, pence % 100)
    }
}

/// A price as people read it: `Free`, `£12.50`.
pub fn price_label(pence: i64) -> String {
    if pence == 0 {
        "Free".into()
    } else {
        format!("£{}", pounds(pence))
    }
}

/// A price as people write it (`12.50`, `£12.5`, `12`, empty for free), in pence:
/// integers throughout, never floating point.
pub fn parse_pence(text: &str) -> Option<i64> {
    let t = text.trim().trim_start_matches('£').replace(',', "");
    if t.is_empty() {
        return Some(0);
    }
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() && frac.is_empty() || frac.len() > 2 {
        return None;
    }
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || !digits(frac) || whole.len() > 9 {
        return None;
    }
    let pounds: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let pence: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    Some(pounds * 100 + pence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_pence_without_floating_point() {
        for (text, pence) in [
            ("", Some(0)),
            ("12.50", Some(1250)),
            ("£12.5", Some(1250)),
            ("12", Some(1200)),
            ("0.99", Some(99)),
            (".5", Some(50)),
            ("1,250.00", Some(125_000)),
            ("12.505", None),
            ("-3", None),
            ("12.x", None),
            ("1e3", None),
            (".", None),
            ("9999999999", None),
        ] {
            assert_eq!(parse_pence(text), pence, "{text}");
        }
        assert_eq!(pounds(1250), "12.50");
        assert_eq!(pounds(5), "0.05");
        assert_eq!(parse_pence(&pounds(123_456)), Some(123_456));
    }
}
