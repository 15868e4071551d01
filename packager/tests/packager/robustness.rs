//! Malformed and hostile input never panics: thousands of generated calls and manifests,
//! from a fixed seed so a failure can be replayed.

use std::io::{Cursor, Write as _};

use packager::cmi::{Runtime, Version};
use packager::inspect::{Limits, inspect_zip};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const PIECES: &[&str] = &[
    "cmi",
    "adl",
    "core",
    "interactions",
    "objectives",
    "0",
    "1",
    "99",
    "_count",
    "_children",
    "_version",
    "id",
    "type",
    "learner_response",
    "correct_responses",
    "pattern",
    "score",
    "scaled",
    "raw",
    "session_time",
    "timestamp",
    "exit",
    "lesson_status",
    "nav",
    "request",
    "",
    "é",
    "{target=x}",
    "..",
    "-1",
    "n",
];
const VALUES: &[&str] = &[
    "",
    "0",
    "-1",
    "1.5",
    "1e3",
    "PT1H",
    "P",
    "00:00:05",
    "2026-11-29T10:05:30+é:0",
    "true",
    "a[,]b",
    "a[.]b",
    "1[:]",
    "[:]",
    "{lang=en}x",
    "{lang=",
    "{case_matters=true}",
    "suspend",
    "choice",
    "numeric",
    "matching",
    "é🙂",
    "\u{0}",
    "99999999999999999999",
    "passed",
    "{target=a}choice",
];

#[test]
fn the_runtime_never_panics_on_any_call() {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    for version in [Version::Scorm12, Version::Scorm2004] {
        for _ in 0..300 {
            let mut rt = Runtime::new(version);
            for _ in 0..40 {
                let parts = 1 + rng.next() % 5;
                let element: Vec<&str> = (0..parts).map(|_| rng.pick(PIECES)).collect();
                let element = element.join(".");
                let value = rng.pick(VALUES);
                match rng.next() % 8 {
                    0 => {
                        rt.initialize(if rng.next().is_multiple_of(5) {
                            "x"
                        } else {
                            ""
                        });
                    }
                    1 => {
                        rt.terminate("");
                    }
                    2 => {
                        rt.commit("");
                    }
                    3 | 4 => {
                        rt.get_value(&element);
                    }
                    _ => {
                        rt.set_value(&element, value);
                    }
                }
                let code = rt.last_error();
                assert!(
                    code == "0" || !rt.error_string(&code).is_empty(),
                    "every error code has a description: {code}"
                );
            }
            let _ = rt.next_session();
        }
    }
}

#[test]
fn the_inspector_never_panics_on_mangled_manifests() {
    let base = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/conformance/samples/valid/scorm2004-4th-minimal.xml"),
    )
    .unwrap();
    let mut rng = Rng(42);
    for round in 0..400 {
        let mut bytes = base.as_bytes().to_vec();
        for _ in 0..(1 + rng.next() % 6) {
            if bytes.is_empty() {
                break;
            }
            let i = (rng.next() as usize) % bytes.len();
            match rng.next() % 4 {
                0 => bytes[i] = (rng.next() % 256) as u8,
                1 => {
                    bytes.remove(i);
                }
                2 => bytes.insert(i, b"<>&\"'/=;"[(rng.next() % 8) as usize]),
                _ => bytes.truncate(i.max(1)),
            }
        }
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        z.start_file("imsmanifest.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(&bytes).unwrap();
        let zip = z.finish().unwrap().into_inner();
        let result = std::panic::catch_unwind(|| inspect_zip(Cursor::new(zip), &Limits::default()));
        assert!(
            result.is_ok(),
            "round {round} panicked on {:?}",
            String::from_utf8_lossy(&bytes)
        );
    }
}
