//! The training manager's view: enrolling one person, a department or a list on a course
//! with an optional due date, and per learner of the organisation where they are (status,
//! score, time spent, attempts, last activity, version), by department, and as CSV.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

use crate::model::{Organisation, Role};
use crate::orgs::when;
use crate::player::{enrollable, percent, status_label, time_spent};
use crate::state::{Access, AppState, Routes};
use crate::store::{EnrolmentRow, SessionUser};
use crate::web::{self, Error, FieldError, Viewer, templates};

pub fn routes(r: &mut Routes) {
    r.add(
        "/o/{slug}/admin/training",
        Access::Organisation,
        get(training_page).post(save_settings),
    );
    r.add(
        "/o/{slug}/admin/training/{course_id}",
        Access::Organisation,
        get(course_training).post(enrol),
    );
}

/// The organisation `slug` and the viewer, when they manage its training: its
/// administrators and training managers (and the platform's administrators).
async fn manager_of<'v>(
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
        Role::manages_training,
        "Only this organisation's administrators and training managers can manage its training.",
    )
    .await
}

/// `GET /o/{slug}/admin/training`: the courses the organisation's people are on, and
/// whether they may enrol themselves.
async fn training_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> web::Result<Response> {
    let (org, _) = manager_of(&state, &viewer, &slug, "training").await?;
    let courses: Vec<_> = state
        .store
        .training_courses(org.id)
        .await?
        .into_iter()
        .map(|(id, title, learners, done)| {
            json!({ "id": id, "title": title, "learners": learners, "done": done })
        })
        .collect();
    let own: Vec<_> = state
        .store
        .courses_of(org.id)
        .await?
        .into_iter()
        .map(|c| json!({ "id": c.id, "title": c.listing.title }))
        .collect();
    templates().page(
        "training.html",
        "Training",
        &viewer,
        Some(&org),
        json!({
            "courses": courses,
            "own": own,
            "self_enrolment": state.store.self_enrolment(org.id).await?,
        }),
    )
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    self_enrolment: String,
}

/// `POST /o/{slug}/admin/training`: whether people may enrol themselves.
async fn save_settings(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    axum::Form(form): axum::Form<SettingsForm>,
) -> web::Result<Response> {
    let (org, me) = manager_of(&state, &viewer, &slug, "training").await?;
    web::check_csrf(&viewer, &form.csrf)?;
    let on = form.self_enrolment == "yes";
    state.store.set_self_enrolment(org.id, on).await?;
    state
        .store
        .audit(
            Some(org.id),
            Some(me.user.id),
            "training.self_enrolment",
            if on { "allowed" } else { "not allowed" },
        )
        .await?;
    Ok(Redirect::to(&format!("/o/{slug}/admin/training")).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct ViewQuery {
    #[serde(default)]
    department: String,
    #[serde(default)]
    format: String,
}

fn row_view(r: &EnrolmentRow) -> serde_json::Value {
    let e = &r.enrolment;
    json!({
        "name": r.user_name,
        "email": r.email,
        "department": r.department,
        "status": e.status,
        "status_label": status_label(&e.status),
        "score": percent(e.score),
        "time": time_spent(e.seconds),
        "attempts": e.attempts,
        "last_activity": e.last_activity.map(when),
        "version": r.version_number,
        "due_on": e.due_on,
        "source": e.source,
    })
}

/// The learners' table as CSV, one row per learner.
fn csv(rows: &[EnrolmentRow]) -> web::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "name",
        "email",
        "department",
        "status",
        "score_percent",
        "minutes_spent",
        "attempts",
        "last_activity",
        "version",
        "due_on",
        "enrolled_by",
    ])
    .map_err(Error::internal)?;
    for r in rows {
        let e = &r.enrolment;
        w.write_record([
            r.user_name.clone(),
            r.email.clone(),
            r.department.clone().unwrap_or_default(),
            e.status.clone(),
            e.score
                .map(|s| ((s * 100.0).round() as i64).to_string())
                .unwrap_or_default(),
            ((e.seconds / 60.0).round() as i64).to_string(),
            e.attempts.to_string(),
            e.last_activity.map(when).unwrap_or_default(),
            r.version_number.map(|v| v.to_string()).unwrap_or_default(),
            e.due_on.clone().unwrap_or_default(),
            e.source.clone(),
        ])
        .map_err(Error::internal)?;
    }
    w.into_inner().map_err(Error::internal)
}

/// `GET /o/{slug}/admin/training/{course_id}`: the organisation's learners on a course;
/// `?department=ID` keeps one department's, `?format=csv` downloads them.
async fn course_training(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, id)): Path<(String, String)>,
    query: Result<Query<ViewQuery>, axum::extract::rejection::QueryRejection>,
) -> web::Result<Response> {
    let (org, _) = manager_of(&state, &viewer, &slug, &format!("training/{id}")).await?;
    let q = query.map(|Query(q)| q).unwrap_or_default();
    show(&state, &viewer, &org, &id, &q, Vec::new(), None).await
}

async fn show(
    state: &AppState,
    viewer: &Viewer,
    org: &Organisation,
    id: &str,
    q: &ViewQuery,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> web::Result<Response> {
    let course_id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    let course = enrollable(state, org.id, course_id)
        .await?
        .ok_or(Error::NotFound)?;
    let department: Option<i64> = q.department.parse().ok();
    let rows = state
        .store
        .course_learners(org.id, course_id, department)
        .await?;
    if q.format == "csv" {
        let body = csv(&rows)?;
        let name = format!("attachment; filename=\"course-{course_id}-learners.csv\"");
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, name),
            ],
            body,
        )
            .into_response());
    }
    let departments = state.store.departments(org.id).await?;
    let count = |s: &[&str]| {
        rows.iter()
            .filter(|r| s.contains(&r.enrolment.status.as_str()))
            .count()
    };
    let mut csv_link = form_urlencoded::Serializer::new(String::new());
    if let Some(d) = department {
        csv_link.append_pair("department", &d.to_string());
    }
    csv_link.append_pair("format", "csv");
    templates().page(
        "training_course.html",
        &format!("Training: {}", course.listing.title),
        viewer,
        Some(org),
        json!({
            "errors": errors,
            "course": { "id": course.id, "title": course.listing.title, "provider": course.provider },
            "learners": rows.iter().map(row_view).collect::<Vec<_>>(),
            "departments": departments.iter().map(|d| json!({ "id": d.id, "name": d.name, "selected": Some(d.id) == department })).collect::<Vec<_>>(),
            "summary": {
                "total": rows.len(),
                "not_started": count(&["not-started"]),
                "in_progress": count(&["in-progress"]),
                "done": count(&["completed", "passed"]),
                "failed": count(&["failed"]),
            },
            "csv_link": format!("?{}", csv_link.finish()),
            "done": done,
        }),
    )
}

#[derive(Debug, Default, Deserialize)]
struct EnrolForm {
    #[serde(default)]
    csrf: String,
    /// `person`, `department` or `list`.
    #[serde(default)]
    who: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    department: String,
    /// E-mail addresses, one per line, or a CSV with an `email` column.
    #[serde(default)]
    list: String,
    /// `YYYY-MM-DD`, or empty.
    #[serde(default)]
    due_on: String,
}

/// The e-mail addresses in a pasted list: a CSV with an `email` column, or one per line
/// (commas and semicolons also separate).
fn addresses(list: &str) -> Vec<String> {
    let mut lines = list.lines().map(str::trim).filter(|l| !l.is_empty());
    let Some(first) = lines.clone().next() else {
        return Vec::new();
    };
    let header: Vec<String> = first
        .split(',')
        .map(|h| h.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    if let Some(col) = header.iter().position(|h| h == "email" || h == "e-mail") {
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(list.trim().as_bytes());
        return r
            .records()
            .filter_map(Result::ok)
            .filter_map(|rec| rec.get(col).map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty())
            .collect();
    }
    lines
        .by_ref()
        .flat_map(|l| l.split([',', ';']))
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A due date as typed: `YYYY-MM-DD` that is a real date.
fn due_date(text: &str) -> Result<Option<String>, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(t, &format)
        .map(|_| Some(t.to_string()))
        .map_err(|_| ())
}

/// `POST /o/{slug}/admin/training/{course_id}`: enrols one person, a department (with
/// its sub-departments) or a list, with an optional due date.
async fn enrol(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, id)): Path<(String, String)>,
    axum::Form(form): axum::Form<EnrolForm>,
) -> web::Result<Response> {
    let (org, me) = manager_of(&state, &viewer, &slug, &format!("training/{id}")).await?;
    web::check_csrf(&viewer, &form.csrf)?;
    let course_id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    enrollable(&state, org.id, course_id)
        .await?
        .ok_or(Error::NotFound)?;
    let q = ViewQuery::default();
    let Ok(due) = due_date(&form.due_on) else {
        let errors = FieldError::only(
            "due_on",
            Some("Enter the due date as a real date, like 2027-03-31".into()),
        );
        return show(&state, &viewer, &org, &id, &q, errors, None).await;
    };
    let mut people: Vec<i64> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    match form.who.as_str() {
        "department" => {
            let all = state.store.departments(org.id).await?;
            let Some(root) = form
                .department
                .parse::<i64>()
                .ok()
                .filter(|d| all.iter().any(|x| x.id == *d))
            else {
                let errors = FieldError::only("department", Some("Choose a department".into()));
                return show(&state, &viewer, &org, &id, &q, errors, None).await;
            };
            let within: Vec<i64> = all
                .iter()
                .filter(|d| crate::orgs::within(&all, d.id, root))
                .map(|d| d.id)
                .collect();
            people = state.store.department_members(org.id, &within).await?;
        }
        "list" => {
            let list = addresses(&form.list);
            if list.is_empty() {
                let errors =
                    FieldError::only("list", Some("Enter at least one e-mail address".into()));
                return show(&state, &viewer, &org, &id, &q, errors, None).await;
            }
            for a in list {
                match state.store.member_by_email(org.id, &a).await? {
                    Some(u) => people.push(u),
                    None => unknown.push(a),
                }
            }
        }
        _ => match state.store.member_by_email(org.id, &form.email).await? {
            Some(u) => people.push(u),
            None => {
                let errors = FieldError::only(
                    "email",
                    Some(if form.email.trim().is_empty() {
                        "Enter the e-mail address of a person in your organisation".into()
                    } else {
                        format!(
                            "No one in {} has the e-mail address {}",
                            org.name,
                            form.email.trim()
                        )
                    }),
                );
                return show(&state, &viewer, &org, &id, &q, errors, None).await;
            }
        },
    }
    let (mut added, mut already) = (0, 0);
    for u in &people {
        let (_, new) = state
            .store
            .enrol(
                org.id,
                *u,
                course_id,
                "assigned",
                Some(me.user.id),
                due.as_deref(),
            )
            .await?;
        if new {
            added += 1;
        } else {
            already += 1;
        }
    }
    state
        .store
        .audit(
            Some(org.id),
            Some(me.user.id),
            "training.enrol",
            &format!("course {course_id}: {added} enrolled, {already} already were"),
        )
        .await?;
    let mut done = format!(
        "{added} {} enrolled.",
        if added == 1 { "person" } else { "people" }
    );
    if already > 0 {
        done.push_str(&format!(" {already} already were."));
    }
    if !unknown.is_empty() {
        done.push_str(&format!(
            " Not found in {}: {}.",
            org.name,
            unknown.join(", ")
        ));
    }
    show(&state, &viewer, &org, &id, &q, Vec::new(), Some(done)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_of_addresses() {
        assert_eq!(
            addresses("a@x.nhs.uk\nb@x.nhs.uk; c@x.nhs.uk\n\n"),
            vec!["a@x.nhs.uk", "b@x.nhs.uk", "c@x.nhs.uk"]
        );
        assert_eq!(
            addresses("name,email\nAsha Patel,asha@x.nhs.uk\n\"Lee, Sam\",sam@x.nhs.uk\n"),
            vec!["asha@x.nhs.uk", "sam@x.nhs.uk"]
        );
        assert!(addresses("  \n").is_empty());
    }

    #[test]
    fn due_dates() {
        assert_eq!(due_date(""), Ok(None));
        assert_eq!(due_date("2027-03-31"), Ok(Some("2027-03-31".into())));
        assert!(due_date("2027-02-30").is_err());
        assert!(due_date("31/03/2027").is_err());
    }
}
