//! One lesson's text, in memory: front matter, `:::` sections and snippets. Fast, so it
//! reaches deep nesting and odd bytes quickly. Any panic is a defect.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let dir = std::env::temp_dir().join("authoring-fuzz-no-snippets");
    let snippets = authoring::blocks::Snippets { course_dir: &dir };
    let mut diags = authoring::Diagnostics::default();
    let _ = authoring::source::parse_lesson(
        text,
        std::path::Path::new("lessons/a.md"),
        0,
        &snippets,
        &mut diags,
    );
    let _ = authoring::config::parse(text, &mut diags);
});
