//! The checked archive against hand-made hostile zips: every class is refused with its
//! own code, fast, and extraction writes all of an archive or nothing.

use std::io::Cursor;

use std::time::{Duration, Instant};

use packager::archive::{CheckedArchive, ExtractError, Limits, Method, RefusalCode};
use packager::inspect::inspect_zip;

use crate::forge::{Forge, Raw, package_with};

fn open(
    bytes: Vec<u8>,
    limits: &Limits,
) -> Result<CheckedArchive<Cursor<Vec<u8>>>, packager::archive::Refusal> {
    CheckedArchive::open(Cursor::new(bytes), limits)
}

fn code_of(bytes: Vec<u8>) -> RefusalCode {
    open(bytes, &Limits::default())
        .and_then(|mut a| a.verify())
        .expect_err("must be refused")
        .code
}

/// The code `inspect_zip` refuses a package with.
fn inspect_code(bytes: Vec<u8>) -> RefusalCode {
    inspect_zip(Cursor::new(bytes), &Limits::default())
        .expect_err("must be refused")
        .code
}

#[test]
fn an_honest_archive_lists_reads_and_verifies_its_entries() {
    let bytes = Forge::of(vec![
        Raw::new("a.html", b"<p>a</p>"),
        Raw::stored("media/b.png", b"png bytes"),
        Raw::new("media/", b""),
    ])
    .bytes();
    let mut a = open(bytes, &Limits::default()).unwrap();
    let listed: Vec<(&str, u64, Method)> = a
        .entries()
        .iter()
        .map(|e| (e.name.as_str(), e.size, e.method))
        .collect();
    assert_eq!(
        listed,
        [
            ("a.html", 8, Method::Deflated),
            ("media/b.png", 9, Method::Stored)
        ]
    );
    assert_eq!(a.entries()[1].crc32, crc32fast::hash(b"png bytes"));
    assert_eq!(a.read("a.html").unwrap(), b"<p>a</p>");
    assert_eq!(a.read("nope").unwrap_err().code, RefusalCode::NotFound);
    a.verify().unwrap();
}

#[test]
fn duplicate_names_are_refused_exactly_case_folded_and_after_nfc() {
    let pairs = [
        ("imsmanifest.xml", "imsmanifest.xml"),
        ("Index.html", "index.HTML"),
        ("caf\u{e9}.html", "cafe\u{301}.html"),
        ("A/\u{c5}ngstr\u{f6}m.png", "a/A\u{30a}ngstro\u{308}m.png"),
        ("page", "page/child.html"),
    ];
    for (first, second) in pairs {
        let bytes = package_with(vec![Raw::new(first, b"1"), Raw::new(second, b"2")]);
        let r = open(bytes.clone(), &Limits::default()).unwrap_err();
        assert_eq!(
            r.code,
            RefusalCode::DuplicateEntry,
            "{first} / {second}: {r}"
        );
        assert_eq!(inspect_code(bytes), RefusalCode::DuplicateEntry);
    }
}

#[test]
fn a_hundred_thousand_entries_with_one_name_are_refused_as_duplicates_fast() {
    let mut entries = vec![Raw::stored(
        "imsmanifest.xml",
        crate::forge::MANIFEST.as_bytes(),
    )];
    entries.extend((0..100_000).map(|_| Raw::stored("index.html", b"")));
    let bytes = Forge::of(entries).bytes();
    let limits = Limits {
        max_entries: 200_000,
        ..Limits::default()
    };
    let started = Instant::now();
    let r = inspect_zip(Cursor::new(bytes), &limits).unwrap_err();
    assert_eq!(r.code, RefusalCode::DuplicateEntry, "{r}");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_huge_declared_entry_count_is_refused_before_anything_is_allocated() {
    let forge = Forge {
        entries: vec![Raw::new(
            "imsmanifest.xml",
            crate::forge::MANIFEST.as_bytes(),
        )],
        declared_count: Some(10_000_000),
        zip64: true,
    };
    let started = Instant::now();
    assert_eq!(code_of(forge.bytes()), RefusalCode::TooManyEntries);
    // With no entry limit to speak of, the directory's size gives the lie away.
    let generous = Limits {
        max_entries: usize::MAX,
        ..Limits::default()
    };
    let r = open(forge.bytes(), &generous).unwrap_err();
    assert_eq!(r.code, RefusalCode::BadZip, "{r}");
    assert!(r.reason.contains("10000000 entries"), "{r}");
    assert!(started.elapsed() < Duration::from_millis(100));
}

#[test]
fn a_directory_larger_than_the_limit_is_refused() {
    let entries = (0..50)
        .map(|i| Raw::new(&format!("f{i}.html"), b"x"))
        .collect();
    let limits = Limits {
        max_directory_bytes: 1000,
        ..Limits::default()
    };
    let r = open(Forge::of(entries).bytes(), &limits).unwrap_err();
    assert_eq!(r.code, RefusalCode::DirectoryTooLarge);
}

#[test]
fn zip64_archives_are_read() {
    let forge = Forge {
        zip64: true,
        ..Forge::of(vec![Raw::new("a.html", b"zip64 a")])
    };
    let mut a = open(forge.bytes(), &Limits::default()).unwrap();
    assert_eq!(a.read("a.html").unwrap(), b"zip64 a");
    // And as the zip crate writes them, with zip64 extra fields on entries.
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().large_file(true);
    z.start_file("big.bin", opts).unwrap();
    std::io::Write::write_all(&mut z, b"not really big").unwrap();
    let bytes = z.finish().unwrap().into_inner();
    let mut a = open(bytes, &Limits::default()).unwrap();
    assert_eq!(a.read("big.bin").unwrap(), b"not really big");
}

#[test]
fn an_entry_larger_than_it_declares_is_refused_even_when_not_the_manifest() {
    let lie = Raw {
        size: Some(10),
        ..Raw::new("media/clip.bin", &[7u8; 5000])
    };
    let bytes = package_with(vec![lie]);
    let started = Instant::now();
    assert_eq!(inspect_code(bytes), RefusalCode::SizeLie);
    assert!(started.elapsed() < Duration::from_millis(100));
}

#[test]
fn an_entry_smaller_than_it_declares_is_refused_as_truncated() {
    let short = Raw {
        size: Some(6000),
        ..Raw::new("media/clip.bin", &[7u8; 5000])
    };
    assert_eq!(
        inspect_code(package_with(vec![short])),
        RefusalCode::Truncated
    );
}

#[test]
fn a_crc_mismatch_in_any_entry_is_refused() {
    let corrupt = Raw {
        crc: Some(0xdead_beef),
        ..Raw::new("scripts/app.js", b"console.log(1)")
    };
    assert_eq!(
        inspect_code(package_with(vec![corrupt])),
        RefusalCode::CrcMismatch
    );
    let corrupt_stored = Raw {
        crc: Some(1),
        ..Raw::stored("scripts/app.js", b"console.log(1)")
    };
    assert_eq!(
        inspect_code(package_with(vec![corrupt_stored])),
        RefusalCode::CrcMismatch
    );
}

#[test]
fn corrupt_deflate_data_is_refused() {
    let garbage = Raw {
        packed: Some(vec![0xff; 64]),
        ..Raw::new("a.js", b"whatever")
    };
    let code = inspect_code(package_with(vec![garbage]));
    assert!(
        matches!(code, RefusalCode::BadZip | RefusalCode::Truncated),
        "{code}"
    );
}

#[test]
fn unsupported_compression_methods_are_refused() {
    for method in [1u16, 9, 12, 14, 93] {
        let odd = Raw {
            method,
            ..Raw::new("a.js", b"x")
        };
        let r = open(package_with(vec![odd]), &Limits::default()).unwrap_err();
        assert_eq!(r.code, RefusalCode::UnsupportedMethod, "{method}: {r}");
    }
    let r = open(
        package_with(vec![Raw {
            method: 12,
            ..Raw::new("a.js", b"x")
        }]),
        &Limits::default(),
    )
    .unwrap_err();
    assert!(r.reason.contains("bzip2"), "{r}");
}

#[test]
fn a_truncated_archive_is_refused_as_truncated() {
    let whole = package_with(vec![Raw::new("a.js", &[1u8; 2000])]);
    for keep in [whole.len() / 2, whole.len() - 10, 40] {
        let code = code_of(whole[..keep].to_vec());
        assert_eq!(code, RefusalCode::Truncated, "cut at {keep}");
    }
    assert_eq!(code_of(b"plain text".to_vec()), RefusalCode::NotAZip);
}

#[test]
fn a_local_header_naming_another_file_is_refused() {
    let two_faced = Raw {
        local_name: Some(b"evil.js".to_vec()),
        ..Raw::new("good.js", b"x")
    };
    assert_eq!(
        code_of(package_with(vec![two_faced])),
        RefusalCode::NameMismatch
    );
}

#[test]
fn a_second_name_in_the_unicode_path_field_is_refused() {
    let unicode_path = |name: &str| {
        let mut f = 0x7075u16.to_le_bytes().to_vec();
        f.extend_from_slice(&((5 + name.len()) as u16).to_le_bytes());
        f.push(1);
        f.extend_from_slice(&crc32fast::hash(b"good.js").to_le_bytes());
        f.extend_from_slice(name.as_bytes());
        f
    };
    let two_names = Raw {
        extra: unicode_path("../evil.js"),
        ..Raw::new("good.js", b"x")
    };
    let r = open(package_with(vec![two_names]), &Limits::default()).unwrap_err();
    assert_eq!(r.code, RefusalCode::PathTraversal, "{r}");
    let other = Raw {
        extra: unicode_path("other.js"),
        ..Raw::new("good.js", b"x")
    };
    assert_eq!(
        code_of(package_with(vec![other])),
        RefusalCode::NameMismatch
    );
    let same = Raw {
        extra: unicode_path("good.js"),
        ..Raw::new("good.js", b"x")
    };
    open(package_with(vec![same]), &Limits::default()).unwrap();
}

#[test]
fn entries_sharing_bytes_are_refused() {
    // The first entry's data is stretched over the second entry, as overlapping
    // (non-recursive) zip bombs do; both headers agree, so only the overlap tells.
    let mut bytes = Forge::of(vec![
        Raw::stored("a.bin", b"hello"),
        Raw::stored("b.bin", b"world"),
    ])
    .bytes();
    let end = bytes.len() - 22;
    let cd = u32::from_le_bytes(bytes[end + 16..end + 20].try_into().unwrap()) as usize;
    let stretched = (cd - (30 + 5)) as u32;
    for at in [18, 22, cd + 20, cd + 24] {
        bytes[at..at + 4].copy_from_slice(&stretched.to_le_bytes());
    }
    let r = open(bytes, &Limits::default()).unwrap_err();
    assert_eq!(r.code, RefusalCode::OverlappingEntries, "{r}");
}

#[test]
fn links_special_files_and_encryption_are_refused() {
    let link = Raw {
        mode: 0o120777,
        ..Raw::stored("index2.html", b"/etc/passwd")
    };
    assert_eq!(code_of(package_with(vec![link])), RefusalCode::Symlink);
    let fifo = Raw {
        mode: 0o010644,
        ..Raw::stored("pipe", b"")
    };
    assert_eq!(code_of(package_with(vec![fifo])), RefusalCode::SpecialFile);
    let encrypted = Raw {
        flags: 0x0801,
        ..Raw::new("secret.html", b"x")
    };
    assert_eq!(
        code_of(package_with(vec![encrypted])),
        RefusalCode::Encrypted
    );
}

#[test]
fn hostile_names_are_refused_each_with_its_reason() {
    let long_part = "a".repeat(300);
    let long_total = format!("{}/x.html", vec!["d".repeat(200); 6].join("/"));
    let cases: &[(&str, RefusalCode)] = &[
        ("../evil.html", RefusalCode::PathTraversal),
        ("a/../../evil.html", RefusalCode::PathTraversal),
        ("a\\..\\..\\evil.html", RefusalCode::PathTraversal),
        ("/etc/passwd", RefusalCode::AbsolutePath),
        ("C:evil.dll", RefusalCode::AbsolutePath),
        ("c:/Windows/evil.dll", RefusalCode::AbsolutePath),
        ("\\\\server\\share\\x", RefusalCode::AbsolutePath),
        ("a\u{1}b.html", RefusalCode::BadName),
        ("title\u{1b}[2J.html", RefusalCode::BadName),
        ("line\nbreak.html", RefusalCode::BadName),
        ("nul\0.html", RefusalCode::BadName),
        ("invoice\u{202e}lmth.exe", RefusalCode::BidiName),
        ("a\u{2066}b.html", RefusalCode::BidiName),
        ("CON", RefusalCode::ReservedName),
        ("media/aux.html", RefusalCode::ReservedName),
        ("lpt9.txt", RefusalCode::ReservedName),
        ("Com1", RefusalCode::ReservedName),
        ("trailing.", RefusalCode::ReservedName),
        ("space /x.html", RefusalCode::ReservedName),
        ("stream.html:hidden", RefusalCode::ReservedName),
        (&long_part, RefusalCode::NameTooLong),
        (&long_total, RefusalCode::NameTooLong),
    ];
    let mut wrong = Vec::new();
    for (name, code) in cases {
        let got = open(package_with(vec![Raw::new(name, b"x")]), &Limits::default());
        match got {
            Err(r) if r.code == *code && !r.reason.is_empty() => {}
            Err(r) => wrong.push(format!("{name:?}: {r}")),
            Ok(_) => wrong.push(format!("{name:?}: accepted")),
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // Ordinary names that look a little like those are fine.
    for name in [
        "console.html",
        "auxiliary/x.html",
        "com10.txt",
        "a.b.c",
        "é/ü.png",
    ] {
        let mut a = open(package_with(vec![Raw::new(name, b"x")]), &Limits::default())
            .unwrap_or_else(|r| panic!("{name}: {r}"));
        a.verify().unwrap();
    }
}

#[test]
fn names_are_utf8_with_the_flag_and_cp437_without_unless_valid_utf8() {
    let bad_utf8 = Raw {
        flags: 0x0800,
        ..Raw::bytes_name(b"caf\xe9.html", b"x")
    };
    assert_eq!(code_of(package_with(vec![bad_utf8])), RefusalCode::BadName);
    let cp437 = Raw::bytes_name(b"caf\x82.html", b"x");
    let a = open(package_with(vec![cp437]), &Limits::default()).unwrap();
    assert!(a.entry("caf\u{e9}.html").is_some());
    let unflagged_utf8 = Raw::bytes_name("café.html".as_bytes(), b"x");
    let a = open(package_with(vec![unflagged_utf8]), &Limits::default()).unwrap();
    assert!(a.entry("café.html").is_some());
}

#[test]
fn backslashes_and_dot_segments_are_normalised() {
    let a = open(
        package_with(vec![Raw::new("media\\img\\./a.png", b"x")]),
        &Limits::default(),
    )
    .unwrap();
    assert!(a.entry("media/img/a.png").is_some());
}

#[test]
fn declared_sizes_over_the_limits_and_bomb_ratios_are_refused_unread() {
    let d = Limits::default();
    let one = Limits {
        max_entry_bytes: 1000,
        ..d
    };
    let r = open(package_with(vec![Raw::new("v.mp4", &[1u8; 2000])]), &one).unwrap_err();
    assert_eq!(r.code, RefusalCode::EntryTooLarge);
    let total = Limits {
        max_total_bytes: 3000,
        ..d
    };
    let r = open(
        package_with(vec![
            Raw::new("a", &[1u8; 2000]),
            Raw::new("b", &[1u8; 2000]),
        ]),
        &total,
    )
    .unwrap_err();
    assert_eq!(r.code, RefusalCode::TooLarge);
    // Declares 4 GB from a few bytes: refused on the declaration, nothing inflated.
    let bomb = Raw {
        size: Some(u64::from(u32::MAX - 1)),
        ..Raw::new("zeros.bin", &[0u8; 100])
    };
    let started = Instant::now();
    let r = open(package_with(vec![bomb]), &d).unwrap_err();
    assert!(
        matches!(r.code, RefusalCode::EntryTooLarge | RefusalCode::ZipBomb),
        "{r}"
    );
    assert!(started.elapsed() < Duration::from_millis(50));
    let ratio = Raw::new("zeros.bin", &vec![0u8; 8 << 20]);
    assert_eq!(
        open(package_with(vec![ratio]), &d).unwrap_err().code,
        RefusalCode::ZipBomb
    );
}

#[test]
fn extract_to_writes_every_entry_inside_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("course");
    let mut a = open(
        Forge::of(vec![
            Raw::new("index.html", b"<p>i</p>"),
            Raw::stored("media/deep/a.png", b"png"),
            Raw::new("empty/", b""),
        ])
        .bytes(),
        &Limits::default(),
    )
    .unwrap();
    a.extract_to(&dest).unwrap();
    assert_eq!(std::fs::read(dest.join("index.html")).unwrap(), b"<p>i</p>");
    assert_eq!(
        std::fs::read(dest.join("media/deep/a.png")).unwrap(),
        b"png"
    );
    assert!(dest.join("empty").is_dir());
    let siblings: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(siblings.len(), 1, "no working folder left behind");
    // An existing destination is never written into.
    let again = a.extract_to(&dest).unwrap_err();
    assert!(matches!(again, ExtractError::Storage { .. }), "{again}");
}

#[test]
fn extract_to_writes_nothing_when_a_later_entry_is_corrupt() {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("course");
    let corrupt = Raw {
        crc: Some(7),
        ..Raw::new("z-last.js", b"x")
    };
    let mut a = open(
        Forge::of(vec![Raw::new("a-first.html", b"fine"), corrupt]).bytes(),
        &Limits::default(),
    )
    .unwrap();
    let err = a.extract_to(&dest).unwrap_err();
    assert!(
        matches!(&err, ExtractError::Refused(r) if r.code == RefusalCode::CrcMismatch),
        "{err}"
    );
    assert!(!dest.exists());
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "cleaned up"
    );
}

#[test]
fn extract_with_streams_each_entry_and_tells_storage_failures_from_refusals() {
    let bytes = Forge::of(vec![
        Raw::new("a.html", b"aaa"),
        Raw::new("b.html", b"bbbb"),
    ])
    .bytes();
    let mut a = open(bytes.clone(), &Limits::default()).unwrap();
    let mut seen = Vec::new();
    a.extract_with(&mut |e, data| {
        let mut s = String::new();
        data.read_to_string(&mut s)?;
        seen.push((e.name.clone(), s));
        Ok(())
    })
    .unwrap();
    assert_eq!(
        seen,
        [
            ("a.html".into(), "aaa".into()),
            ("b.html".into(), "bbbb".into())
        ]
    );
    let mut a = open(bytes, &Limits::default()).unwrap();
    let err = a
        .extract_with(&mut |_, _| Err(std::io::Error::other("bucket unavailable")))
        .unwrap_err();
    assert!(
        matches!(&err, ExtractError::Storage { entry, .. } if entry == "a.html"),
        "{err}"
    );
    // A writer that reads nothing still gets a corrupt entry refused.
    let corrupt = Raw {
        crc: Some(7),
        ..Raw::new("a.html", b"x")
    };
    let mut a = open(Forge::of(vec![corrupt]).bytes(), &Limits::default()).unwrap();
    let err = a.extract_with(&mut |_, _| Ok(())).unwrap_err();
    assert!(matches!(err, ExtractError::Refused(r) if r.code == RefusalCode::CrcMismatch));
}

#[test]
fn refusals_display_with_their_code() {
    let r = open(
        package_with(vec![Raw::new("../x", b"x")]),
        &Limits::default(),
    )
    .unwrap_err();
    assert_eq!(
        r.to_string(),
        "refused[path-traversal]: entry \"../x\" points outside the package (path traversal)"
    );
}

#[test]
fn a_deep_tree_of_distinct_folders_is_checked_quickly() {
    // 5,000 files 500 folders deep: a set of every ancestor would hold over a gigabyte.
    // (The bound is loose for unoptimised test builds on a busy machine; an optimised
    // build takes a few milliseconds.)
    let deep = "a/".repeat(495);
    let entries: Vec<Raw> = (0..5_000)
        .map(|i| Raw::stored(&format!("{i:04}/{deep}f"), b""))
        .collect();
    let bytes = Forge::of(entries).bytes();
    let started = Instant::now();
    let a = open(bytes, &Limits::default()).unwrap();
    assert_eq!(a.entries().len(), 5_000);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    // And a file that is also a folder, deep down, is still found.
    let clash = Forge::of(vec![
        Raw::stored(&format!("x/{deep}f"), b""),
        Raw::stored(&format!("x/{deep}f/g"), b""),
        Raw::stored("x/a-b", b""),
    ])
    .bytes();
    assert_eq!(code_of(clash), RefusalCode::DuplicateEntry);
    let folder_and_file = Forge::of(vec![Raw::new("p/", b""), Raw::stored("P", b"")]).bytes();
    assert_eq!(code_of(folder_and_file), RefusalCode::DuplicateEntry);
}
