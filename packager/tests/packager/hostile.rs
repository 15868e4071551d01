//! Crafted hostile zips: each is refused with its reason, and nothing is read past the
//! check that catches it.

use std::io::{Cursor, Write as _};

use packager::inspect::{Limits, inspect_zip};
use zip::write::SimpleFileOptions;

const MANIFEST: &str = r#"<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>T</title>
    <item identifier="i" identifierref="r"><title>T</title></item></organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html"><file href="index.html"/></resource></resources>
</manifest>"#;

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        z.start_file(*name, opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
}

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
    let m = MANIFEST.as_bytes();
    let d = Limits::default();
    let cases: Vec<(&str, Vec<u8>, Limits, &str)> = vec![
        ("path traversal", zip_of(&[("imsmanifest.xml", m), ("../../etc/evil.html", b"x")]), d, "path-traversal"),
        ("traversal with backslashes", zip_of(&[("imsmanifest.xml", m), ("a\\..\\..\\evil.html", b"x")]), d, "path-traversal"),
        ("absolute path", zip_of(&[("imsmanifest.xml", m), ("/etc/cron.d/evil", b"x")]), d, "absolute-path"),
        ("drive letter", zip_of(&[("imsmanifest.xml", m), ("C:/Windows/evil.dll", b"x")]), d, "absolute-path"),
        ("symbolic link", {
            let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
            z.start_file("imsmanifest.xml", SimpleFileOptions::default()).unwrap();
            z.write_all(m).unwrap();
            z.add_symlink("index.html", "/etc/passwd", SimpleFileOptions::default()).unwrap();
            z.finish().unwrap().into_inner()
        }, d, "symlink"),
        ("too many entries", {
            let names: Vec<String> = (0..11).map(|i| format!("f{i}.html")).collect();
            let mut entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
            entries.push(("imsmanifest.xml", m));
            zip_of(&entries)
        }, Limits { max_entries: 10, ..d }, "too-many-entries"),
        ("one entry too large", zip_of(&[("imsmanifest.xml", m), ("video.mp4", &vec![7u8; 4096])]), Limits { max_entry_bytes: 4000, ..d }, "entry-too-large"),
        ("too large in total", zip_of(&[("imsmanifest.xml", m), ("a.bin", &vec![1u8; 3000]), ("b.bin", &vec![2u8; 3000])]), Limits { max_total_bytes: 5000, ..d }, "too-large"),
        ("zip bomb", zip_of(&[("imsmanifest.xml", m), ("zeros.bin", &vec![0u8; 20 << 20])]), d, "zip-bomb"),
        ("DTD with entity expansion", zip_of(&[("imsmanifest.xml", br#"<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><manifest identifier="x">&c;</manifest>"#)]), d, "dtd"),
        ("external entity", zip_of(&[("imsmanifest.xml", br#"<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><manifest>&x;</manifest>"#)]), d, "dtd"),
        ("undeclared entity", zip_of(&[("imsmanifest.xml", b"<manifest identifier=\"x\">&secret;</manifest>")]), d, "entity"),
        ("manifest that is not XML", zip_of(&[("imsmanifest.xml", &[0x89, b'P', b'N', b'G', 0, 0, 0xff, 0xfe, 0xfd])]), d, "manifest-not-xml"),
        ("manifest that is another XML document", zip_of(&[("imsmanifest.xml", b"<html><body>hi</body></html>")]), d, "not-a-manifest"),
        ("no manifest", zip_of(&[("index.html", b"x")]), d, "no-manifest"),
        ("manifest in a sub-folder", zip_of(&[("course/imsmanifest.xml", m), ("course/index.html", b"x")]), d, "manifest-not-at-root"),
        ("AICC package", zip_of(&[("course.au", b"x"), ("course.crs", b"x")]), d, "not-scorm"),
        ("not a zip", b"this is not a zip file at all".to_vec(), d, "not-a-zip"),
    ];
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
