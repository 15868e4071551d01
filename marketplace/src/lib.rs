//! The marketplace service: the national portal where NHS organisations and vendors
//! each have a sub-site, people sign in with roles per organisation, and (in later
//! stages) courses are listed, bought, played and tracked.
//!
//! - [`settings`]: defaults, then a TOML file, then `MARKETPLACE_*` variables.
//! - [`store`]: the one storage interface, SQLite or PostgreSQL, and its migrations.
//! - [`model`]: the domain's types (organisations, roles, people).
//! - [`secrets`]: random tokens, their stored hashes, and passwords (argon2id).
//! - [`state`]: what handlers reach, and the table of routes with who each is for.
//! - [`accounts`]: signing in and out, sessions, throttling, invitations and resets.
//! - [`orgs`]: the home page, each organisation's sub-site and its administration.
//! - [`web`]: templates, the page error type, the viewer and CSRF protection.
//! - [`api`]: the JSON API under `/api/v1/`, its tokens, problem details and OpenAPI.
//! - [`mailer`]: sends the outbox by SMTP when a server is configured.
//! - [`content`]: courses and versions; package uploads, imports, Markdown course builds
//!   and vendors' whole catalogues. [`catalogue`]: the national catalogue and search.
//! - [`delivery`]: the content origin, where packages' files are served apart from the
//!   portal, and untracked previews.
//! - [`player`]: enrolling, "My learning", launching, and the player on the content
//!   origin with its SCORM API and commits. [`tracking`]: each commit checked again and
//!   stored, attempts, roll-ups and the training manager's view.
//! - [`memory`]: what the content origin keeps in memory between requests.
//! - [`money`]: prices in whole pence, shown and read as pounds and pence.
//! - [`files`]: the file storage (a local folder, or object storage).
//! - [`app`]: the router and serving it with graceful shutdown.
//! - [`ops`]: what operators run from a shell: creating organisations, people,
//!   memberships and API tokens, and the demo's data.

pub mod accounts;
pub mod api;
pub mod app;
pub mod catalogue;
pub mod content;
pub mod delivery;
pub mod demo;
pub mod files;
pub mod mailer;
pub mod memory;
pub mod model;
pub mod money;
pub mod ops;
pub mod orgs;
pub mod player;
pub mod secrets;
pub mod settings;
pub mod state;
pub mod store;
pub mod tracking;
pub mod web;
