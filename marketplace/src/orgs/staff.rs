//! Staff lists from HR: a CSV (name, e-mail, employee number, job role, department,
//! line manager's e-mail, start date) that an organisation's administrator uploads, or
//! an operator imports from a shell. A dry run shows what would change, row by row; the
//! import makes exactly those changes, and running the same file twice changes nothing
//! the second time. A bad row is reported and the good ones still go in. New people get
//! an e-mail with a link to set their password.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::{Organisation, Role, normalise_email};
use crate::secrets;
use crate::store::{StaffDetails, Store, StoreError};

/// The most rows one file may hold.
pub const MAX_ROWS: usize = 50_000;
/// How long the link to set a first password works.
const WELCOME_SECS: i64 = 14 * 24 * 3600;

/// A problem with the whole file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    File(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What happens, or happened, to one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A new account and membership.
    Created,
    /// An existing account joins the organisation.
    Joined,
    /// A member whose details change (which ones in `detail`).
    Updated,
    Unchanged,
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowReport {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    pub email: String,
    pub outcome: Outcome,
    pub detail: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub applied: bool,
    pub rows: Vec<RowReport>,
    pub ignored_columns: Vec<String>,
    pub created: usize,
    pub joined: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: usize,
}

#[derive(Debug, Clone)]
struct Row {
    line: usize,
    name: String,
    email: String,
    employee_number: Option<String>,
    job_role: Option<String>,
    department: Vec<String>,
    manager: Option<String>,
    start_date: Option<String>,
}

/// A column's name as people write it (any case, spaces, hyphens or underscores), to
/// the field it fills.
fn column(header: &str) -> Option<&'static str> {
    let h: String = header
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    Some(match h.as_str() {
        "name" | "fullname" => "name",
        "email" | "emailaddress" => "email",
        "employeenumber" | "employeeno" | "assignmentnumber" | "staffnumber" => "employee_number",
        "jobrole" | "role" | "jobtitle" => "job_role",
        "department" | "dept" | "ward" | "team" => "department",
        "linemanageremail" | "linemanagersemail" | "manageremail" | "linemanager" => "manager",
        "startdate" | "started" => "start_date",
        _ => return None,
    })
}

/// A date as ISO `YYYY-MM-DD`, from that or the UK's `DD/MM/YYYY`.
fn date(s: &str) -> Option<String> {
    let iso = time::macros::format_description!("[year]-[month]-[day]");
    let uk = time::macros::format_description!("[day]/[month]/[year]");
    time::Date::parse(s, iso)
        .or_else(|_| time::Date::parse(s, uk))
        .ok()
        .and_then(|d| d.format(iso).ok())
}

fn text(v: &str, max: usize, what: &str) -> Result<Option<String>, String> {
    let v = v.trim();
    if v.chars().count() > max {
        return Err(format!("{what} is longer than {max} characters"));
    }
    Ok((!v.is_empty()).then(|| v.to_string()))
}

/// A file read: rows that parse, a report for each that does not, and the columns that
/// are not used.
#[derive(Debug)]
struct Parsed {
    rows: Vec<Row>,
    bad: Vec<RowReport>,
    ignored: Vec<String>,
}

/// Reads the file.
fn parse(bytes: &[u8]) -> Result<Parsed, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| ImportError::File(format!("the first line is not a CSV header: {e}")))?
        .clone();
    let fields: Vec<Option<&'static str>> = headers.iter().map(column).collect();
    let ignored: Vec<String> = headers
        .iter()
        .zip(&fields)
        .filter(|(_, f)| f.is_none())
        .map(|(h, _)| h.to_string())
        .collect();
    for needed in ["name", "email"] {
        if !fields.contains(&Some(needed)) {
            return Err(ImportError::File(format!(
                "the file has no `{needed}` column; the columns are: name, email, employee_number, job_role, department, line_manager_email, start_date"
            )));
        }
    }
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        if i >= MAX_ROWS {
            return Err(ImportError::File(format!(
                "the file has more than {MAX_ROWS} rows: split it"
            )));
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                bad.push(RowReport {
                    line,
                    email: String::new(),
                    outcome: Outcome::Error,
                    detail: format!("cannot be read: {e}"),
                });
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let mut values: BTreeMap<&str, &str> = BTreeMap::new();
        for (f, v) in fields.iter().zip(record.iter()) {
            if let Some(f) = f {
                values.insert(f, v);
            }
        }
        let get = |k: &str| values.get(k).copied().unwrap_or("");
        let raw_email = get("email").to_string();
        let row = (|| -> Result<Row, String> {
            let email = normalise_email(&raw_email)
                .ok_or_else(|| format!("`{raw_email}` is not an e-mail address"))?;
            if !seen.insert(email.clone()) {
                return Err(format!("{email} is already on an earlier row"));
            }
            let name = text(get("name"), 200, "the name")?.ok_or("the name is empty")?;
            let department: Vec<String> = get("department")
                .split('>')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if department.len() > 5 || department.iter().any(|d| d.chars().count() > 100) {
                return Err("the department is too deep or too long (at most 5 levels, 100 characters each)".into());
            }
            let manager =
                match get("manager") {
                    "" => None,
                    m => Some(normalise_email(m).ok_or_else(|| {
                        format!("the line manager `{m}` is not an e-mail address")
                    })?),
                };
            if manager.as_deref() == Some(email.as_str()) {
                return Err("a person cannot be their own line manager".into());
            }
            let start_date = match get("start_date") {
                "" => None,
                d => Some(date(d).ok_or_else(|| {
                    format!("the start date `{d}` is not a date like 2026-04-01 or 01/04/2026")
                })?),
            };
            Ok(Row {
                line,
                name,
                email,
                employee_number: text(get("employee_number"), 50, "the employee number")?,
                job_role: text(get("job_role"), 200, "the job role")?,
                department,
                manager,
                start_date,
            })
        })();
        match row {
            Ok(r) => rows.push(r),
            Err(detail) => bad.push(RowReport {
                line,
                email: raw_email,
                outcome: Outcome::Error,
                detail,
            }),
        }
    }
    Ok(Parsed { rows, bad, ignored })
}

/// Works out, and with `apply` makes, the changes a staff file asks of `org`.
/// New people are sent a welcome e-mail with a link to set their password, starting
/// with the site's address `welcome`; with `None` they are sent nothing (the demo, or a
/// trust whose staff will sign in another way).
pub async fn import(
    store: &Store,
    org: &Organisation,
    bytes: &[u8],
    apply: bool,
    actor: Option<i64>,
    welcome: Option<&str>,
) -> Result<ImportReport, ImportError> {
    let Parsed {
        rows,
        bad: mut reports,
        ignored: ignored_columns,
    } = parse(bytes)?;
    let in_file: BTreeSet<&str> = rows.iter().map(|r| r.email.as_str()).collect();
    // Plan: compare each row with what the organisation already has.
    let mut plan = Vec::new();
    for row in &rows {
        let user = store.user_by_email(&row.email).await?;
        let current = match &user {
            Some(u) => store.staff_details(org.id, u.id).await?,
            None => None,
        };
        let manager_id = match &row.manager {
            Some(m) => {
                match store.user_by_email(m).await? {
                    Some(u) if store.staff_details(org.id, u.id).await?.is_some() => Some(u.id),
                    _ if in_file.contains(m.as_str()) => None,
                    _ => {
                        reports.push(RowReport {
                        line: row.line,
                        email: row.email.clone(),
                        outcome: Outcome::Error,
                        detail: format!("the line manager {m} is not a member of {} and is not in this file", org.name),
                    });
                        continue;
                    }
                }
            }
            None => None,
        };
        let department_id = match row.department.last() {
            Some(d) => store.find_department(org.id, d).await?,
            None => None,
        };
        let (outcome, detail) = match (&user, &current) {
            (None, _) => (Outcome::Created, String::new()),
            (Some(_), None) => (Outcome::Joined, String::new()),
            (Some(_), Some(cur)) => {
                let mut changed = Vec::new();
                if cur.employee_number != row.employee_number {
                    changed.push("employee number");
                }
                if cur.job_role != row.job_role {
                    changed.push("job role");
                }
                if cur.department_id != department_id
                    || (department_id.is_none() && !row.department.is_empty())
                {
                    changed.push("department");
                }
                if cur.line_manager_id != manager_id
                    || (manager_id.is_none() && row.manager.is_some())
                {
                    changed.push("line manager");
                }
                if cur.start_date != row.start_date {
                    changed.push("start date");
                }
                if changed.is_empty() {
                    (Outcome::Unchanged, String::new())
                } else {
                    (Outcome::Updated, changed.join(", "))
                }
            }
        };
        plan.push((row, outcome, detail));
    }
    if apply {
        let mut ids: BTreeMap<&str, i64> = BTreeMap::new();
        for (row, outcome, _) in &plan {
            let user = match outcome {
                Outcome::Created => store.create_user(&row.email, &row.name, None).await?,
                _ => store
                    .user_by_email(&row.email)
                    .await?
                    .ok_or(StoreError::NotFound)?,
            };
            ids.insert(row.email.as_str(), user.id);
            if *outcome == Outcome::Unchanged {
                continue;
            }
            store.add_member(org.id, user.id, &[Role::Learner]).await?;
            if *outcome == Outcome::Created
                && let Some(link_base) = welcome
            {
                let token = secrets::random_token();
                store
                    .create_reset(user.id, &secrets::token_hash(&token), WELCOME_SECS)
                    .await?;
                store
                    .queue_mail(
                        &row.email,
                        &format!("Welcome to {} on the NHS learning portal", org.name),
                        &format!(
                            "Hello {},\n\n{} has added you to the NHS learning portal, where you will find your training. To set your password, open this link within 14 days:\n\n{link_base}/reset-password/{token}\n",
                            row.name, org.name
                        ),
                    )
                    .await?;
            }
        }
        // Second pass, once everyone in the file exists: departments and line managers.
        for (row, outcome, _) in &plan {
            if *outcome == Outcome::Unchanged {
                continue;
            }
            let mut parent = None;
            for d in &row.department {
                parent = Some(store.department(org.id, d, parent).await?);
            }
            let line_manager_id = match &row.manager {
                Some(m) => match ids.get(m.as_str()) {
                    Some(id) => Some(*id),
                    None => store.user_by_email(m).await?.map(|u| u.id),
                },
                None => None,
            };
            let details = StaffDetails {
                employee_number: row.employee_number.clone(),
                job_role: row.job_role.clone(),
                department_id: parent,
                line_manager_id,
                start_date: row.start_date.clone(),
            };
            store
                .set_staff_details(org.id, ids[row.email.as_str()], &details)
                .await?;
        }
    }
    let mut report = ImportReport {
        applied: apply,
        ignored_columns,
        ..Default::default()
    };
    for (row, outcome, detail) in plan {
        reports.push(RowReport {
            line: row.line,
            email: row.email.clone(),
            outcome,
            detail,
        });
    }
    reports.sort_by_key(|r| r.line);
    for r in &reports {
        match r.outcome {
            Outcome::Created => report.created += 1,
            Outcome::Joined => report.joined += 1,
            Outcome::Updated => report.updated += 1,
            Outcome::Unchanged => report.unchanged += 1,
            Outcome::Error => report.errors += 1,
        }
    }
    report.rows = reports;
    if apply && report.created + report.joined + report.updated > 0 {
        store
            .audit(
                Some(org.id),
                actor,
                "staff imported",
                &format!(
                    "{} created, {} joined, {} updated, {} unchanged, {} rows with errors",
                    report.created, report.joined, report.updated, report.unchanged, report.errors
                ),
            )
            .await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_dates_as_hr_systems_write_them() {
        assert_eq!(column("\u{feff}E-mail address"), Some("email"));
        assert_eq!(column("Line manager's e-mail"), Some("manager"));
        assert_eq!(column("Assignment Number"), Some("employee_number"));
        assert_eq!(column("Shoe size"), None);
        assert_eq!(date("01/04/2026").as_deref(), Some("2026-04-01"));
        assert_eq!(date("2026-04-01").as_deref(), Some("2026-04-01"));
        assert_eq!(date("31/02/2026"), None);
        assert_eq!(date("April"), None);
    }

    #[test]
    fn rows_are_checked_one_by_one() {
        let csv = "Name,Email,Department,Start date,Line manager email,Shoe size\n\
                   Sam Jones,sam@nhs.example,Surgery > Ward 7,01/04/2026,,9\n\
                   ,nobody@nhs.example,,,,\n\
                   Sam Again,SAM@nhs.example,,,,\n\
                   Ann Lee,ann@nhs.example,,yesterday,,\n\
                   Bo Chan,bo@nhs.example,,,bo@nhs.example,\n\
                   ,,,,,\n";
        let Parsed { rows, bad, ignored } = parse(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].department, ["Surgery", "Ward 7"]);
        assert_eq!(rows[0].start_date.as_deref(), Some("2026-04-01"));
        let lines: Vec<(usize, &str)> = bad.iter().map(|b| (b.line, b.detail.as_str())).collect();
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert!(lines[0].1.contains("name is empty"));
        assert!(lines[1].1.contains("already on an earlier row"));
        assert!(lines[2].1.contains("not a date"));
        assert!(lines[3].1.contains("own line manager"));
        assert_eq!(ignored, ["Shoe size"]);
        assert!(
            parse(b"email\nx@y.example\n")
                .unwrap_err()
                .to_string()
                .contains("no `name` column")
        );
    }
}
