//! A small, strict XML reader for manifests: no DTDs, no entities beyond XML's own,
//! bounded depth and size; elements by local name, as real tools get namespaces wrong.

use quick_xml::events::Event;

use super::{Refusal, RefusalCode, refuse};

/// A parsed XML element: local names only (namespaces are matched loosely, as real
/// tools get them wrong), with the namespace declarations kept for version detection.
#[derive(Debug, Default)]
pub(super) struct Element {
    pub(super) name: String,
    /// (local name, value); prefixed attributes keep their local name only.
    pub(super) attrs: Vec<(String, String)>,
    /// Namespace declarations on this element: (prefix or "", URI).
    pub(super) namespaces: Vec<(String, String)>,
    /// Attributes as written, with prefixes: for spelling checks (`adlcp:scormtype`).
    pub(super) raw_attr_names: Vec<String>,
    pub(super) children: Vec<Element>,
    pub(super) text: String,
}

impl Element {
    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn child(&self, name: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    pub(super) fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |c| c.name.eq_ignore_ascii_case(name))
    }

    pub(super) fn descendants<'a>(&'a self, out: &mut Vec<&'a Element>) {
        for c in &self.children {
            out.push(c);
            c.descendants(out);
        }
    }

    /// Text of the first `string` or `langstring` below this element (LOM).
    pub(super) fn lom_string(&self) -> Option<String> {
        let mut all = Vec::new();
        self.descendants(&mut all);
        all.iter()
            .find(|e| {
                e.name.eq_ignore_ascii_case("string") || e.name.eq_ignore_ascii_case("langstring")
            })
            .map(|e| e.text.trim().to_string())
            .or_else(|| (!self.text.trim().is_empty()).then(|| self.text.trim().to_string()))
    }
}

const MAX_DEPTH: usize = 64;
const MAX_ELEMENTS: usize = 200_000;

pub(super) fn parse_xml(bytes: &[u8]) -> Result<Element, Refusal> {
    let text = decode(bytes)?;
    let mut reader = quick_xml::Reader::from_str(&text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut count = 0usize;
    let bad = |reader: &quick_xml::Reader<&[u8]>, e: &dyn std::fmt::Display| {
        let pos = reader.buffer_position() as usize;
        let line = text.as_bytes()[..pos.min(text.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        refuse(
            RefusalCode::ManifestNotXml,
            format!("imsmanifest.xml is not well-formed XML (line {line}): {e}"),
        )
    };
    loop {
        let ev = reader.read_event().map_err(|e| bad(&reader, &e))?;
        match ev {
            Event::DocType(_) => {
                return Err(refuse(
                    RefusalCode::Dtd,
                    "imsmanifest.xml declares a DTD; manifests with DTDs or custom entities are refused, as they can expand without limit",
                ));
            }
            Event::Start(e) => {
                count += 1;
                if count > MAX_ELEMENTS || stack.len() > MAX_DEPTH {
                    return Err(refuse(
                        RefusalCode::ManifestTooComplex,
                        "imsmanifest.xml is nested too deeply or has too many elements",
                    ));
                }
                stack.push(element(&e).map_err(|err| bad(&reader, &err))?);
            }
            Event::Empty(e) => {
                count += 1;
                let el = element(&e).map_err(|err| bad(&reader, &err))?;
                stack.last_mut().expect("root").children.push(el);
            }
            Event::End(_) => {
                let done = stack.pop().expect("balanced by the parser");
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => {
                        return Err(refuse(
                            RefusalCode::ManifestNotXml,
                            "imsmanifest.xml has an unmatched end tag",
                        ));
                    }
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let name = r.xml10_content();
                let c = match name.as_ref() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "apos" => Some('\''),
                    "quot" => Some('"'),
                    n if n.starts_with("#x") => u32::from_str_radix(&n[2..], 16)
                        .ok()
                        .and_then(char::from_u32),
                    n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
                    _ => None,
                };
                match c {
                    Some(c) => {
                        if let Some(top) = stack.last_mut() {
                            top.text.push(c);
                        }
                    }
                    None => {
                        return Err(refuse(
                            RefusalCode::Entity,
                            format!(
                                "imsmanifest.xml uses the undefined entity &{name};; entities are refused"
                            ),
                        ));
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(refuse(
            RefusalCode::ManifestNotXml,
            "imsmanifest.xml is not well-formed XML: an element is never closed",
        ));
    }
    let mut root = stack.pop().expect("document");
    match root.children.len() {
        1 => Ok(root.children.remove(0)),
        0 => Err(refuse(
            RefusalCode::ManifestNotXml,
            "imsmanifest.xml has no root element",
        )),
        _ => Err(refuse(
            RefusalCode::ManifestNotXml,
            "imsmanifest.xml has more than one root element",
        )),
    }
}

/// An element's name and attributes, with namespace declarations set apart.
fn element(e: &quick_xml::events::BytesStart<'_>) -> Result<Element, quick_xml::Error> {
    let mut el = Element {
        name: e.local_name().as_ref().to_string(),
        ..Element::default()
    };
    for a in e.attributes() {
        let a = a.map_err(quick_xml::Error::from)?;
        let key = a.key.as_ref().to_string();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)?
            .into_owned();
        if key == "xmlns" {
            el.namespaces.push((String::new(), value));
        } else if let Some(prefix) = key.strip_prefix("xmlns:") {
            el.namespaces.push((prefix.to_string(), value));
        } else {
            el.raw_attr_names.push(key);
            let local = a.key.local_name().as_ref().to_string();
            el.attrs.push((local, value));
        }
    }
    Ok(el)
}

fn decode(bytes: &[u8]) -> Result<String, Refusal> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(rest.to_vec()).map_err(|_| {
            refuse(
                RefusalCode::ManifestNotXml,
                "imsmanifest.xml is not valid UTF-8",
            )
        });
    }
    let utf16 = |le: bool, rest: &[u8]| {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| {
            refuse(
                RefusalCode::ManifestNotXml,
                "imsmanifest.xml is not valid UTF-16",
            )
        })
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(true, rest),
        [0xFE, 0xFF, rest @ ..] => utf16(false, rest),
        _ => String::from_utf8(bytes.to_vec()).map_err(|_| {
            refuse(
                RefusalCode::ManifestNotXml,
                "imsmanifest.xml is not text (not valid UTF-8), so it is not a manifest",
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_and_dtds_are_refused() {
        let bomb = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><manifest>&lol2;</manifest>"#;
        assert_eq!(parse_xml(bomb).unwrap_err().code, RefusalCode::Dtd);
        let undefined = br#"<manifest>&secret;</manifest>"#;
        assert_eq!(parse_xml(undefined).unwrap_err().code, RefusalCode::Entity);
        let fine = br#"<manifest a="x &amp; y">&#65;&lt;</manifest>"#;
        let root = parse_xml(fine).unwrap();
        assert_eq!((root.attr("a"), root.text.as_str()), (Some("x & y"), "A<"));
    }
}
