//! `course package`: build the course once, in memory, then hand its files to the
//! packager for each format asked for. The packager never sees the course's sources, and
//! nothing is written but the zips (and the media cache).

use std::path::{Path, PathBuf};

use packager::{Format, PackageMeta};

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

/// What `package` wrote, the formats it could not make and why, and the warnings of the
/// build (the same `course build` prints).
#[derive(Debug)]
pub struct Packaged {
    pub written: Vec<Written>,
    pub refused: Vec<packager::PackageError>,
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
        rule: c.completion.rule,
        commit: p.commit.clone(),
        worst_case_suspend_chars: p.worst_case_state_chars,
        size_budget_kb: c.package.size_budget_kb,
    }
}

/// Builds the course in `dir` once, in memory, and writes one zip per format into
/// `out`. `out` is checked with [`site::check_output`] (the rule `build` uses) before
/// anything is written; with `opts.deny_warnings`, warnings fail the build. A format the
/// course cannot be packaged in (too much progress for SCORM 1.2, over the size budget)
/// is listed in `refused` and the others are still written; when none can be made, the
/// first refusal is the error.
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
    // Make every package before writing any: a zip is written only whole.
    let mut packages = Vec::new();
    let mut refused = Vec::new();
    for &format in formats {
        match packager::package(&built.files, &meta, format) {
            Ok(p) => packages.push(p),
            Err(e) => refused.push(e),
        }
    }
    if packages.is_empty() && !refused.is_empty() {
        return Err(refused.swap_remove(0).into());
    }
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
        refused,
        diagnostics: built.diagnostics,
    })
}
