//! Interpreting a parsed manifest: the SCORM version, organisations and items,
//! resources and files, SCOs in launch order, and every deviation found on the way.

use std::collections::{BTreeMap, BTreeSet};

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use super::xml::{Element, parse_xml};
use super::{
    FileSet, Finding, FindingCode, Inspection, Item, Metadata, Organization, Refusal, RefusalCode,
    Resource, Sco, ScormType, ScormVersion, Severity, refuse,
};

/// Reads a manifest against the package's files.
pub(super) fn read_manifest(xml: &[u8], files: &FileSet) -> Result<Inspection, Refusal> {
    let root = parse_xml(xml)?;
    if !root.name.eq_ignore_ascii_case("manifest") {
        return Err(refuse(
            RefusalCode::NotAManifest,
            format!(
                "imsmanifest.xml's root element is <{}>, not <manifest>",
                root.name
            ),
        ));
    }
    let mut findings = Vec::new();
    let (version, metadata) = read_version(&root, xml, &mut findings);
    let resources = read_resources(&root, version, &mut findings);
    let (organizations, default_organization) = read_organizations(&root, &metadata, &mut findings);
    let index = FileIndex::new(files);
    check_files(&resources, &index, &mut findings);
    let (scos, assets) = launch_order(
        &organizations,
        default_organization.as_deref(),
        &resources,
        &index,
        &mut findings,
    );
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

/// The SCORM version, from `schemaversion` checked against the namespaces, and the
/// package-level metadata.
fn read_version(
    root: &Element,
    xml: &[u8],
    findings: &mut Vec<Finding>,
) -> (ScormVersion, Metadata) {
    let mut namespaces: Vec<String> = Vec::new();
    {
        let mut all = vec![root];
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
                    findings,
                    FindingCode::VersionMismatch,
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
                findings,
                FindingCode::UnknownSchemaversion,
                format!(
                    "schemaversion {v:?} is not one SCORM defines; read as {} from the namespaces",
                    guessed.label()
                ),
            );
            guessed
        }
        None => {
            warning(
                findings,
                FindingCode::NoSchemaversion,
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
            code: FindingCode::VersionMismatch,
            message: format!(
                "schemaversion says {} but the namespaces are SCORM 1.2's",
                version.label()
            ),
        });
    }
    if !xml_mentions(xml, "schemaLocation") {
        findings.push(Finding {
            severity: Severity::Warning,
            code: FindingCode::NoSchemaLocation,
            message: "the manifest has no xsi:schemaLocation".into(),
        });
    }

    (version, metadata)
}

/// Resources, with `scormtype` read whichever way it is spelt.
fn read_resources(
    root: &Element,
    version: ScormVersion,
    findings: &mut Vec<Finding>,
) -> Vec<Resource> {
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
        warning(findings, FindingCode::ScormtypeSpelling, "resources say adlcp:scormtype (the SCORM 1.2 spelling) in a 2004 manifest; a strict LMS sees no SCO. Read as scormType".into());
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
                findings,
                FindingCode::ForeignElement,
                format!(
                    "SCORM 2004 elements in a 1.2 manifest: {}; read where they have a 1.2 meaning",
                    names.join(", ")
                ),
            );
        }
    }
    if version == ScormVersion::Scorm12 && spelled_2004 {
        warning(findings, FindingCode::ScormtypeSpelling, "resources say adlcp:scormType (the 2004 spelling) in a 1.2 manifest; read as scormtype".into());
    }

    resources
}

/// Organisations and their item trees, and which one is the default.
fn read_organizations(
    root: &Element,
    metadata: &Metadata,
    findings: &mut Vec<Finding>,
) -> (Vec<Organization>, Option<String>) {
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
                    code: FindingCode::MissingIdentifier,
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
                    findings,
                    FindingCode::MissingTitle,
                    format!("organization {identifier} has no title; called {fallback:?}"),
                );
                fallback
            }
        };
        let items = o
            .children("item")
            .map(|it| read_item(it, findings, &mut n_untitled))
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
                code: FindingCode::BadDefaultOrganization,
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
            code: FindingCode::NoOrganization,
            message: "the manifest has no organization, so nothing can be launched".into(),
        });
    }

    (organizations, default_organization)
}

/// The package's files, looked up as the manifest writes them: percent-encoded, with
/// `./`, and, failing an exact match, ignoring letter case.
struct FileIndex<'a> {
    files: &'a FileSet,
    lower: BTreeMap<String, &'a String>,
}

impl<'a> FileIndex<'a> {
    fn new(files: &'a FileSet) -> Self {
        Self {
            files,
            lower: files.keys().map(|k| (k.to_lowercase(), k)).collect(),
        }
    }

    /// The file a path names, and whether it matched exactly (`false`: only by case).
    /// `path` is a URL path as the manifest writes it: percent-encoded, perhaps with
    /// `./` segments and a query or fragment, which are ignored.
    fn resolve(&self, path: &str) -> Option<(String, bool)> {
        let clean = path.split(['?', '#']).next().unwrap_or(path);
        let clean = decode(clean.trim_start_matches("./"));
        if self.files.contains_key(&clean) {
            return Some((clean, true));
        }
        self.lower
            .get(&clean.to_lowercase())
            .map(|k| ((*k).clone(), false))
    }
}

/// Percent-decodes a URL path (invalid UTF-8 after decoding is replaced, and then
/// matches no file).
fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// What a URL path must encode: everything that would end the path or change its
/// meaning (`?`, `#`, `%`, spaces, quotes, controls), and, always, non-ASCII.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// What a query or fragment must encode: only what cannot appear in one. A `%` is left
/// alone, as queries in manifests are already encoded.
const QUERY: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'`');

/// A file name in the package as a URL path.
fn encode_path(name: &str) -> String {
    utf8_percent_encode(name, PATH).to_string()
}

fn encode_query(query: &str) -> String {
    utf8_percent_encode(query, QUERY).to_string()
}

/// Where an address in a manifest points.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// A path inside the package, dot segments resolved (still percent-encoded), and
    /// its query or fragment (with its `?` or `#`, or "").
    Inside { path: String, query: String },
    /// A relative path that climbs above the package's root (`../x`).
    Outside,
    /// An absolute path (`/x`) or a drive letter (`C:x`): the player's own site or disk.
    Absolute,
    /// Another site: `http://`, `https://` or `//host`.
    Remote,
    /// Another scheme: `javascript:`, `data:`, `file:`, `vbscript:`, ...
    Scheme(String),
}

/// Classifies an address as a browser would read it: surrounding spaces and controls
/// ignored, tabs and line breaks inside removed, `\` read as `/`, `%2e` as `.`.
fn classify(address: &str) -> Target {
    let trimmed = address.trim_matches(|c: char| c <= ' ');
    let url: String = trimmed
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect();
    if url.starts_with("//") {
        return Target::Remote;
    }
    if let Some(colon) = url.find(':')
        && !url[..colon].contains(['/', '?', '#'])
    {
        let scheme = &url[..colon];
        let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if is_scheme {
            let scheme = scheme.to_ascii_lowercase();
            return match scheme.as_str() {
                "http" | "https" => Target::Remote,
                s if s.len() == 1 => Target::Absolute,
                _ => Target::Scheme(scheme),
            };
        }
    }
    if url.starts_with('/') {
        return Target::Absolute;
    }
    let (path, query) = match url.find(['?', '#']) {
        Some(i) => (&url[..i], &url[i..]),
        None => (url.as_str(), ""),
    };
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match decode(segment).as_str() {
            "." | "" => {}
            ".." => {
                if parts.pop().is_none() {
                    return Target::Outside;
                }
            }
            _ => parts.push(segment),
        }
    }
    Target::Inside {
        path: parts.join("/"),
        query: query.to_string(),
    }
}

/// Files the manifest lists that the package lacks, or has under another letter case.
fn check_files(resources: &[Resource], index: &FileIndex<'_>, findings: &mut Vec<Finding>) {
    let mut missing = BTreeSet::new();
    let mut outside = BTreeSet::new();
    for r in resources {
        let base = r.base.clone().unwrap_or_default();
        for f in &r.files {
            let full = match classify(f) {
                Target::Remote => continue,
                Target::Inside { .. } => format!("{base}{f}"),
                _ => f.clone(),
            };
            let path = match classify(&full) {
                Target::Remote => continue,
                Target::Inside { path, .. } => path,
                _ => {
                    outside.insert(full);
                    continue;
                }
            };
            match index.resolve(&path) {
                Some((_, true)) => {}
                Some((actual, false)) => warning(
                    findings,
                    FindingCode::PathCase,
                    format!(
                        "resource {} lists {full} but the package has {actual} (letters differ in case: fails on case-sensitive servers)",
                        r.identifier
                    ),
                ),
                None => {
                    missing.insert(full);
                }
            }
        }
    }
    if !outside.is_empty() {
        let list: Vec<_> = outside.iter().take(10).cloned().collect();
        warning(
            findings,
            FindingCode::FileOutsidePackage,
            format!(
                "{} file(s) listed in the manifest are outside the package (climbing out with ../, an absolute path or another scheme) and are ignored: {}{}",
                outside.len(),
                list.join(", "),
                if outside.len() > 10 { ", …" } else { "" }
            ),
        );
    }
    if !missing.is_empty() {
        let list: Vec<_> = missing.iter().take(10).cloned().collect();
        warning(
            findings,
            FindingCode::MissingFiles,
            format!(
                "{} file(s) listed in the manifest are not in the package: {}{}",
                missing.len(),
                list.join(", "),
                if missing.len() > 10 { ", …" } else { "" }
            ),
        );
    }
}

/// SCOs and directly launched assets, in the default organisation's order.
fn launch_order(
    organizations: &[Organization],
    default_organization: Option<&str>,
    resources: &[Resource],
    index: &FileIndex<'_>,
    findings: &mut Vec<Finding>,
) -> (Vec<Sco>, Vec<Sco>) {
    let by_id: BTreeMap<&str, &Resource> = resources
        .iter()
        .map(|r| (r.identifier.as_str(), r))
        .collect();
    let mut scos = Vec::new();
    let mut assets = Vec::new();
    let org = organizations
        .iter()
        .find(|o| Some(o.identifier.as_str()) == default_organization);
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
                code: FindingCode::MissingResource,
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
                code: FindingCode::NoLaunchFile,
                message: format!(
                    "resource {} of item {} has no href, so it cannot be launched",
                    r.identifier, it.identifier
                ),
            });
            continue;
        };
        let base = r.base.clone().unwrap_or_default();
        let address = match classify(href) {
            Target::Inside { .. } => format!("{base}{href}"),
            _ => href.clone(),
        };
        let failed = |code: FindingCode, why: String| Err::<String, _>((code, why));
        let classified = match classify(&address) {
            Target::Remote => {
                warning(
                    findings,
                    FindingCode::LaunchRemote,
                    format!(
                        "item {} launches {address}, on another site: it is not part of the package, can change or vanish, and is tracked only if that site talks to the player",
                        it.identifier
                    ),
                );
                Ok(address.trim().to_string())
            }
            Target::Scheme(scheme) => failed(
                FindingCode::LaunchScheme,
                format!("a {scheme}: address, which a player must never open as a lesson"),
            ),
            Target::Absolute => failed(
                FindingCode::LaunchAbsolutePath,
                "an absolute path: it points at the player's own site or disk, not into the package".into(),
            ),
            Target::Outside => failed(
                FindingCode::LaunchOutsidePackage,
                "which climbs out of the package (../)".into(),
            ),
            Target::Inside { path, query } => match index.resolve(&path) {
                Some((actual, exact)) => {
                    if !exact {
                        warning(
                            findings,
                            FindingCode::PathCase,
                            format!(
                                "item {} launches {address} but the package has {actual}",
                                it.identifier
                            ),
                        );
                    }
                    Ok(format!("{}{}", encode_path(&actual), encode_query(&query)))
                }
                None => failed(
                    FindingCode::LaunchFileMissing,
                    "which is not in the package".into(),
                ),
            },
        };
        let (launch_path, launchable) = match classified {
            Ok(launch) => (launch, true),
            Err((code, why)) => {
                findings.push(Finding {
                    severity: Severity::Error,
                    code,
                    message: format!("item {} launches {address}, {why}", it.identifier),
                });
                (address.clone(), false)
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
            code: FindingCode::NothingToLaunch,
            message: "no item of the default organization can be launched".into(),
        });
    }
    (scos, assets)
}

fn warning(findings: &mut Vec<Finding>, code: FindingCode, message: String) {
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
                code: FindingCode::MissingTitle,
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
                findings.push(Finding { severity: Severity::Error, code: FindingCode::BadMasteryScore, message: format!("item {identifier} has masteryscore {v:?}, not a number from 0 to 100; ignored") });
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
        // SCORM 1.2 `adlcp:maxtimeallowed`; SCORM 2004 `imsss:limitConditions
        // attemptAbsoluteDurationLimit` (an ISO 8601 duration, cmi.max_time_allowed).
        max_time_allowed: text("maxtimeallowed").or_else(|| {
            sequencing
                .and_then(|s| s.child("limitConditions"))
                .and_then(|l| l.attr("attemptAbsoluteDurationLimit"))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        }),
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
    let p = encode_query(p.trim_start_matches(['?', '&']));
    if p.starts_with('#') {
        return format!("{path}{p}");
    }
    let (path, fragment) = match path.find('#') {
        Some(i) => path.split_at(i),
        None => (path, ""),
    };
    if path.contains('?') {
        format!("{path}&{p}{fragment}")
    } else {
        format!("{path}?{p}{fragment}")
    }
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
        assert_eq!(with_parameters("a.html#top", Some("x=1")), "a.html?x=1#top");
        assert_eq!(
            with_parameters("a.html", Some("name=Zoë Ann")),
            "a.html?name=Zo%C3%AB%20Ann"
        );
    }

    #[test]
    fn addresses_are_classified_as_a_browser_reads_them() {
        let inside = |p: &str, q: &str| Target::Inside {
            path: p.into(),
            query: q.into(),
        };
        assert_eq!(classify("a/./b/../c.html?x#y"), inside("a/c.html", "?x#y"));
        assert_eq!(classify("../x.html"), Target::Outside);
        assert_eq!(classify("a/%2e%2e/%2E%2E/x.html"), Target::Outside);
        assert_eq!(classify("a\\..\\..\\x.html"), Target::Outside);
        assert_eq!(classify("/etc/passwd"), Target::Absolute);
        assert_eq!(classify("C:/x.html"), Target::Absolute);
        assert_eq!(classify("https://example.com/"), Target::Remote);
        assert_eq!(classify("\\\\host\\x"), Target::Remote);
        assert_eq!(
            classify(" JavaScript:alert(1)"),
            Target::Scheme("javascript".into())
        );
        assert_eq!(
            classify("java\tscript:alert(1)"),
            Target::Scheme("javascript".into())
        );
        assert_eq!(classify("data:text/html,x"), Target::Scheme("data".into()));
        assert_eq!(
            classify("a.html?next=http://x"),
            inside("a.html", "?next=http://x")
        );
    }
}
