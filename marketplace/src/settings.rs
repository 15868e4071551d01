//! The service's settings: defaults, then an optional TOML file, then `MARKETPLACE_*`
//! environment variables (`MARKETPLACE_DATABASE_URL`, `MARKETPLACE_PORT`, ...). Secrets
//! are wrapped so that `Debug` and logs never show them.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A value that must never be printed: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The value itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "[empty]"
        } else {
            "[redacted]"
        })
    }
}

/// Everything the service can be told.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the database and the local storage live when nothing else is said.
    pub data_dir: PathBuf,
    /// `sqlite://path` or `postgres://…`; empty means `marketplace.db` in `data_dir`.
    /// A secret: a PostgreSQL URL can hold a password.
    pub database_url: Secret,
    /// The folder that keeps files (logos, packages); empty means `storage` in
    /// `data_dir`.
    pub storage_dir: PathBuf,
    pub host: IpAddr,
    /// 0 lets the system choose.
    pub port: u16,
    /// The address people use, for links in e-mails (`https://learning.example.nhs.uk`).
    pub public_url: String,
    /// Mark session cookies `Secure` (on by default; the demo on plain HTTP turns it off).
    pub secure_cookies: bool,
    /// How long a session lasts without use, in hours.
    pub session_hours: u32,
    /// Failed sign-ins allowed per account, and per address, in `throttle_minutes`.
    pub throttle_failures: u32,
    pub throttle_minutes: u32,
    /// The argon2id memory cost in KiB (19456, OWASP's minimum, by default).
    pub argon2_memory_kib: u32,
    /// SMTP for e-mail (`smtp://user:pass@host:587`); empty keeps mail in the outbox page.
    pub smtp_url: Secret,
    pub mail_from: String,
    /// The largest request body accepted, in bytes (package uploads aside).
    pub max_body_bytes: usize,
    /// The largest package upload, in bytes; it streams to disk, never to memory.
    pub max_package_bytes: u64,
    /// The largest catalogue upload (a zip of packages and their list), in bytes.
    pub max_catalogue_bytes: u64,
    /// The most files a package may hold, the largest one, and their largest total
    /// size unpacked.
    pub max_package_entries: usize,
    pub max_package_entry_bytes: u64,
    pub max_package_unpacked_bytes: u64,
    /// How long one upload may take to arrive, and one import to unpack, in seconds.
    pub upload_timeout_secs: u64,
    pub import_time_limit_secs: u64,
    /// Markdown courses built on the server: how many builds run at once in this
    /// process (0: none here, another instance builds), the largest zip of sources, and
    /// each build's limits: wall-clock seconds, CPU seconds and memory (address space)
    /// in MiB.
    pub build_workers: usize,
    pub max_course_source_bytes: u64,
    pub build_time_limit_secs: u64,
    pub build_memory_mib: u64,
    /// The program that builds a course (this service's own binary, run as
    /// `marketplace build-course`); empty means the running program itself.
    pub builder_program: PathBuf,
    /// The content origin: where uploaded packages are served from, a host name (or at
    /// least a port) of their own that never sees the portal's cookies. `content_url`
    /// is its address as browsers reach it (`https://content.learning.example.nhs.uk`);
    /// empty means `http://localhost:<content_port>`, which on this computer is another
    /// host than `127.0.0.1`, where the portal runs. `content_port`: where this process
    /// serves it (0 lets the system choose).
    pub content_url: String,
    pub content_port: u16,
    /// How long a preview's access to a package's files lasts, in minutes.
    pub preview_minutes: u32,
    /// How long a launch of the player may go on saving progress, in hours.
    pub player_hours: u32,
    /// How long every commit is kept as received, in days (each attempt's current state
    /// is kept for good).
    pub commit_log_days: u32,
    /// S3-compatible object storage instead of the local folder: `s3://bucket` or
    /// `s3://bucket/prefix`. Where it is and the keys to it; what is left empty comes
    /// from the usual `AWS_*` environment variables. The secret is never printed.
    pub storage_url: String,
    pub s3_endpoint: String,
    pub s3_region: String,
    pub s3_access_key_id: String,
    pub s3_secret_access_key: Secret,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("marketplace-data"),
            database_url: Secret::default(),
            storage_dir: PathBuf::new(),
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            public_url: String::new(),
            secure_cookies: true,
            session_hours: 12,
            throttle_failures: 5,
            throttle_minutes: 15,
            argon2_memory_kib: 19_456,
            smtp_url: Secret::default(),
            mail_from: "NHS learning portal <no-reply@localhost>".into(),
            max_body_bytes: 2 * 1024 * 1024,
            max_package_bytes: 2 << 30,
            max_catalogue_bytes: 16 << 30,
            max_package_entries: 20_000,
            max_package_entry_bytes: 1 << 30,
            max_package_unpacked_bytes: 4 << 30,
            upload_timeout_secs: 3600,
            import_time_limit_secs: 600,
            build_workers: 1,
            max_course_source_bytes: 512 << 20,
            build_time_limit_secs: 300,
            build_memory_mib: 2048,
            builder_program: PathBuf::new(),
            content_url: String::new(),
            content_port: 8081,
            preview_minutes: 120,
            player_hours: 12,
            commit_log_days: 90,
            storage_url: String::new(),
            s3_endpoint: String::new(),
            s3_region: String::new(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: Secret::default(),
        }
    }
}

/// Why the settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read the settings file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the settings file {path} is not valid: {message}")]
    File { path: PathBuf, message: String },
    #[error("{name} is not valid: {message}")]
    Env { name: String, message: String },
}

impl Settings {
    /// Defaults, then `file` if given, then the environment (`vars`, normally
    /// `std::env::vars()`).
    pub fn load(
        file: Option<&Path>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, SettingsError> {
        let mut table = toml::Table::new();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            table = text
                .parse()
                .map_err(|e: toml::de::Error| SettingsError::File {
                    path: path.to_path_buf(),
                    message: e.message().to_string(),
                })?;
        }
        let settings: Settings =
            table
                .clone()
                .try_into()
                .map_err(|e: toml::de::Error| SettingsError::File {
                    path: file.map(Path::to_path_buf).unwrap_or_default(),
                    message: e.message().to_string(),
                })?;
        let mut settings = settings;
        for (name, value) in vars {
            let Some(key) = name.strip_prefix("MARKETPLACE_") else {
                continue;
            };
            settings
                .set(&key.to_ascii_lowercase(), &value)
                .map_err(|message| SettingsError::Env {
                    name: name.clone(),
                    message,
                })?;
        }
        Ok(settings)
    }

    /// Sets one setting from text, as an environment variable gives it.
    fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        fn parse<T: std::str::FromStr>(v: &str) -> Result<T, String>
        where
            T::Err: fmt::Display,
        {
            v.trim().parse().map_err(|e: T::Err| e.to_string())
        }
        match key {
            "data_dir" => self.data_dir = PathBuf::from(value),
            "database_url" => self.database_url = Secret::new(value),
            "storage_dir" => self.storage_dir = PathBuf::from(value),
            "host" => self.host = parse(value)?,
            "port" => self.port = parse(value)?,
            "public_url" => self.public_url = value.to_string(),
            "secure_cookies" => self.secure_cookies = parse(value)?,
            "session_hours" => self.session_hours = parse(value)?,
            "throttle_failures" => self.throttle_failures = parse(value)?,
            "throttle_minutes" => self.throttle_minutes = parse(value)?,
            "argon2_memory_kib" => self.argon2_memory_kib = parse(value)?,
            "smtp_url" => self.smtp_url = Secret::new(value),
            "mail_from" => self.mail_from = value.to_string(),
            "max_body_bytes" => self.max_body_bytes = parse(value)?,
            "max_package_bytes" => self.max_package_bytes = parse(value)?,
            "max_catalogue_bytes" => self.max_catalogue_bytes = parse(value)?,
            "max_package_entries" => self.max_package_entries = parse(value)?,
            "max_package_entry_bytes" => self.max_package_entry_bytes = parse(value)?,
            "max_package_unpacked_bytes" => self.max_package_unpacked_bytes = parse(value)?,
            "upload_timeout_secs" => self.upload_timeout_secs = parse(value)?,
            "import_time_limit_secs" => self.import_time_limit_secs = parse(value)?,
            "build_workers" => self.build_workers = parse(value)?,
            "max_course_source_bytes" => self.max_course_source_bytes = parse(value)?,
            "build_time_limit_secs" => self.build_time_limit_secs = parse(value)?,
            "build_memory_mib" => self.build_memory_mib = parse(value)?,
            "builder_program" => self.builder_program = PathBuf::from(value),
            "content_url" => self.content_url = value.to_string(),
            "content_port" => self.content_port = parse(value)?,
            "preview_minutes" => self.preview_minutes = parse(value)?,
            "player_hours" => self.player_hours = parse(value)?,
            "commit_log_days" => self.commit_log_days = parse(value)?,
            "storage_url" => self.storage_url = value.to_string(),
            "s3_endpoint" => self.s3_endpoint = value.to_string(),
            "s3_region" => self.s3_region = value.to_string(),
            "s3_access_key_id" => self.s3_access_key_id = value.to_string(),
            "s3_secret_access_key" => self.s3_secret_access_key = Secret::new(value),
            // Variables the service does not know (for example one for a later version)
            // are not an error, so that one environment can serve several versions.
            _ => {}
        }
        Ok(())
    }

    /// The content origin's address, without a trailing `/`.
    pub fn content_base(&self) -> String {
        let configured = self.content_url.trim_end_matches('/');
        if configured.is_empty() {
            format!("http://localhost:{}", self.content_port)
        } else {
            configured.to_string()
        }
    }

    /// The portal's own address, without a trailing `/`: `public_url`, or the address it
    /// listens on.
    pub fn portal_base(&self) -> String {
        let configured = self.public_url.trim_end_matches('/');
        if configured.is_empty() {
            format!("http://{}", std::net::SocketAddr::new(self.host, self.port))
        } else {
            configured.to_string()
        }
    }

    /// The folder that keeps files: the one given, or `storage` in the data folder.
    pub fn storage_dir(&self) -> PathBuf {
        if self.storage_dir.as_os_str().is_empty() {
            self.data_dir.join("storage")
        } else {
            self.storage_dir.clone()
        }
    }

    /// The limits a package is inspected and unpacked under.
    pub fn package_limits(&self) -> packager::inspect::Limits {
        packager::inspect::Limits {
            max_entries: self.max_package_entries,
            max_entry_bytes: self.max_package_entry_bytes,
            max_total_bytes: self.max_package_unpacked_bytes,
            ..packager::inspect::Limits::default()
        }
    }

    /// The database to use: the URL given, or SQLite in the data folder.
    pub fn database(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}",
                self.data_dir.join("marketplace.db").display()
            )
        } else {
            self.database_url.expose().to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_then_file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("marketplace.toml");
        std::fs::write(&file, "port = 9000\nsession_hours = 4\n").unwrap();
        let s = Settings::load(
            Some(&file),
            vars(&[("MARKETPLACE_PORT", "0"), ("OTHER_PORT", "1")]),
        )
        .unwrap();
        assert_eq!(s.port, 0, "the environment wins");
        assert_eq!(s.session_hours, 4, "the file beats the default");
        assert_eq!(s.throttle_failures, 5);
    }

    #[test]
    fn secrets_are_never_printed() {
        let s = Settings::load(
            None,
            vars(&[(
                "MARKETPLACE_DATABASE_URL",
                "postgres://app:hunter2@db/portal",
            )]),
        )
        .unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("[redacted]"));
        assert_eq!(s.database(), "postgres://app:hunter2@db/portal");
    }

    #[test]
    fn bad_values_are_named() {
        let e = Settings::load(None, vars(&[("MARKETPLACE_PORT", "eighty")])).unwrap_err();
        assert!(e.to_string().contains("MARKETPLACE_PORT"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.toml");
        std::fs::write(&file, "prot = 1\n").unwrap();
        let e = Settings::load(Some(&file), vars(&[])).unwrap_err();
        assert!(e.to_string().contains("prot"), "{e}");
    }
}
