//! The course source model and the `course` compiler.
//!
//! A course is a folder: `course.toml`, Markdown lessons, media. It flows one way:
//!
//! - [`config`]: `course.toml`, parsed and validated.
//! - [`source`]: lessons and their front matter, loaded in the order `course.toml` gives.
//! - [`blocks`]: `:::` sections (questions, details, tabs, video, audio, banks) and snippets.
//! - [`questions`]: the question syntax, its checks, its HTML and its encoded answer key.
//! - [`markdown`]: a lesson's blocks to HTML, with every content check.
//! - [`media`]: images resized and cached, other files copied under content-hashed names.
//! - [`theme`]: embedded themes and the course's template overrides.
//! - [`site`]: the whole build: check, render through the theme, write the web course.
//! - [`serve`]: live preview with reload on save.
//! - [`scaffold`]: `course new`.
//! - [`diagnostics`]: problems with file, line, column and a hint, printed like a compiler's.

pub mod blocks;
pub mod config;
pub mod diagnostics;
pub mod fsguard;
pub mod i18n;
pub mod markdown;
pub mod media;
pub mod packaging;
pub mod questions;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod source;
pub mod theme;

pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use site::{BuildOptions, build, check};
