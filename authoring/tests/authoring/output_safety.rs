//! The compiler writes only its output: where `build` and `package` may write, what the
//! sweep of stale files may delete, and packaging from the course built in memory.

use crate::support::Fixture;

fn zips_in(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".zip"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn an_output_folder_inside_a_source_folder_is_refused_and_the_sources_stay() {
    let f = Fixture::new("minimal");
    let square = std::fs::read(f.path().join("media/square.png")).unwrap();
    for out in ["media/built", "media", "lessons/out", "snippets/x"] {
        for cmd in ["build", "package"] {
            let run = f.course(&[cmd, "-o", out]);
            assert_eq!(run.code, 1, "{cmd} -o {out}: {}", run.stderr);
            assert!(
                run.stderr.contains("refusing to write into")
                    && run.stderr.contains("holds the course's sources"),
                "{cmd} -o {out}: {}",
                run.stderr
            );
        }
    }
    assert!(!f.path().join("media/built").exists());
    assert!(!f.path().join("lessons/out").exists());
    assert_eq!(
        std::fs::read(f.path().join("media/square.png")).unwrap(),
        square
    );
    assert!(f.path().join("lessons/first.md").is_file());
    // Any other folder inside the course is fine.
    f.course(&["build", "-o", "_preview/web"]).assert_ok();
    assert!(f.path().join("_preview/web/index.html").is_file());
    f.course(&["package", "-o", "_zips"]).assert_ok();
    assert_eq!(zips_in(&f.path().join("_zips")).len(), 3);
}

#[test]
fn the_course_folder_itself_is_refused_as_output() {
    let f = Fixture::new("minimal");
    for args in [
        &["build", "-o", "."][..],
        &["build", "-o", "lessons/.."][..],
        &["package", "-o", "."][..],
    ] {
        let run = f.course(args);
        assert_eq!(run.code, 1, "{args:?}");
        assert!(
            run.stderr.contains("it is the course folder"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert!(zips_in(f.path()).is_empty());
    assert!(!f.path().join("index.html").exists());
}

#[test]
fn package_refuses_a_folder_that_contains_the_course_and_writes_nothing() {
    let f = Fixture::new("minimal");
    let parent = f.path().parent().unwrap().to_path_buf();
    let run = f.course(&["package", "-o", ".."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("it contains the course folder"),
        "{}",
        run.stderr
    );
    assert!(zips_in(&parent).is_empty(), "{:?}", zips_in(&parent));
    let run = f.course(&["package", "-o", "/"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("it contains the course folder"),
        "{}",
        run.stderr
    );
    let run = f.course(&["build", "-o", "/"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("it contains the course folder"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_sweep_leaves_files_it_did_not_write_alone() {
    let f = Fixture::new("minimal");
    f.course(&["build"]).assert_ok();
    assert!(f.path().join("_site/.course-build.json").is_file());
    f.write("_site/notes.txt", "the author's notes");
    f.write("_site/extra/keep.html", "<p>kept</p>");
    // A manifest that names files outside the output folder deletes none of them.
    f.write("victim.txt", "outside the output");
    let manifest = f.read("_site/.course-build.json");
    let tampered = manifest.replacen("\"files\": [", "\"files\": [\n    \"../victim.txt\",", 1);
    assert_ne!(manifest, tampered);
    f.write("_site/.course-build.json", tampered);
    f.edit("course.toml", "\"lessons/second.md\", ", "");
    f.edit("lessons/first.md", "second.md#details", "quiz.md");
    f.course(&["build"]).assert_ok();
    assert!(
        !f.path().join("_site/second.html").exists(),
        "stale page swept"
    );
    assert_eq!(f.read("_site/notes.txt"), "the author's notes");
    assert_eq!(f.read("_site/extra/keep.html"), "<p>kept</p>");
    assert_eq!(f.read("victim.txt"), "outside the output");
    let listed = f.read("_site/.course-build.json");
    assert!(listed.contains("\"first.html\""), "{listed}");
    assert!(
        !listed.contains("notes.txt") && !listed.contains("victim"),
        "{listed}"
    );
}

#[test]
fn package_prints_the_warnings_build_prints_and_deny_warnings_fails_it() {
    let f = Fixture::new("minimal");
    f.edit("lessons/first.md", "[the second page]", "[click here]");
    let run = f.course(&["package", "-o", "_pkgs"]);
    run.assert_ok();
    assert!(
        run.stderr.contains("warning[vague-link-text]"),
        "{}",
        run.stderr
    );
    assert_eq!(zips_in(&f.path().join("_pkgs")).len(), 3);
    let run = f.course(&["package", "-o", "_strict", "--deny-warnings"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error[vague-link-text]"),
        "{}",
        run.stderr
    );
    assert!(!f.path().join("_strict").exists());
}

#[test]
fn package_builds_in_memory_without_a_web_folder() {
    let f = Fixture::new("minimal");
    f.course(&["package", "--format", "web", "-o", "_pkgs"])
        .assert_ok();
    assert!(
        !f.path().join(".course-cache/package").exists(),
        "packaging wrote a web folder to read back"
    );
    assert!(!f.path().join("_site").exists());
    let zip = f
        .path()
        .join("_pkgs")
        .join(&zips_in(&f.path().join("_pkgs"))[0]);
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    assert!(names.iter().any(|n| n == "index.html"), "{names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("media/square-")),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n.contains("course-build")),
        "{names:?}"
    );
    let mut page = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("first.html").unwrap(), &mut page).unwrap();
    assert!(page.contains("Welcome to Example Trust."));
}

#[test]
fn the_library_refuses_unsafe_outputs_too() {
    use authoring::site::{self, BuildError, BuildOptions};
    let f = Fixture::new("minimal");
    let opts = BuildOptions {
        today: Some(time::macros::date!(2026 - 11 - 29)),
        ..BuildOptions::default()
    };
    match site::build(f.path(), &f.path().join("media/x"), &opts) {
        Err(BuildError::UnsafeOutput { reason, .. }) => {
            assert!(reason.contains("`media`"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    match authoring::packaging::package(
        f.path(),
        f.path().parent().unwrap(),
        &packager::Format::ALL,
        &opts,
    ) {
        Err(authoring::packaging::PackagingError::Build(BuildError::UnsafeOutput { .. })) => {}
        other => panic!("{other:?}"),
    }
}
