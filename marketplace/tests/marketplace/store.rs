//! The storage suite, run on every backend: SQLite always, PostgreSQL when set.

use marketplace::model::{Branding, OrgKind, Role};
use marketplace::store::{Store, StoreError, now};

use crate::support::every_backend;

async fn stores() -> Vec<(Store, crate::support::TestDb)> {
    let mut out = Vec::new();
    for db in every_backend().await {
        out.push((Store::connect(&db.url).await.unwrap(), db));
    }
    out
}

#[tokio::test]
async fn organisations_are_unique_by_slug_and_keep_their_branding() {
    for (s, _db) in stores().await {
        let b = s.backend();
        let org = s
            .create_org("leeds", "Leeds Teaching Hospitals", OrgKind::Trust)
            .await
            .unwrap();
        assert!(
            matches!(
                s.create_org("leeds", "Another", OrgKind::Vendor).await,
                Err(StoreError::Conflict(_))
            ),
            "{b}"
        );
        s.create_org("acme", "Acme Learning", OrgKind::Vendor)
            .await
            .unwrap();
        let names: Vec<String> = s
            .list_orgs()
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.name)
            .collect();
        assert_eq!(names, ["Acme Learning", "Leeds Teaching Hospitals"], "{b}");
        let branding = Branding {
            name: "Leeds Teaching Hospitals NHS Trust".into(),
            primary_colour: Some("#005eb8".into()),
            key_messages: "**Flu** jabs".into(),
            contact: "learning@leeds.example".into(),
            accessibility_statement: "We aim for WCAG 2.2 AA.".into(),
        };
        s.update_branding(org.id, &branding).await.unwrap();
        let again = s.org_by_slug("leeds").await.unwrap().unwrap();
        assert_eq!(again.primary_colour.as_deref(), Some("#005eb8"), "{b}");
        assert_eq!(again.key_messages, "**Flu** jabs");
        assert_eq!(again.kind, OrgKind::Trust);
        assert!(matches!(
            s.update_branding(9999, &branding).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(s.org_by_slug("nobody").await.unwrap(), None);
    }
}

#[tokio::test]
async fn memberships_and_roles_add_up_once() {
    for (s, _db) in stores().await {
        let b = s.backend();
        let leeds = s
            .create_org("leeds", "Leeds", OrgKind::Trust)
            .await
            .unwrap();
        let york = s.create_org("york", "York", OrgKind::Trust).await.unwrap();
        let sam = s
            .create_user("sam@nhs.example", "Sam Jones", None)
            .await
            .unwrap();
        assert!(matches!(
            s.create_user("sam@nhs.example", "Sam Again", None).await,
            Err(StoreError::Conflict(_))
        ));
        let added = s
            .add_member(leeds.id, sam.id, &[Role::TrainingManager, Role::Coach])
            .await
            .unwrap();
        assert_eq!(added, [Role::TrainingManager, Role::Coach], "{b}");
        // The same again changes nothing.
        assert_eq!(
            s.add_member(leeds.id, sam.id, &[Role::Coach])
                .await
                .unwrap(),
            [],
            "{b}"
        );
        s.add_member(york.id, sam.id, &[Role::Learner])
            .await
            .unwrap();
        assert_eq!(
            s.roles(leeds.id, sam.id).await.unwrap(),
            [Role::TrainingManager, Role::Coach]
        );
        assert_eq!(s.roles(york.id, sam.id).await.unwrap(), [Role::Learner]);
        let m = s.memberships(sam.id).await.unwrap();
        assert_eq!(
            m.iter().map(|m| m.org.slug.as_str()).collect::<Vec<_>>(),
            ["leeds", "york"]
        );
        assert!(s.remove_role(leeds.id, sam.id, Role::Coach).await.unwrap());
        assert!(!s.remove_role(leeds.id, sam.id, Role::Coach).await.unwrap());
        let members = s.members(leeds.id).await.unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(members[0].1, [Role::TrainingManager], "{b}");
        assert!(s.members(york.id).await.unwrap()[0].1 == [Role::Learner]);
        assert!(!s.is_platform_admin(sam.id).await.unwrap());
    }
}

#[tokio::test]
async fn sessions_live_until_they_expire_or_end() {
    for (s, _db) in stores().await {
        let b = s.backend();
        let u = s
            .create_user("a@nhs.example", "A", Some("$argon2id$x"))
            .await
            .unwrap();
        s.create_session("h1", u.id, "csrf1", 3600).await.unwrap();
        s.create_session("h2", u.id, "csrf2", 3600).await.unwrap();
        s.create_session("old", u.id, "csrf3", -1).await.unwrap();
        let live = s.session_user("h1").await.unwrap().unwrap();
        assert_eq!(
            (live.user.email.as_str(), live.csrf.as_str()),
            ("a@nhs.example", "csrf1"),
            "{b}"
        );
        assert!(
            s.session_user("old").await.unwrap().is_none(),
            "{b}: expired"
        );
        assert!(s.session_user("nope").await.unwrap().is_none());
        s.end_session("h1").await.unwrap();
        assert!(s.session_user("h1").await.unwrap().is_none());
        assert_eq!(
            s.end_all_sessions(u.id).await.unwrap(),
            1,
            "{b}: h2 (old was removed when read)"
        );
        assert!(s.session_user("h2").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn failures_are_counted_in_their_window_and_cleared() {
    for (s, _db) in stores().await {
        for _ in 0..3 {
            s.record_failure("account:a@nhs.example").await.unwrap();
        }
        s.record_failure("address:10.0.0.1").await.unwrap();
        assert_eq!(s.failures("account:a@nhs.example", 900).await.unwrap(), 3);
        // A failure older than the window no longer counts: the throttle releases.
        assert_eq!(s.failures("account:a@nhs.example", -1).await.unwrap(), 0);
        s.clear_failures("account:a@nhs.example").await.unwrap();
        assert_eq!(s.failures("account:a@nhs.example", 900).await.unwrap(), 0);
        assert_eq!(s.failures("address:10.0.0.1", 900).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn tokens_and_audit_belong_to_one_organisation() {
    for (s, _db) in stores().await {
        let b = s.backend();
        let leeds = s
            .create_org("leeds", "Leeds", OrgKind::Trust)
            .await
            .unwrap();
        let york = s.create_org("york", "York", OrgKind::Trust).await.unwrap();
        let u = s
            .create_user("hr@leeds.example", "HR system", None)
            .await
            .unwrap();
        s.create_token(
            leeds.id,
            u.id,
            "tokhash",
            &["members:read".into(), "org:read".into()],
        )
        .await
        .unwrap();
        let t = s.token("tokhash").await.unwrap().unwrap();
        assert_eq!(
            (t.org.slug.as_str(), t.scopes.clone()),
            ("leeds", vec!["members:read".to_string(), "org:read".into()]),
            "{b}"
        );
        assert!(s.token("other").await.unwrap().is_none());
        s.audit(Some(leeds.id), Some(u.id), "changed branding", "colour")
            .await
            .unwrap();
        s.audit(Some(york.id), None, "roles granted", "x")
            .await
            .unwrap();
        s.audit(None, Some(u.id), "signed in", "").await.unwrap();
        let log = s.audit_log(leeds.id, 10).await.unwrap();
        assert_eq!(
            log.len(),
            1,
            "{b}: only Leeds's own entries (the HR system is no member)"
        );
        s.add_member(leeds.id, u.id, &[Role::Learner])
            .await
            .unwrap();
        let with_members = s.audit_log(leeds.id, 10).await.unwrap();
        assert_eq!(with_members.len(), 2, "{b}: and its members' sign-ins");
        assert!(
            s.audit_log(york.id, 10)
                .await
                .unwrap()
                .iter()
                .all(|e| e.action != "signed in"),
            "{b}"
        );
        assert_eq!(
            (log[0].action.as_str(), log[0].actor.as_deref()),
            ("changed branding", Some("hr@leeds.example"))
        );
        s.queue_mail("sam@nhs.example", "Welcome", "Hello")
            .await
            .unwrap();
        assert_eq!(s.outbox(10).await.unwrap()[0].subject, "Welcome");
        assert!(s.ping().await);
    }
}

#[tokio::test]
async fn departments_logos_and_member_records_stay_in_their_organisation() {
    for (s, _db) in stores().await {
        let b = s.backend();
        let leeds = s
            .create_org("leeds", "Leeds", OrgKind::Trust)
            .await
            .unwrap();
        let york = s.create_org("york", "York", OrgKind::Trust).await.unwrap();
        let surgery = s.department(leeds.id, "Surgery", None).await.unwrap();
        let ward = s
            .department(leeds.id, "Ward 7", Some(surgery))
            .await
            .unwrap();
        let bay = s.department(leeds.id, "Bay A", Some(ward)).await.unwrap();
        let theirs = s.department(york.id, "Ward 7", None).await.unwrap();
        let sam = s.create_user("sam@nhs.example", "Sam", None).await.unwrap();
        let lee = s.create_user("lee@nhs.example", "Lee", None).await.unwrap();
        s.add_member(leeds.id, sam.id, &[Role::Learner, Role::Coach])
            .await
            .unwrap();
        s.add_member(leeds.id, lee.id, &[Role::TrainingManager])
            .await
            .unwrap();
        s.add_member(york.id, lee.id, &[Role::Learner])
            .await
            .unwrap();
        let details = marketplace::store::StaffDetails {
            employee_number: Some("E1".into()),
            department_id: Some(ward),
            line_manager_id: Some(lee.id),
            ..Default::default()
        };
        s.set_staff_details(leeds.id, sam.id, &details)
            .await
            .unwrap();
        // Names stay unique within the organisation; another's department is not found.
        assert!(
            matches!(
                s.update_department(leeds.id, ward, "Surgery", Some(surgery))
                    .await,
                Err(StoreError::Conflict(_))
            ),
            "{b}"
        );
        assert!(matches!(
            s.update_department(leeds.id, theirs, "Mine now", None)
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.remove_department(leeds.id, theirs).await,
            Err(StoreError::NotFound)
        ));
        s.update_department(leeds.id, ward, "Ward 7 (Acute)", Some(surgery))
            .await
            .unwrap();
        s.remove_department(leeds.id, ward).await.unwrap();
        let all = s.departments(leeds.id).await.unwrap();
        assert_eq!(all.len(), 2, "{b}");
        assert_eq!(
            all.iter().find(|d| d.id == bay).unwrap().parent_id,
            Some(surgery)
        );
        assert_eq!(
            s.staff_details(leeds.id, sam.id)
                .await
                .unwrap()
                .unwrap()
                .department_id,
            Some(surgery),
            "{b}: staff move up with the sub-departments"
        );
        assert_eq!(s.departments(york.id).await.unwrap()[0].name, "Ward 7");
        // Logos.
        assert_eq!(
            s.set_logo(leeds.id, Some("logos/1/a.png")).await.unwrap(),
            None
        );
        assert_eq!(
            s.set_logo(leeds.id, Some("logos/1/b.png"))
                .await
                .unwrap()
                .as_deref(),
            Some("logos/1/a.png")
        );
        assert_eq!(
            s.org_by_slug("leeds")
                .await
                .unwrap()
                .unwrap()
                .logo_key
                .as_deref(),
            Some("logos/1/b.png")
        );
        assert_eq!(s.org_by_slug("york").await.unwrap().unwrap().logo_key, None);
        assert!(matches!(
            s.set_logo(9999, None).await,
            Err(StoreError::NotFound)
        ));
        // Member records, a page at a time by id, with what HR knows.
        let first = s.member_records(leeds.id, 0, 1).await.unwrap();
        assert_eq!(first.len(), 1, "{b}");
        let rest = s.member_records(leeds.id, first[0].id, 10).await.unwrap();
        assert_eq!(rest.len(), 1, "{b}");
        let all: Vec<_> = first.into_iter().chain(rest).collect();
        let sam_record = all.iter().find(|m| m.id == sam.id).unwrap();
        assert_eq!(sam_record.roles, [Role::Coach, Role::Learner], "{b}");
        assert_eq!(sam_record.department.as_deref(), Some("Surgery"));
        assert_eq!(
            sam_record.line_manager_email.as_deref(),
            Some("lee@nhs.example")
        );
        assert_eq!(sam_record.employee_number.as_deref(), Some("E1"));
        let york_records = s.member_records(york.id, 0, 10).await.unwrap();
        assert_eq!(york_records.len(), 1);
        assert_eq!(
            york_records[0].roles,
            [Role::Learner],
            "{b}: roles of this organisation only"
        );
    }
}

/// A password is an identity of the account beside it, made on first use and replaced
/// after, so that single sign-on can add identities without changing accounts.
#[tokio::test]
async fn passwords_are_identities_of_an_account() {
    for (s, _db) in stores().await {
        let b = s.backend();
        let invited = s
            .create_user("new@nhs.example", "New Starter", None)
            .await
            .unwrap();
        assert_eq!(invited.password_hash, None);
        assert_eq!(
            s.user_by_email("new@nhs.example")
                .await
                .unwrap()
                .unwrap()
                .password_hash,
            None,
            "{b}"
        );
        s.set_password(invited.id, "$argon2id$first").await.unwrap();
        s.set_password(invited.id, "$argon2id$second")
            .await
            .unwrap();
        let found = s.user_by_id(invited.id).await.unwrap().unwrap();
        assert_eq!(
            found.password_hash.as_deref(),
            Some("$argon2id$second"),
            "{b}"
        );
        let other = s
            .create_user("other@nhs.example", "Other", Some("$argon2id$other"))
            .await
            .unwrap();
        assert_eq!(
            s.user_by_email("other@nhs.example")
                .await
                .unwrap()
                .unwrap()
                .password_hash
                .as_deref(),
            Some("$argon2id$other")
        );
        assert_eq!(
            s.user_by_id(invited.id)
                .await
                .unwrap()
                .unwrap()
                .password_hash
                .as_deref(),
            Some("$argon2id$second")
        );
        assert!(
            matches!(
                s.create_user("other@nhs.example", "Again", Some("$argon2id$x"))
                    .await,
                Err(StoreError::Conflict(_))
            ),
            "{b}"
        );
        assert_eq!(other.password_hash.as_deref(), Some("$argon2id$other"));
    }
}

#[tokio::test]
async fn packages_are_kept_once_and_courses_have_versions_in_their_organisation() {
    use marketplace::store::{Listing, NewPackage};
    for (s, _db) in stores().await {
        let b = s.backend();
        let leeds = s
            .create_org("leeds", "Leeds", OrgKind::Trust)
            .await
            .unwrap();
        let york = s.create_org("york", "York", OrgKind::Trust).await.unwrap();
        let new = |sha: &str| NewPackage {
            sha256: sha.into(),
            scorm_version: "2004 3rd Edition".into(),
            title: "Hand hygiene".into(),
            launch: "index.html".into(),
            sco_count: 2,
            file_count: 10,
            unpacked_bytes: 1000,
            zip_bytes: 500,
            inspection: "{}".into(),
        };
        // An import is claimed once, and ends when its package is recorded.
        assert!(s.begin_import("p1", now() + 60).await.unwrap(), "{b}");
        assert!(!s.begin_import("p1", now() + 60).await.unwrap());
        assert!(s.package_or_import("p1").await.unwrap());
        let p1 = s.finish_import(&new("p1")).await.unwrap();
        assert_eq!(s.package_by_sha("p1").await.unwrap().unwrap(), p1);
        assert!(
            s.stale_imports(now() + 3600).await.unwrap().is_empty(),
            "{b}"
        );
        assert!(matches!(
            s.finish_import(&new("p1")).await,
            Err(StoreError::Conflict(_))
        ));
        s.begin_import("dead", now() - 1).await.unwrap();
        assert_eq!(s.stale_imports(now()).await.unwrap(), ["dead"]);
        s.end_import("dead").await.unwrap();
        assert!(!s.package_or_import("dead").await.unwrap());
        let p2 = s.finish_import(&new("p2")).await.unwrap();
        // Courses and versions.
        let listing = Listing {
            title: "Hand hygiene".into(),
            language: "en-GB".into(),
            ..Default::default()
        };
        let course = s
            .create_course(leeds.id, Some("HH-1"), &listing, p1.id)
            .await
            .unwrap();
        assert!(
            matches!(
                s.create_course(leeds.id, Some("HH-1"), &listing, p1.id)
                    .await,
                Err(StoreError::Conflict(_))
            ),
            "{b}"
        );
        assert_eq!(
            s.add_version(leeds.id, course.id, p1.id).await.unwrap(),
            (1, false)
        );
        assert_eq!(
            s.add_version(leeds.id, course.id, p2.id).await.unwrap(),
            (2, true),
            "{b}"
        );
        assert!(matches!(
            s.add_version(york.id, course.id, p1.id).await,
            Err(StoreError::NotFound)
        ));
        s.publish_version(leeds.id, course.id, 2).await.unwrap();
        let versions = s.versions(leeds.id, course.id).await.unwrap();
        assert_eq!(versions.len(), 2);
        assert!(
            versions[0].published_at.is_some() && versions[1].published_at.is_none(),
            "{b}"
        );
        assert_eq!(versions[0].sha256, "p2");
        assert!(s.versions(york.id, course.id).await.unwrap().is_empty());
        let priced = Listing {
            price_pence: 1250,
            duration_minutes: Some(30),
            review_by: Some("2027-01-31".into()),
            ..listing.clone()
        };
        s.update_listing(leeds.id, course.id, &priced, true)
            .await
            .unwrap();
        let again = s.course(leeds.id, course.id).await.unwrap().unwrap();
        assert_eq!(
            (again.listing.price_pence, again.visibility.as_str()),
            (1250, "listed"),
            "{b}"
        );
        assert_eq!(again.listing.duration_minutes, Some(30));
        assert_eq!(s.course(york.id, course.id).await.unwrap(), None);
        assert!(matches!(
            s.update_listing(york.id, course.id, &priced, true).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(
            s.course_by_external_id(leeds.id, "HH-1")
                .await
                .unwrap()
                .unwrap()
                .id,
            course.id
        );
        assert_eq!(s.courses_of(york.id).await.unwrap(), []);
    }
}

/// The catalogue on both backends: stemmed search, filters, who sees what, sorting and
/// pages.
#[tokio::test]
async fn the_catalogue_searches_filters_and_shows_only_what_the_viewer_may_see() {
    use marketplace::store::{CatalogueQuery, Listing, Sort};
    for (s, _db) in stores().await {
        let b = s.backend();
        let vendor = s
            .create_org("acme", "Acme Learning", OrgKind::Vendor)
            .await
            .unwrap();
        let trust = s
            .create_org("leeds", "Leeds", OrgKind::Trust)
            .await
            .unwrap();
        let package = crate::support::new_package;
        let p12 = s.finish_import(&package("a", "1.2")).await.unwrap();
        let p2004 = s
            .finish_import(&package("b", "2004 3rd Edition"))
            .await
            .unwrap();
        let add = async |org: i64,
                         title: &str,
                         summary: &str,
                         topics: &str,
                         minutes: i32,
                         pence: i64,
                         pkg: i64,
                         listed: bool,
                         publish: bool| {
            let listing = Listing {
                title: title.into(),
                summary: summary.into(),
                topics: topics.into(),
                duration_minutes: Some(minutes),
                price_pence: pence,
                language: "en-GB".into(),
                ..Default::default()
            };
            let c = s.create_course(org, None, &listing, pkg).await.unwrap();
            s.update_listing(org, c.id, &listing, listed).await.unwrap();
            if publish {
                s.publish_version(org, c.id, 1).await.unwrap();
            }
            c.id
        };
        let wash = add(
            vendor.id,
            "Hand washing technique",
            "Six steps, twenty seconds.",
            "infection control, hygiene",
            20,
            0,
            p12.id,
            true,
            true,
        )
        .await;
        let fire = add(
            vendor.id,
            "Fire safety for wards",
            "Evacuating patients who cannot walk.",
            "fire safety",
            45,
            1250,
            p2004.id,
            true,
            true,
        )
        .await;
        let _draft = add(
            vendor.id,
            "Washing hands, the sequel",
            "Not published yet.",
            "hygiene",
            10,
            0,
            p12.id,
            true,
            false,
        )
        .await;
        let own = add(
            trust.id,
            "Leeds hand hygiene induction",
            "Our own.",
            "hygiene",
            120,
            0,
            p2004.id,
            false,
            true,
        )
        .await;
        let search = |text: &str| CatalogueQuery {
            text: text.into(),
            limit: 20,
            ..Default::default()
        };
        let ids = |r: (Vec<marketplace::store::CatalogueEntry>, i64)| {
            r.0.iter().map(|e| e.id).collect::<Vec<_>>()
        };
        // Stemmed: "washes" finds "washing"; unpublished and private courses are hidden.
        assert_eq!(
            ids(s.catalogue(&search("washes")).await.unwrap()),
            [wash],
            "{b}"
        );
        assert_eq!(
            ids(s.catalogue(&search("")).await.unwrap()),
            [fire, wash],
            "{b}: by title"
        );
        // A member of the trust sees its own private course too.
        let member = CatalogueQuery {
            viewer_orgs: vec![trust.id],
            ..search("hygiene")
        };
        let found = ids(s.catalogue(&member).await.unwrap());
        assert!(
            found.contains(&own) && found.contains(&wash) && found.len() == 2,
            "{b}: {found:?}"
        );
        // Odd input is words, never query syntax.
        for odd in [
            "\"",
            "NEAR(",
            "fire OR",
            "-hand*",
            "'; DROP TABLE courses; --",
            "()",
        ] {
            s.catalogue(&search(odd)).await.unwrap();
        }
        // Filters.
        let q = |f: &dyn Fn(&mut CatalogueQuery)| {
            let mut q = search("");
            f(&mut q);
            q
        };
        assert_eq!(
            ids(s.catalogue(&q(&|q| q.free = Some(false))).await.unwrap()),
            [fire]
        );
        assert_eq!(
            ids(s.catalogue(&q(&|q| q.free = Some(true))).await.unwrap()),
            [wash]
        );
        assert_eq!(
            ids(s
                .catalogue(&q(&|q| q.format = Some("2004".into())))
                .await
                .unwrap()),
            [fire],
            "{b}"
        );
        assert_eq!(
            ids(s
                .catalogue(&q(&|q| q.format = Some("1.2".into())))
                .await
                .unwrap()),
            [wash]
        );
        assert_eq!(
            ids(s
                .catalogue(&q(&|q| q.max_minutes = Some(30)))
                .await
                .unwrap()),
            [wash]
        );
        assert_eq!(
            ids(s
                .catalogue(&q(&|q| q.topic = Some("Fire".into())))
                .await
                .unwrap()),
            [fire]
        );
        // A topic is looked for among the topics only, not the title or the summary.
        assert_eq!(
            ids(s
                .catalogue(&q(&|q| q.topic = Some("wards".into())))
                .await
                .unwrap()),
            Vec::<i64>::new(),
            "{b}"
        );
        assert_eq!(
            ids(s
                .catalogue(&q(&|q| q.provider = Some("leeds".into())))
                .await
                .unwrap()),
            Vec::<i64>::new()
        );
        assert_eq!(
            ids(s
                .catalogue(&q(&|q| q.sort = Sort::PriceLowest))
                .await
                .unwrap()),
            [wash, fire]
        );
        // Pages: one at a time, with the total.
        let first = s.catalogue(&q(&|q| q.limit = 1)).await.unwrap();
        assert_eq!((first.0.len(), first.1), (1, 2), "{b}");
        let second = s
            .catalogue(&q(&|q| {
                q.limit = 1;
                q.offset = 1;
            }))
            .await
            .unwrap();
        assert_eq!(second.0[0].id, wash);
        let entry = &first.0[0];
        assert_eq!(
            (entry.provider.as_str(), entry.scorm_version.as_str()),
            ("Acme Learning", "2004 3rd Edition")
        );
    }
}

/// A broad search ranks the best match first, and counts only up to the cap: a search
/// matching more courses than that says "more", on both backends.
#[tokio::test]
async fn a_broad_search_is_ranked_and_counted_only_up_to_the_cap() {
    use marketplace::store::{CatalogueQuery, Listing, SEARCH_COUNT_CAP};
    for (s, _db) in stores().await {
        let b = s.backend();
        let vendor = s
            .create_org("bulk", "Bulk Learning", OrgKind::Vendor)
            .await
            .unwrap();
        let package = s
            .finish_import(&crate::support::new_package("c", "1.2"))
            .await
            .unwrap();
        let mut best = 0;
        for i in 0..SEARCH_COUNT_CAP + 5 {
            // One course is about sepsis by its title; the others only mention it.
            let listing = Listing {
                title: if i == 700 {
                    "Sepsis: spotting it early".into()
                } else {
                    format!("Ward skills {i:04}")
                },
                summary: "Includes a short part on sepsis.".into(),
                language: "en-GB".into(),
                ..Listing::default()
            };
            let course = s
                .create_course(vendor.id, None, &listing, package.id)
                .await
                .unwrap();
            s.update_listing(vendor.id, course.id, &listing, true)
                .await
                .unwrap();
            s.publish_version(vendor.id, course.id, 1).await.unwrap();
            if i == 700 {
                best = course.id;
            }
        }
        s.refresh_statistics().await.unwrap();
        let (found, total) = s
            .catalogue(&CatalogueQuery {
                text: "sepsis".into(),
                limit: 20,
                ..CatalogueQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(found.len(), 20, "{b}");
        assert_eq!(found[0].id, best, "{b}: the title match ranks first");
        assert_eq!(found[0].provider, "Bulk Learning", "{b}");
        assert_eq!(
            total,
            SEARCH_COUNT_CAP + 1,
            "{b}: counted to just past the cap"
        );
        // Without words, every course is counted.
        let (_, all) = s
            .catalogue(&CatalogueQuery {
                limit: 1,
                ..CatalogueQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(all, SEARCH_COUNT_CAP + 5, "{b}");
    }
}
