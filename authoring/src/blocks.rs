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
    /// The lines between the opening and closing lines, with their line numbers.
    pub lines: Vec<(usize, String)>,
    /// The same lines parsed as blocks (for containers that hold Markdown).
    pub children: Vec<Block>,
}

/// Where snippets come from: `snippets/NAME.md` in the course folder.
pub struct Snippets<'a> {
    pub course_dir: &'a Path,
}

impl Snippets<'_> {
    fn load(&self, name: &str) -> Result<(PathBuf, String), String> {
        let rel = PathBuf::from("snippets").join(format!("{name}.md"));
        std::fs::read_to_string(self.course_dir.join(&rel))
            .map(|t| (rel.clone(), t))
            .map_err(|_| format!("no snippet file {}", rel.display()))
    }
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
    parse_lines(&lines, file, snippets, diags, 0)
}

fn parse_lines(
    lines: &[(usize, &str)],
    file: &Path,
    snippets: &Snippets<'_>,
    diags: &mut Diagnostics,
    depth: usize,
) -> Vec<Block> {
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
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(trimmed[..3].to_string());
            md.push((no, line));
            i += 1;
            continue;
        }
        if let Some(name) = snippet_include(line) {
            flush(&mut md, &mut blocks);
            if depth > 8 {
                diags.push(
                    Diagnostic::error(
                        "snippet-loop",
                        file,
                        format!("snippet `{name}` includes itself"),
                    )
                    .at(no, 1)
                    .help("a snippet may not include itself, directly or through others"),
                );
            } else {
                match snippets.load(name) {
                    Ok((path, text)) => {
                        let inner: Vec<(usize, &str)> =
                            text.split('\n').enumerate().map(|(i, l)| (i + 1, l)).collect();
                        blocks.extend(parse_lines(&inner, &path, snippets, diags, depth + 1));
                    }
                    Err(msg) => diags.push(
                        Diagnostic::error("missing-snippet", file, format!("unknown snippet `{name}`: {msg}"))
                            .at(no, line.find("{{").unwrap_or(0) + 1)
                            .help("create the snippet file in the course's snippets folder, or fix the name"),
                    ),
                }
            }
            i += 1;
            continue;
        }
        match container_line(line) {
            Some(ContainerLine::Close) => {
                diags.push(
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
                    diags.push(d);
                }
                let end = find_close(lines, i + 1);
                let body_end = end.unwrap_or(lines.len());
                if end.is_none() {
                    diags.push(
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
                let children = if matches!(name, "details" | "tabs" | "tab" | "bank") {
                    parse_lines(body, file, snippets, diags, depth)
                } else {
                    Vec::new()
                };
                blocks.push(Block::Container(Container {
                    name: name.to_string(),
                    args: args.to_string(),
                    file: file.to_path_buf(),
                    line: no,
                    lines: body.iter().map(|(n, l)| (*n, l.to_string())).collect(),
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
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(trimmed[..3].to_string());
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
}
