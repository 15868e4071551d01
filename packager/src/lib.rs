//! Everything SCORM.
//!
//! - [`package`]: a built web course (a folder) to a SCORM 1.2, SCORM 2004 or plain web
//!   zip, with the tracking adapter, launch page and manifest; size and suspend-data
//!   budgets checked.
//! - [`commit`]: the budget for what one commit to an LMS can carry, and so how many
//!   interactions a package journals.
//! - [`manifest`]: `imsmanifest.xml` for SCORM 1.2 and 2004 4th Edition.
//! - [`archive`]: reproducible zips and their SHA-256, and [`archive::CheckedArchive`],
//!   the one reader for untrusted zips (every entry checked, then read under limits).
//! - [`inspect`]: reading any third-party package, tolerant of real tools' deviations and
//!   strict about hostile input.
//! - [`cmi`]: the SCORM 1.2 and 2004 run-time data models: elements, types, ranges,
//!   access and error codes, for the marketplace's player to enforce on the server.

pub mod archive;
pub mod cmi;
pub mod commit;
pub mod inspect;
pub mod manifest;
pub mod package;

pub use package::{CompletionRule, Format, Package, PackageError, PackageMeta, package};
