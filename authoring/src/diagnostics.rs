//! Diagnostics: what is wrong with a course, where (file, line, column) and how to fix
//! it, collected over a whole run and printed like a compiler's.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How bad a problem is. Errors stop a build; warnings do not, unless the author asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A position in a source file. Lines and columns count from 1; column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// One problem found in a course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A short, stable name for the kind of problem (`broken-link`, `missing-alt`...).
    pub code: &'static str,
    /// The file, relative to the course folder.
    pub file: PathBuf,
    pub position: Position,
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, file, message)
    }

    pub fn warning(
        code: &'static str,
        file: impl Into<PathBuf>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Warning, code, file, message)
    }

    fn new(
        severity: Severity,
        code: &'static str,
        file: impl Into<PathBuf>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            code,
            file: file.into(),
            position: Position::default(),
            message: message.into(),
            help: None,
        }
    }

    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.position = Position { line, column };
        self
    }

    pub fn at_pos(mut self, position: Position) -> Self {
        self.position = position;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds "did you mean `x`?" when `word` is close to one of `candidates`, and
    /// `otherwise` when it is not.
    pub fn suggest<'a>(
        self,
        word: &str,
        candidates: impl IntoIterator<Item = &'a str>,
        otherwise: impl Into<String>,
    ) -> Self {
        match did_you_mean(word, candidates) {
            Some(s) => self.help(format!("did you mean `{s}`?")),
            None => self.help(otherwise),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}]: {}",
            self.severity.label(),
            self.code,
            self.message
        )?;
        write!(f, "\n  --> {}", self.file.display())?;
        if self.position.line > 0 {
            write!(f, ":{}:{}", self.position.line, self.position.column.max(1))?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n   = help: {help}")?;
        }
        Ok(())
    }
}

/// All the problems of one run, in a stable order.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Turns every warning into an error (`--deny-warnings`).
    pub fn deny_warnings(&mut self) {
        for d in &mut self.items {
            d.severity = Severity::Error;
        }
    }

    /// Sorts by file and position and drops exact repeats, so output is stable.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (&a.file, a.position, &a.message).cmp(&(&b.file, b.position, &b.message))
        });
        self.items.dedup();
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    /// Renders every diagnostic with the offending source line under it, and a summary.
    /// Each file is read once, however many diagnostics it has.
    pub fn render(&self, course_dir: &Path) -> String {
        let mut sources = SourceCache::new(course_dir);
        let mut out = String::new();
        for d in &self.items {
            let _ = writeln!(out, "{}", render_one(d, &mut sources));
        }
        let (e, w) = (self.error_count(), self.warning_count());
        if e + w > 0 {
            let _ = writeln!(
                out,
                "{e} error{}, {w} warning{}",
                if e == 1 { "" } else { "s" },
                if w == 1 { "" } else { "s" }
            );
        }
        out
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// Source files read for rendering, each once, with where its lines start.
struct SourceCache<'a> {
    dir: &'a Path,
    files: HashMap<PathBuf, (String, Vec<usize>)>,
}

impl<'a> SourceCache<'a> {
    fn new(dir: &'a Path) -> Self {
        Self {
            dir,
            files: HashMap::new(),
        }
    }

    /// Line `line_no` (from 1) of `file`, without its line ending.
    fn line(&mut self, file: &Path, line_no: usize) -> Option<&str> {
        let (text, starts) = self.files.entry(file.to_path_buf()).or_insert_with(|| {
            // Through the same guard as every other read: a diagnostic never shows a
            // line of a file from outside the course.
            let bytes = crate::source::read_prefix(self.dir, file, crate::source::MAX_SOURCE_BYTES)
                .unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let mut starts = vec![0];
            starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
            (text, starts)
        });
        let start = *starts.get(line_no.checked_sub(1)?)?;
        let end = starts.get(line_no).map_or(text.len(), |e| e - 1);
        (start <= text.len()).then(|| text[start..end].trim_end_matches('\r'))
    }
}

fn render_one(d: &Diagnostic, sources: &mut SourceCache<'_>) -> String {
    let mut s = format!("{}[{}]: {}\n", d.severity.label(), d.code, d.message);
    let _ = write!(s, "  --> {}", d.file.display());
    let line_no = d.position.line;
    if line_no > 0 {
        let _ = write!(s, ":{}:{}", line_no, d.position.column.max(1));
        if let Some(line) = sources.line(&d.file, line_no) {
            let gutter = line_no.to_string().len();
            let pad = " ".repeat(gutter);
            let caret_pad = " ".repeat(d.position.column.max(1) - 1);
            let _ = write!(s, "\n{pad} |\n{line_no} | {line}\n{pad} | {caret_pad}^");
        }
    }
    if let Some(help) = &d.help {
        let _ = write!(s, "\n   = help: {help}");
    }
    s
}

/// Maps byte offsets in a text to 1-based line and column numbers.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// Line number of the text's first line in its file.
    first_line: usize,
}

impl LineIndex {
    pub fn new(text: &str, first_line: usize) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts, first_line }
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let idx = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts[idx];
        let column = text
            .get(start..offset.min(text.len()))
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1;
        Position {
            line: self.first_line + idx,
            column,
        }
    }
}

/// The closest candidate to a misspelt word, if it is close enough to be a useful hint.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_lines_and_characters() {
        let text = "first\nsecond é line\nthird";
        let idx = LineIndex::new(text, 10);
        assert_eq!(
            idx.position(text, 0),
            Position {
                line: 10,
                column: 1
            }
        );
        let off = text.find("line").unwrap();
        assert_eq!(
            idx.position(text, off),
            Position {
                line: 11,
                column: 10
            }
        );
        assert_eq!(
            idx.position(text, text.len()),
            Position {
                line: 12,
                column: 6
            }
        );
    }

    #[test]
    fn did_you_mean_finds_close_words_only() {
        assert_eq!(did_you_mean("titel", ["title", "summary"]), Some("title"));
        assert_eq!(did_you_mean("zzz", ["title", "summary"]), None);
    }
}
