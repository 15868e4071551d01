//! The JSON API: bearer tokens of one organisation with scopes, problem details for
//! every error, the OpenAPI document, and no route answering for another organisation.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use marketplace::app::{Access, route_table};

use crate::support::{Client, TestApp};

async fn token(app: &TestApp, org: &str, email: &str, scopes: &[&str]) -> String {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    marketplace::ops::create_token(&app.store, org, email, &scopes)
        .await
        .unwrap()
}

async fn call(
    c: &mut Client,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> crate::support::Resp {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    c.send(
        req.header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

fn problem(r: &crate::support::Resp, status: StatusCode) -> serde_json::Value {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
    let p: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(p["status"], status.as_u16());
    assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()));
    p
}

#[tokio::test]
async fn tokens_scopes_and_problems() {
    let app = TestApp::demo().await;
    let reader = token(
        &app,
        "northshire-teaching",
        "org.admin@northshire.example",
        &["members:read"],
    )
    .await;
    let writer = token(
        &app,
        "northshire-teaching",
        "org.admin@northshire.example",
        &["members:write", "org:read"],
    )
    .await;
    let mut c = app.client();
    let r = call(
        &mut c,
        "GET",
        "/api/v1/orgs/northshire-teaching/members",
        None,
        "",
    )
    .await;
    problem(&r, StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers[header::WWW_AUTHENTICATE], "Bearer");
    problem(
        &call(
            &mut c,
            "GET",
            "/api/v1/orgs/northshire-teaching/members",
            Some("mkt_forged"),
            "",
        )
        .await,
        StatusCode::UNAUTHORIZED,
    );
    let ok = call(
        &mut c,
        "GET",
        "/api/v1/orgs/northshire-teaching/members",
        Some(&reader),
        "",
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    let members: serde_json::Value = serde_json::from_str(&ok.body).unwrap();
    assert!(
        members["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["email"] == "nurse@northshire.example" && m["roles"][0] == "learner")
    );
    let p = problem(
        &call(
            &mut c,
            "GET",
            "/api/v1/orgs/northshire-teaching",
            Some(&reader),
            "",
        )
        .await,
        StatusCode::FORBIDDEN,
    );
    assert!(p["detail"].as_str().unwrap().contains("org:read"));
    let org = call(
        &mut c,
        "GET",
        "/api/v1/orgs/northshire-teaching",
        Some(&writer),
        "",
    )
    .await;
    assert!(org.body.contains("\"slug\":\"northshire-teaching\""));
    assert!(org.body.contains("\"logo_url\":null"), "{}", org.body);

    let csv = "name,email\nOwen Price,owen@northshire.example\n";
    let dry = call(
        &mut c,
        "POST",
        "/api/v1/orgs/northshire-teaching/staff?dry_run=true",
        Some(&writer),
        csv,
    )
    .await;
    let report: serde_json::Value = serde_json::from_str(&dry.body).unwrap();
    assert_eq!(
        (report["applied"].as_bool(), report["created"].as_u64()),
        (Some(false), Some(1)),
        "{}",
        dry.body
    );
    assert!(
        app.store
            .user_by_email("owen@northshire.example")
            .await
            .unwrap()
            .is_none()
    );
    let done = call(
        &mut c,
        "POST",
        "/api/v1/orgs/northshire-teaching/staff",
        Some(&writer),
        csv,
    )
    .await;
    assert!(done.body.contains("\"applied\":true"), "{}", done.body);
    assert!(
        app.store
            .user_by_email("owen@northshire.example")
            .await
            .unwrap()
            .is_some()
    );
    problem(
        &call(
            &mut c,
            "POST",
            "/api/v1/orgs/northshire-teaching/staff",
            Some(&writer),
            "nothing useful",
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    problem(
        &call(
            &mut c,
            "POST",
            "/api/v1/orgs/northshire-teaching/staff",
            Some(&reader),
            csv,
        )
        .await,
        StatusCode::FORBIDDEN,
    );
}

#[tokio::test]
async fn no_api_route_answers_for_another_organisation() {
    let app = TestApp::demo().await;
    let all = ["org:read", "members:read", "members:write"];
    let dales = token(
        &app,
        "dalesfield-community",
        "org.admin@dalesfield.example",
        &all,
    )
    .await;
    let mut c = app.client();
    let api: Vec<&str> = route_table()
        .iter()
        .filter(|(_, a)| *a == Access::Api)
        .map(|(p, _)| *p)
        .collect();
    assert!(api.len() >= 3);
    for path in api {
        let path = path.replace("{slug}", "northshire-teaching");
        for method in ["GET", "POST"] {
            let r = call(
                &mut c,
                method,
                &path,
                Some(&dales),
                "name,email\nX,x@dalesfield.example\n",
            )
            .await;
            assert!(
                matches!(
                    r.status,
                    StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
                ),
                "{method} {path}: {}",
                r.status
            );
            for s in ["Northshire", "nurse@northshire.example", "Aisha"] {
                assert!(!r.body.contains(s), "{method} {path} shows {s}");
            }
        }
    }
    assert!(
        app.store
            .user_by_email("x@dalesfield.example")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let app = TestApp::demo().await;
    let r = app.client().get("/api/v1/openapi.json").await;
    let doc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for (path, access) in route_table() {
        if path.starts_with("/api/") {
            assert!(
                doc["paths"].get(path).is_some(),
                "{path} is not in the OpenAPI document"
            );
            assert!(access == Access::Api || path.ends_with("openapi.json"));
        }
    }
}

/// An HR system reads a large trust's members page by page, following `next`, and gets
/// each member once with what HR knows of them.
#[tokio::test]
async fn members_come_a_page_at_a_time_with_their_hr_details() {
    let app = TestApp::demo().await;
    let mut csv =
        String::from("name,email,employee_number,job_role,department,line_manager_email\n");
    for i in 0..250 {
        csv.push_str(&format!(
            "Staff {i:03},staff{i:03}@dales.example,E{i:05},Carer,Community > Team {},carer@dalesfield.example\n",
            i % 3
        ));
    }
    let org = app.org("dalesfield-community").await;
    marketplace::orgs::staff::import(&app.store, &org, csv.as_bytes(), true, None, None)
        .await
        .unwrap();
    let total = app.store.member_count(org.id).await.unwrap();
    assert!(total > 250);
    let reader = token(
        &app,
        "dalesfield-community",
        "org.admin@dalesfield.example",
        &["members:read"],
    )
    .await;
    let mut c = app.client();
    let mut next = Some("/api/v1/orgs/dalesfield-community/members?limit=100".to_string());
    let (mut seen, mut pages) = (Vec::new(), 0);
    while let Some(url) = next {
        let r = call(&mut c, "GET", &url, Some(&reader), "").await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
        let page: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let members = page["members"].as_array().unwrap();
        assert!(members.len() <= 100);
        seen.extend(members.iter().cloned());
        next = page["next"].as_str().map(str::to_string);
        pages += 1;
    }
    assert_eq!(seen.len() as i64, total, "every member once");
    assert_eq!(
        pages,
        total / 100 + 1,
        "full pages, then the last one without `next`"
    );
    let mut ids: Vec<i64> = seen.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len() as i64, total);
    let s7 = seen
        .iter()
        .find(|m| m["email"] == "staff007@dales.example")
        .unwrap();
    assert_eq!(s7["employee_number"], "E00007");
    assert_eq!(s7["department"], "Team 1");
    assert_eq!(s7["line_manager_email"], "carer@dalesfield.example");
    assert_eq!(s7["roles"][0], "learner");
    for bad in ["?limit=0", "?limit=5000", "?after=x", "?limit=1e3"] {
        let r = call(
            &mut c,
            "GET",
            &format!("/api/v1/orgs/dalesfield-community/members{bad}"),
            Some(&reader),
            "",
        )
        .await;
        problem(&r, StatusCode::BAD_REQUEST);
    }
}
