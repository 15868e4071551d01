//! Keeping reads inside the course folder.
//!
//! A course may come from anyone (the marketplace builds uploaded courses on its server),
//! so a path written in a course must never lead outside the course's folder: not by
//! climbing with `..`, not as an absolute path, and not through a symbolic link. The rule
//! is deliberately simple: every component from the course folder down to the file must
//! be a plain folder or file, never a symbolic link, wherever the link would point. The
//! course folder itself may be reached through links (it is what the author named).
//!
//! Every reader of course files (lessons, snippets, media, attachments) goes through
//! [`open_inside`] and uses the path it returns; [`crate::source::read_file`] and its
//! kin read through it and also refuse pipes and devices.

use std::fmt;
use std::path::{Component, Path, PathBuf};

/// Why a path written in a course was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Escape {
    /// The path is absolute (`/etc/passwd`, `C:\…`).
    Absolute(PathBuf),
    /// The path climbs above the course folder with `..`.
    ClimbsOut(PathBuf),
    /// A component of the path is a symbolic link; `link` is that component, relative
    /// to the course folder.
    Symlink { path: PathBuf, link: PathBuf },
    /// A component other than the last exists but is not a folder.
    NotAFolder { path: PathBuf, component: PathBuf },
    /// Looking at a component failed for another reason than it not existing.
    Unreadable { path: PathBuf, reason: String },
}

impl Escape {
    /// The path as written (after lexical clean-up), relative to the course folder.
    pub fn path(&self) -> &Path {
        match self {
            Escape::Absolute(p) | Escape::ClimbsOut(p) => p,
            Escape::Symlink { path, .. }
            | Escape::NotAFolder { path, .. }
            | Escape::Unreadable { path, .. } => path,
        }
    }

    /// A stable short code, for diagnostics and for the marketplace to match on.
    pub fn code(&self) -> &'static str {
        match self {
            Escape::Absolute(_) => "absolute-path",
            Escape::ClimbsOut(_) => "climbs-out",
            Escape::Symlink { .. } => "symlink",
            Escape::NotAFolder { .. } => "not-a-folder",
            Escape::Unreadable { .. } => "unreadable",
        }
    }
}

impl fmt::Display for Escape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Escape::Absolute(p) => write!(
                f,
                "`{}` is an absolute path; a course may only use files inside its own folder",
                p.display()
            ),
            Escape::ClimbsOut(p) => write!(
                f,
                "`{}` climbs out of the course folder with `..`; a course may only use files inside its own folder",
                p.display()
            ),
            Escape::Symlink { path, link } if path == link => write!(
                f,
                "`{}` is a symbolic link; a course may only use real files inside its own folder (copy the file in instead)",
                path.display()
            ),
            Escape::Symlink { path, link } => write!(
                f,
                "`{}` is reached through the symbolic link `{}`; a course may only use real files inside its own folder (copy the files in instead)",
                path.display(),
                link.display()
            ),
            Escape::NotAFolder { path, component } => write!(
                f,
                "`{}`: `{}` is a file, not a folder",
                path.display(),
                component.display()
            ),
            Escape::Unreadable { path, reason } => {
                write!(f, "`{}` cannot be read: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for Escape {}

/// Cleans `rel` lexically: drops `.`, resolves `a/..` and refuses absolute paths and
/// `..` that would climb above the course folder.
pub fn clean(rel: &Path) -> Result<PathBuf, Escape> {
    let mut out = PathBuf::new();
    for c in rel.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => {
                return Err(Escape::Absolute(rel.to_path_buf()));
            }
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return Err(Escape::ClimbsOut(rel.to_path_buf()));
                }
            }
            Component::Normal(n) => out.push(n),
        }
    }
    Ok(out)
}

/// The path to read for `rel`, a path written in the course (relative to the course
/// folder), after checking that it stays inside `course_dir`: no absolute path, no `..`
/// above the course folder, and no symbolic link in any component from the course folder
/// down to the file (checked with [`std::fs::symlink_metadata`], so links are never
/// followed).
///
/// A path that does not exist is not an escape: the returned path is then simply missing,
/// and the caller reports it as it reports any missing file. Callers must read the
/// returned path, not `course_dir.join(rel)`, since `rel` may contain `a/..`.
pub fn open_inside(course_dir: &Path, rel: &Path) -> Result<PathBuf, Escape> {
    let cleaned = clean(rel)?;
    let mut here = course_dir.to_path_buf();
    let mut walked = PathBuf::new();
    let count = cleaned.components().count();
    for (i, c) in cleaned.components().enumerate() {
        here.push(c);
        walked.push(c);
        match std::fs::symlink_metadata(&here) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(Escape::Symlink {
                    path: cleaned.clone(),
                    link: walked,
                });
            }
            Ok(meta) if i + 1 < count && !meta.is_dir() => {
                return Err(Escape::NotAFolder {
                    path: cleaned.clone(),
                    component: walked,
                });
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(course_dir.join(&cleaned));
            }
            Err(e) => {
                return Err(Escape::Unreadable {
                    path: cleaned.clone(),
                    reason: e.to_string(),
                });
            }
        }
    }
    Ok(here)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_resolves_and_refuses_climbing() {
        assert_eq!(
            clean(Path::new("lessons/../media/./a.png")).unwrap(),
            PathBuf::from("media/a.png")
        );
        assert!(matches!(
            clean(Path::new("media/../../secret")),
            Err(Escape::ClimbsOut(_))
        ));
        assert!(matches!(
            clean(Path::new("/etc/passwd")),
            Err(Escape::Absolute(_))
        ));
    }

    #[test]
    fn plain_files_and_missing_files_are_inside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("media")).unwrap();
        std::fs::write(dir.path().join("media/a.png"), b"x").unwrap();
        assert_eq!(
            open_inside(dir.path(), Path::new("media/a.png")).unwrap(),
            dir.path().join("media/a.png")
        );
        assert_eq!(
            open_inside(dir.path(), Path::new("media/missing/b.png")).unwrap(),
            dir.path().join("media/missing/b.png")
        );
        assert!(matches!(
            open_inside(dir.path(), Path::new("media/a.png/x")),
            Err(Escape::NotAFolder { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn any_symlink_component_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), b"secret").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("media")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.txt"),
            dir.path().join("media/a.png"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("linked")).unwrap();
        let e = open_inside(dir.path(), Path::new("media/a.png")).unwrap_err();
        assert_eq!(
            e,
            Escape::Symlink {
                path: "media/a.png".into(),
                link: "media/a.png".into()
            }
        );
        let e = open_inside(dir.path(), Path::new("linked/secret.txt")).unwrap_err();
        assert_eq!(
            e,
            Escape::Symlink {
                path: "linked/secret.txt".into(),
                link: "linked".into()
            }
        );
        assert!(e.to_string().contains("symbolic link `linked`"));
        // A link inside the course is refused too: the rule does not depend on where
        // a link points.
        std::fs::write(dir.path().join("media/real.png"), b"x").unwrap();
        std::os::unix::fs::symlink("real.png", dir.path().join("media/alias.png")).unwrap();
        assert!(open_inside(dir.path(), Path::new("media/alias.png")).is_err());
        assert!(matches!(
            crate::source::read_file(dir.path(), Path::new("linked/secret.txt")),
            Err(crate::source::ReadError::Escape(_))
        ));
    }
}
