//! Markdown courses built on the server. A training team uploads its course folder as a
//! zip; the upload becomes a job in the database ([`crate::store::CourseBuild`]) and the
//! request ends there. A worker (in this process by default; `build_workers` says how
//! many) takes the job and:
//!
//! 1. unpacks the sources with the packager's checked archive, under the package limits,
//!    into a fresh folder of its own;
//! 2. runs the build in a child process (`marketplace build-course`, this program) with a
//!    memory limit and a CPU limit it sets on itself before reading a file, an empty
//!    environment, and a wall-clock limit after which the worker kills it. The compiler
//!    reads nothing outside the course's folder (the `authoring` crate's `fsguard`) and
//!    has no network client at all: a remote address in a course stays a link;
//! 3. imports the package it made exactly as an upload is imported, as a new course or
//!    the next version of one.
//!
//! A course with errors fails with the compiler's diagnostics, rendered as `course
//! check` renders them, which the build's page shows with file and line.

use std::path::{Path as FsPath, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::Duration;

use authoring::packaging::{self, PackagingError};
use authoring::site::{BuildError, BuildOptions};
use packager::Format;
use packager::archive::{CheckedArchive, ExtractError};
use serde::{Deserialize, Serialize};

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::model::Organisation;
use crate::state::{Access, AppState, Routes};
use crate::store::{BuildOutcome, CourseBuild, now};
use crate::web::{self, Error, FieldError, Viewer, templates};

use super::import::{ImportError, Received};
use super::publisher_of;

/// Where a build's sources wait in the file storage.
pub fn source_key(id: i64) -> String {
    format!("builds/{id}.zip")
}

/// The formats a course can be built in, by their names in forms and the API.
pub fn format_named(name: &str) -> Option<Format> {
    match name {
        "scorm2004" => Some(Format::Scorm2004),
        "scorm12" => Some(Format::Scorm12),
        _ => None,
    }
}

/// Queues a build of the course sources `received` (a zip of the course folder) for
/// `org`: a new course, or the next version of `course_id`. Returns the build's id.
pub async fn enqueue(
    state: &AppState,
    org: &Organisation,
    actor: i64,
    course_id: Option<i64>,
    format: Format,
    source_name: &str,
    received: &Received,
) -> Result<i64, ImportError> {
    let name: String = source_name.chars().take(200).collect();
    let id = state
        .store
        .create_build(
            org.id,
            actor,
            course_id,
            format.name(),
            &name,
            i64::try_from(received.bytes).unwrap_or(i64::MAX),
        )
        .await?;
    let (files, path, key) = (
        state.files.clone(),
        received.path().to_path_buf(),
        source_key(id),
    );
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || -> Result<(), ImportError> {
        let mut file = std::fs::File::open(&path)?;
        Ok(files.put_reader_blocking(&runtime, &key, &mut file)?)
    })
    .await
    .map_err(|e| ImportError::Task(e.to_string()))??;
    state.store.queue_build(id).await?;
    state
        .store
        .audit(
            Some(org.id),
            Some(actor),
            "uploaded a course's sources",
            &format!("{name}, build {id} ({})", format.name()),
        )
        .await?;
    state.builds_queued.notify_one();
    Ok(id)
}

/// Runs builds as they are queued, until the task is stopped: one of a process's
/// `build_workers`.
pub async fn worker(state: AppState) {
    loop {
        match run_next(&state).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "the course builder could not take a job"),
        }
        // Woken when this process queues a build; every few seconds otherwise, for builds
        // queued by other instances or left by a worker that died.
        let _ = tokio::time::timeout(Duration::from_secs(5), state.builds_queued.notified()).await;
    }
}

/// Takes the next build waiting, if there is one, and runs it to its end: `false` when
/// there was none.
pub async fn run_next(state: &AppState) -> Result<bool, crate::store::StoreError> {
    let limit = state.settings.build_time_limit_secs;
    // The lease outlasts the build's own limit, and the import after it.
    let lease = now()
        + i64::try_from(limit + state.settings.import_time_limit_secs + 60).unwrap_or(i64::MAX / 4);
    let Some(job) = state.store.claim_build(lease).await? else {
        return Ok(false);
    };
    tracing::info!(build = job.id, org = job.org_id, "building a course");
    let outcome = match run(state, &job).await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::error!(build = job.id, error = %e, "a course build failed on our side");
            BuildOutcome {
                message: "The build could not run because of a problem on our side: try again, and tell us if it happens again".into(),
                ..BuildOutcome::default()
            }
        }
    };
    state.store.finish_build(job.id, &outcome).await?;
    if let Err(e) = state.files.delete(&source_key(job.id)).await {
        tracing::warn!(build = job.id, error = %e, "could not remove a build's sources");
    }
    Ok(true)
}

/// A folder removed with everything in it when this is dropped.
struct WorkDir(PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A failed outcome saying `message`.
fn failed(message: impl Into<String>) -> BuildOutcome {
    BuildOutcome {
        message: message.into(),
        ..BuildOutcome::default()
    }
}

/// Builds `job` and imports what it made. An `Err` is a failure of the service; the
/// course's own problems are an outcome.
async fn run(state: &AppState, job: &CourseBuild) -> Result<BuildOutcome, ImportError> {
    let Some(format) = format_named(&job.format) else {
        return Ok(failed(format!("Unknown format {}", job.format)));
    };
    let Some(org) = state.store.org_by_id(job.org_id).await? else {
        return Ok(failed("The organisation no longer exists"));
    };
    let work = WorkDir(state.settings.data_dir.join("builds").join(format!(
        "{}-{}",
        job.id,
        crate::secrets::random_token()
    )));
    tokio::fs::create_dir_all(&work.0).await?;
    let source = work.0.join("source.zip");
    if !state
        .files
        .get_to_file(&source_key(job.id), &source)
        .await?
    {
        return Ok(failed(
            "The course's sources are no longer stored: upload them again",
        ));
    }
    let course_dir = work.0.join("course");
    let limits = state.settings.package_limits();
    let unpacked = {
        let (source, course_dir) = (source.clone(), course_dir.clone());
        tokio::task::spawn_blocking(move || unpack(&source, &course_dir, &limits))
            .await
            .map_err(|e| ImportError::Task(e.to_string()))?
    };
    let root = match unpacked {
        Ok(root) => root,
        Err(Unpacked::Refused(message)) => return Ok(failed(message)),
        Err(Unpacked::Failed(e)) => return Err(e.into()),
    };
    let out = work.0.join("out");
    let child = match compile(state, &root, &out, format).await? {
        Ok(child) => child,
        Err(message) => return Ok(failed(message)),
    };
    let findings = serde_json::to_string(&child.findings).unwrap_or_default();
    let Some(built) = child.built else {
        let message = child.message.unwrap_or_else(|| {
            if child.refused.is_empty() {
                "The course has errors: fix them and upload it again".into()
            } else {
                child.refused.join("; ")
            }
        });
        return Ok(BuildOutcome {
            message,
            diagnostics: child.diagnostics,
            findings,
            ..BuildOutcome::default()
        });
    };
    // What the child names must be the package it was asked to write, in `out`.
    let built = out.join(
        FsPath::new(&built)
            .file_name()
            .ok_or_else(|| ImportError::Task("the builder named no package".into()))?,
    );
    let received = {
        let dir = state.settings.data_dir.join("uploads");
        tokio::task::spawn_blocking(move || {
            super::import::receive_blocking(&mut std::fs::File::open(&built)?, &dir)
        })
        .await
        .map_err(|e| ImportError::Task(e.to_string()))??
    };
    let (report, placed) =
        super::accept_upload(state, &org, job.requested_by, job.course_id, &received).await?;
    // Kept as the report's page shows it.
    let report_json = serde_json::to_string(&super::report_view(&report)).ok();
    Ok(match placed {
        Some(placed) => BuildOutcome {
            succeeded: true,
            message: format!(
                "Version {} of {}",
                placed.version, placed.course.listing.title
            ),
            diagnostics: child.diagnostics,
            findings,
            report: report_json,
            course_id: Some(placed.course.id),
            version: Some(placed.version),
        },
        None => BuildOutcome {
            message: "The course was built, but its package was refused: the report says why"
                .into(),
            diagnostics: child.diagnostics,
            findings,
            report: report_json,
            ..BuildOutcome::default()
        },
    })
}

/// Why sources could not be unpacked.
enum Unpacked {
    /// The uploader's fault: a sentence for them.
    Refused(String),
    Failed(std::io::Error),
}

/// Unpacks the zip `source` into `into` with the packager's checked archive, and finds
/// the course in it: `course.toml` at the top, or in the one folder at the top.
fn unpack(
    source: &FsPath,
    into: &FsPath,
    limits: &packager::inspect::Limits,
) -> Result<PathBuf, Unpacked> {
    let zip = std::fs::File::open(source).map_err(Unpacked::Failed)?;
    let mut archive = CheckedArchive::open(zip, limits)
        .map_err(|r| Unpacked::Refused(format!("The zip cannot be used: {}", r.reason)))?;
    std::fs::create_dir_all(into).map_err(Unpacked::Failed)?;
    archive
        .extract_with(&mut |entry, data| {
            if entry.name.ends_with('/') {
                return Ok(());
            }
            // The checked archive's names are relative, `/`-separated, without `.`,
            // `..` or empty components: joined, they stay inside `into`.
            let path = into.join(&entry.name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut file = std::fs::File::create_new(&path)?;
            std::io::copy(data, &mut file)?;
            Ok(())
        })
        .map_err(|e| match e {
            ExtractError::Refused(r) => {
                Unpacked::Refused(format!("The zip cannot be used: {}", r.reason))
            }
            ExtractError::Storage { entry, source } => Unpacked::Refused(format!(
                "The zip cannot be unpacked: {entry}: {}",
                source.kind()
            )),
        })?;
    if into.join("course.toml").is_file() {
        return Ok(into.to_path_buf());
    }
    let folders: Vec<PathBuf> = std::fs::read_dir(into)
        .map_err(Unpacked::Failed)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && p.join("course.toml").is_file())
        .collect();
    match folders.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Unpacked::Refused(
            "The zip holds no course: zip the course's folder, the one with course.toml in it"
                .into(),
        )),
        _ => Err(Unpacked::Refused(
            "The zip holds more than one course: upload one course at a time".into(),
        )),
    }
}

/// What the builder child reports on its standard output, as JSON.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ChildReport {
    /// The package written, when one was.
    pub built: Option<String>,
    /// The diagnostics, as `course check` prints them.
    pub diagnostics: String,
    pub findings: Vec<Finding>,
    /// Why the format asked for could not be made (too much progress for SCORM 1.2, over
    /// the size budget).
    pub refused: Vec<String>,
    /// Why the build stopped, when that was not the course's diagnostics.
    pub message: Option<String>,
}

/// One diagnostic, for pages and the API.
#[derive(Debug, Serialize, Deserialize)]
pub struct Finding {
    pub severity: String,
    pub code: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
}

/// Runs the builder child on the course at `root`, writing into `out`: its report, or
/// why it did not give one (a sentence for the uploader).
async fn compile(
    state: &AppState,
    root: &FsPath,
    out: &FsPath,
    format: Format,
) -> Result<Result<ChildReport, String>, ImportError> {
    let settings = &state.settings;
    let program = if settings.builder_program.as_os_str().is_empty() {
        std::env::current_exe()?
    } else {
        settings.builder_program.clone()
    };
    let limit = Duration::from_secs(settings.build_time_limit_secs.max(1));
    let mut command = tokio::process::Command::new(program);
    command
        .arg("build-course")
        .arg("--course")
        .arg(root)
        .arg("--out")
        .arg(out)
        .arg("--format")
        .arg(format.name())
        .arg("--memory-mib")
        .arg(settings.build_memory_mib.to_string())
        .arg("--cpu-secs")
        .arg(limit.as_secs().to_string())
        .env_clear()
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = command.spawn()?;
    // On the time limit the future is dropped, and with it the child, which is killed.
    let Ok(output) = tokio::time::timeout(limit, child.wait_with_output()).await else {
        return Ok(Err(format!(
            "The build took longer than {} seconds and was stopped",
            limit.as_secs()
        )));
    };
    let output = output?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        tracing::warn!(status = %output.status, stderr = %said.trim(), "a course build stopped");
        return Ok(Err(format!(
            "The build stopped before it finished: it may have needed more than its {} MiB of memory or {} seconds of processing",
            settings.build_memory_mib,
            limit.as_secs()
        )));
    }
    serde_json::from_slice(&output.stdout)
        .map(Ok)
        .map_err(|e| ImportError::Task(format!("the builder's report: {e}")))
}

/// The arguments of `marketplace build-course`.
#[derive(Debug, Clone)]
pub struct ChildArgs {
    pub course: PathBuf,
    pub out: PathBuf,
    pub format: Format,
    pub memory_mib: u64,
    pub cpu_secs: u64,
}

/// `marketplace build-course`: the child a worker runs. It limits its own memory and
/// CPU time first, then builds the course and prints a [`ChildReport`] as JSON.
pub fn child(args: &ChildArgs) -> ExitCode {
    let memory = args.memory_mib.saturating_mul(1 << 20);
    let limited = rlimit::setrlimit(rlimit::Resource::AS, memory, memory)
        .and_then(|()| rlimit::setrlimit(rlimit::Resource::CPU, args.cpu_secs, args.cpu_secs + 5));
    if let Err(e) = limited {
        eprintln!("error: cannot limit the build: {e}");
        return ExitCode::from(1);
    }
    let report = build_report(args);
    match serde_json::to_string(&report) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn build_report(args: &ChildArgs) -> ChildReport {
    let opts = BuildOptions {
        variables: Default::default(),
        today: None,
        deny_warnings: false,
    };
    let dir = &args.course;
    let findings = |d: &authoring::Diagnostics| {
        d.iter()
            .map(|d| Finding {
                severity: d.severity.label().into(),
                code: d.code.into(),
                file: d.file.display().to_string(),
                line: d.position.line,
                column: d.position.column,
                message: d.message.clone(),
                help: d.help.clone(),
            })
            .collect()
    };
    // Paths in messages are shown relative to the course, never as the server's.
    let relative = |message: String| {
        message
            .replace(&format!("{}/", dir.display()), "")
            .replace(&args.out.display().to_string(), "the output")
    };
    match packaging::package(dir, &args.out, &[args.format], &opts) {
        Ok(done) => ChildReport {
            built: done.written.first().map(|w| w.path.display().to_string()),
            diagnostics: done.diagnostics.render(dir),
            findings: findings(&done.diagnostics),
            refused: done
                .refused
                .iter()
                .map(|e| relative(e.to_string()))
                .collect(),
            message: None,
        },
        Err(PackagingError::Build(BuildError::Invalid(diags))) => ChildReport {
            diagnostics: diags.render(dir),
            findings: findings(&diags),
            ..ChildReport::default()
        },
        Err(PackagingError::Package(e)) => ChildReport {
            refused: vec![relative(e.to_string())],
            ..ChildReport::default()
        },
        Err(e) => ChildReport {
            message: Some(relative(format!("The course could not be built: {e}"))),
            ..ChildReport::default()
        },
    }
}

/// Fails builds whose sources never finished arriving, and removes stored sources that
/// no build waiting or running needs.
pub async fn clean_up(state: &AppState) -> Result<(), ImportError> {
    let before = now() - i64::try_from(state.settings.upload_timeout_secs).unwrap_or(0);
    for id in state.store.fail_stale_receiving(before).await? {
        state.files.delete(&source_key(id)).await?;
    }
    for name in state.files.folders("builds").await? {
        let id = name
            .strip_suffix(".zip")
            .and_then(|n| n.parse::<i64>().ok());
        let needed = match id {
            Some(id) => state.store.build_needs_source(id).await?,
            None => false,
        };
        if !needed {
            state.files.delete(&format!("builds/{name}")).await?;
        }
    }
    Ok(())
}

pub(super) fn routes(r: &mut Routes) {
    r.add_upload(
        "/o/{slug}/admin/courses/build",
        Access::Organisation,
        get(build_page).post(build_upload),
    );
    r.add(
        "/o/{slug}/admin/courses/builds/{build_id}",
        Access::Organisation,
        get(build_status),
    );
}

/// What a build's status means, in words.
fn status_label(status: &str) -> &'static str {
    match status {
        "receiving" => "Receiving the sources",
        "queued" => "Waiting to be built",
        "running" => "Building",
        "succeeded" => "Built and imported",
        _ => "Failed",
    }
}

fn format_label(format: &str) -> &'static str {
    match format {
        "scorm12" => "SCORM 1.2",
        _ => "SCORM 2004",
    }
}

#[derive(Debug, Deserialize)]
struct BuildQuery {
    /// The course the sources are a new version of.
    course: Option<String>,
}

/// `GET /o/{slug}/admin/courses/build`: the form, and the recent builds.
async fn build_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(q): Query<BuildQuery>,
) -> web::Result<Response> {
    let (org, _) = publisher_of(&state, &viewer, &slug, "courses/build").await?;
    let course = match q.course.as_deref().filter(|c| !c.is_empty()) {
        Some(id) => Some(super::course_of(&state, &org, id).await?),
        None => None,
    };
    build_view(&state, &viewer, &org, course.as_ref(), BuildForm::default()).await
}

/// What the form showed, and what was wrong with it.
#[derive(Default)]
struct BuildForm {
    status: Option<StatusCode>,
    error: Option<String>,
    format: Option<String>,
}

async fn build_view(
    state: &AppState,
    viewer: &Viewer,
    org: &Organisation,
    course: Option<&crate::store::Course>,
    form: BuildForm,
) -> web::Result<Response> {
    let errors = FieldError::only("package", form.error);
    let builds: Vec<serde_json::Value> = state
        .store
        .builds_of(org.id, 10)
        .await?
        .iter()
        .map(|b| {
            let mut v = serde_json::json!(b);
            v["status_label"] = status_label(&b.status).into();
            v
        })
        .collect();
    let title = if errors.is_empty() {
        "Upload a Markdown course"
    } else {
        "Error: Upload a Markdown course"
    };
    let page = templates().page(
        "course_build.html",
        title,
        viewer,
        Some(org),
        serde_json::json!({
            "errors": errors,
            "course": course,
            "format": form.format,
            "builds": builds,
            "max_size": web::size(usize::try_from(state.settings.max_course_source_bytes).unwrap_or(usize::MAX)),
        }),
    )?;
    Ok((form.status.unwrap_or(StatusCode::OK), page).into_response())
}

/// `POST /o/{slug}/admin/courses/build`: a zip of a course's folder, queued to be built.
async fn build_upload(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    request: Request,
) -> web::Result<Response> {
    let (org, me) = publisher_of(&state, &viewer, &slug, "courses/build").await?;
    let form = super::read_package_form(
        &state,
        &viewer,
        &org,
        request,
        state.settings.max_course_source_bytes,
    )
    .await?;
    let course = match form.course {
        Some(id) => state.store.course(org.id, id).await?,
        None => None,
    };
    let format_name = form.format.clone().unwrap_or_else(|| "scorm2004".into());
    let refuse = |status: StatusCode, message: String| {
        build_view(
            &state,
            &viewer,
            &org,
            course.as_ref(),
            BuildForm {
                status: Some(status),
                error: Some(message),
                format: Some(format_name.clone()),
            },
        )
    };
    let Some(format) = format_named(&format_name) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "Choose SCORM 2004 or SCORM 1.2".into(),
        )
        .await;
    };
    let received = match form.received {
        None => {
            let message =
                "Select the course: a .zip of the course's folder, the one with course.toml in it";
            return refuse(StatusCode::BAD_REQUEST, message.into()).await;
        }
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            let (status, message) = super::upload_problem(e)?;
            return refuse(status, message).await;
        }
    };
    let id = enqueue(
        &state,
        &org,
        me.user.id,
        form.course,
        format,
        &form.file_name,
        &received,
    )
    .await
    .map_err(Error::internal)?;
    Ok(Redirect::to(&format!("/o/{slug}/admin/courses/builds/{id}")).into_response())
}

/// A build as JSON: for its page's script and the API.
pub fn build_json(b: &CourseBuild) -> serde_json::Value {
    let mut v = serde_json::json!(b);
    v["status_label"] = status_label(&b.status).into();
    v["finished"] = b.is_finished().into();
    v["findings"] = serde_json::from_str(&b.findings).unwrap_or_default();
    v["report"] = b
        .report
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_default();
    v
}

/// `GET /o/{slug}/admin/courses/builds/{build_id}`: a build, as a page, or as JSON for
/// the page's own script (`Accept: application/json`).
async fn build_status(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> web::Result<Response> {
    let (org, _) = publisher_of(&state, &viewer, &slug, &format!("courses/builds/{id}")).await?;
    let id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    let build = state
        .store
        .build(org.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    if wants_json {
        return Ok(axum::Json(build_json(&build)).into_response());
    }
    let mut values = build_json(&build);
    values["format_label"] = format_label(&build.format).into();
    templates().page(
        "course_build_status.html",
        &format!("Build {}", build.id),
        &viewer,
        Some(&org),
        serde_json::json!({
            "build": values,
            "status_label": status_label(&build.status),
            "finished": build.is_finished(),
            "findings": values["findings"],
            "report": values["report"],
            "created": crate::orgs::when(build.created_at),
        }),
    )
}
