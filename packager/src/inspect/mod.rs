//! Reading any SCORM package: SCORM 1.2 and 2004 (2nd, 3rd and 4th editions), single
//! and multi-SCO. Hostile input is refused before anything is read from it (path
//! traversal, absolute paths, links, too many or too large entries, compression ratios
//! of zip bombs, DTDs and entities); the deviations real authoring tools produce are
//! tolerated and reported as warnings or errors in the [`Inspection`].

use std::collections::BTreeMap;
use std::io::{Read, Seek};
use std::path::Path;

use serde::Serialize;

mod manifest;
mod xml;

use manifest::read_manifest;

/// Limits on what a package may hold. The defaults suit a marketplace upload.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_entries: usize,
    pub max_entry_bytes: u64,
    pub max_total_bytes: u64,
    /// Entries larger than `ratio_floor_bytes` may expand at most this many times.
    pub max_ratio: u64,
    pub ratio_floor_bytes: u64,
    pub max_manifest_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_entries: 20_000,
            max_entry_bytes: 1 << 30,
            max_total_bytes: 4 << 30,
            max_ratio: 100,
            ratio_floor_bytes: 1 << 20,
            max_manifest_bytes: 16 << 20,
        }
    }
}

/// Why a package was refused. Nothing of a refused package is used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{reason}")]
pub struct Refusal {
    /// A stable name for the kind of refusal (`path-traversal`, `zip-bomb`, ...).
    pub code: &'static str,
    pub reason: String,
}

fn refuse(code: &'static str, reason: impl Into<String>) -> Refusal {
    Refusal {
        code,
        reason: reason.into(),
    }
}

/// Which SCORM a package is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ScormVersion {
    #[serde(rename = "1.2")]
    Scorm12,
    #[serde(rename = "2004 2nd Edition")]
    Scorm2004Second,
    #[serde(rename = "2004 3rd Edition")]
    Scorm2004Third,
    #[serde(rename = "2004 4th Edition")]
    Scorm2004Fourth,
    /// 2004 by its namespaces, with no schemaversion to tell the edition.
    #[serde(rename = "2004")]
    Scorm2004,
}

impl ScormVersion {
    pub fn is_2004(self) -> bool {
        self != ScormVersion::Scorm12
    }

    pub fn label(self) -> &'static str {
        match self {
            ScormVersion::Scorm12 => "SCORM 1.2",
            ScormVersion::Scorm2004Second => "SCORM 2004 2nd Edition",
            ScormVersion::Scorm2004Third => "SCORM 2004 3rd Edition",
            ScormVersion::Scorm2004Fourth => "SCORM 2004 4th Edition",
            ScormVersion::Scorm2004 => "SCORM 2004 (edition not stated)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A deviation from the specification found in a package that was not refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Metadata {
    /// An external metadata file named by `adlcp:location`, instead of or beside inline LOM.
    pub location: Option<String>,
    pub schema: Option<String>,
    pub schemaversion: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Organization {
    pub identifier: String,
    pub title: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub identifier: String,
    pub title: String,
    pub identifierref: Option<String>,
    pub parameters: Option<String>,
    pub visible: bool,
    /// SCORM 1.2 `adlcp:masteryscore` (0-100).
    pub mastery_score: Option<f64>,
    /// SCORM 2004 primary objective's `minNormalizedMeasure`, when satisfied by measure.
    pub scaled_passing_score: Option<f64>,
    pub data_from_lms: Option<String>,
    pub max_time_allowed: Option<String>,
    pub time_limit_action: Option<String>,
    pub completion_threshold: Option<String>,
    pub prerequisites: Option<String>,
    pub sequencing: bool,
    pub children: Vec<Item>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScormType {
    Sco,
    Asset,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub identifier: String,
    pub kind: String,
    pub scorm_type: ScormType,
    pub href: Option<String>,
    pub base: Option<String>,
    pub files: Vec<String>,
    pub dependencies: Vec<String>,
}

/// A launchable SCO: an item whose resource is a SCO, in the organisation's order.
#[derive(Debug, Clone, Serialize)]
pub struct Sco {
    pub item: String,
    pub title: String,
    pub resource: String,
    /// The path inside the package, with the item's parameters: what the player opens.
    pub launch: String,
    /// `false` when the launch file is missing from the package.
    pub launchable: bool,
}

/// What a package holds.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub version: ScormVersion,
    pub identifier: String,
    pub metadata: Metadata,
    pub default_organization: Option<String>,
    pub organizations: Vec<Organization>,
    pub resources: Vec<Resource>,
    /// SCOs in launch order (the default organisation's items, depth first).
    pub scos: Vec<Sco>,
    /// Assets that items launch directly (not tracked).
    pub assets: Vec<Sco>,
    pub sequencing: bool,
    pub file_count: usize,
    pub total_bytes: u64,
    pub findings: Vec<Finding>,
}

impl Inspection {
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }

    /// The first SCO a player should launch.
    pub fn first_launch(&self) -> Option<&Sco> {
        self.scos.iter().find(|s| s.launchable)
    }
}

/// The files of a package: path → uncompressed size.
type FileSet = BTreeMap<String, u64>;

/// Checks every entry of a zip against `limits`. Nothing is decompressed here.
fn check_entries<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    limits: &Limits,
) -> Result<FileSet, Refusal> {
    if zip.len() > limits.max_entries {
        return Err(refuse(
            "too-many-entries",
            format!(
                "the package has {} files; at most {} are accepted",
                zip.len(),
                limits.max_entries
            ),
        ));
    }
    let mut files = FileSet::new();
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|e| refuse("bad-zip", format!("entry {i} cannot be read: {e}")))?;
        let raw = String::from_utf8_lossy(f.name_raw()).into_owned();
        let name = raw.replace('\\', "/");
        if name.contains('\0') {
            return Err(refuse(
                "bad-name",
                format!("entry {raw:?} has a NUL character in its name"),
            ));
        }
        if name.starts_with('/') || name.as_bytes().get(1) == Some(&b':') {
            return Err(refuse(
                "absolute-path",
                format!("entry {raw:?} has an absolute path"),
            ));
        }
        if name.split('/').any(|part| part == "..") {
            return Err(refuse(
                "path-traversal",
                format!("entry {raw:?} points outside the package (path traversal)"),
            ));
        }
        let mode = f.unix_mode().unwrap_or(0);
        if f.is_symlink() || mode & 0o170000 == 0o120000 {
            return Err(refuse(
                "symlink",
                format!("entry {raw:?} is a symbolic link"),
            ));
        }
        if f.encrypted() {
            return Err(refuse("encrypted", format!("entry {raw:?} is encrypted")));
        }
        if f.is_dir() {
            continue;
        }
        let size = f.size();
        if size > limits.max_entry_bytes {
            return Err(refuse(
                "entry-too-large",
                format!(
                    "entry {raw:?} is {} MB; at most {} MB per file",
                    size >> 20,
                    limits.max_entry_bytes >> 20
                ),
            ));
        }
        total = total.saturating_add(size);
        if total > limits.max_total_bytes {
            return Err(refuse(
                "too-large",
                format!(
                    "the package expands to more than {} MB",
                    limits.max_total_bytes >> 20
                ),
            ));
        }
        let packed = f.compressed_size().max(1);
        if size > limits.ratio_floor_bytes && size / packed > limits.max_ratio {
            return Err(refuse(
                "zip-bomb",
                format!(
                    "entry {raw:?} expands {}-fold ({} bytes to {}), as zip bombs do",
                    size / packed,
                    packed,
                    size
                ),
            ));
        }
        if files.insert(name.clone(), size).is_some() {
            return Err(refuse(
                "duplicate-entry",
                format!("entry {raw:?} appears twice"),
            ));
        }
    }
    Ok(files)
}

/// Inspects a package zip. Reads only the manifest; writes nothing.
///
/// ```
/// use std::io::{Cursor, Write};
/// use packager::inspect::{inspect_zip, Limits};
///
/// let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
/// zip.start_file("../../etc/cron.d/job", zip::write::SimpleFileOptions::default()).unwrap();
/// zip.write_all(b"* * * * * root evil").unwrap();
/// let bytes = zip.finish().unwrap().into_inner();
/// let refused = inspect_zip(Cursor::new(bytes), &Limits::default()).unwrap_err();
/// assert_eq!(refused.code, "path-traversal");
/// ```
pub fn inspect_zip<R: Read + Seek>(reader: R, limits: &Limits) -> Result<Inspection, Refusal> {
    let mut zip = zip::ZipArchive::new(reader)
        .map_err(|e| refuse("not-a-zip", format!("not a zip file: {e}")))?;
    let files = check_entries(&mut zip, limits)?;
    let manifest_name = find_manifest(&files)?;
    let declared = files[&manifest_name];
    if declared > limits.max_manifest_bytes {
        return Err(refuse(
            "manifest-too-large",
            format!("imsmanifest.xml is {declared} bytes"),
        ));
    }
    let index = (0..zip.len())
        .find(|&i| {
            zip.by_index_raw(i)
                .ok()
                .and_then(|f| f.name().ok().map(|n| n.replace('\\', "/") == manifest_name))
                .unwrap_or(false)
        })
        .ok_or_else(|| refuse("no-manifest", "imsmanifest.xml cannot be found"))?;
    let entry = zip
        .by_index(index)
        .map_err(|e| refuse("bad-zip", format!("imsmanifest.xml cannot be read: {e}")))?;
    // Never trust the declared size: read one byte more than it promises.
    let mut xml = Vec::new();
    entry
        .take(declared + 1)
        .read_to_end(&mut xml)
        .map_err(|e| {
            refuse(
                "bad-zip",
                format!("imsmanifest.xml cannot be decompressed: {e}"),
            )
        })?;
    if xml.len() as u64 > declared {
        return Err(refuse(
            "size-lie",
            "imsmanifest.xml is larger than the zip says it is",
        ));
    }
    read_manifest(&xml, &files)
}

/// Inspects an unpacked package folder (for packages already extracted, and test suites).
pub fn inspect_dir(dir: &Path) -> Result<Inspection, Refusal> {
    let mut files = FileSet::new();
    for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if e.file_type().is_symlink() {
            return Err(refuse(
                "symlink",
                format!("{} is a symbolic link", e.path().display()),
            ));
        }
        if e.file_type().is_file() {
            let name = crate::archive::zip_name(e.path().strip_prefix(dir).unwrap_or(e.path()));
            files.insert(name, e.metadata().map(|m| m.len()).unwrap_or(0));
        }
    }
    let manifest_name = find_manifest(&files)?;
    let xml = std::fs::read(dir.join(&manifest_name)).map_err(|e| {
        refuse(
            "no-manifest",
            format!("imsmanifest.xml cannot be read: {e}"),
        )
    })?;
    read_manifest(&xml, &files)
}

fn find_manifest(files: &FileSet) -> Result<String, Refusal> {
    if files.contains_key("imsmanifest.xml") {
        return Ok("imsmanifest.xml".into());
    }
    if let Some(other) = files
        .keys()
        .find(|k| !k.contains('/') && k.eq_ignore_ascii_case("imsmanifest.xml"))
    {
        return Ok(other.clone());
    }
    if let Some(nested) = files.keys().find(|k| {
        k.rsplit('/')
            .next()
            .is_some_and(|n| n.eq_ignore_ascii_case("imsmanifest.xml"))
    }) {
        let folder = nested.rsplit_once('/').map(|(f, _)| f).unwrap_or("");
        return Err(refuse(
            "manifest-not-at-root",
            format!(
                "imsmanifest.xml is in the folder {folder}/, not at the top of the zip: zip the contents of that folder instead"
            ),
        ));
    }
    if files.keys().any(|k| {
        k.to_ascii_lowercase().ends_with(".au") || k.to_ascii_lowercase().ends_with(".crs")
    }) {
        return Err(refuse(
            "not-scorm",
            "this looks like an AICC package (.au/.crs files), not SCORM: it has no imsmanifest.xml",
        ));
    }
    if files.keys().any(|k| k.eq_ignore_ascii_case("cmi5.xml")) {
        return Err(refuse(
            "not-scorm",
            "this is a cmi5 package (cmi5.xml), not SCORM: it has no imsmanifest.xml",
        ));
    }
    Err(refuse(
        "no-manifest",
        "there is no imsmanifest.xml at the top of the zip, so this is not a SCORM package",
    ))
}
