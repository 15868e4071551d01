//! The national catalogue at `/catalogue`: every organisation's listed courses, and the
//! viewer's own organisations' private ones, with search, filters, sorting and pages;
//! and a page for each course with its listing and version history.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::money::price_label;
use crate::state::{Access, AppState, Routes};
use crate::store::{CatalogueEntry, CatalogueQuery, SEARCH_COUNT_CAP, Sort};
use crate::web::{self, Error, Viewer, templates};

pub fn routes(r: &mut Routes) {
    r.add("/catalogue", Access::Public, get(catalogue));
    r.add("/catalogue/{course_id}", Access::Public, get(course));
    r.add(
        "/catalogue/{course_id}/preview",
        Access::Public,
        get(preview),
    );
}

/// Courses on one page of results.
pub const PER_PAGE: i64 = 20;

/// The query string as typed: every value optional, and one that means nothing is
/// ignored rather than refused, so a hand-edited address still shows a catalogue.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct Search {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub provider: String,
    /// `free` or `paid`.
    #[serde(default)]
    pub price: String,
    /// `1.2` or `2004`.
    #[serde(default)]
    pub format: String,
    /// `short` (up to 30 minutes), `medium` (31 to 90) or `long`.
    #[serde(default)]
    pub duration: String,
    /// `relevance`, `title`, `newest` or `price`.
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: String,
}

impl Search {
    pub fn query(&self, viewer_orgs: Vec<i64>) -> (CatalogueQuery, i64) {
        let page = self
            .page
            .trim()
            .parse::<i64>()
            .unwrap_or(1)
            .clamp(1, 10_000);
        let (min_minutes, max_minutes) = match self.duration.as_str() {
            "short" => (None, Some(30)),
            "medium" => (Some(31), Some(90)),
            "long" => (Some(91), None),
            _ => (None, None),
        };
        let q = CatalogueQuery {
            text: self.q.chars().take(200).collect(),
            topic: Some(self.topic.clone()).filter(|t| !t.trim().is_empty()),
            provider: Some(self.provider.clone()).filter(|p| crate::model::is_slug(p)),
            free: match self.price.as_str() {
                "free" => Some(true),
                "paid" => Some(false),
                _ => None,
            },
            format: Some(self.format.clone()).filter(|f| f == "1.2" || f == "2004"),
            min_minutes,
            max_minutes,
            sort: match self.sort.as_str() {
                "title" => Sort::Title,
                "newest" => Sort::Newest,
                "price" => Sort::PriceLowest,
                _ => Sort::Relevance,
            },
            viewer_orgs,
            course_id: None,
            limit: PER_PAGE,
            offset: (page - 1) * PER_PAGE,
        };
        (q, page)
    }

    /// This search's address for another page.
    fn page_link(&self, page: i64) -> String {
        let mut link = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("topic", &self.topic),
            ("provider", &self.provider),
            ("price", &self.price),
            ("format", &self.format),
            ("duration", &self.duration),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                link.append_pair(k, v);
            }
        }
        link.append_pair("page", &page.to_string());
        format!("/catalogue?{}", link.finish())
    }
}

/// The organisations the viewer belongs to.
async fn viewer_orgs(state: &AppState, viewer: &Viewer) -> web::Result<Vec<i64>> {
    Ok(match &viewer.user {
        Some(me) => state
            .store
            .memberships(me.user.id)
            .await?
            .into_iter()
            .map(|m| m.org.id)
            .collect(),
        None => Vec::new(),
    })
}

/// Whether a review-by date (`2027-03-31`) has passed.
pub fn review_overdue(review_by: Option<&str>) -> bool {
    review_by.is_some_and(|r| r < crate::model::today().as_str())
}

/// An entry as the templates show it: its price, format and topics ready to read,
/// and whether its review is overdue.
fn entry_view(e: &CatalogueEntry) -> serde_json::Value {
    let mut v = serde_json::json!(e);
    v["price"] = price_label(e.listing.price_pence).into();
    v["format"] = format!("SCORM {}", e.scorm_version).into();
    v["topic_list"] = e
        .listing
        .topics
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .into();
    v["review_overdue"] = review_overdue(e.listing.review_by.as_deref()).into();
    v
}

async fn catalogue(
    State(state): State<AppState>,
    viewer: Viewer,
    search: Result<Query<Search>, axum::extract::rejection::QueryRejection>,
) -> web::Result<Response> {
    // A query string that is not even well formed shows the whole catalogue.
    let search = search.map(|Query(s)| s).unwrap_or_default();
    let (query, page) = search.query(viewer_orgs(&state, &viewer).await?);
    let (entries, total) = state.store.catalogue(&query).await?;
    // Past the cap a search is not counted further: its pages stop there.
    let more = total > SEARCH_COUNT_CAP;
    let pages = web::page_count(total.min(SEARCH_COUNT_CAP), PER_PAGE);
    let results: Vec<serde_json::Value> = entries.iter().map(entry_view).collect();
    let providers = state.store.list_orgs().await?;
    let title = if search.q.trim().is_empty() {
        "Course catalogue".to_string()
    } else {
        format!("{} – search results", search.q.trim())
    };
    templates().page(
        "catalogue.html",
        &title,
        &viewer,
        None,
        serde_json::json!({
            "search": search,
            "results": results,
            "total": total,
            "more": more,
            "cap": SEARCH_COUNT_CAP,
            "page": page,
            "pages": pages,
            "previous": (page > 1).then(|| search.page_link(page - 1)),
            "next": (page < pages).then(|| search.page_link(page + 1)),
            "providers": providers
                .iter()
                .filter(|o| o.kind != crate::model::OrgKind::Platform)
                .map(|o| serde_json::json!({ "slug": o.slug, "name": o.name }))
                .collect::<Vec<_>>(),
        }),
    )
}

async fn course(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> web::Result<Response> {
    let entry = visible_course(&state, &viewer, &id).await?;
    let versions: Vec<_> = state
        .store
        .versions(entry.org_id, entry.id)
        .await?
        .into_iter()
        .filter(|v| v.published_at.is_some())
        .map(|v| {
            serde_json::json!({
                "number": v.number,
                "format": format!("SCORM {}", v.scorm_version),
                "published": v.published_at.map(crate::orgs::when),
            })
        })
        .collect();
    let (own, managed) = crate::player::enrolling_orgs(&state, &viewer, entry.id).await?;
    let named = |orgs: Vec<(String, String)>| -> Vec<serde_json::Value> {
        orgs.into_iter()
            .map(|(slug, name)| serde_json::json!({ "slug": slug, "name": name }))
            .collect()
    };
    templates().page(
        "catalogue_course.html",
        &entry.listing.title,
        &viewer,
        None,
        serde_json::json!({
            "course": entry_view(&entry),
            "versions": versions,
            "self_enrol": named(own),
            "manage": named(managed),
        }),
    )
}

/// Course `id` of the catalogue, when the viewer may see it.
async fn visible_course(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> web::Result<CatalogueEntry> {
    let id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    let query = CatalogueQuery {
        course_id: Some(id),
        viewer_orgs: viewer_orgs(state, viewer).await?,
        limit: 1,
        ..CatalogueQuery::default()
    };
    state
        .store
        .catalogue(&query)
        .await?
        .0
        .into_iter()
        .next()
        .ok_or(Error::NotFound)
}

/// `GET /catalogue/{course_id}/preview`: the course's newest published version, played
/// on the content origin with nothing recorded.
async fn preview(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> web::Result<Response> {
    let entry = visible_course(&state, &viewer, &id).await?;
    let newest = state
        .store
        .versions(entry.org_id, entry.id)
        .await?
        .into_iter()
        .find(|v| v.published_at.is_some())
        .ok_or(Error::NotFound)?;
    let link = crate::delivery::preview_link(&state, entry.id, &newest.sha256).await?;
    Ok(axum::response::IntoResponse::into_response(
        axum::response::Redirect::to(&link),
    ))
}
