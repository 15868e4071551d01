//! Links, images, glossary terms and raw HTML: where each points, and the checks on
//! them (broken links, external addresses, alt text, vague link text).

use std::path::Path;

use pulldown_cmark::{CowStr, Event};

use super::{AUDIO_EXT, PageRenderer, PendingLink, VIDEO_EXT, extension, is_external};
use crate::diagnostics::{Diagnostic, Position};
use crate::media::MediaKind;
use crate::questions::escape;

impl PageRenderer<'_, '_> {
    /// Checks a link and returns the address to write, plus file details when it is a
    /// download.
    pub(super) fn link_target(
        &mut self,
        dest: &str,
        file: &Path,
        pos: Position,
    ) -> (String, Option<String>) {
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

    pub(super) fn external_allowed(&self, url: &str) -> bool {
        self.site.course.config.links.allow.iter().any(|a| {
            url.starts_with(a.as_str())
                && (a.ends_with('/')
                    || url.len() == a.len()
                    || url[a.len()..].starts_with(['/', '?', '#']))
        })
    }

    pub(super) fn image(
        &mut self,
        src: &str,
        alt: &str,
        title: &str,
        file: &Path,
        pos: Position,
    ) -> String {
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
    pub(super) fn glossary_links<'e>(&mut self, text: &str) -> Vec<Event<'e>> {
        let mut events = Vec::new();
        // Offsets found in the lower-case text are used in the original, so every
        // character must keep its length when lower-cased (`K`, the Kelvin sign, does not).
        let same_lengths = text.chars().all(|c| {
            let mut l = c.to_lowercase();
            l.next().map(char::len_utf8) == Some(c.len_utf8()) && l.next().is_none()
        });
        if !same_lengths {
            return vec![Event::Text(CowStr::from(text.to_string()))];
        }
        let lower = text.to_lowercase();
        let mut hits: Vec<(usize, usize, String)> = Vec::new();
        for (term, anchor) in &self.site.glossary {
            if self.glossary_used.contains(term) {
                continue;
            }
            let needle = term.to_lowercase();
            if needle.is_empty() {
                continue;
            }
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
                from = s + needle.len();
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

    /// Raw HTML is allowed, but may not load anything from another site. The HTML is
    /// tokenised as a browser would (any case, any spacing, entities decoded), and every
    /// address it holds is checked: attributes that load (`src`, `srcset`, `poster`,
    /// `data`, stylesheets' `href`...), links, and CSS `url(...)` and `@import` in `style`
    /// attributes and `<style>` elements.
    pub(super) fn check_raw_html(&mut self, html: &str, file: &Path, pos: Position) {
        for (url, is_link) in html_addresses(html) {
            let external = is_external(&url) || url.trim_start().starts_with("//");
            let scheme_blocked = {
                let l = url.trim_start().to_ascii_lowercase();
                ["javascript:", "vbscript:", "file:", "data:text/html"]
                    .iter()
                    .any(|s| l.starts_with(s))
            };
            let trimmed = url.trim();
            let local = !external
                && !scheme_blocked
                && !trimmed.is_empty()
                && !trimmed.starts_with('#')
                && !trimmed.contains(':');
            if local {
                // The build copies and checks only files Markdown names: a file named in
                // HTML would be missing from the built course.
                let help = if is_link {
                    "link with Markdown instead, such as [the next lesson](next-lesson.md), so the link is checked and made to work"
                } else {
                    "use Markdown instead, such as ![what it shows](media/photo.jpg) or `::: video`, so the file is checked and copied into the course"
                };
                self.diags.push(
                    Diagnostic::error(
                        "local-file-in-html",
                        file,
                        format!("`{trimmed}` in HTML would not be in the built course"),
                    )
                    .at_pos(pos)
                    .help(help),
                );
                continue;
            }
            if scheme_blocked || external && (!is_link || !self.external_allowed(&url)) {
                self.diags.push(
                    Diagnostic::error("external-url", file, format!("`{url}` in HTML is not allowed"))
                        .at_pos(pos)
                        .help("a built course makes no network calls: keep files in the course, and links on the [links] allow list"),
                );
            }
        }
    }
}

/// Every address in a piece of HTML, with `true` for those that are links a learner
/// follows (`<a href>`, `<area href>`) rather than things the page loads.
fn html_addresses(html: &str) -> Vec<(String, bool)> {
    use html5gum::{Token, Tokenizer};
    const LOADS: &[&str] = &[
        "src",
        "poster",
        "data",
        "background",
        "action",
        "formaction",
        "manifest",
        "xlink:href",
        "longdesc",
        "ping",
    ];
    let mut out = Vec::new();
    let mut in_style = false;
    for token in Tokenizer::new(html).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                in_style = name == "style";
                for (attr, value) in &tag.attributes {
                    let attr = String::from_utf8_lossy(attr).to_ascii_lowercase();
                    let value = String::from_utf8_lossy(&value.value).into_owned();
                    match attr.as_str() {
                        "href" => out.push((value, matches!(name.as_str(), "a" | "area"))),
                        "srcset" | "imagesrcset" => out.extend(
                            value
                                .split(',')
                                .filter_map(|c| c.split_whitespace().next())
                                .map(|u| (u.to_string(), false)),
                        ),
                        "style" => {
                            out.extend(css_addresses(&value).into_iter().map(|u| (u, false)))
                        }
                        "content"
                            if tag.attributes.iter().any(|(k, v)| {
                                k.eq_ignore_ascii_case(b"http-equiv")
                                    && v.value.eq_ignore_ascii_case(b"refresh")
                            }) =>
                        {
                            if let Some((_, u)) = value.to_ascii_lowercase().split_once("url=") {
                                out.push((u.trim_matches(['\'', '"', ' ']).to_string(), false));
                            }
                        }
                        a if LOADS.contains(&a) => out.push((value, false)),
                        _ => {}
                    }
                }
            }
            Token::EndTag(_) => in_style = false,
            Token::String(text) if in_style => {
                out.extend(
                    css_addresses(&String::from_utf8_lossy(&text))
                        .into_iter()
                        .map(|u| (u, false)),
                );
            }
            _ => {}
        }
    }
    out
}

/// The addresses in CSS: `url(...)` in any case and spacing, and `@import "..."`.
fn css_addresses(css: &str) -> Vec<String> {
    let lower = css.to_ascii_lowercase();
    let mut out = Vec::new();
    let unquote = |s: &str| s.trim().trim_matches(['"', '\'']).trim().to_string();
    let mut from = 0;
    while let Some(i) = lower[from..].find("url(") {
        let start = from + i + 4;
        let end = lower[start..].find(')').map_or(lower.len(), |e| start + e);
        out.push(unquote(&css[start..end]));
        from = end.min(lower.len());
    }
    let mut from = 0;
    while let Some(i) = lower[from..].find("@import") {
        let start = from + i + "@import".len();
        let rest = css[start..].trim_start();
        if rest.starts_with(['"', '\'']) {
            let quote = &rest[..1];
            let url: String = rest[1..].split(quote).next().unwrap_or("").to_string();
            out.push(url);
        }
        from = start;
    }
    out
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
