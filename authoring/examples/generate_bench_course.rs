//! Writes a large course for the build benchmark (`bench/build.sh`):
//! `generate_bench_course OUT [--lessons N] [--images N] [--questions N] [--assessment N]`.
//!
//! `--assessment N` adds a final assessment of N questions (three attempts) and makes the
//! completion rule "both", for the tracking tests.
//!
//! Lessons are realistic in size (headings, lists, a table, links, callouts); images are
//! phone-photo sized JPEGs and diagram-like PNGs, all wider than the course shows them,
//! so the build has to scale every one.

use std::fmt::Write as _;
use std::path::PathBuf;

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = PathBuf::from(
        args.first()
            .expect("usage: generate_bench_course OUT [--lessons N] [--images N] [--questions N] [--assessment N]"),
    );
    let lessons = arg(&args, "--lessons", 200);
    let images = arg(&args, "--images", 100);
    let questions = arg(&args, "--questions", 500);
    let assessment = arg(&args, "--assessment", 0);
    std::fs::create_dir_all(out.join("lessons"))?;
    std::fs::create_dir_all(out.join("media"))?;

    for i in 0..images {
        if i % 10 < 7 {
            // A noisy gradient compresses like a photo.
            let mut seed = 0x9e37_79b9_u32.wrapping_mul(i as u32 + 1);
            let img = image::RgbImage::from_fn(2000, 1500, |x, y| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let n = (seed & 0x1f) as u8;
                image::Rgb([(x / 8) as u8 ^ n, (y / 6) as u8 ^ n, ((x + y) / 14) as u8])
            });
            img.save(out.join(format!("media/photo-{i:03}.jpg")))
                .expect("jpeg");
        } else {
            let img = image::RgbImage::from_fn(1600, 1000, |x, y| {
                if (x / 100 + y / 100) % 2 == 0 {
                    image::Rgb([0, 94, 184])
                } else {
                    image::Rgb([240, 244, 245])
                }
            });
            img.save(out.join(format!("media/diagram-{i:03}.png")))
                .expect("png");
        }
    }

    let mut toml = String::from(
        "id = \"benchmark-course\"\ntitle = \"Benchmark course\"\nversion = \"1.0.0\"\nsummary = \"A generated course.\"\n\n[completion]\nrule = \"all-pages\"\n\n[governance]\nauthor = \"Benchmark\"\napprover = \"Benchmark\"\nreview_by = 2099-01-01\n\n[variables]\ntrust_name = \"Example Trust\"\n\n[glossary]\n\"Hand rub\" = \"Alcohol gel.\"\n\"Patient zone\" = \"The patient and their surroundings.\"\n\n[links]\nallow = [\"https://www.nhs.uk/\"]\n",
    );
    let per_module = 10;
    let mut q = 0;
    for m in 0..lessons.div_ceil(per_module) {
        let _ = write!(
            toml,
            "\n[[modules]]\ntitle = \"Module {}\"\nlessons = [",
            m + 1
        );
        let ids: Vec<String> = (m * per_module..((m + 1) * per_module).min(lessons))
            .map(|i| format!("\"lessons/lesson-{i:03}.md\""))
            .collect();
        toml.push_str(&ids.join(", "));
        toml.push_str("]\n");
    }
    if assessment > 0 {
        toml = toml.replace("rule = \"all-pages\"", "rule = \"both\"");
        toml.push_str(
            "\n[[modules]]\ntitle = \"Assessment\"\nlessons = [\"lessons/assessment.md\"]\n",
        );
        let mut md = String::from("---\ntitle: Assessment\ntype: assessment\nattempts: 3\n---\n\n");
        for a in 0..assessment {
            let _ = write!(
                md,
                "::: question single #a{a}\nAssessment question {a}: which is right?\n\n- [x] The right answer {a}\n- [ ] A wrong answer {a}\n- [ ] Another wrong answer {a}\n:::\n\n"
            );
        }
        std::fs::write(out.join("lessons/assessment.md"), md)?;
    }
    std::fs::write(out.join("course.toml"), toml)?;

    for i in 0..lessons {
        let mut md = format!(
            "---\ntitle: Lesson {i}\nminutes: 5\n---\n\nThis lesson from {{{{ trust_name }}}} covers topic {i}. Use hand rub in the patient zone.\n\n"
        );
        for s in 0..3 {
            let _ = write!(
                md,
                "## Section {s}\n\nParagraph {s} of lesson {i}. Staff should follow the guidance closely, check equipment before use, and record what they did. *Emphasis* and **strong** text appear here.\n\n- first point of section {s}\n- second point, with a [link to the NHS](https://www.nhs.uk/conditions/)\n- third point\n\n"
            );
        }
        md.push_str("| Item | Detail |\n| --- | --- |\n| One | First |\n| Two | Second |\n\n> [!NOTE]\n> Remember to report incidents.\n\n");
        if i + 1 < lessons {
            let _ = write!(
                md,
                "Continue to [the next lesson](lesson-{:03}.md#section-1).\n\n",
                i + 1
            );
        }
        if i < images {
            let name = if i % 10 < 7 {
                format!("photo-{i:03}.jpg")
            } else {
                format!("diagram-{i:03}.png")
            };
            let _ = write!(md, "![Illustration for lesson {i}](../media/{name})\n\n");
        }
        let here = questions / lessons + usize::from(i < questions % lessons);
        for _ in 0..here {
            let _ = write!(
                md,
                "::: question single #q{q}\nQuestion {q}: which is right?\n\n- [x] The right answer {q}\n  > Yes.\n- [ ] A wrong answer {q}\n  > No.\n- [ ] Another wrong answer {q}\n:::\n\n"
            );
            q += 1;
        }
        std::fs::write(out.join(format!("lessons/lesson-{i:03}.md")), md)?;
    }
    println!(
        "{} lessons, {} images, {} questions in {}",
        lessons,
        images,
        q,
        out.display()
    );
    Ok(())
}
