//! The compiler reads only the course, and every image is decoded and size-checked at
//! `check`, with the source file and the lesson line named; cold builds run in parallel
//! without colliding in the image cache.

use std::time::{Duration, Instant};

use crate::support::Fixture;

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x ^ y) % 239) as u8])
    });
    let mut buf = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut buf), image::ImageFormat::Png)
        .unwrap();
    buf
}

fn jpeg(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x / 8) as u8 ^ seed as u8,
            (y / 6) as u8,
            ((x + y) / 14) as u8,
        ])
    });
    let mut buf = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut buf),
        image::ImageFormat::Jpeg,
    )
    .unwrap();
    buf
}

/// A PNG that is only a signature and a header claiming `w` × `h` pixels.
fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    // The header, then an empty data chunk: all a reader needs to measure the image.
    for (kind, data) in [(&b"IHDR"[..], &ihdr[..]), (b"IDAT", &[]), (b"IEND", &[])] {
        out.extend((data.len() as u32).to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend(data);
        out.extend(&chunk);
        out.extend(crc32(&chunk).to_be_bytes());
    }
    out
}

#[test]
fn a_truncated_png_fails_check_naming_the_file_and_the_line() {
    let f = Fixture::new("minimal");
    // Wide enough to be scaled, so `build` goes through the resizer too.
    let whole = png(2000, 120);
    f.write("media/square.png", &whole[..whole.len() * 2 / 3]);
    let run = f.course(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_diagnostic("missing-media", "lessons/first.md", 9, "square.png");
    assert!(run.stderr.contains("cannot be decoded"), "{}", run.stderr);
    let run = f.course(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_diagnostic("missing-media", "lessons/first.md", 9, "cannot be decoded");
    assert!(
        !run.stderr.contains("square-"),
        "names a generated file: {}",
        run.stderr
    );
    // The whole file is fine again, with no stale verdict cached.
    f.write("media/square.png", &whole);
    f.course(&["build"]).assert_ok();
}

#[test]
fn oversized_images_are_refused_from_their_header_before_decoding() {
    let f = Fixture::new("minimal");
    f.write("media/square.png", png_header_only(20_000, 20_000));
    let started = Instant::now();
    let run = f.course(&["check"]);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_diagnostic("missing-media", "lessons/first.md", 9, "20000×20000 pixels");
    assert!(run.stderr.contains("square.png"), "{}", run.stderr);
    // One side too long, or too many pixels in all.
    f.write("media/square.png", png_header_only(13_000, 100));
    f.course(&["check"]).assert_diagnostic(
        "missing-media",
        "lessons/first.md",
        9,
        "larger than a course may use",
    );
    f.write("media/square.png", png_header_only(8_000, 6_000));
    f.course(&["build"])
        .assert_diagnostic("missing-media", "lessons/first.md", 9, "40 megapixels");
}

#[test]
fn parallel_cold_builds_all_succeed() {
    let f = Fixture::new("minimal");
    let mut md = f.read("lessons/second.md");
    // Two names for the same content share one cache entry: the old race.
    let same = jpeg(1500, 900, 1);
    for i in 0..6u32 {
        let bytes = if i < 2 {
            same.clone()
        } else {
            jpeg(1500, 900, i)
        };
        f.write(&format!("media/photo-{i}.jpg"), bytes);
        md.push_str(&format!("\n![Photo {i}](../media/photo-{i}.jpg)\n"));
    }
    f.write("media/wide.png", png(1700, 300));
    f.write("media/wide-copy.png", png(1700, 300));
    md.push_str("\n![Wide](../media/wide.png)\n\n![Wide again](../media/wide-copy.png)\n");
    f.write("lessons/second.md", md);
    for round in 0..2 {
        let _ = std::fs::remove_dir_all(f.path().join(".course-cache"));
        let children: Vec<_> = (0..6)
            .map(|i| {
                crate::support::course_command()
                    .args(["build", "-o", &format!("_out{round}-{i}")])
                    .current_dir(f.path())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for (i, c) in children.into_iter().enumerate() {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "build {i} of round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let media = f.path().join(format!("_out{round}-{i}/media"));
            let mut scaled = 0;
            for e in std::fs::read_dir(&media).unwrap() {
                let p = e.unwrap().path();
                if p.to_string_lossy().contains("-1280.") {
                    scaled += 1;
                    let img = image::open(&p)
                        .unwrap_or_else(|e| panic!("{} is broken: {e}", p.display()));
                    assert_eq!(img.width(), 1280);
                }
            }
            assert_eq!(scaled, 8, "build {i} of round {round}");
        }
    }
    let leftovers: Vec<_> = walkdir::WalkDir::new(f.path().join(".course-cache"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[cfg(unix)]
mod links {
    use std::os::unix::fs::symlink;

    use crate::support::Fixture;

    /// A folder outside the course with a valid image and a secret.
    fn outside() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("square.png"), super::png(4, 3)).unwrap();
        std::fs::write(d.path().join("secret.pdf"), "%PDF outside the course").unwrap();
        d
    }

    #[test]
    fn a_symlinked_image_is_refused_with_the_lesson_line() {
        let out = outside();
        let f = Fixture::new("minimal");
        std::fs::remove_file(f.path().join("media/square.png")).unwrap();
        symlink(
            out.path().join("square.png"),
            f.path().join("media/square.png"),
        )
        .unwrap();
        let run = f.course(&["check", "--deny-warnings"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.assert_diagnostic("missing-media", "lessons/first.md", 9, "symbolic link");
        assert!(run.stderr.contains("media/square.png"), "{}", run.stderr);
        let run = f.course(&["package", "-o", "_pkgs"]);
        assert_eq!(run.code, 1);
        assert!(!f.path().join("_pkgs").exists());
    }

    #[test]
    fn a_symlinked_attachment_is_refused() {
        let out = outside();
        let f = Fixture::new("minimal");
        std::fs::create_dir_all(f.path().join("files")).unwrap();
        symlink(
            out.path().join("secret.pdf"),
            f.path().join("files/handout.pdf"),
        )
        .unwrap();
        f.edit(
            "lessons/second.md",
            "Read the",
            "Download [the handout](../files/handout.pdf).\n\nRead the",
        );
        let run = f.course(&["check"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.assert_diagnostic("broken-link", "lessons/second.md", 7, "symbolic link");
        let run = f.course(&["build"]);
        assert_eq!(run.code, 1);
        assert!(!f.path().join("_site").exists());
    }

    #[test]
    fn a_symlinked_media_folder_is_refused() {
        let out = outside();
        let f = Fixture::new("minimal");
        std::fs::remove_dir_all(f.path().join("media")).unwrap();
        symlink(out.path(), f.path().join("media")).unwrap();
        let run = f.course(&["check"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.assert_diagnostic(
            "missing-media",
            "lessons/first.md",
            9,
            "through the symbolic link `media`",
        );
        // A video's captions and the video itself go through the same gate.
        let f = Fixture::new("minimal");
        symlink(
            out.path().join("secret.pdf"),
            f.path().join("media/clip.mp4"),
        )
        .unwrap();
        f.edit(
            "lessons/second.md",
            "Read the",
            "::: video ../media/clip.mp4\n:::\n\nRead the",
        );
        let run = f.course(&["check"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    }
}
