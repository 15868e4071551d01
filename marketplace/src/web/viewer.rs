//! Who is asking: the session cookie read into a [`Viewer`], and CSRF protection.
//!
//! Every form carries a CSRF token in a hidden `csrf` field. Signed in, it is the
//! session's own token (kept in the database with the session). Signed out (the
//! sign-in form), it is a random value also set in a `portal_csrf` cookie, and the two
//! must match. Cookies are HttpOnly and SameSite=Lax, and Secure unless the settings
//! turn it off for plain-HTTP local use.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use cookie::{Cookie, SameSite};

use super::Error;
use crate::secrets::{random_token, same_secret, token_hash};
use crate::state::AppState;
use crate::store::SessionUser;

pub const SESSION_COOKIE: &str = "portal_session";
pub const CSRF_COOKIE: &str = "portal_csrf";

/// The value of cookie `name` in the request's headers.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// A `Set-Cookie` value with the portal's flags.
pub fn set_cookie(
    name: &str,
    value: &str,
    secure: bool,
    max_age: Option<time::Duration>,
) -> HeaderValue {
    let mut c = Cookie::build((name.to_string(), value.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure);
    if let Some(age) = max_age {
        c = c.max_age(age);
    }
    // Cookie values here are our own base64 tokens: always a valid header.
    HeaderValue::from_str(&c.build().to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The anonymous CSRF token of this request, put there by [`csrf_cookie_layer`].
#[derive(Clone)]
struct AnonCsrf(String);

/// Gives every visitor a CSRF cookie, so that even the sign-in form is protected.
pub async fn csrf_cookie_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let existing = cookie_value(req.headers(), CSRF_COOKIE).filter(|v| v.len() >= 32);
    let token = existing.clone().unwrap_or_else(random_token);
    req.extensions_mut().insert(AnonCsrf(token.clone()));
    let mut response = next.run(req).await;
    if existing.is_none() {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(CSRF_COOKIE, &token, state.settings.secure_cookies, None),
        );
    }
    response
}

/// The person making the request (if signed in) and the CSRF token their forms carry.
pub struct Viewer {
    pub user: Option<SessionUser>,
    pub csrf: String,
    /// The hash of the session token, to end the session.
    pub session_hash: Option<String>,
}

impl Viewer {
    /// The signed-in person, or a redirect to sign in and come back to `here`.
    pub fn require(&self, here: &str) -> Result<&SessionUser, Error> {
        self.user.as_ref().ok_or_else(|| Error::SignIn {
            next: here.to_string(),
        })
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let anon = parts
            .extensions
            .get::<AnonCsrf>()
            .map(|a| a.0.clone())
            .unwrap_or_default();
        let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE) else {
            return Ok(Viewer {
                user: None,
                csrf: anon,
                session_hash: None,
            });
        };
        let hash = token_hash(&token);
        match state.store.session_user(&hash).await? {
            Some(user) => Ok(Viewer {
                csrf: user.csrf.clone(),
                user: Some(user),
                session_hash: Some(hash),
            }),
            None => Ok(Viewer {
                user: None,
                csrf: anon,
                session_hash: None,
            }),
        }
    }
}

/// Refuses a form whose CSRF token is not the viewer's.
pub fn check_csrf(viewer: &Viewer, sent: &str) -> Result<(), Error> {
    if !viewer.csrf.is_empty() && same_secret(&viewer.csrf, sent) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "This form has expired or did not come from this site. Go back, reload the page and try again.".into(),
        ))
    }
}
