//! Rendered HTML (snapshots), reproducible output, and what a built course must not contain.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::Fixture;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

fn content_of(html: &str) -> &str {
    let start = html
        .find("<div class=\"course-lesson__content\">")
        .expect("content");
    let end = html[start..]
        .find("<div class=\"course-status\"")
        .expect("end")
        + start;
    &html[start..end]
}

#[test]
fn lesson_html_snapshot() {
    let f = Fixture::new("minimal");
    f.course(&["build"]).assert_ok();
    insta::assert_snapshot!(
        "first_lesson_content",
        content_of(&f.read("_site/first.html"))
    );
    insta::assert_snapshot!("quiz_page", f.read("_site/quiz.html"));
}

#[test]
fn every_construct_snapshot() {
    let f = Fixture::new("minimal");
    f.write("media/clip.mp4", b"video bytes");
    f.write(
        "media/clip.en.vtt",
        "WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n",
    );
    f.write("media/talk.mp3", b"audio bytes");
    f.write("files/policy.pdf", b"%PDF-1.4 policy");
    f.write(
        "snippets/contact.md",
        "Call {{ trust_name }} on [0113 000 0000](tel:01130000000).\n",
    );
    f.write(
        "lessons/second.md",
        r#"---
title: Second page
---

## Details

> [!WARNING]
> Never wedge fire doors open.

| Extinguisher | Use on |
| --- | --- |
| Water | Paper, wood |

::: details What about oil?
Use a wet chemical extinguisher.
:::

::: tabs
::: tab Adults
Adult text.
:::
::: tab Children
Child text.
:::
:::

::: video ../media/clip.mp4
captions: ../media/clip.en.vtt
title: A short clip

The transcript.
:::

::: audio ../media/talk.mp3
The audio transcript.
:::

Download [the policy](../files/policy.pdf).

{{> contact }}

::: question multiple #multi
Which are extinguishers?

- [x] Water
- [x] Foam
- [ ] Sand bucket
  > Sand is not an extinguisher.
:::

::: question fill-in #fill
Name the gel.

answer: Hand rub | Alcohol gel
:::

::: question numeric #num
How many moments?

answer: 5
:::

::: question matching #match
Match them.

- Water -> Paper
- CO2 -> Electrical
:::

::: question ordering #order
Order them.

1. Raise the alarm
2. Leave
:::
"#,
    );
    let run = f.course(&["build"]);
    run.assert_ok();
    insta::assert_snapshot!("every_construct", content_of(&f.read("_site/second.html")));
}

#[test]
fn same_sources_give_byte_identical_output() {
    let a = Fixture::sample("hand-hygiene");
    let b = Fixture::sample("hand-hygiene");
    a.course(&["build", "-o", "out"]).assert_ok();
    b.course(&["build", "-o", "out"]).assert_ok();
    let (fa, fb) = (files(&a.path().join("out")), files(&b.path().join("out")));
    assert!(fa.len() > 10);
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (k, v) in &fa {
        assert!(v == &fb[k], "{k} differs between builds");
    }
    // And a rebuild from the cache gives the same bytes as the cold build.
    a.course(&["build", "-o", "out2"]).assert_ok();
    assert_eq!(fa, files(&a.path().join("out2")));
}

#[test]
fn the_answer_key_is_not_in_the_page_in_plain_text() {
    let f = Fixture::new("minimal");
    f.edit(
        "lessons/first.md",
        "- [x] Right",
        "- [x] Right\n  > Unmistakable-feedback-text",
    );
    f.course(&["build"]).assert_ok();
    let html = f.read("_site/first.html");
    assert!(!html.contains("Unmistakable-feedback-text"));
    assert!(!html.contains("\"correct\""));
    let key = html
        .split("class=\"course-question__key\">\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let plain = authoring::questions::decode_key("first-q", key).unwrap();
    assert!(plain.contains("Unmistakable-feedback-text"), "{plain}");
}

#[test]
fn large_images_are_scaled_to_the_largest_size_shown() {
    let f = Fixture::new("minimal");
    let img = image::RgbImage::from_pixel(2000, 1000, image::Rgb([10, 20, 30]));
    img.save(f.path().join("media/square.png")).unwrap();
    f.course(&["build"]).assert_ok();
    let html = f.read("_site/first.html");
    assert!(html.contains("width=\"1280\" height=\"640\""), "{html}");
    let out = std::fs::read_dir(f.path().join("_site/media"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(image::image_dimensions(&out).unwrap(), (1280, 640));
}
