//! A test-only zip builder that writes local headers, the central directory and the end
//! record by hand, so that a test can lie in any field.

use std::io::Write as _;

/// One entry. By default it is honest: deflated, with its real sizes and CRC-32, the
/// same name in both headers, made on Unix as a regular file.
#[derive(Clone)]
pub struct Raw {
    pub name: Vec<u8>,
    /// The local header's name, when it should differ from the directory's.
    pub local_name: Option<Vec<u8>>,
    pub data: Vec<u8>,
    /// 0 stored, 8 deflate; any other is written with the data as it is.
    pub method: u16,
    pub flags: u16,
    pub crc: Option<u32>,
    /// The declared uncompressed size, when it should lie (both headers).
    pub size: Option<u64>,
    /// The bytes written as the entry's data, instead of compressing `data`.
    pub packed: Option<Vec<u8>>,
    /// Unix mode in the external attributes' high half.
    pub mode: u32,
    /// Extra fields in the central directory record.
    pub extra: Vec<u8>,
}

impl Raw {
    pub fn new(name: &str, data: &[u8]) -> Self {
        Raw {
            name: name.as_bytes().to_vec(),
            local_name: None,
            data: data.to_vec(),
            method: 8,
            flags: 0x0800,
            crc: None,
            size: None,
            packed: None,
            mode: 0o100644,
            extra: Vec::new(),
        }
    }

    pub fn stored(name: &str, data: &[u8]) -> Self {
        Raw {
            method: 0,
            ..Raw::new(name, data)
        }
    }

    pub fn bytes_name(name: &[u8], data: &[u8]) -> Self {
        Raw {
            name: name.to_vec(),
            flags: 0,
            ..Raw::new("x", data)
        }
    }

    fn packed(&self) -> Vec<u8> {
        if let Some(p) = &self.packed {
            return p.clone();
        }
        match self.method {
            8 => {
                let mut e =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(&self.data).unwrap();
                e.finish().unwrap()
            }
            _ => self.data.clone(),
        }
    }
}

/// A whole archive.
#[derive(Clone, Default)]
pub struct Forge {
    pub entries: Vec<Raw>,
    /// The entry count the end record declares, when it should lie.
    pub declared_count: Option<u64>,
    /// Write zip64 end records (and declare the count only there).
    pub zip64: bool,
}

impl Forge {
    pub fn of(entries: Vec<Raw>) -> Self {
        Forge {
            entries,
            ..Forge::default()
        }
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for e in &self.entries {
            let offset = out.len() as u32;
            let packed = e.packed();
            let crc = e.crc.unwrap_or_else(|| crc32fast::hash(&e.data));
            let size = e.size.unwrap_or(e.data.len() as u64) as u32;
            let local_name = e.local_name.as_ref().unwrap_or(&e.name);
            out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            out.extend_from_slice(&20u16.to_le_bytes());
            out.extend_from_slice(&e.flags.to_le_bytes());
            out.extend_from_slice(&e.method.to_le_bytes());
            out.extend_from_slice(&[0, 0, 0x21, 0]); // time, date (1980-01-01)
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(packed.len() as u32).to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&(local_name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(local_name);
            out.extend_from_slice(&packed);

            central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            central.extend_from_slice(&((3u16 << 8) | 20).to_le_bytes());
            central.extend_from_slice(&20u16.to_le_bytes());
            central.extend_from_slice(&e.flags.to_le_bytes());
            central.extend_from_slice(&e.method.to_le_bytes());
            central.extend_from_slice(&[0, 0, 0x21, 0]);
            central.extend_from_slice(&crc.to_le_bytes());
            central.extend_from_slice(&(packed.len() as u32).to_le_bytes());
            central.extend_from_slice(&size.to_le_bytes());
            central.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            central.extend_from_slice(&(e.extra.len() as u16).to_le_bytes());
            central.extend_from_slice(&0u16.to_le_bytes()); // comment
            central.extend_from_slice(&0u16.to_le_bytes()); // disk
            central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
            central.extend_from_slice(&(e.mode << 16).to_le_bytes());
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(&e.name);
            central.extend_from_slice(&e.extra);
        }
        let cd_offset = out.len() as u64;
        let cd_size = central.len() as u64;
        out.extend_from_slice(&central);
        let count = self.declared_count.unwrap_or(self.entries.len() as u64);
        let zip64 = self.zip64 || count >= u64::from(u16::MAX);
        if zip64 {
            let record_at = out.len() as u64;
            out.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            out.extend_from_slice(&44u64.to_le_bytes());
            out.extend_from_slice(&45u16.to_le_bytes());
            out.extend_from_slice(&45u16.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
            out.extend_from_slice(&cd_size.to_le_bytes());
            out.extend_from_slice(&cd_offset.to_le_bytes());
            out.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&record_at.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
        }
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        let short = if zip64 {
            u16::MAX
        } else {
            count.min(u64::from(u16::MAX)) as u16
        };
        out.extend_from_slice(&short.to_le_bytes());
        out.extend_from_slice(&short.to_le_bytes());
        let (size32, offset32) = if zip64 {
            (u32::MAX, u32::MAX)
        } else {
            (cd_size as u32, cd_offset as u32)
        };
        out.extend_from_slice(&size32.to_le_bytes());
        out.extend_from_slice(&offset32.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }
}

/// A minimal SCORM 1.2 manifest launching `index.html`.
pub const MANIFEST: &str = r#"<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>T</title>
    <item identifier="i" identifierref="r"><title>T</title></item></organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html"><file href="index.html"/></resource></resources>
</manifest>"#;

/// A sound package with `extra` entries added after the manifest and launch page.
pub fn package_with(extra: Vec<Raw>) -> Vec<u8> {
    let mut entries = vec![
        Raw::new("imsmanifest.xml", MANIFEST.as_bytes()),
        Raw::new("index.html", b"<p>hi</p>"),
    ];
    entries.extend(extra);
    Forge::of(entries).bytes()
}
