//! What people reach from a link in an e-mail: accepting an invitation (creating an
//! account, or joining with the one they have), and resetting a forgotten password. The
//! links' tokens are random, stored hashed, used once and expire.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::start_session;
use crate::model::normalise_email;
use crate::secrets;
use crate::state::{Access, AppState, Routes};
use crate::web::link_base;
use crate::web::templates;
use crate::web::{self, Error, FieldError, Viewer, check_csrf};

/// How long a reset link works.
const RESET_SECS: i64 = 3600;

pub fn routes(r: &mut Routes) {
    r.add(
        "/invitations/{token}",
        Access::Public,
        get(invitation_page).post(accept),
    );
    r.add(
        "/forgot-password",
        Access::Public,
        get(forgot_page).post(forgot),
    );
    r.add(
        "/reset-password/{token}",
        Access::Public,
        get(reset_page).post(reset),
    );
}

async fn invitation_view(
    state: &AppState,
    viewer: &Viewer,
    token: &str,
    name: &str,
    errors: Vec<FieldError>,
) -> web::Result<Response> {
    let Some(inv) = state.store.invitation(&secrets::token_hash(token)).await? else {
        return Err(Error::NotFound);
    };
    let existing = state.store.user_by_email(&inv.email).await?.is_some();
    let labels: Vec<&str> = inv.roles.iter().map(|r| r.label()).collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = templates().page(
        "invitation.html",
        "Join",
        viewer,
        Some(&inv.org),
        serde_json::json!({
            "invitation": { "org": &inv.org, "email": &inv.email },
            "role_labels": labels,
            "live": inv.live,
            "existing": existing,
            "token": token,
            "name": name,
            "errors": errors,
        }),
    )?;
    Ok((status, page).into_response())
}

async fn invitation_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> web::Result<Response> {
    invitation_view(&state, &viewer, &token, "", Vec::new()).await
}

#[derive(Deserialize)]
struct AcceptForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

async fn accept(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> web::Result<Response> {
    check_csrf(&viewer, &form.csrf)?;
    let Some(inv) = state.store.invitation(&secrets::token_hash(&token)).await? else {
        return Err(Error::NotFound);
    };
    if !inv.live {
        return invitation_view(&state, &viewer, &token, "", Vec::new()).await;
    }
    let home = format!("/o/{}/", inv.org.slug);
    if let Some(user) = state.store.user_by_email(&inv.email).await? {
        // An existing account joins only when its owner is signed in.
        let me = viewer.require(&format!("/invitations/{token}"))?;
        if me.user.id != user.id {
            return Err(Error::Forbidden(format!(
                "This invitation is for {}. Sign out, then sign in with that account to accept it.",
                inv.email
            )));
        }
        if state.store.accept_invitation(inv.id).await? {
            join(&state, &inv, user.id).await?;
        }
        return Ok(Redirect::to(&home).into_response());
    }
    let name = form.name.trim();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError {
            field: "name",
            message: "Enter your full name".into(),
        });
    }
    if let Some(problem) = secrets::password_problem(&form.password, &inv.email, name) {
        errors.push(FieldError {
            field: "password",
            message: problem,
        });
    }
    if !errors.is_empty() {
        return invitation_view(&state, &viewer, &token, name, errors).await;
    }
    if !state.store.accept_invitation(inv.id).await? {
        return invitation_view(&state, &viewer, &token, "", Vec::new()).await;
    }
    let hash =
        secrets::hash_password_in_background(&form.password, state.settings.argon2_memory_kib)
            .await
            .map_err(Error::internal)?;
    let user = state
        .store
        .create_user(&inv.email, name, Some(&hash))
        .await?;
    join(&state, &inv, user.id).await?;
    let cookie = start_session(&state, viewer.session_hash.as_deref(), user.id).await?;
    let mut response = Redirect::to(&home).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Makes `user_id` a member with the invitation's roles, and says so in the log.
async fn join(state: &AppState, inv: &crate::store::Invitation, user_id: i64) -> web::Result<()> {
    state
        .store
        .add_member(inv.org.id, user_id, &inv.roles)
        .await?;
    state
        .store
        .audit(
            Some(inv.org.id),
            Some(user_id),
            "joined by invitation",
            &inv.email,
        )
        .await?;
    Ok(())
}

async fn forgot_page(viewer: Viewer) -> web::Result<Response> {
    templates().page(
        "forgot.html",
        "Reset your password",
        &viewer,
        None,
        serde_json::json!({ "sent": false }),
    )
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

async fn forgot(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<ForgotForm>,
) -> web::Result<Response> {
    check_csrf(&viewer, &form.csrf)?;
    let Some(email) = normalise_email(&form.email) else {
        let page = templates().page(
            "forgot.html",
            "Error: Reset your password",
            &viewer,
            None,
            serde_json::json!({ "sent": false, "error": "Enter an email address in the correct format, like name@example.nhs.uk" }),
        )?;
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    };
    // The same answer whether or not the account exists, so the form tells no one who
    // has an account; at most three links an hour per account.
    if let Some(user) = state.store.user_by_email(&email).await?
        && state.store.recent_resets(user.id, 3600).await? < 3
    {
        let token = secrets::random_token();
        state
            .store
            .create_reset(user.id, &secrets::token_hash(&token), RESET_SECS)
            .await?;
        let link = format!("{}/reset-password/{token}", link_base(&state, &headers));
        state
            .store
            .queue_mail(
                &user.email,
                "Reset your NHS learning portal password",
                &format!(
                    "Hello {},\n\nSomeone asked to reset the password of your NHS learning portal account. To set a new password, open this link within an hour:\n\n{link}\n\nIf it was not you, you can ignore this e-mail: your password has not changed.\n",
                    user.name
                ),
            )
            .await?;
        state
            .store
            .audit(None, Some(user.id), "password reset requested", "")
            .await?;
    }
    templates().page(
        "forgot.html",
        "Check your e-mail",
        &viewer,
        None,
        serde_json::json!({ "sent": true }),
    )
}

async fn reset_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> web::Result<Response> {
    let live = state
        .store
        .reset_user(&secrets::token_hash(&token))
        .await?
        .is_some();
    templates().page(
        "reset.html",
        "Set a new password",
        &viewer,
        None,
        serde_json::json!({ "live": live, "token": token }),
    )
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

async fn reset(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> web::Result<Response> {
    check_csrf(&viewer, &form.csrf)?;
    let hash = secrets::token_hash(&token);
    let Some(user_id) = state.store.reset_user(&hash).await? else {
        return templates().page(
            "reset.html",
            "Set a new password",
            &viewer,
            None,
            serde_json::json!({ "live": false }),
        );
    };
    let (email, name) = state
        .store
        .user_by_id(user_id)
        .await?
        .map(|u| (u.email, u.name))
        .unwrap_or_default();
    if let Some(problem) = secrets::password_problem(&form.password, &email, &name) {
        let page = templates().page(
            "reset.html",
            "Error: Set a new password",
            &viewer,
            None,
            serde_json::json!({ "live": true, "token": token, "error": problem }),
        )?;
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    }
    if !state.store.use_reset(&hash).await? {
        return templates().page(
            "reset.html",
            "Set a new password",
            &viewer,
            None,
            serde_json::json!({ "live": false }),
        );
    }
    let new_hash =
        secrets::hash_password_in_background(&form.password, state.settings.argon2_memory_kib)
            .await
            .map_err(Error::internal)?;
    state.store.set_password(user_id, &new_hash).await?;
    // Whoever knew the old password is signed out everywhere.
    state.store.end_all_sessions(user_id).await?;
    state
        .store
        .clear_failures(&format!("account:{email}"))
        .await?;
    state
        .store
        .audit(None, Some(user_id), "password reset", "")
        .await?;
    Ok(Redirect::to("/sign-in").into_response())
}
