//! Media: images measured, decoded and resized to the largest size a theme shows, video,
//! audio, captions and attachments copied under names derived from their content. Work is
//! cached by content hash in `.course-cache/` so a rebuild only redoes what changed.
//!
//! Every file is reached through [`fsguard::open_inside`]: nothing outside the course
//! folder, and nothing through a symbolic link, is ever read. Every image is decoded when
//! the course is checked (not only when it is built), after its dimensions have been read
//! from its header and found within [`MAX_IMAGE_SIDE`] and [`MAX_IMAGE_PIXELS`]. Decoding
//! runs on worker threads while the lessons render ([`Media::decoding`]); a decoding
//! failure is recorded under the source's path, and the lessons are rendered again so the
//! failure is reported at the line that shows the image.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::fsguard;

/// The widest an image is served, in pixels (twice the content column, for sharp
/// screens). Wider images are scaled down.
pub const MAX_IMAGE_WIDTH: u32 = 1280;

/// The most pixels an image may have on either side. Checked from the header, before
/// anything is decoded.
pub const MAX_IMAGE_SIDE: u32 = 12_000;

/// The most pixels an image may have in all (40 megapixels, about 160 MB decoded).
/// Checked from the header, before anything is decoded.
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;

/// An image whose source is more than this many times wider than served is flagged.
const FAR_TOO_LARGE: u32 = 2;

/// JPEG quality of scaled copies.
const JPEG_QUALITY: u8 = 82;

pub const CACHE_DIR: &str = ".course-cache";

/// Where a file ends up in the built course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// Images, video, audio, captions, posters: `media/`.
    Media,
    /// Downloads: `files/`.
    Attachment,
}

/// What a page needs to show an image.
#[derive(Debug, Clone)]
pub struct ImageInfo {
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub source_width: u32,
    pub source_height: u32,
    pub far_too_large: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    len: u64,
    modified_ns: u128,
    hash: String,
    dims: Option<(u32, u32)>,
    /// The whole image has been decoded without error.
    #[serde(default)]
    decoded: bool,
}

#[derive(Debug, Clone)]
enum Job {
    Copy(PathBuf),
    Resize {
        src: PathBuf,
        hash: String,
        width: u32,
        height: u32,
    },
}

/// Decoding one image: to check it, and (when building) to make its scaled copy.
struct Task {
    rel: PathBuf,
    hash: String,
    bytes: Option<Vec<u8>>,
    /// The size of the scaled copy to make, if the image is shown smaller.
    scale_to: Option<(u32, u32)>,
}

#[derive(Default)]
struct State {
    index: BTreeMap<String, Entry>,
    index_dirty: bool,
    /// Output path (relative to the built course) → how to make it.
    jobs: BTreeMap<PathBuf, Job>,
    /// Images already handed to a decoder in this build.
    submitted: BTreeSet<PathBuf>,
    /// Images that could not be decoded → why.
    failed: BTreeMap<PathBuf, String>,
    /// Every course file this build asked about (sources the output must not overwrite).
    used: BTreeSet<PathBuf>,
}

/// The media of one build.
pub struct Media {
    course_dir: PathBuf,
    /// Make scaled copies while decoding (a build), or only decode (a check).
    produce: bool,
    /// Whether `.course-cache/` may be used: it must be a real folder inside the course
    /// (or not exist yet), never a link that would make a build read or write elsewhere.
    cache_ok: Result<(), String>,
    state: Mutex<State>,
    queue: Mutex<Option<mpsc::Sender<Task>>>,
}

impl Media {
    /// Media for a build: images are decoded and their scaled copies made and cached.
    pub fn new(course_dir: &Path) -> Self {
        Self::with_mode(course_dir, true)
    }

    /// Media for a check: images are decoded, and nothing is scaled.
    pub fn checking(course_dir: &Path) -> Self {
        Self::with_mode(course_dir, false)
    }

    fn with_mode(course_dir: &Path, produce: bool) -> Self {
        let cache_ok = fsguard::open_inside(course_dir, &Path::new(CACHE_DIR).join("images"))
            .map(|_| ())
            .map_err(|e| {
                format!("cannot use the image cache: {e}; delete `{CACHE_DIR}` and build again")
            });
        let index = cache_ok
            .as_ref()
            .ok()
            .and_then(|()| {
                crate::source::read_file(course_dir, &Path::new(CACHE_DIR).join("index.json")).ok()
            })
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Self {
            course_dir: course_dir.to_path_buf(),
            produce,
            cache_ok,
            state: Mutex::new(State {
                index,
                ..State::default()
            }),
            queue: Mutex::new(None),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means a worker panicked mid-update of plain maps.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Course files this build read or tried to read, relative to the course folder.
    pub fn sources(&self) -> Vec<PathBuf> {
        self.lock().used.iter().cloned().collect()
    }

    /// The paths (in the built course) of every file registered so far.
    pub fn outputs(&self) -> Vec<PathBuf> {
        self.lock().jobs.keys().cloned().collect()
    }

    /// Images that could not be decoded, with the reason, by path in the course.
    pub fn failures(&self) -> BTreeMap<PathBuf, String> {
        self.lock().failed.clone()
    }

    /// Runs `f` (rendering the lessons, which registers images) while worker threads
    /// decode the images it registers. Returns once every image is decoded.
    pub fn decoding<R>(&self, f: impl FnOnce() -> R) -> R {
        let (tx, rx) = mpsc::channel::<Task>();
        let rx = Mutex::new(rx);
        std::thread::scope(|scope| {
            for _ in 0..workers() {
                scope.spawn(|| {
                    loop {
                        let task = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => break,
                        };
                        let Ok(task) = task else { break };
                        self.run_task(task);
                    }
                });
            }
            *self.queue.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            // Dropping the sender lets the workers finish the queue and stop (also when
            // `f` panicked, so the scope is not left waiting for them).
            self.queue.lock().unwrap_or_else(|e| e.into_inner()).take();
            r
        })
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    fn entry(&self, rel: &Path, want_dims: bool) -> Result<Entry, String> {
        self.lock().used.insert(rel.to_path_buf());
        let abs = fsguard::open_inside(&self.course_dir, rel).map_err(|e| e.to_string())?;
        let meta = std::fs::metadata(&abs).map_err(|_| "file not found".to_string())?;
        if !meta.is_file() {
            return Err("not a file".into());
        }
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let key = key_of(rel);
        let state = self.lock();
        if let Some(e) = state.index.get(&key)
            && e.len == meta.len()
            && e.modified_ns == modified_ns
            && (!want_dims || e.dims.is_some())
        {
            return Ok(e.clone());
        }
        drop(state);
        let bytes = std::fs::read(&abs).map_err(|e| format!("cannot read: {e}"))?;
        let hash = hex(&Sha256::digest(&bytes));
        let dims = if want_dims {
            Some(header_dimensions(&bytes)?)
        } else {
            None
        };
        let e = Entry {
            len: meta.len(),
            modified_ns,
            hash,
            dims,
            decoded: false,
        };
        let mut state = self.lock();
        state.index.insert(key, e.clone());
        state.index_dirty = true;
        Ok(e)
    }

    /// Registers a file to copy and returns its URL in the built course.
    pub fn file(&self, rel: &Path, kind: MediaKind) -> Result<String, String> {
        let e = self.entry(rel, false)?;
        let folder = match kind {
            MediaKind::Media => "media",
            MediaKind::Attachment => "files",
        };
        let out = PathBuf::from(folder).join(hashed_name(rel, &e.hash, None));
        let url = url_of(&out);
        self.lock().jobs.insert(out, Job::Copy(rel.to_path_buf()));
        Ok(url)
    }

    /// Registers an image and returns how to show it. Its dimensions are checked from
    /// its header here; it is decoded on a worker (see [`Media::decoding`]) or, outside
    /// `decoding`, right away.
    pub fn image(&self, rel: &Path) -> Result<ImageInfo, String> {
        if let Some(msg) = self.lock().failed.get(rel) {
            return Err(msg.clone());
        }
        let ext = rel
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if ext == "svg" {
            let url = self.file(rel, MediaKind::Media)?;
            return Ok(ImageInfo {
                url,
                width: 0,
                height: 0,
                source_width: 0,
                source_height: 0,
                far_too_large: false,
            });
        }
        if !["png", "jpg", "jpeg", "gif", "webp"].contains(&ext.as_str()) {
            return Err(format!(
                "`.{ext}` is not an image format courses can use (png, jpg, gif, webp, svg)"
            ));
        }
        let e = self.entry(rel, true)?;
        let (w, h) = e.dims.unwrap_or((0, 0));
        check_dimensions(w, h)?;
        let resizable = matches!(ext.as_str(), "png" | "jpg" | "jpeg");
        let (ow, oh, job, suffix) = if w > MAX_IMAGE_WIDTH && resizable {
            let oh = ((h as u64 * MAX_IMAGE_WIDTH as u64 + w as u64 / 2) / w as u64).max(1) as u32;
            (
                MAX_IMAGE_WIDTH,
                oh,
                Job::Resize {
                    src: rel.to_path_buf(),
                    hash: e.hash.clone(),
                    width: MAX_IMAGE_WIDTH,
                    height: oh,
                },
                Some(MAX_IMAGE_WIDTH),
            )
        } else {
            (w, h, Job::Copy(rel.to_path_buf()), None)
        };
        let scale_to = suffix.map(|_| (ow, oh));
        let out = PathBuf::from("media").join(hashed_name(rel, &e.hash, suffix));
        let url = url_of(&out);
        let first = {
            let mut s = self.lock();
            s.jobs.insert(out, job);
            s.submitted.insert(rel.to_path_buf())
        };
        let scaled_missing = scale_to
            .is_some_and(|(w, _)| self.produce && !is_cached(&self.cache_path(&e.hash, w, rel)));
        if first && (!e.decoded || scaled_missing) {
            let task = Task {
                rel: rel.to_path_buf(),
                hash: e.hash.clone(),
                bytes: None,
                scale_to,
            };
            let queued = {
                let q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                match q.as_ref() {
                    Some(tx) => match tx.send(task) {
                        Ok(()) => None,
                        Err(mpsc::SendError(task)) => Some(task),
                    },
                    None => Some(task),
                }
            };
            if let Some(task) = queued {
                self.run_task(task);
                if let Some(msg) = self.lock().failed.get(rel) {
                    return Err(msg.clone());
                }
            }
        }
        Ok(ImageInfo {
            url,
            width: ow,
            height: oh,
            source_width: w,
            source_height: h,
            far_too_large: w > MAX_IMAGE_WIDTH * FAR_TOO_LARGE,
        })
    }

    fn cache_dir(&self) -> PathBuf {
        self.course_dir.join(CACHE_DIR).join("images")
    }

    fn cache_path(&self, hash: &str, width: u32, rel: &Path) -> PathBuf {
        self.cache_dir()
            .join(format!("{hash}-{width}.{}", scaled_ext(rel)))
    }

    /// Decodes one image (and makes its scaled copy when building), recording a failure
    /// under the image's path. Never panics: a decoder that panics is a failure too.
    fn run_task(&self, task: Task) {
        let rel = task.rel.clone();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.decode(task)))
            .unwrap_or_else(|_| Err("the image decoder failed on this file".to_string()));
        let mut s = self.lock();
        match result {
            Ok(()) => {
                if let Some(e) = s.index.get_mut(&key_of(&rel)) {
                    e.decoded = true;
                    s.index_dirty = true;
                }
            }
            Err(msg) => {
                s.failed.insert(rel, msg);
            }
        }
    }

    fn decode(&self, task: Task) -> Result<(), String> {
        let cached = task
            .scale_to
            .filter(|_| self.produce)
            .map(|(w, _)| self.cache_path(&task.hash, w, &task.rel));
        let decoded = self
            .lock()
            .index
            .get(&key_of(&task.rel))
            .is_some_and(|e| e.decoded && e.hash == task.hash);
        let need_scaled = cached.as_ref().is_some_and(|c| !is_cached(c));
        if decoded && !need_scaled {
            return Ok(());
        }
        let bytes = match task.bytes {
            Some(b) => b,
            None => {
                crate::source::read_file(&self.course_dir, &task.rel).map_err(|e| e.to_string())?
            }
        };
        // The file may have changed since it was measured: check its header again.
        let (w, h) = header_dimensions(&bytes)?;
        check_dimensions(w, h)?;
        match (cached, task.scale_to) {
            (Some(cached), Some((tw, th))) if need_scaled => {
                self.cache_ok.clone()?;
                let img = decode_at_least(&bytes, tw, th)?;
                let out = scale_and_encode(img, tw, th, &task.rel)?;
                write_atomically(&self.cache_dir(), &cached, &out)
                    .map_err(|e| format!("cannot write the image cache: {e}"))
            }
            _ => decode_at_least(&bytes, 1, 1).map(|_| ()),
        }
    }

    /// The scaled copy of an image, made now if it is not in the cache.
    fn scaled(&self, src: &Path, hash: &str, width: u32, height: u32) -> Result<PathBuf, String> {
        self.cache_ok.clone()?;
        let cached = self.cache_path(hash, width, src);
        if !is_cached(&cached) {
            let bytes =
                crate::source::read_file(&self.course_dir, src).map_err(|e| e.to_string())?;
            let (w, h) = header_dimensions(&bytes)?;
            check_dimensions(w, h)?;
            let img = decode_at_least(&bytes, width, height)?;
            let out = scale_and_encode(img, width, height, src)?;
            write_atomically(&self.cache_dir(), &cached, &out)
                .map_err(|e| format!("cannot write the image cache: {e}"))?;
        }
        Ok(cached)
    }

    /// Where the bytes of one output file come from.
    fn produce_path(&self, job: &Job) -> Result<PathBuf, String> {
        match job {
            Job::Copy(src) => {
                fsguard::open_inside(&self.course_dir, src).map_err(|e| e.to_string())
            }
            Job::Resize {
                src,
                hash,
                width,
                height,
            } => self.scaled(src, hash, *width, *height),
        }
    }

    fn jobs(&self) -> Vec<(PathBuf, Job)> {
        let s = self.lock();
        s.jobs.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// Writes every registered file into `out_dir`, resizing in parallel, reusing the
    /// cache and skipping files already there. Returns the paths it is responsible for.
    /// Nothing is written through a symbolic link inside `out_dir`.
    pub fn write(&self, out_dir: &Path) -> Result<Vec<PathBuf>, String> {
        let jobs = self.jobs();
        let mut todo = Vec::new();
        for (out, job) in &jobs {
            let target = fsguard::open_inside(out_dir, out)
                .map_err(|e| format!("cannot write into the output folder: {e}"))?;
            let fresh = match job {
                Job::Copy(src) => {
                    let want = fsguard::open_inside(&self.course_dir, src)
                        .ok()
                        .and_then(|p| std::fs::metadata(p).ok())
                        .map(|m| m.len());
                    std::fs::metadata(&target).map(|m| m.len()).ok() == want
                }
                Job::Resize { .. } => target.exists(),
            };
            if !fresh {
                todo.push((target, job));
            }
        }
        let next = AtomicUsize::new(0);
        let errors = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..workers() {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((target, job)) = todo.get(i) else {
                            break;
                        };
                        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            self.write_one(job, target)
                        }))
                        .unwrap_or_else(|_| Err("the image decoder failed on this file".into()));
                        if let Err(e) = result {
                            errors
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push(format!("{}: {e}", source_of(job).display()));
                        }
                    }
                });
            }
        });
        let errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
        if !errors.is_empty() {
            return Err(errors.join("; "));
        }
        self.save_index();
        Ok(jobs.into_iter().map(|(p, _)| p).collect())
    }

    fn write_one(&self, job: &Job, target: &Path) -> Result<(), String> {
        let from = self.produce_path(job)?;
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::copy(from, target).map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Every registered file's bytes, by path in the built course, for packaging from
    /// memory.
    pub fn to_memory(&self) -> Result<BTreeMap<PathBuf, Vec<u8>>, String> {
        let mut files = BTreeMap::new();
        let mut errors = Vec::new();
        for (out, job) in self.jobs() {
            match self
                .produce_path(&job)
                .and_then(|p| std::fs::read(p).map_err(|e| e.to_string()))
            {
                Ok(bytes) => {
                    files.insert(out, bytes);
                }
                Err(e) => errors.push(format!("{}: {e}", source_of(&job).display())),
            }
        }
        if !errors.is_empty() {
            return Err(errors.join("; "));
        }
        self.save_index();
        Ok(files)
    }

    /// Saves what this run learnt about the files (hashes, sizes, decoded), so the next
    /// run does not redo it. Best effort: a cache that cannot be written only makes the
    /// next build slower.
    pub fn save_index(&self) {
        let mut s = self.lock();
        if !s.index_dirty || self.cache_ok.is_err() {
            return;
        }
        let dir = self.course_dir.join(CACHE_DIR);
        if std::fs::create_dir_all(&dir).is_ok() {
            let _ = std::fs::write(dir.join(".gitignore"), "*\n");
            if let Ok(json) = serde_json::to_vec(&s.index)
                && write_atomically(&dir, &dir.join("index.json"), &json).is_ok()
            {
                s.index_dirty = false;
            }
        }
    }
}

fn workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(8)
}

fn key_of(rel: &Path) -> String {
    rel.to_string_lossy().into_owned()
}

fn source_of(job: &Job) -> &Path {
    match job {
        Job::Copy(src) | Job::Resize { src, .. } => src,
    }
}

/// The extension of an image's scaled copy: PNG stays PNG, JPEG is JPEG.
/// A cached file is used only if it is a regular file: a link planted in the cache is
/// taken for a miss and replaced (the rename replaces the link, not what it points to).
fn is_cached(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

fn scaled_ext(rel: &Path) -> String {
    rel.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("png")
        .to_ascii_lowercase()
}

/// The image's dimensions, read from its header only.
fn header_dimensions(bytes: &[u8]) -> Result<(u32, u32), String> {
    image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read image: {e}"))?
        .into_dimensions()
        .map_err(|e| format!("not an image this tool can read: {e}"))
}

fn check_dimensions(w: u32, h: u32) -> Result<(), String> {
    if w == 0 || h == 0 {
        return Err(format!("the image is {w}×{h} pixels, which shows nothing"));
    }
    if w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE || w as u64 * h as u64 > MAX_IMAGE_PIXELS {
        return Err(format!(
            "the image is {w}×{h} pixels, larger than a course may use (at most {MAX_IMAGE_SIDE} pixels a side and {} megapixels); save a smaller copy",
            MAX_IMAGE_PIXELS / 1_000_000
        ));
    }
    Ok(())
}

/// Decodes the whole image, at the smallest scale the format allows that is still at
/// least `min_w` × `min_h` (JPEG: 1/2, 1/4 or 1/8 through DCT scaling), so a check or a
/// large reduction does not pay for pixels it throws away.
fn decode_at_least(bytes: &[u8], min_w: u32, min_h: u32) -> Result<image::DynamicImage, String> {
    if image::guess_format(bytes).ok() == Some(image::ImageFormat::Jpeg) {
        if let Some(img) = decode_jpeg_scaled(bytes, min_w, min_h)? {
            return Ok(img);
        }
        if let Some(img) = decode_jpeg_strict(bytes) {
            return Ok(img);
        }
        // Not strictly to the standard: accepted only if a second decoder reads all of
        // its data (both refuse a file cut short), then decoded leniently below.
        jpeg_decoder::Decoder::new(std::io::Cursor::new(bytes))
            .decode()
            .map_err(|e| {
                format!("the image cannot be decoded (is it damaged or cut short?): {e}")
            })?;
    }
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read image: {e}"))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_PIXELS * 8);
    reader.limits(limits);
    reader
        .decode()
        .map_err(|e| format!("the image cannot be decoded (is it damaged or cut short?): {e}"))
}

/// A JPEG decoded at full size by the fast decoder in strict mode (which refuses a file
/// cut short), or `None` if it refuses the file.
fn decode_jpeg_strict(bytes: &[u8]) -> Option<image::DynamicImage> {
    let opts = zune_core::options::DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(MAX_IMAGE_SIDE as usize)
        .set_max_height(MAX_IMAGE_SIDE as usize)
        .jpeg_set_out_colorspace(zune_core::colorspace::ColorSpace::RGB);
    let mut d =
        zune_jpeg::JpegDecoder::new_with_options(zune_core::bytestream::ZCursor::new(bytes), opts);
    let pixels = d.decode().ok()?;
    let (w, h) = d.dimensions()?;
    image::RgbImage::from_raw(w as u32, h as u32, pixels).map(image::DynamicImage::ImageRgb8)
}

/// A JPEG decoded at reduced scale, or `None` when no reduction is possible (then the
/// faster full-size decoder is used) or the pixel format is one this path leaves to it.
fn decode_jpeg_scaled(
    bytes: &[u8],
    min_w: u32,
    min_h: u32,
) -> Result<Option<image::DynamicImage>, String> {
    let mut d = jpeg_decoder::Decoder::new(std::io::Cursor::new(bytes));
    d.set_max_decoding_buffer_size((MAX_IMAGE_PIXELS * 4) as usize);
    d.read_info()
        .map_err(|e| format!("the image cannot be decoded (is it damaged or cut short?): {e}"))?;
    let Some(info) = d.info() else {
        return Ok(None);
    };
    let clamp = |v: u32| v.clamp(1, u16::MAX as u32) as u16;
    let (sw, sh) = d
        .scale(clamp(min_w), clamp(min_h))
        .map_err(|e| format!("the image cannot be decoded: {e}"))?;
    if (sw, sh) == (info.width, info.height) {
        return Ok(None);
    }
    let format = info.pixel_format;
    if !matches!(
        format,
        jpeg_decoder::PixelFormat::RGB24 | jpeg_decoder::PixelFormat::L8
    ) {
        return Ok(None);
    }
    let pixels = d
        .decode()
        .map_err(|e| format!("the image cannot be decoded (is it damaged or cut short?): {e}"))?;
    let (w, h) = (sw as u32, sh as u32);
    let img = match format {
        jpeg_decoder::PixelFormat::L8 => {
            image::GrayImage::from_raw(w, h, pixels).map(image::DynamicImage::ImageLuma8)
        }
        _ => image::RgbImage::from_raw(w, h, pixels).map(image::DynamicImage::ImageRgb8),
    };
    img.map(Some)
        .ok_or_else(|| "the image cannot be decoded: short pixel data".to_string())
}

/// Scales with a SIMD resizer and encodes as the source's format (PNG or JPEG).
fn scale_and_encode(
    img: image::DynamicImage,
    width: u32,
    height: u32,
    rel: &Path,
) -> Result<Vec<u8>, String> {
    use fast_image_resize as fr;
    let png = scaled_ext(rel) == "png";
    let alpha = png && img.color().has_alpha();
    let (sw, sh) = (img.width(), img.height());
    let (pixels, pt, color) = if alpha {
        (
            img.into_rgba8().into_raw(),
            fr::PixelType::U8x4,
            image::ExtendedColorType::Rgba8,
        )
    } else {
        (
            img.into_rgb8().into_raw(),
            fr::PixelType::U8x3,
            image::ExtendedColorType::Rgb8,
        )
    };
    let src = fr::images::Image::from_vec_u8(sw, sh, pixels, pt).map_err(|e| e.to_string())?;
    let mut dst = fr::images::Image::new(width, height, pt);
    let opts =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Hamming));
    thread_local! {
        // A resizer keeps its working buffers between images.
        static RESIZER: std::cell::RefCell<fr::Resizer> = std::cell::RefCell::new(fr::Resizer::new());
    }
    RESIZER
        .with(|r| r.borrow_mut().resize(&src, &mut dst, &opts))
        .map_err(|e| format!("cannot scale the image: {e}"))?;
    let mut buf = Vec::new();
    if png {
        use image::ImageEncoder as _;
        image::codecs::png::PngEncoder::new(&mut buf)
            .write_image(dst.buffer(), width, height, color)
            .map_err(|e| format!("cannot encode the scaled image: {e}"))?;
    } else {
        let (w, h) = (
            u16::try_from(width).map_err(|_| "the image is too wide to encode".to_string())?,
            u16::try_from(height).map_err(|_| "the image is too tall to encode".to_string())?,
        );
        jpeg_encoder::Encoder::new(&mut buf, JPEG_QUALITY)
            .encode(dst.buffer(), w, h, jpeg_encoder::ColorType::Rgb)
            .map_err(|e| format!("cannot encode the scaled image: {e}"))?;
    }
    Ok(buf)
}

/// Writes `bytes` to `path` through a temporary file of a name no other writer uses
/// (this process's id and a counter) and a rename, so parallel workers and parallel
/// builds never see, or leave, a half-written file.
pub(crate) fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    std::fs::create_dir_all(dir)?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    match std::fs::rename(&tmp, path) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn hashed_name(rel: &Path, hash: &str, width: Option<u32>) -> String {
    let stem = rel.file_stem().and_then(|s| s.to_str()).unwrap_or("file");
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let ext = rel
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("bin")
        .to_ascii_lowercase();
    match width {
        Some(w) => format!("{stem}-{}-{w}.{ext}", &hash[..8]),
        None => format!("{stem}-{}.{ext}", &hash[..8]),
    }
}

fn url_of(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut buf = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut buf), image::ImageFormat::Png)
            .unwrap();
        buf
    }

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut buf = Vec::new();
        img.write_to(
            &mut std::io::Cursor::new(&mut buf),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
        buf
    }

    #[test]
    fn a_cut_short_png_is_refused() {
        let bytes = png(300, 200);
        assert!(decode_at_least(&bytes, 1, 1).is_ok());
        let cut = &bytes[..bytes.len() / 2];
        // The header still reads: only decoding finds the damage.
        assert_eq!(header_dimensions(cut).unwrap(), (300, 200));
        let e = decode_at_least(cut, 1, 1).unwrap_err();
        assert!(e.contains("cannot be decoded"), "{e}");
    }

    #[test]
    fn a_cut_short_jpeg_is_refused_at_every_scale() {
        let bytes = jpeg(1600, 1200);
        let cut = &bytes[..bytes.len() / 2];
        assert_eq!(header_dimensions(cut).unwrap(), (1600, 1200));
        for (w, h) in [(1, 1), (800, 600), (1280, 960)] {
            assert!(decode_at_least(cut, w, h).is_err(), "{w}×{h}");
        }
    }

    #[test]
    fn jpegs_decode_at_reduced_scale_when_they_can() {
        let bytes = jpeg(1600, 1200);
        let small = decode_at_least(&bytes, 1, 1).unwrap();
        assert_eq!((small.width(), small.height()), (200, 150));
        let half = decode_at_least(&bytes, 700, 500).unwrap();
        assert_eq!((half.width(), half.height()), (800, 600));
        let full = decode_at_least(&bytes, 1280, 960).unwrap();
        assert_eq!((full.width(), full.height()), (1600, 1200));
    }

    #[test]
    fn dimensions_are_limited() {
        assert!(check_dimensions(12_000, 3_000).is_ok());
        assert!(check_dimensions(12_001, 10).is_err());
        assert!(check_dimensions(7_000, 7_000).is_err());
        assert!(check_dimensions(0, 10).is_err());
    }

    #[test]
    fn scaling_keeps_the_format_and_size() {
        let out = scale_and_encode(
            decode_at_least(&jpeg(2000, 1000), 1280, 640).unwrap(),
            1280,
            640,
            Path::new("media/a.jpg"),
        )
        .unwrap();
        assert_eq!(image::guess_format(&out).unwrap(), image::ImageFormat::Jpeg);
        assert_eq!(header_dimensions(&out).unwrap(), (1280, 640));
        let out = scale_and_encode(
            decode_at_least(&png(2000, 1000), 1280, 640).unwrap(),
            1280,
            640,
            Path::new("media/a.png"),
        )
        .unwrap();
        assert_eq!(image::guess_format(&out).unwrap(), image::ImageFormat::Png);
        assert_eq!(header_dimensions(&out).unwrap(), (1280, 640));
    }

    #[test]
    fn atomic_writes_from_many_threads_leave_one_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("same.png");
        std::thread::scope(|s| {
            for i in 0..8u8 {
                let path = &path;
                let dir = dir.path();
                s.spawn(move || {
                    for _ in 0..50 {
                        write_atomically(dir, path, &[i; 4096]).unwrap();
                    }
                });
            }
        });
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 4096);
        assert!(bytes.iter().all(|b| *b == bytes[0]));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
