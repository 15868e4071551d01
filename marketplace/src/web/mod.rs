//! Pages: the templates (compiled into the binary), the error type every handler
//! returns, the signed-in viewer and CSRF protection, and the static files.

mod error;
mod upload;
mod viewer;

use std::sync::Arc;

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

pub use error::{Error, Result, log_internal};
pub use upload::{Upload, size};
pub use viewer::{Viewer, check_csrf, csrf_cookie_layer};

/// The cookies' names and flags.
pub mod viewer_cookies {
    pub use super::viewer::{CSRF_COOKIE, SESSION_COOKIE, cookie_value, set_cookie};
}

use crate::model::Organisation;

/// The templates, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    (
        "error_summary.html",
        include_str!("../../templates/error_summary.html"),
    ),
    ("home.html", include_str!("../../templates/home.html")),
    (
        "catalogue.html",
        include_str!("../../templates/catalogue.html"),
    ),
    ("org.html", include_str!("../../templates/org.html")),
    (
        "accessibility.html",
        include_str!("../../templates/accessibility.html"),
    ),
    ("sign_in.html", include_str!("../../templates/sign_in.html")),
    ("account.html", include_str!("../../templates/account.html")),
    (
        "branding.html",
        include_str!("../../templates/branding.html"),
    ),
    ("members.html", include_str!("../../templates/members.html")),
    ("member.html", include_str!("../../templates/member.html")),
    (
        "department.html",
        include_str!("../../templates/department.html"),
    ),
    ("audit.html", include_str!("../../templates/audit.html")),
    ("outbox.html", include_str!("../../templates/outbox.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("invite.html", include_str!("../../templates/invite.html")),
    (
        "invitation.html",
        include_str!("../../templates/invitation.html"),
    ),
    ("forgot.html", include_str!("../../templates/forgot.html")),
    ("reset.html", include_str!("../../templates/reset.html")),
    ("staff.html", include_str!("../../templates/staff.html")),
    ("courses.html", include_str!("../../templates/courses.html")),
    ("preview.html", include_str!("../../templates/preview.html")),
    ("player.html", include_str!("../../templates/player.html")),
    (
        "learning.html",
        include_str!("../../templates/learning.html"),
    ),
    (
        "training.html",
        include_str!("../../templates/training.html"),
    ),
    (
        "training_course.html",
        include_str!("../../templates/training_course.html"),
    ),
    (
        "course_build.html",
        include_str!("../../templates/course_build.html"),
    ),
    (
        "course_build_status.html",
        include_str!("../../templates/course_build_status.html"),
    ),
    (
        "catalogue_upload.html",
        include_str!("../../templates/catalogue_upload.html"),
    ),
    (
        "catalogue_course.html",
        include_str!("../../templates/catalogue_course.html"),
    ),
    ("course.html", include_str!("../../templates/course.html")),
    (
        "course_upload.html",
        include_str!("../../templates/course_upload.html"),
    ),
    (
        "upload_form.html",
        include_str!("../../templates/upload_form.html"),
    ),
    (
        "package_report.html",
        include_str!("../../templates/package_report.html"),
    ),
    (
        "departments.html",
        include_str!("../../templates/departments.html"),
    ),
];

/// A problem with one field of a form, for the error summary (`error_summary.html`):
/// `field` is the id of the input it links to.
#[derive(Debug, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    /// The problem with `field`, if there is one, as the list the error summary shows.
    pub fn only(field: &'static str, message: Option<String>) -> Vec<FieldError> {
        message
            .map(|message| FieldError { field, message })
            .into_iter()
            .collect()
    }
}

/// How many pages `total` items fill at `per_page` a page: at least one, which shows
/// that there is nothing.
pub fn page_count(total: i64, per_page: i64) -> i64 {
    ((total + per_page - 1) / per_page.max(1)).max(1)
}

/// The NHS theme's stylesheet, shared with the courses, and the portal's own.
pub const NHS_CSS: &str = include_str!("../../../themes/nhs/static/course.css");
pub const PORTAL_CSS: &str = include_str!("../../static/marketplace.css");
/// Upload progress for package forms.
pub const UPLOAD_JS: &str = include_str!("../../static/upload.js");
/// A build's page, asking whether the build has finished.
pub const BUILD_JS: &str = include_str!("../../static/build.js");

static COMPILED: std::sync::LazyLock<Templates> = std::sync::LazyLock::new(Templates::new);

/// The compiled page templates.
pub fn templates() -> &'static Templates {
    &COMPILED
}

/// Compiled templates, shared by every request.
#[derive(Clone)]
pub struct Templates(Arc<tera::Tera>);

impl Templates {
    pub fn new() -> Self {
        let mut tera = tera::Tera::default();
        tera.autoescape_on(vec![".html"]);
        // The templates are part of the binary: a broken one is a bug a test catches.
        tera.add_raw_templates(TEMPLATES.to_vec())
            .expect("the built-in templates compile");
        Self(Arc::new(tera))
    }

    /// Renders `name` for `viewer`, in `org`'s sub-site when given.
    pub fn page(
        &self,
        name: &str,
        title: &str,
        viewer: &Viewer,
        org: Option<&Organisation>,
        values: impl Serialize,
    ) -> Result<Response> {
        let mut ctx = tera::Context::from_serialize(values).map_err(Error::internal)?;
        ctx.insert("title", title);
        ctx.insert("viewer", &viewer.user.as_ref().map(|s| &s.user));
        ctx.insert("csrf", &viewer.csrf);
        if let Some(org) = org {
            ctx.insert("org", org);
            ctx.insert("key_messages_html", &markdown(&org.key_messages));
            if let Some(url) = org.logo_url() {
                ctx.insert("logo_url", &url);
            }
        }
        let html = self.0.render(name, &ctx).map_err(Error::internal)?;
        Ok(Html(html).into_response())
    }
}

impl Templates {
    /// Renders a template that is not a portal page (such as the content origin's
    /// player) with `values`.
    pub fn render(&self, name: &str, values: &impl Serialize) -> Result<String> {
        let ctx = tera::Context::from_serialize(values).map_err(Error::internal)?;
        self.0.render(name, &ctx).map_err(Error::internal)
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

/// The address links in e-mails start with: the configured public address, or the
/// one this request came to.
pub fn link_base(state: &crate::state::AppState, headers: &axum::http::HeaderMap) -> String {
    let configured = state.settings.public_url.trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_string();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// Markdown written by an organisation's administrators, as safe HTML: rendered, then
/// sanitised (no scripts, styles, frames or `javascript:` links survive).
pub fn markdown(text: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(text));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .clean(&html)
        .to_string()
}

/// A stylesheet response, cached for an hour.
pub fn css(body: impl Into<axum::body::Body>) -> Response {
    asset("text/css; charset=utf-8", body.into())
}

/// A script response, cached for an hour.
pub fn script(body: &'static str) -> Response {
    asset("text/javascript; charset=utf-8", body.into())
}

fn asset(content_type: &'static str, body: axum::body::Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_sanitised() {
        let html = markdown(
            "**Flu jabs** this week. <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<strong>Flu jabs</strong>"), "{html}");
        for bad in ["<script", "javascript:", "onerror"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
    }

    #[test]
    fn every_template_compiles() {
        let t = Templates::new();
        assert_eq!(t.0.get_template_names().count(), TEMPLATES.len());
    }
}
