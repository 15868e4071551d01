//! Organisations' sub-sites (`/o/{slug}/`): the home page that lists them, each
//! sub-site with its branding and accessibility statement, and what its administrators
//! manage: branding, members and the audit log. Every page that shows an organisation's
//! own data checks the viewer's roles in that organisation first.

pub mod logo;
pub mod staff;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::model::{Branding, Organisation, Role};
use crate::state::{Access, AppState, Routes};
use crate::store::SessionUser;
use crate::web::templates;
use crate::web::{self, Error, FieldError, Viewer, check_csrf};

pub fn routes(r: &mut Routes) {
    r.add("/", Access::Public, get(home));
    r.add("/o/{slug}/", Access::Public, get(org_home));
    r.add(
        "/o/{slug}/accessibility",
        Access::Public,
        get(accessibility),
    );
    r.add("/o/{slug}/branding.css", Access::Public, get(branding_css));
    r.add("/o/{slug}/logo.png", Access::Public, get(logo::logo));
    r.add(
        "/o/{slug}/admin/logo",
        Access::Organisation,
        axum::routing::post(logo::change),
    );
    r.add(
        "/o/{slug}/admin/branding",
        Access::Organisation,
        get(branding_page).post(save_branding),
    );
    r.add(
        "/o/{slug}/admin/members",
        Access::Organisation,
        get(members),
    );
    r.add("/o/{slug}/admin/audit", Access::Organisation, get(audit));
    r.add(
        "/o/{slug}/admin/members/{user_id}",
        Access::Organisation,
        get(member_page).post(set_roles),
    );
    r.add(
        "/o/{slug}/admin/departments",
        Access::Organisation,
        get(departments_page).post(add_department),
    );
    r.add(
        "/o/{slug}/admin/departments/{department_id}",
        Access::Organisation,
        get(department_page).post(change_department),
    );
    r.add(
        "/o/{slug}/admin/staff",
        Access::Organisation,
        get(staff_page).post(staff_import),
    );
    r.add(
        "/o/{slug}/admin/invite",
        Access::Organisation,
        get(invite_page).post(invite),
    );
    r.add("/platform/outbox", Access::Platform, get(outbox));
}

async fn org(state: &AppState, slug: &str) -> web::Result<Organisation> {
    state.store.org_by_slug(slug).await?.ok_or(Error::NotFound)
}

/// The viewer, when they administer `org` (or the platform); otherwise sign in, or 403.
async fn admin<'v>(
    state: &AppState,
    viewer: &'v Viewer,
    org: &Organisation,
    here: &str,
) -> web::Result<&'v SessionUser> {
    let me = viewer.require(here)?;
    let roles = state.store.roles(org.id, me.user.id).await?;
    if roles.contains(&Role::OrgAdmin) || state.store.is_platform_admin(me.user.id).await? {
        Ok(me)
    } else {
        Err(Error::Forbidden(
            "Only this organisation's administrators can see this page.".into(),
        ))
    }
}

/// The organisation `slug` and the viewer, when they administer it; `page` is the
/// administration page asked for (`members`), where sign-in comes back to.
async fn admin_of<'v>(
    state: &AppState,
    viewer: &'v Viewer,
    slug: &str,
    page: &str,
) -> web::Result<(Organisation, &'v SessionUser)> {
    let org = org(state, slug).await?;
    let me = admin(state, viewer, &org, &format!("/o/{slug}/admin/{page}")).await?;
    Ok((org, me))
}

/// The organisation `slug` and the viewer, when they have a role there that `allowed`
/// accepts (or administer the platform); `page` is the administration page asked for,
/// where signing in comes back to; `refusal` says who may.
pub async fn member_who<'v>(
    state: &AppState,
    viewer: &'v Viewer,
    slug: &str,
    page: &str,
    allowed: fn(Role) -> bool,
    refusal: &str,
) -> web::Result<(Organisation, &'v SessionUser)> {
    let org = org(state, slug).await?;
    let me = viewer.require(&format!("/o/{slug}/admin/{page}"))?;
    let roles = state.store.roles(org.id, me.user.id).await?;
    if roles.into_iter().any(allowed) || state.store.is_platform_admin(me.user.id).await? {
        Ok((org, me))
    } else {
        Err(Error::Forbidden(refusal.into()))
    }
}

#[derive(Serialize)]
struct OrgLink {
    slug: String,
    name: String,
    kind_label: &'static str,
}

async fn home(State(state): State<AppState>, viewer: Viewer) -> web::Result<Response> {
    let orgs: Vec<OrgLink> = state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .filter(|o| o.kind != crate::model::OrgKind::Platform)
        .map(|o| OrgLink {
            kind_label: o.kind.label(),
            slug: o.slug,
            name: o.name,
        })
        .collect();
    templates().page(
        "home.html",
        "Home",
        &viewer,
        None,
        serde_json::json!({ "orgs": orgs }),
    )
}

async fn org_home(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> web::Result<Response> {
    let org = org(&state, &slug).await?;
    let (roles, is_admin, is_publisher, is_manager) = match &viewer.user {
        Some(me) => {
            let roles = state.store.roles(org.id, me.user.id).await?;
            let platform = state.store.is_platform_admin(me.user.id).await?;
            let admin = roles.contains(&Role::OrgAdmin) || platform;
            let publisher = roles.iter().any(|r| r.manages_courses()) || platform;
            let manager = admin || roles.contains(&Role::TrainingManager);
            (roles, admin, publisher, manager)
        }
        None => (Vec::new(), false, false, false),
    };
    let labels: Vec<&str> = roles.iter().map(|r| r.label()).collect();
    templates().page(
        "org.html",
        &org.name,
        &viewer,
        Some(&org),
        serde_json::json!({ "kind_label": org.kind.label(), "roles": labels, "is_admin": is_admin, "is_publisher": is_publisher, "is_manager": is_manager }),
    )
}

async fn accessibility(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> web::Result<Response> {
    let org = org(&state, &slug).await?;
    let statement_html = web::markdown(&org.accessibility_statement);
    templates().page(
        "accessibility.html",
        "Accessibility statement",
        &viewer,
        Some(&org),
        serde_json::json!({ "statement_html": statement_html.trim() }),
    )
}

/// The sub-site's colour, as a stylesheet (so that pages need no inline styles and the
/// content security policy can forbid them).
async fn branding_css(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> web::Result<Response> {
    let org = org(&state, &slug).await?;
    // Only a checked #rrggbb colour is ever stored.
    let css = match org.primary_colour {
        Some(c) if authoring::config::contrast_with_white(&c).is_some() => {
            format!(":root {{ --course-primary: {c}; }}\n")
        }
        _ => String::new(),
    };
    Ok(web::css(css))
}

#[derive(Deserialize)]
struct Saved {
    saved: Option<String>,
}

#[derive(Deserialize, Serialize, Default)]
struct BrandingForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    primary_colour: String,
    #[serde(default)]
    key_messages: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    accessibility_statement: String,
}

/// The branding a form asks for, or what is wrong with it, field by field.
fn validate_branding(f: &BrandingForm) -> Result<Branding, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = f.name.trim();
    if name.is_empty() {
        errors.push(FieldError {
            field: "name",
            message: "Enter the organisation's name".into(),
        });
    } else if name.chars().count() > 200 {
        errors.push(FieldError {
            field: "name",
            message: "The name must be 200 characters or fewer".into(),
        });
    }
    let colour = f.primary_colour.trim().to_ascii_lowercase();
    let primary_colour = if colour.is_empty() {
        None
    } else {
        match authoring::config::contrast_with_white(&colour) {
            None => {
                errors.push(FieldError {
                    field: "primary_colour",
                    message:
                        "Enter the header colour as # and six hexadecimal digits, like #005eb8"
                            .into(),
                });
                None
            }
            Some(ratio) if ratio < 4.5 => {
                errors.push(FieldError {
                    field: "primary_colour",
                    message: format!(
                        "White text on {colour} has a contrast of only {ratio:.1} to 1; choose a darker colour (at least 4.5 to 1)"
                    ),
                });
                None
            }
            Some(_) => Some(colour),
        }
    };
    for (field, value, max, what) in [
        ("key_messages", &f.key_messages, 5_000, "Key messages"),
        ("contact", &f.contact, 500, "Contact details"),
        (
            "accessibility_statement",
            &f.accessibility_statement,
            50_000,
            "The accessibility statement",
        ),
    ] {
        if value.chars().count() > max {
            errors.push(FieldError {
                field,
                message: format!("{what} must be {max} characters or fewer"),
            });
        }
    }
    if errors.is_empty() {
        Ok(Branding {
            name: name.to_string(),
            primary_colour,
            key_messages: f.key_messages.trim().to_string(),
            contact: f.contact.trim().to_string(),
            accessibility_statement: f.accessibility_statement.trim().to_string(),
        })
    } else {
        Err(errors)
    }
}

impl From<&Organisation> for BrandingForm {
    fn from(org: &Organisation) -> Self {
        BrandingForm {
            name: org.name.clone(),
            primary_colour: org.primary_colour.clone().unwrap_or_default(),
            key_messages: org.key_messages.clone(),
            contact: org.contact.clone(),
            accessibility_statement: org.accessibility_statement.clone(),
            ..Default::default()
        }
    }
}

/// The branding page of `org`: `form` as posted (or `None`, the stored branding), and
/// the problems with it or with a logo upload (400); `saved` says the last change was.
fn branding_view(
    viewer: &Viewer,
    org: &Organisation,
    form: Option<&BrandingForm>,
    errors: Vec<FieldError>,
    saved: bool,
) -> web::Result<Response> {
    let form = form.map_or_else(
        || serde_json::json!(BrandingForm::from(org)),
        |f| serde_json::json!(f),
    );
    let title = if errors.is_empty() {
        "Branding"
    } else {
        "Error: Branding"
    };
    form_page(
        "branding.html",
        title,
        viewer,
        org,
        errors,
        serde_json::json!({ "form": form, "saved": saved, "max_logo": web::size(logo::MAX_BYTES) }),
    )
}

async fn branding_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(q): Query<Saved>,
) -> web::Result<Response> {
    let (org, _) = admin_of(&state, &viewer, &slug, "branding").await?;
    branding_view(&viewer, &org, None, Vec::new(), q.saved.is_some())
}

async fn save_branding(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Form(form): Form<BrandingForm>,
) -> web::Result<Response> {
    let (org, me) = admin_of(&state, &viewer, &slug, "branding").await?;
    check_csrf(&viewer, &form.csrf)?;
    match validate_branding(&form) {
        Ok(branding) => {
            state.store.update_branding(org.id, &branding).await?;
            state
                .store
                .audit(
                    Some(org.id),
                    Some(me.user.id),
                    "changed branding",
                    &branding_summary(&org, &branding),
                )
                .await?;
            Ok(Redirect::to(&format!("/o/{slug}/admin/branding?saved=1")).into_response())
        }
        Err(errors) => branding_view(&viewer, &org, Some(&form), errors, false),
    }
}

/// Which parts of the branding changed, for the audit log.
fn branding_summary(old: &Organisation, new: &Branding) -> String {
    let mut changed = Vec::new();
    if old.name != new.name {
        changed.push("name");
    }
    if old.primary_colour != new.primary_colour {
        changed.push("colour");
    }
    if old.key_messages != new.key_messages {
        changed.push("key messages");
    }
    if old.contact != new.contact {
        changed.push("contact details");
    }
    if old.accessibility_statement != new.accessibility_statement {
        changed.push("accessibility statement");
    }
    if changed.is_empty() {
        "nothing changed".into()
    } else {
        changed.join(", ")
    }
}

#[derive(Serialize)]
struct MemberView {
    id: i64,
    name: String,
    email: String,
    labels: Vec<&'static str>,
}

/// Members shown on one page of the members list.
const MEMBERS_PER_PAGE: i64 = 100;

#[derive(Deserialize)]
struct PageNumber {
    page: Option<i64>,
}

async fn members(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(q): Query<PageNumber>,
) -> web::Result<Response> {
    let (org, _) = admin_of(&state, &viewer, &slug, "members").await?;
    let total = state.store.member_count(org.id).await?;
    let pages = web::page_count(total, MEMBERS_PER_PAGE);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let members: Vec<MemberView> = state
        .store
        .members_page(org.id, MEMBERS_PER_PAGE, (page - 1) * MEMBERS_PER_PAGE)
        .await?
        .into_iter()
        .map(|(u, roles)| MemberView {
            id: u.id,
            name: u.name,
            email: u.email,
            labels: roles.iter().map(|r| r.label()).collect(),
        })
        .collect();
    templates().page(
        "members.html",
        "Members",
        &viewer,
        Some(&org),
        serde_json::json!({ "members": members, "page": page, "pages": pages, "total": total }),
    )
}

async fn staff_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> web::Result<Response> {
    let (org, _) = admin_of(&state, &viewer, &slug, "staff").await?;
    templates().page(
        "staff.html",
        "Import staff",
        &viewer,
        Some(&org),
        serde_json::json!({}),
    )
}

async fn staff_import(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    headers: axum::http::HeaderMap,
    request: axum::extract::Request,
) -> web::Result<Response> {
    let (org, me) = admin_of(&state, &viewer, &slug, "staff").await?;
    // Read only once the viewer may: a stranger learns nothing from how the upload fails.
    let upload = web::Upload::read(request, &["csv"], state.settings.max_body_bytes).await?;
    check_csrf(&viewer, upload.field("csrf"))?;
    let apply = upload.field("mode") == "import";
    let csv = upload.file;
    let again = |error: String| -> web::Result<Response> {
        let page = templates().page(
            "staff.html",
            "Error: Import staff",
            &viewer,
            Some(&org),
            serde_json::json!({ "error": error }),
        )?;
        Ok((StatusCode::BAD_REQUEST, page).into_response())
    };
    if csv.is_empty() {
        return again("Select a CSV file".into());
    }
    let Ok(text) = String::from_utf8(csv) else {
        return again(
            "The file is not UTF-8 text: save it from your spreadsheet as \"CSV UTF-8\"".into(),
        );
    };
    let base = crate::web::link_base(&state, &headers);
    match staff::import(
        &state.store,
        &org,
        text.as_bytes(),
        apply,
        Some(me.user.id),
        Some(&base),
    )
    .await
    {
        Ok(report) => templates().page(
            "staff.html",
            "Import staff",
            &viewer,
            Some(&org),
            serde_json::json!({ "report": report, "csv": text }),
        ),
        Err(staff::ImportError::File(message)) => again(message),
        Err(staff::ImportError::Store(e)) => Err(e.into()),
    }
}

/// The departments as a tree, depth first: each with its depth, path and parent's name.
fn department_tree(all: &[crate::store::Department]) -> Vec<serde_json::Value> {
    fn visit(
        all: &[crate::store::Department],
        parent: Option<i64>,
        depth: usize,
        path: &str,
        parent_name: Option<&str>,
        out: &mut Vec<serde_json::Value>,
    ) {
        // Depth is bounded: a cycle could only come from hand-edited data.
        if depth > 10 {
            return;
        }
        for d in all.iter().filter(|d| d.parent_id == parent) {
            let p = if path.is_empty() {
                d.name.clone()
            } else {
                format!("{path} > {}", d.name)
            };
            out.push(serde_json::json!({ "id": d.id, "name": d.name, "members": d.members, "depth": depth, "path": p, "parent": parent_name }));
            visit(all, Some(d.id), depth + 1, &p, Some(&d.name), out);
        }
    }
    let mut out = Vec::new();
    visit(all, None, 0, "", None, &mut out);
    out
}

async fn departments_view(
    state: &AppState,
    viewer: &Viewer,
    org: &Organisation,
    name: &str,
    errors: Vec<FieldError>,
) -> web::Result<Response> {
    let tree = department_tree(&state.store.departments(org.id).await?);
    form_page(
        "departments.html",
        "Departments",
        viewer,
        org,
        errors,
        serde_json::json!({ "tree": tree, "name": name }),
    )
}

async fn departments_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> web::Result<Response> {
    let (org, _) = admin_of(&state, &viewer, &slug, "departments").await?;
    departments_view(&state, &viewer, &org, "", Vec::new()).await
}

#[derive(Deserialize)]
struct DepartmentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent: String,
}

/// The problems with a department's new `name` and `parent` (an id as posted), and the
/// parent chosen; `editing` is the department being changed, which may keep its name
/// and may not go inside itself.
fn check_department(
    org: &Organisation,
    all: &[crate::store::Department],
    editing: Option<i64>,
    name: &str,
    parent: &str,
) -> (Option<i64>, Vec<FieldError>) {
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 || name.contains('>') {
        errors.push(FieldError {
            field: "name",
            message: "Enter the department's name: up to 100 characters, without >".into(),
        });
    } else if all.iter().any(|d| d.name == name && Some(d.id) != editing) {
        errors.push(FieldError {
            field: "name",
            message: format!(
                "{org} already has a department called {name}",
                org = org.name
            ),
        });
    }
    let parent = match parent.trim() {
        "" => None,
        p => match p
            .parse::<i64>()
            .ok()
            .filter(|id| all.iter().any(|d| d.id == *id))
        {
            Some(id) if editing.is_some_and(|e| within(all, id, e)) => {
                errors.push(FieldError {
                    field: "parent",
                    message: "A department cannot go inside itself or one of its own departments"
                        .into(),
                });
                None
            }
            Some(id) => Some(id),
            None => {
                errors.push(FieldError {
                    field: "parent",
                    message: "Choose a department of this organisation".into(),
                });
                None
            }
        },
    };
    (parent, errors)
}

/// Whether department `id` is `ancestor` or inside it, however deep.
pub fn within(all: &[crate::store::Department], id: i64, ancestor: i64) -> bool {
    let mut at = Some(id);
    // Bounded: stored data with a cycle must not loop for ever.
    for _ in 0..=all.len() {
        match at {
            Some(a) if a == ancestor => return true,
            Some(a) => at = all.iter().find(|d| d.id == a).and_then(|d| d.parent_id),
            None => return false,
        }
    }
    false
}

async fn add_department(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Form(form): Form<DepartmentForm>,
) -> web::Result<Response> {
    let (org, me) = admin_of(&state, &viewer, &slug, "departments").await?;
    check_csrf(&viewer, &form.csrf)?;
    let name = form.name.trim();
    let all = state.store.departments(org.id).await?;
    let (parent, errors) = check_department(&org, &all, None, name, &form.parent);
    if !errors.is_empty() {
        return departments_view(&state, &viewer, &org, name, errors).await;
    }
    state.store.department(org.id, name, parent).await?;
    state
        .store
        .audit(Some(org.id), Some(me.user.id), "department added", name)
        .await?;
    Ok(Redirect::to(&format!("/o/{slug}/admin/departments")).into_response())
}

/// Department `id` (as in the path) of `org`, and all of `org`'s departments; another
/// organisation's department is not found.
async fn department_of(
    state: &AppState,
    org: &Organisation,
    id: &str,
) -> web::Result<(crate::store::Department, Vec<crate::store::Department>)> {
    let all = state.store.departments(org.id).await?;
    let found = id
        .parse::<i64>()
        .ok()
        .and_then(|id| all.iter().find(|d| d.id == id).cloned())
        .ok_or(Error::NotFound)?;
    Ok((found, all))
}

fn department_view(
    viewer: &Viewer,
    org: &Organisation,
    department: &crate::store::Department,
    all: &[crate::store::Department],
    form: (&str, Option<i64>),
    errors: Vec<FieldError>,
) -> web::Result<Response> {
    let tree = department_tree(all);
    let choices: Vec<&serde_json::Value> = tree
        .iter()
        .filter(|d| {
            d["id"]
                .as_i64()
                .is_some_and(|id| !within(all, id, department.id))
        })
        .collect();
    let inside = all
        .iter()
        .filter(|d| d.parent_id == Some(department.id))
        .count();
    let parent_name = department
        .parent_id
        .and_then(|p| all.iter().find(|d| d.id == p))
        .map(|d| d.name.clone());
    form_page(
        "department.html",
        &format!("Change {}", department.name),
        viewer,
        org,
        errors,
        serde_json::json!({
            "department": department,
            "name": form.0,
            "parent": form.1,
            "parent_name": parent_name,
            "choices": choices,
            "inside": inside,
        }),
    )
}

async fn department_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, id)): Path<(String, String)>,
) -> web::Result<Response> {
    let (org, _) = admin_of(&state, &viewer, &slug, &format!("departments/{id}")).await?;
    let (department, all) = department_of(&state, &org, &id).await?;
    let form = (department.name.as_str(), department.parent_id);
    department_view(&viewer, &org, &department, &all, form, Vec::new())
}

#[derive(Deserialize)]
struct ChangeDepartmentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent: String,
    /// `remove` to remove the department; anything else saves the name and place.
    #[serde(default)]
    action: String,
}

async fn change_department(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, id)): Path<(String, String)>,
    Form(form): Form<ChangeDepartmentForm>,
) -> web::Result<Response> {
    let (org, me) = admin_of(&state, &viewer, &slug, &format!("departments/{id}")).await?;
    let (department, all) = department_of(&state, &org, &id).await?;
    check_csrf(&viewer, &form.csrf)?;
    if form.action == "remove" {
        state.store.remove_department(org.id, department.id).await?;
        state
            .store
            .audit(
                Some(org.id),
                Some(me.user.id),
                "department removed",
                &department.name,
            )
            .await?;
        return Ok(Redirect::to(&format!("/o/{slug}/admin/departments")).into_response());
    }
    let name = form.name.trim();
    let (parent, errors) = check_department(&org, &all, Some(department.id), name, &form.parent);
    if !errors.is_empty() {
        return department_view(&viewer, &org, &department, &all, (name, parent), errors);
    }
    match state
        .store
        .update_department(org.id, department.id, name, parent)
        .await
    {
        Ok(()) => {}
        // Someone else took the name since the check.
        Err(crate::store::StoreError::Conflict(_)) => {
            let errors = vec![FieldError {
                field: "name",
                message: format!("{} already has a department called {name}", org.name),
            }];
            return department_view(&viewer, &org, &department, &all, (name, parent), errors);
        }
        Err(e) => return Err(e.into()),
    }
    let mut what = Vec::new();
    if name != department.name {
        what.push(format!("renamed {} to {name}", department.name));
    }
    if parent != department.parent_id {
        let to = parent
            .and_then(|p| all.iter().find(|d| d.id == p))
            .map_or("the top level", |d| d.name.as_str());
        what.push(format!("moved {name} into {to}"));
    }
    if !what.is_empty() {
        state
            .store
            .audit(
                Some(org.id),
                Some(me.user.id),
                "department changed",
                &what.join("; "),
            )
            .await?;
    }
    Ok(Redirect::to(&format!("/o/{slug}/admin/departments")).into_response())
}

/// How long an invitation link works.
const INVITATION_SECS: i64 = 14 * 24 * 3600;

/// The roles an organisation's administrators can give.
fn grantable() -> impl Iterator<Item = Role> {
    Role::ALL
        .iter()
        .copied()
        .filter(|r| *r != Role::PlatformAdmin)
}

/// A form page of `org`: 400 when it shows errors, so that a script sees the refusal.
fn form_page(
    template: &str,
    title: &str,
    viewer: &Viewer,
    org: &Organisation,
    errors: Vec<FieldError>,
    mut values: serde_json::Value,
) -> web::Result<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    values["errors"] = serde_json::json!(errors);
    let page = templates().page(template, title, viewer, Some(org), values)?;
    Ok((status, page).into_response())
}

/// The roles as checkboxes, `checked` ticked.
fn role_choices(checked: &[Role]) -> Vec<serde_json::Value> {
    grantable()
        .map(|r| serde_json::json!({ "value": r.as_str(), "label": r.label(), "checked": checked.contains(&r) }))
        .collect()
}

/// A posted form whose `role` field repeats: its CSRF token, e-mail, the roles that an
/// administrator can give, and a problem for each that is not one.
struct RolesForm {
    csrf: String,
    email: String,
    roles: Vec<Role>,
    errors: Vec<FieldError>,
}

fn roles_form(body: &[u8]) -> RolesForm {
    let mut f = RolesForm {
        csrf: String::new(),
        email: String::new(),
        roles: Vec::new(),
        errors: Vec::new(),
    };
    for (k, v) in form_urlencoded::parse(body) {
        match &*k {
            "csrf" => f.csrf = v.into_owned(),
            "email" => f.email = v.trim().to_string(),
            "role" => match v.parse::<Role>() {
                Ok(r) if grantable().any(|g| g == r) => f.roles.push(r),
                _ => f.errors.push(FieldError {
                    field: "role",
                    message: format!("`{v}` is not a role you can give"),
                }),
            },
            _ => {}
        }
    }
    f
}

fn invite_view(
    viewer: &Viewer,
    org: &Organisation,
    email: &str,
    checked: &[Role],
    sent: Option<&str>,
    errors: Vec<FieldError>,
) -> web::Result<Response> {
    form_page(
        "invite.html",
        "Invite people",
        viewer,
        org,
        errors,
        serde_json::json!({ "email": email, "roles": role_choices(checked), "sent": sent }),
    )
}

#[derive(Deserialize)]
struct Sent {
    sent: Option<String>,
}

async fn invite_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(q): Query<Sent>,
) -> web::Result<Response> {
    let (org, _) = admin_of(&state, &viewer, &slug, "invite").await?;
    invite_view(
        &viewer,
        &org,
        "",
        &[Role::Learner],
        q.sent.as_deref(),
        Vec::new(),
    )
}

async fn invite(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> web::Result<Response> {
    let (org, me) = admin_of(&state, &viewer, &slug, "invite").await?;
    let RolesForm {
        csrf,
        email,
        roles,
        mut errors,
    } = roles_form(&body);
    check_csrf(&viewer, &csrf)?;
    let normal = crate::model::normalise_email(&email);
    if normal.is_none() {
        errors.push(FieldError {
            field: "email",
            message: "Enter an email address in the correct format, like name@example.nhs.uk"
                .into(),
        });
    }
    if roles.is_empty() {
        errors.push(FieldError {
            field: "role",
            message: "Select at least one role".into(),
        });
    }
    let Some(email) = normal.filter(|_| errors.is_empty()) else {
        return invite_view(&viewer, &org, &email, &roles, None, errors);
    };
    let token = crate::secrets::random_token();
    state
        .store
        .create_invitation(
            org.id,
            &email,
            &roles,
            &crate::secrets::token_hash(&token),
            me.user.id,
            INVITATION_SECS,
        )
        .await?;
    let link = format!(
        "{}/invitations/{token}",
        crate::web::link_base(&state, &headers)
    );
    let labels: Vec<&str> = roles.iter().map(|r| r.label()).collect();
    state
        .store
        .queue_mail(
            &email,
            &format!("You are invited to join {} on the NHS learning portal", org.name),
            &format!(
                "Hello,\n\n{} has invited you to join {} on the NHS learning portal as {}.\n\nTo accept, open this link within 14 days:\n\n{link}\n\nIf you were not expecting this, you can ignore this e-mail.\n",
                me.user.name,
                org.name,
                labels.join(", ")
            ),
        )
        .await?;
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    state
        .store
        .audit(
            Some(org.id),
            Some(me.user.id),
            "invited",
            &format!("{email} as {}", names.join(", ")),
        )
        .await?;
    Ok(Redirect::to(&format!(
        "/o/{slug}/admin/invite?sent={}",
        percent_encoding::utf8_percent_encode(&email, percent_encoding::NON_ALPHANUMERIC)
    ))
    .into_response())
}

/// A member of `org` by id; anyone else (another organisation's member) is not found.
async fn member_of(
    state: &AppState,
    org: &Organisation,
    user_id: &str,
) -> web::Result<crate::model::User> {
    let id: i64 = user_id.parse().map_err(|_| Error::NotFound)?;
    if state.store.staff_details(org.id, id).await?.is_none() {
        return Err(Error::NotFound);
    }
    state.store.user_by_id(id).await?.ok_or(Error::NotFound)
}

fn member_view(
    viewer: &Viewer,
    org: &Organisation,
    member: &crate::model::User,
    checked: &[Role],
    errors: Vec<FieldError>,
) -> web::Result<Response> {
    form_page(
        "member.html",
        "Change roles",
        viewer,
        org,
        errors,
        serde_json::json!({ "member": { "id": member.id, "name": &member.name, "email": &member.email }, "roles": role_choices(checked) }),
    )
}

async fn member_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, user_id)): Path<(String, String)>,
) -> web::Result<Response> {
    let (org, _) = admin_of(&state, &viewer, &slug, &format!("members/{user_id}")).await?;
    let member = member_of(&state, &org, &user_id).await?;
    let roles = state.store.roles(org.id, member.id).await?;
    member_view(&viewer, &org, &member, &roles, Vec::new())
}

async fn set_roles(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, user_id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> web::Result<Response> {
    let (org, me) = admin_of(&state, &viewer, &slug, &format!("members/{user_id}")).await?;
    let member = member_of(&state, &org, &user_id).await?;
    let RolesForm {
        csrf,
        roles: wanted,
        mut errors,
        ..
    } = roles_form(&body);
    check_csrf(&viewer, &csrf)?;
    let current = state.store.roles(org.id, member.id).await?;
    if member.id == me.user.id
        && current.contains(&Role::OrgAdmin)
        && !wanted.contains(&Role::OrgAdmin)
    {
        errors.push(FieldError {
            field: "role",
            message: "You cannot remove your own administrator role: ask another administrator"
                .into(),
        });
    }
    if wanted.is_empty() {
        errors.push(FieldError {
            field: "role",
            message: "Select at least one role".into(),
        });
    }
    if !errors.is_empty() {
        return member_view(&viewer, &org, &member, &wanted, errors);
    }
    let added = state.store.add_member(org.id, member.id, &wanted).await?;
    let mut removed = Vec::new();
    for r in current
        .iter()
        .filter(|r| !wanted.contains(r) && **r != Role::PlatformAdmin)
    {
        if state.store.remove_role(org.id, member.id, *r).await? {
            removed.push(*r);
        }
    }
    if !added.is_empty() || !removed.is_empty() {
        let change: Vec<String> = added
            .iter()
            .map(|r| format!("+{}", r.as_str()))
            .chain(removed.iter().map(|r| format!("-{}", r.as_str())))
            .collect();
        state
            .store
            .audit(
                Some(org.id),
                Some(me.user.id),
                "roles changed",
                &format!("{}: {}", member.email, change.join(" ")),
            )
            .await?;
    }
    Ok(Redirect::to(&format!("/o/{slug}/admin/members")).into_response())
}

pub fn when(at: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(fmt).ok())
        .unwrap_or_default()
}

async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> web::Result<Response> {
    let (org, _) = admin_of(&state, &viewer, &slug, "audit").await?;
    let entries: Vec<serde_json::Value> = state
        .store
        .audit_log(org.id, 200)
        .await?
        .into_iter()
        .map(|e| serde_json::json!({ "when": when(e.at), "actor": e.actor, "action": e.action, "detail": e.detail }))
        .collect();
    templates().page(
        "audit.html",
        "Audit log",
        &viewer,
        Some(&org),
        serde_json::json!({ "entries": entries }),
    )
}

async fn outbox(State(state): State<AppState>, viewer: Viewer) -> web::Result<Response> {
    let me = viewer.require("/platform/outbox")?;
    if !state.store.is_platform_admin(me.user.id).await? {
        return Err(Error::Forbidden(
            "Only platform administrators can read the outbox.".into(),
        ));
    }
    let messages = state.store.outbox(100).await?;
    templates().page(
        "outbox.html",
        "E-mail outbox",
        &viewer,
        None,
        serde_json::json!({ "messages": messages }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(colour: &str) -> BrandingForm {
        BrandingForm {
            name: "Leeds Teaching Hospitals".into(),
            primary_colour: colour.into(),
            ..Default::default()
        }
    }

    #[test]
    fn colours_must_carry_white_text() {
        assert_eq!(
            validate_branding(&form("#005EB8"))
                .unwrap()
                .primary_colour
                .as_deref(),
            Some("#005eb8")
        );
        let e = validate_branding(&form("#ffff00")).unwrap_err();
        assert!(
            e[0].message.contains("contrast of only 1.1 to 1"),
            "{}",
            e[0].message
        );
        let e = validate_branding(&form("blue")).unwrap_err();
        assert!(e[0].message.contains("#005eb8"));
        assert_eq!(validate_branding(&form("")).unwrap().primary_colour, None);
    }
}
