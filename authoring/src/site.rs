//! Building a course: load, check, render every page through the theme, and write the
//! web course (HTML, CSS, the JS runtime, media) to a folder. Same sources in, same bytes
//! out: nothing here reads the clock except the review-date check, which only warns.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::CompletionRule;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::markdown::{self, RenderedPage, SiteIndex};
use crate::media::{CACHE_DIR, Media};
use crate::questions;
use crate::source::{self, Course, LessonKind};
use crate::theme::{self, Theme};

/// Settings of one build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Values that replace the course's `[variables]` (one source, several trusts).
    pub variables: BTreeMap<String, String>,
    /// The date review-by dates are compared with; today when not set.
    pub today: Option<time::Date>,
    /// Refuse to write output when there are warnings, as if they were errors.
    pub deny_warnings: bool,
}

/// A course checked and rendered in memory, ready to write.
pub struct Prepared {
    pub course: Course,
    /// Path in the built course → contents.
    pub files: BTreeMap<PathBuf, Vec<u8>>,
    pub media: Media,
    pub pages: usize,
    /// The most characters the learner's saved state can reach (SCORM suspend data).
    pub worst_case_state_chars: usize,
}

/// Loads, checks and renders. Returns `None` when there are errors (or, with
/// `deny_warnings`, warnings, which then read as errors); `diags` says why.
pub fn prepare(dir: &Path, opts: &BuildOptions, diags: &mut Diagnostics) -> Option<Prepared> {
    let prepared = prepare_checked(dir, opts, diags);
    if opts.deny_warnings && !diags.is_empty() {
        diags.deny_warnings();
        return None;
    }
    prepared
}

fn prepare_checked(dir: &Path, opts: &BuildOptions, diags: &mut Diagnostics) -> Option<Prepared> {
    let course = source::load(dir, &opts.variables, diags)?;
    check_governance(&course, opts, diags);
    let media = Media::new(dir);
    let index = SiteIndex::new(&course, &media);
    let mut pages: BTreeMap<String, RenderedPage> = BTreeMap::new();
    for lesson in &course.lessons {
        let page = markdown::render_lesson(&index, lesson, diags);
        pages.insert(lesson.id.clone(), page);
    }
    markdown::check_links(&pages, diags);
    questions::check_unique_ids(
        course
            .lessons
            .iter()
            .flat_map(|l| pages[&l.id].questions.iter()),
        diags,
    );
    check_structure(&course, &pages, diags);
    check_state_keys(&course, &pages, diags);
    let worst_case_state_chars = worst_case_state(&course, &pages);
    let theme = theme::load(dir, &course.config.theme.name, diags)?;
    if diags.has_errors() {
        return None;
    }
    let files = render_site(&course, &index, &pages, &theme, diags)?;
    drop(index);
    Some(Prepared {
        worst_case_state_chars,
        pages: course.lessons.len(),
        course,
        files,
        media,
    })
}

/// Checks everything `build` checks, and writes nothing.
pub fn check(dir: &Path, opts: &BuildOptions) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let _ = prepare(dir, opts, &mut diags);
    diags.sort();
    diags
}

/// What a successful build wrote.
#[derive(Debug)]
pub struct BuildReport {
    pub out_dir: PathBuf,
    pub pages: usize,
    pub files: usize,
    pub diagnostics: Diagnostics,
}

/// Why a build wrote nothing (or could not finish writing).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the course has errors")]
    Invalid(Diagnostics),
    #[error("refusing to write into {0}: it is not empty and holds no built course")]
    OutputNotEmpty(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot process media: {0}")]
    Media(String),
}

/// The default output folder of a course.
pub fn default_out_dir(course_dir: &Path) -> PathBuf {
    course_dir.join("_site")
}

/// Builds the course in `dir` into `out`.
pub fn build(dir: &Path, out: &Path, opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    let mut diags = Diagnostics::default();
    let Some(prepared) = prepare(dir, opts, &mut diags) else {
        diags.sort();
        return Err(BuildError::Invalid(diags));
    };
    diags.sort();
    let files = write(&prepared, out)?;
    Ok(BuildReport {
        out_dir: out.to_path_buf(),
        pages: prepared.pages,
        files,
        diagnostics: diags,
    })
}

/// Writes a prepared course into `out`, removing files an earlier build left that this
/// one no longer makes. Files whose contents are unchanged are not rewritten.
pub fn write(p: &Prepared, out: &Path) -> Result<usize, BuildError> {
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BuildError::Write { path, source }
    };
    if out.exists() {
        let empty = std::fs::read_dir(out).map_err(werr(out))?.next().is_none();
        if !empty && !out.join("assets").join("course.js").exists() {
            return Err(BuildError::OutputNotEmpty(out.to_path_buf()));
        }
    }
    std::fs::create_dir_all(out).map_err(werr(out))?;
    let mut produced: BTreeSet<PathBuf> = BTreeSet::new();
    for (rel, bytes) in &p.files {
        let target = out.join(rel);
        produced.insert(rel.clone());
        if std::fs::read(&target).is_ok_and(|old| old == *bytes) {
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(werr(parent))?;
        }
        std::fs::write(&target, bytes).map_err(werr(&target))?;
    }
    let media = p.media.write(out).map_err(BuildError::Media)?;
    produced.extend(media);
    let mut stale = Vec::new();
    for e in walkdir::WalkDir::new(out).into_iter().flatten() {
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(out).unwrap_or(e.path()).to_path_buf();
            if !produced.contains(&rel) {
                stale.push(e.path().to_path_buf());
            }
        }
    }
    for s in stale {
        std::fs::remove_file(&s).map_err(werr(&s))?;
    }
    // Remove folders emptied above; failures only leave an empty folder behind.
    for e in walkdir::WalkDir::new(out)
        .contents_first(true)
        .into_iter()
        .flatten()
    {
        if e.file_type().is_dir() && e.path() != out {
            let _ = std::fs::remove_dir(e.path());
        }
    }
    Ok(produced.len())
}

fn today(opts: &BuildOptions) -> time::Date {
    if let Some(d) = opts.today {
        return d;
    }
    if let Ok(s) = std::env::var("COURSE_TODAY")
        && let Ok(d) = time::Date::parse(
            &s,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
    {
        return d;
    }
    time::OffsetDateTime::now_utc().date()
}

fn toml_date(d: &toml::value::Datetime) -> Option<time::Date> {
    let date = d.date?;
    time::Date::from_calendar_date(
        date.year as i32,
        time::Month::try_from(date.month).ok()?,
        date.day,
    )
    .ok()
}

fn check_governance(course: &Course, opts: &BuildOptions, diags: &mut Diagnostics) {
    let g = &course.config.governance;
    // Only read for the line numbers of a warning; once, however many there are.
    let text =
        std::fs::read_to_string(course.dir.join(crate::config::FILE_NAME)).unwrap_or_default();
    let line = |key: &str| {
        text.lines()
            .position(|l| l.trim_start().starts_with(key))
            .map(|i| i + 1)
            .unwrap_or(1)
    };
    match g.review_by.as_ref().and_then(toml_date) {
        Some(by) if by < today(opts) => diags.push(
            Diagnostic::warning("review-overdue", crate::config::FILE_NAME, format!("the review-by date {by} has passed"))
                .at(line("review_by"), 1)
                .help("have the content reviewed, then update last_reviewed and review_by in [governance]"),
        ),
        Some(_) => {}
        None => diags.push(
            Diagnostic::warning("no-review-date", crate::config::FILE_NAME, "the course has no review-by date")
                .at(line("[governance]"), 1)
                .help("NHS content needs a review date: add review_by = 2027-06-30 to [governance]"),
        ),
    }
    if g.approver.is_empty() {
        diags.push(
            Diagnostic::warning(
                "no-approver",
                crate::config::FILE_NAME,
                "the course names no clinical or subject approver",
            )
            .at(line("[governance]"), 1)
            .help("add approver = \"…\" and approver_role = \"…\" to [governance]"),
        );
    }
}

fn check_structure(
    course: &Course,
    pages: &BTreeMap<String, RenderedPage>,
    diags: &mut Diagnostics,
) {
    let assessments: Vec<_> = course
        .lessons
        .iter()
        .filter(|l| l.kind == LessonKind::Assessment)
        .collect();
    let rule = course.config.completion.rule;
    if assessments.is_empty() && rule != CompletionRule::AllPages {
        diags.push(
            Diagnostic::error(
                "no-assessment",
                crate::config::FILE_NAME,
                "the completion rule needs an assessment, and the course has none",
            )
            .help(
                "add a lesson with `type: assessment`, or set rule = \"all-pages\" in [completion]",
            ),
        );
    }
    for a in assessments {
        if pages.get(&a.id).is_some_and(|p| p.questions.is_empty()) {
            diags.push(
                Diagnostic::error(
                    "empty-assessment",
                    &a.path,
                    "the assessment has no questions",
                )
                .at(1, 1)
                .help("add questions with `::: question …`"),
            );
        }
    }
}

/// Pages and questions are saved under short keys; two ids with the same key would mix
/// up learners' progress, so the build refuses them (rare: one in millions).
fn check_state_keys(
    course: &Course,
    pages: &BTreeMap<String, RenderedPage>,
    diags: &mut Diagnostics,
) {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let lessons = course
        .lessons
        .iter()
        .map(|l| (l.id.clone(), l.path.clone(), 1));
    let questions = course.lessons.iter().flat_map(|l| {
        pages[&l.id]
            .questions
            .iter()
            .map(|q| (q.id.clone(), q.file.clone(), q.line))
    });
    for (id, file, line) in lessons.chain(questions) {
        let key = questions::state_key(&id);
        if let Some(other) = seen.insert(key, id.clone())
            && other != id
        {
            diags.push(
                Diagnostic::error(
                    "state-key-clash",
                    &file,
                    format!("`{id}` and `{other}` would be saved under the same key"),
                )
                .at(line, 1)
                .help("rename one of them (add a word to its id)"),
            );
        }
    }
}

/// The longest the runtime's saved state can grow for this course, in characters:
/// every page seen, every question answered at full length, every assessment attempted.
fn worst_case_state(course: &Course, pages: &BTreeMap<String, RenderedPage>) -> usize {
    let fixed = r#"{"v":1,"l":"xxxxx","s":"","a":{},"x":{},"c":1}"#.len();
    let seen = 5 * course.lessons.len();
    let answers: usize = pages
        .values()
        .flat_map(|p| p.questions.iter())
        .map(questions::worst_case_state_chars)
        .sum();
    let attempt = r#""xxxxx":{"n":9999,"seed":4294967295,"sc":100,"p":1,"done":1},"#.len();
    let attempts = attempt
        * course
            .lessons
            .iter()
            .filter(|l| l.kind == LessonKind::Assessment)
            .count();
    fixed + seen + answers + attempts
}

#[derive(Serialize)]
struct PageLink {
    id: String,
    title: String,
    url: String,
    kind: LessonKind,
    minutes: Option<u32>,
    summary: Option<String>,
}

#[derive(Serialize)]
struct ModuleCtx {
    title: String,
    pages: Vec<PageLink>,
}

#[derive(Serialize)]
struct GlossaryEntry {
    term: String,
    anchor: String,
    definition: String,
}

#[derive(Serialize)]
struct RuntimeData<'a> {
    id: &'a str,
    version: &'a str,
    title: &'a str,
    rule: CompletionRule,
    pass_mark: u32,
    pages: Vec<RuntimePage<'a>>,
}

#[derive(Serialize)]
struct RuntimePage<'a> {
    id: &'a str,
    key: String,
    title: &'a str,
    kind: LessonKind,
}

fn render_site(
    course: &Course,
    index: &SiteIndex<'_>,
    pages: &BTreeMap<String, RenderedPage>,
    theme: &Theme,
    diags: &mut Diagnostics,
) -> Option<BTreeMap<PathBuf, Vec<u8>>> {
    let cfg = &course.config;
    let mut files: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
    let link = |l: &source::Lesson| PageLink {
        id: l.id.clone(),
        title: l.title.clone(),
        url: format!("{}.html", l.id),
        kind: l.kind,
        minutes: l.minutes,
        summary: l.summary.clone(),
    };
    let modules: Vec<ModuleCtx> = cfg
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| ModuleCtx {
            title: m.title.clone(),
            pages: course
                .lessons
                .iter()
                .filter(|l| l.module == i)
                .map(link)
                .collect(),
        })
        .collect();
    let mut glossary: Vec<GlossaryEntry> = Vec::new();
    if !cfg.glossary.is_empty() {
        for (term, def) in &cfg.glossary {
            let mut html = String::new();
            pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(def));
            glossary.push(GlossaryEntry {
                term: term.clone(),
                anchor: markdown::glossary_anchor(term),
                definition: html,
            });
        }
        glossary.sort_by_key(|g| g.term.to_lowercase());
    }
    let logo = match &cfg.theme.logo {
        Some(rel) => match index.media.image(Path::new(rel)) {
            Ok(img) => Some(img.url),
            Err(msg) => {
                diags.push(
                    Diagnostic::error(
                        "missing-media",
                        crate::config::FILE_NAME,
                        format!("logo `{rel}`: {msg}"),
                    )
                    .help("the logo path is relative to course.toml"),
                );
                return None;
            }
        },
        None => None,
    };
    let mut base = tera::Context::new();
    base.insert("course", cfg);
    base.insert("modules", &modules);
    base.insert("logo", &logo);
    base.insert("has_glossary", &!glossary.is_empty());
    base.insert("page_count", &course.lessons.len());
    base.insert("generator", concat!("course ", env!("CARGO_PKG_VERSION")));
    let render =
        |name: &str, ctx: &tera::Context, out: &str, diags: &mut Diagnostics| -> Option<Vec<u8>> {
            match theme.tera.render(name, ctx) {
                Ok(s) => Some(s.into_bytes()),
                Err(e) => {
                    diags.push(
                        Diagnostic::error(
                            "template",
                            format!("templates/{name}"),
                            format!("cannot render {out}: {}", theme::error_chain(&e)),
                        )
                        .help("check the template's variables against docs/themes.md"),
                    );
                    None
                }
            }
        };
    let mut ctx = base.clone();
    ctx.insert("page_title", &cfg.title);
    ctx.insert("first_page", &course.lessons.first().map(link));
    files.insert(
        "index.html".into(),
        render("index.html", &ctx, "index.html", diags)?,
    );
    let n = course.lessons.len();
    for (i, lesson) in course.lessons.iter().enumerate() {
        let page = &pages[&lesson.id];
        let mut ctx = base.clone();
        ctx.insert("page", &link(lesson));
        ctx.insert("page_title", &format!("{} – {}", lesson.title, cfg.title));
        ctx.insert("content", &page.html);
        ctx.insert("module_title", &cfg.modules[lesson.module].title);
        ctx.insert("number", &(i + 1));
        ctx.insert("total", &n);
        ctx.insert("prev", &i.checked_sub(1).map(|j| link(&course.lessons[j])));
        ctx.insert("next", &course.lessons.get(i + 1).map(link));
        ctx.insert("question_count", &page.questions.len());
        if lesson.kind == LessonKind::Assessment {
            ctx.insert(
                "pass_mark",
                &lesson.pass_mark.unwrap_or(cfg.completion.pass_mark),
            );
            ctx.insert("attempts", &lesson.attempts.unwrap_or(0));
            ctx.insert("shuffle", &lesson.shuffle);
        }
        let out = format!("{}.html", lesson.id);
        files.insert(
            out.clone().into(),
            render("lesson.html", &ctx, &out, diags)?,
        );
    }
    if !glossary.is_empty() {
        let mut ctx = base.clone();
        ctx.insert("page_title", &format!("Glossary – {}", cfg.title));
        ctx.insert("glossary", &glossary);
        files.insert(
            "glossary.html".into(),
            render("glossary.html", &ctx, "glossary.html", diags)?,
        );
    }
    for (rel, bytes) in &theme.assets {
        files.insert(Path::new("assets").join(rel), bytes.clone());
    }
    files.insert(
        "assets/course.js".into(),
        theme::RUNTIME_JS.as_bytes().to_vec(),
    );
    let data = RuntimeData {
        id: &cfg.id,
        version: &cfg.version,
        title: &cfg.title,
        rule: cfg.completion.rule,
        pass_mark: cfg.completion.pass_mark,
        pages: course
            .lessons
            .iter()
            .map(|l| RuntimePage {
                id: &l.id,
                key: questions::state_key(&l.id),
                title: &l.title,
                kind: l.kind,
            })
            .collect(),
    };
    let json = serde_json::to_string(&data).unwrap_or_default();
    files.insert(
        "assets/course-data.js".into(),
        format!("window.COURSE_DATA = {json};\n").into_bytes(),
    );
    if let Some(colour) = &cfg.theme.primary_colour {
        files.insert(
            "assets/branding.css".into(),
            format!(":root {{ --course-primary: {colour}; }}\n").into_bytes(),
        );
    }
    Some(files)
}

/// Files in a course folder that are not part of its sources (for the watcher).
pub fn is_generated(course_dir: &Path, path: &Path) -> bool {
    let rel = path.strip_prefix(course_dir).unwrap_or(path);
    rel.components().next().is_some_and(|c| {
        let s = c.as_os_str();
        s == CACHE_DIR || s == "_site" || s == ".git"
    })
}
