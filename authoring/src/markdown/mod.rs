//! Rendering one lesson's blocks to HTML: Markdown with callouts, tables, images, links,
//! glossary terms and variables, plus the `:::` containers; checking each construct as
//! it goes (alt text, heading levels, link text, media, allow-listed addresses).
//!
//! - this module: the page renderer and the Markdown event pass;
//! - `containers`: questions, details, tabs, banks, video and audio;
//! - `links`: links, images, glossary terms and raw HTML, with their checks.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use pulldown_cmark::{BlockQuoteKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::blocks::{Block, Container};

mod containers;
mod links;
use crate::diagnostics::{Diagnostic, Diagnostics, LineIndex, Position};
use crate::media::Media;
use crate::questions::{Question, escape};
use crate::source::{Course, Lesson, slugify};

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
    /// Questions in banks that an attempt does not draw (a bank of 10 drawing 3 leaves
    /// 7), so that `questions.len() - undrawn` is what one attempt presents.
    pub undrawn: usize,
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
    /// Just inside a plain `>` quote, whose first words may be a misspelt callout.
    quote_opened: bool,
    /// An HTML block's lines, checked as one piece at its end (a tag may span lines).
    html_block: Option<(String, Position)>,
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

    /// A path written in a lesson, relative to that lesson's folder, as a path relative to
    /// the course folder.
    fn resolve(&self, rel: &str, file: &Path) -> PathBuf {
        let rel = rel.split(['?', '#']).next().unwrap_or(rel);
        let rel = percent_encoding::percent_decode_str(rel).decode_utf8_lossy();
        if let Some(abs) = rel.strip_prefix('/') {
            return normalise(Path::new(abs));
        }
        let base = file.parent().unwrap_or(Path::new(""));
        normalise(&base.join(rel.as_ref()))
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
                    let class = callout(kind);
                    let label = escape(self.site.course.strings.get(class));
                    out.push(Event::Html(CowStr::from(format!(
                        "<div class=\"course-callout course-callout--{class}\" role=\"note\">\n<p class=\"course-callout__label\"><span class=\"course-visually-hidden\">{label}: </span><span aria-hidden=\"true\">{label}</span></p>\n"
                    ))));
                }
                Event::End(TagEnd::BlockQuote(Some(_))) => {
                    out.push(Event::Html(CowStr::from("</div>\n")))
                }
                Event::Start(Tag::BlockQuote(None)) => {
                    ctx.quote_opened = true;
                    out.push(Event::Start(Tag::BlockQuote(None)));
                }
                Event::Text(t)
                    if std::mem::take(&mut ctx.quote_opened) && unknown_callout(&t).is_some() =>
                {
                    let word = unknown_callout(&t).unwrap_or_default();
                    let d = Diagnostic::error(
                        "unknown-callout",
                        file,
                        format!("`[!{word}]` is not a callout, so it would show as a plain quote"),
                    )
                    .at_pos(pos)
                    .suggest(
                        &word.to_ascii_uppercase(),
                        CALLOUTS.iter().copied(),
                        format!("the callouts are: {}", CALLOUTS.join(", ")),
                    );
                    self.diags.push(d);
                    out.push(Event::Text(t));
                }
                Event::Start(Tag::Table(al)) => {
                    out.push(Event::Html(CowStr::from(format!(
                        "<div class=\"course-table-wrapper\" role=\"region\" aria-label=\"{}\" tabindex=\"0\">\n",
                        escape(self.site.course.strings.get("table"))
                    ))));
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
                Event::Start(Tag::HtmlBlock) => {
                    ctx.html_block = Some((String::new(), pos));
                    out.push(Event::Start(Tag::HtmlBlock));
                }
                Event::End(TagEnd::HtmlBlock) => {
                    if let Some((html, at)) = ctx.html_block.take() {
                        self.check_raw_html(&html, file, at);
                    }
                    out.push(Event::End(TagEnd::HtmlBlock));
                }
                Event::Html(h) | Event::InlineHtml(h) => {
                    match &mut ctx.html_block {
                        Some((block, _)) => block.push_str(&h),
                        None => self.check_raw_html(&h, file, pos),
                    }
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
        crate::config::expand_variables(text, vars, |problem, at| {
            let at = position_within(pos, text, at);
            diags.push(crate::config::variable_problem(problem, file, "", vars).at_pos(at));
        })
    }
}

/// Where byte `offset` of `text` stands, given that `text` starts at `start`.
fn position_within(start: Position, text: &str, offset: usize) -> Position {
    let before = text.get(..offset).unwrap_or(text);
    match before.rfind('\n') {
        None => Position {
            line: start.line,
            column: start.column + before.chars().count(),
        },
        Some(nl) => Position {
            line: start.line + before.matches('\n').count(),
            column: before[nl + 1..].chars().count() + 1,
        },
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

/// The callouts `> [!NAME]` can open (GitHub's five).
const CALLOUTS: &[&str] = &["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"];

/// The word of a quote that starts like a callout (`[!DANGER]`) but is not one.
fn unknown_callout(text: &str) -> Option<String> {
    let rest = text.trim_start().strip_prefix("[!")?;
    let (word, _) = rest.split_once(']')?;
    let known = CALLOUTS.iter().any(|c| c.eq_ignore_ascii_case(word));
    (!known && !word.is_empty() && word.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| word.to_string())
}

/// A callout's class, which is also the key of its label among the interface strings.
fn callout(kind: BlockQuoteKind) -> &'static str {
    match kind {
        BlockQuoteKind::Note => "note",
        BlockQuoteKind::Tip => "tip",
        BlockQuoteKind::Important => "important",
        BlockQuoteKind::Warning => "warning",
        BlockQuoteKind::Caution => "caution",
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
