//! What every handler can reach (the store, the settings), and the table of routes with
//! who each is for, which the areas fill and the tests sweep.

use std::sync::Arc;

use axum::Router;

use crate::files::Files;
use crate::settings::Settings;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub files: Files,
    pub settings: Arc<Settings>,
    /// A password hash to verify against when there is no account, so that a sign-in
    /// with an unknown address takes as long as one with a wrong password.
    pub decoy_hash: Arc<str>,
    /// Wakes this process's course builders when a build is queued.
    pub builds_queued: Arc<tokio::sync::Notify>,
    /// Launches' enrolments and versions' packages, kept in memory for the player.
    pub plays: Arc<crate::memory::PlayCache>,
}

impl AppState {
    pub fn new(store: Store, files: Files, settings: Settings) -> Self {
        let decoy = crate::secrets::decoy_hash(settings.argon2_memory_kib);
        Self {
            store,
            files,
            settings: Arc::new(settings),
            decoy_hash: decoy.into(),
            builds_queued: Arc::new(tokio::sync::Notify::new()),
            plays: Arc::default(),
        }
    }
}

/// Who a route is for. Tests sweep every route of the table, so that a route added
/// later cannot escape the checks of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: the home page, a sub-site's public pages, signing in.
    Public,
    /// Any signed-in person, about themselves.
    SignedIn,
    /// An organisation's own data (`{slug}` in the path): only its members with the
    /// right role may see or change it.
    Organisation,
    /// The platform's administrators.
    Platform,
    /// The JSON API: a bearer token of the organisation in `{slug}`, with a scope.
    Api,
}

/// The router being built, and the table of its routes.
pub struct Routes {
    router: Router<AppState>,
    /// Routes that take large uploads, which stream them with limits of their own.
    uploads: Router<AppState>,
    table: Vec<(&'static str, Access)>,
}

impl Routes {
    pub(crate) fn new() -> Self {
        Self {
            router: Router::new(),
            uploads: Router::new(),
            table: Vec::new(),
        }
    }

    /// Adds a route and records it with who it is for.
    pub fn add(
        &mut self,
        path: &'static str,
        access: Access,
        route: axum::routing::MethodRouter<AppState>,
    ) {
        self.router = std::mem::take(&mut self.router).route(path, route);
        self.table.push((path, access));
    }

    /// Adds a route that takes a large upload (a package), with the upload limits.
    pub fn add_upload(
        &mut self,
        path: &'static str,
        access: Access,
        route: axum::routing::MethodRouter<AppState>,
    ) {
        self.uploads = std::mem::take(&mut self.uploads).route(path, route);
        self.table.push((path, access));
    }

    /// The routers (pages, uploads) and the table, once every area has added its routes.
    pub(crate) fn into_parts(
        self,
    ) -> (
        Router<AppState>,
        Router<AppState>,
        Vec<(&'static str, Access)>,
    ) {
        (self.router, self.uploads, self.table)
    }
}
