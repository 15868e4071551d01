//! What operators do from a shell, without the browser: create organisations and
//! people, add members with roles, issue API tokens; and the demo's realistic data. The
//! CLI and the demo call these; each checks its input as the pages do.

use crate::model::{OrgKind, Organisation, Role, User, is_slug, normalise_email};
use crate::secrets;
use crate::settings::Settings;
use crate::store::{Store, StoreError};

/// The scopes an API token can carry.
pub const SCOPES: &[&str] = &[
    "org:read",
    "members:read",
    "members:write",
    "courses:read",
    "courses:write",
    "enrolments:read",
    "enrolments:write",
    "tracking:read",
];

/// Why an operator command could not be done.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error("{0}")]
    Invalid(String),
    #[error("no organisation has the address `{0}`")]
    NoOrg(String),
    #[error("no account has the e-mail address `{0}`")]
    NoUser(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn create_org(
    store: &Store,
    slug: &str,
    name: &str,
    kind: OrgKind,
) -> Result<Organisation, OpsError> {
    if !is_slug(slug) {
        return Err(OpsError::Invalid(format!(
            "`{slug}` cannot be an address: use 2 to 60 lower-case letters, digits and single hyphens, such as leeds-teaching-hospitals"
        )));
    }
    if name.trim().is_empty() {
        return Err(OpsError::Invalid("the organisation needs a name".into()));
    }
    Ok(store.create_org(slug, name.trim(), kind).await?)
}

/// Creates an account; with a password, it must pass the password rules.
pub async fn create_user(
    store: &Store,
    settings: &Settings,
    email: &str,
    name: &str,
    password: Option<&str>,
) -> Result<User, OpsError> {
    let email = normalise_email(email)
        .ok_or_else(|| OpsError::Invalid(format!("`{email}` is not an e-mail address")))?;
    if name.trim().is_empty() {
        return Err(OpsError::Invalid("the person needs a name".into()));
    }
    let hash = match password {
        Some(p) => {
            if let Some(problem) = secrets::password_problem(p, &email, name) {
                return Err(OpsError::Invalid(problem));
            }
            Some(
                secrets::hash_password_in_background(p, settings.argon2_memory_kib)
                    .await
                    .map_err(OpsError::Invalid)?,
            )
        }
        None => None,
    };
    Ok(store
        .create_user(&email, name.trim(), hash.as_deref())
        .await?)
}

async fn org_and_user(
    store: &Store,
    slug: &str,
    email: &str,
) -> Result<(Organisation, User), OpsError> {
    let org = store
        .org_by_slug(slug)
        .await?
        .ok_or_else(|| OpsError::NoOrg(slug.into()))?;
    let email = normalise_email(email).unwrap_or_else(|| email.to_string());
    let user = store
        .user_by_email(&email)
        .await?
        .ok_or(OpsError::NoUser(email))?;
    Ok((org, user))
}

/// Adds a member with roles (running it again adds nothing twice); returns the roles
/// that were new.
pub async fn add_member(
    store: &Store,
    slug: &str,
    email: &str,
    roles: &[Role],
) -> Result<Vec<Role>, OpsError> {
    let (org, user) = org_and_user(store, slug, email).await?;
    if roles.contains(&Role::PlatformAdmin) && org.kind != OrgKind::Platform {
        return Err(OpsError::Invalid(
            "platform administrators belong to the platform organisation".into(),
        ));
    }
    let added = store.add_member(org.id, user.id, roles).await?;
    if !added.is_empty() {
        let names: Vec<&str> = added.iter().map(|r| r.as_str()).collect();
        store
            .audit(
                Some(org.id),
                None,
                "roles granted",
                &format!("{}: {}", user.email, names.join(", ")),
            )
            .await?;
    }
    Ok(added)
}

/// Issues an API token for a member of `slug`; returns the token, shown only once.
pub async fn create_token(
    store: &Store,
    slug: &str,
    email: &str,
    scopes: &[String],
) -> Result<String, OpsError> {
    if scopes.is_empty() {
        return Err(OpsError::Invalid(format!(
            "name at least one scope: {}",
            SCOPES.join(", ")
        )));
    }
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(OpsError::Invalid(format!(
            "`{bad}` is not a scope; the scopes are: {}",
            SCOPES.join(", ")
        )));
    }
    let (org, user) = org_and_user(store, slug, email).await?;
    if store.roles(org.id, user.id).await?.is_empty() {
        return Err(OpsError::Invalid(format!(
            "{} is not a member of {}",
            user.email, org.slug
        )));
    }
    let token = format!("mkt_{}", secrets::random_token());
    store
        .create_token(org.id, user.id, &secrets::token_hash(&token), scopes)
        .await?;
    store
        .audit(
            Some(org.id),
            Some(user.id),
            "API token issued",
            &scopes.join(" "),
        )
        .await?;
    Ok(token)
}

/// One of the demo's sign-ins.
#[derive(Debug, Clone)]
pub struct DemoPerson {
    pub email: &'static str,
    pub password: &'static str,
    pub who: &'static str,
}

/// One of the demo's people.
struct Seed {
    email: &'static str,
    name: &'static str,
    password: &'static str,
    org: &'static str,
    roles: &'static [Role],
    who: &'static str,
}

/// The demo's people.
const PEOPLE: &[Seed] = &[
    Seed {
        email: "admin@portal.example",
        name: "Priya Shah",
        password: "saffron tide harbour",
        org: "platform",
        roles: &[Role::PlatformAdmin],
        who: "platform administrator",
    },
    Seed {
        email: "org.admin@northshire.example",
        name: "Dafydd Evans",
        password: "copper lantern meadow",
        org: "northshire-teaching",
        roles: &[Role::OrgAdmin],
        who: "Northshire's organisation administrator",
    },
    Seed {
        email: "training@northshire.example",
        name: "Grace Okafor",
        password: "violet harbour kestrel",
        org: "northshire-teaching",
        roles: &[Role::TrainingManager],
        who: "Northshire's training manager",
    },
    Seed {
        email: "coach@northshire.example",
        name: "Tom Birch",
        password: "granite willow ember",
        org: "northshire-teaching",
        roles: &[Role::Coach],
        who: "Northshire's coach",
    },
    Seed {
        email: "nurse@northshire.example",
        name: "Aisha Rahman",
        password: "juniper canal falcon",
        org: "northshire-teaching",
        roles: &[Role::Learner],
        who: "a learner at Northshire (ward nurse)",
    },
    Seed {
        email: "porter@northshire.example",
        name: "Kieran Walsh",
        password: "hazel orbit thimble",
        org: "northshire-teaching",
        roles: &[Role::Learner],
        who: "a learner at Northshire (porter)",
    },
    Seed {
        email: "org.admin@dalesfield.example",
        name: "Megan Lloyd",
        password: "amber quill pebble",
        org: "dalesfield-community",
        roles: &[Role::OrgAdmin, Role::TrainingManager],
        who: "Dalesfield's administrator and training manager",
    },
    Seed {
        email: "carer@dalesfield.example",
        name: "Samuel Adeyemi",
        password: "cobalt meadow fennel",
        org: "dalesfield-community",
        roles: &[Role::Learner],
        who: "a learner at Dalesfield (district nurse)",
    },
    Seed {
        email: "publisher@clearpath.example",
        name: "Hannah Reid",
        password: "tundra violet spindle",
        org: "clearpath-learning",
        roles: &[Role::OrgAdmin, Role::VendorPublisher],
        who: "ClearPath Learning's publisher",
    },
];

/// Fills an empty store with the demo: the platform, a large acute trust, a community
/// trust and a vendor, and their people. Returns the sign-ins to print.
pub async fn demo_data(store: &Store, settings: &Settings) -> Result<Vec<DemoPerson>, OpsError> {
    let orgs = [
        (
            "platform",
            "NHS learning portal",
            OrgKind::Platform,
            None,
            "",
        ),
        (
            "northshire-teaching",
            "Northshire Teaching Hospitals NHS Foundation Trust",
            OrgKind::Trust,
            Some("#005eb8"),
            "**Mandatory training** is due by 31 March. Book time with your ward manager.\n\nFlu vaccinations are available in the staff hub every weekday.",
        ),
        (
            "dalesfield-community",
            "Dalesfield Community Health NHS Trust",
            OrgKind::Trust,
            Some("#00703c"),
            "New to the trust? Start with the **induction** courses.",
        ),
        (
            "clearpath-learning",
            "ClearPath Learning Ltd",
            OrgKind::Vendor,
            Some("#330072"),
            "",
        ),
    ];
    for (slug, name, kind, colour, messages) in orgs {
        let org = create_org(store, slug, name, kind).await?;
        store
            .update_branding(
                org.id,
                &crate::model::Branding {
                    name: name.into(),
                    primary_colour: colour.map(str::to_string),
                    key_messages: messages.into(),
                    contact: format!("learning@{slug}.example"),
                    accessibility_statement: String::new(),
                },
            )
            .await?;
    }
    // Hash the passwords in parallel: each takes tens of milliseconds.
    let mut hashing = tokio::task::JoinSet::new();
    for (i, seed) in PEOPLE.iter().enumerate() {
        let (kib, password) = (settings.argon2_memory_kib, seed.password);
        hashing.spawn_blocking(move || (i, secrets::hash_password(password, kib)));
    }
    let mut hashes = vec![String::new(); PEOPLE.len()];
    while let Some(done) = hashing.join_next().await {
        let (i, hash) = done.map_err(|e| OpsError::Invalid(e.to_string()))?;
        hashes[i] = hash.map_err(OpsError::Invalid)?;
    }
    let mut out = Vec::new();
    for (seed, hash) in PEOPLE.iter().zip(hashes) {
        store
            .create_user(seed.email, seed.name, Some(&hash))
            .await?;
        add_member(store, seed.org, seed.email, seed.roles).await?;
        out.push(DemoPerson {
            email: seed.email,
            password: seed.password,
            who: seed.who,
        });
    }
    let northshire = store
        .org_by_slug("northshire-teaching")
        .await?
        .ok_or(StoreError::NotFound)?;
    // The demo's staff are already on board: no welcome e-mails.
    crate::orgs::staff::import(
        store,
        &northshire,
        demo_staff(DEMO_STAFF).as_bytes(),
        true,
        None,
        None,
    )
    .await
    .map_err(|e| OpsError::Invalid(e.to_string()))?;
    Ok(out)
}

/// How many generated staff the demo's large trust has, besides its named people.
const DEMO_STAFF: usize = 150;

/// The large trust's HR extract: its named people in their departments, and `count`
/// more staff across wards and teams, each with a line manager and a start date.
fn demo_staff(count: usize) -> String {
    const FIRST: [&str; 20] = [
        "Amara", "Ben", "Chloe", "Deepak", "Ellie", "Femi", "Grace", "Harry", "Isla", "Jamal",
        "Katie", "Liam", "Maya", "Nathan", "Olivia", "Pawel", "Ruth", "Sanjay", "Tegan", "Usman",
    ];
    const LAST: [&str; 20] = [
        "Adeyemi", "Brown", "Chen", "Davies", "Edwards", "Fraser", "Green", "Hughes", "Iqbal",
        "Jones", "Khan", "Lewis", "Morgan", "Nowak", "Okafor", "Patel", "Roberts", "Singh",
        "Taylor", "Williams",
    ];
    const TEAMS: [(&str, &str); 6] = [
        ("Medicine > Ward 12 (Respiratory)", "Staff nurse"),
        ("Medicine > Acute Medical Unit", "Healthcare assistant"),
        ("Emergency Department", "Emergency nurse practitioner"),
        ("Women's and Children's > Maternity", "Midwife"),
        ("Estates and Facilities > Portering", "Porter"),
        ("Therapies", "Physiotherapist"),
    ];
    let mut csv = String::from(
        "name,email,employee_number,job_role,department,line_manager_email,start_date\n\
         Aisha Rahman,nurse@northshire.example,N0000101,Staff nurse,Medicine > Ward 12 (Respiratory),coach@northshire.example,2021-09-06\n\
         Kieran Walsh,porter@northshire.example,N0000102,Porter,Estates and Facilities > Portering,training@northshire.example,2019-04-01\n",
    );
    // Unique pairs of names for up to 400 people.
    for i in 0..count.min(400) {
        let (first, last) = (FIRST[i % 20], LAST[(i / 20 + i) % 20]);
        let (team, role) = TEAMS[i % TEAMS.len()];
        let manager = if i % 2 == 0 {
            "coach@northshire.example"
        } else {
            "training@northshire.example"
        };
        csv.push_str(&format!(
            "{first} {last},{}.{}@northshire.example,N{:07},{role},{team},{manager},20{:02}-{:02}-01\n",
            first.to_lowercase(),
            last.to_lowercase(),
            1000 + i,
            10 + i % 16,
            1 + i % 12,
        ));
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_passwords_pass_the_rules() {
        for p in PEOPLE {
            assert_eq!(
                secrets::password_problem(p.password, p.email, p.name),
                None,
                "{}",
                p.email
            );
        }
    }
}
