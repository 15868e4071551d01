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

const NOISE: &[&str] = &[
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
