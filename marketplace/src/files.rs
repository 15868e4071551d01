//! The files the service keeps beside its database: organisations' logos, course
//! packages and their unpacked files, builds' sources. One interface over object storage
//! (the `object_store` crate): a local folder by default (`storage` in the data folder),
//! or an S3-compatible bucket (`storage_url`) that several instances share.
//!
//! Keys are relative paths (`logos/<sha-256>.png`); a file is written whole or not at
//! all (the local store writes to a temporary file and renames it).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use axum::body::Bytes;
use futures_util::TryStreamExt as _;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use crate::settings::Settings;

/// Files larger than this are stored in parts of this size.
pub const PART_BYTES: usize = 8 << 20;

/// What went wrong with stored files.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("cannot open the storage at {place}: {reason}")]
    Open { place: String, reason: String },
    #[error("`{0}` is not a storage key")]
    BadKey(String),
    #[error("reading {0}: {1}")]
    Read(String, std::io::Error),
    #[error(transparent)]
    Store(#[from] object_store::Error),
}

/// Makes rustls with ring the process's TLS provider for HTTP clients (object storage's),
/// as the database's TLS uses: not aws-lc, a long C build on small machines. Ring is
/// deprecated in rustls for lacking post-quantum key exchange; storage traffic stays
/// inside the deployment's own network or cloud. A second call changes nothing.
pub fn install_tls_provider() {
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Where S3-compatible storage is and who the service is there; empty values come
/// from the environment.
#[derive(Debug, Clone, Default)]
pub struct S3 {
    /// The service's address, for storage other than Amazon's (`http://minio:9000`).
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// The service's file storage: cheap to clone.
#[derive(Clone, Debug)]
pub struct Files {
    inner: Arc<dyn ObjectStore>,
    /// The folder, when the storage is a local one: small files are read from it in one go.
    local: Option<Arc<std::path::PathBuf>>,
    /// Small files read lately, kept in memory: a package's files never change (its hash
    /// names them), and learners on one course ask for the same ones.
    recent: Arc<std::sync::Mutex<Recent>>,
}

/// Files kept in memory, up to a total size.
#[derive(Debug, Default)]
struct Recent {
    files: std::collections::HashMap<String, Bytes>,
    bytes: usize,
}

/// How much of the files read lately is kept in memory.
const RECENT_BYTES: usize = 64 * 1024 * 1024;

impl Files {
    /// The storage the settings name: S3-compatible object storage when `storage_url`
    /// is `s3://bucket[/prefix]`, else the local folder `storage_dir` (or `storage` in
    /// the data folder).
    pub fn open(settings: &Settings) -> Result<Self, FilesError> {
        let url = settings.storage_url.trim();
        if url.is_empty() {
            return Self::local(&settings.storage_dir());
        }
        Self::s3(
            url,
            &S3 {
                endpoint: settings.s3_endpoint.clone(),
                region: settings.s3_region.clone(),
                access_key_id: settings.s3_access_key_id.clone(),
                secret_access_key: settings.s3_secret_access_key.expose().to_string(),
            },
        )
    }

    /// A bucket of S3-compatible object storage, at `url` (`s3://bucket` or
    /// `s3://bucket/prefix`). What `options` leaves empty comes from the usual `AWS_*`
    /// environment variables (or the instance's role).
    pub fn s3(url: &str, options: &S3) -> Result<Self, FilesError> {
        let open = |reason: String| FilesError::Open {
            place: url.to_string(),
            reason,
        };
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| open("give it as s3://bucket or s3://bucket/prefix".into()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(open("name the bucket: s3://bucket".into()));
        }
        install_tls_provider();
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if !options.endpoint.is_empty() {
            builder = builder
                .with_endpoint(&options.endpoint)
                .with_allow_http(options.endpoint.starts_with("http://"));
        }
        if !options.region.is_empty() {
            builder = builder.with_region(&options.region);
        }
        if !options.access_key_id.is_empty() {
            builder = builder
                .with_access_key_id(&options.access_key_id)
                .with_secret_access_key(&options.secret_access_key);
        }
        let store = builder.build().map_err(|e| open(e.to_string()))?;
        let prefix = prefix.trim_matches('/');
        let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(store)
        } else {
            let prefix = object_store::path::Path::parse(prefix)
                .map_err(|e| open(format!("the prefix: {e}")))?;
            Arc::new(PrefixStore::new(store, prefix))
        };
        Ok(Self {
            inner,
            local: None,
            recent: Arc::default(),
        })
    }

    /// A local folder, created if it is missing.
    pub fn local(dir: &Path) -> Result<Self, FilesError> {
        let open = |e: &dyn std::fmt::Display| FilesError::Open {
            place: dir.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(|e| open(&e))?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| open(&e))?
            .with_automatic_cleanup(true);
        Ok(Self {
            inner: Arc::new(store),
            local: Some(Arc::new(dir.to_path_buf())),
            recent: Arc::default(),
        })
    }

    /// The whole file under `key` in one read, when the storage is a local folder and the
    /// file is at most `max` bytes: the fast way to serve a package's many small files.
    /// `None` when it is not (then stream it).
    pub async fn small_file(&self, key: &str, max: u64) -> Option<Bytes> {
        let dir = self.local.as_ref()?;
        if let Some(b) = self
            .recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .files
            .get(key)
        {
            return Some(b.clone());
        }
        let path = dir.join(Self::path(key).ok()?.as_ref());
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || {
            // Only regular files inside the folder: the key was checked, this is twice sure.
            let meta = std::fs::symlink_metadata(&path).ok()?;
            if !meta.is_file() || meta.len() > max || !path.starts_with(dir.as_path()) {
                return None;
            }
            std::fs::read(&path).ok().map(Bytes::from)
        })
        .await
        .ok()
        .flatten()
        .inspect(|b| {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            if recent.bytes + b.len() > RECENT_BYTES {
                recent.files.clear();
                recent.bytes = 0;
            }
            recent.bytes += b.len();
            recent.files.insert(key.to_string(), b.clone());
        })
    }

    fn path(key: &str) -> Result<object_store::path::Path, FilesError> {
        // `parse` refuses `..`, empty segments and other ways out of the prefix.
        object_store::path::Path::parse(key)
            .ok()
            .filter(|p| p.as_ref() == key && !key.is_empty())
            .ok_or_else(|| FilesError::BadKey(key.to_string()))
    }

    /// Stores `bytes` under `key`, replacing what was there.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), FilesError> {
        self.inner
            .put(&Self::path(key)?, PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    /// The file under `key`, or `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, FilesError> {
        match self.inner.get(&Self::path(key)?).await {
            Ok(found) => Ok(Some(found.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The file under `key` as a stream of chunks, with its size, or `None` when there
    /// is none: for serving large files without holding them in memory.
    pub async fn get_stream(
        &self,
        key: &str,
    ) -> Result<
        Option<(
            u64,
            impl futures_util::Stream<Item = Result<Bytes, object_store::Error>> + use<>,
        )>,
        FilesError,
    > {
        match self.inner.get(&Self::path(key)?).await {
            Ok(found) => Ok(Some((found.meta.size, found.into_stream()))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The size of the file under `key`, or `None` when there is none.
    pub async fn size(&self, key: &str) -> Result<Option<u64>, FilesError> {
        match self.inner.head(&Self::path(key)?).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Bytes `range` of the file under `key`, as a stream of chunks.
    pub async fn get_range_stream(
        &self,
        key: &str,
        range: std::ops::Range<u64>,
    ) -> Result<
        impl futures_util::Stream<Item = Result<Bytes, object_store::Error>> + use<>,
        FilesError,
    > {
        let options = object_store::GetOptions {
            range: Some(object_store::GetRange::Bounded(range)),
            ..Default::default()
        };
        Ok(self
            .inner
            .get_opts(&Self::path(key)?, options)
            .await?
            .into_stream())
    }

    /// Copies the file under `key` into a new local file at `to`, a chunk at a time:
    /// `false` when there is no such file.
    pub async fn get_to_file(&self, key: &str, to: &Path) -> Result<bool, FilesError> {
        let found = match self.inner.get(&Self::path(key)?).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        let local = |e| FilesError::Read(to.display().to_string(), e);
        let mut file = tokio::fs::File::create(to).await.map_err(local)?;
        let mut chunks = found.into_stream();
        while let Some(chunk) = chunks.try_next().await? {
            tokio::io::AsyncWriteExt::write_all(&mut file, &chunk)
                .await
                .map_err(local)?;
        }
        tokio::io::AsyncWriteExt::flush(&mut file)
            .await
            .map_err(local)?;
        Ok(true)
    }

    /// Stores what `reader` gives under `key`. Files over [`PART_BYTES`] go up in parts,
    /// a few at a time, so memory stays bounded whatever their size. Blocking: call it
    /// from a blocking thread; `runtime` is the runtime's handle.
    pub fn put_reader_blocking(
        &self,
        runtime: &tokio::runtime::Handle,
        key: &str,
        reader: &mut dyn Read,
    ) -> Result<(), FilesError> {
        let path = Self::path(key)?;
        let mut first = Vec::new();
        reader
            .take(PART_BYTES as u64 + 1)
            .read_to_end(&mut first)
            .map_err(|e| FilesError::Read(key.to_string(), e))?;
        if first.len() <= PART_BYTES {
            runtime.block_on(self.inner.put(&path, PutPayload::from(first)))?;
            return Ok(());
        }
        let _entered = runtime.enter();
        let upload = runtime.block_on(self.inner.put_multipart(&path))?;
        let mut parts = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        parts.write(&first);
        drop(first);
        let mut buf = vec![0; 1 << 20];
        let copied = loop {
            match reader.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    if let Err(e) = runtime.block_on(parts.wait_for_capacity(2)) {
                        break Err(FilesError::Store(e));
                    }
                    parts.write(&buf[..n]);
                }
                Err(e) => break Err(FilesError::Read(key.to_string(), e)),
            }
        };
        match copied {
            Ok(()) => {
                runtime.block_on(parts.finish())?;
                Ok(())
            }
            Err(e) => {
                let _ = runtime.block_on(parts.abort());
                Err(e)
            }
        }
    }

    /// The keys under `prefix` (a folder, such as `content`): the names one level below.
    pub async fn folders(&self, prefix: &str) -> Result<Vec<String>, FilesError> {
        let listed = self
            .inner
            .list_with_delimiter(Some(&Self::path(prefix)?))
            .await?;
        Ok(listed
            .common_prefixes
            .iter()
            .chain(listed.objects.iter().map(|o| &o.location))
            .filter_map(|p| p.filename().map(str::to_string))
            .collect())
    }

    /// Removes every file under the folder `prefix`.
    pub async fn delete_folder(&self, prefix: &str) -> Result<(), FilesError> {
        let prefix = Self::path(prefix)?;
        let keys: Vec<object_store::path::Path> = self
            .inner
            .list(Some(&prefix))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await?;
        for key in keys {
            match self.inner.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Removes the file under `key`; removing what is not there is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), FilesError> {
        match self.inner.delete(&Self::path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn files_are_kept_read_and_removed_and_keys_stay_inside() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::local(&dir.path().join("storage")).unwrap();
        files.put("logos/a.png", b"png".to_vec()).await.unwrap();
        assert_eq!(
            files.get("logos/a.png").await.unwrap().unwrap(),
            &b"png"[..]
        );
        assert!(dir.path().join("storage/logos/a.png").is_file());
        assert_eq!(files.get("logos/b.png").await.unwrap(), None);
        files.delete("logos/a.png").await.unwrap();
        files.delete("logos/a.png").await.unwrap();
        assert_eq!(files.get("logos/a.png").await.unwrap(), None);
        for bad in ["../escape", "/abs", "a//b", "", "a/../b"] {
            assert!(
                matches!(files.put(bad, vec![1]).await, Err(FilesError::BadKey(_))),
                "{bad}"
            );
        }
        assert!(!dir.path().join("escape").exists());
    }
}
