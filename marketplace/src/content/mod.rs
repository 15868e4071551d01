//! Content: an organisation's courses, each with versions that are packages. Packages
//! are uploaded from a page (or the API), inspected, imported all or nothing
//! ([`import`]), and become a course or a new version of one; the owner writes the
//! listing and publishes it.

pub mod builds;
pub mod bulk;
pub mod import;

use std::time::Duration;

use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::model::{Organisation, Role};
use crate::money::{parse_pence, pounds, price_label};
use crate::state::{Access, AppState, Routes};
use crate::store::{Course, Listing, SessionUser};
use crate::web::{self, Error, FieldError, Viewer, check_csrf, templates};
use import::{ImportError, Received, Report};

pub fn routes(r: &mut Routes) {
    builds::routes(r);
    r.add(
        "/o/{slug}/admin/courses",
        Access::Organisation,
        get(courses_page),
    );
    r.add_upload(
        "/o/{slug}/admin/courses/upload",
        Access::Organisation,
        get(upload_page).post(upload),
    );
    r.add_upload(
        "/o/{slug}/admin/courses/catalogue",
        Access::Organisation,
        get(catalogue_page).post(catalogue_upload),
    );
    r.add(
        "/o/{slug}/admin/courses/{course_id}",
        Access::Organisation,
        get(course_page).post(save_course),
    );
    r.add(
        "/o/{slug}/admin/courses/{course_id}/preview",
        Access::Organisation,
        get(preview_newest),
    );
}

/// `GET /o/{slug}/admin/courses/{course_id}/preview`: the newest version, published or
/// not, played on the content origin with nothing recorded, for its owner to check.
async fn preview_newest(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, id)): Path<(String, String)>,
) -> web::Result<Response> {
    let (org, _) = publisher_of(&state, &viewer, &slug, &format!("courses/{id}")).await?;
    let course = course_of(&state, &org, &id).await?;
    let newest = state
        .store
        .versions(org.id, course.id)
        .await?
        .into_iter()
        .next()
        .ok_or(Error::NotFound)?;
    let link = crate::delivery::preview_link(&state, course.id, &newest.sha256).await?;
    Ok(Redirect::to(&link).into_response())
}

/// The organisation `slug` and the viewer, when they may manage its courses: its
/// administrators, training managers and vendor publishers (and the platform's
/// administrators).
async fn publisher_of<'v>(
    state: &AppState,
    viewer: &'v Viewer,
    slug: &str,
    page: &str,
) -> web::Result<(Organisation, &'v SessionUser)> {
    crate::orgs::member_who(
        state,
        viewer,
        slug,
        page,
        Role::manages_courses,
        "Only this organisation's administrators, training managers and publishers can manage its courses.",
    )
    .await
}

/// An accepted upload, as a course: a new one, or a new version of `course_id`.
#[derive(Debug, Serialize)]
pub struct Placed {
    pub course: Course,
    pub version: i64,
    /// `false` when the package was already the course's newest version.
    pub new_version: bool,
}

/// Imports `received` for `org`, and when accepted makes it a new course or the next
/// version of `course_id`.
pub async fn accept_upload(
    state: &AppState,
    org: &Organisation,
    actor: Option<i64>,
    course_id: Option<i64>,
    received: &Received,
) -> Result<(Report, Option<Placed>), ImportError> {
    let report = import::import(
        &state.store,
        &state.files,
        state.settings.package_limits(),
        received,
        Duration::from_secs(state.settings.import_time_limit_secs),
    )
    .await?;
    let Some(package) = &report.package else {
        return Ok((report, None));
    };
    let placed = match course_id {
        Some(id) => {
            let (version, new_version) = state.store.add_version(org.id, id, package.id).await?;
            let course = state
                .store
                .course(org.id, id)
                .await?
                .ok_or(crate::store::StoreError::NotFound)?;
            Placed {
                course,
                version,
                new_version,
            }
        }
        None => {
            let listing = Listing {
                title: package.package.title.clone(),
                language: "en-GB".into(),
                ..Listing::default()
            };
            let course = state
                .store
                .create_course(org.id, None, &listing, package.id)
                .await?;
            Placed {
                course,
                version: 1,
                new_version: true,
            }
        }
    };
    state
        .store
        .audit(
            Some(org.id),
            actor,
            "uploaded a package",
            &format!(
                "{}, version {} ({})",
                placed.course.listing.title, placed.version, package.package.scorm_version
            ),
        )
        .await?;
    Ok((report, Some(placed)))
}

async fn courses_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> web::Result<Response> {
    let (org, _) = publisher_of(&state, &viewer, &slug, "courses").await?;
    let courses: Vec<serde_json::Value> = state
        .store
        .courses_of(org.id)
        .await?
        .into_iter()
        .map(|c| {
            let price = price_label(c.listing.price_pence);
            let overdue = crate::catalogue::review_overdue(c.listing.review_by.as_deref());
            let mut v = serde_json::json!(c);
            v["price"] = price.into();
            v["review_overdue"] = overdue.into();
            v
        })
        .collect();
    templates().page(
        "courses.html",
        "Courses",
        &viewer,
        Some(&org),
        serde_json::json!({ "courses": courses }),
    )
}

async fn upload_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> web::Result<Response> {
    let (org, _) = publisher_of(&state, &viewer, &slug, "courses/upload").await?;
    upload_view(&state, &viewer, &org, StatusCode::OK, None, None)
}

fn upload_view(
    state: &AppState,
    viewer: &Viewer,
    org: &Organisation,
    status: StatusCode,
    error: Option<String>,
    report: Option<&Report>,
) -> web::Result<Response> {
    let errors = FieldError::only("package", error);
    let title = if errors.is_empty() && report.is_none() {
        "Upload a package"
    } else {
        "Error: Upload a package"
    };
    let page = templates().page(
        "course_upload.html",
        title,
        viewer,
        Some(org),
        serde_json::json!({
            "errors": errors,
            "report": report.map(report_view),
            "max_size": web::size(usize::try_from(state.settings.max_package_bytes).unwrap_or(usize::MAX)),
        }),
    )?;
    Ok((status, page).into_response())
}

/// A report as the page template shows it.
fn report_view(r: &Report) -> serde_json::Value {
    let findings = r
        .inspection
        .as_ref()
        .map(|i| serde_json::json!(i.findings))
        .unwrap_or_default();
    serde_json::json!({
        "verdict": r.verdict,
        "refusal": r.refusal,
        "findings": findings,
        "version": r.inspection.as_ref().map(|i| i.version.label()),
        "scos": r.inspection.as_ref().map_or(0, |i| i.scos.len()),
        "already_held": r.already_held,
        "notes": r.notes,
    })
}

/// An upload form, read: the course it is a new version of, if it says; the format to
/// build (Markdown courses); the file's name and the file received to disk, if one was
/// chosen.
struct PackageForm {
    course: Option<i64>,
    format: Option<String>,
    file_name: String,
    received: Option<Result<Received, ImportError>>,
}

/// Reads an upload form whose fields come before its file (`package`), so the CSRF
/// token is checked before a byte of the file is read.
async fn read_package_form(
    state: &AppState,
    viewer: &Viewer,
    org: &Organisation,
    request: Request,
    max: u64,
) -> web::Result<PackageForm> {
    let mut form = Multipart::from_request(request, &()).await.map_err(|e| {
        Error::BadRequest(format!(
            "Upload the file with the form on this page ({})",
            e.body_text()
        ))
    })?;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        Error::BadRequest(format!("The upload could not be read: {}", e.body_text()))
    };
    let mut csrf = false;
    let mut read = PackageForm {
        course: None,
        format: None,
        file_name: String::new(),
        received: None,
    };
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or("") {
            "csrf" => {
                let token = field.text().await.map_err(unreadable)?;
                check_csrf(viewer, &token)?;
                csrf = true;
            }
            "course" => {
                let text = field.text().await.map_err(unreadable)?;
                let id: i64 = text.trim().parse().map_err(|_| Error::NotFound)?;
                state
                    .store
                    .course(org.id, id)
                    .await?
                    .ok_or(Error::NotFound)?;
                read.course = Some(id);
            }
            "format" => read.format = Some(field.text().await.map_err(unreadable)?),
            // A file before the token: refused unread.
            "package" if !csrf => check_csrf(viewer, "")?,
            // A file input left empty sends a part with no file name.
            "package" if field.file_name().is_some_and(|n| !n.is_empty()) => {
                read.file_name = field.file_name().unwrap_or_default().to_string();
                let uploads = state.settings.data_dir.join("uploads");
                read.received = Some(import::receive(field, &uploads, max).await);
            }
            _ => {}
        }
    }
    if !csrf {
        check_csrf(viewer, "")?;
    }
    Ok(read)
}

/// What to tell the uploader when an upload failed for a reason of theirs; an internal
/// error otherwise.
fn upload_problem(e: ImportError) -> web::Result<(StatusCode, String)> {
    Ok(match &e {
        ImportError::TooLarge(max) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The file is too large: the largest accepted is {}",
                web::size(usize::try_from(*max).unwrap_or(usize::MAX))
            ),
        ),
        ImportError::Empty => (StatusCode::BAD_REQUEST, "The file is empty".into()),
        ImportError::Interrupted(_) => (
            StatusCode::BAD_REQUEST,
            "The upload was interrupted: try again".into(),
        ),
        ImportError::Busy => (StatusCode::CONFLICT, e.to_string()),
        _ => return Err(Error::internal(e)),
    })
}

/// `POST /o/{slug}/admin/courses/upload`: a package, as a new course or a new version.
async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    request: Request,
) -> web::Result<Response> {
    let (org, me) = publisher_of(&state, &viewer, &slug, "courses/upload").await?;
    let PackageForm {
        course: course_id,
        received,
        ..
    } = read_package_form(
        &state,
        &viewer,
        &org,
        request,
        state.settings.max_package_bytes,
    )
    .await?;
    let refuse = |status, message: String, report: Option<&Report>| {
        upload_view(&state, &viewer, &org, status, Some(message), report)
    };
    let received = match received {
        None => {
            let message = "Select a package: the .zip file your authoring tool exported";
            return refuse(StatusCode::BAD_REQUEST, message.into(), None);
        }
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            let (status, message) = upload_problem(e)?;
            return refuse(status, message, None);
        }
    };
    match accept_upload(&state, &org, Some(me.user.id), course_id, &received).await {
        Ok((_, Some(placed))) => Ok(Redirect::to(&format!(
            "/o/{slug}/admin/courses/{}?uploaded={}",
            placed.course.id, placed.version
        ))
        .into_response()),
        Ok((report, None)) => refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The package was refused: the report below says why".into(),
            Some(&report),
        ),
        Err(e) => {
            let (status, message) = upload_problem(e)?;
            refuse(status, message, None)
        }
    }
}

async fn catalogue_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> web::Result<Response> {
    let (org, _) = publisher_of(&state, &viewer, &slug, "courses/catalogue").await?;
    catalogue_view(&viewer, &org, StatusCode::OK, None, None)
}

fn catalogue_view(
    viewer: &Viewer,
    org: &Organisation,
    status: StatusCode,
    error: Option<String>,
    report: Option<&bulk::Report>,
) -> web::Result<Response> {
    let errors = FieldError::only("package", error);
    let page = templates().page(
        "catalogue_upload.html",
        if errors.is_empty() {
            "Upload a catalogue"
        } else {
            "Error: Upload a catalogue"
        },
        viewer,
        Some(org),
        serde_json::json!({ "errors": errors, "report": report }),
    )?;
    Ok((status, page).into_response())
}

/// `POST /o/{slug}/admin/courses/catalogue`: a zip of packages and their list.
async fn catalogue_upload(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    request: Request,
) -> web::Result<Response> {
    let (org, me) = publisher_of(&state, &viewer, &slug, "courses/catalogue").await?;
    let received = match read_package_form(
        &state,
        &viewer,
        &org,
        request,
        state.settings.max_catalogue_bytes,
    )
    .await?
    .received
    {
        None => {
            let message = "Select the catalogue: a .zip holding catalogue.csv and the packages";
            return catalogue_view(
                &viewer,
                &org,
                StatusCode::BAD_REQUEST,
                Some(message.into()),
                None,
            );
        }
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            let (status, message) = upload_problem(e)?;
            return catalogue_view(&viewer, &org, status, Some(message), None);
        }
    };
    match bulk::run(&state, &org, me.user.id, &received).await {
        Ok(report) => catalogue_view(&viewer, &org, StatusCode::OK, None, Some(&report)),
        Err(bulk::BulkError::File(message)) => catalogue_view(
            &viewer,
            &org,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(message),
            None,
        ),
        Err(bulk::BulkError::Import(e)) => {
            let (status, message) = upload_problem(e)?;
            catalogue_view(&viewer, &org, status, Some(message), None)
        }
    }
}

#[derive(Deserialize)]
struct Uploaded {
    uploaded: Option<i64>,
    saved: Option<String>,
}

/// Course `id` (as in the path) of `org`.
async fn course_of(state: &AppState, org: &Organisation, id: &str) -> web::Result<Course> {
    let id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    state.store.course(org.id, id).await?.ok_or(Error::NotFound)
}

async fn course_view(
    state: &AppState,
    viewer: &Viewer,
    org: &Organisation,
    course: &Course,
    form: Option<&ListingForm>,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> web::Result<Response> {
    let versions = state.store.versions(org.id, course.id).await?;
    let newest = match versions.first() {
        Some(v) => state.store.package_by_sha(&v.sha256).await?,
        None => None,
    };
    let findings = newest
        .as_ref()
        .and_then(|p| serde_json::from_str::<serde_json::Value>(&p.package.inspection).ok())
        .map(|i| i["findings"].clone())
        .unwrap_or_default();
    let mut form = form.map_or_else(|| ListingForm::from(course), |f| f.clone());
    if form.launch_in.is_empty() {
        form.launch_in = state.store.launch_in(course.id).await?;
    }
    // Who is on which version: this organisation's learners, and other organisations'
    // as counts (their people are theirs to see).
    let counts = state.store.version_counts(course.id).await?;
    let versions: Vec<serde_json::Value> = versions
        .iter()
        .map(|v| {
            let mut j = serde_json::json!(v);
            let on: Vec<serde_json::Value> = counts
                .iter()
                .filter(|c| c.version_number == v.number)
                .map(|c| serde_json::json!({ "org": c.org_name, "own": c.org_id == org.id, "learners": c.learners }))
                .collect();
            j["learners"] = on.into();
            j
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = templates().page(
        "course.html",
        &course.listing.title,
        viewer,
        Some(org),
        serde_json::json!({
            "course": course,
            "versions": versions,
            "package": newest,
            "findings": findings,
            "form": form,
            "errors": errors,
            "notice": notice,
            "max_size": web::size(usize::try_from(state.settings.max_package_bytes).unwrap_or(usize::MAX)),
        }),
    )?;
    Ok((status, page).into_response())
}

async fn course_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<Uploaded>,
) -> web::Result<Response> {
    let (org, _) = publisher_of(&state, &viewer, &slug, &format!("courses/{id}")).await?;
    let course = course_of(&state, &org, &id).await?;
    let notice = match (q.uploaded, q.saved) {
        (Some(n), _) => Some(format!(
            "The package was accepted as version {n}. Check the report, write the listing and publish it."
        )),
        (_, Some(_)) => Some("Your changes have been saved.".to_string()),
        _ => None,
    };
    course_view(&state, &viewer, &org, &course, None, Vec::new(), notice).await
}

/// The listing form as posted (and as shown).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct ListingForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    topics: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    accessibility_notes: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    licence_months: String,
    #[serde(default)]
    review_by: String,
    /// `private` or `listed`.
    #[serde(default)]
    visibility: String,
    /// `frame` (in the player) or `window` (a window of its own).
    #[serde(default)]
    launch_in: String,
    /// `publish` publishes the newest version too.
    #[serde(default, skip_serializing)]
    action: String,
}

impl From<&Course> for ListingForm {
    fn from(course: &Course) -> Self {
        let c = &course.listing;
        ListingForm {
            title: c.title.clone(),
            summary: c.summary.clone(),
            topics: c.topics.clone(),
            audience: c.audience.clone(),
            duration: c
                .duration_minutes
                .map(|m| m.to_string())
                .unwrap_or_default(),
            language: c.language.clone(),
            accessibility_notes: c.accessibility_notes.clone(),
            price: pounds(c.price_pence),
            licence_months: c.licence_months.map(|m| m.to_string()).unwrap_or_default(),
            review_by: c.review_by.clone().unwrap_or_default(),
            visibility: course.visibility.clone(),
            ..Default::default()
        }
    }
}

/// A count as typed into a listing (minutes, months): empty for none, else a whole
/// number from 1 to `max`.
fn optional_count(text: &str, max: i32) -> Result<Option<i32>, ()> {
    match text.trim() {
        "" => Ok(None),
        t => t
            .parse::<i32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .map(Some)
            .ok_or(()),
    }
}

fn validate_listing(f: &ListingForm) -> Result<(Listing, bool), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut error = |field: &'static str, message: &str| {
        errors.push(FieldError {
            field,
            message: message.into(),
        });
    };
    let title = f.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        error("title", "Enter the course's title, up to 200 characters");
    }
    if f.summary.chars().count() > 2000 {
        error("summary", "Keep the summary to 2,000 characters");
    }
    let duration = optional_count(&f.duration, 10_000).unwrap_or_else(|()| {
        error(
            "duration",
            "Enter the duration in whole minutes, such as 45",
        );
        None
    });
    let licence_months = optional_count(&f.licence_months, 120).unwrap_or_else(|()| {
        error(
            "licence_months",
            "Enter the licence period in whole months, from 1 to 120",
        );
        None
    });
    let price_pence = parse_pence(&f.price).unwrap_or_else(|| {
        error(
            "price",
            "Enter a price in pounds and pence, such as 12.50, or leave it empty for free",
        );
        0
    });
    let review_by = match f.review_by.trim() {
        "" => None,
        t => {
            match time::Date::parse(t, time::macros::format_description!("[year]-[month]-[day]")) {
                Ok(_) => Some(t.to_string()),
                Err(_) => {
                    error("review_by", "Enter the review-by date as 2027-03-31");
                    None
                }
            }
        }
    };
    let language = match f.language.trim() {
        "" => "en-GB".to_string(),
        l if l.len() <= 35 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            l.to_string()
        }
        _ => {
            error("language", "Enter a language tag, such as en-GB or cy-GB");
            String::new()
        }
    };
    let listed = match f.visibility.as_str() {
        "listed" => true,
        "private" | "" => false,
        _ => {
            error("visibility", "Choose who can find the course");
            false
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((
        Listing {
            title: title.to_string(),
            summary: f.summary.trim().to_string(),
            topics: f.topics.trim().to_string(),
            audience: f.audience.trim().to_string(),
            duration_minutes: duration,
            language,
            accessibility_notes: f.accessibility_notes.trim().to_string(),
            price_pence,
            licence_months,
            review_by,
        },
        listed,
    ))
}

async fn save_course(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, id)): Path<(String, String)>,
    axum::Form(form): axum::Form<ListingForm>,
) -> web::Result<Response> {
    let (org, me) = publisher_of(&state, &viewer, &slug, &format!("courses/{id}")).await?;
    let course = course_of(&state, &org, &id).await?;
    check_csrf(&viewer, &form.csrf)?;
    let (listing, listed) = match validate_listing(&form) {
        Ok(v) => v,
        Err(errors) => {
            return course_view(&state, &viewer, &org, &course, Some(&form), errors, None).await;
        }
    };
    state
        .store
        .update_listing(org.id, course.id, &listing, listed)
        .await?;
    if matches!(form.launch_in.as_str(), "frame" | "window") {
        state
            .store
            .set_launch_in(org.id, course.id, &form.launch_in)
            .await?;
    }
    let mut what = format!("listing of {}", listing.title);
    if form.action == "publish"
        && let Some(newest) = state.store.versions(org.id, course.id).await?.first()
    {
        state
            .store
            .publish_version(org.id, course.id, newest.number)
            .await?;
        what = format!("published version {} of {}", newest.number, listing.title);
    }
    state
        .store
        .audit(Some(org.id), Some(me.user.id), "changed a course", &what)
        .await?;
    Ok(Redirect::to(&format!("/o/{slug}/admin/courses/{}?saved=1", course.id)).into_response())
}
