//! A vendor's whole catalogue in one upload: a zip holding the packages and a
//! `catalogue.csv` (or `catalogue.json`) with a row per course. Each row is reported on
//! its own; a bad row does not stop the good ones; running the same upload again
//! changes nothing; a row whose package changed becomes the course's next version.
//! Accepted rows are published and listed.

use std::collections::BTreeMap;
use std::path::Path;

use packager::archive::CheckedArchive;
use serde::{Deserialize, Serialize};

use super::import::{self, ImportError, Received};
use crate::model::Organisation;
use crate::state::AppState;
use crate::store::Listing;

/// The most rows one catalogue may hold.
pub const MAX_ROWS: usize = 5_000;
/// The largest `catalogue.csv` or `catalogue.json`.
const MAX_LIST_BYTES: u64 = 16 << 20;

/// One row of the catalogue, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Row {
    /// The vendor's own course id: how the same course is found again.
    #[serde(alias = "id", alias = "course id")]
    pub course_id: String,
    pub title: String,
    pub summary: String,
    pub topics: String,
    pub audience: String,
    #[serde(alias = "duration_minutes")]
    pub duration: String,
    pub language: String,
    pub accessibility_notes: String,
    #[serde(alias = "price")]
    pub price_pence: String,
    pub licence_months: String,
    #[serde(alias = "file", alias = "package_file")]
    pub package: String,
}

/// JSON rows may give numbers as numbers.
#[derive(Deserialize)]
#[serde(untagged)]
enum JsonValue {
    Text(String),
    Number(serde_json::Number),
    List(Vec<String>),
}

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Created,
    NewVersion,
    /// The listing changed; the package did not.
    Updated,
    Unchanged,
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowReport {
    /// The row's line in the CSV (the header is line 1), or its position in the JSON
    /// list (from 1).
    pub line: usize,
    pub course_id: String,
    pub title: String,
    pub outcome: Outcome,
    pub detail: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub rows: Vec<RowReport>,
    pub created: usize,
    pub new_versions: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: usize,
}

/// Why the whole upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    #[error("{0}")]
    File(String),
    #[error(transparent)]
    Import(#[from] ImportError),
}

/// Reads the rows of `catalogue.csv` or `catalogue.json`.
fn parse_rows(name: &str, bytes: &[u8]) -> Result<Vec<(usize, Row)>, BulkError> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        BulkError::File(format!(
            "{name} is not UTF-8 text: save it as \"CSV UTF-8\""
        ))
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let rows: Vec<(usize, Row)> = if name.ends_with(".json") {
        let list: Vec<BTreeMap<String, JsonValue>> = serde_json::from_str(text)
            .map_err(|e| BulkError::File(format!("{name} is not a JSON list of courses: {e}")))?;
        list.into_iter()
            .enumerate()
            .map(|(i, fields)| {
                let fields: BTreeMap<String, String> = fields
                    .into_iter()
                    .map(|(k, v)| {
                        let v = match v {
                            JsonValue::Text(t) => t,
                            JsonValue::Number(n) => n.to_string(),
                            JsonValue::List(l) => l.join(", "),
                        };
                        (k.to_lowercase(), v)
                    })
                    .collect();
                let row = serde_json::from_value(serde_json::json!(fields)).unwrap_or_default();
                (i + 1, row)
            })
            .collect()
    } else {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| BulkError::File(format!("{name}: {e}")))?
            .iter()
            .map(|h| h.to_lowercase().replace(' ', "_"))
            .collect();
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| BulkError::File(format!("{name}: {e}")))?;
            let fields: BTreeMap<&str, &str> = headers
                .iter()
                .map(String::as_str)
                .zip(record.iter())
                .collect();
            let row = serde_json::from_value(serde_json::json!(fields)).unwrap_or_default();
            rows.push((i + 2, row));
        }
        rows
    };
    if rows.len() > MAX_ROWS {
        return Err(BulkError::File(format!(
            "{name} has {} rows; at most {MAX_ROWS} are accepted in one upload",
            rows.len()
        )));
    }
    Ok(rows)
}

/// A row's listing, or what is wrong with it.
fn listing_of(row: &Row) -> Result<Listing, String> {
    let number = |what: &str, s: &str, max: i32| -> Result<Option<i32>, String> {
        super::optional_count(s, max).map_err(|()| {
            format!(
                "{what} must be a whole number from 1 to {max}, not {:?}",
                s.trim()
            )
        })
    };
    if row.course_id.trim().is_empty() {
        return Err("course_id is empty: give each course your own id for it".into());
    }
    if row.course_id.chars().count() > 100 {
        return Err("course_id is longer than 100 characters".into());
    }
    let title = row.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err("title must be 1 to 200 characters".into());
    }
    let price_pence = match row.price_pence.trim() {
        "" => 0,
        t => t
            .parse::<i64>()
            .ok()
            .filter(|p| (0..=100_000_000).contains(p))
            .ok_or_else(|| format!("price_pence must be a whole number of pence, such as 1250 for £12.50, not {t:?}"))?,
    };
    Ok(Listing {
        title: title.to_string(),
        summary: row.summary.trim().chars().take(2000).collect(),
        topics: row.topics.trim().to_string(),
        audience: row.audience.trim().to_string(),
        duration_minutes: number("duration", &row.duration, 10_000)?,
        language: match row.language.trim() {
            "" => "en-GB".to_string(),
            l if l.len() <= 35 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
                l.to_string()
            }
            l => return Err(format!("language must be a tag such as en-GB, not {l:?}")),
        },
        accessibility_notes: row.accessibility_notes.trim().to_string(),
        price_pence,
        licence_months: number("licence_months", &row.licence_months, 120)?,
        review_by: None,
    })
}

/// Runs the catalogue upload `received` for `org`.
pub async fn run(
    state: &AppState,
    org: &Organisation,
    actor: i64,
    received: &Received,
) -> Result<Report, BulkError> {
    let uploads = state.settings.data_dir.join("uploads");
    let limits = packager::inspect::Limits {
        max_entries: 100_000,
        max_entry_bytes: state.settings.max_package_bytes,
        max_total_bytes: state.settings.max_catalogue_bytes,
        // Packages inside are already compressed.
        ..packager::inspect::Limits::default()
    };
    let path = received.path().to_path_buf();
    // One pass over the zip: the list, and each package into a file of its own.
    let (list, packages) = tokio::task::spawn_blocking(move || unpack(&path, &limits, &uploads))
        .await
        .map_err(|e| BulkError::Import(ImportError::Task(e.to_string())))??;
    let (list_name, list_bytes) = list.ok_or_else(|| {
        BulkError::File("The zip has no catalogue.csv or catalogue.json at its top level".into())
    })?;
    let rows = parse_rows(&list_name, &list_bytes)?;
    let mut report = Report::default();
    for (line, row) in rows {
        let (outcome, detail) = match one_row(state, org, actor, &row, &packages).await {
            Ok(done) => done,
            Err(RowError::Bad(detail)) => (Outcome::Error, detail),
            Err(RowError::Failed(e)) => return Err(e.into()),
        };
        match outcome {
            Outcome::Created => report.created += 1,
            Outcome::NewVersion => report.new_versions += 1,
            Outcome::Updated => report.updated += 1,
            Outcome::Unchanged => report.unchanged += 1,
            Outcome::Error => report.errors += 1,
        }
        report.rows.push(RowReport {
            line,
            course_id: row.course_id.trim().to_string(),
            title: row.title.trim().to_string(),
            outcome,
            detail,
        });
    }
    state
        .store
        .audit(
            Some(org.id),
            Some(actor),
            "uploaded a catalogue",
            &format!(
                "{} new, {} new versions, {} updated, {} unchanged, {} with problems",
                report.created,
                report.new_versions,
                report.updated,
                report.unchanged,
                report.errors
            ),
        )
        .await
        .map_err(ImportError::from)?;
    if report.created + report.new_versions + report.updated >= 100 {
        // Many courses at once: the searches' plans should know of them now.
        if let Err(e) = state.store.refresh_statistics().await {
            tracing::warn!(error = %e, "could not refresh the database's statistics");
        }
    }
    Ok(report)
}

type Unpacked = (Option<(String, Vec<u8>)>, BTreeMap<String, Received>);

fn unpack(
    path: &Path,
    limits: &packager::inspect::Limits,
    uploads: &Path,
) -> Result<Unpacked, BulkError> {
    let file = std::fs::File::open(path).map_err(ImportError::from)?;
    let mut archive = CheckedArchive::open(file, limits).map_err(|r| {
        BulkError::File(format!(
            "The upload is not a zip that can be used: {}",
            r.reason
        ))
    })?;
    let mut list = None;
    let mut packages = BTreeMap::new();
    let mut failure = None;
    archive
        .extract_with(&mut |entry, data| {
            let name = entry.name.as_str();
            let lower = name.to_lowercase();
            if (lower == "catalogue.csv" || lower == "catalogue.json") && list.is_none() {
                if entry.size > MAX_LIST_BYTES {
                    failure = Some(format!("{name} is larger than {MAX_LIST_BYTES} bytes"));
                    return Ok(());
                }
                let mut bytes = Vec::new();
                data.read_to_end(&mut bytes)?;
                list = Some((lower, bytes));
            } else if lower.ends_with(".zip") {
                match import::receive_blocking(data, uploads) {
                    Ok(received) => {
                        packages.insert(name.to_string(), received);
                    }
                    Err(e) => return Err(std::io::Error::other(e.to_string())),
                }
            }
            Ok(())
        })
        .map_err(|e| BulkError::File(format!("The upload could not be unpacked: {e}")))?;
    if let Some(f) = failure {
        return Err(BulkError::File(f));
    }
    Ok((list, packages))
}

enum RowError {
    /// The row is at fault: reported, and the next row goes on.
    Bad(String),
    /// The service failed.
    Failed(ImportError),
}

impl From<crate::store::StoreError> for RowError {
    fn from(e: crate::store::StoreError) -> Self {
        RowError::Failed(e.into())
    }
}

async fn one_row(
    state: &AppState,
    org: &Organisation,
    actor: i64,
    row: &Row,
    packages: &BTreeMap<String, Received>,
) -> Result<(Outcome, String), RowError> {
    let listing = listing_of(row).map_err(RowError::Bad)?;
    let name = row.package.trim().trim_start_matches("./");
    let received = packages.get(name).ok_or_else(|| {
        RowError::Bad(if name.is_empty() {
            "package is empty: name the package's .zip file in the upload".into()
        } else {
            format!("the upload has no package called {name}")
        })
    })?;
    let existing = state
        .store
        .course_by_external_id(org.id, row.course_id.trim())
        .await?;
    let placed = super::accept_upload(
        state,
        org,
        Some(actor),
        existing.as_ref().map(|c| c.id),
        received,
    )
    .await
    .map_err(|e| match e {
        ImportError::Busy => RowError::Bad(e.to_string()),
        e => RowError::Failed(e),
    })?;
    let (report, placed) = placed;
    let Some(placed) = placed else {
        let why = report
            .refusal
            .map(|r| r.reason)
            .or_else(|| report.notes.first().cloned())
            .or_else(|| {
                report
                    .inspection
                    .and_then(|i| i.errors().next().map(|f| f.message.clone()))
            })
            .unwrap_or_else(|| "the inspector found errors".into());
        return Err(RowError::Bad(format!("{name} was refused: {why}")));
    };
    let course = &placed.course;
    let outcome = if existing.is_none() {
        state
            .store
            .set_external_id(org.id, course.id, row.course_id.trim())
            .await?;
        Outcome::Created
    } else if placed.new_version {
        Outcome::NewVersion
    } else if listing_differs(course, &listing) {
        Outcome::Updated
    } else {
        Outcome::Unchanged
    };
    if outcome != Outcome::Unchanged {
        let listing = Listing {
            review_by: course.listing.review_by.clone(),
            ..listing
        };
        state
            .store
            .update_listing(org.id, course.id, &listing, true)
            .await?;
        state
            .store
            .publish_version(org.id, course.id, placed.version)
            .await?;
    }
    let detail = match outcome {
        Outcome::Created => format!("version 1, {}", name),
        Outcome::NewVersion => format!("version {} from {name}", placed.version),
        Outcome::Updated => "the listing changed".into(),
        _ => String::new(),
    };
    Ok((outcome, detail))
}

fn listing_differs(c: &crate::store::Course, l: &Listing) -> bool {
    // The review-by date is the owner's to set on the page; a catalogue row has none.
    let from_row = Listing {
        review_by: c.listing.review_by.clone(),
        ..l.clone()
    };
    c.listing != from_row || c.visibility != "listed"
}
