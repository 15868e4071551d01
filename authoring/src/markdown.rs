//! Rendering one lesson's blocks to HTML: Markdown with callouts, tables, images, links,
//! glossary terms and variables, plus the `:::` containers; checking each construct as
//! it goes (alt text, heading levels, link text, media, allow-listed addresses).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use pulldown_cmark::{BlockQuoteKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::blocks::{Block, Container};
use crate::diagnostics::{Diagnostic, Diagnostics, LineIndex, Position};
use crate::media::{Media, MediaKind};
use crate::questions::{self, Question, escape};
use crate::source::{Course, Lesson, LessonKind, slugify};

/// Course-wide facts every page's rendering needs.
pub struct SiteIndex<'a> {
    pub course: &'a Course,
    /// Lesson source path (relative to the course) → page id.
    pub pages_by_path: BTreeMap<PathBuf, String>,
    /// Glossary terms, longest first, with their anchor ids.
    pub glossary: Vec<(String, String)>,
    pub media: &'a Media,
}

impl<'a> SiteIndex<'a> {
    pub fn new(course: &'a Course, media: &'a Media) -> Self {
        let pages_by_path = course
            .lessons
            .iter()
            .map(|l| (normalise(&l.path), l.id.clone()))
            .collect();
        let mut glossary: Vec<(String, String)> = course
            .config
            .glossary
            .keys()
            .map(|t| (t.clone(), glossary_anchor(t)))
            .collect();
        glossary.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Self {
            course,
            pages_by_path,
            glossary,
            media,
        }
    }
}

pub fn glossary_anchor(term: &str) -> String {
    format!("term-{}", slugify(term))
}

/// A link to another page (or an anchor on this one) checked once every page is rendered.
#[derive(Debug, Clone)]
pub struct PendingLink {
    pub file: PathBuf,
    pub position: Position,
    pub page: String,
    pub anchor: Option<String>,
}

/// One rendered page body and what the later checks need from it.
#[derive(Debug, Default)]
pub struct RenderedPage {
    pub html: String,
    pub heading_ids: BTreeSet<String>,
    pub links: Vec<PendingLink>,
    pub questions: Vec<Question>,
}

/// Link texts that tell a screen-reader user nothing out of context.
const VAGUE_LINK_TEXT: &[&str] = &[
    "click here",
    "here",
    "click",
    "more",
    "read more",
    "link",
    "this link",
    "this",
    "find out more",
    "more info",
    "more information",
    "go",
    "learn more",
];

const VIDEO_EXT: &[&str] = &["mp4", "webm", "ogv", "mov", "m4v"];
const AUDIO_EXT: &[&str] = &["mp3", "ogg", "oga", "wav", "m4a", "aac", "opus"];

/// Renders `lesson`, collecting problems in `diags`.
pub fn render_lesson(
    site: &SiteIndex<'_>,
    lesson: &Lesson,
    diags: &mut Diagnostics,
) -> RenderedPage {
    let mut r = PageRenderer {
        site,
        lesson,
        diags,
        page: RenderedPage::default(),
        glossary_used: BTreeSet::new(),
        last_heading: 1,
        tab_ids: BTreeSet::new(),
        image_alt: String::new(),
        pending_attachment_meta: None,
        no_glossary: 0,
    };
    let mut html = String::new();
    for b in &lesson.blocks {
        html.push_str(&r.block(b, false));
    }
    r.page.html = html;
    r.page
}

struct PageRenderer<'s, 'd> {
    site: &'s SiteIndex<'s>,
    lesson: &'s Lesson,
    diags: &'d mut Diagnostics,
    page: RenderedPage,
    glossary_used: BTreeSet<String>,
    last_heading: u8,
    tab_ids: BTreeSet<String>,
    /// Alt text of the image being read.
    image_alt: String,
    /// "PDF, 120 KB" for the attachment link being read.
    pending_attachment_meta: Option<String>,
    /// Above zero while rendering text inside controls (summaries, tab titles, questions),
    /// where a glossary link would nest one interactive element in another.
    no_glossary: u32,
}

/// What a span of events is inside of, for the checks that depend on context.
#[derive(Default)]
struct Ctx {
    in_heading: Option<(usize, String)>,
    in_link: Option<(String, Position, bool)>,
    in_image: Option<(String, String, Position)>,
    in_code: bool,
}

impl PageRenderer<'_, '_> {
    fn block(&mut self, b: &Block, in_bank: bool) -> String {
        match b {
            Block::Markdown { text, file, line } => self.markdown(text, file, *line, false),
            Block::Container(c) => self.container(c, in_bank),
        }
    }

    fn container(&mut self, c: &Container, in_bank: bool) -> String {
        match c.name.as_str() {
            "question" => self.question(c, in_bank),
            "details" => {
                let mut h = String::new();
                if c.args.is_empty() {
                    self.diags.push(
                        Diagnostic::error(
                            "missing-title",
                            &c.file,
                            "expandable section has no title",
                        )
                        .at(c.line, 1)
                        .help("write the title after `details`: `::: details What counts as PPE?`"),
                    );
                }
                let _ = writeln!(
                    h,
                    "<details class=\"course-details\">\n<summary class=\"course-details__summary\"><span class=\"course-details__summary-text\">{}</span></summary>\n<div class=\"course-details__text\">",
                    self.inline(&c.args, &c.file, c.line)
                );
                for child in &c.children {
                    h.push_str(&self.block(child, false));
                }
                h.push_str("</div>\n</details>\n");
                h
            }
            "tabs" => self.tabs(c),
            "tab" => {
                self.diags.push(
                    Diagnostic::error(
                        "tab-outside-tabs",
                        &c.file,
                        "`::: tab` must be inside `::: tabs`",
                    )
                    .at(c.line, 1)
                    .help("wrap the tabs in `::: tabs` … `:::`"),
                );
                String::new()
            }
            "video" | "audio" => self.media(c),
            "bank" => self.bank(c),
            _ => String::new(),
        }
    }

    fn question(&mut self, c: &Container, _in_bank: bool) -> String {
        // Variables apply to answers too (`answer: {{ fire_number }}`), so expand first.
        let mut expanded = c.clone();
        for (no, line) in &mut expanded.lines {
            *line = self.substitute(
                line,
                &c.file,
                Position {
                    line: *no,
                    column: 1,
                },
            );
        }
        let Some(q) = questions::parse(&expanded, self.diags) else {
            return String::new();
        };
        let graded = self.lesson.kind == LessonKind::Assessment;
        let file = c.file.clone();
        self.no_glossary += 1;
        let prompt = self.markdown(&q.prompt, &file, c.line + 1, true);
        self.no_glossary -= 1;
        let rendered = {
            let mut inline = |s: &str, line: usize| self.inline(s, &file, line);
            let mut block = |_: &str, _: usize| prompt.clone();
            questions::render_html(&q, graded, &mut inline, &mut block)
        };
        self.page.questions.push(q);
        rendered
    }

    fn tabs(&mut self, c: &Container) -> String {
        let mut tabs: Vec<(String, String)> = Vec::new(); // (id, title)
        let mut panels = String::new();
        for child in &c.children {
            match child {
                Block::Container(t) if t.name == "tab" => {
                    let mut id = format!("tab-{}", slugify(&t.args));
                    while !self.tab_ids.insert(id.clone()) {
                        id.push_str("-2");
                    }
                    if t.args.is_empty() {
                        self.diags.push(
                            Diagnostic::error("missing-title", &t.file, "tab has no title")
                                .at(t.line, 1)
                                .help("write the title after `tab`: `::: tab Adults`"),
                        );
                    }
                    let title = self.inline(&t.args, &t.file, t.line);
                    let _ = writeln!(panels, "<div class=\"course-tabs__panel\" id=\"{id}\">");
                    for b in &t.children {
                        panels.push_str(&self.block(b, false));
                    }
                    panels.push_str("</div>\n");
                    tabs.push((id, title));
                }
                Block::Markdown { text, file, line } => {
                    let first = text.lines().position(|l| !l.trim().is_empty()).unwrap_or(0);
                    self.diags.push(
                        Diagnostic::error(
                            "text-outside-tab",
                            file,
                            "text inside `::: tabs` must be inside a `::: tab`",
                        )
                        .at(line + first, 1)
                        .help("start each tab with `::: tab Title` and end it with `:::`"),
                    );
                }
                Block::Container(other) => self.diags.push(
                    Diagnostic::error(
                        "text-outside-tab",
                        &other.file,
                        "only `::: tab` sections may be inside `::: tabs`",
                    )
                    .at(other.line, 1)
                    .help("put this section inside one of the tabs"),
                ),
            }
        }
        if tabs.len() < 2 {
            self.diags.push(
                Diagnostic::warning("single-tab", &c.file, "tabs with fewer than two tabs")
                    .at(c.line, 1)
                    .help("use at least two `::: tab` sections, or plain text"),
            );
        }
        let mut h = String::from(
            "<div class=\"course-tabs\" data-module=\"tabs\">\n<ul class=\"course-tabs__list\">\n",
        );
        for (id, title) in &tabs {
            let _ = writeln!(
                h,
                "<li class=\"course-tabs__item\"><a class=\"course-tabs__tab\" href=\"#{id}\">{title}</a></li>"
            );
        }
        h.push_str("</ul>\n");
        h.push_str(&panels);
        h.push_str("</div>\n");
        h
    }

    fn bank(&mut self, c: &Container) -> String {
        let draw: Option<usize> = c
            .args
            .split_whitespace()
            .next()
            .and_then(|a| a.parse().ok());
        let n_questions = c
            .children
            .iter()
            .filter(|b| matches!(b, Block::Container(q) if q.name == "question"))
            .count();
        if self.lesson.kind != LessonKind::Assessment {
            self.diags.push(
                Diagnostic::warning(
                    "bank-outside-assessment",
                    &c.file,
                    "a question bank only draws questions on an assessment page",
                )
                .at(c.line, 1)
                .help("add `type: assessment` to this page's front matter"),
            );
        }
        let draw = match draw {
            Some(d) if d >= 1 && d <= n_questions => d,
            _ => {
                self.diags.push(
                    Diagnostic::error("invalid-bank", &c.file, format!("a bank of {n_questions} questions must draw between 1 and {n_questions}"))
                        .at(c.line, 1)
                        .help("write how many to draw after `bank`: `::: bank 3`"),
                );
                n_questions.max(1)
            }
        };
        let mut h = format!("<div class=\"course-bank\" data-draw=\"{draw}\">\n");
        for b in &c.children {
            match b {
                Block::Container(q) if q.name == "question" => h.push_str(&self.question(q, true)),
                Block::Markdown { text, .. } if text.trim().is_empty() => {}
                Block::Markdown { file, line, .. } => self.diags.push(
                    Diagnostic::error("text-in-bank", file, "a question bank holds only questions")
                        .at(*line, 1)
                        .help("move this text above the `::: bank` line"),
                ),
                Block::Container(o) => self.diags.push(
                    Diagnostic::error(
                        "text-in-bank",
                        &o.file,
                        "a question bank holds only questions",
                    )
                    .at(o.line, 1)
                    .help("move this section out of the bank"),
                ),
            }
        }
        h.push_str("</div>\n");
        h
    }

    fn media(&mut self, c: &Container) -> String {
        let is_video = c.name == "video";
        let src = c.args.trim();
        let mut keys: BTreeMap<&str, (String, usize)> = BTreeMap::new();
        let mut transcript: Vec<&str> = Vec::new();
        let mut transcript_line = c.line + 1;
        for (no, line) in &c.lines {
            if transcript.is_empty()
                && let Some((k, v)) = line.split_once(':')
                && let k @ ("captions" | "poster" | "title") = k.trim()
            {
                keys.insert(k, (v.trim().to_string(), *no));
                transcript_line = no + 1;
                continue;
            }
            if transcript.is_empty() && line.trim().is_empty() {
                transcript_line = no + 1;
                continue;
            }
            transcript.push(line);
        }
        let what = if is_video { "video" } else { "audio" };
        if src.is_empty() {
            self.diags.push(
                Diagnostic::error("missing-media", &c.file, format!("{what} has no file"))
                    .at(c.line, 1)
                    .help(format!(
                        "write the file after `{what}`: `::: {what} media/clip.{}`",
                        if is_video { "mp4" } else { "mp3" }
                    )),
            );
            return String::new();
        }
        let allowed = if is_video { VIDEO_EXT } else { AUDIO_EXT };
        let ext = extension(src);
        if !allowed.contains(&ext.as_str()) {
            self.diags.push(
                Diagnostic::error(
                    "media-type",
                    &c.file,
                    format!("`{src}` is not a {what} file"),
                )
                .at(c.line, 1)
                .help(format!("{what} files end in {}", allowed.join(", "))),
            );
        }
        let url = self.local_file(
            src,
            MediaKind::Media,
            &c.file,
            Position {
                line: c.line,
                column: 1,
            },
        );
        let captions = match keys.get("captions") {
            Some((v, line)) => self.vtt(v, &c.file, *line),
            None => {
                if is_video {
                    self.diags.push(
                        Diagnostic::error("video-without-captions", &c.file, format!("video `{src}` has no captions"))
                            .at(c.line, 1)
                            .help("add a WebVTT file: `captions: media/clip.en.vtt` on the line after `::: video`"),
                    );
                }
                None
            }
        };
        if transcript.iter().all(|l| l.trim().is_empty()) {
            let message = format!("{what} `{src}` has no transcript");
            let d = if is_video {
                Diagnostic::warning("missing-transcript", &c.file, message)
            } else {
                Diagnostic::error("missing-transcript", &c.file, message)
            };
            let d = d
                .at(c.line, 1)
                .help("write the transcript as text inside the section, after the settings lines");
            self.diags.push(d);
        }
        let poster = keys.get("poster").and_then(|(v, line)| {
            self.local_file(
                v,
                MediaKind::Media,
                &c.file,
                Position {
                    line: *line,
                    column: 1,
                },
            )
        });
        let title = keys.get("title").map(|(t, l)| self.inline(t, &c.file, *l));
        let mut h = String::from("<figure class=\"course-media\">\n");
        let tag = if is_video { "video" } else { "audio" };
        let _ = write!(
            h,
            "<{tag} class=\"course-media__player\" controls preload=\"metadata\""
        );
        if let Some(p) = poster {
            let _ = write!(h, " poster=\"{}\"", escape(&p));
        }
        if let Some(t) = &title {
            let _ = write!(h, " aria-label=\"{}\"", escape(&strip_tags(t)));
        }
        h.push_str(">\n");
        if let Some(u) = &url {
            let _ = writeln!(h, "<source src=\"{}\" type=\"{}\">", escape(u), mime(&ext));
        }
        if let Some(cap) = captions {
            let lang = &self.site.course.config.language;
            let _ = writeln!(
                h,
                "<track kind=\"captions\" src=\"{}\" srclang=\"{}\" label=\"Captions\" default>",
                escape(&cap),
                escape(&lang[..2.min(lang.len())])
            );
        }
        if let Some(u) = &url {
            let _ = writeln!(
                h,
                "<p>Your browser cannot play this {what}. <a href=\"{}\" download>Download the {what}</a>.</p>",
                escape(u)
            );
        }
        let _ = writeln!(h, "</{tag}>");
        if let Some(t) = title {
            let _ = writeln!(
                h,
                "<figcaption class=\"course-media__caption\">{t}</figcaption>"
            );
        }
        if transcript.iter().any(|l| !l.trim().is_empty()) {
            let text = transcript.join("\n");
            let _ = writeln!(
                h,
                "<details class=\"course-details course-transcript\">\n<summary class=\"course-details__summary\"><span class=\"course-details__summary-text\">Transcript</span></summary>\n<div class=\"course-details__text\">\n{}</div>\n</details>",
                self.markdown_nested(&text, &c.file.clone(), transcript_line)
            );
        }
        h.push_str("</figure>\n");
        h
    }

    fn vtt(&mut self, rel: &str, file: &Path, line: usize) -> Option<String> {
        if extension(rel) != "vtt" {
            self.diags.push(
                Diagnostic::error(
                    "captions-format",
                    file,
                    format!("captions `{rel}` are not a WebVTT file"),
                )
                .at(line, 1)
                .help("captions must be WebVTT (.vtt); most captioning tools can export it"),
            );
            return None;
        }
        let path = self.resolve(rel, file);
        if let Ok(text) = std::fs::read_to_string(self.site.course.dir.join(&path))
            && !text.trim_start_matches('\u{feff}').starts_with("WEBVTT")
        {
            self.diags.push(
                Diagnostic::error(
                    "captions-format",
                    file,
                    format!("`{rel}` does not start with WEBVTT"),
                )
                .at(line, 1)
                .help("a WebVTT file's first line is `WEBVTT`"),
            );
        }
        self.local_file(rel, MediaKind::Media, file, Position { line, column: 1 })
    }

    /// Copies a local file into the output and returns its URL, or reports it missing.
    fn local_file(
        &mut self,
        rel: &str,
        kind: MediaKind,
        file: &Path,
        pos: Position,
    ) -> Option<String> {
        if is_external(rel) {
            self.diags.push(
                Diagnostic::error("external-media", file, format!("`{rel}` is on another site"))
                    .at_pos(pos)
                    .help("a built course makes no network calls: download the file into the course's media folder"),
            );
            return None;
        }
        let path = self.resolve(rel, file);
        match self.site.media.file(&path, kind) {
            Ok(url) => Some(url),
            Err(msg) => {
                self.diags.push(
                    Diagnostic::error("missing-media", file, format!("`{rel}`: {msg}"))
                        .at_pos(pos)
                        .help(
                            "check the file name and folder; paths are relative to the lesson file",
                        ),
                );
                None
            }
        }
    }

    /// A path written in a lesson, relative to that lesson's folder, as a path relative to
    /// the course folder.
    fn resolve(&self, rel: &str, file: &Path) -> PathBuf {
        let rel = rel.split(['?', '#']).next().unwrap_or(rel);
        let rel = packager::manifest::percent_decode(rel);
        if let Some(abs) = rel.strip_prefix('/') {
            return normalise(Path::new(abs));
        }
        let base = file.parent().unwrap_or(Path::new(""));
        normalise(&base.join(rel))
    }

    /// Inline Markdown without the wrapping paragraph, for text inside controls.
    fn inline(&mut self, text: &str, file: &Path, line: usize) -> String {
        self.no_glossary += 1;
        let html = self.markdown(text, file, line, true);
        self.no_glossary -= 1;
        let t = html.trim_end();
        match t.strip_prefix("<p>").and_then(|s| s.strip_suffix("</p>")) {
            Some(inner) if !inner.contains("<p>") => inner.to_string(),
            _ => html,
        }
    }

    /// Markdown inside a container (transcripts), where headings are not page structure.
    fn markdown_nested(&mut self, text: &str, file: &Path, line: usize) -> String {
        self.markdown(text, file, line, true)
    }

    fn markdown(&mut self, text: &str, file: &Path, line: usize, nested: bool) -> String {
        let index = LineIndex::new(text, line);
        let opts = Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_HEADING_ATTRIBUTES
            | Options::ENABLE_GFM;
        let raw: Vec<(Event<'_>, std::ops::Range<usize>)> =
            Parser::new_ext(text, opts).into_offset_iter().collect();
        // Join split text runs so variables and glossary terms are seen whole.
        let mut events: Vec<(Event<'_>, usize)> = Vec::with_capacity(raw.len());
        for (ev, range) in raw {
            if let Event::Text(t) = &ev
                && let Some((Event::Text(prev), _)) = events.last_mut()
            {
                let joined = format!("{prev}{t}");
                *prev = CowStr::from(joined);
                continue;
            }
            events.push((ev, range.start));
        }
        let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
        let mut ctx = Ctx::default();
        for (ev, offset) in events {
            let pos = index.position(text, offset);
            match ev {
                Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }) => {
                    let n = heading_number(level);
                    if !nested {
                        if n == 1 {
                            self.diags.push(
                                Diagnostic::warning(
                                    "heading-level",
                                    file,
                                    "a lesson's title is its only top-level heading",
                                )
                                .at_pos(pos)
                                .help("start headings inside a lesson at `##`"),
                            );
                        } else if n > self.last_heading + 1 {
                            self.diags.push(
                                Diagnostic::warning(
                                    "skipped-heading-level",
                                    file,
                                    format!(
                                        "heading level {} follows level {}",
                                        n, self.last_heading
                                    ),
                                )
                                .at_pos(pos)
                                .help(format!(
                                    "use `{}` here so screen-reader users can follow the structure",
                                    "#".repeat(self.last_heading as usize + 1)
                                )),
                            );
                        }
                        self.last_heading = n;
                    }
                    ctx.in_heading = Some((out.len(), String::new()));
                    out.push(Event::Start(Tag::Heading {
                        level,
                        id,
                        classes,
                        attrs,
                    }));
                }
                Event::End(TagEnd::Heading(level)) => {
                    if let Some((idx, text)) = ctx.in_heading.take()
                        && let Event::Start(Tag::Heading {
                            id, classes, attrs, ..
                        }) = &out[idx]
                    {
                        let base = id
                            .as_ref()
                            .map(|s| s.to_string())
                            .unwrap_or_else(|| slugify(&text));
                        let mut unique = base.clone();
                        let mut n = 2;
                        while self.page.heading_ids.contains(&unique) {
                            unique = format!("{base}-{n}");
                            n += 1;
                        }
                        self.page.heading_ids.insert(unique.clone());
                        out[idx] = Event::Start(Tag::Heading {
                            level,
                            id: Some(CowStr::from(unique)),
                            classes: classes.clone(),
                            attrs: attrs.clone(),
                        });
                    }
                    out.push(Event::End(TagEnd::Heading(level)));
                }
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => {
                    let dest = self.substitute(&dest_url, file, pos);
                    let (href, attachment) = self.link_target(&dest, file, pos);
                    ctx.in_link = Some((String::new(), pos, attachment.is_some()));
                    out.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url: CowStr::from(href),
                        title,
                        id,
                    }));
                    if attachment.is_some() {
                        self.pending_attachment_meta = attachment;
                    }
                }
                Event::End(TagEnd::Link) => {
                    out.push(Event::End(TagEnd::Link));
                    if let Some((text, pos, _)) = ctx.in_link.take() {
                        let t = text.trim().trim_end_matches(['.', '!']).to_lowercase();
                        if VAGUE_LINK_TEXT.contains(&t.as_str()) {
                            self.diags.push(
                                Diagnostic::warning("vague-link-text", file, format!("link text `{}` does not say where the link goes", text.trim()))
                                    .at_pos(pos)
                                    .help("describe the destination, such as `the trust's hand hygiene policy`"),
                            );
                        } else if t.is_empty() {
                            self.diags.push(
                                Diagnostic::error("empty-link-text", file, "link has no text")
                                    .at_pos(pos)
                                    .help("write the link's destination as its text"),
                            );
                        }
                    }
                    if let Some(meta) = self.pending_attachment_meta.take() {
                        out.push(Event::InlineHtml(CowStr::from(format!(
                            " <span class=\"course-attachment__meta\">({meta})</span>"
                        ))));
                    }
                }
                Event::Start(Tag::Image {
                    dest_url, title, ..
                }) => {
                    ctx.in_image = Some((dest_url.to_string(), title.to_string(), pos));
                }
                Event::End(TagEnd::Image) => {
                    if let Some((src, title, pos)) = ctx.in_image.take() {
                        let alt = std::mem::take(&mut self.image_alt);
                        out.push(Event::Html(CowStr::from(
                            self.image(&src, &alt, &title, file, pos),
                        )));
                    }
                }
                Event::Start(Tag::BlockQuote(Some(kind))) => {
                    let (class, label) = callout(kind);
                    out.push(Event::Html(CowStr::from(format!(
                        "<div class=\"course-callout course-callout--{class}\" role=\"note\">\n<p class=\"course-callout__label\"><span class=\"course-visually-hidden\">{label}: </span><span aria-hidden=\"true\">{label}</span></p>\n"
                    ))));
                }
                Event::End(TagEnd::BlockQuote(Some(_))) => {
                    out.push(Event::Html(CowStr::from("</div>\n")))
                }
                Event::Start(Tag::Table(al)) => {
                    out.push(Event::Html(CowStr::from(
                        "<div class=\"course-table-wrapper\" role=\"region\" aria-label=\"Table\" tabindex=\"0\">\n",
                    )));
                    out.push(Event::Start(Tag::Table(al)));
                }
                Event::End(TagEnd::Table) => {
                    out.push(Event::End(TagEnd::Table));
                    out.push(Event::Html(CowStr::from("</div>\n")));
                }
                Event::Start(Tag::CodeBlock(k)) => {
                    ctx.in_code = true;
                    out.push(Event::Start(Tag::CodeBlock(k)));
                }
                Event::End(TagEnd::CodeBlock) => {
                    ctx.in_code = false;
                    out.push(Event::End(TagEnd::CodeBlock));
                }
                Event::Text(t) => {
                    if ctx.in_image.is_some() {
                        let s = self.substitute(&t, file, pos);
                        self.image_alt.push_str(&s);
                        continue;
                    }
                    if ctx.in_code {
                        out.push(Event::Text(t));
                        continue;
                    }
                    let s = self.substitute(&t, file, pos);
                    if let Some((_, h)) = &mut ctx.in_heading {
                        h.push_str(&s);
                    }
                    if let Some((l, _, _)) = &mut ctx.in_link {
                        l.push_str(&s);
                    }
                    if ctx.in_heading.is_none()
                        && ctx.in_link.is_none()
                        && self.no_glossary == 0
                        && !self.site.glossary.is_empty()
                    {
                        out.extend(self.glossary_links(&s));
                    } else {
                        out.push(Event::Text(CowStr::from(s)));
                    }
                }
                Event::Code(t) => {
                    if let Some((h, _, _)) = &mut ctx.in_link {
                        h.push_str(&t);
                    }
                    if let Some((_, h)) = &mut ctx.in_heading {
                        h.push_str(&t);
                    }
                    out.push(Event::Code(t));
                }
                Event::Html(h) | Event::InlineHtml(h) => {
                    self.check_raw_html(&h, file, pos);
                    out.push(Event::Html(h));
                }
                other => out.push(other),
            }
        }
        let mut html = String::with_capacity(text.len() * 2);
        pulldown_cmark::html::push_html(&mut html, out.into_iter());
        html
    }
}

impl PageRenderer<'_, '_> {
    /// Replaces `{{ name }}` with the course's variables.
    fn substitute(&mut self, text: &str, file: &Path, pos: Position) -> String {
        let vars = &self.site.course.config.variables;
        let diags = &mut *self.diags;
        crate::config::expand_variables(text, vars, |name| {
            let mut d = Diagnostic::error(
                "unknown-variable",
                file,
                format!("unknown variable `{name}`"),
            )
            .at_pos(pos);
            d = d.suggest(
                name,
                vars.keys().map(String::as_str),
                format!("define it in course.toml under [variables]: {name} = \"…\""),
            );
            diags.push(d);
        })
    }

    /// Checks a link and returns the address to write, plus file details when it is a
    /// download.
    fn link_target(&mut self, dest: &str, file: &Path, pos: Position) -> (String, Option<String>) {
        if let Some(number) = dest.strip_prefix("tel:") {
            return (format!("tel:{}", number.replace([' ', '-'], "")), None);
        }
        if dest.starts_with("mailto:") {
            return (dest.to_string(), None);
        }
        if is_external(dest) {
            if !self.external_allowed(dest) {
                self.diags.push(
                    Diagnostic::error("external-url", file, format!("`{dest}` is not on the course's list of allowed addresses"))
                        .at_pos(pos)
                        .help("add its site to [links] allow in course.toml, or link to a page inside the course"),
                );
            }
            return (dest.to_string(), None);
        }
        if dest.contains("://")
            || dest.starts_with("//")
            || dest.starts_with("javascript:")
            || dest.starts_with("data:")
        {
            self.diags.push(
                Diagnostic::error("external-url", file, format!("`{dest}` is not a link a course can use"))
                    .at_pos(pos)
                    .help("link to a lesson (other.md), an anchor (#section), a file in the course, or an allowed https address"),
            );
            return (dest.to_string(), None);
        }
        let (path_part, anchor) = match dest.split_once('#') {
            Some((p, a)) => (p, Some(a.to_string())),
            None => (dest, None),
        };
        if path_part.is_empty() {
            self.page.links.push(PendingLink {
                file: file.to_path_buf(),
                position: pos,
                page: self.lesson.id.clone(),
                anchor,
            });
            return (dest.to_string(), None);
        }
        let target = self.resolve(path_part, file);
        if extension(path_part) == "md" {
            match self.site.pages_by_path.get(&target) {
                Some(page) => {
                    self.page.links.push(PendingLink {
                        file: file.to_path_buf(),
                        position: pos,
                        page: page.clone(),
                        anchor: anchor.clone(),
                    });
                    let href = match anchor {
                        Some(a) => format!("{page}.html#{a}"),
                        None => format!("{page}.html"),
                    };
                    (href, None)
                }
                None => {
                    self.diags.push(
                        Diagnostic::error("broken-link", file, format!("link to `{path_part}`, which is not a lesson of this course"))
                            .at_pos(pos)
                            .help("link to a lesson file listed in course.toml; paths are relative to this lesson"),
                    );
                    (dest.to_string(), None)
                }
            }
        } else {
            match self.site.media.file(&target, MediaKind::Attachment) {
                Ok(url) => {
                    let size = std::fs::metadata(self.site.course.dir.join(&target))
                        .map(|m| m.len())
                        .unwrap_or(0);
                    let meta = format!(
                        "{}, {}",
                        extension(path_part).to_uppercase(),
                        human_size(size)
                    );
                    (url, Some(meta))
                }
                Err(msg) => {
                    self.diags.push(
                        Diagnostic::error(
                            "broken-link",
                            file,
                            format!("link to `{path_part}`: {msg}"),
                        )
                        .at_pos(pos)
                        .help("check the file name; paths are relative to this lesson"),
                    );
                    (dest.to_string(), None)
                }
            }
        }
    }

    fn external_allowed(&self, url: &str) -> bool {
        self.site.course.config.links.allow.iter().any(|a| {
            url.starts_with(a.as_str())
                && (a.ends_with('/')
                    || url.len() == a.len()
                    || url[a.len()..].starts_with(['/', '?', '#']))
        })
    }

    fn image(&mut self, src: &str, alt: &str, title: &str, file: &Path, pos: Position) -> String {
        let alt_t = alt.trim();
        if alt_t.is_empty() {
            self.diags.push(
                Diagnostic::error("missing-alt", file, format!("image `{src}` has no alt text"))
                    .at_pos(pos)
                    .help("describe what the image shows for people who cannot see it: ![Nurse rubbing hands with gel](…); for a purely decorative image write ![decorative](…)"),
            );
        } else if looks_like_file_name(alt_t) {
            self.diags.push(
                Diagnostic::warning(
                    "filename-alt",
                    file,
                    format!("alt text `{alt_t}` looks like a file name"),
                )
                .at_pos(pos)
                .help("describe what the image shows, not what the file is called"),
            );
        }
        let ext = extension(src);
        if VIDEO_EXT.contains(&ext.as_str()) || AUDIO_EXT.contains(&ext.as_str()) {
            self.diags.push(
                Diagnostic::error("media-as-image", file, format!("`{src}` is not an image"))
                    .at_pos(pos)
                    .help(
                        "use a `::: video` or `::: audio` section, with captions and a transcript",
                    ),
            );
            return String::new();
        }
        if is_external(src) || src.starts_with("//") || src.starts_with("data:") {
            self.diags.push(
                Diagnostic::error("external-media", file, format!("image `{src}` is on another site"))
                    .at_pos(pos)
                    .help("a built course makes no network calls: save the image in the course's media folder"),
            );
            return String::new();
        }
        let decorative = alt_t.eq_ignore_ascii_case("decorative");
        let alt_attr = if decorative {
            String::new()
        } else {
            escape(alt_t)
        };
        let path = self.resolve(src, file);
        match self.site.media.image(&path) {
            Ok(img) => {
                if img.far_too_large {
                    self.diags.push(
                        Diagnostic::warning("image-too-large", file, format!("image `{src}` is {}×{} pixels, far larger than it is shown", img.source_width, img.source_height))
                            .at_pos(pos)
                            .help(format!("it is shown at most {} pixels wide; save a smaller copy to keep the course quick to edit and share", crate::media::MAX_IMAGE_WIDTH)),
                    );
                }
                let title_attr = if title.is_empty() {
                    String::new()
                } else {
                    format!(" title=\"{}\"", escape(title))
                };
                format!(
                    "<img class=\"course-image\" src=\"{}\" alt=\"{alt_attr}\" width=\"{}\" height=\"{}\" loading=\"lazy\"{title_attr}>",
                    escape(&img.url),
                    img.width,
                    img.height
                )
            }
            Err(msg) => {
                self.diags.push(
                    Diagnostic::error("missing-media", file, format!("image `{src}`: {msg}"))
                        .at_pos(pos)
                        .help(
                            "check the file name and folder; paths are relative to the lesson file",
                        ),
                );
                String::new()
            }
        }
    }

    /// Links the first use of each glossary term on the page to its definition.
    fn glossary_links<'e>(&mut self, text: &str) -> Vec<Event<'e>> {
        let mut events = Vec::new();
        let lower = text.to_lowercase();
        if lower.len() != text.len() {
            return vec![Event::Text(CowStr::from(text.to_string()))];
        }
        let mut hits: Vec<(usize, usize, String)> = Vec::new();
        for (term, anchor) in &self.site.glossary {
            if self.glossary_used.contains(term) {
                continue;
            }
            let needle = term.to_lowercase();
            let mut from = 0;
            while let Some(i) = lower[from..].find(&needle) {
                let s = from + i;
                let e = s + needle.len();
                let before_ok = s == 0
                    || !lower[..s]
                        .chars()
                        .next_back()
                        .is_some_and(char::is_alphanumeric);
                let after_ok = e == lower.len()
                    || !lower[e..].chars().next().is_some_and(char::is_alphanumeric);
                let overlaps = hits.iter().any(|(hs, he, _)| s < *he && *hs < e);
                if before_ok && after_ok && !overlaps {
                    hits.push((s, e, anchor.clone()));
                    self.glossary_used.insert(term.clone());
                    break;
                }
                from = s + needle.len().max(1);
            }
        }
        hits.sort();
        let mut last = 0;
        for (s, e, anchor) in hits {
            if s > last {
                events.push(Event::Text(CowStr::from(text[last..s].to_string())));
            }
            events.push(Event::InlineHtml(CowStr::from(format!(
                "<a class=\"course-glossary-term\" href=\"glossary.html#{anchor}\">"
            ))));
            events.push(Event::Text(CowStr::from(text[s..e].to_string())));
            events.push(Event::InlineHtml(CowStr::from("</a>")));
            last = e;
        }
        if last < text.len() {
            events.push(Event::Text(CowStr::from(text[last..].to_string())));
        }
        events
    }

    /// Raw HTML is allowed, but may not load anything from another site.
    fn check_raw_html(&mut self, html: &str, file: &Path, pos: Position) {
        for attr in ["src=", "href=", "srcset=", "data=", "poster="] {
            let mut rest = html;
            while let Some(i) = rest.find(attr) {
                let v = rest[i + attr.len()..].trim_start_matches(['"', '\'']);
                let url: String = v
                    .chars()
                    .take_while(|c| !matches!(c, '"' | '\'' | ' ' | '>'))
                    .collect();
                let external = is_external(&url) || url.starts_with("//");
                if external && (attr != "href=" || !self.external_allowed(&url)) {
                    self.diags.push(
                        Diagnostic::error("external-url", file, format!("`{url}` in HTML is not allowed"))
                            .at_pos(pos)
                            .help("a built course makes no network calls: keep files in the course, and links on the [links] allow list"),
                    );
                }
                rest = &rest[i + attr.len()..];
            }
        }
    }
}

fn heading_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn callout(kind: BlockQuoteKind) -> (&'static str, &'static str) {
    match kind {
        BlockQuoteKind::Note => ("note", "Note"),
        BlockQuoteKind::Tip => ("tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important"),
        BlockQuoteKind::Warning => ("warning", "Warning"),
        BlockQuoteKind::Caution => ("caution", "Caution"),
    }
}

pub fn extension(path: &str) -> String {
    let p = path.split(['?', '#']).next().unwrap_or(path);
    Path::new(p)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn mime(ext: &str) -> &'static str {
    match ext {
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "ogv" => "video/ogg",
        "mov" => "video/quicktime",
        "mp3" => "audio/mpeg",
        "ogg" | "oga" | "opus" => "audio/ogg",
        "wav" => "audio/wav",
        "m4a" | "aac" => "audio/mp4",
        _ => "application/octet-stream",
    }
}

pub fn is_external(url: &str) -> bool {
    let l = url.trim().to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

/// Folds `.` and `..` out of a relative path (never above its root).
pub fn normalise(p: &Path) -> PathBuf {
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::Normal(s) => parts.push(s),
            std::path::Component::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    parts.iter().collect()
}

fn looks_like_file_name(alt: &str) -> bool {
    let l = alt.to_ascii_lowercase();
    let ext = extension(&l);
    let image_ext = ["png", "jpg", "jpeg", "gif", "svg", "webp"].contains(&ext.as_str());
    let camera = (l.starts_with("img_") || l.starts_with("dsc") || l.starts_with("image"))
        && l.chars().any(|c| c.is_ascii_digit());
    image_ext || camera || ["image", "picture", "photo", "img", "graphic"].contains(&l.as_str())
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024).max(1))
    }
}

pub fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Checks every pending link against the pages and anchors that exist.
pub fn check_links(pages: &BTreeMap<String, RenderedPage>, diags: &mut Diagnostics) {
    for page in pages.values() {
        for link in &page.links {
            let Some(anchor) = &link.anchor else { continue };
            let Some(target) = pages.get(&link.page) else {
                continue;
            };
            let known = target.heading_ids.contains(anchor)
                || target
                    .questions
                    .iter()
                    .any(|q| format!("q-{}", q.id) == *anchor)
                || anchor.starts_with("tab-") && target.html.contains(&format!("id=\"{anchor}\""));
            if !known {
                let mut d = Diagnostic::error(
                    "broken-anchor",
                    &link.file,
                    format!("there is no heading `#{anchor}` on page `{}`", link.page),
                )
                .at_pos(link.position);
                d = match crate::diagnostics::did_you_mean(
                    anchor,
                    target.heading_ids.iter().map(String::as_str),
                ) {
                    Some(s) => d.help(format!("did you mean `#{s}`?")),
                    None => d.help(
                        "anchors are headings' ids: the heading text in lower case with hyphens",
                    ),
                };
                diags.push(d);
            }
        }
    }
}
