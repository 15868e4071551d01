//! Property tests: the manifest reader and the zip checks never panic, whatever the
//! bytes, and a zip the checker accepts extracts to exactly the entries it listed.
//! Case counts are modest so that they run in seconds; `cargo fuzz` (packager/fuzz)
//! explores further.

use std::collections::BTreeMap;
use std::io::Cursor;

use packager::archive::{CheckedArchive, Limits};
use packager::inspect::{inspect_manifest, inspect_zip};
use proptest::prelude::*;

use crate::forge::{Forge, MANIFEST, Raw};

const MANIFEST_2004: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="m" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>T</title>
    <item identifier="i" identifierref="r" parameters="?a=1"><title>One</title>
      <imsss:sequencing><imsss:limitConditions attemptAbsoluteDurationLimit="PT30M"/></imsss:sequencing>
      <item identifier="j" identifierref="s"><title>Two</title></item>
    </item></organization></organizations>
  <resources base="content/">
    <resource identifier="r" type="webcontent" adlcp:scormType="sco" href="a%20b.html?x=1#y"><file href="a%20b.html"/><dependency identifierref="s"/></resource>
    <resource identifier="s" type="webcontent" adlcp:scormType="asset" href="../up.html"/>
  </resources>
</manifest>"#;

/// Pieces that stress a manifest reader when spliced in anywhere.
const SNIPPETS: &[&str] = &[
    "<",
    ">",
    "&",
    "&amp;",
    "&#x0;",
    "&#xFFFE;",
    "&#1114112;",
    "\"",
    "'",
    "é",
    "%",
    "%é",
    "%%",
    "%2e%2e/",
    "../",
    "/",
    "\\",
    "javascript:",
    "//host/",
    "<item>",
    "</item>",
    "<resource href=\"x\">",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "\u{202e}",
    "\u{1b}[2J",
    "\u{0}",
    "\u{FFFF}",
    "xmlns:a=\"b\" ",
    "<?xml version=\"1.0\"?>",
    "<!DOCTYPE x>",
    "identifierref=\"r\" ",
    "href=\"",
    "\r\n",
    "\t",
];

fn files() -> BTreeMap<String, u64> {
    [
        "index.html",
        "content/a b.html",
        "content/x.js",
        "imsmanifest.xml",
    ]
    .iter()
    .map(|f| (f.to_string(), 10))
    .collect()
}

/// Splices `edits` into `base` at char boundaries: (position, snippet or deletion).
fn mangle(base: &str, edits: &[(usize, usize, usize)]) -> String {
    let mut s = base.to_string();
    for &(pos, what, len) in edits {
        let mut at = pos % (s.len() + 1);
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        if what < SNIPPETS.len() {
            s.insert_str(at, SNIPPETS[what]);
        } else {
            let mut end = (at + len % 40).min(s.len());
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.replace_range(at..end, "");
        }
    }
    s
}

fn check_manifest(xml: &[u8]) {
    if let Ok(i) = inspect_manifest(xml, &files()) {
        let text = i.to_string();
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_manifest_reader_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check_manifest(&bytes);
    }

    #[test]
    fn the_manifest_reader_never_panics_on_mangled_manifests(
        which in 0..2usize,
        edits in prop::collection::vec((any::<usize>(), 0..SNIPPETS.len() + 4, any::<usize>()), 1..12),
    ) {
        let base = [MANIFEST, MANIFEST_2004][which];
        check_manifest(mangle(base, &edits).as_bytes());
    }

    #[test]
    fn the_zip_checks_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(mut a) = CheckedArchive::open(Cursor::new(&bytes), &Limits::default()) {
            let _ = a.verify();
        }
        let _ = inspect_zip(Cursor::new(&bytes), &Limits::default());
    }
}

fn sample_zip() -> Vec<u8> {
    Forge::of(vec![
        Raw::new("imsmanifest.xml", MANIFEST.as_bytes()),
        Raw::stored("index.html", b"<p>hello</p>"),
        Raw::new("media/a b.txt", &b"some text ".repeat(20)),
        Raw::new("media/", b""),
    ])
    .bytes()
}

/// Extracts an accepted archive and checks the folder holds exactly its entries.
fn extracts_to_its_entries(bytes: &[u8]) -> Result<(), TestCaseError> {
    let Ok(mut a) = CheckedArchive::open(Cursor::new(bytes), &Limits::default()) else {
        return Ok(());
    };
    if a.verify().is_err() {
        return Ok(());
    }
    let mut expected = BTreeMap::new();
    for e in a.entries().to_vec() {
        let data = a.read(&e.name).expect("verified entries read");
        prop_assert_eq!(data.len() as u64, e.size);
        expected.insert(e.name.clone(), data);
    }
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("out");
    a.extract_to(&dest).expect("a verified archive extracts");
    let mut found = BTreeMap::new();
    for f in walkdir::WalkDir::new(&dest) {
        let f = f.unwrap();
        prop_assert!(!f.file_type().is_symlink());
        if f.file_type().is_file() {
            let rel = packager::archive::zip_name(f.path().strip_prefix(&dest).unwrap());
            found.insert(rel, std::fs::read(f.path()).unwrap());
        }
    }
    prop_assert_eq!(found, expected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn mutated_zips_never_panic_and_accepted_ones_extract_to_their_entries(
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in prop::option::of(any::<usize>()),
    ) {
        let mut bytes = sample_zip();
        for (at, value) in flips {
            let at = at % bytes.len();
            bytes[at] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut % (bytes.len() + 1));
        }
        let _ = inspect_zip(Cursor::new(&bytes), &Limits::default());
        extracts_to_its_entries(&bytes)?;
    }

    #[test]
    fn generated_zips_extract_to_exactly_their_entries(
        entries in prop::collection::vec(
            (
                prop::collection::vec(
                    prop::collection::vec(prop::sample::select(vec!['a', 'B', 'é', '-', '.', ' ', '_', '#', '%', '\\', '/']), 1..6),
                    1..4,
                ),
                prop::collection::vec(any::<u8>(), 0..64),
                any::<bool>(),
            ),
            1..8,
        ),
    ) {
        let raws: Vec<Raw> = entries
            .iter()
            .map(|(parts, data, stored)| {
                let name: Vec<String> = parts.iter().map(|p| p.iter().collect()).collect();
                let name = name.join("/");
                if *stored { Raw::stored(&name, data) } else { Raw::new(&name, data) }
            })
            .collect();
        extracts_to_its_entries(&Forge::of(raws).bytes())?;
    }
}
