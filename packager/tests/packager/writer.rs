//! Every manifest the packager writes in these tests goes back through the inspector (and
//! the schema validator, when xmllint is installed): what we write, we can read, and it
//! is valid XML whatever the course's text holds.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;
use std::process::Command;

use packager::PackageMeta;
use packager::inspect::{Inspection, Limits, inspect_dir, inspect_zip};
use packager::manifest;

/// Files of a small built course, with names that need encoding in a URL.
fn course_files() -> Vec<String> {
    [
        manifest::LAUNCH_FILE,
        "index.html",
        "lessons/1 washing hands.html",
        "media/été #1.png",
        "media/50%.svg",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Runs the conformance kit's validator on a package folder when xmllint is there.
fn validate(dir: &Path) {
    let validator =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/validate-manifest");
    let have = Command::new("xmllint").arg("--version").output().is_ok() && validator.exists();
    if !have {
        assert!(
            std::env::var("CI").is_err(),
            "CI must validate manifests: install libxml2-utils"
        );
        eprintln!("SKIPPED schema validation: no xmllint or no conformance kit");
        return;
    }
    let out = Command::new(&validator).arg(dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `xml` with the course's files as a folder and as a zip, inspects both, checks
/// the inspector finds no error and no missing file, validates the manifest, and returns
/// the inspection.
pub fn assert_reads_back(xml: &str, files: &[String]) -> Inspection {
    let dir = tempfile::tempdir().unwrap();
    let mut zip = BTreeMap::new();
    for f in files {
        let path = dir.path().join(f);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, f.as_bytes()).unwrap();
        zip.insert(f.clone(), f.as_bytes().to_vec());
    }
    std::fs::write(dir.path().join("imsmanifest.xml"), xml).unwrap();
    zip.insert("imsmanifest.xml".into(), xml.as_bytes().to_vec());
    let from_dir = inspect_dir(dir.path()).unwrap_or_else(|r| panic!("{r}\n{xml}"));
    let bytes = packager::archive::write_zip(&zip).unwrap();
    let from_zip =
        inspect_zip(Cursor::new(bytes), &Limits::default()).unwrap_or_else(|r| panic!("{r}"));
    for i in [&from_dir, &from_zip] {
        assert_eq!(i.errors().count(), 0, "{:#?}", i.findings);
        assert!(
            !i.findings.iter().any(|f| f.code == "missing-files"),
            "{:#?}",
            i.findings
        );
        assert_eq!(
            i.first_launch().map(|s| s.launch.as_str()),
            Some(manifest::LAUNCH_FILE)
        );
    }
    assert_eq!(from_dir.to_string(), from_zip.to_string());
    validate(dir.path());
    from_zip
}

fn metas() -> Vec<PackageMeta> {
    let e = PackageMeta::example();
    vec![
        e.clone(),
        PackageMeta {
            pass_mark: None,
            author: String::new(),
            ..e.clone()
        },
        PackageMeta {
            title: "Fire\u{FFFE} safety\u{FFFF} <&> \"quoted\" 'single'\u{1}\u{8}".into(),
            summary: "When \u{FFFF}and how\u{b}".into(),
            author: "IPC\u{FFFE} team".into(),
            version: "1.0\u{FFFF}".into(),
            ..e
        },
    ]
}

#[test]
fn every_written_manifest_reads_back_in_both_formats() {
    for meta in metas() {
        for xml in [
            manifest::scorm12(&meta, &course_files()),
            manifest::scorm2004(&meta, &course_files()),
        ] {
            let i = assert_reads_back(&xml, &course_files());
            let title = i.metadata.title.clone().unwrap_or_default();
            assert!(
                !title.contains(['\u{FFFE}', '\u{FFFF}', '\u{1}']),
                "{title:?}"
            );
        }
    }
}

#[test]
fn a_title_with_non_characters_is_written_without_them() {
    let meta = PackageMeta {
        title: "Hand\u{FFFE} hygiene\u{FFFF}".into(),
        ..PackageMeta::example()
    };
    for xml in [
        manifest::scorm12(&meta, &course_files()),
        manifest::scorm2004(&meta, &course_files()),
    ] {
        assert!(!xml.contains(['\u{FFFE}', '\u{FFFF}']));
        let i = assert_reads_back(&xml, &course_files());
        assert_eq!(i.metadata.title.as_deref(), Some("Hand hygiene"));
        assert_eq!(i.organizations[0].title, "Hand hygiene");
    }
}
