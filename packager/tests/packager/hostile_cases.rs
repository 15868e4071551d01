//! Hostile zips, each with the limits it is checked under and the refusal code it must
//! get. Shared by the packager's tests and the marketplace's, which upload each one.

use std::io::{Cursor, Write as _};

use packager::inspect::Limits;
use zip::write::SimpleFileOptions;

pub const MANIFEST: &str = r#"<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>T</title>
    <item identifier="i" identifierref="r"><title>T</title></item></organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html"><file href="index.html"/></resource></resources>
</manifest>"#;

pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        z.start_file(*name, opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// `(what it is, the zip, the limits, the refusal code)` for each hostile zip.
pub fn hostile_cases() -> Vec<(&'static str, Vec<u8>, Limits, &'static str)> {
    let m = MANIFEST.as_bytes();
    let d = Limits::default();
    vec![
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
        ("no manifest", zip_of(&[("page.html", b"x")]), d, "no-manifest"),
        ("web package", zip_of(&[("index.html", b"x"), ("assets/course.js", b"x")]), d, "not-scorm"),
        ("manifest in a sub-folder", zip_of(&[("course/imsmanifest.xml", m), ("course/index.html", b"x")]), d, "manifest-not-at-root"),
        ("AICC package", zip_of(&[("course.au", b"x"), ("course.crs", b"x")]), d, "not-scorm"),
        ("not a zip", b"this is not a zip file at all".to_vec(), d, "not-a-zip"),
    ]
}
