//! The course-format guide lists every diagnostic the compiler can give, so an author
//! who meets a code can look it up.

use crate::support::workspace_root;

/// Diagnostic codes in the compiler's source: the first string given to
/// `Diagnostic::error`/`warning` or to the helpers that wrap them.
fn codes_in_source() -> std::collections::BTreeSet<String> {
    let mut codes = std::collections::BTreeSet::new();
    let mut stack = vec![workspace_root().join("authoring/src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let text = text.split("#[cfg(test)]").next().unwrap_or("");
            for opener in [
                "Diagnostic::error(",
                "Diagnostic::warning(",
                "err(\n",
                "fail(\n",
                "fail(",
            ] {
                for (at, _) in text.match_indices(opener) {
                    let rest = text[at + opener.len()..].trim_start();
                    let rest = rest.strip_prefix("diags,").map_or(rest, str::trim_start);
                    if let Some(quoted) = rest.strip_prefix('"')
                        && let Some(code) = quoted.split('"').next()
                        && !code.is_empty()
                        && code
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    {
                        codes.insert(code.to_string());
                    }
                }
            }
        }
    }
    codes
}

#[test]
fn every_diagnostic_code_is_documented() {
    let codes = codes_in_source();
    assert!(codes.len() > 60, "the scan finds the codes: {codes:?}");
    let guide = std::fs::read_to_string(workspace_root().join("docs/course-format.md")).unwrap();
    let missing: Vec<_> = codes
        .iter()
        .filter(|c| !guide.contains(&format!("| `{c}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/course-format.md's table of diagnostics lacks: {missing:?}"
    );
}
