//! Splits a lesson's Markdown into plain Markdown runs and `:::` containers (questions,
//! expandable sections, tabs, video, audio, question banks), and splices in snippets.
//!
//! Containers open with a line `::: name arguments` and close with a line `:::`. They
//! nest; lines inside fenced code blocks are never taken for container lines.

use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Diagnostics};

/// The container names the format knows.
pub const CONTAINERS: &[&str] = &[
    "question", "details", "tabs", "tab", "video", "audio", "bank",
];

/// A piece of a lesson.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Ordinary Markdown. `text` is the exact source lines, so offsets map to columns.
    Markdown {
        text: String,
        file: PathBuf,
        line: usize,
    },
    Container(Container),
}

/// A `::: name args` … `:::` section.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    pub name: String,
    pub args: String,
    pub file: PathBuf,
    pub line: usize,
    /// The lines between the opening and closing lines, with their line numbers (for
    /// containers that do not hold Markdown: questions, video, audio).
    pub lines: Vec<(usize, String)>,
    /// The same lines parsed as blocks (for containers that hold Markdown).
    pub children: Vec<Block>,
}

/// How deeply `:::` sections may nest. Real courses use two or three levels; the limit
/// keeps hostile input from exhausting the stack or taking quadratic time.
pub const MAX_NESTING: usize = 16;
/// How deeply snippets may include snippets.
pub const MAX_SNIPPET_DEPTH: usize = 8;
/// How many lines one lesson may grow to with its snippets included, checked before each
/// snippet is spliced in, so a snippet included many times cannot expand to gigabytes.
pub const MAX_EXPANDED_LINES: usize = 100_000;
/// How many bytes one lesson may grow to with its snippets included.
pub const MAX_EXPANDED_BYTES: usize = 16 << 20;

/// Where snippets come from: `snippets/NAME.md` in the course folder.
pub struct Snippets<'a> {
    pub course_dir: &'a Path,
}

impl Snippets<'_> {
    fn load(&self, name: &str) -> Result<(PathBuf, String), String> {
        if !is_snippet_name(name) {
            return Err(format!(
                "`{name}` is not a snippet name: use letters, digits, `-`, `_` and `/` for sub-folders, with no `..`"
            ));
        }
        let rel = PathBuf::from("snippets").join(format!("{name}.md"));
        match crate::source::read_text(self.course_dir, &rel) {
            Ok(t) => Ok((rel, t)),
            Err(crate::source::ReadError::NotUtf8(d)) => Err(d.message),
            Err(crate::source::ReadError::Io(_)) => {
                Err(format!("no snippet file {}", rel.display()))
            }
            Err(other) => Err(other.to_string()),
        }
    }
}

/// Snippet names name a file under `snippets/`: plain words, optionally in sub-folders.
fn is_snippet_name(name: &str) -> bool {
    name.split('/').all(|part| {
        !part.is_empty()
            && !part.starts_with('.')
            && part
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    })
}

/// What splicing snippets into one lesson has used so far.
struct Expansion {
    /// The snippets being included, outermost first, to tell loops from repeats.
    stack: Vec<String>,
    /// Lines and bytes spliced in so far.
    lines: usize,
    bytes: usize,
    /// Set once the lesson has reached a limit: later includes are skipped without a
    /// diagnostic each.
    exhausted: bool,
    /// Snippets read so far, each read from disk once however often it is included.
    loaded: std::collections::HashMap<String, Result<(PathBuf, std::rc::Rc<str>), String>>,
}

/// Parses `text` (which starts at `first_line` of `file`) into blocks.
pub fn parse(
    text: &str,
    file: &Path,
    first_line: usize,
    snippets: &Snippets<'_>,
    diags: &mut Diagnostics,
) -> Vec<Block> {
    let lines: Vec<(usize, &str)> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (first_line + i, l))
        .collect();
    let mut expansion = Expansion {
        stack: Vec::new(),
        lines: lines.len(),
        bytes: text.len(),
        exhausted: false,
        loaded: Default::default(),
    };
    let mut p = Parser {
        snippets,
        diags,
        expansion: &mut expansion,
    };
    p.parse_lines(&lines, file, 0)
}

struct Parser<'s, 'd, 'e> {
    snippets: &'s Snippets<'s>,
    diags: &'d mut Diagnostics,
    expansion: &'e mut Expansion,
}

impl Parser<'_, '_, '_> {
    fn include(&mut self, name: &str, file: &Path, no: usize, col: usize) -> Vec<Block> {
        let fail = |code, msg: String, help: &str| {
            Diagnostic::error(code, file, msg)
                .at(no, col)
                .help(help.to_string())
        };
        if self.expansion.stack.iter().any(|s| s == name) {
            self.diags.push(fail(
                "snippet-loop",
                format!(
                    "snippet `{name}` includes itself (through {})",
                    self.expansion.stack.join(" → ")
                ),
                "a snippet may not include itself, directly or through others",
            ));
            return Vec::new();
        }
        if self.expansion.stack.len() >= MAX_SNIPPET_DEPTH {
            self.diags.push(fail(
                "snippet-too-deep",
                format!("snippets are included more than {MAX_SNIPPET_DEPTH} deep here"),
                "include the snippet's content directly, or flatten the snippets",
            ));
            return Vec::new();
        }
        if self.expansion.exhausted {
            return Vec::new();
        }
        let loaded = self
            .expansion
            .loaded
            .entry(name.to_string())
            .or_insert_with(|| {
                self.snippets
                    .load(name)
                    .map(|(path, text)| (path, std::rc::Rc::from(text)))
            })
            .clone();
        let (path, text) = match loaded {
            Ok(loaded) => loaded,
            Err(msg) => {
                self.diags.push(fail(
                    "missing-snippet",
                    format!("unknown snippet `{name}`: {msg}"),
                    "create the snippet file in the course's snippets folder, or fix the name",
                ));
                return Vec::new();
            }
        };
        if self.expansion.bytes + text.len() > MAX_EXPANDED_BYTES {
            self.expansion.exhausted = true;
            self.diags.push(fail(
                "snippet-too-large",
                format!(
                    "including snippet `{name}` here would make the lesson larger than {} MB",
                    MAX_EXPANDED_BYTES >> 20
                ),
                "include fewer or smaller snippets, or split the lesson",
            ));
            return Vec::new();
        }
        let inner: Vec<(usize, &str)> = text
            .split('\n')
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .collect();
        if self.expansion.lines + inner.len() > MAX_EXPANDED_LINES {
            self.expansion.exhausted = true;
            self.diags.push(fail(
                "snippet-too-large",
                format!(
                    "including snippet `{name}` here would make the lesson longer than {MAX_EXPANDED_LINES} lines"
                ),
                "include fewer or smaller snippets, or split the lesson",
            ));
            return Vec::new();
        }
        self.expansion.bytes += text.len();
        self.expansion.lines += inner.len();
        self.expansion.stack.push(name.to_string());
        let blocks = self.parse_lines(&inner, &path, 0);
        self.expansion.stack.pop();
        blocks
    }

    fn parse_lines(&mut self, lines: &[(usize, &str)], file: &Path, depth: usize) -> Vec<Block> {
        let mut blocks = Vec::new();
        let mut md: Vec<(usize, &str)> = Vec::new();
        let mut fence: Option<String> = None;
        let mut i = 0;
        let flush = |md: &mut Vec<(usize, &str)>, blocks: &mut Vec<Block>| {
            if md.iter().any(|(_, l)| !l.trim().is_empty()) {
                let text = md.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n");
                blocks.push(Block::Markdown {
                    text,
                    file: file.to_path_buf(),
                    line: md[0].0,
                });
            }
            md.clear();
        };
        while i < lines.len() {
            let (no, line) = lines[i];
            if let Some(f) = &fence {
                if line.trim_start().starts_with(f.as_str()) {
                    fence = None;
                }
                md.push((no, line));
                i += 1;
                continue;
            }
            let trimmed = line.trim_start();
            if let Some(f) = fence_marker(trimmed) {
                fence = Some(f.to_string());
                md.push((no, line));
                i += 1;
                continue;
            }
            if let Some(name) = snippet_include(line) {
                flush(&mut md, &mut blocks);
                let col = line.find("{{").unwrap_or(0) + 1;
                blocks.extend(self.include(name, file, no, col));
                i += 1;
                continue;
            }
            match container_line(line) {
                Some(ContainerLine::Close) => {
                    self.diags.push(
                        Diagnostic::error("unopened-container", file, "`:::` closes nothing")
                            .at(no, 1)
                            .help("remove this line, or open a section above it such as `::: details Title`"),
                    );
                    i += 1;
                }
                Some(ContainerLine::Open { name, args }) => {
                    flush(&mut md, &mut blocks);
                    let col = line.len() - trimmed.len() + 1;
                    if !CONTAINERS.contains(&name) {
                        let mut d = Diagnostic::error(
                            "unknown-container",
                            file,
                            format!("unknown section type `{name}`"),
                        )
                        .at(no, col + 4);
                        d = d.suggest(
                            name,
                            CONTAINERS.iter().copied(),
                            format!("the section types are: {}", CONTAINERS.join(", ")),
                        );
                        self.diags.push(d);
                    }
                    let end = find_close(lines, i + 1);
                    let body_end = end.unwrap_or(lines.len());
                    if end.is_none() {
                        self.diags.push(
                            Diagnostic::error(
                                "unclosed-container",
                                file,
                                format!("`::: {name}` is never closed"),
                            )
                            .at(no, col)
                            .help("add a line with just `:::` where the section ends"),
                        );
                    }
                    let body = &lines[i + 1..body_end];
                    let holds_markdown = matches!(name, "details" | "tabs" | "tab" | "bank");
                    let children = if !holds_markdown {
                        Vec::new()
                    } else if depth + 1 >= MAX_NESTING {
                        self.diags.push(
                            Diagnostic::error(
                                "nesting-too-deep",
                                file,
                                format!("sections are nested more than {MAX_NESTING} deep here"),
                            )
                            .at(no, col)
                            .help("close some sections before opening more; real courses rarely need more than three levels"),
                        );
                        Vec::new()
                    } else {
                        self.parse_lines(body, file, depth + 1)
                    };
                    blocks.push(Block::Container(Container {
                        name: name.to_string(),
                        args: args.to_string(),
                        file: file.to_path_buf(),
                        line: no,
                        lines: if holds_markdown {
                            Vec::new()
                        } else {
                            body.iter().map(|(n, l)| (*n, l.to_string())).collect()
                        },
                        children,
                    }));
                    i = body_end + 1;
                }
                None => {
                    md.push((no, line));
                    i += 1;
                }
            }
        }
        flush(&mut md, &mut blocks);
        blocks
    }
}

/// The fence a line opens (the first three characters of ``` or ~~~), if any.
fn fence_marker(trimmed: &str) -> Option<&str> {
    (trimmed.starts_with("```") || trimmed.starts_with("~~~")).then(|| &trimmed[..3])
}

enum ContainerLine<'a> {
    Open { name: &'a str, args: &'a str },
    Close,
}

fn container_line(line: &str) -> Option<ContainerLine<'_>> {
    let t = line.trim();
    let rest = t.strip_prefix(":::")?;
    let rest = rest.trim_start_matches(':').trim();
    if rest.is_empty() {
        return Some(ContainerLine::Close);
    }
    let (name, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    Some(ContainerLine::Open {
        name,
        args: args.trim(),
    })
}

/// The index of the line that closes the container opened just before `start`.
fn find_close(lines: &[(usize, &str)], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut fence: Option<String> = None;
    for (i, (_, line)) in lines.iter().enumerate().skip(start) {
        let trimmed = line.trim_start();
        if let Some(f) = &fence {
            if trimmed.starts_with(f.as_str()) {
                fence = None;
            }
            continue;
        }
        if let Some(f) = fence_marker(trimmed) {
            fence = Some(f.to_string());
            continue;
        }
        match container_line(line) {
            Some(ContainerLine::Open { .. }) => depth += 1,
            Some(ContainerLine::Close) if depth == 0 => return Some(i),
            Some(ContainerLine::Close) => depth -= 1,
            None => {}
        }
    }
    None
}

/// `{{> name }}` alone on a line includes the snippet `snippets/name.md`.
fn snippet_include(line: &str) -> Option<&str> {
    let t = line.trim();
    let inner = t.strip_prefix("{{>")?.strip_suffix("}}")?.trim();
    (!inner.is_empty()).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> (Vec<Block>, Diagnostics) {
        let mut d = Diagnostics::default();
        let dir = std::env::temp_dir();
        let s = Snippets { course_dir: &dir };
        (parse(text, Path::new("l.md"), 1, &s, &mut d), d)
    }

    #[test]
    fn containers_nest_and_keep_line_numbers() {
        let (blocks, d) = parse_str("# T\n\n::: tabs\n::: tab One\nHello\n:::\n:::\nafter\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(blocks.len(), 3);
        let Block::Container(tabs) = &blocks[1] else {
            panic!()
        };
        assert_eq!((tabs.name.as_str(), tabs.line), ("tabs", 3));
        let Block::Container(tab) = &tabs.children[0] else {
            panic!()
        };
        assert_eq!((tab.args.as_str(), tab.line), ("One", 4));
        let Block::Markdown { line, .. } = &blocks[2] else {
            panic!()
        };
        assert_eq!(*line, 8);
    }

    #[test]
    fn fences_hide_container_lines() {
        let (blocks, d) = parse_str("```\n::: details x\n```\n");
        assert!(d.is_empty());
        assert_eq!(blocks.len(), 1);
    }

    #[test]
    fn unclosed_and_unknown_containers_are_reported() {
        let (_, d) = parse_str("text\n::: detials Title\nbody\n");
        let msgs: Vec<_> = d
            .iter()
            .map(|d| (d.code, d.position.line, d.help.clone()))
            .collect();
        assert!(
            msgs.contains(&(
                "unknown-container",
                2,
                Some("did you mean `details`?".into())
            )),
            "{msgs:?}"
        );
        assert!(msgs.iter().any(|m| m.0 == "unclosed-container" && m.1 == 2));
    }

    #[test]
    fn deep_nesting_is_refused_quickly_with_its_line() {
        let depth = 50_000;
        let text = "::: details x\n".repeat(depth) + &":::\n".repeat(depth);
        let started = std::time::Instant::now();
        let (_, d) = parse_str(&text);
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        let deep: Vec<_> = d.iter().filter(|d| d.code == "nesting-too-deep").collect();
        assert_eq!(deep.len(), 1, "{d:?}");
        assert_eq!(deep[0].position.line, MAX_NESTING);
    }

    fn with_snippets(files: &[(&str, &str)], lesson: &str) -> (Vec<Block>, Diagnostics) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let p = dir.path().join("snippets").join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let mut d = Diagnostics::default();
        let s = Snippets {
            course_dir: dir.path(),
        };
        (parse(lesson, Path::new("l.md"), 1, &s, &mut d), d)
    }

    #[test]
    fn a_snippet_that_includes_itself_is_stopped_at_once() {
        let (_, d) = with_snippets(
            &[("a.md", "A\n{{> b }}\n"), ("b.md", "{{> a }}\n{{> a }}\n")],
            "{{> a }}\n",
        );
        let loops: Vec<_> = d.iter().filter(|d| d.code == "snippet-loop").collect();
        assert_eq!(loops.len(), 2, "{d:?}");
        assert!(loops[0].message.contains("a → b"), "{}", loops[0].message);
        assert_eq!(loops[0].file, Path::new("snippets/b.md"));
    }

    #[test]
    fn snippets_included_many_times_cannot_expand_without_limit() {
        // Each level includes the next ten times: 10^6 copies if nothing stopped it.
        let mut files = Vec::new();
        for level in 0..6 {
            let body = if level == 5 {
                "text\n".repeat(100)
            } else {
                format!("{{{{> s{} }}}}\n", level + 1).repeat(10)
            };
            files.push((format!("s{level}.md"), body));
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_str()))
            .collect();
        let started = std::time::Instant::now();
        let (blocks, d) = with_snippets(&refs, "{{> s0 }}\n");
        assert!(started.elapsed().as_secs() < 5);
        assert!(d.iter().any(|d| d.code == "snippet-too-large"), "{d:?}");
        let kept: usize = blocks
            .iter()
            .map(|b| match b {
                Block::Markdown { text, .. } => text.lines().count(),
                _ => 0,
            })
            .sum();
        assert!(kept <= MAX_EXPANDED_LINES, "{kept}");
    }

    #[test]
    fn a_long_one_line_snippet_included_many_times_is_bounded_in_bytes() {
        let big = "x".repeat(1 << 20);
        let lesson = "{{> big }}\n".repeat(50_000);
        let started = std::time::Instant::now();
        let (blocks, d) = with_snippets(&[("big.md", &big)], &lesson);
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
        assert!(
            d.iter()
                .any(|d| d.code == "snippet-too-large" && d.message.contains("MB")),
            "{d:?}"
        );
        let kept: usize = blocks
            .iter()
            .map(|b| match b {
                Block::Markdown { text, .. } => text.len(),
                _ => 0,
            })
            .sum();
        assert!(kept <= MAX_EXPANDED_BYTES, "{kept}");
    }

    #[test]
    fn snippet_names_cannot_climb_out_of_snippets() {
        let (_, d) = with_snippets(
            &[("ok.md", "fine")],
            "{{> ../course }}\n{{> /etc/passwd }}\n{{> ok }}\n",
        );
        let bad: Vec<_> = d
            .iter()
            .filter(|d| d.code == "missing-snippet")
            .map(|d| d.position.line)
            .collect();
        assert_eq!(bad, [1, 2], "{d:?}");
        assert!(
            d.iter()
                .all(|d| d.message.contains("is not a snippet name")),
            "{d:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_snippet_that_is_a_link_out_of_the_course_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.md"), "SECRET").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("snippets")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.md"),
            dir.path().join("snippets/leak.md"),
        )
        .unwrap();
        let mut d = Diagnostics::default();
        let s = Snippets {
            course_dir: dir.path(),
        };
        let blocks = parse("{{> leak }}\n", Path::new("l.md"), 1, &s, &mut d);
        assert!(blocks.is_empty());
        let msg = &d.iter().next().unwrap().message;
        assert!(msg.contains("symbolic link"), "{msg}");
    }
}
