//! Entry names: decoding (UTF-8 or CP437), the checks that make a name safe as a relative
//! path on Linux, macOS and Windows, and the key under which two names are "the same".

use unicode_normalization::UnicodeNormalization as _;

use crate::inspect::{Limits, Refusal, RefusalCode, refuse};

/// CP437, the zip format's default encoding, for bytes 0x80 to 0xFF.
const CP437_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";

/// Characters that change the direction text is displayed in, so that a name can show
/// as another (`txt.exe` shown as `exe.txt`).
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn cp437(raw: &[u8]) -> String {
    let high: Vec<char> = CP437_HIGH.chars().collect();
    raw.iter()
        .map(|&b| {
            if b < 0x80 {
                char::from(b)
            } else {
                high[usize::from(b - 0x80)]
            }
        })
        .collect()
}

/// Decodes a raw entry name. With the UTF-8 flag the name must be UTF-8; without it, a
/// name that is valid UTF-8 is read as UTF-8 (as most tools write names, flag or not) and
/// any other as CP437, the zip default.
fn decode(raw: &[u8], utf8_flag: bool) -> Result<String, Refusal> {
    match std::str::from_utf8(raw) {
        Ok(s) => Ok(s.to_string()),
        Err(_) if utf8_flag => Err(refuse(
            RefusalCode::BadName,
            format!(
                "entry {:?} is marked as UTF-8 but its name is not valid UTF-8",
                String::from_utf8_lossy(raw)
            ),
        )),
        Err(_) => Ok(cp437(raw)),
    }
}

const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Checks a raw entry name and returns it normalised (`\` read as `/`, `.` and empty
/// components dropped) with whether it names a folder (ends with a separator).
pub(crate) fn check_name(
    raw: &[u8],
    utf8_flag: bool,
    limits: &Limits,
) -> Result<(String, bool), Refusal> {
    let name = decode(raw, utf8_flag)?;
    if name.is_empty() {
        return Err(refuse(RefusalCode::BadName, "an entry has an empty name"));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(refuse(
            RefusalCode::BadName,
            format!(
                "entry {name:?} has a control character (U+{:04X}) in its name",
                c as u32
            ),
        ));
    }
    let bidi = if name.is_ascii() {
        None
    } else {
        name.chars().find(|&c| is_bidi_control(c))
    };
    if let Some(c) = bidi {
        return Err(refuse(
            RefusalCode::BidiName,
            format!(
                "entry \"{}\" has a bidirectional control character (U+{:04X}) in its name, which makes it display as another name",
                crate::inspect::Escaped(&name),
                c as u32
            ),
        ));
    }
    if name.len() > limits.max_name_bytes {
        return Err(refuse(
            RefusalCode::NameTooLong,
            format!(
                "entry {name:?} has a name of {} bytes; at most {} are accepted",
                name.len(),
                limits.max_name_bytes
            ),
        ));
    }
    let slashed = name.replace('\\', "/");
    if slashed.starts_with('/') {
        return Err(refuse(
            RefusalCode::AbsolutePath,
            format!("entry {name:?} has an absolute path"),
        ));
    }
    let folder = slashed.ends_with('/');
    let mut parts = Vec::new();
    for (i, part) in slashed.split('/').enumerate() {
        if i == 0
            && part.len() >= 2
            && part.as_bytes()[1] == b':'
            && part.as_bytes()[0].is_ascii_alphabetic()
        {
            return Err(refuse(
                RefusalCode::AbsolutePath,
                format!("entry {name:?} has an absolute path (a drive letter)"),
            ));
        }
        match part {
            "" | "." => continue,
            ".." => {
                return Err(refuse(
                    RefusalCode::PathTraversal,
                    format!("entry {name:?} points outside the package (path traversal)"),
                ));
            }
            _ => {}
        }
        if part.len() > limits.max_component_bytes {
            return Err(refuse(
                RefusalCode::NameTooLong,
                format!(
                    "entry {name:?} has a file or folder name of {} bytes; at most {} are accepted",
                    part.len(),
                    limits.max_component_bytes
                ),
            ));
        }
        parts.push(part);
    }
    for part in &parts {
        let stem = part.split('.').next().unwrap_or("").trim_end_matches(' ');
        let reserved =
            matches!(stem.len(), 3 | 4) && RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem));
        if reserved || part.ends_with(['.', ' ']) || part.contains(':') {
            return Err(refuse(
                RefusalCode::ReservedName,
                format!(
                    "entry {name:?} has a name Windows reserves ({part:?}: a device name, a trailing dot or space, or a colon)"
                ),
            ));
        }
    }
    if parts.is_empty() {
        return Err(refuse(
            RefusalCode::BadName,
            format!("entry {name:?} names no file"),
        ));
    }
    Ok((parts.join("/"), folder))
}

/// The key under which two names are one file on some system: Unicode NFC and case
/// folded (full lower-casing; `ß` and `SS` stay apart, as on Windows and macOS).
pub(crate) fn fold(name: &str) -> String {
    if name.is_ascii() {
        return name.to_ascii_lowercase();
    }
    let lower: String = name.nfd().flat_map(char::to_lowercase).collect();
    lower.nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp437_covers_the_high_half() {
        assert_eq!(CP437_HIGH.chars().count(), 128);
        assert_eq!(cp437(&[b'a', 0x82, 0xE1]), "aéß");
    }

    #[test]
    fn names_fold_across_case_and_normal_forms() {
        assert_eq!(fold("Caf\u{e9}.HTML"), fold("cafe\u{301}.html"));
        assert_ne!(fold("a.html"), fold("b.html"));
    }
}
