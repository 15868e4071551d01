//! `course package`: build the course, then hand the built folder to the packager for
//! each format asked for. The packager never sees the course's sources.

use std::path::{Path, PathBuf};

use packager::{Format, PackageMeta};

use crate::diagnostics::Diagnostics;
use crate::media::CACHE_DIR;
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

#[derive(Debug, thiserror::Error)]
pub enum PackagingError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Package(#[from] packager::PackageError),
    #[error("cannot write {path}: {source}")]
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
        worst_case_suspend_chars: p.worst_case_state_chars,
        size_budget_kb: c.package.size_budget_kb,
    }
}

/// Builds the course in `dir` and writes one zip per format into `out`.
pub fn package(
    dir: &Path,
    out: &Path,
    formats: &[Format],
    opts: &BuildOptions,
) -> Result<Vec<Written>, PackagingError> {
    let mut diags = Diagnostics::default();
    let Some(prepared) = site::prepare(dir, opts, &mut diags) else {
        diags.sort();
        return Err(BuildError::Invalid(diags).into());
    };
    let web = dir.join(CACHE_DIR).join("package");
    site::write(&prepared, &web)?;
    let meta = meta(&prepared);
    std::fs::create_dir_all(out).map_err(|source| PackagingError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for &format in formats {
        let p = packager::package(&web, &meta, format)?;
        let path = out.join(&p.file_name);
        std::fs::write(&path, &p.bytes).map_err(|source| PackagingError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(Written {
            format,
            path,
            size: p.bytes.len() as u64,
            sha256: p.sha256,
        });
    }
    Ok(written)
}
