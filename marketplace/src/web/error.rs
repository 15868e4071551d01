//! The error every page handler returns: each variant is a status and a page that says
//! what happened and what to do. Internal errors are logged with a reference that the
//! page shows, and nothing else about them.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::store::StoreError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug)]
pub enum Error {
    /// 404: no such page, or one this person may not know exists.
    NotFound,
    /// 303 to the sign-in page, coming back to `next` afterwards.
    SignIn { next: String },
    /// 403 with what is missing.
    Forbidden(String),
    /// 400 with what is wrong with the request.
    BadRequest(String),
    /// 409: the thing already exists.
    Conflict(String),
    /// 429: too many attempts; the message says when to try again.
    TooManyRequests(String),
    /// 500: logged under the reference, which the page shows.
    Internal(String),
}

impl Error {
    /// Logs `e` under a new reference and returns the error that shows only it.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Error::Internal(log_internal(e))
    }
}

/// Logs an internal error under a new reference, and returns the reference: the only
/// thing about it that a response may show.
pub fn log_internal(e: impl std::fmt::Display) -> String {
    let reference = crate::secrets::random_token()[..10].to_string();
    tracing::error!(reference = %reference, error = %e, "internal error");
    reference
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound,
            StoreError::Conflict(what) => Error::Conflict(format!("That {what} is already taken.")),
            other => Error::internal(other),
        }
    }
}

/// What a query value keeps as it is: letters, digits and `-_.~`.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, heading, message, reference) = match self {
            Error::SignIn { next } => {
                let to = format!(
                    "/sign-in?next={}",
                    percent_encoding::utf8_percent_encode(&next, QUERY_VALUE)
                );
                return Redirect::to(&to).into_response();
            }
            Error::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "If you typed the web address, check it is correct. If you pasted it, check you copied the entire address.".to_string(),
                None,
            ),
            Error::Forbidden(m) => (StatusCode::FORBIDDEN, "You cannot do that", m, None),
            Error::BadRequest(m) => (StatusCode::BAD_REQUEST, "There is a problem", m, None),
            Error::Conflict(m) => (StatusCode::CONFLICT, "There is a problem", m, None),
            Error::TooManyRequests(m) => (StatusCode::TOO_MANY_REQUESTS, "Too many attempts", m, None),
            Error::Internal(reference) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sorry, there is a problem with the service",
                "Try again later.".to_string(),
                Some(reference),
            ),
        };
        let mut ctx = tera::Context::new();
        ctx.insert("title", heading);
        ctx.insert("heading", heading);
        ctx.insert("message", &message);
        ctx.insert("reference", &reference);
        let body = super::templates()
            .0
            .render("error.html", &ctx)
            .unwrap_or_else(|_| {
                format!("<!DOCTYPE html><title>{heading}</title><h1>{heading}</h1>")
            });
        let mut response = (status, Html(body)).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

impl From<crate::files::FilesError> for Error {
    fn from(e: crate::files::FilesError) -> Self {
        Error::internal(e)
    }
}
