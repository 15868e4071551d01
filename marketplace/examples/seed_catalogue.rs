//! Seeds a database with a large catalogue for `bench/catalogue.sh`: N published,
//! listed courses of one vendor with varied titles, topics, summaries, prices and
//! lengths, all on one stored package (the benchmark measures search, not storage).
//!
//! Usage: `seed_catalogue DATABASE_URL [COURSES]` (default 10,000).

use marketplace::model::OrgKind;
use marketplace::store::{Listing, NewPackage, Store};

const SUBJECTS: &[&str] = &[
    "fire safety",
    "hand hygiene",
    "safeguarding adults",
    "safeguarding children",
    "sepsis",
    "dementia care",
    "moving and handling",
    "information governance",
    "basic life support",
    "medicines management",
    "insulin safety",
    "blood transfusion",
    "conflict resolution",
    "infection prevention",
    "falls prevention",
    "pressure ulcers",
    "nutrition",
    "end of life care",
    "mental capacity",
    "duty of candour",
    "equality and diversity",
    "display screen equipment",
    "learning disability",
    "autism awareness",
    "consent",
    "record keeping",
    "venepuncture",
    "catheter care",
    "wound care",
    "oxygen therapy",
];
const LEVELS: &[&str] = &[
    "an introduction",
    "level 1",
    "level 2",
    "level 3",
    "refresher",
    "for managers",
    "in practice",
    "for students",
];
const AUDIENCES: &[&str] = &[
    "all staff",
    "nurses",
    "doctors",
    "healthcare assistants",
    "porters",
    "midwives",
    "allied health professionals",
    "administrative staff",
];
const WORDS: &[&str] = &[
    "patients",
    "wards",
    "recognise",
    "respond",
    "escalate",
    "policy",
    "law",
    "practice",
    "safety",
    "risk",
    "teams",
    "community",
    "hospital",
    "assessment",
    "communication",
    "documentation",
    "evidence",
    "quality",
    "prevention",
    "treatment",
    "signs",
    "symptoms",
    "families",
    "carers",
];

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: seed_catalogue DATABASE_URL [COURSES]"))?;
    let n: usize = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(10_000);
    let store = Store::connect(&url).await?;
    let org = store
        .create_org("bench-vendor", "Bench Learning Ltd", OrgKind::Vendor)
        .await?;
    let package = store
        .finish_import(&NewPackage {
            sha256: "0".repeat(64),
            scorm_version: "2004 3rd Edition".into(),
            title: "Bench".into(),
            launch: "index.html".into(),
            sco_count: 1,
            file_count: 1,
            unpacked_bytes: 1,
            zip_bytes: 1,
            inspection: "{}".into(),
        })
        .await?;
    for i in 0..n {
        let subject = SUBJECTS[i % SUBJECTS.len()];
        let level = LEVELS[(i / SUBJECTS.len()) % LEVELS.len()];
        let audience = AUDIENCES[(i * 7) % AUDIENCES.len()];
        let summary: Vec<&str> = (0..30)
            .map(|k| WORDS[(i * 31 + k * 7) % WORDS.len()])
            .collect();
        let listing = Listing {
            title: format!("{} {level} ({})", capitalise(subject), i + 1),
            summary: format!("{}: {}.", capitalise(subject), summary.join(" ")),
            topics: format!(
                "{subject}, {}",
                if i % 3 == 0 {
                    "mandatory"
                } else {
                    "clinical skills"
                }
            ),
            audience: audience.into(),
            duration_minutes: Some(10 + (i % 12) as i32 * 10),
            language: "en-GB".into(),
            accessibility_notes: String::new(),
            price_pence: (i % 5) as i64 * 500,
            licence_months: Some(12),
            review_by: None,
        };
        let course = store
            .create_course(org.id, Some(&format!("B-{i}")), &listing, package.id)
            .await?;
        store
            .update_listing(org.id, course.id, &listing, true)
            .await?;
        store.publish_version(org.id, course.id, 1).await?;
    }
    store.refresh_statistics().await?;
    println!("seeded {n} courses");
    Ok(())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
