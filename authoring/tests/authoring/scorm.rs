//! `course package`: SCORM 1.2 and 2004 packages that validate against the official
//! schemas, are reproducible, hold no sources or plain answer keys, respect the size
//! and suspend-data budgets, and run under an independent LMS-side API (scorm-again).

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Fixture, workspace_root};

fn entries(zip_path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().unwrap().to_string(), b)
        })
        .collect()
}

fn extract(zip_path: &Path, to: &Path) {
    for (name, bytes) in entries(zip_path) {
        let p = to.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

fn package(f: &Fixture, format: &str) -> (PathBuf, String) {
    let run = f.course(&["package", "--format", format, "-o", "pkgs"]);
    run.assert_ok();
    let line = run.stdout.lines().next().unwrap().to_string();
    let path = f.path().join(line.split_whitespace().nth(1).unwrap());
    (path, line)
}

/// Runs the conformance kit's validator when xmllint is there (always in CI).
fn validate(zip: &Path) {
    let validator = workspace_root().join("../shared/conformance/validate-manifest");
    let have = Command::new("xmllint").arg("--version").output().is_ok() && validator.exists();
    if !have {
        assert!(
            std::env::var("CI").is_err(),
            "CI must validate manifests: install libxml2-utils"
        );
        eprintln!("SKIPPED schema validation: no xmllint or no conformance kit");
        return;
    }
    let out = Command::new(&validator).arg(zip).output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_sample_packages_in_both_formats_and_validates() {
    for name in ["hand-hygiene", "data-security", "fire-safety"] {
        let f = Fixture::sample(name);
        let run = f.course(&["package", "-o", "pkgs"]);
        run.assert_ok();
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), 3, "{}", run.stdout);
        for line in lines {
            let mut parts = line.split_whitespace();
            let format = parts.next().unwrap();
            let path = f.path().join(parts.next().unwrap());
            let printed = line.rsplit(' ').next().unwrap();
            let bytes = std::fs::read(&path).unwrap();
            assert_eq!(
                printed,
                packager::archive::sha256_hex(&bytes),
                "printed SHA-256 matches the file"
            );
            let files = entries(&path);
            assert!(
                files
                    .keys()
                    .all(|k| !k.ends_with(".md") && k != "course.toml"),
                "no sources in {name} {format}"
            );
            if format != "web" {
                validate(&path);
                let manifest = String::from_utf8(files["imsmanifest.xml"].clone()).unwrap();
                for file in files.keys().filter(|k| *k != "imsmanifest.xml") {
                    assert!(
                        manifest.contains(&format!("href=\"{}\"", packager::manifest::href(file))),
                        "{file} listed in the manifest"
                    );
                }
                assert!(files.contains_key("launch.html") && files.contains_key("assets/scorm.js"));
            }
            // The runtime stays small: everything except media.
            let code: usize = files
                .iter()
                .filter(|(k, _)| !k.starts_with("media/") && !k.starts_with("files/"))
                .map(|(_, v)| v.len())
                .sum();
            assert!(
                code < 300 * 1024,
                "{name} {format}: {code} bytes besides media"
            );
        }
    }
}

#[test]
fn manifests_carry_identity_and_passing_score() {
    let f = Fixture::sample("hand-hygiene");
    let (p12, _) = package(&f, "scorm12");
    let m12 = String::from_utf8(entries(&p12)["imsmanifest.xml"].clone()).unwrap();
    assert!(m12.contains("identifier=\"hand-hygiene-v2.1.0\""));
    // Under the rule "both", a 1.2 LMS with a mastery score would record `passed` from
    // the assessment alone: the manifest declares none.
    assert!(!m12.contains("masteryscore"), "{m12}");
    assert!(m12.contains("<schemaversion>1.2</schemaversion>"));
    let (p04, _) = package(&f, "scorm2004");
    let m04 = String::from_utf8(entries(&p04)["imsmanifest.xml"].clone()).unwrap();
    assert!(m04.contains("<imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>"));
    assert!(m04.contains("satisfiedByMeasure=\"true\""));
    assert!(m04.contains("<schemaversion>2004 4th Edition</schemaversion>"));
    assert!(m04.contains(
        "<lom:title><lom:string language=\"en-GB\">Hand hygiene</lom:string></lom:title>"
    ));
    // Where passing the assessment is the rule, 1.2 declares the pass mark too.
    f.edit("course.toml", "rule = \"both\"", "rule = \"assessment\"");
    let (p12, _) = package(&f, "scorm12");
    let m12 = String::from_utf8(entries(&p12)["imsmanifest.xml"].clone()).unwrap();
    assert!(m12.contains("<adlcp:masteryscore>80</adlcp:masteryscore>"));
    // Where pages alone complete the course, neither version lets the score judge.
    f.edit(
        "course.toml",
        "rule = \"assessment\"",
        "rule = \"all-pages\"",
    );
    for format in ["scorm12", "scorm2004"] {
        let (p, _) = package(&f, format);
        let m = String::from_utf8(entries(&p)["imsmanifest.xml"].clone()).unwrap();
        assert!(
            !m.contains("masteryscore") && !m.contains("minNormalizedMeasure"),
            "{m}"
        );
        validate(&p);
    }
    let (p04, _) = package(&f, "scorm2004");
    let m04 = String::from_utf8(entries(&p04)["imsmanifest.xml"].clone()).unwrap();
    assert!(m04.contains("objectiveSetByContent=\"true\""));
}

#[test]
fn packages_are_reproducible() {
    let a = Fixture::sample("data-security");
    let b = Fixture::sample("data-security");
    for format in ["scorm12", "scorm2004", "web"] {
        let (pa, la) = package(&a, format);
        let (pb, lb) = package(&b, format);
        assert_eq!(
            std::fs::read(pa).unwrap(),
            std::fs::read(pb).unwrap(),
            "{format}"
        );
        assert_eq!(la.rsplit(' ').next(), lb.rsplit(' ').next());
    }
}

#[test]
fn a_course_whose_progress_could_outgrow_scorm_12_is_refused_for_12_only() {
    let f = Fixture::new("minimal");
    let many: String = (0..30)
        .map(|i| {
            format!("::: question fill-in #long-{i}\nName thing {i}.\n\nanswer: thing {i}\n:::\n\n")
        })
        .collect();
    f.edit(
        "lessons/second.md",
        "## Details",
        &format!("## Details\n\n{many}"),
    );
    let run = f.course(&["package", "--format", "scorm12", "-o", "pkgs"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("more than scorm12 allows (4096)"),
        "{}",
        run.stderr
    );
    f.course(&["package", "--format", "scorm2004", "-o", "pkgs"])
        .assert_ok();
    // Asked for every format, it still writes those it can, and fails naming the other.
    let all = f.course(&["package", "-o", "all"]);
    assert_eq!(all.code, 1, "{}", all.stderr);
    assert!(all.stderr.contains("--format scorm2004"), "{}", all.stderr);
    let made: Vec<&str> = all
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(made, ["scorm2004", "web"], "{}", all.stdout);
    assert_eq!(std::fs::read_dir(f.path().join("all")).unwrap().count(), 2);
}

#[test]
fn the_size_budget_fails_the_build() {
    let f = Fixture::sample("hand-hygiene");
    f.edit(
        "course.toml",
        "[completion]",
        "[package]\nsize_budget_kb = 100\n\n[completion]",
    );
    let run = f.course(&["package", "--format", "scorm2004", "-o", "pkgs"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("over the course's size budget of 100 KB"),
        "{}",
        run.stderr
    );
}

#[test]
fn packages_run_under_scorm_again() {
    let root = workspace_root();
    let missing = if !root.join("node_modules/scorm-again").exists()
        || !root.join("node_modules/playwright-core").exists()
    {
        Some("node_modules is missing: run `npm ci`")
    } else if !Path::new(&std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()))
        .exists()
    {
        Some("no Chromium")
    } else {
        None
    };
    if let Some(why) = missing {
        assert!(
            std::env::var("CI").is_err(),
            "SCORM runtime tests cannot run in CI: {why}"
        );
        eprintln!("SKIPPED SCORM runtime tests: {why}");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let v1 = Fixture::sample("hand-hygiene");
    let v2 = Fixture::sample("hand-hygiene");
    // The republished version: a new question before the one a learner answered.
    v2.edit("course.toml", "version = \"2.1.0\"", "version = \"2.2.0\"");
    v2.edit(
        "lessons/five-moments.md",
        "::: question multiple #moments-which",
        "::: question single #added-after-publishing\nHow many moments are there?\n\n- [x] Five\n- [ ] Four\n:::\n\n::: question multiple #moments-which",
    );
    for (fixture, suffix) in [(&v1, ""), (&v2, "-v2")] {
        for (format, dir) in [("scorm12", "pkg12"), ("scorm2004", "pkg2004")] {
            let (zip, _) = package(fixture, format);
            extract(&zip, &out.path().join(format!("{dir}{suffix}")));
        }
    }
    // The sample under each completion rule, with two attempts at the assessment.
    for rule in ["both", "all-pages", "assessment"] {
        let f = Fixture::sample("hand-hygiene");
        f.edit(
            "course.toml",
            "rule = \"both\"",
            &format!("rule = \"{rule}\""),
        );
        f.edit("lessons/assessment.md", "attempts: 3", "attempts: 2");
        for (format, suffix) in [("scorm12", "12"), ("scorm2004", "2004")] {
            let (zip, _) = package(&f, format);
            extract(&zip, &out.path().join(format!("{rule}{suffix}")));
        }
    }
    // Every sample, for the page-by-page test.
    for (name, short) in [
        ("hand-hygiene", "hand"),
        ("data-security", "ds"),
        ("fire-safety", "fs"),
    ] {
        let f = Fixture::sample(name);
        for (format, suffix) in [("scorm12", "12"), ("scorm2004", "2004")] {
            let (zip, _) = package(&f, format);
            extract(&zip, &out.path().join(format!("{short}{suffix}")));
        }
    }
    // The benchmark's largest course, with an assessment: too much progress for 1.2.
    let big = Fixture::generated(&["--images", "0", "--assessment", "20"]);
    let refused = big.course(&["package", "--format", "scorm12", "-o", "pkgs"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--format scorm2004"),
        "{}",
        refused.stderr
    );
    let (zip, _) = package(&big, "scorm2004");
    extract(&zip, &out.path().join("big2004"));
    let run = Command::new("node")
        .args(["--test", "--test-reporter=spec"])
        .arg(root.join("authoring/tests/browser/scorm.test.mjs"))
        .env("PACKAGES_DIR", out.path())
        .current_dir(&root)
        .output()
        .expect("run node");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success(), "SCORM runtime tests failed:\n{text}");
    eprintln!("{text}");
}

#[test]
fn inspect_reads_our_packages_third_party_ones_and_refuses_hostile_ones() {
    let f = Fixture::sample("fire-safety");
    for format in ["scorm12", "scorm2004"] {
        let (zip, _) = package(&f, format);
        let run = f.course(&["inspect", zip.to_str().unwrap(), "--json"]);
        run.assert_ok();
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            report["version"],
            if format == "scorm12" {
                "1.2"
            } else {
                "2004 4th Edition"
            }
        );
        assert_eq!(report["scos"][0]["launch"], "launch.html");
        assert_eq!(report["scos"].as_array().unwrap().len(), 1);
        assert_eq!(
            report["findings"].as_array().unwrap().len(),
            0,
            "our own packages are clean: {}",
            report["findings"]
        );
        let item = &report["organizations"][0]["items"][0];
        if format == "scorm12" {
            assert_eq!(item["mastery_score"], 75.0);
        } else {
            assert_eq!(item["scaled_passing_score"], 0.75);
        }
    }
    let golf =
        workspace_root().join("../shared/conformance/packages/golf/RuntimeBasicCalls_SCORM12.zip");
    let run = f.course(&["inspect", golf.to_str().unwrap()]);
    run.assert_ok();
    assert!(
        run.stdout.starts_with("SCORM 1.2 package"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("1. Golf Explained -> shared/launchpage.html"),
        "{}",
        run.stdout
    );

    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    z.start_file("imsmanifest.xml", opts).unwrap();
    std::io::Write::write_all(&mut z, b"<manifest/>").unwrap();
    z.start_file("../../escape.html", opts).unwrap();
    f.write("hostile.zip", z.finish().unwrap().into_inner());
    let run = f.course(&["inspect", "hostile.zip"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("refused[path-traversal]"),
        "{}",
        run.stderr
    );
    assert!(!f.path().join("../escape.html").exists());
}

#[test]
fn inspect_says_a_web_zip_is_not_scorm_and_answers_json_when_asked() {
    let f = Fixture::sample("fire-safety");
    let (web, _) = package(&f, "web");
    let run = f.course(&["inspect", web.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("refused[not-scorm]") && run.stderr.contains("web package"),
        "{}",
        run.stderr
    );
    let run = f.course(&["inspect", "missing.zip", "--json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let answer: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert!(
        answer["error"].as_str().unwrap().contains("missing.zip"),
        "{answer}"
    );
}
