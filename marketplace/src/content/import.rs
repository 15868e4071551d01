//! Importing a package, all or nothing. The upload streams to a temporary file while it
//! is hashed; `packager::inspect` decides on it; an accepted package not already held is
//! claimed in the `imports` table, unpacked into the file storage with the packager's
//! checked archive under the same limits (never another extractor), and only then
//! recorded. Any failure removes what was stored; an import killed half-way is removed
//! by [`clean_up`] once its deadline has passed, as are files no row names.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt as _;
use packager::archive::{CheckedArchive, ExtractError};
use packager::inspect::{Inspection, Limits, Refusal, inspect_zip};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::files::{Files, FilesError};
use crate::store::{NewPackage, PackageRecord, Store, StoreError, now};

/// What went wrong with an import, other than the package being refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the upload is larger than {0} bytes")]
    TooLarge(u64),
    #[error("the upload was empty")]
    Empty,
    #[error("the upload was interrupted: {0}")]
    Interrupted(String),
    #[error("this package is being imported by another upload: try again in a minute")]
    Busy,
    #[error("the import took longer than {0:?}")]
    TimedOut(Duration),
    #[error("temporary file: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Files(#[from] FilesError),
    #[error("{0}")]
    Task(String),
}

/// An upload received into a temporary file, removed when this is dropped.
#[derive(Debug)]
pub struct Received {
    path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
}

impl Received {
    /// Where the upload is, while this lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Received {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Streams `body` into a new file in `dir`, hashing it, refusing more than `max` bytes:
/// memory holds one chunk at a time, whatever the upload's size.
pub async fn receive<S, E>(body: S, dir: &Path, max: u64) -> Result<Received, ImportError>
where
    S: futures_util::Stream<Item = Result<axum::body::Bytes, E>>,
    E: std::fmt::Display,
{
    tokio::fs::create_dir_all(dir).await?;
    let path = dir.join(format!("upload-{}.zip", crate::secrets::random_token()));
    // Dropped (and the file removed) on every early return.
    let mut received = Received {
        path,
        sha256: String::new(),
        bytes: 0,
    };
    let mut file = std::fs::File::create(&received.path)?;
    let mut hasher = Sha256::new();
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| ImportError::Interrupted(e.to_string()))?;
        received.bytes += chunk.len() as u64;
        if received.bytes > max {
            return Err(ImportError::TooLarge(max));
        }
        hasher.update(&chunk);
        // Chunks are small (tens of KiB): writing them inline costs less than a hop to
        // a blocking thread each.
        file.write_all(&chunk)?;
    }
    file.flush()?;
    if received.bytes == 0 {
        return Err(ImportError::Empty);
    }
    received.sha256 = hash_hex(&hasher.finalize());
    Ok(received)
}

/// Copies `data` into a new file in `dir`, hashing it (blocking): a package taken out
/// of a larger upload, such as a vendor's catalogue.
pub fn receive_blocking(data: &mut dyn std::io::Read, dir: &Path) -> Result<Received, ImportError> {
    std::fs::create_dir_all(dir)?;
    let mut received = Received {
        path: dir.join(format!("upload-{}.zip", crate::secrets::random_token())),
        sha256: String::new(),
        bytes: 0,
    };
    let mut file = std::fs::File::create(&received.path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 1 << 16];
    loop {
        let n = data.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n])?;
        received.bytes += n as u64;
    }
    file.flush()?;
    received.sha256 = hash_hex(&hasher.finalize());
    Ok(received)
}

fn hash_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the inspector decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Accepted,
    AcceptedWithWarnings,
    Refused,
}

/// The report of an import: the inspector's verdict and findings, and the package when
/// it was accepted.
#[derive(Debug, Serialize)]
pub struct Report {
    pub verdict: Verdict,
    /// Why the archive was refused before its manifest could be read.
    pub refusal: Option<Refusal>,
    pub inspection: Option<Inspection>,
    pub package: Option<PackageRecord>,
    /// The same package was uploaded before: it is kept once.
    pub already_held: bool,
    /// What the service adds to the inspector's findings, for people to read: why a
    /// package with no errors was refused, or what an accepted one lacks.
    pub notes: Vec<String>,
}

impl Report {
    fn refused(refusal: Option<Refusal>, inspection: Option<Inspection>) -> Self {
        Report {
            verdict: Verdict::Refused,
            refusal,
            inspection,
            package: None,
            already_held: false,
            notes: Vec::new(),
        }
    }
}

/// What a player opens first: the first SCO, or for a package of assets alone (content
/// with nothing to track), its first launchable asset.
pub fn first_launch(i: &Inspection) -> Option<&packager::inspect::Sco> {
    i.first_launch()
        .or_else(|| i.assets.iter().find(|a| a.launchable))
}

/// Where a package's zip and its unpacked files are kept.
pub fn zip_key(sha256: &str) -> String {
    format!("packages/{sha256}.zip")
}

pub fn content_folder(sha256: &str) -> String {
    format!("content/{sha256}")
}

/// Imports the package `received`: the report says whether it was accepted; an
/// [`ImportError`] means the service failed, and then nothing of it is kept.
pub async fn import(
    store: &Store,
    files: &Files,
    limits: Limits,
    received: &Received,
    time_limit: Duration,
) -> Result<Report, ImportError> {
    let path = received.path.clone();
    let inspected = blocking(move || -> std::io::Result<Result<Inspection, Refusal>> {
        Ok(inspect_zip(std::fs::File::open(&path)?, &limits))
    })
    .await??;
    let inspection = match inspected {
        Ok(i) => i,
        Err(refusal) => return Ok(Report::refused(Some(refusal), None)),
    };
    if inspection.errors().next().is_some() {
        return Ok(Report::refused(None, Some(inspection)));
    }
    if first_launch(&inspection).is_none() {
        let mut report = Report::refused(None, Some(inspection));
        report.notes.push(
            "The package has nothing a learner can open: no item launches a file in it".into(),
        );
        return Ok(report);
    }
    let mut notes = Vec::new();
    if inspection.first_launch().is_none() {
        notes.push("The package has no SCO, only assets: learners can open it, but nothing they do in it is tracked".into());
    }
    let verdict = if inspection.warnings().next().is_some() || !notes.is_empty() {
        Verdict::AcceptedWithWarnings
    } else {
        Verdict::Accepted
    };
    let sha = received.sha256.clone();
    if let Some(package) = store.package_by_sha(&sha).await? {
        return Ok(Report {
            verdict,
            refusal: None,
            inspection: Some(inspection),
            package: Some(package),
            already_held: true,
            notes,
        });
    }
    let deadline = now() + i64::try_from(time_limit.as_secs()).unwrap_or(i64::MAX / 2) + 1;
    if !store.begin_import(&sha, deadline).await? {
        return Err(ImportError::Busy);
    }
    let stored = tokio::time::timeout(time_limit, store_files(files, limits, received))
        .await
        .unwrap_or(Err(Stored::Failed(ImportError::TimedOut(time_limit))));
    let recorded = match stored {
        Ok(()) => store
            .finish_import(&NewPackage {
                sha256: sha.clone(),
                scorm_version: serde_json::to_value(inspection.version)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                title: title_of(&inspection),
                launch: first_launch(&inspection)
                    .map(|s| s.launch.clone())
                    .unwrap_or_default(),
                sco_count: inspection.scos.len() as i64,
                file_count: inspection.file_count as i64,
                unpacked_bytes: inspection.total_bytes as i64,
                zip_bytes: received.bytes as i64,
                inspection: serde_json::to_string(&inspection).unwrap_or_default(),
            })
            .await
            .map_err(|e| Stored::Failed(e.into())),
        Err(e) => Err(e),
    };
    match recorded {
        Ok(package) => Ok(Report {
            verdict,
            refusal: None,
            inspection: Some(inspection),
            package: Some(package),
            already_held: false,
            notes,
        }),
        Err(failure) => {
            remove(store, files, &sha).await;
            match failure {
                Stored::Refused(refusal) => Ok(Report::refused(Some(refusal), Some(inspection))),
                Stored::Failed(e) => Err(e),
            }
        }
    }
}

/// How storing a package's files ended, when it did not succeed.
enum Stored {
    /// The archive turned out to be corrupt while it was unpacked.
    Refused(Refusal),
    Failed(ImportError),
}

/// Unpacks `received` into `content/<sha>/` and keeps the zip, on a blocking thread.
async fn store_files(files: &Files, limits: Limits, received: &Received) -> Result<(), Stored> {
    let (files, path, sha) = (
        files.clone(),
        received.path.clone(),
        received.sha256.clone(),
    );
    let runtime = tokio::runtime::Handle::current();
    let done = tokio::task::spawn_blocking(move || -> Result<(), Stored> {
        let zip = std::fs::File::open(&path).map_err(|e| Stored::Failed(e.into()))?;
        let mut archive = CheckedArchive::open(zip, &limits).map_err(Stored::Refused)?;
        let folder = content_folder(&sha);
        archive
            .extract_with(&mut |entry, data| {
                files
                    .put_reader_blocking(&runtime, &format!("{folder}/{}", entry.name), data)
                    .map_err(std::io::Error::other)
            })
            .map_err(|e| match e {
                ExtractError::Refused(r) => Stored::Refused(r),
                ExtractError::Storage { entry, source } => {
                    Stored::Failed(ImportError::Task(format!("storing {entry}: {source}")))
                }
            })?;
        let mut zip = std::fs::File::open(&path).map_err(|e| Stored::Failed(e.into()))?;
        files
            .put_reader_blocking(&runtime, &zip_key(&sha), &mut zip)
            .map_err(|e| Stored::Failed(e.into()))
    })
    .await;
    done.unwrap_or_else(|e| Err(Stored::Failed(ImportError::Task(e.to_string()))))
}

/// Removes whatever an import of `sha` stored, and the claim on it.
async fn remove(store: &Store, files: &Files, sha: &str) {
    for result in [
        files.delete_folder(&content_folder(sha)).await,
        files.delete(&zip_key(sha)).await,
    ] {
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not remove the files of a failed import");
        }
    }
    if let Err(e) = store.end_import(sha).await {
        tracing::warn!(error = %e, "could not end a failed import");
    }
}

/// A package's title: its default organisation's, else its metadata's, else its
/// identifier.
fn title_of(i: &Inspection) -> String {
    let org = i
        .organizations
        .iter()
        .find(|o| Some(&o.identifier) == i.default_organization.as_ref())
        .or(i.organizations.first());
    org.map(|o| o.title.trim().to_string())
        .filter(|t| !t.is_empty())
        .or_else(|| i.metadata.title.clone())
        .unwrap_or_else(|| i.identifier.clone())
}

/// Removes what killed or failed imports left: imports past their deadline, and files
/// in storage that no package or import names. Returns how many packages' files went.
pub async fn clean_up(store: &Store, files: &Files) -> Result<usize, ImportError> {
    let mut removed = 0;
    for sha in store.stale_imports(now()).await? {
        remove(store, files, &sha).await;
        removed += 1;
    }
    for folder in files.folders("content").await? {
        if !store.package_or_import(&folder).await? {
            files.delete_folder(&content_folder(&folder)).await?;
            removed += 1;
        }
    }
    for zip in files.folders("packages").await? {
        let sha = zip.strip_suffix(".zip").unwrap_or(&zip);
        if !store.package_or_import(sha).await? {
            files.delete(&format!("packages/{zip}")).await?;
        }
    }
    Ok(removed)
}

/// Runs `f` on a blocking thread.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ImportError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ImportError::Task(e.to_string()))
}
