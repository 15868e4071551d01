//! Staff imports from HR files, on every backend: a dry run changes nothing, the
//! import makes what the dry run said, the same file twice changes nothing twice, a bad
//! row does not stop the good ones, and line managers may come later in the file.

use marketplace::model::OrgKind;
use marketplace::orgs::staff::{Outcome, import};
use marketplace::store::Store;

use crate::support::every_backend;

const FILE: &str = "name,email,employee_number,job_role,department,line_manager_email,start_date\n\
Aisha Rahman,aisha@nhs.example,1001,Staff nurse,Surgery > Ward 7,grace@nhs.example,01/04/2026\n\
Grace Okafor,grace@nhs.example,1002,Ward manager,Surgery > Ward 7,,2019-09-02\n\
Broken Row,not-an-address,1003,,,,\n\
Tom Birch,tom@nhs.example,1004,Porter,Facilities,nobody@nhs.example,\n\
Sam Jones,existing@nhs.example,1005,Healthcare assistant,Surgery,,\n";

#[tokio::test]
async fn a_staff_file_goes_in_once_with_a_report_per_row() {
    for db in every_backend().await {
        let s = Store::connect(&db.url).await.unwrap();
        let b = s.backend();
        let org = s
            .create_org("leeds", "Leeds", OrgKind::Trust)
            .await
            .unwrap();
        s.create_user("existing@nhs.example", "Sam Jones", None)
            .await
            .unwrap();

        let dry = import(
            &s,
            &org,
            FILE.as_bytes(),
            false,
            None,
            Some("http://portal"),
        )
        .await
        .unwrap();
        let outcomes: Vec<(usize, Outcome)> = dry
            .rows
            .iter()
            .map(|r| (r.line, r.outcome.clone()))
            .collect();
        assert_eq!(
            outcomes,
            [
                (2, Outcome::Created),
                (3, Outcome::Created),
                (4, Outcome::Error),
                (5, Outcome::Error),
                (6, Outcome::Joined)
            ],
            "{b}: {:#?}",
            dry.rows
        );
        assert!(
            dry.rows[3]
                .detail
                .contains("nobody@nhs.example is not a member"),
            "{b}"
        );
        assert!(
            s.members(org.id).await.unwrap().is_empty(),
            "{b}: a dry run changes nothing"
        );
        assert!(s.outbox(10).await.unwrap().is_empty());

        let done = import(&s, &org, FILE.as_bytes(), true, None, Some("http://portal"))
            .await
            .unwrap();
        assert_eq!((done.created, done.joined, done.errors), (2, 1, 2), "{b}");
        let members = s.members(org.id).await.unwrap();
        assert_eq!(members.len(), 3, "{b}");
        let aisha = s.user_by_email("aisha@nhs.example").await.unwrap().unwrap();
        let grace = s.user_by_email("grace@nhs.example").await.unwrap().unwrap();
        let d = s.staff_details(org.id, aisha.id).await.unwrap().unwrap();
        assert_eq!(
            d.line_manager_id,
            Some(grace.id),
            "{b}: a manager later in the file"
        );
        assert_eq!(d.start_date.as_deref(), Some("2026-04-01"));
        assert_eq!(
            d.department_id,
            s.find_department(org.id, "Ward 7").await.unwrap()
        );
        let mails = s.outbox(10).await.unwrap();
        assert_eq!(
            mails.len(),
            2,
            "{b}: welcome mails for the two new accounts only"
        );
        assert!(
            mails
                .iter()
                .all(|m| m.body.contains("http://portal/reset-password/"))
        );

        // The same file again: nothing changes, no more mail.
        let again = import(&s, &org, FILE.as_bytes(), true, None, Some("http://portal"))
            .await
            .unwrap();
        assert_eq!(
            (again.created, again.joined, again.updated, again.unchanged),
            (0, 0, 0, 3),
            "{b}: {:#?}",
            again.rows
        );
        assert_eq!(s.outbox(10).await.unwrap().len(), 2);
        // Without a site address to link to, new people are added without an e-mail.
        let quiet = import(
            &s,
            &org,
            b"name,email\nQuiet Person,quiet@nhs.example\n",
            true,
            None,
            None,
        )
        .await
        .unwrap();
        assert_eq!(quiet.created, 1, "{b}");
        assert_eq!(
            s.outbox(10).await.unwrap().len(),
            2,
            "{b}: no welcome e-mail"
        );

        // A changed row is an update naming what changed.
        let changed = FILE.replace("Staff nurse", "Senior staff nurse");
        let upd = import(
            &s,
            &org,
            changed.as_bytes(),
            true,
            None,
            Some("http://portal"),
        )
        .await
        .unwrap();
        let row = upd
            .rows
            .iter()
            .find(|r| r.email == "aisha@nhs.example")
            .unwrap();
        assert_eq!(
            (row.outcome.clone(), row.detail.as_str()),
            (Outcome::Updated, "job role"),
            "{b}"
        );
        assert_eq!(upd.updated, 1);
        let log = s.audit_log(org.id, 10).await.unwrap();
        assert!(log.iter().any(|e| e.action == "staff imported"), "{b}");
    }
}
