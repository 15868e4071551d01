//! Integration tests of the `course` binary and the authoring library, run against
//! fixture courses copied into temporary folders, and the samples.

mod author_mistakes;
mod browser;
mod cli;
mod diagnostics;
mod docs;
mod hostile_sources;
mod language;
mod media_safety;
mod output_safety;
mod render;
mod robustness;
mod samples;
mod scorm;
mod serve;
mod support;
