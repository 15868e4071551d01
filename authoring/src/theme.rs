//! Themes: Tera templates and static files, compiled into the binary so `course` works
//! from any folder. A course picks a built-in theme or a folder of its own, and may
//! override single templates from its `templates/` folder without copying a theme.
//!
//! A theme provides `base.html`, `index.html`, `lesson.html` and `glossary.html`, and
//! static files under `static/` that are published in `assets/`. Templates a theme lacks
//! come from the default theme (`nhs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use tera::Tera;

use crate::diagnostics::{Diagnostic, Diagnostics};

static THEMES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../themes");

/// The course runtime: navigation, progress, questions, scoring and resume.
pub const RUNTIME_JS: &str = include_str!("../runtime/course.js");

pub const DEFAULT: &str = "nhs";
pub const TEMPLATES: &[&str] = &["base.html", "index.html", "lesson.html", "glossary.html"];

/// A loaded theme.
pub struct Theme {
    pub name: String,
    pub tera: Tera,
    /// Path under `assets/` → contents.
    pub assets: BTreeMap<PathBuf, Vec<u8>>,
}

/// Names of the built-in themes.
pub fn builtin_names() -> Vec<&'static str> {
    THEMES
        .dirs()
        .filter_map(|d| d.path().file_name().and_then(|n| n.to_str()))
        .collect()
}

/// Loads the theme `name` (built-in, or a folder relative to the course) with the
/// course's template overrides.
pub fn load(course_dir: &Path, name: &str, diags: &mut Diagnostics) -> Option<Theme> {
    let mut templates: BTreeMap<String, (String, Option<PathBuf>)> = BTreeMap::new();
    let mut assets: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
    read_builtin(DEFAULT, &mut templates, &mut assets);
    if THEMES.get_dir(name).is_some() && !name.contains('/') {
        if name != DEFAULT {
            assets.clear();
            read_builtin(name, &mut templates, &mut assets);
        }
    } else {
        match crate::fsguard::open_inside(course_dir, Path::new(name)) {
            Err(e) => {
                diags.push(
                    Diagnostic::error("theme-file", crate::config::FILE_NAME, format!("theme {e}"))
                        .help("name a built-in theme or a theme folder inside the course"),
                );
                return None;
            }
            Ok(folder) if folder.is_dir() => {
                assets.clear();
                read_folder(
                    course_dir,
                    Path::new(name),
                    &mut templates,
                    &mut assets,
                    diags,
                );
            }
            Ok(_) => {
                let known = builtin_names();
                let d = Diagnostic::error(
                    "unknown-theme",
                    crate::config::FILE_NAME,
                    format!("unknown theme `{name}`"),
                )
                .suggest(
                    name,
                    known.iter().copied(),
                    format!(
                        "use a built-in theme ({}) or the name of a theme folder inside the course",
                        known.join(", ")
                    ),
                );
                diags.push(d);
                return None;
            }
        }
    }
    read_folder_templates(course_dir, Path::new("templates"), &mut templates, diags);
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html"]);
    tera.register_filter("fill", fill_filter);
    let list: Vec<(String, String)> = templates
        .iter()
        .map(|(k, (v, _))| (k.clone(), v.clone()))
        .collect();
    if let Err(e) = tera.add_raw_templates(list) {
        let file = templates
            .iter()
            .find(|(k, _)| e.to_string().contains(k.as_str()))
            .and_then(|(_, (_, p))| p.clone())
            .unwrap_or_else(|| PathBuf::from(crate::config::FILE_NAME));
        diags.push(
            Diagnostic::error(
                "template",
                file,
                format!("template error: {}", error_chain(&e)),
            )
            .help("fix the template syntax (Tera, like Jinja2)"),
        );
        return None;
    }
    Some(Theme {
        name: name.to_string(),
        tera,
        assets,
    })
}

fn read_builtin(
    name: &str,
    templates: &mut BTreeMap<String, (String, Option<PathBuf>)>,
    assets: &mut BTreeMap<PathBuf, Vec<u8>>,
) {
    let Some(dir) = THEMES.get_dir(name) else {
        return;
    };
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for f in d.files() {
            let rel = f.path().strip_prefix(name).unwrap_or(f.path());
            if let Ok(t) = rel.strip_prefix("templates") {
                if let Some(text) = f.contents_utf8() {
                    templates.insert(
                        t.to_string_lossy().replace('\\', "/"),
                        (text.to_string(), None),
                    );
                }
            } else if let Ok(s) = rel.strip_prefix("static") {
                assets.insert(s.to_path_buf(), f.contents().to_vec());
            }
        }
        stack.extend(d.dirs());
    }
}

fn read_folder(
    course_dir: &Path,
    rel: &Path,
    templates: &mut BTreeMap<String, (String, Option<PathBuf>)>,
    assets: &mut BTreeMap<PathBuf, Vec<u8>>,
    diags: &mut Diagnostics,
) {
    read_folder_templates(course_dir, &rel.join("templates"), templates, diags);
    for (inner, bytes) in course_folder(course_dir, &rel.join("static"), diags) {
        assets.insert(inner, bytes);
    }
}

fn read_folder_templates(
    course_dir: &Path,
    rel: &Path,
    templates: &mut BTreeMap<String, (String, Option<PathBuf>)>,
    diags: &mut Diagnostics,
) {
    for (inner, bytes) in course_folder(course_dir, rel, diags) {
        let shown = rel.join(&inner);
        match String::from_utf8(bytes) {
            Ok(text) => {
                let name = inner.to_string_lossy().replace('\\', "/");
                templates.insert(name, (text, Some(shown)));
            }
            Err(_) => diags.push(
                Diagnostic::error("theme-file", shown, "a template must be UTF-8 text")
                    .help("save the template as UTF-8"),
            ),
        }
    }
}

/// Every file in the course's folder `rel` (path inside it, bytes), read only if the
/// folder and everything in it are real files and folders inside the course: a theme
/// or template folder cannot publish files from elsewhere through a link.
fn course_folder(
    course_dir: &Path,
    rel: &Path,
    diags: &mut Diagnostics,
) -> Vec<(PathBuf, Vec<u8>)> {
    let folder = match crate::fsguard::open_inside(course_dir, rel) {
        Ok(f) => f,
        Err(e) => {
            diags.push(
                Diagnostic::error("theme-file", rel, e.to_string())
                    .help("keep the theme's files inside the course folder as real files"),
            );
            return Vec::new();
        }
    };
    if !folder.is_dir() {
        return Vec::new();
    }
    let mut files = Vec::new();
    for e in walkdir::WalkDir::new(&folder)
        .follow_links(false)
        .follow_root_links(false)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        let inner = e
            .path()
            .strip_prefix(&folder)
            .unwrap_or(e.path())
            .to_path_buf();
        if e.file_type().is_symlink() {
            diags.push(
                Diagnostic::error(
                    "theme-file",
                    rel.join(&inner),
                    "is a symbolic link; a theme may only use real files inside the course folder",
                )
                .help("copy the file into the theme instead of linking to it"),
            );
        } else if e.file_type().is_file() {
            match std::fs::read(e.path()) {
                Ok(b) => files.push((inner, b)),
                Err(err) => diags.push(Diagnostic::error(
                    "theme-file",
                    rel.join(&inner),
                    format!("cannot read: {err}"),
                )),
            }
        }
    }
    files
}

/// `{{ t.page_of | fill(number=number, total=total) }}`: an interface string (see
/// [`crate::i18n`]) with each `{name}` replaced by the argument of that name.
fn fill_filter(
    value: &tera::Value,
    args: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let text = value
        .as_str()
        .ok_or_else(|| tera::Error::msg("`fill` works on a string, such as `t.page_of`"))?;
    let values: Vec<(String, String)> = args
        .iter()
        .map(|(k, v)| {
            let shown = match v {
                tera::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), shown)
        })
        .collect();
    let pairs: Vec<(&str, &str)> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    Ok(tera::Value::String(crate::i18n::fill(text, &pairs)))
}

/// A Tera error with its causes, which hold the useful part.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}
