//! Any bytes as imsmanifest.xml, against a small package: the manifest reader must
//! refuse or report, never panic, and the report must render.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use packager::inspect::inspect_manifest;

fuzz_target!(|data: &[u8]| {
    let files: BTreeMap<String, u64> = ["imsmanifest.xml", "index.html", "content/a b.html", "é.html"]
        .iter()
        .map(|f| (f.to_string(), 1))
        .collect();
    if let Ok(report) = inspect_manifest(data, &files) {
        let text = report.to_string();
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
    }
});
