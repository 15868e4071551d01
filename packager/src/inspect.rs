//! Reading any SCORM package: SCORM 1.2 and 2004 (2nd, 3rd and 4th editions), single
//! and multi-SCO. Hostile input is refused before anything is read from it (path
//! traversal, absolute paths, links, too many or too large entries, compression ratios
//! of zip bombs, DTDs and entities); the deviations real authoring tools produce are
//! tolerated and reported as warnings or errors in the [`Inspection`].

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek};
use std::path::Path;

use quick_xml::events::Event;
use serde::Serialize;

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

/// A parsed XML element: local names only (namespaces are matched loosely, as real
/// tools get them wrong), with the namespace declarations kept for version detection.
#[derive(Debug, Default)]
struct Element {
    name: String,
    /// (local name, value); prefixed attributes keep their local name only.
    attrs: Vec<(String, String)>,
    /// Namespace declarations on this element: (prefix or "", URI).
    namespaces: Vec<(String, String)>,
    /// Attributes as written, with prefixes: for spelling checks (`adlcp:scormtype`).
    raw_attr_names: Vec<String>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |c| c.name.eq_ignore_ascii_case(name))
    }

    fn descendants<'a>(&'a self, out: &mut Vec<&'a Element>) {
        for c in &self.children {
            out.push(c);
            c.descendants(out);
        }
    }

    /// Text of the first `string` or `langstring` below this element (LOM).
    fn lom_string(&self) -> Option<String> {
        let mut all = Vec::new();
        self.descendants(&mut all);
        all.iter()
            .find(|e| {
                e.name.eq_ignore_ascii_case("string") || e.name.eq_ignore_ascii_case("langstring")
            })
            .map(|e| e.text.trim().to_string())
            .or_else(|| (!self.text.trim().is_empty()).then(|| self.text.trim().to_string()))
    }
}

const MAX_DEPTH: usize = 64;
const MAX_ELEMENTS: usize = 200_000;

fn parse_xml(bytes: &[u8]) -> Result<Element, Refusal> {
    let text = decode(bytes)?;
    let mut reader = quick_xml::Reader::from_str(&text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut count = 0usize;
    let bad = |reader: &quick_xml::Reader<&[u8]>, e: &dyn std::fmt::Display| {
        let pos = reader.buffer_position() as usize;
        let line = text.as_bytes()[..pos.min(text.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        refuse(
            "manifest-not-xml",
            format!("imsmanifest.xml is not well-formed XML (line {line}): {e}"),
        )
    };
    loop {
        let ev = reader.read_event().map_err(|e| bad(&reader, &e))?;
        match ev {
            Event::DocType(_) => {
                return Err(refuse(
                    "dtd",
                    "imsmanifest.xml declares a DTD; manifests with DTDs or custom entities are refused, as they can expand without limit",
                ));
            }
            Event::Start(e) => {
                count += 1;
                if count > MAX_ELEMENTS || stack.len() > MAX_DEPTH {
                    return Err(refuse(
                        "manifest-too-complex",
                        "imsmanifest.xml is nested too deeply or has too many elements",
                    ));
                }
                stack.push(element(&e).map_err(|err| bad(&reader, &err))?);
            }
            Event::Empty(e) => {
                count += 1;
                let el = element(&e).map_err(|err| bad(&reader, &err))?;
                stack.last_mut().expect("root").children.push(el);
            }
            Event::End(_) => {
                let done = stack.pop().expect("balanced by the parser");
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => {
                        return Err(refuse(
                            "manifest-not-xml",
                            "imsmanifest.xml has an unmatched end tag",
                        ));
                    }
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let name = r.xml10_content();
                let c = match name.as_ref() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "apos" => Some('\''),
                    "quot" => Some('"'),
                    n if n.starts_with("#x") => u32::from_str_radix(&n[2..], 16)
                        .ok()
                        .and_then(char::from_u32),
                    n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
                    _ => None,
                };
                match c {
                    Some(c) => {
                        if let Some(top) = stack.last_mut() {
                            top.text.push(c);
                        }
                    }
                    None => {
                        return Err(refuse(
                            "entity",
                            format!(
                                "imsmanifest.xml uses the undefined entity &{name};; entities are refused"
                            ),
                        ));
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(refuse(
            "manifest-not-xml",
            "imsmanifest.xml is not well-formed XML: an element is never closed",
        ));
    }
    let mut root = stack.pop().expect("document");
    match root.children.len() {
        1 => Ok(root.children.remove(0)),
        0 => Err(refuse(
            "manifest-not-xml",
            "imsmanifest.xml has no root element",
        )),
        _ => Err(refuse(
            "manifest-not-xml",
            "imsmanifest.xml has more than one root element",
        )),
    }
}

/// An element's name and attributes, with namespace declarations set apart.
fn element(e: &quick_xml::events::BytesStart<'_>) -> Result<Element, quick_xml::Error> {
    let mut el = Element {
        name: e.local_name().as_ref().to_string(),
        ..Element::default()
    };
    for a in e.attributes() {
        let a = a.map_err(quick_xml::Error::from)?;
        let key = a.key.as_ref().to_string();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)?
            .into_owned();
        if key == "xmlns" {
            el.namespaces.push((String::new(), value));
        } else if let Some(prefix) = key.strip_prefix("xmlns:") {
            el.namespaces.push((prefix.to_string(), value));
        } else {
            el.raw_attr_names.push(key);
            let local = a.key.local_name().as_ref().to_string();
            el.attrs.push((local, value));
        }
    }
    Ok(el)
}

fn decode(bytes: &[u8]) -> Result<String, Refusal> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(rest.to_vec())
            .map_err(|_| refuse("manifest-not-xml", "imsmanifest.xml is not valid UTF-8"));
    }
    let utf16 = |le: bool, rest: &[u8]| {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units)
            .map_err(|_| refuse("manifest-not-xml", "imsmanifest.xml is not valid UTF-16"))
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(true, rest),
        [0xFE, 0xFF, rest @ ..] => utf16(false, rest),
        _ => String::from_utf8(bytes.to_vec()).map_err(|_| {
            refuse(
                "manifest-not-xml",
                "imsmanifest.xml is not text (not valid UTF-8), so it is not a manifest",
            )
        }),
    }
}

/// Reads a manifest against the package's files.
fn read_manifest(xml: &[u8], files: &FileSet) -> Result<Inspection, Refusal> {
    let root = parse_xml(xml)?;
    if !root.name.eq_ignore_ascii_case("manifest") {
        return Err(refuse(
            "not-a-manifest",
            format!(
                "imsmanifest.xml's root element is <{}>, not <manifest>",
                root.name
            ),
        ));
    }
    let mut findings = Vec::new();
    let mut namespaces: Vec<String> = Vec::new();
    {
        let mut all = vec![&root];
        root.descendants(&mut all);
        for e in all {
            namespaces.extend(e.namespaces.iter().map(|(_, uri)| uri.to_ascii_lowercase()));
        }
    }
    let ns_12 = namespaces
        .iter()
        .any(|n| n.contains("imscp_rootv1p1p2") || n.contains("adlcp_rootv1p2"));
    let ns_2004 = namespaces.iter().any(|n| {
        n.contains("adlcp_v1p3")
            || n.contains("imsss")
            || n.contains("adlseq")
            || n.contains("adlnav")
    });

    let metadata_el = root.child("metadata");
    let mut metadata = Metadata {
        location: metadata_el
            .and_then(|m| m.child("location"))
            .map(|e| e.text.trim().to_string()),
        schema: metadata_el
            .and_then(|m| m.child("schema"))
            .map(|e| e.text.trim().to_string()),
        schemaversion: metadata_el
            .and_then(|m| m.child("schemaversion"))
            .map(|e| e.text.trim().to_string()),
        ..Metadata::default()
    };
    if let Some(lom) = metadata_el.and_then(|m| m.child("lom")) {
        let general = lom.child("general");
        metadata.title = general
            .and_then(|g| g.child("title"))
            .and_then(Element::lom_string);
        metadata.description = general
            .and_then(|g| g.child("description"))
            .and_then(Element::lom_string);
    }
    let guessed = if ns_2004 {
        ScormVersion::Scorm2004
    } else {
        ScormVersion::Scorm12
    };
    let version = match metadata.schemaversion.as_deref().map(str::trim) {
        Some("1.2") => {
            if ns_2004 && !ns_12 {
                warning(
                    &mut findings,
                    "version-mismatch",
                    "schemaversion says 1.2 but the namespaces are SCORM 2004's; read as 2004"
                        .into(),
                );
                ScormVersion::Scorm2004
            } else {
                ScormVersion::Scorm12
            }
        }
        Some(v) if v.eq_ignore_ascii_case("CAM 1.3") => ScormVersion::Scorm2004Second,
        Some(v) if v.eq_ignore_ascii_case("2004 3rd Edition") => ScormVersion::Scorm2004Third,
        Some(v) if v.eq_ignore_ascii_case("2004 4th Edition") => ScormVersion::Scorm2004Fourth,
        Some(v) => {
            warning(
                &mut findings,
                "unknown-schemaversion",
                format!(
                    "schemaversion {v:?} is not one SCORM defines; read as {} from the namespaces",
                    guessed.label()
                ),
            );
            guessed
        }
        None => {
            warning(
                &mut findings,
                "no-schemaversion",
                format!(
                    "the manifest has no <schemaversion>; read as {} from its namespaces",
                    guessed.label()
                ),
            );
            guessed
        }
    };
    if version.is_2004() && ns_12 && !ns_2004 {
        findings.push(Finding {
            severity: Severity::Error,
            code: "version-mismatch",
            message: format!(
                "schemaversion says {} but the namespaces are SCORM 1.2's",
                version.label()
            ),
        });
    }
    if !xml_mentions(xml, "schemaLocation") {
        findings.push(Finding {
            severity: Severity::Warning,
            code: "no-schema-location",
            message: "the manifest has no xsi:schemaLocation".into(),
        });
    }

    // Resources.
    let resources_el = root.child("resources");
    let base_all = resources_el
        .and_then(|r| r.attr("base"))
        .unwrap_or("")
        .to_string();
    let mut resources = Vec::new();
    let mut spelled_12 = false;
    let mut spelled_2004 = false;
    for r in resources_el
        .into_iter()
        .flat_map(|r| r.children("resource"))
    {
        let scorm_attr = r
            .attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("scormtype"))
            .map(|(k, v)| (k.clone(), v.clone()));
        let scorm_type = match &scorm_attr {
            Some((k, v)) => {
                if k == "scormtype" {
                    spelled_12 = true;
                } else if k == "scormType" {
                    spelled_2004 = true;
                }
                if v.eq_ignore_ascii_case("sco") {
                    ScormType::Sco
                } else {
                    ScormType::Asset
                }
            }
            None => ScormType::Asset,
        };
        let identifier = r.attr("identifier").unwrap_or("").trim().to_string();
        resources.push(Resource {
            identifier,
            kind: r.attr("type").unwrap_or("").to_string(),
            scorm_type,
            href: r.attr("href").map(str::to_string),
            base: Some(format!("{base_all}{}", r.attr("base").unwrap_or("")))
                .filter(|b| !b.is_empty()),
            files: r
                .children("file")
                .filter_map(|f| f.attr("href").map(str::to_string))
                .collect(),
            dependencies: r
                .children("dependency")
                .filter_map(|d| d.attr("identifierref").map(|v| v.trim().to_string()))
                .collect(),
        });
    }
    if version.is_2004() && spelled_12 {
        warning(&mut findings, "scormtype-spelling", "resources say adlcp:scormtype (the SCORM 1.2 spelling) in a 2004 manifest; a strict LMS sees no SCO. Read as scormType".into());
    }
    if version == ScormVersion::Scorm12 {
        let mut all = Vec::new();
        root.descendants(&mut all);
        let foreign: BTreeSet<&str> = all
            .iter()
            .map(|e| e.name.as_str())
            .filter(|n| {
                [
                    "dataFromLMS",
                    "timeLimitAction",
                    "completionThreshold",
                    "sequencing",
                    "objectives",
                ]
                .contains(n)
            })
            .collect();
        if !foreign.is_empty() {
            let names: Vec<_> = foreign.into_iter().collect();
            warning(
                &mut findings,
                "foreign-element",
                format!(
                    "SCORM 2004 elements in a 1.2 manifest: {}; read where they have a 1.2 meaning",
                    names.join(", ")
                ),
            );
        }
    }
    if version == ScormVersion::Scorm12 && spelled_2004 {
        warning(&mut findings, "scormtype-spelling", "resources say adlcp:scormType (the 2004 spelling) in a 1.2 manifest; read as scormtype".into());
    }

    // Organisations.
    let orgs_el = root.child("organizations");
    let mut organizations = Vec::new();
    let mut n_untitled = 0;
    for (i, o) in orgs_el
        .into_iter()
        .flat_map(|o| o.children("organization"))
        .enumerate()
    {
        let identifier = match o.attr("identifier").map(str::trim) {
            Some(id) if !id.is_empty() => id.to_string(),
            _ => {
                findings.push(Finding {
                    severity: Severity::Error,
                    code: "missing-identifier",
                    message: format!(
                        "organization {} has no identifier (required); named org-{} here",
                        i + 1,
                        i + 1
                    ),
                });
                format!("org-{}", i + 1)
            }
        };
        let title = match o
            .child("title")
            .map(|t| t.text.trim().to_string())
            .filter(|t| !t.is_empty())
        {
            Some(t) => t,
            None => {
                let fallback = metadata.title.clone().unwrap_or_else(|| {
                    root.attr("identifier")
                        .unwrap_or("Untitled course")
                        .to_string()
                });
                warning(
                    &mut findings,
                    "missing-title",
                    format!("organization {identifier} has no title; called {fallback:?}"),
                );
                fallback
            }
        };
        let items = o
            .children("item")
            .map(|it| read_item(it, &mut findings, &mut n_untitled))
            .collect();
        organizations.push(Organization {
            identifier,
            title,
            items,
        });
    }
    let default_attr = orgs_el
        .and_then(|o| o.attr("default"))
        .map(|d| d.trim().to_string());
    let default_organization = match &default_attr {
        Some(d) if organizations.iter().any(|o| &o.identifier == d) => Some(d.clone()),
        Some(d) => {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "bad-default-organization",
                message: format!(
                    "organizations default=\"{d}\" names no organization; the first one is used"
                ),
            });
            organizations.first().map(|o| o.identifier.clone())
        }
        None => organizations.first().map(|o| o.identifier.clone()),
    };
    if organizations.is_empty() {
        findings.push(Finding {
            severity: Severity::Error,
            code: "no-organization",
            message: "the manifest has no organization, so nothing can be launched".into(),
        });
    }

    // Files: referenced but absent, and case differences.
    let lower: BTreeMap<String, &String> = files.keys().map(|k| (k.to_lowercase(), k)).collect();
    let resolve = |path: &str| -> Option<(String, bool)> {
        let clean = path.split(['?', '#']).next().unwrap_or(path);
        let clean = crate::manifest::percent_decode(clean.trim_start_matches("./"));
        if files.contains_key(&clean) {
            return Some((clean, true));
        }
        lower
            .get(&clean.to_lowercase())
            .map(|k| ((*k).clone(), false))
    };
    let mut missing = BTreeSet::new();
    for r in &resources {
        let base = r.base.clone().unwrap_or_default();
        for f in &r.files {
            let full = format!("{base}{f}");
            match resolve(&full) {
                Some((_, true)) => {}
                Some((actual, false)) => warning(
                    &mut findings,
                    "path-case",
                    format!(
                        "resource {} lists {full} but the package has {actual} (letters differ in case: fails on case-sensitive servers)",
                        r.identifier
                    ),
                ),
                None if !is_remote(f) => {
                    missing.insert(full);
                }
                None => {}
            }
        }
    }
    if !missing.is_empty() {
        let list: Vec<_> = missing.iter().take(10).cloned().collect();
        warning(
            &mut findings,
            "missing-files",
            format!(
                "{} file(s) listed in the manifest are not in the package: {}{}",
                missing.len(),
                list.join(", "),
                if missing.len() > 10 { ", …" } else { "" }
            ),
        );
    }

    // SCOs and assets in launch order.
    let by_id: BTreeMap<&str, &Resource> = resources
        .iter()
        .map(|r| (r.identifier.as_str(), r))
        .collect();
    let mut scos = Vec::new();
    let mut assets = Vec::new();
    let org = organizations
        .iter()
        .find(|o| Some(&o.identifier) == default_organization.as_ref());
    let mut leaves = Vec::new();
    if let Some(o) = org {
        for it in &o.items {
            flatten(it, &mut leaves);
        }
    }
    for it in leaves {
        let Some(rid) = &it.identifierref else {
            continue;
        };
        let Some(r) = by_id.get(rid.as_str()) else {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "missing-resource",
                message: format!(
                    "item {} refers to resource {rid}, which does not exist; the item is skipped",
                    it.identifier
                ),
            });
            continue;
        };
        let Some(href) = &r.href else {
            findings.push(Finding {
                severity: if r.scorm_type == ScormType::Sco {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                code: "no-launch-file",
                message: format!(
                    "resource {} of item {} has no href, so it cannot be launched",
                    r.identifier, it.identifier
                ),
            });
            continue;
        };
        let path = format!("{}{}", r.base.clone().unwrap_or_default(), href);
        let (launch_path, launchable) = if is_remote(href) {
            (href.clone(), true)
        } else {
            match resolve(&path) {
                Some((actual, exact)) => {
                    if !exact {
                        warning(
                            &mut findings,
                            "path-case",
                            format!(
                                "item {} launches {path} but the package has {actual}",
                                it.identifier
                            ),
                        );
                    }
                    let query = path.find(['?', '#']).map(|i| &path[i..]).unwrap_or("");
                    (format!("{actual}{query}"), true)
                }
                None => {
                    findings.push(Finding {
                        severity: Severity::Error,
                        code: "launch-file-missing",
                        message: format!(
                            "item {} launches {path}, which is not in the package",
                            it.identifier
                        ),
                    });
                    (path.clone(), false)
                }
            }
        };
        let launch = with_parameters(&launch_path, it.parameters.as_deref());
        let entry = Sco {
            item: it.identifier.clone(),
            title: it.title.clone(),
            resource: r.identifier.clone(),
            launch,
            launchable,
        };
        match r.scorm_type {
            ScormType::Sco => scos.push(entry),
            ScormType::Asset => assets.push(entry),
        }
    }
    if scos.is_empty() && assets.is_empty() {
        findings.push(Finding {
            severity: Severity::Error,
            code: "nothing-to-launch",
            message: "no item of the default organization can be launched".into(),
        });
    }
    let sequencing = version.is_2004() && {
        let mut all = Vec::new();
        root.descendants(&mut all);
        all.iter()
            .any(|e| e.name == "sequencing" || e.name == "sequencingCollection")
    };
    Ok(Inspection {
        version,
        identifier: root.attr("identifier").unwrap_or("").to_string(),
        metadata,
        default_organization,
        organizations,
        resources,
        scos,
        assets,
        sequencing,
        file_count: files.len(),
        total_bytes: files.values().sum(),
        findings,
    })
}

fn warning(findings: &mut Vec<Finding>, code: &'static str, message: String) {
    findings.push(Finding {
        severity: Severity::Warning,
        code,
        message,
    });
}

fn read_item(it: &Element, findings: &mut Vec<Finding>, untitled: &mut usize) -> Item {
    // Identifiers are xs:ID values, whose surrounding white space does not count.
    let identifier = it.attr("identifier").unwrap_or("").trim().to_string();
    let title = match it
        .child("title")
        .map(|t| t.text.trim().to_string())
        .filter(|t| !t.is_empty())
    {
        Some(t) => t,
        None => {
            *untitled += 1;
            findings.push(Finding {
                severity: Severity::Warning,
                code: "missing-title",
                message: format!("item {identifier} has no title; called \"Untitled {untitled}\""),
            });
            format!("Untitled {untitled}")
        }
    };
    let text = |name: &str| {
        it.child(name)
            .map(|e| e.text.trim().to_string())
            .filter(|t| !t.is_empty())
    };
    let mastery_score = match text("masteryscore") {
        Some(v) => match v.parse::<f64>() {
            Ok(x) if (0.0..=100.0).contains(&x) => Some(x),
            _ => {
                findings.push(Finding { severity: Severity::Error, code: "bad-mastery-score", message: format!("item {identifier} has masteryscore {v:?}, not a number from 0 to 100; ignored") });
                None
            }
        },
        None => None,
    };
    let sequencing = it.child("sequencing");
    let scaled_passing_score = sequencing
        .and_then(|s| s.child("objectives"))
        .and_then(|o| o.child("primaryObjective"))
        .filter(|p| {
            p.attr("satisfiedByMeasure")
                .is_some_and(|v| v == "true" || v == "1")
        })
        .and_then(|p| p.child("minNormalizedMeasure"))
        .and_then(|m| m.text.trim().parse::<f64>().ok());
    let completion_threshold = it.child("completionThreshold").map(|c| {
        c.attr("minProgressMeasure")
            .map(str::to_string)
            .unwrap_or_else(|| c.text.trim().to_string())
    });
    Item {
        identifierref: it.attr("identifierref").map(|v| v.trim().to_string()),
        parameters: it.attr("parameters").map(str::to_string),
        visible: it.attr("isvisible").is_none_or(|v| v != "false"),
        mastery_score,
        scaled_passing_score,
        data_from_lms: text("datafromlms").or_else(|| text("dataFromLMS")),
        max_time_allowed: text("maxtimeallowed"),
        time_limit_action: text("timelimitaction"),
        completion_threshold,
        prerequisites: text("prerequisites"),
        sequencing: sequencing.is_some(),
        children: it
            .children("item")
            .map(|c| read_item(c, findings, untitled))
            .collect(),
        identifier,
        title,
    }
}

fn flatten<'a>(it: &'a Item, out: &mut Vec<&'a Item>) {
    if it.identifierref.is_some() {
        out.push(it);
    }
    for c in &it.children {
        flatten(c, out);
    }
}

/// Appends an item's `parameters` to its launch path, as SCORM's content packaging
/// specification describes.
fn with_parameters(path: &str, parameters: Option<&str>) -> String {
    let Some(p) = parameters.map(str::trim).filter(|p| !p.is_empty()) else {
        return path.to_string();
    };
    let p = p.trim_start_matches(['?', '&']);
    if p.starts_with('#') {
        return format!("{path}{p}");
    }
    if path.contains('?') {
        format!("{path}&{p}")
    } else {
        format!("{path}?{p}")
    }
}

fn is_remote(href: &str) -> bool {
    let l = href.to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://") || l.starts_with("//")
}

fn xml_mentions(xml: &[u8], word: &str) -> bool {
    xml.windows(word.len()).any(|w| w == word.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_join_the_launch_path() {
        assert_eq!(with_parameters("a.html", Some("?x=1")), "a.html?x=1");
        assert_eq!(with_parameters("a.html?y=2", Some("x=1")), "a.html?y=2&x=1");
        assert_eq!(with_parameters("a.html", Some("#p3")), "a.html#p3");
        assert_eq!(with_parameters("a.html", None), "a.html");
    }

    #[test]
    fn entities_and_dtds_are_refused() {
        let bomb = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><manifest>&lol2;</manifest>"#;
        assert_eq!(parse_xml(bomb).unwrap_err().code, "dtd");
        let undefined = br#"<manifest>&secret;</manifest>"#;
        assert_eq!(parse_xml(undefined).unwrap_err().code, "entity");
        let fine = br#"<manifest a="x &amp; y">&#65;&lt;</manifest>"#;
        let root = parse_xml(fine).unwrap();
        assert_eq!((root.attr("a"), root.text.as_str()), (Some("x & y"), "A<"));
    }
}
