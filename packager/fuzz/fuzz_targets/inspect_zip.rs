//! Any bytes as an uploaded package: the checked archive and the inspector must refuse
//! or accept, never panic, and never read or allocate without bound.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use packager::archive::{CheckedArchive, Limits};
use packager::inspect::inspect_zip;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(report) = inspect_zip(Cursor::new(data), &limits) {
        let _ = report.to_string();
    }
    if let Ok(mut archive) = CheckedArchive::open(Cursor::new(data), &limits) {
        let names: Vec<String> = archive.entries().iter().map(|e| e.name.clone()).collect();
        if archive.verify().is_ok() {
            for name in names {
                assert!(archive.read(&name).is_ok(), "a verified entry reads");
            }
        }
    }
});
