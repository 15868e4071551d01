//! The inspection report as text, the same for the command line and the service.

use std::fmt;

use super::{Inspection, Severity};

/// Text made safe to print to a terminal: control characters (including newlines and
/// escape sequences) and bidirectional controls are shown as `\u{…}`, so that a title
/// or file name cannot rewrite the screen or display as something else.
///
/// ```
/// use packager::inspect::Escaped;
/// assert_eq!(Escaped("a\u{1b}[2Jb\u{202e}").to_string(), "a\\u{1b}[2Jb\\u{202e}");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some((i, c)) = rest
            .char_indices()
            .find(|&(_, c)| c.is_control() || crate::archive::is_bidi_control(c))
        {
            f.write_str(&rest[..i])?;
            write!(f, "\\u{{{:x}}}", c as u32)?;
            rest = &rest[i + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

impl fmt::Display for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let title = self
            .metadata
            .title
            .clone()
            .or_else(|| self.organizations.first().map(|o| o.title.clone()))
            .unwrap_or_default();
        writeln!(
            f,
            "{} package \"{}\" ({})",
            self.version.label(),
            Escaped(&title),
            Escaped(&self.identifier)
        )?;
        writeln!(
            f,
            "  {} files, {} KB; sequencing: {}",
            self.file_count,
            self.total_bytes.div_ceil(1024),
            if self.sequencing { "yes" } else { "no" }
        )?;
        for o in &self.organizations {
            let default = if self.default_organization.as_ref() == Some(&o.identifier) {
                " (default)"
            } else {
                ""
            };
            writeln!(
                f,
                "  organization {}: {}{default}",
                Escaped(&o.identifier),
                Escaped(&o.title)
            )?;
        }
        writeln!(f, "  SCOs ({}):", self.scos.len())?;
        for (i, sco) in self.scos.iter().enumerate() {
            let missing = if sco.launchable {
                ""
            } else {
                "  [not launchable]"
            };
            writeln!(
                f,
                "    {}. {} -> {}{missing}",
                i + 1,
                Escaped(&sco.title),
                Escaped(&sco.launch)
            )?;
        }
        if !self.assets.is_empty() {
            writeln!(f, "  assets launched directly ({}):", self.assets.len())?;
            for a in &self.assets {
                writeln!(f, "    - {} -> {}", Escaped(&a.title), Escaped(&a.launch))?;
            }
        }
        for finding in &self.findings {
            let label = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            writeln!(
                f,
                "  {label}[{}]: {}",
                finding.code,
                Escaped(&finding.message)
            )?;
        }
        Ok(())
    }
}
