//! `course package`: build the course once, in memory, then hand its files to the
//! packager for each format asked for. The packager never sees the course's sources, and
//! nothing is written but the zips (and the media cache).

use std::path::{Path, PathBuf};

use packager::{Format, PackageMeta};

use crate::config::CompletionRule;
use crate::diagnostics::Diagnostics;
use crate::site::{self, BuildError, BuildOptions, Prepared};
use crate::source::LessonKind;

/// One package written to disk.
#[derive(Debug)]
pub struct Written {
    pub format: Format,
    pub path: PathBuf,
    pub size: u64,
    pub sha256: String,
}

/// What `package` wrote, and the warnings of the build (the same `course build` prints).
#[derive(Debug)]
pub struct Packaged {
    pub written: Vec<Written>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, thiserror::Error)]
pub enum PackagingError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Package(#[from] packager::PackageError),
    // The cause is the error's source: `{:#}` prints it once, after the path.
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What the packager needs to know about a prepared course.
pub fn meta(p: &Prepared) -> PackageMeta {
    let c = &p.course.config;
    let assessment = p
        .course
        .lessons
        .iter()
        .find(|l| l.kind == LessonKind::Assessment);
    PackageMeta {
        id: c.id.clone(),
        title: c.title.clone(),
        version: c.version.clone(),
        language: c.language.clone(),
        summary: c.summary.clone(),
        author: c.governance.author.clone(),
        pass_mark: assessment.map(|a| a.pass_mark.unwrap_or(c.completion.pass_mark)),
        rule: match c.completion.rule {
            CompletionRule::AllPages => packager::CompletionRule::AllPages,
            CompletionRule::Assessment => packager::CompletionRule::Assessment,
            CompletionRule::Both => packager::CompletionRule::Both,
        },
        commit: p.commit.clone(),
        worst_case_suspend_chars: p.worst_case_state_chars,
        size_budget_kb: c.package.size_budget_kb,
    }
}

/// Builds the course in `dir` once, in memory, and writes one zip per format into
/// `out`. `out` is checked with [`site::check_output`] (the rule `build` uses) before
/// anything is written; with `opts.deny_warnings`, warnings fail the build.
pub fn package(
    dir: &Path,
    out: &Path,
    formats: &[Format],
    opts: &BuildOptions,
) -> Result<Packaged, PackagingError> {
    site::check_output(dir, out, &[])?;
    let built = site::build_in_memory(dir, opts)?;
    site::check_output(dir, out, &site::sources(&built.prepared))?;
    let meta = meta(&built.prepared);
    // Make every package before writing any, so a refused format writes nothing.
    let packages = formats
        .iter()
        .map(|&format| packager::package(&built.files, &meta, format))
        .collect::<Result<Vec<_>, _>>()?;
    std::fs::create_dir_all(out).map_err(|source| PackagingError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for p in packages {
        let path = out.join(&p.file_name);
        // Written beside, then renamed into place: a half-written zip is never left
        // behind, and a link planted at the name is replaced, not followed.
        crate::media::write_atomically(out, &path, &p.bytes).map_err(|source| {
            PackagingError::Write {
                path: path.clone(),
                source,
            }
        })?;
        written.push(Written {
            format: p.format,
            path,
            size: p.bytes.len() as u64,
            sha256: p.sha256,
        });
    }
    Ok(Packaged {
        written,
        diagnostics: built.diagnostics,
    })
}
