//! Crafted hostile zips: each is refused with its reason, and nothing is read past the
//! check that catches it.

use std::io::Cursor;

use packager::inspect::{Limits, inspect_zip};

use crate::hostile_cases::{MANIFEST, hostile_cases, zip_of};

fn refusal(bytes: Vec<u8>, limits: &Limits) -> packager::inspect::Refusal {
    inspect_zip(Cursor::new(bytes), limits).expect_err("must be refused")
}

#[test]
fn a_sound_package_is_accepted() {
    let ok = inspect_zip(
        Cursor::new(zip_of(&[
            ("imsmanifest.xml", MANIFEST.as_bytes()),
            ("index.html", b"<p>hi</p>"),
        ])),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(ok.first_launch().unwrap().launch, "index.html");
}

#[test]
fn each_hostile_zip_is_refused_with_its_reason() {
    let cases = hostile_cases();
    let mut wrong = Vec::new();
    for (name, bytes, limits, code) in cases {
        let r = refusal(bytes, &limits);
        if r.code != code || r.reason.is_empty() {
            wrong.push(format!("{name}: got [{}] {}", r.code, r.reason));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn refusals_read_like_reasons() {
    let r = refusal(
        zip_of(&[("imsmanifest.xml", MANIFEST.as_bytes()), ("../x", b"x")]),
        &Limits::default(),
    );
    assert_eq!(
        r.reason,
        "entry \"../x\" points outside the package (path traversal)"
    );
    let r = refusal(
        zip_of(&[
            ("imsmanifest.xml", MANIFEST.as_bytes()),
            ("zeros.bin", &vec![0u8; 20 << 20]),
        ]),
        &Limits::default(),
    );
    assert!(
        r.reason.contains("expands") && r.reason.contains("zip bombs"),
        "{}",
        r.reason
    );
}

#[test]
fn odd_namespaces_case_differences_and_missing_schema_locations_are_tolerated() {
    // A 2004 manifest with unusual prefixes, no schemaLocation, and an href whose case
    // differs from the file in the zip.
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<cp:manifest identifier="odd" xmlns:cp="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:ADL="http://www.adlnet.org/xsd/adlcp_v1p3">
  <cp:metadata><cp:schema>ADL SCORM</cp:schema><cp:schemaversion>2004 3rd Edition</cp:schemaversion></cp:metadata>
  <cp:organizations default="o"><cp:organization identifier="o"><cp:title>Odd</cp:title>
    <cp:item identifier="i" identifierref="r" parameters="?lang=en"><cp:title>Start</cp:title></cp:item></cp:organization></cp:organizations>
  <cp:resources><cp:resource identifier="r" type="webcontent" ADL:scormType="sco" href="Content/Index.HTML"><cp:file href="Content/Index.HTML"/></cp:resource></cp:resources>
</cp:manifest>"#;
    let bytes = zip_of(&[
        ("imsmanifest.xml", manifest.as_bytes()),
        ("content/index.html", b"<p>hi</p>"),
    ]);
    let i = inspect_zip(Cursor::new(bytes), &Limits::default()).unwrap();
    assert_eq!(i.version, packager::inspect::ScormVersion::Scorm2004Third);
    let sco = i.first_launch().expect("launchable");
    assert_eq!(
        sco.launch, "content/index.html?lang=en",
        "resolved to the file that exists"
    );
    let codes: Vec<&str> = i.findings.iter().map(|f| f.code.as_str()).collect();
    assert!(codes.contains(&"path-case"), "{codes:?}");
    assert!(codes.contains(&"no-schema-location"), "{codes:?}");
    assert_eq!(i.errors().count(), 0, "{:?}", i.findings);
}

/// A 1.2 manifest whose one item launches `href` (written into the attribute as is).
fn launching(href: &str, parameters: &str) -> String {
    MANIFEST
        .replace(
            r#"href="index.html"><file href="index.html"/>"#,
            &format!(r#"href="{href}"><file href="index.html"/>"#),
        )
        .replace(
            r#"identifierref="r">"#,
            &format!(r#"identifierref="r" parameters="{parameters}">"#),
        )
}

fn inspect_launching(
    href: &str,
    parameters: &str,
    files: &[(&str, &[u8])],
) -> packager::inspect::Inspection {
    let manifest = launching(href, parameters);
    let mut entries: Vec<(&str, &[u8])> = vec![("imsmanifest.xml", manifest.as_bytes())];
    entries.extend_from_slice(files);
    inspect_zip(Cursor::new(zip_of(&entries)), &Limits::default())
        .unwrap_or_else(|r| panic!("{href}: {r}"))
}

#[test]
fn every_launch_address_is_classified_with_its_own_finding() {
    use packager::inspect::Severity::{Error, Warning};
    let cases: &[(&str, &str, packager::inspect::Severity, bool)] = &[
        ("../outside.html", "launch-outside-package", Error, false),
        (
            "a/../../outside.html",
            "launch-outside-package",
            Error,
            false,
        ),
        (
            "%2e%2e/outside.html",
            "launch-outside-package",
            Error,
            false,
        ),
        ("/etc/passwd", "launch-absolute-path", Error, false),
        ("C:/course/index.html", "launch-absolute-path", Error, false),
        (
            "https://example.com/course.html",
            "launch-remote",
            Warning,
            true,
        ),
        (
            "//cdn.example.com/course.html",
            "launch-remote",
            Warning,
            true,
        ),
        (
            "javascript:alert(document.cookie)",
            "launch-scheme",
            Error,
            false,
        ),
        (" JavaScript:alert(1)", "launch-scheme", Error, false),
        (
            "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;",
            "launch-scheme",
            Error,
            false,
        ),
        ("file:///etc/passwd", "launch-scheme", Error, false),
        ("vbscript:msgbox(1)", "launch-scheme", Error, false),
        ("missing.html", "launch-file-missing", Error, false),
    ];
    let mut wrong = Vec::new();
    for (href, code, severity, launchable) in cases {
        let i = inspect_launching(href, "", &[("index.html", b"x")]);
        let found = i.findings.iter().find(|f| f.code == *code);
        let launch = i.scos.first().expect("the item is listed");
        match found {
            Some(f) if f.severity == *severity && launch.launchable == *launchable => {}
            _ => wrong.push(format!(
                "{href}: {:?}, launchable {}",
                i.findings, launch.launchable
            )),
        }
        if *code != "launch-file-missing"
            && i.findings.iter().any(|f| f.code == "launch-file-missing")
        {
            wrong.push(format!("{href}: also reported as a missing file"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn launch_addresses_are_urls_encoded_consistently() {
    let i = inspect_launching(
        "lessons/my%20lesson%20%231%3F.html?from=menu",
        "name=Zoë Ann&amp;x=1",
        &[("lessons/my lesson #1?.html", b"x")],
    );
    let sco = i.first_launch().expect("launchable");
    assert_eq!(
        sco.launch,
        "lessons/my%20lesson%20%231%3F.html?from=menu&name=Zo%C3%AB%20Ann&x=1"
    );
    let i = inspect_launching("%C3%A9t%C3%A9.html", "", &[("été.html", b"x")]);
    assert_eq!(i.first_launch().unwrap().launch, "%C3%A9t%C3%A9.html");
}

#[test]
fn a_percent_before_a_multi_byte_character_does_not_panic() {
    // This sliced a string inside "é" and panicked `course inspect`.
    let i = inspect_launching("a%é.html", "", &[("a%é.html", b"x")]);
    assert_eq!(i.first_launch().unwrap().launch, "a%25%C3%A9.html");
    let i = inspect_launching("%€", "", &[("index.html", b"x")]);
    assert!(i.findings.iter().any(|f| f.code == "launch-file-missing"));
}

#[test]
fn files_listed_outside_the_package_are_reported() {
    let manifest = MANIFEST.replace(
        r#"<file href="index.html"/>"#,
        r#"<file href="index.html"/><file href="../../etc/passwd"/><file href="javascript:x"/>"#,
    );
    let i = inspect_zip(
        Cursor::new(zip_of(&[
            ("imsmanifest.xml", manifest.as_bytes()),
            ("index.html", b"x"),
        ])),
        &Limits::default(),
    )
    .unwrap();
    let f = i
        .findings
        .iter()
        .find(|f| f.code == "file-outside-package")
        .expect("reported");
    assert!(f.message.contains("../../etc/passwd"), "{}", f.message);
    assert!(!i.findings.iter().any(|f| f.code == "missing-files"));
}

#[test]
fn a_manifest_over_its_limit_is_refused_before_it_is_read() {
    let padded = format!("{MANIFEST}<!--{}-->", "x".repeat(4096));
    let bytes = zip_of(&[
        ("imsmanifest.xml", padded.as_bytes()),
        ("index.html", b"<p>hi</p>"),
    ]);
    let limits = Limits {
        max_manifest_bytes: 1024,
        ..Limits::default()
    };
    let refused = refusal(bytes.clone(), &limits);
    assert_eq!(refused.code.as_str(), "manifest-too-large", "{refused}");
    // The same package is fine under the default limit.
    inspect_zip(Cursor::new(bytes), &Limits::default()).expect("accepted");
}
