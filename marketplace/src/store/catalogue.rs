//! The national catalogue: listed courses with a published version, and a viewer's own
//! organisations' courses, searched with each backend's full-text index (SQLite FTS5,
//! PostgreSQL `tsvector`, both stemming English), filtered, sorted and paged.

use serde::Serialize;

use super::{Listing, Pool, Store, StoreError};

/// What someone looks for in the catalogue.
#[derive(Debug, Clone, Default)]
pub struct CatalogueQuery {
    /// Words to search for; empty lists everything.
    pub text: String,
    pub topic: Option<String>,
    /// An organisation's slug.
    pub provider: Option<String>,
    /// `Some(true)` free only, `Some(false)` priced only.
    pub free: Option<bool>,
    /// `1.2` or `2004`.
    pub format: Option<String>,
    /// Duration in minutes, from and to, inclusive.
    pub min_minutes: Option<i32>,
    pub max_minutes: Option<i32>,
    pub sort: Sort,
    /// The organisations the viewer belongs to, whose private courses they see too.
    pub viewer_orgs: Vec<i64>,
    /// One course only (its page).
    pub course_id: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Best match first when searching, otherwise by title.
    #[default]
    Relevance,
    Title,
    Newest,
    PriceLowest,
}

/// A course as the catalogue lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CatalogueEntry {
    pub id: i64,
    pub org_id: i64,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub listing: Listing,
    pub visibility: String,
    pub updated_at: i64,
    pub provider: String,
    pub provider_slug: String,
    /// The format of the newest published version (`1.2`, `2004 3rd Edition`, ...).
    pub scorm_version: String,
}

/// A value bound to a placeholder of the query being built.
enum Arg {
    Text(String),
    Int(i64),
}

/// The newest published version's format (kept on the course when a version is
/// published): also what makes a course listable at all.
const FORMAT: &str = "c.published_format";

/// How many matches a text search counts before it says "more than".
pub const SEARCH_COUNT_CAP: i64 = 1000;

/// Words too common to search for, as PostgreSQL's English configuration drops them.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "how", "in", "is", "it", "of",
    "on", "or", "the", "to", "what", "with",
];

/// Search words as an FTS5 query: each word a quoted prefix, all required, common words
/// left out. Anything else a person types (quotes, operators, brackets) is not FTS
/// syntax here.
fn fts5_query(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(&w.to_lowercase().as_str()))
        .take(16)
        .map(|w| format!("\"{w}\"*"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A topic as a PostgreSQL `tsquery` of its words, each only among the lexemes of
/// courses' topics (weight B): words only, so nothing typed is query syntax.
fn topic_tsquery(topic: &str) -> String {
    topic
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(&w.to_lowercase().as_str()))
        .take(16)
        .map(|w| format!("{w}:B"))
        .collect::<Vec<_>>()
        .join(" & ")
}

impl Store {
    /// One page of the catalogue for `q`, and how many courses match in all.
    pub async fn catalogue(
        &self,
        q: &CatalogueQuery,
    ) -> Result<(Vec<CatalogueEntry>, i64), StoreError> {
        let postgres = matches!(self.pool, Pool::Postgres(_));
        let mut args: Vec<Arg> = Vec::new();
        let mut arg = |a: Arg| {
            args.push(a);
            format!("${}", args.len())
        };
        // The count reads `courses` alone; the page joins the providers' names.
        let mut from = String::from("courses c");
        let mut filters = vec![format!("{FORMAT} IS NOT NULL")];
        let visible = std::iter::once("c.visibility = 'listed'".to_string())
            .chain(
                q.viewer_orgs
                    .iter()
                    .map(|id| format!("c.org_id = {}", arg(Arg::Int(*id)))),
            )
            .collect::<Vec<_>>()
            .join(" OR ");
        filters.push(format!("({visible})"));
        let words = fts5_query(&q.text);
        let topic = q.topic.as_deref().map(str::trim).filter(|t| !t.is_empty());
        // On SQLite the topic is a column filter of the search index too, so the index
        // drives it instead of a scan of every course's topics.
        let topic_words = topic.map(fts5_query).filter(|t| !t.is_empty() && !postgres);
        let mut rank = None;
        if postgres {
            if !words.is_empty() {
                let p = arg(Arg::Text(q.text.trim().to_string()));
                filters.push(format!("c.search @@ websearch_to_tsquery('english', {p})"));
                // Negated, so that on both backends a lower value ranks first.
                rank = Some(format!(
                    "-ts_rank(c.search, websearch_to_tsquery('english', {p}))"
                ));
            }
            // The topic's words among the topics' lexemes (weight B in the index), so
            // the index drives it, as on SQLite.
            if let Some(topic) = topic.map(topic_tsquery).filter(|t| !t.is_empty()) {
                let p = arg(Arg::Text(topic));
                filters.push(format!("c.search @@ to_tsquery('english', {p})"));
            }
        } else if !words.is_empty() || topic_words.is_some() {
            let matching = match (&topic_words, words.is_empty()) {
                (Some(t), true) => format!("topics : ({t})"),
                (Some(t), false) => format!("({words}) AND topics : ({t})"),
                (None, _) => words.clone(),
            };
            let p = arg(Arg::Text(matching));
            // The index drives (CROSS JOIN keeps that order): the matches are looked
            // up in `courses`, not every course in the index.
            from = format!(
                "course_search CROSS JOIN courses c ON c.id = course_search.rowid AND course_search MATCH {p}"
            );
            if !words.is_empty() {
                rank = Some("bm25(course_search, 10.0, 2.0, 5.0, 1.0)".to_string());
            }
        }
        if let Some(id) = q.course_id {
            filters.push(format!("c.id = {}", arg(Arg::Int(id))));
        }
        if let Some(provider) = &q.provider {
            filters.push(format!(
                "c.org_id = (SELECT id FROM organisations WHERE slug = {})",
                arg(Arg::Text(provider.clone()))
            ));
        }
        match q.free {
            Some(true) => filters.push("c.price_pence = 0".into()),
            Some(false) => filters.push("c.price_pence > 0".into()),
            None => {}
        }
        match q.format.as_deref() {
            Some("1.2") => filters.push(format!("{FORMAT} = '1.2'")),
            Some("2004") => filters.push(format!("{FORMAT} LIKE '2004%'")),
            _ => {}
        }
        if let Some(min) = q.min_minutes {
            filters.push(format!(
                "c.duration_minutes >= {}",
                arg(Arg::Int(min.into()))
            ));
        }
        if let Some(max) = q.max_minutes {
            filters.push(format!(
                "c.duration_minutes <= {}",
                arg(Arg::Int(max.into()))
            ));
        }
        let order = match (q.sort, &rank) {
            (Sort::Relevance, Some(_)) => "relevance, c.title, c.id",
            (Sort::Newest, _) => "c.updated_at DESC, c.id DESC",
            (Sort::PriceLowest, _) => "c.price_pence, c.title, c.id",
            _ => "c.title, c.id",
        };
        let filters = filters.join(" AND ");
        // A search or filter counts its matches only up to just past the cap: past it,
        // the page says "more than", and no request counts every match. The whole
        // catalogue is counted: from an index, with nothing else to check.
        let narrowed = rank.is_some()
            || topic.is_some()
            || q.provider.is_some()
            || q.free.is_some()
            || q.format.is_some()
            || q.min_minutes.is_some()
            || q.max_minutes.is_some();
        let count_sql = if narrowed && q.course_id.is_none() {
            format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM {from} WHERE {filters} LIMIT {}) AS capped",
                SEARCH_COUNT_CAP + 1
            )
        } else {
            format!("SELECT COUNT(*) FROM {from} WHERE {filters}")
        };
        let limit = arg(Arg::Int(q.limit));
        let offset = arg(Arg::Int(q.offset));
        // The page is chosen from the courses alone, and only its rows are joined with
        // their providers.
        let page_sql = format!(
            "SELECT c.id, c.org_id, c.title, c.summary, c.topics, c.audience, c.duration_minutes, c.language, c.accessibility_notes,
                    c.price_pence, c.licence_months, c.visibility, c.review_by, c.updated_at,
                    o.name AS provider, o.slug AS provider_slug, c.published_format AS scorm_version
             FROM (SELECT c.*, {relevance} AS relevance FROM {from} WHERE {filters} ORDER BY {order} LIMIT {limit} OFFSET {offset}) AS c
             JOIN organisations o ON o.id = c.org_id
             ORDER BY {order}",
            relevance = rank.as_deref().unwrap_or("0")
        );
        let counted = args.len() - 2;
        macro_rules! bind_all {
            ($query:expr, $args:expr) => {{
                let mut query = $query;
                for a in $args {
                    query = match a {
                        Arg::Text(t) => query.bind(t.as_str()),
                        Arg::Int(i) => query.bind(*i),
                    };
                }
                query
            }};
        }
        // Not kept as prepared statements: PostgreSQL would soon plan them once for any
        // words and filters (a generic plan), and a topic's search then walked the whole
        // title index, slower at every run (8 ms, then 100). Each is planned for its own.
        let (entries, total) = super::on_pool!(self, p => {
            let total: i64 = bind_all!(
                sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql)).persistent(false),
                &args[..counted]
            )
            .fetch_one(p)
            .await?;
            let entries: Vec<CatalogueEntry> =
                bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(page_sql)).persistent(false), &args)
                    .fetch_all(p)
                    .await?;
            (entries, total)
        });
        Ok((entries, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_topic_becomes_words_among_the_topics() {
        assert_eq!(
            topic_tsquery("Infection control"),
            "Infection:B & control:B"
        );
        assert_eq!(topic_tsquery("fire & (safety):*"), "fire:B & safety:B");
        assert_eq!(topic_tsquery("!|&"), "");
    }

    #[test]
    fn what_people_type_becomes_safe_prefix_terms() {
        assert_eq!(fts5_query("fire safety"), "\"fire\"* \"safety\"*");
        assert_eq!(
            fts5_query("  \"NEAR(a b)\" OR -x*  "),
            "\"NEAR\"* \"b\"* \"x\"*"
        );
        assert_eq!(fts5_query("signs of sepsis"), "\"signs\"* \"sepsis\"*");
        assert_eq!(fts5_query("''\"\"()"), "");
        assert_eq!(fts5_query("hygiène"), "\"hygiène\"*");
    }
}
