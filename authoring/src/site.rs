//! Building a course: load, check, render every page through the theme, and write the
//! web course (HTML, CSS, the JS runtime, media) to a folder, or keep it in memory for
//! packaging. Same sources in, same bytes out: nothing here reads the clock except the
//! review-date check, which only warns.
//!
//! The build writes only its output. [`check_output`] refuses an output folder that is
//! the course folder, contains it, or lies in (or holds) the course's sources; the
//! output folder records what was written in [`BUILD_MANIFEST`], and a rebuild deletes
//! only files listed there that it no longer makes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::CompletionRule;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::fsguard;
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
    /// The worst cases of what a commit to the LMS carries.
    pub commit: packager::commit::CommitFacts,
}

/// Loads, checks and renders. Returns `None` when there are errors (or, with
/// `deny_warnings`, warnings, which then read as errors); `diags` says why.
pub fn prepare(dir: &Path, opts: &BuildOptions, diags: &mut Diagnostics) -> Option<Prepared> {
    prepare_as(dir, opts, diags, true)
}

/// `produce`: make the scaled copies of images (a build) or only decode them (a check).
fn prepare_as(
    dir: &Path,
    opts: &BuildOptions,
    diags: &mut Diagnostics,
    produce: bool,
) -> Option<Prepared> {
    let prepared = prepare_checked(dir, opts, diags, produce);
    if opts.deny_warnings && !diags.is_empty() {
        diags.deny_warnings();
        return None;
    }
    prepared
}

fn prepare_checked(
    dir: &Path,
    opts: &BuildOptions,
    diags: &mut Diagnostics,
    produce: bool,
) -> Option<Prepared> {
    let course = source::load(dir, &opts.variables, diags)?;
    check_governance(&course, opts, diags);
    let media = if produce {
        Media::new(dir)
    } else {
        Media::checking(dir)
    };
    let index = SiteIndex::new(&course, &media);
    let render_all = |diags: &mut Diagnostics| {
        let mut pages: BTreeMap<String, RenderedPage> = BTreeMap::new();
        for lesson in &course.lessons {
            let page = markdown::render_lesson(&index, lesson, diags);
            pages.insert(lesson.id.clone(), page);
        }
        pages
    };
    // Images decode on worker threads while the lessons render. An image that fails to
    // decode is known only afterwards; the lessons are then rendered again, and that
    // image's use reports the failure at its own line.
    let mut lesson_diags = Diagnostics::default();
    let mut pages = media.decoding(|| {
        if let Some(logo) = &course.config.theme.logo {
            let _ = media.image(Path::new(logo));
        }
        render_all(&mut lesson_diags)
    });
    let failures = media.failures();
    if !failures.is_empty() {
        lesson_diags = Diagnostics::default();
        pages = render_all(&mut lesson_diags);
        if !lesson_diags.has_errors() {
            // Only the logo (reported below) or an image no lesson shows any more.
            for (rel, msg) in &failures {
                if course.config.theme.logo.as_deref().map(Path::new) != Some(rel.as_path()) {
                    lesson_diags.push(
                        Diagnostic::error(
                            "bad-image",
                            rel,
                            format!("image `{}`: {msg}", rel.display()),
                        )
                        .help("open the image in an editor and save it again, or replace it"),
                    );
                }
            }
        }
    }
    diags.extend(lesson_diags.into_vec());
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
    let (worst_case_state_chars, state_commit_bytes) = worst_case_state(&course, &pages);
    check_state_size(worst_case_state_chars, diags);
    let commit = commit_facts(&course, &pages, state_commit_bytes);
    check_commit_size(&commit, diags);
    let theme = theme::load(dir, &course.config.theme.name, diags)?;
    if diags.has_errors() {
        return None;
    }
    let files = render_site(&course, &index, &pages, &theme, diags)?;
    drop(index);
    Some(Prepared {
        worst_case_state_chars,
        commit,
        pages: course.lessons.len(),
        course,
        files,
        media,
    })
}

/// Checks everything `build` checks (decoding every image), and writes nothing but the
/// cache of what it learnt about the media.
pub fn check(dir: &Path, opts: &BuildOptions) -> Diagnostics {
    let mut diags = Diagnostics::default();
    if let Some(p) = prepare_as(dir, opts, &mut diags, false) {
        p.media.save_index();
    }
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
    // The cause is the error's source: `{:#}` prints it once, after the path.
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot process media: {0}")]
    Media(String),
    #[error("refusing to write into {out}: {reason}")]
    UnsafeOutput { out: PathBuf, reason: String },
}

/// The default output folder of a course.
pub fn default_out_dir(course_dir: &Path) -> PathBuf {
    course_dir.join("_site")
}

/// Builds the course in `dir` into `out`, after checking with [`check_output`] that
/// `out` is a safe place to write.
pub fn build(dir: &Path, out: &Path, opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    check_output(dir, out, &[])?;
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

/// The file in an output folder that lists what the build wrote there.
pub const BUILD_MANIFEST: &str = ".course-build.json";

/// The top-level folders of a course that hold its sources, whether or not this course
/// uses them: an output folder may never be in one.
pub const SOURCE_FOLDERS: &[&str] = &[
    "lessons",
    "media",
    "snippets",
    "templates",
    "theme",
    "themes",
];

#[derive(Serialize, Deserialize)]
struct BuildManifest {
    generator: String,
    /// Paths in the output folder, `/`-separated.
    files: Vec<String>,
}

/// The course files a prepared course was made from: course.toml, lessons, media,
/// attachments, the logo and the theme folder.
pub fn sources(p: &Prepared) -> Vec<PathBuf> {
    let mut used: Vec<PathBuf> = vec![PathBuf::from(crate::config::FILE_NAME)];
    used.extend(p.course.lessons.iter().map(|l| l.path.clone()));
    used.extend(p.media.sources());
    if let Some(logo) = &p.course.config.theme.logo {
        used.push(PathBuf::from(logo));
    }
    let theme = Path::new(&p.course.config.theme.name);
    if p.course.dir.join(theme).is_dir() {
        used.push(theme.join("theme.toml"));
    }
    used
}

/// An absolute path with symbolic links resolved, for a path that may not exist yet:
/// its nearest existing ancestor is canonicalised and the rest appended.
pub fn resolve_path(p: &Path) -> std::io::Result<PathBuf> {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()?.join(p)
    };
    for anc in abs.ancestors() {
        let Ok(mut real) = anc.canonicalize() else {
            continue;
        };
        for c in abs.strip_prefix(anc).unwrap_or(Path::new("")).components() {
            match c {
                std::path::Component::ParentDir => {
                    real.pop();
                }
                std::path::Component::Normal(n) => real.push(n),
                _ => {}
            }
        }
        return Ok(real);
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::NotFound,
        "no part of the path exists",
    ))
}

fn folded(p: &Path) -> PathBuf {
    PathBuf::from(p.to_string_lossy().to_lowercase())
}

/// Refuses an output folder that would overwrite or delete the course: the course folder
/// itself, a folder that contains it (`-o ..`, `-o /`), or, inside the course, a folder
/// that is or lies in one of [`SOURCE_FOLDERS`] or in any folder holding a file the
/// course uses (`used`, relative to the course folder), or that holds such a file. Any
/// other folder inside the course is fine: `_site`, `_packages`, `out`, `.course-cache/…`.
/// Paths are compared after resolving symbolic links (and case-insensitively inside the
/// course, for file systems that ignore case). One rule for `build` and `package`.
pub fn check_output(course_dir: &Path, out: &Path, used: &[PathBuf]) -> Result<(), BuildError> {
    let refuse = |reason: String| BuildError::UnsafeOutput {
        out: out.to_path_buf(),
        reason,
    };
    let Ok(course) = course_dir.canonicalize() else {
        // No course to protect; loading it reports why.
        return Ok(());
    };
    let target = resolve_path(out).map_err(|e| refuse(format!("cannot resolve it: {e}")))?;
    if target == course {
        return Err(refuse(
            "it is the course folder; write the output to a folder of its own, such as _site"
                .into(),
        ));
    }
    if course.starts_with(&target) {
        return Err(refuse(format!(
            "it contains the course folder {}; write the output to a folder of its own, such as _site",
            course.display()
        )));
    }
    let Ok(rel) = target.strip_prefix(&course) else {
        return Ok(());
    };
    let rel = folded(rel);
    let mut folders: BTreeSet<PathBuf> = SOURCE_FOLDERS.iter().map(PathBuf::from).collect();
    for u in used {
        let u = fsguard::clean(u).unwrap_or_else(|_| u.clone());
        if folded(&u) == rel || folded(&u).starts_with(&rel) {
            return Err(refuse(format!(
                "it holds `{}`, a source of the course; write the output to a folder of its own, such as _site",
                u.display()
            )));
        }
        let mut anc = u.parent();
        while let Some(a) = anc.filter(|a| !a.as_os_str().is_empty()) {
            folders.insert(a.to_path_buf());
            anc = a.parent();
        }
    }
    if let Some(f) = folders.iter().find(|f| rel.starts_with(folded(f))) {
        return Err(refuse(format!(
            "it is inside `{}`, which holds the course's sources; write the output to a folder of its own, such as _site",
            f.display()
        )));
    }
    Ok(())
}

fn read_manifest(out: &Path) -> Option<Vec<PathBuf>> {
    let bytes = std::fs::read(out.join(BUILD_MANIFEST)).ok()?;
    let m: BuildManifest = serde_json::from_slice(&bytes).ok()?;
    Some(m.files.iter().map(PathBuf::from).collect())
}

fn write_manifest(out: &Path, files: &BTreeSet<PathBuf>) -> std::io::Result<()> {
    let m = BuildManifest {
        generator: concat!("course ", env!("CARGO_PKG_VERSION")).into(),
        files: files.iter().map(|p| zip_name(p)).collect(),
    };
    let json = serde_json::to_vec_pretty(&m).map_err(std::io::Error::other)?;
    let tmp = out.join(format!("{BUILD_MANIFEST}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, out.join(BUILD_MANIFEST))
}

fn zip_name(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Writes a prepared course into `out`. Files whose contents are unchanged are not
/// rewritten; files an earlier build wrote (as its [`BUILD_MANIFEST`] lists) that this one
/// no longer makes are removed, and nothing else ever is. Nothing is written or removed
/// through a symbolic link inside `out`, and `out` itself must pass [`check_output`].
pub fn write(p: &Prepared, out: &Path) -> Result<usize, BuildError> {
    check_output(&p.course.dir, out, &sources(p))?;
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BuildError::Write { path, source }
    };
    let unsafe_out = |e: fsguard::Escape| BuildError::UnsafeOutput {
        out: out.to_path_buf(),
        reason: e.to_string(),
    };
    let earlier = if out.exists() {
        let manifest = read_manifest(out);
        let empty = std::fs::read_dir(out).map_err(werr(out))?.next().is_none();
        if !empty && manifest.is_none() && !out.join("assets").join("course.js").exists() {
            return Err(BuildError::OutputNotEmpty(out.to_path_buf()));
        }
        manifest.unwrap_or_default()
    } else {
        Vec::new()
    };
    std::fs::create_dir_all(out).map_err(werr(out))?;
    let mut produced: BTreeSet<PathBuf> = p.files.keys().cloned().collect();
    produced.extend(p.media.outputs());
    // Until this build is complete, the manifest lists both builds' files, so that an
    // interrupted build still leaves every file it wrote accounted for.
    let mut both: BTreeSet<PathBuf> = earlier.iter().cloned().collect();
    both.extend(produced.iter().cloned());
    write_manifest(out, &both).map_err(werr(&out.join(BUILD_MANIFEST)))?;
    for (rel, bytes) in &p.files {
        let target = fsguard::open_inside(out, rel).map_err(unsafe_out)?;
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
    write_manifest(out, &produced).map_err(werr(&out.join(BUILD_MANIFEST)))?;
    for rel in earlier.iter().filter(|r| !produced.contains(*r)) {
        // Only regular files, reached without a link, inside `out`.
        let Ok(path) = fsguard::open_inside(out, rel) else {
            continue;
        };
        if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            continue;
        }
        std::fs::remove_file(&path).map_err(werr(&path))?;
        // Remove the folders this emptied; a folder that is not empty stays.
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| *d != out && d.starts_with(out)) {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    Ok(produced.len())
}

/// A course built in memory, ready to package.
pub struct MemoryBuild {
    pub prepared: Prepared,
    /// Path in the built course (`/`-separated) → contents: pages, assets and media.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Warnings (and, when the build failed, errors).
    pub diagnostics: Diagnostics,
}

/// Builds the course in `dir` into memory: every file of the web course, media
/// included, without writing an output folder (only the media cache is written).
pub fn build_in_memory(dir: &Path, opts: &BuildOptions) -> Result<MemoryBuild, BuildError> {
    let mut diags = Diagnostics::default();
    let Some(prepared) = prepare(dir, opts, &mut diags) else {
        diags.sort();
        return Err(BuildError::Invalid(diags));
    };
    diags.sort();
    let mut files: BTreeMap<String, Vec<u8>> = prepared
        .files
        .iter()
        .map(|(k, v)| (zip_name(k), v.clone()))
        .collect();
    for (k, v) in prepared.media.to_memory().map_err(BuildError::Media)? {
        files.insert(zip_name(&k), v);
    }
    Ok(MemoryBuild {
        prepared,
        files,
        diagnostics: diags,
    })
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

/// Says at `check` what `course package` would refuse: saved state that can outgrow
/// SCORM 1.2's suspend data (a warning: the course can still be packaged for 2004), or
/// SCORM 2004's (an error: no LMS could keep it).
fn check_state_size(worst: usize, diags: &mut Diagnostics) {
    let limit = |f: packager::Format| f.suspend_limit().unwrap_or(usize::MAX);
    let (l12, l2004) = (
        limit(packager::Format::Scorm12),
        limit(packager::Format::Scorm2004),
    );
    if worst > l2004 {
        diags.push(
            Diagnostic::error(
                "saved-state-too-large",
                crate::config::FILE_NAME,
                format!("a learner's saved progress can reach {worst} characters; SCORM 2004 keeps at most {l2004}"),
            )
            .help("split the course into smaller courses, or use fewer and shorter questions"),
        );
    } else if worst > l12 {
        diags.push(
            Diagnostic::warning(
                "too-large-for-scorm12",
                crate::config::FILE_NAME,
                format!("a learner's saved progress can reach {worst} characters; SCORM 1.2 keeps at most {l12}, so `course package` cannot make a SCORM 1.2 package"),
            )
            .help("package it as `course package --format scorm2004`, or use fewer questions"),
        );
    }
}

/// The worst cases of what the course sends to the LMS: its saved state, its knowledge
/// checks, the questions one attempt at every assessment presents, and the largest
/// interaction.
fn commit_facts(
    course: &Course,
    pages: &BTreeMap<String, RenderedPage>,
    suspend_bytes: usize,
) -> packager::commit::CommitFacts {
    let mut facts = packager::commit::CommitFacts {
        suspend_bytes,
        ..Default::default()
    };
    for lesson in &course.lessons {
        let page = &pages[&lesson.id];
        if lesson.kind == LessonKind::Assessment {
            facts.per_attempt += page.questions.len().saturating_sub(page.undrawn);
        } else {
            facts.checks += page.questions.len();
        }
        for q in &page.questions {
            facts.interaction_bytes = facts
                .interaction_bytes
                .max(questions::worst_case_interaction_bytes(q));
        }
    }
    facts
}

/// Says at `check` what `course package` would refuse: a course whose commit to the LMS
/// could outgrow what a browser sends as a page closes.
fn check_commit_size(facts: &packager::commit::CommitFacts, diags: &mut Diagnostics) {
    if let Err(e) = packager::commit::plan(facts, packager::Format::Scorm2004) {
        diags.push(
            Diagnostic::error("commit-too-large", crate::config::FILE_NAME, e.to_string())
                .help("put fewer questions in the assessment (a `::: bank` can draw some of them), or split the course"),
        );
    }
}

/// The longest the runtime's saved state can grow for this course, in characters and
/// in bytes inside a commit: every page seen, every question answered at full length,
/// every assessment attempted.
fn worst_case_state(course: &Course, pages: &BTreeMap<String, RenderedPage>) -> (usize, usize) {
    let fixed = r#"{"v":1,"l":"xxxxx","s":"","a":{},"x":{},"c":1}"#.len();
    let seen = 5 * course.lessons.len();
    let all = || pages.values().flat_map(|p| p.questions.iter());
    let answers: usize = all().map(questions::worst_case_state_chars).sum();
    let answer_bytes: usize = all().map(questions::worst_case_state_commit_bytes).sum();
    let attempt = r#""xxxxx":{"n":9999,"seed":4294967295,"sc":100,"p":1,"done":1},"#.len();
    let attempts = attempt
        * course
            .lessons
            .iter()
            .filter(|l| l.kind == LessonKind::Assessment)
            .count();
    let structure = fixed + seen + attempts;
    (structure + answers, 2 * structure + answer_bytes)
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
    /// The interface's words, for what the runtime writes.
    strings: &'a crate::i18n::Strings,
}

#[derive(Serialize)]
struct RuntimePage<'a> {
    id: &'a str,
    key: String,
    title: &'a str,
    kind: LessonKind,
    /// An assessment's attempts (0: unlimited), so that the runtime knows when a
    /// failure is final.
    attempts: u32,
}

/// The pass mark learners are held to: the first assessment's own, else the course's.
/// The contents page, the runtime and the package's manifest all use this one.
pub fn course_pass_mark(course: &Course) -> u32 {
    course
        .lessons
        .iter()
        .find(|l| l.kind == LessonKind::Assessment)
        .and_then(|a| a.pass_mark)
        .unwrap_or(course.config.completion.pass_mark)
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
    base.insert("t", &course.strings);
    base.insert("modules", &modules);
    base.insert("logo", &logo);
    base.insert("has_glossary", &!glossary.is_empty());
    base.insert("page_count", &course.lessons.len());
    base.insert("course_pass_mark", &course_pass_mark(course));
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
    // One context for every lesson, its page's values replaced each time: cloning the
    // common values (every module and page of the course) per page made large courses
    // quadratic.
    let mut ctx = base.clone();
    for (i, lesson) in course.lessons.iter().enumerate() {
        let page = &pages[&lesson.id];
        for key in ["pass_mark", "attempts", "shuffle"] {
            ctx.remove(key);
        }
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
        ctx.insert(
            "page_title",
            &format!("{} – {}", course.strings.get("glossary"), cfg.title),
        );
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
        pass_mark: course_pass_mark(course),
        strings: &course.strings,
        pages: course
            .lessons
            .iter()
            .map(|l| RuntimePage {
                id: &l.id,
                key: questions::state_key(&l.id),
                title: &l.title,
                kind: l.kind,
                attempts: l.attempts.unwrap_or(0),
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
