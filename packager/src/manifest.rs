//! Writing `imsmanifest.xml` for SCORM 1.2 and SCORM 2004 4th Edition: one organisation,
//! one SCO that launches the course, every file listed, metadata from the course and
//! its passing score as the mastery score (1.2) or scaled passing score (2004), where the
//! course's completion rule lets the LMS judge from the score.

use std::fmt::Write as _;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::{CompletionRule, PackageMeta};

/// The SCO's launch page inside every package.
pub const LAUNCH_FILE: &str = "launch.html";

/// An XML-safe identifier (xs:ID) derived from the course id and version, so that the
/// same course and version always get the same identifier and a new version a new one.
pub fn identifier(meta: &PackageMeta) -> String {
    let raw = format!("{}-v{}", meta.id, meta.version);
    let mut id: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        id.insert_str(0, "course-");
    }
    id
}

/// Escapes text for XML content and attribute values, leaving out the characters XML
/// 1.0 does not allow in a document at all (C0 controls other than tab, line feed and
/// carriage return, and U+FFFE and U+FFFF; surrogates cannot occur in a Rust string).
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn file_list(files: &[String], indent: &str) -> String {
    let mut s = String::new();
    for f in files {
        let _ = writeln!(s, "{indent}<file href=\"{}\"/>", xml_escape(&href(f)));
    }
    s
}

/// What [`href`] leaves as it is: letters, digits, `/`, `-`, `_`, `.` and `~`.
const HREF: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A path as a URI reference: spaces and other unsafe characters percent-encoded.
pub fn href(path: &str) -> String {
    utf8_percent_encode(path, HREF).to_string()
}

/// The inverse of [`href`]: `%20` back to a space. Anything that is not a valid escape
/// is kept as written; bytes that do not decode to UTF-8 are replaced with U+FFFD.
pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The SCORM 1.2 manifest.
pub fn scorm12(meta: &PackageMeta, files: &[String]) -> String {
    let id = identifier(meta);
    let title = xml_escape(&meta.title);
    // A 1.2 LMS that has a mastery score sets `passed` or `failed` from the score alone
    // (RTE 3.4.4), which is the course's own judgement only when passing the assessment
    // is what completes it.
    let mastery = meta
        .pass_mark
        .filter(|_| meta.rule == CompletionRule::Assessment)
        .map(|p| format!("\n        <adlcp:masteryscore>{p}</adlcp:masteryscore>"))
        .unwrap_or_default();
    let mut m = String::new();
    let _ = write!(
        m,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{id}" version="{version}"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
  xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
    <imsmd:lom>
      <imsmd:general>
        <imsmd:title><imsmd:langstring xml:lang="{lang}">{title}</imsmd:langstring></imsmd:title>
        <imsmd:language>{lang}</imsmd:language>
        <imsmd:description><imsmd:langstring xml:lang="{lang}">{summary}</imsmd:langstring></imsmd:description>
      </imsmd:general>
      <imsmd:lifecycle>
        <imsmd:version><imsmd:langstring xml:lang="{lang}">{version}</imsmd:langstring></imsmd:version>
      </imsmd:lifecycle>
    </imsmd:lom>
  </metadata>
  <organizations default="{id}-org">
    <organization identifier="{id}-org">
      <title>{title}</title>
      <item identifier="{id}-item" identifierref="{id}-sco" isvisible="true">
        <title>{title}</title>{mastery}
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="{id}-sco" type="webcontent" adlcp:scormtype="sco" href="{launch}">
{files}    </resource>
  </resources>
</manifest>
"#,
        version = xml_escape(&meta.version),
        lang = xml_escape(&meta.language),
        summary = xml_escape(&meta.summary),
        launch = LAUNCH_FILE,
        files = file_list(files, "      "),
    );
    m
}

/// The SCORM 2004 4th Edition manifest.
pub fn scorm2004(meta: &PackageMeta, files: &[String]) -> String {
    let id = identifier(meta);
    let title = xml_escape(&meta.title);
    // The LMS judges success from the scaled score only where the assessment decides
    // completion; under "all pages" the course reports success itself.
    let passing = meta
        .pass_mark
        .filter(|_| meta.rule != CompletionRule::AllPages);
    let objective = match passing {
        Some(p) => format!(
            r#"
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="{id}-passed" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>{}</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
          </imsss:objectives>"#,
            scaled(p)
        ),
        None => String::new(),
    };
    let author_lom = if meta.author.is_empty() {
        String::new()
    } else {
        format!(
            "\n        <lom:contribute>\n          <lom:role><lom:source>LOMv1.0</lom:source><lom:value>author</lom:value></lom:role>\n          <lom:entity>BEGIN:VCARD\nVERSION:2.1\nFN:{}\nEND:VCARD</lom:entity>\n        </lom:contribute>",
            xml_escape(&meta.author)
        )
    };
    let mut m = String::new();
    let _ = write!(
        m,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{id}" version="{version}"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
  xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
  xmlns:lom="http://ltsc.ieee.org/xsd/LOM"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd http://ltsc.ieee.org/xsd/LOM lom.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
    <lom:lom>
      <lom:general>
        <lom:identifier><lom:catalog>course-id</lom:catalog><lom:entry>{course_id}</lom:entry></lom:identifier>
        <lom:title><lom:string language="{lang}">{title}</lom:string></lom:title>
        <lom:language>{lang}</lom:language>
        <lom:description><lom:string language="{lang}">{summary}</lom:string></lom:description>
      </lom:general>
      <lom:lifeCycle>
        <lom:version><lom:string language="{lang}">{version}</lom:string></lom:version>{author_lom}
      </lom:lifeCycle>
    </lom:lom>
  </metadata>
  <organizations default="{id}-org">
    <organization identifier="{id}-org">
      <title>{title}</title>
      <item identifier="{id}-item" identifierref="{id}-sco" isvisible="true">
        <title>{title}</title>
        <imsss:sequencing>{objective}
          <imsss:deliveryControls tracked="true" completionSetByContent="true" objectiveSetByContent="{by_content}"/>
        </imsss:sequencing>
      </item>
      <imsss:sequencing>
        <imsss:controlMode choice="true" flow="true"/>
      </imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="{id}-sco" type="webcontent" adlcp:scormType="sco" href="{launch}">
{files}    </resource>
  </resources>
</manifest>
"#,
        version = xml_escape(&meta.version),
        course_id = xml_escape(&meta.id),
        lang = xml_escape(&meta.language),
        summary = xml_escape(&meta.summary),
        by_content = passing.is_none(),
        launch = LAUNCH_FILE,
        files = file_list(files, "      "),
    );
    m
}

/// A percentage as a normalised measure: 80 → "0.8".
fn scaled(percent: u32) -> String {
    let v = f64::from(percent.min(100)) / 100.0;
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_valid_xml_ids() {
        let mut meta = PackageMeta::example();
        meta.id = "2024-fire".into();
        meta.version = "1.0 beta".into();
        assert_eq!(identifier(&meta), "course-2024-fire-v1.0_beta");
    }

    #[test]
    fn scaled_scores_read_naturally() {
        assert_eq!(scaled(80), "0.8");
        assert_eq!(scaled(75), "0.75");
        assert_eq!(scaled(100), "1");
        assert_eq!(scaled(0), "0");
    }

    #[test]
    fn hrefs_are_percent_encoded() {
        assert_eq!(href("media/a b&c.png"), "media/a%20b%26c.png");
        assert_eq!(href("média/é?#%.png"), "m%C3%A9dia/%C3%A9%3F%23%25.png");
        assert_eq!(percent_decode(&href("média/é?#%.png")), "média/é?#%.png");
    }

    #[test]
    fn a_percent_before_a_multi_byte_character_is_kept() {
        // This sliced a string inside a character and panicked.
        assert_eq!(percent_decode("a%é.html"), "a%é.html");
        assert_eq!(percent_decode("%€%"), "%€%");
        assert_eq!(percent_decode("%4"), "%4");
    }

    #[test]
    fn characters_xml_forbids_are_left_out() {
        assert_eq!(xml_escape("a\u{FFFE}b\u{FFFF}c\u{1}d\te"), "abcd\te");
    }
}
