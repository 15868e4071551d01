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
    let folder = course_dir.join(name);
    if THEMES.get_dir(name).is_some() && !name.contains('/') {
        if name != DEFAULT {
            assets.clear();
            read_builtin(name, &mut templates, &mut assets);
        }
    } else if folder.is_dir() {
        assets.clear();
        read_folder(&folder, Path::new(name), &mut templates, &mut assets, diags);
    } else {
        let known = builtin_names();
        let mut d = Diagnostic::error(
            "unknown-theme",
            crate::config::FILE_NAME,
            format!("unknown theme `{name}`"),
        );
        d = d.suggest(
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
    let overrides = course_dir.join("templates");
    if overrides.is_dir() {
        let mut ignored = BTreeMap::new();
        read_folder_templates(
            &overrides,
            Path::new("templates"),
            &mut templates,
            &mut ignored,
        );
    }
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html"]);
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
    folder: &Path,
    shown_as: &Path,
    templates: &mut BTreeMap<String, (String, Option<PathBuf>)>,
    assets: &mut BTreeMap<PathBuf, Vec<u8>>,
    diags: &mut Diagnostics,
) {
    read_folder_templates(
        &folder.join("templates"),
        &shown_as.join("templates"),
        templates,
        assets,
    );
    let stat = folder.join("static");
    for e in walkdir::WalkDir::new(&stat)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if e.file_type().is_file() {
            let rel = e
                .path()
                .strip_prefix(&stat)
                .unwrap_or(e.path())
                .to_path_buf();
            match std::fs::read(e.path()) {
                Ok(b) => {
                    assets.insert(rel, b);
                }
                Err(err) => diags.push(Diagnostic::error(
                    "theme-file",
                    shown_as.join("static").join(&rel),
                    format!("cannot read: {err}"),
                )),
            }
        }
    }
}

fn read_folder_templates(
    dir: &Path,
    shown_as: &Path,
    templates: &mut BTreeMap<String, (String, Option<PathBuf>)>,
    _assets: &mut BTreeMap<PathBuf, Vec<u8>>,
) {
    for e in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if e.file_type().is_file()
            && let Ok(text) = std::fs::read_to_string(e.path())
        {
            let rel = e.path().strip_prefix(dir).unwrap_or(e.path());
            let name = rel.to_string_lossy().replace('\\', "/");
            templates.insert(name, (text, Some(shown_as.join(rel))));
        }
    }
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
