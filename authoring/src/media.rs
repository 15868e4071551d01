//! Media: images measured and resized to the largest size a theme shows, video, audio,
//! captions and attachments copied under names derived from their content. Work is
//! cached by content hash in `.course-cache/` so a rebuild only redoes what changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The widest an image is served, in pixels (twice the content column, for sharp
/// screens). Wider images are scaled down.
pub const MAX_IMAGE_WIDTH: u32 = 1280;

/// An image whose source is more than this many times wider than served is flagged.
const FAR_TOO_LARGE: u32 = 2;

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

#[derive(Default)]
struct State {
    index: BTreeMap<String, Entry>,
    index_dirty: bool,
    /// Output path (relative to the built course) → how to make it.
    jobs: BTreeMap<PathBuf, Job>,
}

/// The media of one build.
pub struct Media {
    course_dir: PathBuf,
    state: Mutex<State>,
}

impl Media {
    pub fn new(course_dir: &Path) -> Self {
        let index = std::fs::read(course_dir.join(CACHE_DIR).join("index.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Self {
            course_dir: course_dir.to_path_buf(),
            state: Mutex::new(State {
                index,
                ..State::default()
            }),
        }
    }

    fn entry(&self, rel: &Path, want_dims: bool) -> Result<Entry, String> {
        let abs = self.course_dir.join(rel);
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
        let key = rel.to_string_lossy().into_owned();
        let state = self.state.lock().expect("media state");
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
            Some(
                image::ImageReader::new(std::io::Cursor::new(&bytes))
                    .with_guessed_format()
                    .map_err(|e| format!("cannot read image: {e}"))?
                    .into_dimensions()
                    .map_err(|e| format!("not an image this tool can read: {e}"))?,
            )
        } else {
            None
        };
        let e = Entry {
            len: meta.len(),
            modified_ns,
            hash,
            dims,
        };
        let mut state = self.state.lock().expect("media state");
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
        self.state
            .lock()
            .expect("media state")
            .jobs
            .insert(out, Job::Copy(rel.to_path_buf()));
        Ok(url)
    }

    /// Registers an image and returns how to show it.
    pub fn image(&self, rel: &Path) -> Result<ImageInfo, String> {
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
        let out = PathBuf::from("media").join(hashed_name(rel, &e.hash, suffix));
        let url = url_of(&out);
        self.state
            .lock()
            .expect("media state")
            .jobs
            .insert(out, job);
        Ok(ImageInfo {
            url,
            width: ow,
            height: oh,
            source_width: w,
            source_height: h,
            far_too_large: w > MAX_IMAGE_WIDTH * FAR_TOO_LARGE,
        })
    }

    /// Writes every registered file into `out_dir`, resizing in parallel, reusing the
    /// cache and skipping files already there. Returns the paths it is responsible for.
    pub fn write(&self, out_dir: &Path) -> Result<Vec<PathBuf>, String> {
        let jobs: Vec<(PathBuf, Job)> = {
            let s = self.state.lock().expect("media state");
            s.jobs.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        let cache = self.course_dir.join(CACHE_DIR).join("images");
        let todo: Vec<&(PathBuf, Job)> = jobs
            .iter()
            .filter(|(out, job)| {
                let target = out_dir.join(out);
                match job {
                    Job::Copy(src) => {
                        let want = std::fs::metadata(self.course_dir.join(src))
                            .map(|m| m.len())
                            .ok();
                        std::fs::metadata(&target).map(|m| m.len()).ok() != want
                    }
                    Job::Resize { .. } => !target.exists(),
                }
            })
            .collect();
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .min(8);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let errors = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((out, job)) = todo.get(i) else { break };
                        if let Err(e) = self.run(job, &out_dir.join(out), &cache) {
                            errors
                                .lock()
                                .expect("errors")
                                .push(format!("{}: {e}", out.display()));
                        }
                    }
                });
            }
        });
        let errors = errors.into_inner().expect("errors");
        if !errors.is_empty() {
            return Err(errors.join("; "));
        }
        self.save_index();
        Ok(jobs.into_iter().map(|(p, _)| p).collect())
    }

    fn run(&self, job: &Job, target: &Path, cache: &Path) -> Result<(), String> {
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        match job {
            Job::Copy(src) => {
                std::fs::copy(self.course_dir.join(src), target).map_err(|e| e.to_string())?;
            }
            Job::Resize {
                src,
                hash,
                width,
                height,
            } => {
                let ext = src
                    .extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or("png")
                    .to_ascii_lowercase();
                let cached = cache.join(format!("{hash}-{width}.{ext}"));
                if !cached.exists() {
                    let img = image::open(self.course_dir.join(src)).map_err(|e| e.to_string())?;
                    let small =
                        img.resize_exact(*width, *height, image::imageops::FilterType::Triangle);
                    std::fs::create_dir_all(cache).map_err(|e| e.to_string())?;
                    let tmp = cache.join(format!("{hash}-{width}.tmp.{ext}"));
                    let mut buf = Vec::new();
                    if ext == "png" {
                        small
                            .write_to(&mut std::io::Cursor::new(&mut buf), image::ImageFormat::Png)
                            .map_err(|e| e.to_string())?;
                    } else {
                        let rgb = small.to_rgb8();
                        let mut enc =
                            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, 82);
                        enc.encode_image(&rgb).map_err(|e| e.to_string())?;
                    }
                    std::fs::write(&tmp, &buf).map_err(|e| e.to_string())?;
                    std::fs::rename(&tmp, &cached).map_err(|e| e.to_string())?;
                }
                std::fs::copy(&cached, target).map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    fn save_index(&self) {
        let s = self.state.lock().expect("media state");
        if !s.index_dirty {
            return;
        }
        let dir = self.course_dir.join(CACHE_DIR);
        if std::fs::create_dir_all(&dir).is_ok() {
            // Best effort: a cache that cannot be written only makes the next build slower.
            let _ = std::fs::write(dir.join(".gitignore"), "*\n");
            if let Ok(json) = serde_json::to_vec(&s.index) {
                let _ = std::fs::write(dir.join("index.json"), json);
            }
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
