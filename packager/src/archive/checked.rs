//! The one zip reader for untrusted uploads. See [`CheckedArchive`].

use std::collections::HashMap;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use super::names::{check_name, fold};
use crate::inspect::{Limits, Refusal, RefusalCode, refuse};

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const END_SIG: u32 = 0x0605_4b50;
const ZIP64_END_SIG: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const END_LEN: u64 = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;

/// How an entry's data is stored. Only these two are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Stored,
    Deflated,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Stored => "stored",
            Method::Deflated => "deflated",
        }
    }
}

/// A checked file entry: its name is safe to use as a relative path on any system,
/// and its sizes are within the limits the archive was opened with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The path inside the archive: `/`-separated, no `.`, `..` or empty components.
    pub name: String,
    /// Uncompressed size, as declared (and checked on every read).
    pub size: u64,
    pub compressed_size: u64,
    pub crc32: u32,
    pub method: Method,
    #[serde(skip)]
    data_offset: u64,
}

/// Why an extraction stopped: the archive was refused, or the destination failed.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The archive is at fault; nothing of it should be used.
    #[error("{0}")]
    Refused(Refusal),
    /// Writing `entry` (to the folder or the storage writer) failed.
    #[error("cannot store {entry}: {source}")]
    Storage { entry: String, source: io::Error },
}

impl ExtractError {
    /// The refusal, treating a storage failure as an unreadable archive (for callers whose
    /// writer cannot fail, such as [`io::sink`]).
    pub fn into_refusal(self) -> Refusal {
        match self {
            ExtractError::Refused(r) => r,
            ExtractError::Storage { entry, source } => refuse(
                RefusalCode::BadZip,
                format!("entry {entry:?} cannot be read: {source}"),
            ),
        }
    }
}

impl From<Refusal> for ExtractError {
    fn from(r: Refusal) -> Self {
        ExtractError::Refused(r)
    }
}

/// A zip archive whose every entry has been checked against [`Limits`], read from the
/// archive's own central directory (every record, not a map by name).
///
/// [`open`](Self::open) reads the end record (zip64 too) and every central directory
/// record and local header, and refuses the archive, with its reason, if anything is
/// wrong: too many entries or too large a directory (checked before anything is
/// allocated for them), names that climb out (`..`), are absolute (`/x`, `C:x`,
/// `\\host`), hold control or bidirectional-override characters, are reserved on
/// Windows or too long; two names equal exactly or after case folding and Unicode NFC
/// normalisation; links and special files; encryption; methods other than stored and
/// deflate; declared sizes beyond the limits or expanding like a zip bomb; local headers
/// that disagree with the directory; entries that share bytes; truncation.
///
/// Reading ([`read`](Self::read), [`extract_with`](Self::extract_with),
/// [`extract_to`](Self::extract_to), [`verify`](Self::verify)) decompresses under
/// streaming limits: no entry yields a byte more than it declared, and each is checked
/// against its declared size and CRC-32 at its end.
///
/// Names without the zip's UTF-8 flag are read as UTF-8 when they are valid UTF-8 (as
/// most tools write them, flag or not), and otherwise as CP437, the zip default. Names
/// with the flag that are not UTF-8 are refused. Backslashes are read as separators.
///
/// ```
/// use std::io::{Cursor, Read, Write};
/// use packager::archive::{CheckedArchive, Limits};
///
/// let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
/// zip.start_file("index.html", zip::write::SimpleFileOptions::default()).unwrap();
/// zip.write_all(b"<p>hello</p>").unwrap();
/// let upload = zip.finish().unwrap().into_inner();
///
/// let mut archive = CheckedArchive::open(Cursor::new(upload), &Limits::default()).unwrap();
/// assert_eq!(archive.entries()[0].name, "index.html");
/// assert_eq!(archive.read("index.html").unwrap(), b"<p>hello</p>");
///
/// // Stream every entry to storage; a corrupt entry stops it with a refusal.
/// let mut stored = Vec::new();
/// archive
///     .extract_with(&mut |entry, data| {
///         let mut bytes = Vec::new();
///         data.read_to_end(&mut bytes)?;
///         stored.push((entry.name.clone(), bytes));
///         Ok(())
///     })
///     .unwrap();
/// assert_eq!(stored.len(), 1);
///
/// // Hostile archives are refused when opened, with a stable code.
/// let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
/// zip.start_file("../escape.sh", zip::write::SimpleFileOptions::default()).unwrap();
/// let hostile = zip.finish().unwrap().into_inner();
/// let refused = CheckedArchive::open(Cursor::new(hostile), &Limits::default()).unwrap_err();
/// assert_eq!(refused.code.as_str(), "path-traversal");
/// ```
#[derive(Debug)]
pub struct CheckedArchive<R> {
    reader: R,
    entries: Vec<Entry>,
    folders: Vec<String>,
    by_name: HashMap<String, usize>,
}

/// What the end records say about the central directory.
struct End {
    entries: u64,
    size: u64,
    offset: u64,
    /// Where the central directory must end: the (zip64) end record.
    limit: u64,
}

/// A central directory record, before its local header is checked.
struct Record {
    raw_name: Vec<u8>,
    name: String,
    folder: bool,
    flags: u16,
    method: u16,
    crc32: u32,
    compressed_size: u64,
    size: u64,
    local_offset: u64,
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn bad(reason: impl Into<String>) -> Refusal {
    refuse(RefusalCode::BadZip, reason)
}

fn io_refusal(e: io::Error) -> Refusal {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        refuse(
            RefusalCode::Truncated,
            "the zip ends in the middle of a record: it is truncated",
        )
    } else {
        bad(format!("the zip cannot be read: {e}"))
    }
}

fn mb(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

impl<R: Read + Seek> CheckedArchive<R> {
    /// Opens and checks an archive. Pass a buffered reader (`BufReader<File>`) for files.
    pub fn open(mut reader: R, limits: &Limits) -> Result<Self, Refusal> {
        let len = reader.seek(SeekFrom::End(0)).map_err(io_refusal)?;
        let end = find_end(&mut reader, len)?;
        if end.entries > limits.max_entries as u64 {
            return Err(refuse(
                RefusalCode::TooManyEntries,
                format!(
                    "the package has {} files; at most {} are accepted",
                    end.entries, limits.max_entries
                ),
            ));
        }
        if end.size > limits.max_directory_bytes {
            return Err(refuse(
                RefusalCode::DirectoryTooLarge,
                format!(
                    "the zip's list of entries is {}; at most {} is accepted",
                    mb(end.size),
                    mb(limits.max_directory_bytes)
                ),
            ));
        }
        if end.offset.checked_add(end.size) != Some(end.limit) {
            return Err(bad(
                "the central directory is not where the end record says it is (a damaged, self-extracting or altered zip)",
            ));
        }
        if end.size < end.entries.saturating_mul(CENTRAL_LEN as u64) {
            return Err(bad(format!(
                "the zip declares {} entries but its directory is only {} bytes",
                end.entries, end.size
            )));
        }
        let records = read_directory(&mut reader, &end, limits)?;
        let checked = check_local_headers(&mut reader, records, end.offset)?;
        let mut entries = Vec::new();
        let mut folders = Vec::new();
        let mut by_name = HashMap::new();
        for (record, data_offset) in checked {
            if record.folder {
                folders.push(record.name);
                continue;
            }
            by_name.insert(record.name.clone(), entries.len());
            entries.push(Entry {
                name: record.name,
                size: record.size,
                compressed_size: record.compressed_size,
                crc32: record.crc32,
                method: if record.method == 0 {
                    Method::Stored
                } else {
                    Method::Deflated
                },
                data_offset,
            });
        }
        Ok(Self {
            reader,
            entries,
            folders,
            by_name,
        })
    }

    /// The file entries, in the archive's order. Folders are not listed; every folder a
    /// file needs is implied by its name.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry with exactly this name.
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.by_name.get(name).map(|&i| &self.entries[i])
    }

    /// The sum of the entries' declared (and, once read, verified) sizes.
    pub fn total_size(&self) -> u64 {
        self.entries.iter().map(|e| e.size).sum()
    }

    /// Decompresses one entry, checking its size and CRC-32.
    pub fn read(&mut self, name: &str) -> Result<Vec<u8>, Refusal> {
        let Some(&i) = self.by_name.get(name) else {
            return Err(refuse(
                RefusalCode::NotFound,
                format!("the archive has no entry {name:?}"),
            ));
        };
        let entry = self.entries[i].clone();
        let mut out = Vec::with_capacity(entry.size.min(1 << 16) as usize);
        let mut data = EntryReader::new(&mut self.reader, &entry).map_err(io_refusal)?;
        let result = data.read_to_end(&mut out);
        if let Some(r) = data.failure.take() {
            return Err(r);
        }
        result.map_err(io_refusal)?;
        Ok(out)
    }

    /// Streams every entry, in the archive's order, to `store` (a "storage writer": write
    /// the data where it belongs, such as object storage). The data `store` reads is
    /// checked as it goes; whatever `store` leaves unread is read and checked after it
    /// returns. On a refusal, stop using what was stored: the archive is corrupt.
    pub fn extract_with(
        &mut self,
        store: &mut dyn FnMut(&Entry, &mut dyn Read) -> io::Result<()>,
    ) -> Result<(), ExtractError> {
        for entry in &self.entries {
            let mut data = EntryReader::new(&mut self.reader, entry).map_err(io_refusal)?;
            let stored = store(entry, &mut data);
            // Whatever the writer did not read is still checked.
            let drained = stored
                .as_ref()
                .ok()
                .map(|_| io::copy(&mut data, &mut io::sink()));
            if let Some(r) = data.failure.take() {
                return Err(ExtractError::Refused(r));
            }
            if let Err(source) = stored {
                return Err(ExtractError::Storage {
                    entry: entry.name.clone(),
                    source,
                });
            }
            if let Some(Err(e)) = drained {
                return Err(ExtractError::Refused(io_refusal(e)));
            }
        }
        Ok(())
    }

    /// Decompresses and checks every entry, keeping nothing.
    pub fn verify(&mut self) -> Result<(), Refusal> {
        self.extract_with(&mut |_, data| io::copy(data, &mut io::sink()).map(|_| ()))
            .map_err(ExtractError::into_refusal)
    }

    /// Extracts every entry into the folder `dest`, which must not exist yet, all or
    /// nothing: the files are written into a new folder beside `dest` and renamed to
    /// `dest` once every entry has been checked; on any failure that folder is removed
    /// and `dest` is not created. Files are created only inside it.
    pub fn extract_to(&mut self, dest: &Path) -> Result<(), ExtractError> {
        let storage = |source: io::Error| ExtractError::Storage {
            entry: dest.display().to_string(),
            source,
        };
        if dest.symlink_metadata().is_ok() {
            return Err(storage(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "the destination already exists",
            )));
        }
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let stem = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "archive".into());
        let work = make_work_folder(&parent, &stem).map_err(storage)?;
        let result = self.extract_into(&work);
        let result = result.and_then(|()| std::fs::rename(&work, dest).map_err(storage));
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&work);
        }
        result
    }

    fn extract_into(&mut self, work: &Path) -> Result<(), ExtractError> {
        for folder in &self.folders {
            let path = inside(work, folder);
            std::fs::create_dir_all(&path).map_err(|source| ExtractError::Storage {
                entry: folder.clone(),
                source,
            })?;
        }
        self.extract_with(&mut |entry, data| {
            let path = inside(work, &entry.name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)?;
            io::copy(data, &mut file)?;
            Ok(())
        })
    }
}

/// `name` (already checked: relative, no `..`) as a path under `root`.
fn inside(root: &Path, name: &str) -> PathBuf {
    let mut path = root.to_path_buf();
    for part in name.split('/') {
        // Checked names have only normal components; keep it so whatever happens.
        if matches!(
            Path::new(part).components().next(),
            Some(Component::Normal(_))
        ) && Path::new(part).components().count() == 1
        {
            path.push(part);
        }
    }
    path
}

fn make_work_folder(parent: &Path, stem: &str) -> io::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    for attempt in 0..100u32 {
        let work = parent.join(format!(
            ".{stem}.extracting-{}-{nanos}-{attempt}",
            std::process::id()
        ));
        match std::fs::create_dir(&work) {
            Ok(()) => return Ok(work),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free name for a working folder",
    ))
}

/// Finds the end of central directory record (the last one whose comment ends the
/// file) and, when it says so, the zip64 end record.
fn find_end<R: Read + Seek>(reader: &mut R, len: u64) -> Result<End, Refusal> {
    let tail_len = len.min(END_LEN + u64::from(u16::MAX));
    reader
        .seek(SeekFrom::Start(len - tail_len))
        .map_err(io_refusal)?;
    let mut tail = vec![0u8; tail_len as usize];
    reader.read_exact(&mut tail).map_err(io_refusal)?;
    let found = (0..tail.len().saturating_sub(END_LEN as usize - 1))
        .rev()
        .find(|&i| {
            le32(&tail, i) == END_SIG
                && usize::from(le16(&tail, i + 20)) == tail.len() - i - END_LEN as usize
        });
    let Some(i) = found else {
        let mut head = [0u8; 4];
        reader.seek(SeekFrom::Start(0)).map_err(io_refusal)?;
        let starts_like_zip =
            reader.read_exact(&mut head).is_ok() && u32::from_le_bytes(head) == LOCAL_SIG;
        return Err(if starts_like_zip {
            refuse(
                RefusalCode::Truncated,
                "the file starts like a zip but has no end record: it is truncated",
            )
        } else {
            refuse(
                RefusalCode::NotAZip,
                "not a zip file: it has no end-of-central-directory record",
            )
        });
    };
    let at = len - tail_len + i as u64;
    let r = &tail[i..];
    let (disk, cd_disk) = (le16(r, 4), le16(r, 6));
    let (on_disk, total) = (le16(r, 8), le16(r, 10));
    if disk != 0 || cd_disk != 0 || on_disk != total {
        return Err(bad("the zip is split across several files (disks)"));
    }
    let (size, offset) = (le32(r, 12), le32(r, 16));
    if total != u16::MAX && size != u32::MAX && offset != u32::MAX {
        return Ok(End {
            entries: total.into(),
            size: size.into(),
            offset: offset.into(),
            limit: at,
        });
    }
    // Zip64: a locator just before the end record points at the zip64 end record.
    if at < 20 {
        return Err(bad("the zip declares zip64 sizes but has no zip64 locator"));
    }
    let mut locator = [0u8; 20];
    reader.seek(SeekFrom::Start(at - 20)).map_err(io_refusal)?;
    reader.read_exact(&mut locator).map_err(io_refusal)?;
    if le32(&locator, 0) != ZIP64_LOCATOR_SIG {
        return Err(bad("the zip declares zip64 sizes but has no zip64 locator"));
    }
    if le32(&locator, 4) != 0 || le32(&locator, 16) > 1 {
        return Err(bad("the zip is split across several files (disks)"));
    }
    let record_at = le64(&locator, 8);
    if record_at.checked_add(56).is_none_or(|e| e > at - 20) {
        return Err(bad("the zip64 end record is not where its locator says"));
    }
    let mut rec = [0u8; 56];
    reader
        .seek(SeekFrom::Start(record_at))
        .map_err(io_refusal)?;
    reader.read_exact(&mut rec).map_err(io_refusal)?;
    if le32(&rec, 0) != ZIP64_END_SIG {
        return Err(bad("the zip64 end record is not where its locator says"));
    }
    if le32(&rec, 16) != 0 || le32(&rec, 20) != 0 || le64(&rec, 24) != le64(&rec, 32) {
        return Err(bad("the zip is split across several files (disks)"));
    }
    Ok(End {
        entries: le64(&rec, 32),
        size: le64(&rec, 40),
        offset: le64(&rec, 48),
        limit: record_at,
    })
}

/// Reads and checks every central directory record, streaming: nothing is allocated
/// per record beyond the record itself.
fn read_directory<R: Read + Seek>(
    reader: &mut R,
    end: &End,
    limits: &Limits,
) -> Result<Vec<Record>, Refusal> {
    reader
        .seek(SeekFrom::Start(end.offset))
        .map_err(io_refusal)?;
    let mut dir = BufReader::new(reader.by_ref().take(end.size));
    // `end.entries` is within the limits, but grow as records arrive, not on its word.
    let mut records: Vec<Record> = Vec::with_capacity((end.entries as usize).min(1024));
    // Folded name → the record that has it, for files; folded names of folder entries.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut folder_keys: Vec<(String, usize)> = Vec::new();
    let mut total: u64 = 0;
    let mut extra = Vec::new();
    let short = |e: io::Error| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            bad(format!(
                "the zip's directory ends before the {} entries it declares",
                end.entries
            ))
        } else {
            io_refusal(e)
        }
    };
    for _ in 0..end.entries {
        let mut fixed = [0u8; CENTRAL_LEN];
        dir.read_exact(&mut fixed).map_err(short)?;
        if le32(&fixed, 0) != CENTRAL_SIG {
            return Err(bad(format!(
                "entry {} of the zip's directory is not a directory record",
                records.len() + 1
            )));
        }
        let made_by = le16(&fixed, 4);
        let flags = le16(&fixed, 8);
        let method = le16(&fixed, 10);
        let crc32 = le32(&fixed, 16);
        let mut compressed_size = u64::from(le32(&fixed, 20));
        let mut size = u64::from(le32(&fixed, 24));
        let name_len = usize::from(le16(&fixed, 28));
        let extra_len = usize::from(le16(&fixed, 30));
        let comment_len = u64::from(le16(&fixed, 32));
        let mut disk = u32::from(le16(&fixed, 34));
        let external = le32(&fixed, 38);
        let mut local_offset = u64::from(le32(&fixed, 42));
        if name_len > limits.max_name_bytes {
            return Err(refuse(
                RefusalCode::NameTooLong,
                format!(
                    "entry {} has a name of {name_len} bytes; at most {} are accepted",
                    records.len() + 1,
                    limits.max_name_bytes
                ),
            ));
        }
        let mut raw_name = vec![0u8; name_len];
        dir.read_exact(&mut raw_name).map_err(short)?;
        extra.resize(extra_len, 0);
        dir.read_exact(&mut extra).map_err(short)?;
        io::copy(&mut dir.by_ref().take(comment_len), &mut io::sink()).map_err(short)?;

        let (name, folder) = check_name(&raw_name, flags & 0x0800 != 0, limits)?;
        let shown = &name;
        // Info-ZIP's Unicode path field gives some tools a second name for the entry.
        if let Some(other) = extra_field(&extra, 0x7075).and_then(|f| f.get(5..)) {
            let other_name = check_name(other, true, limits)?.0;
            if other_name != name {
                return Err(refuse(
                    RefusalCode::NameMismatch,
                    format!(
                        "entry {shown:?} has a second name, {other_name:?}, in its Unicode path field: tools would disagree on its name"
                    ),
                ));
            }
        }
        // Zip64 extended information: the 32-bit fields that are all ones, in order.
        if size == u64::from(u32::MAX)
            || compressed_size == u64::from(u32::MAX)
            || local_offset == u64::from(u32::MAX)
            || disk == u32::from(u16::MAX)
        {
            let mut fields = zip64_fields(&extra).ok_or_else(|| {
                bad(format!(
                    "entry {shown:?} declares zip64 sizes but has no zip64 field"
                ))
            })?;
            let mut next = |v: &mut u64| -> Result<(), Refusal> {
                *v = fields
                    .next()
                    .ok_or_else(|| bad(format!("entry {shown:?} has a short zip64 field")))?;
                Ok(())
            };
            if size == u64::from(u32::MAX) {
                next(&mut size)?;
            }
            if compressed_size == u64::from(u32::MAX) {
                next(&mut compressed_size)?;
            }
            if local_offset == u64::from(u32::MAX) {
                next(&mut local_offset)?;
            }
            if disk == u32::from(u16::MAX) {
                let mut d = 0;
                next(&mut d)?;
                disk = d as u32;
            }
        }
        if disk != 0 {
            return Err(bad("the zip is split across several files (disks)"));
        }
        if flags & 0x0001 != 0 || flags & 0x0040 != 0 || flags & 0x2000 != 0 || method == 99 {
            return Err(refuse(
                RefusalCode::Encrypted,
                format!("entry {shown:?} is encrypted"),
            ));
        }
        // Unix file types, when the entry was made on Unix (3) or macOS (19).
        if matches!(made_by >> 8, 3 | 19) {
            match (external >> 16) & 0o170000 {
                0 | 0o100000 | 0o040000 => {}
                0o120000 => {
                    return Err(refuse(
                        RefusalCode::Symlink,
                        format!("entry {shown:?} is a symbolic link"),
                    ));
                }
                _ => {
                    return Err(refuse(
                        RefusalCode::SpecialFile,
                        format!("entry {shown:?} is a device, pipe or socket, not a file"),
                    ));
                }
            }
        }
        if folder {
            if size != 0 {
                return Err(bad(format!("the folder entry {shown:?} holds data")));
            }
        } else {
            if method != 0 && method != 8 {
                return Err(refuse(
                    RefusalCode::UnsupportedMethod,
                    format!(
                        "entry {shown:?} is compressed with {}; only stored and deflate are accepted",
                        method_name(method)
                    ),
                ));
            }
            if method == 0 && compressed_size != size {
                return Err(refuse(
                    RefusalCode::SizeLie,
                    format!(
                        "entry {shown:?} is stored ({compressed_size} bytes) but declares {size} bytes"
                    ),
                ));
            }
            check_sizes(shown, size, compressed_size, &mut total, limits)?;
        }
        let key = fold(&name);
        if folder {
            folder_keys.push((key, records.len()));
        } else {
            if let Some(&i) = seen.get(&key) {
                let first = &records[i].name;
                return Err(refuse(
                    RefusalCode::DuplicateEntry,
                    if *first == name {
                        format!("entry {name:?} appears twice")
                    } else {
                        format!(
                            "entries {first:?} and {name:?} differ only in letter case or Unicode form, so they are one file on most systems"
                        )
                    },
                ));
            }
            seen.insert(key, records.len());
        }
        records.push(Record {
            raw_name,
            name,
            folder,
            flags,
            method,
            crc32,
            compressed_size,
            size,
            local_offset,
        });
    }
    let mut rest = [0u8; 1];
    if dir.read(&mut rest).map_err(io_refusal)? != 0 {
        return Err(bad(format!(
            "the zip's directory holds more than the {} entries it declares",
            end.entries
        )));
    }
    check_files_are_not_folders(seen, folder_keys, &records)?;
    Ok(records)
}

/// Refuses a file that is also a folder (`a` and `a/b`, or `a` and the folder `a/`): one
/// would overwrite the other. The folded names are sorted with `/` lowest, so that every
/// name inside a folder follows the folder's own name directly: one pass, no set of every
/// ancestor (which a deep hostile tree would make quadratic).
fn check_files_are_not_folders(
    files: HashMap<String, usize>,
    folders: Vec<(String, usize)>,
    records: &[Record],
) -> Result<(), Refusal> {
    let as_key = |key: String| -> Vec<u8> {
        let mut bytes = key.into_bytes();
        for b in &mut bytes {
            if *b == b'/' {
                *b = 0;
            }
        }
        bytes
    };
    let mut all: Vec<(Vec<u8>, bool, usize)> = files
        .into_iter()
        .map(|(k, i)| (as_key(k), false, i))
        .chain(folders.into_iter().map(|(k, i)| (as_key(k), true, i)))
        .collect();
    all.sort_unstable();
    for pair in all.windows(2) {
        let (a, a_folder, i) = &pair[0];
        let (b, b_folder, _) = &pair[1];
        let clash = if a == b {
            a_folder != b_folder
        } else {
            !a_folder && b.len() > a.len() && b.starts_with(a) && b[a.len()] == 0
        };
        if clash {
            return Err(refuse(
                RefusalCode::DuplicateEntry,
                format!("entry {:?} is both a file and a folder", records[*i].name),
            ));
        }
    }
    Ok(())
}

fn check_sizes(
    name: &str,
    size: u64,
    compressed_size: u64,
    total: &mut u64,
    limits: &Limits,
) -> Result<(), Refusal> {
    if size > limits.max_entry_bytes {
        return Err(refuse(
            RefusalCode::EntryTooLarge,
            format!(
                "entry {name:?} is {}; at most {} per file",
                mb(size),
                mb(limits.max_entry_bytes)
            ),
        ));
    }
    *total = total.saturating_add(size);
    if *total > limits.max_total_bytes {
        return Err(refuse(
            RefusalCode::TooLarge,
            format!(
                "the package expands to more than {}",
                mb(limits.max_total_bytes)
            ),
        ));
    }
    let packed = compressed_size.max(1);
    if size > limits.ratio_floor_bytes && size / packed > limits.max_ratio {
        return Err(refuse(
            RefusalCode::ZipBomb,
            format!(
                "entry {name:?} expands {}-fold ({packed} bytes to {size}), as zip bombs do",
                size / packed
            ),
        ));
    }
    Ok(())
}

/// The body of the first extra field with this id, if present and whole.
fn extra_field(extra: &[u8], wanted: u16) -> Option<&[u8]> {
    let mut at = 0;
    while at + 4 <= extra.len() {
        let id = le16(extra, at);
        let len = usize::from(le16(extra, at + 2));
        let body = extra.get(at + 4..at + 4 + len)?;
        if id == wanted {
            return Some(body);
        }
        at += 4 + len;
    }
    None
}

/// The values of the zip64 extended information extra field (0x0001), if present.
fn zip64_fields(extra: &[u8]) -> Option<impl Iterator<Item = u64> + '_> {
    extra_field(extra, 0x0001).map(|body| body.chunks_exact(8).map(|c| le64(c, 0)))
}

fn method_name(method: u16) -> String {
    match method {
        1 => "Shrink".into(),
        6 => "Implode".into(),
        9 => "Deflate64".into(),
        12 => "bzip2".into(),
        14 => "LZMA".into(),
        93 => "Zstandard".into(),
        95 => "XZ".into(),
        98 => "PPMd".into(),
        m => format!("method {m}"),
    }
}

/// Checks each record's local header against it and works out where its data starts.
/// Entries' bytes may not overlap, nor run into the central directory.
fn check_local_headers<R: Read + Seek>(
    reader: &mut R,
    records: Vec<Record>,
    directory_at: u64,
) -> Result<Vec<(Record, u64)>, Refusal> {
    let mut out = Vec::with_capacity(records.len());
    let mut spans = Vec::with_capacity(records.len());
    let mut name = Vec::new();
    for record in records {
        let shown = &record.name;
        if record.local_offset.saturating_add(LOCAL_LEN as u64) > directory_at {
            return Err(bad(format!(
                "entry {shown:?} has no local header where the directory says"
            )));
        }
        reader
            .seek(SeekFrom::Start(record.local_offset))
            .map_err(io_refusal)?;
        let mut fixed = [0u8; LOCAL_LEN];
        reader.read_exact(&mut fixed).map_err(io_refusal)?;
        if le32(&fixed, 0) != LOCAL_SIG {
            return Err(bad(format!(
                "entry {shown:?} has no local header where the directory says"
            )));
        }
        let flags = le16(&fixed, 6);
        let method = le16(&fixed, 8);
        let name_len = usize::from(le16(&fixed, 26));
        let extra_len = u64::from(le16(&fixed, 28));
        name.resize(name_len, 0);
        reader.read_exact(&mut name).map_err(io_refusal)?;
        if name != record.raw_name {
            return Err(refuse(
                RefusalCode::NameMismatch,
                format!(
                    "entry {shown:?} is called {:?} in its local header: tools would disagree on its name",
                    String::from_utf8_lossy(&name)
                ),
            ));
        }
        if flags & 0x0001 != 0 {
            return Err(refuse(
                RefusalCode::Encrypted,
                format!("entry {shown:?} is encrypted"),
            ));
        }
        if method != record.method {
            return Err(refuse(
                RefusalCode::HeaderMismatch,
                format!("entry {shown:?} has another compression method in its local header"),
            ));
        }
        if flags & 0x0008 == 0 && record.flags & 0x0008 == 0 {
            let crc = le32(&fixed, 14);
            let (packed, size) = (le32(&fixed, 18), le32(&fixed, 22));
            let size_ok =
                |local: u32, central: u64| local == u32::MAX || u64::from(local) == central;
            if crc != record.crc32
                || !size_ok(packed, record.compressed_size)
                || !size_ok(size, record.size)
            {
                return Err(refuse(
                    RefusalCode::HeaderMismatch,
                    format!(
                        "entry {shown:?} has other sizes or another CRC in its local header than in the directory"
                    ),
                ));
            }
        }
        let data = record.local_offset + LOCAL_LEN as u64 + name_len as u64 + extra_len;
        let data_end = data.saturating_add(record.compressed_size);
        if data_end > directory_at {
            return Err(refuse(
                RefusalCode::Truncated,
                format!(
                    "entry {shown:?}'s data runs past the end of the entries: the zip is truncated or damaged"
                ),
            ));
        }
        spans.push((record.local_offset, data_end, out.len()));
        out.push((record, data));
    }
    spans.sort_unstable();
    for pair in spans.windows(2) {
        let (_, end, a) = pair[0];
        let (start, _, b) = pair[1];
        if start < end {
            return Err(refuse(
                RefusalCode::OverlappingEntries,
                format!(
                    "entries {:?} and {:?} share bytes, as zip bombs do",
                    out[a].0.name, out[b].0.name
                ),
            ));
        }
    }
    Ok(out)
}

enum Source<'a, R: Read> {
    Stored(io::Take<&'a mut R>),
    Deflated(Box<flate2::read::DeflateDecoder<io::Take<&'a mut R>>>),
}

/// An entry's data, decompressed, never more than declared, and checked against its
/// declared size and CRC-32 when it ends. A failure is kept in `failure`, so it can be
/// told from the storage writer's own errors.
struct EntryReader<'a, R: Read> {
    source: Source<'a, R>,
    entry: &'a Entry,
    crc: crc32fast::Hasher,
    read: u64,
    failure: Option<Refusal>,
    done: bool,
}

impl<'a, R: Read + Seek> EntryReader<'a, R> {
    fn new(reader: &'a mut R, entry: &'a Entry) -> io::Result<Self> {
        reader.seek(SeekFrom::Start(entry.data_offset))?;
        let raw = reader.take(entry.compressed_size);
        let source = match entry.method {
            Method::Stored => Source::Stored(raw),
            Method::Deflated => Source::Deflated(Box::new(flate2::read::DeflateDecoder::new(raw))),
        };
        Ok(Self {
            source,
            entry,
            crc: crc32fast::Hasher::new(),
            read: 0,
            failure: None,
            done: false,
        })
    }
}

impl<R: Read> EntryReader<'_, R> {
    fn fail(&mut self, refusal: Refusal) -> io::Error {
        let e = io::Error::other(refusal.clone());
        self.failure = Some(refusal);
        e
    }
}

impl<R: Read> Read for EntryReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(r) = &self.failure {
            return Err(io::Error::other(r.clone()));
        }
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        let name = &self.entry.name;
        let size = self.entry.size;
        // One byte beyond the declared size is enough to catch a lie.
        let allowed = (size - self.read).saturating_add(1).min(buf.len() as u64) as usize;
        let got = match &mut self.source {
            Source::Stored(r) => r.read(&mut buf[..allowed]),
            Source::Deflated(r) => r.read(&mut buf[..allowed]),
        };
        let n = match got {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                let r = refuse(
                    RefusalCode::BadZip,
                    format!("entry {name:?} cannot be decompressed: {e}"),
                );
                return Err(self.fail(r));
            }
        };
        self.read += n as u64;
        if self.read > size {
            let r = refuse(
                RefusalCode::SizeLie,
                format!("entry {name:?} is larger than the {size} bytes the zip says it is"),
            );
            return Err(self.fail(r));
        }
        self.crc.update(&buf[..n]);
        if n == 0 {
            self.done = true;
            if self.read < size {
                let r = refuse(
                    RefusalCode::Truncated,
                    format!(
                        "entry {name:?} ends after {} of the {size} bytes the zip says it has: truncated or corrupt",
                        self.read
                    ),
                );
                return Err(self.fail(r));
            }
            let actual = self.crc.clone().finalize();
            if actual != self.entry.crc32 {
                let r = refuse(
                    RefusalCode::CrcMismatch,
                    format!(
                        "entry {name:?} is corrupt: its CRC-32 is {actual:08x}, the zip says {:08x}",
                        self.entry.crc32
                    ),
                );
                return Err(self.fail(r));
            }
        }
        Ok(n)
    }
}
