//! Mangled sources give diagnostics, never a panic: generated damage to a lesson and to
//! course.toml, from a fixed seed so a failure can be replayed.

use crate::support::Fixture;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

pub(crate) const NOISE: &[&str] = &[
    ":::",
    "::: question",
    "::: bank x",
    "- [x] ",
    "  > ",
    "answer: ",
    "{{ ",
    "}}",
    "{{> ",
    "](",
    "![",
    "#",
    "|",
    "\n",
    "---",
    "é",
    "🙂",
    "`",
    "```",
    "[!NOTE]",
    "->",
    "1. ",
    "tolerance: -",
    "%",
    "\\",
    "<script>",
    "&",
    "\u{feff}",
];

fn mangle(rng: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..(1 + rng.next() % 8) {
        if chars.is_empty() {
            break;
        }
        let i = (rng.next() as usize) % chars.len();
        match rng.next() % 3 {
            0 => {
                let noise = NOISE[(rng.next() as usize) % NOISE.len()];
                for (k, c) in noise.chars().enumerate() {
                    chars.insert(i + k, c);
                }
            }
            1 => {
                chars.remove(i);
            }
            _ => chars.truncate(i),
        }
    }
    chars.into_iter().collect()
}

#[test]
fn mangled_courses_are_reported_not_crashed_on() {
    let f = Fixture::new("minimal");
    let lesson = f.read("lessons/first.md");
    let toml = f.read("course.toml");
    let mut rng = Rng(2026);
    for round in 0..300 {
        f.write("lessons/first.md", mangle(&mut rng, &lesson));
        if round % 3 == 0 {
            f.write("course.toml", mangle(&mut rng, &toml));
        } else {
            f.write("course.toml", &toml);
        }
        let dir = f.path().to_path_buf();
        let result = std::panic::catch_unwind(|| {
            authoring::check(&dir, &authoring::BuildOptions::default())
        });
        assert!(
            result.is_ok(),
            "round {round} panicked on:\n{}\n---\n{}",
            f.read("lessons/first.md"),
            f.read("course.toml")
        );
    }
}

mod properties {
    //! Property tests (proptest) of the course loader: any lesson text and any
    //! course.toml give diagnostics, never a panic. Failures shrink to a small input.

    use std::path::Path;

    use proptest::prelude::*;

    use super::NOISE;
    use crate::support::Fixture;

    /// Text built from the format's own tokens and arbitrary characters, so the cases
    /// reach the parsers' corners rather than stopping at the first unknown character.
    fn source_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            3 => proptest::sample::select(NOISE).prop_map(str::to_string),
            1 => "\\PC{0,12}",
            1 => proptest::sample::select(&["\n", "::: details x\n", "::: tabs\n::: tab A\n", "%", "%e9", "%é", "%€", "%aé", "{{> a }}\n", "{{> b }}\n", "{{> ../x }}\n", "[l](%€.md)", "![i](%aé.png)"][..]).prop_map(str::to_string),
        ];
        proptest::collection::vec(piece, 0..60).prop_map(|p| p.concat())
    }

    fn toml_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            2 => proptest::sample::select(&[
                "id = \"a\"\n", "title = ", "[theme]\n", "[[modules]]\n", "lessons = [", "]", "\"",
                "\"\"\"\n", "=", "\n", "[", "minutes = ", "30", "2026-01-01", "{", "}", ",",
                "rule = \"both\"\n", "[completion]\n", "pass_mark = 500\n", "é", "#",
            ][..]).prop_map(str::to_string),
            1 => "\\PC{0,10}",
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn any_lesson_parses_to_blocks_or_diagnostics(text in source_text(), snippet in source_text()) {
            // Snippets that include each other and arbitrary text, so expansion is reached.
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir(dir.path().join("snippets")).unwrap();
            std::fs::write(dir.path().join("snippets/a.md"), format!("{snippet}\n{{{{> b }}}}\n")).unwrap();
            std::fs::write(dir.path().join("snippets/b.md"), format!("{{{{> a }}}}\n{snippet}")).unwrap();
            let snippets = authoring::blocks::Snippets { course_dir: dir.path() };
            let mut d = authoring::Diagnostics::default();
            let _ = authoring::source::parse_lesson(&text, Path::new("lessons/x.md"), 0, &snippets, &mut d);
        }

        #[test]
        fn any_course_toml_parses_or_says_why(text in toml_text()) {
            let mut d = authoring::Diagnostics::default();
            let parsed = authoring::config::parse(&text, &mut d);
            // A course.toml that does not parse always says why, with a position.
            if parsed.is_none() {
                prop_assert!(d.has_errors());
                prop_assert!(d.iter().all(|d| d.position.line >= 1));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn any_lesson_in_a_whole_course_checks_without_a_panic(text in source_text()) {
            let f = Fixture::new("minimal");
            f.write("lessons/first.md", format!("---\ntitle: T\n---\n{text}"));
            let diags = authoring::check(f.path(), &authoring::BuildOptions::default());
            // Rendering the report reads the files back: it must not panic either.
            let _ = diags.render(f.path());
        }
    }
}
