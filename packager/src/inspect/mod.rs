//! Reading any SCORM package: SCORM 1.2 and 2004 (2nd, 3rd and 4th editions), single
//! and multi-SCO. Hostile input is refused before anything is read from it (path
//! traversal, absolute paths, links, too many or too large entries, compression ratios
//! of zip bombs, DTDs and entities); the deviations real authoring tools produce are
//! tolerated and reported as warnings or errors in the [`Inspection`].

use std::collections::BTreeMap;
use std::io::{Read, Seek};
use std::path::Path;

use crate::archive::{CheckedArchive, Entry, ExtractError};

use serde::Serialize;

pub(crate) mod codes;
mod manifest;
mod report;
mod xml;

pub use codes::UnknownCode;
pub use report::Escaped;

use manifest::read_manifest;

/// Limits on what a package may hold. The defaults suit a marketplace upload.
///
/// Every limit is checked against what the archive declares before anything is
/// allocated or decompressed for it, and again against what decompression actually
/// produces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_entries: usize,
    pub max_entry_bytes: u64,
    pub max_total_bytes: u64,
    /// Entries larger than `ratio_floor_bytes` may expand at most this many times.
    pub max_ratio: u64,
    pub ratio_floor_bytes: u64,
    pub max_manifest_bytes: u64,
    /// The central directory (the zip's list of entries), in bytes.
    pub max_directory_bytes: u64,
    /// A whole entry name, in bytes (UTF-8).
    pub max_name_bytes: usize,
    /// One component of an entry name (a file or folder name), in bytes (UTF-8).
    pub max_component_bytes: usize,
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
            max_directory_bytes: 8 << 20,
            max_name_bytes: 1024,
            max_component_bytes: 255,
        }
    }
}

codes::stable_codes! {
    /// Why a package or archive was refused: a stable code, for storing and matching.
    pub enum RefusalCode {
        /// Not a zip at all (no end-of-central-directory record).
        NotAZip = "not-a-zip",
        /// A zip whose structure is inconsistent or cannot be read.
        BadZip = "bad-zip",
        /// The archive or an entry's data ends early.
        Truncated = "truncated",
        TooManyEntries = "too-many-entries",
        /// The central directory is larger than [`Limits::max_directory_bytes`].
        DirectoryTooLarge = "directory-too-large",
        EntryTooLarge = "entry-too-large",
        /// The entries together expand to more than [`Limits::max_total_bytes`].
        TooLarge = "too-large",
        ZipBomb = "zip-bomb",
        /// An entry is larger (or, stored, differently sized) than the zip declares.
        SizeLie = "size-lie",
        CrcMismatch = "crc-mismatch",
        /// A compression method other than stored or deflate.
        UnsupportedMethod = "unsupported-method",
        Encrypted = "encrypted",
        Symlink = "symlink",
        /// A device, pipe or socket.
        SpecialFile = "special-file",
        PathTraversal = "path-traversal",
        AbsolutePath = "absolute-path",
        /// An empty name, a control character, or a name marked UTF-8 that is not.
        BadName = "bad-name",
        /// A bidirectional override or isolate, which makes a name display as another.
        BidiName = "bidi-name",
        /// A name Windows reserves (`CON`, `LPT1.txt`, a trailing dot, a colon).
        ReservedName = "reserved-name",
        NameTooLong = "name-too-long",
        /// Two entries with one name, or names equal after case folding or NFC.
        DuplicateEntry = "duplicate-entry",
        /// The local header names an entry differently from the central directory.
        NameMismatch = "name-mismatch",
        /// The local header disagrees with the central directory on method, size or CRC.
        HeaderMismatch = "header-mismatch",
        /// Two entries share bytes (a zip bomb technique).
        OverlappingEntries = "overlapping-entries",
        /// [`CheckedArchive::read`](crate::archive::CheckedArchive::read) of a name the
        /// archive does not hold.
        NotFound = "not-found",
        NoManifest = "no-manifest",
        ManifestNotAtRoot = "manifest-not-at-root",
        NotScorm = "not-scorm",
        ManifestTooLarge = "manifest-too-large",
        ManifestNotXml = "manifest-not-xml",
        NotAManifest = "not-a-manifest",
        Dtd = "dtd",
        Entity = "entity",
        ManifestTooComplex = "manifest-too-complex",
    }
}

/// Why a package was refused. Nothing of a refused package is used.
///
/// Displays as `refused[code]: reason`, with control and bidirectional characters
/// escaped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// A stable name for the kind of refusal (`path-traversal`, `zip-bomb`, ...).
    pub code: RefusalCode,
    pub reason: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "refused[{}]: {}", self.code, Escaped(&self.reason))
    }
}

impl std::error::Error for Refusal {}

pub(crate) fn refuse(code: RefusalCode, reason: impl Into<String>) -> Refusal {
    Refusal {
        code,
        reason: reason.into(),
    }
}

codes::stable_codes! {
    /// What a [`Finding`] is about: a stable code, for storing and matching.
    pub enum FindingCode {
        VersionMismatch = "version-mismatch",
        UnknownSchemaversion = "unknown-schemaversion",
        NoSchemaversion = "no-schemaversion",
        NoSchemaLocation = "no-schema-location",
        ScormtypeSpelling = "scormtype-spelling",
        ForeignElement = "foreign-element",
        MissingIdentifier = "missing-identifier",
        MissingTitle = "missing-title",
        BadDefaultOrganization = "bad-default-organization",
        NoOrganization = "no-organization",
        PathCase = "path-case",
        MissingFiles = "missing-files",
        /// A `<file href>` that climbs out of the package, is absolute, or has a scheme.
        FileOutsidePackage = "file-outside-package",
        MissingResource = "missing-resource",
        NoLaunchFile = "no-launch-file",
        LaunchFileMissing = "launch-file-missing",
        /// A launch address that climbs out of the package (`../`).
        LaunchOutsidePackage = "launch-outside-package",
        /// A launch address that is an absolute path (`/x`): the player's own site.
        LaunchAbsolutePath = "launch-absolute-path",
        /// A launch address on another site (`https://`, `//host`).
        LaunchRemote = "launch-remote",
        /// A launch address with a scheme such as `javascript:`, `data:` or `file:`.
        LaunchScheme = "launch-scheme",
        NothingToLaunch = "nothing-to-launch",
        BadMasteryScore = "bad-mastery-score",
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
    pub code: FindingCode,
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
    /// What the player opens, as a URL: for a file in the package, its path relative to
    /// the package's root, percent-encoded (spaces, `#`, `?`, `%`, non-ASCII), followed
    /// by the address's own query and the item's parameters; for another site, the
    /// address as written. For an address that is not launchable, as written.
    pub launch: String,
    /// `false` when the address does not lead to a file in the package (missing,
    /// climbing out, absolute, a `javascript:` or other scheme); a finding says why.
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

/// Inspects a package zip, writing nothing.
///
/// The zip is opened as a [`CheckedArchive`] (every entry's name, type, method and
/// declared sizes checked), then every entry is decompressed under streaming limits and
/// its actual size and CRC-32 checked, so a package with one corrupt file is refused.
/// Only the manifest's bytes are kept.
///
/// ```
/// use std::io::{Cursor, Write};
/// use packager::inspect::{inspect_zip, Limits, RefusalCode};
///
/// let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
/// zip.start_file("../../etc/cron.d/job", zip::write::SimpleFileOptions::default()).unwrap();
/// zip.write_all(b"* * * * * root evil").unwrap();
/// let bytes = zip.finish().unwrap().into_inner();
/// let refused = inspect_zip(Cursor::new(bytes), &Limits::default()).unwrap_err();
/// assert_eq!(refused.code, RefusalCode::PathTraversal);
/// assert_eq!(refused.code.as_str(), "path-traversal");
/// ```
pub fn inspect_zip<R: Read + Seek>(reader: R, limits: &Limits) -> Result<Inspection, Refusal> {
    let mut archive = CheckedArchive::open(reader, limits)?;
    let files: FileSet = archive
        .entries()
        .iter()
        .map(|e| (e.name.clone(), e.size))
        .collect();
    let manifest_name = find_manifest(&files)?;
    let declared = files[&manifest_name];
    if declared > limits.max_manifest_bytes {
        return Err(refuse(
            RefusalCode::ManifestTooLarge,
            format!(
                "imsmanifest.xml is {declared} bytes; at most {} are accepted",
                limits.max_manifest_bytes
            ),
        ));
    }
    let mut xml = Vec::new();
    archive
        .extract_with(&mut |entry: &Entry, data: &mut dyn Read| {
            if entry.name == manifest_name {
                data.read_to_end(&mut xml)?;
            } else {
                std::io::copy(data, &mut std::io::sink())?;
            }
            Ok(())
        })
        .map_err(ExtractError::into_refusal)?;
    read_manifest(&xml, &files)
}

/// Reads a manifest against a package's files (path → size), as [`inspect_zip`] and
/// [`inspect_dir`] do once they have checked the files: for callers that hold the files
/// elsewhere, and for fuzzing the manifest reader.
pub fn inspect_manifest(xml: &[u8], files: &BTreeMap<String, u64>) -> Result<Inspection, Refusal> {
    read_manifest(xml, files)
}

/// Inspects an unpacked package folder (for packages already extracted, and test suites).
pub fn inspect_dir(dir: &Path) -> Result<Inspection, Refusal> {
    let mut files = FileSet::new();
    for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if e.file_type().is_symlink() {
            return Err(refuse(
                RefusalCode::Symlink,
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
            RefusalCode::NoManifest,
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
            RefusalCode::ManifestNotAtRoot,
            format!(
                "imsmanifest.xml is in the folder {folder}/, not at the top of the zip: zip the contents of that folder instead"
            ),
        ));
    }
    if files.keys().any(|k| {
        k.to_ascii_lowercase().ends_with(".au") || k.to_ascii_lowercase().ends_with(".crs")
    }) {
        return Err(refuse(
            RefusalCode::NotScorm,
            "this looks like an AICC package (.au/.crs files), not SCORM: it has no imsmanifest.xml",
        ));
    }
    if files.keys().any(|k| k.eq_ignore_ascii_case("cmi5.xml")) {
        return Err(refuse(
            RefusalCode::NotScorm,
            "this is a cmi5 package (cmi5.xml), not SCORM: it has no imsmanifest.xml",
        ));
    }
    if files.keys().any(|k| k.eq_ignore_ascii_case("index.html")) {
        return Err(refuse(
            RefusalCode::NotScorm,
            "this is a web package (index.html, no imsmanifest.xml), not SCORM: an LMS cannot track it; package the course as SCORM (`course package --format scorm2004`)",
        ));
    }
    Err(refuse(
        RefusalCode::NoManifest,
        "there is no imsmanifest.xml at the top of the zip, so this is not a SCORM package",
    ))
}
