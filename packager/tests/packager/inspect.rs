//! The inspector reads every package in the conformance kit: version, SCOs, launch files,
//! and the deviations each edge case exists to show.

use std::path::{Path, PathBuf};

use packager::inspect::{Inspection, Limits, ScormVersion, Severity, inspect_dir, inspect_zip};

fn kit() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
}

fn open(rel: &str) -> Result<Inspection, packager::inspect::Refusal> {
    let f = std::fs::File::open(kit().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    inspect_zip(std::io::BufReader::new(f), &Limits::default())
}

fn first_launch(i: &Inspection) -> String {
    i.scos
        .first()
        .or(i.assets.first())
        .map(|s| s.launch.clone())
        .unwrap_or_default()
}

fn has(i: &Inspection, severity: Severity, code: &str) -> bool {
    i.findings
        .iter()
        .any(|f| f.severity == severity && f.code == code)
}

#[test]
fn golf_packages_read_with_their_version_scos_and_launch_files() {
    use ScormVersion::*;
    let cases: &[(&str, ScormVersion, usize, &str)] = &[
        (
            "ContentPackagingSingleSCO_SCORM12",
            Scorm12,
            1,
            "shared/launchpage.html",
        ),
        (
            "ContentPackagingOneFilePerSCO_SCORM12",
            Scorm12,
            0,
            "Playing/Playing.html",
        ),
        (
            "RuntimeMinimumCalls_SCORM12",
            Scorm12,
            18,
            "Playing/Playing.html",
        ),
        (
            "RuntimeBasicCalls_SCORM12",
            Scorm12,
            1,
            "shared/launchpage.html",
        ),
        (
            "ContentPackagingSingleSCO_SCORM20042ndEdition",
            Scorm2004Second,
            1,
            "shared/launchpage.html",
        ),
        (
            "ContentPackagingSingleSCO_SCORM20043rdEdition",
            Scorm2004Third,
            1,
            "shared/launchpage.html",
        ),
        (
            "ContentPackagingOneFilePerSCO_SCORM20043rdEdition",
            Scorm2004Third,
            0,
            "Playing/Playing.html",
        ),
        (
            "ContentPackagingMetadata_SCORM20043rdEdition",
            Scorm2004Third,
            1,
            "shared/launchpage.html",
        ),
        (
            "RuntimeMinimumCalls_SCORM20043rdEdition",
            Scorm2004Third,
            18,
            "Playing/Playing.html",
        ),
        (
            "RuntimeBasicCalls_SCORM20043rdEdition",
            Scorm2004Third,
            1,
            "shared/launchpage.html",
        ),
        (
            "RunTimeAdvancedCalls_SCORM20043rdEdition",
            Scorm2004Third,
            1,
            "shared/launchpage.html",
        ),
        (
            "SequencingForcedSequential_SCORM20043rdEdition",
            Scorm2004Third,
            5,
            "shared/launchpage.html?content=playing",
        ),
        (
            "SequencingSimpleRemediation_SCORM20043rdEdition",
            Scorm2004Third,
            8,
            "shared/launchpage.html?content=playing",
        ),
        (
            "SequencingRandomTest_SCORM20043rdEdition",
            Scorm2004Third,
            8,
            "shared/launchpage.html?content=playing",
        ),
        (
            "SequencingPostTestRollup_SCORM20043rdEdition",
            Scorm2004Third,
            5,
            "shared/launchpage.html?content=playing",
        ),
        (
            "SequencingPreOrPostTestRollup_SCORM20043rdEdition",
            Scorm2004Third,
            6,
            "shared/launchpage.html?content=assessment",
        ),
        (
            "SequencingPostTestRollup4thEd_SCORM20044thEdition",
            Scorm2004Fourth,
            5,
            "shared/launchpage.html?content=playing",
        ),
    ];
    for (name, version, scos, launch) in cases {
        let i = open(&format!("packages/golf/{name}.zip"))
            .unwrap_or_else(|r| panic!("{name} refused: {r}"));
        assert_eq!(i.version, *version, "{name}");
        assert_eq!(
            i.scos.len(),
            *scos,
            "{name}: {:?}",
            i.scos.iter().map(|s| &s.launch).collect::<Vec<_>>()
        );
        assert_eq!(first_launch(&i), *launch, "{name}");
        assert_eq!(i.errors().count(), 0, "{name}: {:?}", i.findings);
        assert!(
            i.scos.iter().chain(&i.assets).all(|s| s.launchable),
            "{name}"
        );
        assert_eq!(
            i.sequencing,
            name.starts_with("Sequencing")
                || name.contains("RuntimeBasicCalls_SCORM2004")
                || name.contains("RunTimeAdvanced"),
            "{name} sequencing"
        );
    }
}

#[test]
fn golf_manifest_details() {
    let i = open("packages/golf/RunTimeAdvancedCalls_SCORM20043rdEdition.zip").unwrap();
    let item = &i.organizations[0].items[0];
    assert!(
        item.scaled_passing_score.is_some(),
        "primary objective satisfied by measure"
    );
    let i = open("packages/golf/ContentPackagingMetadata_SCORM20043rdEdition.zip").unwrap();
    assert_eq!(
        i.metadata.location.as_deref(),
        Some("metadata_course.xml"),
        "course metadata is external"
    );
    assert_eq!(
        i.metadata.schemaversion.as_deref(),
        Some("2004 3rd Edition")
    );
}

#[test]
fn edge_cases_are_tolerated_or_refused_as_real_packages_need() {
    let edge = |n: &str| open(&format!("packages/edge-cases/{n}.zip"));

    let i = edge("AdlAttributes_SCORM20043rdEdition").unwrap();
    assert_eq!(
        (i.scos.len(), i.assets.len()),
        (0, 1),
        "a resource without scormType is an asset"
    );
    assert!(i.organizations[0].items[0].data_from_lms.is_some());

    let i = edge("ComplexNestedOrganization_SCORM12").unwrap();
    assert_eq!(i.scos.len(), 11);
    assert_eq!(i.organizations.len(), 2);
    assert_eq!(i.scos[0].title, "Module 1");

    let i = edge("ContentPackagingNoSchemaVersion_SCORM20042ndEdition").unwrap();
    assert_eq!(i.version, ScormVersion::Scorm2004);
    assert!(has(&i, Severity::Warning, "no-schemaversion"));

    let i = edge("ContentPackagingWithMetadata_SCORM12").unwrap();
    assert_eq!(i.version, ScormVersion::Scorm12);
    assert_eq!(i.errors().count(), 0, "{:?}", i.findings);

    let i = edge("InvalidFileReferences_SCORM12").unwrap();
    assert!(has(&i, Severity::Warning, "missing-files"));
    assert!(has(&i, Severity::Error, "launch-file-missing"));
    assert!(
        i.first_launch().is_none(),
        "the missing SCO is not launched"
    );

    let i = edge("InvalidMissingOrgIdentifier_SCORM20043rdEdition").unwrap();
    assert!(has(&i, Severity::Error, "missing-identifier"));

    let i = edge("ItemWithNonExistentResourceId_SCORM12").unwrap();
    assert!(has(&i, Severity::Warning, "missing-resource"));
    assert_eq!(i.scos.len(), 1);

    let i = edge("LaunchUrlFromNestedItem_SCORM12").unwrap();
    assert_eq!(i.first_launch().unwrap().launch, "content/topic1.html");

    let r = edge("MalformedXml_SCORM12").unwrap_err();
    assert_eq!(r.code, "manifest-not-xml");
    assert!(r.reason.contains("line 27"), "{}", r.reason);

    let i = edge("MinimalValid_SCORM20043rdEdition").unwrap();
    assert_eq!(i.version, ScormVersion::Scorm2004Third);

    let i = edge("MissingLaunchUrl_SCORM12").unwrap();
    assert!(has(&i, Severity::Error, "no-launch-file"));

    let i = edge("MissingRequiredFields_SCORM12").unwrap();
    assert!(has(&i, Severity::Warning, "missing-title"));

    let i = edge("MultipleItemsWithIdentifierRef_SCORM12").unwrap();
    assert_eq!(i.first_launch().unwrap().launch, "content/item1.html");
    assert_eq!(i.scos.len(), 3);

    let i = edge("PrerequisitesTest_SCORM12").unwrap();
    assert!(has(&i, Severity::Warning, "foreign-element"));
    let items = &i.organizations[0].items;
    assert!(items.iter().any(|it| it.prerequisites.is_some()));
    assert!(items.iter().any(|it| it.mastery_score.is_some()));
}

#[test]
fn every_adl_conformance_manifest_reads_as_2004_4th_edition() {
    let tmp = tempfile::tempdir().unwrap();
    let mut z = zip::ZipArchive::new(
        std::fs::File::open(kit().join("adl-cts/LMSRTE-Courses.zip")).unwrap(),
    )
    .unwrap();
    z.extract(tmp.path()).unwrap();
    let mut count = 0;
    for e in std::fs::read_dir(tmp.path()).unwrap() {
        let dir = e.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let Some(test_case) = name.strip_prefix("LMSTestPackage_") else {
            continue;
        };
        let i = inspect_dir(&dir).unwrap_or_else(|r| panic!("{name}: {r}"));
        assert_eq!(i.version, ScormVersion::Scorm2004Fourth, "{name}");
        assert!(!i.scos.is_empty() || !i.assets.is_empty(), "{name}");
        for s in i.scos.iter().chain(&i.assets) {
            // Each launch names the test script and activity: ?tc=CM-01&act=2 (DDMa and
            // DDMb share the script DDM).
            let tc = s
                .launch
                .split("tc=")
                .nth(1)
                .and_then(|r| r.split('&').next())
                .unwrap_or("");
            assert!(
                !tc.is_empty() && test_case.starts_with(tc) && s.launch.contains("&act="),
                "{name}: {}",
                s.launch
            );
        }
        count += 1;
    }
    assert_eq!(count, 189);
    let api = inspect_dir(&tmp.path().join("LMSTestPackage_API")).unwrap();
    assert_eq!(api.scos[0].launch, "resources/APIRTETest1.htm?tc=API&act=2");
    assert!(api.scos[0].launchable);
}

#[test]
fn a_2004_attempt_duration_limit_is_read_as_the_max_time_allowed() {
    let manifest = r#"<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>T</title>
    <item identifier="i" identifierref="r"><title>Timed</title>
      <imsss:sequencing><imsss:limitConditions attemptAbsoluteDurationLimit="PT30M"/></imsss:sequencing>
    </item></organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="index.html"><file href="index.html"/></resource></resources>
</manifest>"#;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("imsmanifest.xml"), manifest).unwrap();
    std::fs::write(dir.path().join("index.html"), "x").unwrap();
    let i = inspect_dir(dir.path()).unwrap();
    let item = &i.organizations[0].items[0];
    assert_eq!(item.max_time_allowed.as_deref(), Some("PT30M"));
    assert!(item.sequencing);
}

#[test]
fn the_report_renders_itself_with_hostile_titles_escaped() {
    let manifest = r#"<?xml version="1.0"?>
<manifest identifier="m&#x1b;]0;pwned&#x7;" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Fire &#x1b;[2J&#x202e;safety</title>
    <item identifier="i" identifierref="r"><title>Start&#x0d;Evil</title></item></organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html"><file href="index.html"/></resource></resources>
</manifest>"#;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("imsmanifest.xml"), manifest).unwrap();
    std::fs::write(dir.path().join("index.html"), "x").unwrap();
    let report = inspect_dir(dir.path()).unwrap().to_string();
    assert!(
        !report
            .chars()
            .any(|c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c)),
        "{report:?}"
    );
    assert!(
        report.starts_with(
            "SCORM 1.2 package \"Fire \\u{1b}[2J\\u{202e}safety\" (m\\u{1b}]0;pwned\\u{7})\n"
        ),
        "{report}"
    );
    assert!(
        report.contains("    1. Start\\u{d}Evil -> index.html\n"),
        "{report}"
    );
    assert!(
        report.contains("  warning[no-schema-location]: the manifest has no xsi:schemaLocation\n"),
        "{report}"
    );
}

#[test]
fn codes_keep_their_strings() {
    use packager::inspect::{FindingCode, RefusalCode};
    let released_refusals = [
        "absolute-path",
        "bad-name",
        "bad-zip",
        "dtd",
        "duplicate-entry",
        "encrypted",
        "entity",
        "entry-too-large",
        "manifest-not-at-root",
        "manifest-not-xml",
        "manifest-too-complex",
        "manifest-too-large",
        "no-manifest",
        "not-a-manifest",
        "not-a-zip",
        "not-scorm",
        "path-traversal",
        "size-lie",
        "symlink",
        "too-large",
        "too-many-entries",
        "zip-bomb",
    ];
    for s in released_refusals {
        let code: RefusalCode = s.parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(code.as_str(), s);
        assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{s}\""));
        assert_eq!(
            serde_json::from_str::<RefusalCode>(&format!("\"{s}\"")).unwrap(),
            code
        );
    }
    let released_findings = [
        "bad-default-organization",
        "bad-mastery-score",
        "foreign-element",
        "launch-file-missing",
        "missing-files",
        "missing-identifier",
        "missing-resource",
        "missing-title",
        "no-launch-file",
        "no-organization",
        "no-schema-location",
        "no-schemaversion",
        "nothing-to-launch",
        "path-case",
        "scormtype-spelling",
        "unknown-schemaversion",
        "version-mismatch",
    ];
    for s in released_findings {
        let code: FindingCode = s.parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((code.as_str(), code.to_string()), (s, s.to_string()));
    }
    let mut all: Vec<&str> = RefusalCode::ALL.iter().map(|c| c.as_str()).collect();
    all.extend(FindingCode::ALL.iter().map(|c| c.as_str()));
    let unique: std::collections::BTreeSet<_> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "no string names two codes");
    assert!("no-such-code".parse::<RefusalCode>().is_err());
}
