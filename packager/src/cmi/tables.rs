//! The data models as JSON, for a run-time API written in another language (the
//! marketplace's player in the browser): every element with its access, type and
//! default, the `_children` lists, the arrays and the error codes with their
//! descriptions. Generated from [`super::model`], so the two never drift apart.

use serde_json::{Value, json};

use super::model::{Access, Model, SCORM_12, SCORM_2004};
use super::types::Type;
use super::{ErrorCode, Version};

/// The tables of `version`'s data model and API.
///
/// ```
/// use packager::cmi::{Version, tables};
///
/// let t = tables(Version::Scorm2004);
/// assert_eq!(t["elements"]["cmi.learner_id"]["access"], "r");
/// assert_eq!(t["errors"]["404"], "Data Model Element Is Read Only");
/// ```
pub fn tables(version: Version) -> Value {
    let model: &Model = match version {
        Version::Scorm12 => &SCORM_12,
        Version::Scorm2004 => &SCORM_2004,
    };
    let elements: serde_json::Map<String, Value> = model
        .elements
        .iter()
        .map(|e| {
            let access = match e.access {
                Access::ReadOnly => "r",
                Access::WriteOnly => "w",
                Access::ReadWrite => "rw",
            };
            (
                e.path.to_string(),
                json!({ "access": access, "type": type_json(e.ty), "default": e.default }),
            )
        })
        .collect();
    let children: serde_json::Map<String, Value> = model
        .children
        .iter()
        .map(|(p, c)| (p.to_string(), json!(c)))
        .collect();
    let errors: serde_json::Map<String, Value> = (0..1000)
        .filter_map(|n| ErrorCode::from_number(version, n))
        .map(|e| (e.as_str().to_string(), json!(e.description())))
        .collect();
    json!({
        "version": match version { Version::Scorm12 => "1.2", Version::Scorm2004 => "2004" },
        "elements": elements,
        "children": children,
        "arrays": model.arrays,
        "errors": errors,
    })
}

fn type_json(ty: Type) -> Value {
    match ty {
        Type::Text(max) => json!({ "kind": "text", "max": max }),
        Type::Limited(max) => json!({ "kind": "limited", "max": max }),
        Type::Localized(max) => json!({ "kind": "localized", "max": max }),
        Type::Identifier(max) => json!({ "kind": "identifier", "max": max }),
        Type::Real { min, max } => json!({ "kind": "real", "min": min, "max": max }),
        Type::Score12 => json!({ "kind": "score12" }),
        Type::Integer { min, max } => json!({ "kind": "integer", "min": min, "max": max }),
        Type::Vocabulary(words) => json!({ "kind": "vocabulary", "words": words }),
        Type::Duration => json!({ "kind": "duration" }),
        Type::Timespan => json!({ "kind": "timespan" }),
        Type::Timestamp => json!({ "kind": "timestamp" }),
        Type::Time12 => json!({ "kind": "time12" }),
        Type::Language => json!({ "kind": "language" }),
        Type::Result2004 => json!({ "kind": "result2004" }),
        Type::Result12 => json!({ "kind": "result12" }),
        Type::Response => json!({ "kind": "response" }),
    }
}
