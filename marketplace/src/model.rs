//! The domain's types, shared by the store, the pages and the API.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What kind of organisation: NHS bodies, vendors and the platform itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrgKind {
    Trust,
    Icb,
    NhsBody,
    Vendor,
    Platform,
}

/// A role a person holds in one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    PlatformAdmin,
    OrgAdmin,
    TrainingManager,
    Coach,
    Learner,
    VendorPublisher,
}

/// The text forms of an enum, one table for both directions.
macro_rules! text_enum {
    ($ty:ident { $($variant:ident => $text:literal, $label:literal;)* }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];

            /// As stored and written in URLs and commands.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),* }
            }

            /// As people read it.
            pub fn label(self) -> &'static str {
                match self { $($ty::$variant => $label),* }
            }
        }

        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($ty::$variant),)*
                    _ => Err(format!(
                        "`{s}` is not one of: {}",
                        [$($text),*].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(OrgKind {
    Trust => "trust", "NHS trust";
    Icb => "icb", "Integrated care board";
    NhsBody => "nhs-body", "Other NHS body";
    Vendor => "vendor", "Vendor";
    Platform => "platform", "Platform";
});

text_enum!(Role {
    PlatformAdmin => "platform-admin", "Platform administrator";
    OrgAdmin => "org-admin", "Organisation administrator";
    TrainingManager => "training-manager", "Training manager";
    Coach => "coach", "Coach";
    Learner => "learner", "Learner";
    VendorPublisher => "vendor-publisher", "Vendor publisher";
});

impl Role {
    /// Whether the role may upload packages and write and publish its organisation's
    /// listings: its administrators, training managers (a trust's training team) and
    /// vendor publishers.
    /// Enrols people and sees their progress.
    pub fn manages_training(self) -> bool {
        matches!(self, Role::OrgAdmin | Role::TrainingManager)
    }

    pub fn manages_courses(self) -> bool {
        matches!(
            self,
            Role::OrgAdmin | Role::TrainingManager | Role::VendorPublisher
        )
    }
}

/// An organisation and its sub-site's branding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organisation {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub kind: OrgKind,
    pub primary_colour: Option<String>,
    pub key_messages: String,
    pub contact: String,
    pub accessibility_statement: String,
    /// Where the logo is kept in the file storage, if there is one (not shown: pages
    /// link to the logo's address instead).
    #[serde(skip)]
    pub logo_key: Option<String>,
}

impl Organisation {
    /// Where its logo is served, if it has one. The version in the address changes with
    /// the image, so browsers may keep it.
    pub fn logo_url(&self) -> Option<String> {
        let key = self.logo_key.as_deref()?;
        Some(format!("/o/{}/logo.png?v={}", self.slug, logo_version(key)))
    }
}

/// The version part of a logo's key (`logos/7/<version>.png`).
pub fn logo_version(key: &str) -> &str {
    key.rsplit('/')
        .next()
        .and_then(|f| f.strip_suffix(".png"))
        .unwrap_or(key)
}

/// What an organisation's administrators may change about its sub-site.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Branding {
    pub name: String,
    pub primary_colour: Option<String>,
    pub key_messages: String,
    pub contact: String,
    pub accessibility_statement: String,
}

/// A person's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[serde(skip)]
    pub password_hash: Option<String>,
}

/// One organisation a person belongs to, and their roles there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub org: Organisation,
    pub roles: Vec<Role>,
}

/// A slug: lower-case letters, digits and single hyphens, 2 to 60 characters.
pub fn is_slug(s: &str) -> bool {
    (2..=60).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// An e-mail address as stored: trimmed and lower-cased, or `None` when it cannot be one.
pub fn normalise_email(s: &str) -> Option<String> {
    let e = s.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@');
    ok.then_some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_go_both_ways() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), *r);
        }
        for k in OrgKind::ALL {
            assert_eq!(k.as_str().parse::<OrgKind>().unwrap(), *k);
        }
        assert!("admin".parse::<Role>().unwrap_err().contains("org-admin"));
    }

    #[test]
    fn slugs_and_emails() {
        assert!(is_slug("leeds-teaching") && is_slug("nhs1"));
        for bad in ["", "a", "Leeds", "-a", "a-", "a--b", "a b", "a_b", "é"] {
            assert!(!is_slug(bad), "{bad}");
        }
        assert_eq!(
            normalise_email("  Sam.Jones@NHS.net ").as_deref(),
            Some("sam.jones@nhs.net")
        );
        for bad in [
            "",
            "sam",
            "@nhs.net",
            "sam@",
            "sam@nhs",
            "sam@@nhs.net",
            "s am@nhs.net",
        ] {
            assert_eq!(normalise_email(bad), None, "{bad}");
        }
    }
}

/// Today's date as review-by dates are compared with it (`2026-12-07`).
pub fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A part of a package a learner can open: a SCO (with its item's identifier), or when
/// the package has none, an asset its items launch.
#[derive(Debug, Clone)]
pub struct Part {
    pub item: String,
    pub title: String,
    /// The address to open, relative to the package's root, as the inspector encoded it.
    pub launch: String,
}

/// The parts of a package in its order (from its inspection, its title and launch file): its SCOs, or when it has none, the assets its
/// items launch, or else its launch file.
pub fn package_parts(inspection: &str, title: &str, launch: &str) -> Vec<Part> {
    let inspection: serde_json::Value = serde_json::from_str(inspection).unwrap_or_default();
    let launchable = |list: &serde_json::Value| -> Vec<Part> {
        list.as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["launchable"] == true)
            .filter_map(|p| {
                Some(Part {
                    item: p["item"].as_str().unwrap_or_default().to_string(),
                    title: p["title"].as_str()?.to_string(),
                    launch: p["launch"].as_str()?.to_string(),
                })
            })
            .collect()
    };
    let mut parts = launchable(&inspection["scos"]);
    if parts.is_empty() {
        parts = launchable(&inspection["assets"]);
    }
    if parts.is_empty() {
        parts.push(Part {
            item: String::new(),
            title: title.to_string(),
            launch: launch.to_string(),
        });
    }
    parts
}
