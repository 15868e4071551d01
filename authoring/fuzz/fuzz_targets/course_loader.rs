//! A whole course from arbitrary bytes: the input is split at the first NUL byte into
//! `course.toml` and one lesson, written to a fresh folder, and checked as `course check`
//! would. Any panic is a defect.
#![no_main]

use libfuzzer_sys::fuzz_target;

const MODULES: &str = "\n[[modules]]\ntitle = \"M\"\nlessons = [\"lessons/a.md\"]\n";

fuzz_target!(|data: &[u8]| {
    let (toml, lesson) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"id = \"f\"\ntitle = \"F\"\nversion = \"1\"\n[governance]\nauthor = \"a\"\n"[..], data),
    };
    let Ok(dir) = tempfile::tempdir() else { return };
    let mut toml = toml.to_vec();
    toml.extend_from_slice(MODULES.as_bytes());
    let _ = std::fs::create_dir(dir.path().join("lessons"));
    let _ = std::fs::write(dir.path().join("course.toml"), &toml);
    let _ = std::fs::write(dir.path().join("lessons/a.md"), lesson);
    let diags = authoring::check(dir.path(), &authoring::BuildOptions::default());
    let _ = diags.render(dir.path());
});
