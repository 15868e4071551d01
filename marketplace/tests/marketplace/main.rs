//! Integration tests of the marketplace service: the storage suite on SQLite and on
//! PostgreSQL (when `TEST_DATABASE_URL` names one; CI always does), every route over
//! HTTP in-process, and the binary's commands.

mod api;
mod browser;
mod builds;
mod cli;
mod content;
mod delivery;
mod faults;
mod http;
mod logo;
mod mail;
mod player;
mod runtime;
mod s3;
mod staff;
mod store;
mod support;
