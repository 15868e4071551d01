//! A built web course (its files in memory) to a package: SCORM 1.2, SCORM 2004 4th
//! Edition, or the plain web course. SCORM packages get a launch page that holds the LMS session and
//! shows the course's pages in a frame, the tracking adapter, and the manifest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::commit::{self, CommitFacts, CommitTooLarge, InteractionCaps};
use crate::{archive, manifest};

/// The tracking adapter: the course runtime's tracking interface over the SCORM API.
pub const ADAPTER_JS: &str = include_str!("../runtime/scorm.js");
pub const ADAPTER_PATH: &str = "assets/scorm.js";

/// A built web course in memory: each file's path in the course (`/`-separated, relative,
/// as it will be named in the zip) → its contents.
pub type SiteFiles = BTreeMap<String, Vec<u8>>;

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Scorm12,
    Scorm2004,
    Web,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Scorm12, Format::Scorm2004, Format::Web];

    pub fn name(self) -> &'static str {
        match self {
            Format::Scorm12 => "scorm12",
            Format::Scorm2004 => "scorm2004",
            Format::Web => "web",
        }
    }

    /// The most suspend data the format lets a course store, in characters.
    pub fn suspend_limit(self) -> Option<usize> {
        match self {
            Format::Scorm12 => Some(4096),
            Format::Scorm2004 => Some(64_000),
            Format::Web => None,
        }
    }
}

/// When a learner has completed a course: the rule decides which status an LMS records,
/// and so what the manifest declares (a SCORM 1.2 LMS sets `passed` or `failed` from the
/// score alone when the manifest has a mastery score).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum CompletionRule {
    /// Every page viewed; an assessment, if any, does not decide completion.
    #[default]
    AllPages,
    /// The assessment passed.
    Assessment,
    /// Every page viewed and the assessment passed.
    Both,
}

/// What the packager needs to know about the course, beside its files.
#[derive(Debug, Clone, Serialize)]
pub struct PackageMeta {
    pub id: String,
    pub title: String,
    pub version: String,
    pub language: String,
    pub summary: String,
    pub author: String,
    /// The assessment's pass mark in percent, when the course has an assessment.
    pub pass_mark: Option<u32>,
    /// What completes the course.
    pub rule: CompletionRule,
    /// The worst cases of what the course sends to the LMS, for the commit budget.
    pub commit: CommitFacts,
    /// The most characters of suspend data the course can ever store.
    pub worst_case_suspend_chars: usize,
    /// The most a package may weigh, in kilobytes.
    pub size_budget_kb: Option<u64>,
}

impl PackageMeta {
    /// A small example, for tests and documentation.
    pub fn example() -> Self {
        Self {
            id: "hand-hygiene".into(),
            title: "Hand hygiene".into(),
            version: "1.0.0".into(),
            language: "en-GB".into(),
            summary: "When and how to clean your hands.".into(),
            author: "IPC team".into(),
            pass_mark: Some(80),
            rule: CompletionRule::Assessment,
            commit: CommitFacts {
                suspend_bytes: 1_000,
                checks: 4,
                per_attempt: 10,
                interaction_bytes: 400,
            },
            worst_case_suspend_chars: 500,
            size_budget_kb: None,
        }
    }
}

/// A written package.
#[derive(Debug, Clone)]
pub struct Package {
    pub format: Format,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// Why a package could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error(
        "the course could store up to {worst} characters of progress (suspend data), more than {format} allows ({limit}); \
         package it as SCORM 2004 (`--format scorm2004`), which keeps more, split it into smaller courses, or use fewer questions or pages"
    )]
    SuspendTooLarge {
        format: &'static str,
        worst: usize,
        limit: usize,
    },
    #[error("{format}: {source}")]
    CommitTooLarge {
        format: &'static str,
        source: CommitTooLarge,
    },
    #[error(
        "the {format} package is {size_kb} KB, over the course's size budget of {budget_kb} KB"
    )]
    OverBudget {
        format: &'static str,
        size_kb: u64,
        budget_kb: u64,
    },
    #[error("cannot read the built course at {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the zip: {0}")]
    Zip(#[from] zip::result::ZipError),
}

/// Packages the built course `site` (all its files, in memory: nothing is read from
/// disk, so one build can be packaged in every format).
pub fn package(
    site: &SiteFiles,
    meta: &PackageMeta,
    format: Format,
) -> Result<Package, PackageError> {
    if let Some(limit) = format.suspend_limit()
        && meta.worst_case_suspend_chars > limit
    {
        return Err(PackageError::SuspendTooLarge {
            format: format.name(),
            worst: meta.worst_case_suspend_chars,
            limit,
        });
    }
    let caps =
        commit::plan(&meta.commit, format).map_err(|source| PackageError::CommitTooLarge {
            format: format.name(),
            source,
        })?;
    let mut files = site.clone();
    let version = match format {
        Format::Scorm12 => Some("1.2"),
        Format::Scorm2004 => Some("2004"),
        Format::Web => None,
    };
    if let Some(v) = version {
        files.insert(
            manifest::LAUNCH_FILE.into(),
            launch_page(meta, v, caps).into_bytes(),
        );
        files.insert(ADAPTER_PATH.into(), ADAPTER_JS.as_bytes().to_vec());
        let listed: Vec<String> = files.keys().cloned().collect();
        let xml = match format {
            Format::Scorm12 => manifest::scorm12(meta, &listed),
            _ => manifest::scorm2004(meta, &listed),
        };
        files.insert("imsmanifest.xml".into(), xml.into_bytes());
    }
    let bytes = archive::write_zip(&files)?;
    let size_kb = (bytes.len() as u64).div_ceil(1024);
    if let Some(budget_kb) = meta.size_budget_kb
        && size_kb > budget_kb
    {
        return Err(PackageError::OverBudget {
            format: format.name(),
            size_kb,
            budget_kb,
        });
    }
    Ok(Package {
        format,
        file_name: format!("{}-{}-{}.zip", meta.id, meta.version, format.name()),
        sha256: archive::sha256_hex(&bytes),
        bytes,
    })
}

/// Reads a built web course from a folder into memory, for [`package`]. Symbolic links
/// are not followed.
pub fn read_site_dir(dir: &Path) -> Result<SiteFiles, PackageError> {
    let mut files = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.map_err(|e| PackageError::Read {
            path: dir.to_path_buf(),
            source: e.into(),
        })?;
        if !e.file_type().is_file() {
            continue;
        }
        let name = archive::zip_name(e.path().strip_prefix(dir).unwrap_or(e.path()));
        let bytes = std::fs::read(e.path()).map_err(|source| PackageError::Read {
            path: e.path().to_path_buf(),
            source,
        })?;
        files.insert(name, bytes);
    }
    Ok(files)
}

/// The SCO: holds the LMS session for the whole visit and shows the course's pages in
/// a frame, so that moving between pages does not end the session.
/// `caps` tell the adapter how many interactions it may journal.
fn launch_page(meta: &PackageMeta, version: &str, caps: InteractionCaps) -> String {
    let title = manifest::xml_escape(&meta.title);
    let settings = serde_json::json!({ "version": version, "interactions": caps });
    format!(
        r#"<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>html,body{{margin:0;height:100%;overflow:hidden}}iframe{{display:block;border:0;width:100%;height:100%}}</style>
</head>
<body>
<iframe id="course-frame" title="{title}" src="about:blank"></iframe>
<script>window.COURSE_SCORM = {settings};</script>
<script src="{adapter}"></script>
</body>
</html>
"#,
        lang = manifest::xml_escape(&meta.language),
        adapter = ADAPTER_PATH,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_a_site_held_in_memory() {
        let mut site = SiteFiles::new();
        site.insert(
            "index.html".into(),
            b"<!DOCTYPE html><title>x</title>".to_vec(),
        );
        site.insert("media/a b.png".into(), vec![1, 2, 3]);
        let meta = PackageMeta::example();
        for format in Format::ALL {
            let p = package(&site, &meta, format).unwrap();
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&p.bytes)).unwrap();
            assert!(zip.by_name("index.html").is_ok(), "{format:?}");
            assert!(zip.by_name("media/a b.png").is_ok(), "{format:?}");
            assert_eq!(
                zip.by_name("imsmanifest.xml").is_ok(),
                format != Format::Web
            );
        }
        // The caller's files are not changed.
        assert_eq!(site.len(), 2);
    }
}
