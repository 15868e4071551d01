//! The `:::` sections of a lesson: questions, expandable sections, tabs, question
//! banks, video and audio with captions and transcripts.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::{AUDIO_EXT, PageRenderer, VIDEO_EXT, extension, is_external, strip_tags};
use crate::blocks::{Block, Container};
use crate::diagnostics::{Diagnostic, Position};
use crate::media::MediaKind;
use crate::questions::{self, escape};
use crate::source::{LessonKind, slugify};

impl PageRenderer<'_, '_> {
    pub(super) fn question(&mut self, c: &Container, _in_bank: bool) -> String {
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
        let site = self.site;
        let rendered = {
            let mut inline = |s: &str, line: usize| self.inline(s, &file, line);
            let mut block = |_: &str, _: usize| prompt.clone();
            questions::render_html(&q, graded, &site.course.strings, &mut inline, &mut block)
        };
        self.page.questions.push(q);
        rendered
    }

    pub(super) fn tabs(&mut self, c: &Container) -> String {
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

    pub(super) fn bank(&mut self, c: &Container) -> String {
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
        self.page.undrawn += n_questions.saturating_sub(draw);
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

    pub(super) fn media(&mut self, c: &Container) -> String {
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
                "<track kind=\"captions\" src=\"{}\" srclang=\"{}\" label=\"{}\" default>",
                escape(&cap),
                escape(lang.split('-').next().unwrap_or(lang)),
                escape(self.site.course.strings.get("captions"))
            );
        }
        let strings = &self.site.course.strings;
        if let Some(u) = &url {
            let _ = writeln!(
                h,
                "<p>{} <a href=\"{}\" download>{}</a>.</p>",
                escape(strings.get(&format!("cannot_play_{what}"))),
                escape(u),
                escape(strings.get(&format!("download_{what}")))
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
                "<details class=\"course-details course-transcript\">\n<summary class=\"course-details__summary\"><span class=\"course-details__summary-text\">{}</span></summary>\n<div class=\"course-details__text\">\n{}</div>\n</details>",
                escape(self.site.course.strings.get("transcript")),
                self.markdown_nested(&text, &c.file.clone(), transcript_line)
            );
        }
        h.push_str("</figure>\n");
        h
    }

    pub(super) fn vtt(&mut self, rel: &str, file: &Path, line: usize) -> Option<String> {
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
        let url = self.local_file(rel, MediaKind::Media, file, Position { line, column: 1 })?;
        // Only the start is needed, read only once the file is known to be the course's own.
        let path = self.resolve(rel, file);
        if let Ok(start) = crate::source::read_prefix(&self.site.course.dir, &path, 16)
            && !String::from_utf8_lossy(&start)
                .trim_start_matches('\u{feff}')
                .starts_with("WEBVTT")
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
        Some(url)
    }

    /// Copies a local file into the output and returns its URL, or reports it missing.
    pub(super) fn local_file(
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
