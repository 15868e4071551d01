//! People signing in and out: the sign-in form with throttling per account and per
//! address (counted in the database, so every instance sees the same counts), sessions
//! with a new id at every sign-in, signing out here or everywhere, and the account page.

mod links;

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use crate::model::{Role, normalise_email};
use crate::secrets;
use crate::state::{Access, AppState, Routes};
use crate::web::viewer_cookies::{SESSION_COOKIE, set_cookie};
use crate::web::{self, Error, Viewer, check_csrf};

pub fn routes(r: &mut Routes) {
    r.add("/sign-in", Access::Public, get(sign_in_page).post(sign_in));
    r.add("/sign-out", Access::Public, post(sign_out));
    r.add(
        "/sign-out-everywhere",
        Access::SignedIn,
        post(sign_out_everywhere),
    );
    r.add("/account", Access::SignedIn, get(account));
    links::routes(r);
}

/// The address a request came from, for throttling ("unknown" when the server was not
/// started with connection information, as in in-process tests).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

/// Where to go after signing in: only a path on this site, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/account".to_string(),
    }
}

#[derive(Serialize)]
struct SignInView<'a> {
    email: &'a str,
    next: &'a str,
    error: Option<&'a str>,
}

async fn sign_in_page(viewer: Viewer, Query(q): Query<Next>) -> web::Result<Response> {
    if viewer.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let next = safe_next(q.next.as_deref());
    crate::web::templates().page(
        "sign_in.html",
        "Sign in",
        &viewer,
        None,
        SignInView {
            email: "",
            next: &next,
            error: None,
        },
    )
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn sign_in(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientAddr(addr): ClientAddr,
    Form(form): Form<SignInForm>,
) -> web::Result<Response> {
    check_csrf(&viewer, &form.csrf)?;
    let next = safe_next(form.next.as_deref());
    let again = |status: StatusCode, error: &str| -> web::Result<Response> {
        let page = crate::web::templates().page(
            "sign_in.html",
            "Sign in",
            &viewer,
            None,
            SignInView {
                email: &form.email,
                next: &next,
                error: Some(error),
            },
        )?;
        Ok((status, page).into_response())
    };
    let Some(email) = normalise_email(&form.email) else {
        return again(
            StatusCode::BAD_REQUEST,
            "Enter an email address in the correct format, like name@example.nhs.uk",
        );
    };
    let s = &state.settings;
    let window = i64::from(s.throttle_minutes) * 60;
    let account_key = format!("account:{email}");
    let address_key = format!("address:{addr}");
    let limit = i64::from(s.throttle_failures);
    if state.store.failures(&account_key, window).await? >= limit
        || state.store.failures(&address_key, window).await? >= limit * 4
    {
        tracing::warn!(address = %addr, "sign-in throttled");
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "Too many attempts to sign in. Wait {} minutes, then try again, or ask your administrator to reset your password",
                s.throttle_minutes
            ),
        );
    }
    let user = state.store.user_by_email(&email).await?;
    let stored = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.decoy_hash.to_string());
    let password = form.password.clone();
    let matches = tokio::task::spawn_blocking(move || secrets::verify_password(&password, &stored))
        .await
        .map_err(Error::internal)?;
    let user = match user {
        Some(u) if matches && u.password_hash.is_some() => u,
        other => {
            state.store.record_failure(&account_key).await?;
            state.store.record_failure(&address_key).await?;
            let id = other.map(|u| u.id);
            state
                .store
                .audit(None, id, "sign-in failed", &format!("as {email}"))
                .await?;
            return again(
                StatusCode::UNAUTHORIZED,
                "Enter a correct email address and password",
            );
        }
    };
    state.store.clear_failures(&account_key).await?;
    state.store.identity_used(user.id, "password").await?;
    let cookie = start_session(&state, viewer.session_hash.as_deref(), user.id).await?;
    state
        .store
        .audit(None, Some(user.id), "signed in", "")
        .await?;
    tracing::info!(user = user.id, "signed in");
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Starts a session for `user_id`, ending the one the browser had (a session id planted
/// before sign-in is useless), and returns its cookie.
pub(crate) async fn start_session(
    state: &AppState,
    old: Option<&str>,
    user_id: i64,
) -> web::Result<axum::http::HeaderValue> {
    if let Some(old) = old {
        state.store.end_session(old).await?;
    }
    let token = secrets::random_token();
    let lifetime = i64::from(state.settings.session_hours) * 3600;
    state
        .store
        .create_session(
            &secrets::token_hash(&token),
            user_id,
            &secrets::random_token(),
            lifetime,
        )
        .await?;
    Ok(set_cookie(
        SESSION_COOKIE,
        &token,
        state.settings.secure_cookies,
        None,
    ))
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

fn cleared(state: &AppState, to: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            "",
            state.settings.secure_cookies,
            Some(time::Duration::ZERO),
        ),
    );
    response
}

async fn sign_out(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<CsrfForm>,
) -> web::Result<Response> {
    check_csrf(&viewer, &form.csrf)?;
    if let Some(hash) = &viewer.session_hash {
        state.store.end_session(hash).await?;
    }
    Ok(cleared(&state, "/"))
}

async fn sign_out_everywhere(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<CsrfForm>,
) -> web::Result<Response> {
    let me = viewer.require("/account")?;
    check_csrf(&viewer, &form.csrf)?;
    let ended = state.store.end_all_sessions(me.user.id).await?;
    state
        .store
        .audit(
            None,
            Some(me.user.id),
            "signed out everywhere",
            &format!("{ended} sessions ended"),
        )
        .await?;
    Ok(cleared(&state, "/sign-in"))
}

#[derive(Serialize)]
struct MembershipView {
    org: crate::model::Organisation,
    labels: Vec<&'static str>,
}

async fn account(State(state): State<AppState>, viewer: Viewer) -> web::Result<Response> {
    let me = viewer.require("/account")?;
    let memberships = state.store.memberships(me.user.id).await?;
    let is_platform_admin = memberships
        .iter()
        .any(|m| m.roles.contains(&Role::PlatformAdmin));
    let memberships: Vec<MembershipView> = memberships
        .into_iter()
        .map(|m| MembershipView {
            labels: m.roles.iter().map(|r| r.label()).collect(),
            org: m.org,
        })
        .collect();
    crate::web::templates().page(
        "account.html",
        "Your account",
        &viewer,
        None,
        serde_json::json!({ "memberships": memberships, "is_platform_admin": is_platform_admin }),
    )
}
