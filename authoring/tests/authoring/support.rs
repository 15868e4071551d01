//! Fixture courses copied into temporary folders, and the real `course` binary run on them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The date the tests treat as today, so review-date checks do not drift.
pub const TODAY: &str = "2026-11-29";

/// An example of this crate, built up to date (a test run on its own, `--test authoring`,
/// would otherwise find an old build, or none).
fn example_binary(name: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "-p", "authoring", "--example", name])
        .current_dir(workspace_root())
        .status()
        .expect("run cargo");
    assert!(status.success(), "cannot build the example {name}");
    let exe = std::env::current_exe().expect("test binary");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps")
        .join("examples")
        .join(name)
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// A course in a temporary folder, to change and build without touching the sources.
pub struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Fixture {
    /// A copy of `authoring/tests/fixtures/NAME`.
    pub fn new(name: &str) -> Self {
        Self::copy_of(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name),
        )
    }

    /// A copy of `sample-courses/NAME`.
    pub fn sample(name: &str) -> Self {
        Self::copy_of(&workspace_root().join("sample-courses").join(name))
    }

    /// The benchmark's generated course (`authoring/examples/generate_bench_course.rs`),
    /// made with the generator's `args` (`--lessons 200 --images 0`).
    pub fn generated(args: &[&str]) -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("generated");
        let out = Command::new(example_binary("generate_bench_course"))
            .arg(&dir)
            .args(args)
            .output()
            .expect("run the course generator");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self { _tmp: tmp, dir }
    }

    fn copy_of(src: &Path) -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join(src.file_name().expect("name"));
        for e in walkdir::WalkDir::new(src) {
            let e = e.expect("walk");
            let rel = e.path().strip_prefix(src).expect("inside");
            if rel
                .components()
                .any(|c| c.as_os_str() == "_site" || c.as_os_str() == ".course-cache")
            {
                continue;
            }
            let to = dir.join(rel);
            if e.file_type().is_dir() {
                std::fs::create_dir_all(&to).expect("mkdir");
            } else {
                std::fs::copy(e.path(), &to).expect("copy");
            }
        }
        Self { _tmp: tmp, dir }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> &Self {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, content).expect("write");
        self
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.join(rel)).expect("read")
    }

    /// Replaces the first `from` in a file with `to`; the text must be there.
    pub fn edit(&self, rel: &str, from: &str, to: &str) -> &Self {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} does not contain {from:?}");
        self.write(rel, text.replacen(from, to, 1))
    }

    /// Runs `course ARGS` in the fixture's folder.
    pub fn course(&self, args: &[&str]) -> Run {
        run_in(&self.dir, args)
    }
}

pub fn course_command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_course"));
    c.env("COURSE_TODAY", TODAY).env_remove("COURSE_LOG");
    c
}

pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = course_command()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run course");
    Run::from(out)
}

/// What a run of the binary printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Self {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Asserts a diagnostic `code` at `file:line` whose message contains `message`.
    /// The printed diagnostics, one block each (`error[code]: …`, `--> file:line:col`, …).
    pub fn diagnostics(&self) -> Vec<String> {
        let mut blocks = Vec::new();
        let mut cur = String::new();
        for line in self.stderr.lines() {
            if line.starts_with("error[") || line.starts_with("warning[") {
                if !cur.is_empty() {
                    blocks.push(std::mem::take(&mut cur));
                }
            } else if cur.is_empty() {
                continue;
            }
            cur.push_str(line);
            cur.push('\n');
        }
        if !cur.is_empty() {
            blocks.push(cur);
        }
        blocks
    }

    /// Asserts a diagnostic `code` at `file:line` whose text contains `message`.
    pub fn assert_diagnostic(&self, code: &str, file: &str, line: usize, message: &str) {
        let wanted = format!("--> {file}:{line}:");
        let found = self.diagnostics().iter().any(|b| {
            let first = b.lines().next().unwrap_or("");
            first.contains(&format!("[{code}]: ")) && b.contains(message) && b.contains(&wanted)
        });
        assert!(
            found,
            "expected [{code}] at {file}:{line} containing {message:?}; stderr was:\n{}",
            self.stderr
        );
    }

    pub fn assert_ok(&self) {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
    }
}

/// A running `course serve`, stopped when dropped.
pub struct Server {
    child: std::process::Child,
    pub url: String,
}

impl Server {
    pub fn start(course_dir: &Path) -> Self {
        use std::io::BufRead as _;
        let mut child = course_command()
            .args(["serve", "--port", "0"])
            .arg(course_dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start course serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read");
        let start = line
            .find("http://")
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        let url = line[start..]
            .split_whitespace()
            .next()
            .expect("url")
            .to_string();
        Self { child, url }
    }

    /// A client for a server another `Server` started (for use from another thread).
    pub fn probe(url: &str) -> Probe {
        Probe {
            url: url.to_string(),
        }
    }

    /// GET a path, returning the status code and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        Self::probe(&self.url).get(path)
    }
}

/// An HTTP client of a running preview.
pub struct Probe {
    url: String,
}

impl Probe {
    /// GET a path, returning the status code and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        use std::io::{Read as _, Write as _};
        let hostport = self.url.trim_start_matches("http://").trim_end_matches('/');
        let mut s = std::net::TcpStream::connect(hostport).expect("connect");
        s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .expect("timeout");
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).expect("read");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
