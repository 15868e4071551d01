//! The demo's content: a vendor catalogue of varied courses (small SCORM 1.2 and 2004
//! packages made here, each a real SCO that reports completion), and the third-party
//! "golf" packages of the conformance kit when it sits beside the workspace. It goes in
//! through the same catalogue upload vendors use.

use std::collections::BTreeMap;
use std::path::Path;

use crate::content::bulk;
use crate::state::AppState;

/// The vendor catalogue: title, topics, audience, minutes, price in pence, SCORM 2004?
const COURSES: &[(&str, &str, &str, i32, i64, bool)] = &[
    (
        "Fire safety awareness",
        "fire safety, mandatory",
        "All staff",
        30,
        0,
        false,
    ),
    (
        "Fire warden training",
        "fire safety",
        "Fire wardens",
        90,
        2500,
        true,
    ),
    (
        "Infection prevention and control level 1",
        "infection control, mandatory",
        "Non-clinical staff",
        30,
        0,
        false,
    ),
    (
        "Infection prevention and control level 2",
        "infection control, mandatory",
        "Clinical staff",
        60,
        900,
        true,
    ),
    (
        "Hand hygiene in practice",
        "infection control, hygiene",
        "Clinical staff",
        20,
        0,
        false,
    ),
    (
        "Safeguarding adults level 1",
        "safeguarding, mandatory",
        "All staff",
        30,
        0,
        false,
    ),
    (
        "Safeguarding adults level 2",
        "safeguarding",
        "Clinical staff",
        60,
        1200,
        true,
    ),
    (
        "Safeguarding children level 2",
        "safeguarding, children",
        "Clinical staff",
        60,
        1200,
        true,
    ),
    (
        "Moving and handling people",
        "manual handling, mandatory",
        "Clinical staff",
        45,
        750,
        false,
    ),
    (
        "Moving and handling loads",
        "manual handling",
        "Estates and facilities",
        30,
        500,
        false,
    ),
    (
        "Basic life support, adults",
        "resuscitation",
        "All clinical staff",
        40,
        1500,
        true,
    ),
    (
        "Paediatric basic life support",
        "resuscitation, children",
        "Paediatric staff",
        40,
        1500,
        true,
    ),
    (
        "Information governance and data security",
        "information governance, mandatory",
        "All staff",
        45,
        0,
        false,
    ),
    (
        "Equality, diversity and human rights",
        "equality, mandatory",
        "All staff",
        30,
        0,
        false,
    ),
    (
        "Conflict resolution",
        "conflict resolution, mandatory",
        "Patient-facing staff",
        45,
        600,
        false,
    ),
    (
        "Preventing radicalisation",
        "safeguarding, prevent",
        "All staff",
        30,
        0,
        true,
    ),
    (
        "Sepsis: recognise, respond, refer",
        "sepsis, deterioration",
        "Nurses and doctors",
        50,
        1800,
        true,
    ),
    (
        "NEWS2: recognising the deteriorating patient",
        "deterioration, observations",
        "Nurses and healthcare assistants",
        40,
        1500,
        true,
    ),
    (
        "Medicines management for nurses",
        "medicines, safety",
        "Registered nurses",
        75,
        2200,
        true,
    ),
    (
        "Insulin safety",
        "medicines, diabetes",
        "Nurses",
        35,
        900,
        false,
    ),
    (
        "Blood transfusion: safe practice",
        "transfusion, safety",
        "Clinical staff",
        45,
        1100,
        true,
    ),
    ("Dementia awareness", "dementia", "All staff", 30, 0, false),
    (
        "Learning disability and autism (Oliver McGowan tier 1)",
        "learning disability, autism, mandatory",
        "All staff",
        90,
        0,
        true,
    ),
    (
        "Mental capacity act in practice",
        "mental capacity, law",
        "Clinical staff",
        60,
        1300,
        true,
    ),
    (
        "Duty of candour",
        "law, patient safety",
        "All staff",
        25,
        400,
        false,
    ),
    (
        "Health and safety at work",
        "health and safety, mandatory",
        "All staff",
        30,
        0,
        false,
    ),
    (
        "Display screen equipment",
        "health and safety",
        "Office staff",
        20,
        300,
        false,
    ),
    (
        "Falls prevention on wards",
        "falls, patient safety",
        "Ward staff",
        35,
        800,
        false,
    ),
    (
        "Pressure ulcer prevention",
        "pressure ulcers, tissue viability",
        "Nurses and healthcare assistants",
        40,
        900,
        true,
    ),
    (
        "Nutrition and hydration",
        "nutrition, patient care",
        "Ward staff",
        30,
        600,
        false,
    ),
    (
        "End of life care: the last days",
        "end of life, palliative care",
        "Clinical staff",
        60,
        1600,
        true,
    ),
    (
        "Welsh language awareness / Ymwybyddiaeth o'r Gymraeg",
        "language, Wales",
        "Staff in Wales",
        20,
        0,
        false,
    ),
];

/// A small package: one SCO page that finds the LMS, reports its title as read when
/// the learner presses the button, and finishes.
pub fn package(title: &str, scorm2004: bool) -> Vec<u8> {
    let escaped = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;");
    let manifest = if scorm2004 {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="demo" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 3rd Edition</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>{escaped}</title>
    <item identifier="item" identifierref="sco"><title>{escaped}</title></item></organization></organizations>
  <resources><resource identifier="sco" type="webcontent" adlcp:scormType="sco" href="index.html"><file href="index.html"/></resource></resources>
</manifest>"#
        )
    } else {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="demo" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>{escaped}</title>
    <item identifier="item" identifierref="sco"><title>{escaped}</title></item></organization></organizations>
  <resources><resource identifier="sco" type="webcontent" adlcp:scormtype="sco" href="index.html"><file href="index.html"/></resource></resources>
</manifest>"#
        )
    };
    let (api, start, done, finish) = if scorm2004 {
        (
            "API_1484_11",
            "Initialize",
            "SetValue('cmi.completion_status','completed')",
            "Terminate",
        )
    } else {
        (
            "API",
            "LMSInitialize",
            "LMSSetValue('cmi.core.lesson_status','completed')",
            "LMSFinish",
        )
    };
    let page = format!(
        r#"<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{escaped}</title></head>
<body><main><h1>{escaped}</h1>
<p>A demonstration course from ClearPath Learning. Read this page, then mark it as done.</p>
<button type="button" id="done">I have read this</button><p id="said" role="status"></p></main>
<script>
function find(w) {{ for (var i = 0; w && i < 10; i++) {{ if (w.{api}) return w.{api}; if (w.parent === w) break; w = w.parent; }} return (window.opener && window.opener.{api}) || null; }}
var lms = find(window); if (lms) lms.{start}('');
document.getElementById('done').onclick = function () {{
  if (lms) {{ lms.{done}; lms.{finish}(''); }}
  document.getElementById('said').textContent = 'Recorded as done.';
}};
</script></body></html>"#
    );
    let files = BTreeMap::from([
        ("imsmanifest.xml".to_string(), manifest.into_bytes()),
        ("index.html".to_string(), page.into_bytes()),
    ]);
    packager::archive::write_zip(&files).unwrap_or_default()
}

/// Puts the demo's catalogue into `publisher`'s vendor `slug`: the generated courses and
/// whatever golf packages are in `golf`. Returns the upload's report.
pub async fn content(
    state: &AppState,
    slug: &str,
    publisher: &str,
    golf: Option<&Path>,
) -> anyhow::Result<bulk::Report> {
    let (org, actor) = org_and_person(state, slug, publisher).await?;
    let mut csv = String::from(
        "course_id,title,summary,topics,audience,duration,language,accessibility_notes,price_pence,licence_months,package\n",
    );
    let mut files = BTreeMap::new();
    for (i, (title, topics, audience, minutes, pence, v2004)) in COURSES.iter().enumerate() {
        let name = format!("packages/cp{i:03}.zip");
        let language = if title.contains("Cymraeg") {
            "cy-GB"
        } else {
            "en-GB"
        };
        csv.push_str(&format!(
            "CP-{i:03},\"{title}\",\"{title}: what you need to know and do, in plain English, with a short check at the end.\",\"{topics}\",{audience},{minutes},{language},\"Works with a keyboard and screen readers; transcripts for all audio.\",{pence},12,{name}\n"
        ));
        files.insert(name, package(title, *v2004));
    }
    if let Some(dir) = golf {
        let mut found: Vec<_> = std::fs::read_dir(dir)?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "zip"))
            .collect();
        found.sort();
        for path in found {
            let stem = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            let name = format!("golf/{stem}.zip");
            csv.push_str(&format!(
                "GOLF-{stem},\"Golf explained ({})\",\"A third-party sample package from ADL's conformance kit: {stem}.\",\"golf, sample packages\",Anyone,15,en-GB,,0,,{name}\n",
                stem.replace('_', ", ")
            ));
            files.insert(name, std::fs::read(&path)?);
        }
    }
    files.insert("catalogue.csv".into(), csv.into_bytes());
    let zip = packager::archive::write_zip(&files)?;
    let dir = state.settings.data_dir.join("uploads");
    let received = tokio::task::spawn_blocking(move || {
        crate::content::import::receive_blocking(&mut zip.as_slice(), &dir)
    })
    .await??;
    Ok(bulk::run(state, &org, actor, &received).await?)
}

/// A course folder as the zip a training team would upload: every file under `dir`,
/// without what a build leaves (`_site`, `_packages`, `.course-cache`).
pub fn zip_course_folder(dir: &Path) -> anyhow::Result<Vec<u8>> {
    let mut files = BTreeMap::new();
    let skip = |e: &walkdir::DirEntry| {
        let name = e.file_name().to_string_lossy();
        e.depth() == 1 && matches!(name.as_ref(), "_site" | "_packages" | ".course-cache")
    };
    for entry in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !skip(e))
    {
        let entry = entry?;
        if entry.file_type().is_file() {
            let name = entry
                .path()
                .strip_prefix(dir)?
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.insert(name, std::fs::read(entry.path())?);
        }
    }
    Ok(packager::archive::write_zip(&files)?)
}

/// Builds the sample courses in `dir` (each folder with a `course.toml`) from their
/// sources for the trust `slug`, as its training manager `uploader` would: each upload
/// a build job, run here and now, then published for the trust's own staff. Returns
/// the titles built.
pub async fn sample_courses(
    state: &AppState,
    slug: &str,
    uploader: &str,
    dir: &Path,
) -> anyhow::Result<Vec<String>> {
    use crate::content::builds;
    let (org, actor) = org_and_person(state, slug, uploader).await?;
    let mut folders: Vec<_> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("course.toml").is_file())
        .collect();
    folders.sort();
    let mut ids = Vec::new();
    for folder in folders {
        let zip = zip_course_folder(&folder)?;
        let uploads = state.settings.data_dir.join("uploads");
        let received = tokio::task::spawn_blocking(move || {
            crate::content::import::receive_blocking(&mut zip.as_slice(), &uploads)
        })
        .await??;
        let name = format!(
            "{}.zip",
            folder.file_name().unwrap_or_default().to_string_lossy()
        );
        let id = builds::enqueue(
            state,
            &org,
            actor,
            None,
            packager::Format::Scorm2004,
            &name,
            &received,
        )
        .await?;
        ids.push(id);
    }
    while builds::run_next(state).await? {}
    let mut titles = Vec::new();
    for id in ids {
        let build = state
            .store
            .build(org.id, id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("build {id} is missing"))?;
        match (build.course_id, build.version) {
            (Some(course), Some(version)) if build.status == "succeeded" => {
                state.store.publish_version(org.id, course, version).await?;
                titles.push(build.message);
            }
            _ => anyhow::bail!(
                "the sample course {} did not build: {}\n{}",
                build.source_name,
                build.message,
                build.diagnostics
            ),
        }
    }
    Ok(titles)
}

/// The organisation `slug` and the id of the account `email`, which the demo made.
async fn org_and_person(
    state: &AppState,
    slug: &str,
    email: &str,
) -> anyhow::Result<(crate::model::Organisation, i64)> {
    let org = state
        .store
        .org_by_slug(slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no organisation {slug}"))?;
    let person = state
        .store
        .user_by_email(email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account {email}"))?;
    Ok((org, person.id))
}

/// Enrols the people of `slug` on its published courses by `manager`, with a due date,
/// and plays some of them through the player's own session and commit code: a fifth not
/// started, a fifth half-way (suspended), two fifths passed and a fifth failed. The
/// nurse and the porter keep one course not started, to try the player on. Returns how
/// many enrolments it made.
pub async fn learners(state: &AppState, slug: &str, manager: &str) -> anyhow::Result<usize> {
    use crate::tracking::CommitBody;
    let (org, actor) = org_and_person(state, slug, manager).await?;
    let mut courses = Vec::new();
    for c in state.store.courses_of(org.id).await? {
        let published = state
            .store
            .versions(org.id, c.id)
            .await?
            .into_iter()
            .filter(|v| v.published_at.is_some())
            .max_by_key(|v| v.number);
        if let Some(v) = published {
            courses.push((c.id, v.id));
        }
    }
    if courses.is_empty() {
        return Ok(0);
    }
    let today = time::OffsetDateTime::now_utc().date();
    let mut made = 0;
    let mut after = 0;
    let mut i = 0usize;
    loop {
        let page = state.store.member_records(org.id, after, 200).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for person in page {
            let keep_fresh =
                person.email.starts_with("nurse@") || person.email.starts_with("porter@");
            for (k, (course, version)) in courses.iter().enumerate() {
                let due =
                    today + time::Duration::days(14 + 7 * (i as i64 % 8) - 21 * (k as i64 % 2));
                let due = format!(
                    "{:04}-{:02}-{:02}",
                    due.year(),
                    u8::from(due.month()),
                    due.day()
                );
                let (enrolment, new) = state
                    .store
                    .enrol(
                        org.id,
                        person.id,
                        *course,
                        "assigned",
                        Some(actor),
                        Some(&due),
                    )
                    .await?;
                if !new {
                    continue;
                }
                made += 1;
                let fate = if keep_fresh && k == 0 { 0 } else { (i + k) % 5 };
                if fate == 0 {
                    continue;
                }
                state.store.pin_version(enrolment, *version).await?;
                let play = crate::player::play_of_enrolment(state, enrolment)
                    .await
                    .map_err(|_| anyhow::anyhow!("enrolment {enrolment} cannot be played"))?;
                let is12 = crate::tracking::api_version(&play.package.package.scorm_version)
                    == packager::cmi::Version::Scorm12;
                for part in 1..=play.parts.len() {
                    let begun = crate::player::begin_session(state, &play, part).await?;
                    let minutes = 5 + (i % 20);
                    let sets: Vec<(&str, String)> = match (fate, is12) {
                        (1, false) => vec![
                            ("cmi.completion_status", "incomplete".into()),
                            ("cmi.progress_measure", "0.5".into()),
                            ("cmi.exit", "suspend".into()),
                            ("cmi.session_time", format!("PT{minutes}M")),
                        ],
                        (1, true) => vec![
                            ("cmi.core.lesson_status", "incomplete".into()),
                            ("cmi.core.exit", "suspend".into()),
                            ("cmi.core.session_time", format!("00:{minutes:02}:00")),
                        ],
                        (4, false) => vec![
                            ("cmi.completion_status", "completed".into()),
                            ("cmi.success_status", "failed".into()),
                            ("cmi.score.scaled", "0.4".into()),
                            ("cmi.session_time", format!("PT{minutes}M")),
                        ],
                        (4, true) => vec![
                            ("cmi.core.lesson_status", "failed".into()),
                            ("cmi.core.score.raw", "40".into()),
                            ("cmi.core.session_time", format!("00:{minutes:02}:00")),
                        ],
                        (_, false) => vec![
                            ("cmi.completion_status", "completed".into()),
                            ("cmi.success_status", "passed".into()),
                            ("cmi.score.scaled", format!("0.{}", 80 + i % 20)),
                            ("cmi.session_time", format!("PT{minutes}M")),
                        ],
                        (_, true) => vec![
                            ("cmi.core.lesson_status", "passed".into()),
                            ("cmi.core.score.raw", format!("{}", 80 + i % 20)),
                            ("cmi.core.session_time", format!("00:{minutes:02}:00")),
                        ],
                    };
                    let commit = CommitBody {
                        session: begun.session,
                        sco: part,
                        seq: 1,
                        sets: sets.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                        end: true,
                    };
                    match crate::player::apply_commit(state, &play, &commit, "demo").await {
                        Ok(_) => {}
                        Err(e) => anyhow::bail!("the demo's progress was refused: {e:?}"),
                    }
                }
            }
            i += 1;
        }
    }
    Ok(made)
}
