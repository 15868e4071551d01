//! Loading a course folder: `course.toml`, then every lesson it lists, with front matter
//! read and checked, into a [`Course`] that the renderer takes.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::blocks::{self, Block, Snippets};
use crate::config::{self, CourseConfig};
use crate::diagnostics::{Diagnostic, Diagnostics};

/// A loaded course: its configuration and its lessons in reading order.
#[derive(Debug, Clone)]
pub struct Course {
    pub dir: PathBuf,
    pub config: CourseConfig,
    pub lessons: Vec<Lesson>,
    /// The interface's words, in the course's language.
    pub strings: crate::i18n::Strings,
}

/// What a page is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LessonKind {
    Lesson,
    Assessment,
}

/// One lesson file.
#[derive(Debug, Clone)]
pub struct Lesson {
    /// The page's id: its file name without `.md`, unless front matter gives one.
    pub id: String,
    pub title: String,
    pub kind: LessonKind,
    pub summary: Option<String>,
    pub minutes: Option<u32>,
    /// Assessment settings (ignored on ordinary lessons).
    pub pass_mark: Option<u32>,
    pub attempts: Option<u32>,
    pub shuffle: bool,
    /// Path relative to the course folder.
    pub path: PathBuf,
    /// Index of its module in `config.modules`.
    pub module: usize,
    pub blocks: Vec<Block>,
}

/// Front-matter keys a lesson may use.
pub const FRONT_MATTER_KEYS: &[&str] = &[
    "title",
    "id",
    "type",
    "summary",
    "minutes",
    "pass_mark",
    "attempts",
    "shuffle",
];

/// Loads and checks the course in `dir`. `overrides` replace variables from course.toml
/// (so one source serves several trusts).
pub fn load(
    dir: &Path,
    overrides: &BTreeMap<String, String>,
    diags: &mut Diagnostics,
) -> Option<Course> {
    let mut config = config::load(dir, diags)?;
    for (k, v) in overrides {
        if !config.variables.contains_key(k) {
            diags.push(
                Diagnostic::error(
                    "unknown-variable",
                    config::FILE_NAME,
                    format!("`--set {k}=…` names no variable of this course"),
                )
                .suggest(
                    k,
                    config.variables.keys().map(String::as_str),
                    format!("add it under [variables] in course.toml: {k} = \"…\""),
                ),
            );
        }
        config.variables.insert(k.clone(), v.clone());
    }
    config::check_variables(&config, overrides, diags);
    config::expand_config(&mut config, diags);
    let snippets = Snippets { course_dir: dir };
    let mut lessons: Vec<Lesson> = Vec::new();
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    for (mi, module) in config.modules.iter().enumerate() {
        for (li, rel) in module.lessons.iter().enumerate() {
            let named_at = module.lesson_lines.get(li).copied().unwrap_or(1);
            let rel_path = PathBuf::from(rel);
            if !is_inside(&rel_path) {
                diags.push(
                    Diagnostic::error(
                        "lesson-outside-course",
                        config::FILE_NAME,
                        format!("lesson `{rel}` is outside the course folder"),
                    )
                    .at(named_at, 1)
                    .help("keep lessons inside the course folder, such as lessons/intro.md"),
                );
                continue;
            }
            let text = match read_text(dir, &rel_path) {
                Ok(t) => t,
                Err(ReadError::NotUtf8(d)) => {
                    diags.push(d);
                    continue;
                }
                Err(ReadError::Escape(e)) => {
                    diags.push(
                        Diagnostic::error("lesson-outside-course", config::FILE_NAME, e.to_string())
                            .at(named_at, 1)
                            .help("keep lessons inside the course folder as real files, such as lessons/intro.md"),
                    );
                    continue;
                }
                Err(e @ (ReadError::NotAFile(_) | ReadError::TooLarge(_))) => {
                    diags.push(
                        Diagnostic::error("bad-lesson-file", config::FILE_NAME, format!("lesson {e}"))
                            .at(named_at, 1)
                            .help("a lesson is a Markdown file of ordinary size; split a very long lesson into several"),
                    );
                    continue;
                }
                Err(_) => {
                    diags.push(
                        Diagnostic::error("missing-lesson", config::FILE_NAME, format!("lesson file `{rel}` does not exist"))
                            .at(named_at, 1)
                            .help("check the path in the module's lessons list; paths are relative to course.toml"),
                    );
                    continue;
                }
            };
            let Some(lesson) = parse_lesson(&text, &rel_path, mi, &snippets, diags) else {
                continue;
            };
            if let Some(other) = seen.get(&lesson.id) {
                diags.push(
                    Diagnostic::error(
                        "duplicate-page-id",
                        &rel_path,
                        format!(
                            "page id `{}` is already used by {}",
                            lesson.id,
                            other.display()
                        ),
                    )
                    .at(1, 1)
                    .help("give one of the lessons its own `id:` in its front matter"),
                );
                continue;
            }
            seen.insert(lesson.id.clone(), rel_path.clone());
            lessons.push(lesson);
        }
    }
    let strings = crate::i18n::Strings::for_course(&config.language, &config.strings);
    Some(Course {
        dir: dir.to_path_buf(),
        config,
        lessons,
        strings,
    })
}

/// The largest source file (lesson, snippet, `course.toml`) the compiler reads: far more
/// than any real lesson, and small enough that a hostile one cannot exhaust memory.
pub const MAX_SOURCE_BYTES: u64 = 8 << 20;

/// Why a source file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The path leads outside the course folder (climbing out, absolute, or a link).
    #[error("{0}")]
    Escape(#[from] crate::fsguard::Escape),
    /// A folder, a pipe or a device rather than a file.
    #[error("`{0}` is not a file")]
    NotAFile(PathBuf),
    #[error("`{0}` is larger than {max} MB", max = MAX_SOURCE_BYTES >> 20)]
    TooLarge(PathBuf),
    /// The file is not UTF-8; the diagnostic says where.
    #[error("{}", .0.message)]
    NotUtf8(Diagnostic),
}

/// Opens a file of the course for reading, never outside the course folder (see
/// [`crate::fsguard`]) and never a pipe or device, which could block or never end.
pub fn open_source(dir: &Path, rel: &Path) -> Result<std::fs::File, ReadError> {
    let path = crate::fsguard::open_inside(dir, rel)?;
    if !std::fs::metadata(&path)?.is_file() {
        return Err(ReadError::NotAFile(rel.to_path_buf()));
    }
    Ok(std::fs::File::open(path)?)
}

/// A whole course file (media, attachments), read as [`open_source`] opens it.
pub fn read_file(dir: &Path, rel: &Path) -> Result<Vec<u8>, ReadError> {
    read_prefix(dir, rel, u64::MAX)
}

/// The first `n` bytes of a course file (fewer if it is shorter).
pub fn read_prefix(dir: &Path, rel: &Path, n: u64) -> Result<Vec<u8>, ReadError> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    open_source(dir, rel)?.take(n).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads a text source of the course (`rel` is relative to `dir`): only inside the course
/// folder, only a regular file, at most [`MAX_SOURCE_BYTES`]. A file that is not UTF-8 is
/// reported with the byte, line and column where it stops being UTF-8.
pub fn read_text(dir: &Path, rel: &Path) -> Result<String, ReadError> {
    let bytes = read_prefix(dir, rel, MAX_SOURCE_BYTES + 1)?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(ReadError::TooLarge(rel.to_path_buf()));
    }
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        // Everything before `at` is UTF-8, so it can be counted in characters.
        let before = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ReadError::NotUtf8(
            Diagnostic::error(
                "not-utf8",
                rel,
                format!("`{}` is not UTF-8 at byte {at}", rel.display()),
            )
            .at(line, column)
            .help("save the file as UTF-8 (in most editors: Save As, then Encoding: UTF-8)"),
        )
    })
}

/// `true` when a relative path stays inside the folder it is relative to.
pub fn is_inside(p: &Path) -> bool {
    let mut depth = 0i32;
    for c in p.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// Page ids whose `ID.html` the build or the packager writes itself: the contents page,
/// the glossary, and the SCORM launch page (a lesson of that name would be overwritten,
/// and the package could never be completed).
pub fn is_reserved_page_id(id: &str) -> bool {
    let launch = packager::manifest::LAUNCH_FILE
        .strip_suffix(".html")
        .unwrap_or(packager::manifest::LAUNCH_FILE);
    ["index", "glossary", launch].contains(&id)
}

/// Parses one lesson's text: front matter between `---` lines, then the body.
pub fn parse_lesson(
    text: &str,
    path: &Path,
    module: usize,
    snippets: &Snippets<'_>,
    diags: &mut Diagnostics,
) -> Option<Lesson> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut fm: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut body_start = 0usize; // byte offset
    let mut body_line = 1usize;
    // Keys the author seems to have meant, so a misspelt `titel:` is reported once, not
    // again as a missing title.
    let mut misspelt: Vec<&str> = Vec::new();
    if text.starts_with("---") {
        let mut offset = text.find('\n').map(|i| i + 1).unwrap_or(text.len());
        let mut closed = false;
        for (i, line) in text[offset..].split('\n').enumerate() {
            let line_no = i + 2;
            offset += line.len() + 1;
            let l = line.trim_end_matches('\r');
            if l.trim() == "---" {
                body_start = offset.min(text.len());
                body_line = line_no + 1;
                closed = true;
                break;
            }
            if l.trim().is_empty() || l.trim_start().starts_with('#') {
                continue;
            }
            let Some((k, v)) = l.split_once(':') else {
                diags.push(
                    Diagnostic::error(
                        "bad-front-matter",
                        path,
                        format!("`{}` is not a `key: value` line", l.trim()),
                    )
                    .at(line_no, 1)
                    .help("front matter lines look like `title: Washing your hands`"),
                );
                continue;
            };
            let key = k.trim();
            if !FRONT_MATTER_KEYS.contains(&key) {
                if let Some(meant) =
                    crate::diagnostics::did_you_mean(key, FRONT_MATTER_KEYS.iter().copied())
                {
                    misspelt.push(meant);
                }
                let mut d = Diagnostic::error(
                    "unknown-key",
                    path,
                    format!("unknown front-matter key `{key}`"),
                )
                .at(line_no, 1);
                d = d.suggest(
                    key,
                    FRONT_MATTER_KEYS.iter().copied(),
                    format!("the keys are: {}", FRONT_MATTER_KEYS.join(", ")),
                );
                diags.push(d);
                continue;
            }
            fm.insert(key.to_string(), (unquote(v.trim()).to_string(), line_no));
        }
        if !closed {
            diags.push(
                Diagnostic::error("bad-front-matter", path, "front matter is never closed")
                    .at(1, 1)
                    .help("end the front matter with a line holding just `---`"),
            );
            return None;
        }
    }
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("page");
    let id = match fm.get("id") {
        Some((v, line)) if !config::is_slug(v) => {
            let suggested = page_id(v);
            diags.push(
                Diagnostic::error(
                    "invalid-id",
                    path,
                    format!("page id `{v}` is not a valid id"),
                )
                .at(*line, 1)
                .help(format!(
                    "use lower-case letters a-z, digits and hyphens, such as `{suggested}`"
                )),
            );
            suggested
        }
        Some((v, _)) => v.clone(),
        None => page_id(stem),
    };
    if is_reserved_page_id(&id) {
        diags.push(
            Diagnostic::error(
                "reserved-page-id",
                path,
                format!("`{id}` is a page the course or its package makes itself"),
            )
            .at(fm.get("id").map(|(_, l)| *l).unwrap_or(1), 1)
            .help("rename the lesson file or give it another `id:`"),
        );
    }
    let title = match fm.get("title") {
        Some((t, _)) if !t.is_empty() => t.clone(),
        _ if misspelt.contains(&"title") => stem.to_string(),
        _ => {
            diags.push(
                Diagnostic::error("missing-key", path, "lesson has no title")
                    .at(1, 1)
                    .help(
                        "start the lesson with front matter:\n---\ntitle: Washing your hands\n---",
                    ),
            );
            stem.to_string()
        }
    };
    let kind = match fm.get("type").map(|(v, l)| (v.as_str(), *l)) {
        None | Some(("lesson", _)) => LessonKind::Lesson,
        Some(("assessment", _)) => LessonKind::Assessment,
        Some((other, line)) => {
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    path,
                    format!("unknown page type `{other}`"),
                )
                .at(line, 1)
                .help("type is `lesson` (the default) or `assessment`"),
            );
            LessonKind::Lesson
        }
    };
    let number = |key: &str, diags: &mut Diagnostics| -> Option<u32> {
        let (v, line) = fm.get(key)?;
        match v.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                diags.push(
                    Diagnostic::error(
                        "invalid-value",
                        path,
                        format!("`{key}` must be a whole number, not `{v}`"),
                    )
                    .at(*line, 1)
                    .help(format!("write it as a number, such as `{key}: 3`")),
                );
                None
            }
        }
    };
    let minutes = number("minutes", diags);
    let pass_mark = number("pass_mark", diags);
    let attempts = number("attempts", diags);
    if let Some(p) = pass_mark
        && p > 100
    {
        diags.push(
            Diagnostic::error(
                "invalid-pass-mark",
                path,
                format!("pass mark {p} is over 100"),
            )
            .at(fm["pass_mark"].1, 1)
            .help("the pass mark is a percentage from 0 to 100"),
        );
    }
    let shuffle = match fm.get("shuffle").map(|(v, l)| (v.as_str(), *l)) {
        None | Some(("false", _)) | Some(("no", _)) => false,
        Some(("true", _)) | Some(("yes", _)) => true,
        Some((v, line)) => {
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    path,
                    format!("`shuffle` must be true or false, not `{v}`"),
                )
                .at(line, 1)
                .help("write `shuffle: true` or `shuffle: false`"),
            );
            false
        }
    };
    if kind == LessonKind::Lesson {
        for key in ["pass_mark", "attempts", "shuffle"] {
            if let Some((_, line)) = fm.get(key) {
                diags.push(
                    Diagnostic::warning(
                        "assessment-setting-on-lesson",
                        path,
                        format!("`{key}` only applies to assessments"),
                    )
                    .at(*line, 1)
                    .help("add `type: assessment` or remove the setting"),
                );
            }
        }
    }
    let body = &text[body_start..];
    let blocks = blocks::parse(body, path, body_line, snippets, diags);
    Some(Lesson {
        id,
        title,
        kind,
        summary: fm.get("summary").map(|(v, _)| v.clone()),
        minutes,
        pass_mark,
        attempts,
        shuffle,
        path: path.to_path_buf(),
        module,
        blocks,
    })
}

fn unquote(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2
        && (b[0] == b'"' && b[b.len() - 1] == b'"' || b[0] == b'\'' && b[b.len() - 1] == b'\'')
    {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// A page id made from a file name or a title: an ASCII slug (`gofal-llaw` from
/// `gofal-llâw`), the same set of ids the course's front matter, its saved progress and
/// the SCORM launch page accept, so a learner always resumes where they left off.
pub fn page_id(name: &str) -> String {
    let ascii = deunicode::deunicode(name);
    if !ascii.chars().any(|c| c.is_ascii_alphanumeric()) {
        return "page".into();
    }
    let ascii: String = slugify(&ascii)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let id = ascii.trim_matches('-').to_string();
    if id.is_empty() { "page".into() } else { id }
}

/// Lower-case words joined by hyphens: for ids made from file names and headings.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else {
            dash = true;
        }
    }
    if out.is_empty() {
        "section".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson(text: &str) -> (Option<Lesson>, Diagnostics) {
        let mut d = Diagnostics::default();
        let dir = std::env::temp_dir();
        let s = Snippets { course_dir: &dir };
        (
            parse_lesson(text, Path::new("lessons/wash-hands.md"), 0, &s, &mut d),
            d,
        )
    }

    #[test]
    fn front_matter_and_body_lines() {
        let (l, d) =
            lesson("---\ntitle: \"Washing hands\"\ntype: assessment\npass_mark: 75\n---\n\nBody\n");
        assert!(d.is_empty(), "{d:?}");
        let l = l.unwrap();
        assert_eq!(l.id, "wash-hands");
        assert_eq!(l.title, "Washing hands");
        assert_eq!(l.kind, LessonKind::Assessment);
        assert_eq!(l.pass_mark, Some(75));
        let Block::Markdown { line, .. } = &l.blocks[0] else {
            panic!()
        };
        assert_eq!(*line, 6);
    }

    #[test]
    fn unknown_front_matter_keys_suggest_the_right_one() {
        let (_, d) = lesson("---\ntitle: A\nsumary: x\n---\n");
        let d: Vec<_> = d.into_iter().collect();
        assert_eq!(d[0].message, "unknown front-matter key `sumary`");
        assert_eq!(d[0].position.line, 3);
        assert_eq!(d[0].help.as_deref(), Some("did you mean `summary`?"));
        let (_, d) = lesson("---\ntitel: A\n---\n");
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            ["unknown-key"],
            "a misspelt title is one problem, not two"
        );
    }

    #[test]
    fn pages_the_build_or_the_packager_write_are_reserved() {
        for name in ["index", "glossary", "launch"] {
            let mut d = Diagnostics::default();
            let dir = std::env::temp_dir();
            let s = Snippets { course_dir: &dir };
            let path = PathBuf::from(format!("lessons/{name}.md"));
            parse_lesson("---\ntitle: T\n---\n", &path, 0, &s, &mut d);
            assert!(
                d.iter().any(|d| d.code == "reserved-page-id"),
                "{name}: {d:?}"
            );
        }
    }

    #[test]
    fn page_ids_are_ascii_slugs_from_any_file_name() {
        assert_eq!(page_id("gofal-llâw"), "gofal-llaw");
        assert_eq!(page_id("Ärzte Übung"), "arzte-ubung");
        assert_eq!(page_id("手洗い"), "shou-xi-i");
        assert_eq!(page_id("🙂"), "slight-smile");
        assert_eq!(page_id("\u{301}"), "page");
        for name in [
            "gofal-llâw",
            "Ärzte Übung",
            "手洗い",
            "🙂",
            "a--b",
            "\u{301}",
        ] {
            assert!(
                config::is_slug(&page_id(name)),
                "{name} -> {}",
                page_id(name)
            );
        }
        let (l, d) = lesson("---\ntitle: T\nid: gofal-llâw\n---\n");
        assert!(
            d.iter().any(|d| d.code == "invalid-id"
                && d.help
                    .as_deref()
                    .is_some_and(|h| h.contains("`gofal-llaw`"))),
            "{d:?}"
        );
        assert_eq!(l.unwrap().id, "gofal-llaw");
    }

    #[test]
    fn slugs_and_paths() {
        assert_eq!(slugify("The 5 Moments — WHO"), "the-5-moments-who");
        assert!(is_inside(Path::new("a/../b.md")));
        assert!(!is_inside(Path::new("../b.md")));
        assert!(!is_inside(Path::new("/etc/passwd")));
    }
}
