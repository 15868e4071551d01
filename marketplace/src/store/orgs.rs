//! Organisations, their sub-sites' branding, members and roles, and the audit log.

use serde::Serialize;

use super::{Store, StoreError, conflict, now, on_pool};
use crate::model::{Branding, Membership, OrgKind, Organisation, Role, User};

macro_rules! org_columns {
    () => {
        "id, slug, name, kind, primary_colour, key_messages, contact, accessibility_statement, logo_key"
    };
}

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    slug: String,
    name: String,
    kind: String,
    primary_colour: Option<String>,
    key_messages: String,
    contact: String,
    accessibility_statement: String,
    logo_key: Option<String>,
}

impl TryFrom<OrgRow> for Organisation {
    type Error = StoreError;
    fn try_from(r: OrgRow) -> Result<Self, StoreError> {
        Ok(Organisation {
            kind: r.kind.parse().map_err(StoreError::Corrupt)?,
            id: r.id,
            slug: r.slug,
            name: r.name,
            primary_colour: r.primary_colour,
            key_messages: r.key_messages,
            contact: r.contact,
            accessibility_statement: r.accessibility_statement,
            logo_key: r.logo_key,
        })
    }
}

/// One line of an organisation's audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub detail: String,
}

fn roles_from(texts: Vec<String>) -> Result<Vec<Role>, StoreError> {
    let mut roles = texts
        .into_iter()
        .map(|t| t.parse().map_err(StoreError::Corrupt))
        .collect::<Result<Vec<Role>, _>>()?;
    roles.sort();
    Ok(roles)
}

/// Roles as `string_agg` lists them: `coach,learner`, or nothing.
fn roles_listed(list: Option<String>) -> Result<Vec<Role>, StoreError> {
    roles_from(
        list.unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

impl Store {
    /// Creates an organisation; a slug already in use is [`StoreError::Conflict`].
    pub async fn create_org(
        &self,
        slug: &str,
        name: &str,
        kind: OrgKind,
    ) -> Result<Organisation, StoreError> {
        let row: OrgRow = on_pool!(self, p => sqlx::query_as(concat!(
            "INSERT INTO organisations (slug, name, kind, created_at) VALUES ($1, $2, $3, $4) RETURNING ",
            org_columns!()
        ))
        .bind(slug)
        .bind(name)
        .bind(kind.as_str())
        .bind(now())
        .fetch_one(p)
        .await
        .map_err(conflict("address (slug)"))?);
        row.try_into()
    }

    pub async fn org_by_id(&self, id: i64) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrgRow> = on_pool!(self, p => sqlx::query_as(concat!(
            "SELECT ", org_columns!(), " FROM organisations WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(p)
        .await?);
        row.map(Organisation::try_from).transpose()
    }

    pub async fn org_by_slug(&self, slug: &str) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrgRow> = on_pool!(self, p => sqlx::query_as(concat!(
            "SELECT ", org_columns!(), " FROM organisations WHERE slug = $1"
        ))
        .bind(slug)
        .fetch_optional(p)
        .await?);
        row.map(Organisation::try_from).transpose()
    }

    /// Every organisation, by name.
    pub async fn list_orgs(&self) -> Result<Vec<Organisation>, StoreError> {
        let rows: Vec<OrgRow> = on_pool!(self, p => sqlx::query_as(concat!(
            "SELECT ", org_columns!(), " FROM organisations ORDER BY name, id"
        ))
        .fetch_all(p)
        .await?);
        rows.into_iter().map(Organisation::try_from).collect()
    }

    /// Changes an organisation's name and sub-site branding.
    pub async fn update_branding(&self, org_id: i64, b: &Branding) -> Result<(), StoreError> {
        let done = on_pool!(self, p => sqlx::query(
            "UPDATE organisations SET name = $1, primary_colour = $2, key_messages = $3, contact = $4, accessibility_statement = $5 WHERE id = $6"
        )
        .bind(&b.name)
        .bind(&b.primary_colour)
        .bind(&b.key_messages)
        .bind(&b.contact)
        .bind(&b.accessibility_statement)
        .bind(org_id)
        .execute(p)
        .await?
        .rows_affected());
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Makes `user_id` a member of `org_id` (if not already) with `roles` added to any
    /// they hold. Running it twice changes nothing the second time; returns the roles
    /// that were new.
    pub async fn add_member(
        &self,
        org_id: i64,
        user_id: i64,
        roles: &[Role],
    ) -> Result<Vec<Role>, StoreError> {
        let mut added = Vec::new();
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO members (org_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (org_id, user_id) DO NOTHING",
            )
            .bind(org_id)
            .bind(user_id)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            for role in roles {
                let r = sqlx::query(
                    "INSERT INTO member_roles (org_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (org_id, user_id, role) DO NOTHING",
                )
                .bind(org_id)
                .bind(user_id)
                .bind(role.as_str())
                .execute(&mut *tx)
                .await?;
                if r.rows_affected() > 0 {
                    added.push(*role);
                }
            }
            tx.commit().await?;
        });
        Ok(added)
    }

    /// Takes one role away; the person stays a member.
    pub async fn remove_role(
        &self,
        org_id: i64,
        user_id: i64,
        role: Role,
    ) -> Result<bool, StoreError> {
        let r = on_pool!(self, p => sqlx::query(
            "DELETE FROM member_roles WHERE org_id = $1 AND user_id = $2 AND role = $3"
        )
        .bind(org_id)
        .bind(user_id)
        .bind(role.as_str())
        .execute(p)
        .await?
        .rows_affected());
        Ok(r > 0)
    }

    /// The roles `user_id` holds in `org_id` (none when not a member).
    pub async fn roles(&self, org_id: i64, user_id: i64) -> Result<Vec<Role>, StoreError> {
        let texts: Vec<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT role FROM member_roles WHERE org_id = $1 AND user_id = $2"
        )
        .bind(org_id)
        .bind(user_id)
        .fetch_all(p)
        .await?);
        roles_from(texts)
    }

    /// Every organisation `user_id` belongs to, with their roles there, by name.
    pub async fn memberships(&self, user_id: i64) -> Result<Vec<Membership>, StoreError> {
        let rows: Vec<OrgRow> = on_pool!(self, p => sqlx::query_as(concat!(
            "SELECT ", org_columns!(), " FROM organisations JOIN members ON members.org_id = organisations.id WHERE members.user_id = $1 ORDER BY name"
        ))
        .bind(user_id)
        .fetch_all(p)
        .await?);
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let org = Organisation::try_from(row)?;
            let roles = self.roles(org.id, user_id).await?;
            out.push(Membership { org, roles });
        }
        Ok(out)
    }

    /// The members of `org_id`, by name, with their roles there.
    pub async fn members(&self, org_id: i64) -> Result<Vec<(User, Vec<Role>)>, StoreError> {
        self.members_page(org_id, i64::MAX, 0).await
    }

    /// How many members `org_id` has.
    pub async fn member_count(&self, org_id: i64) -> Result<i64, StoreError> {
        Ok(
            on_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE org_id = $1")
            .bind(org_id)
            .fetch_one(p)
            .await?),
        )
    }

    /// `limit` members of `org_id` from the `offset`th, by name, with their roles.
    pub async fn members_page(
        &self,
        org_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<(User, Vec<Role>)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            email: String,
            name: String,
            roles: Option<String>,
        }
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT u.id, u.email, u.name, (SELECT string_agg(r.role, ',') FROM member_roles r WHERE r.org_id = m.org_id AND r.user_id = m.user_id) AS roles
             FROM members m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY u.name, u.id LIMIT $2 OFFSET $3"
        )
        .bind(org_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await?);
        rows.into_iter()
            .map(|r| {
                let roles = roles_listed(r.roles)?;
                Ok((
                    User {
                        id: r.id,
                        email: r.email,
                        name: r.name,
                        password_hash: None,
                    },
                    roles,
                ))
            })
            .collect()
    }

    /// Records an administrative action (or a sign-in, with no organisation).
    pub async fn audit(
        &self,
        org_id: Option<i64>,
        actor_id: Option<i64>,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO audit_log (org_id, actor_id, action, detail, at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(org_id)
        .bind(actor_id)
        .bind(action)
        .bind(detail)
        .bind(now())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The newest `limit` entries of an organisation's audit log, newest first: its own
    /// actions, and its members' sign-ins and account changes (which belong to no one
    /// organisation).
    pub async fn audit_log(&self, org_id: i64, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT a.at, u.email AS actor, a.action, a.detail FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
             WHERE a.org_id = $1
                OR (a.org_id IS NULL AND a.actor_id IN (SELECT user_id FROM members WHERE org_id = $1))
             ORDER BY a.at DESC, a.id DESC LIMIT $2"
        )
        .bind(org_id)
        .bind(limit)
        .fetch_all(p)
        .await?))
    }
}

impl Store {
    /// Whether `user_id` administers the whole platform.
    pub async fn is_platform_admin(&self, user_id: i64) -> Result<bool, StoreError> {
        let n: i64 = on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM member_roles WHERE user_id = $1 AND role = 'platform-admin'"
        )
        .bind(user_id)
        .fetch_one(p)
        .await?);
        Ok(n > 0)
    }
}

/// What an organisation knows of a member from HR: employee number, job role,
/// department, line manager and start date.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffDetails {
    pub employee_number: Option<String>,
    pub job_role: Option<String>,
    pub department_id: Option<i64>,
    pub line_manager_id: Option<i64>,
    pub start_date: Option<String>,
}

impl Store {
    /// The department called `name` under `parent` in `org_id`, made if it is new.
    /// Names are unique within an organisation.
    pub async fn department(
        &self,
        org_id: i64,
        name: &str,
        parent: Option<i64>,
    ) -> Result<i64, StoreError> {
        let found: Option<i64> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT id FROM departments WHERE org_id = $1 AND name = $2"
        )
        .bind(org_id)
        .bind(name)
        .fetch_optional(p)
        .await?);
        if let Some(id) = found {
            return Ok(id);
        }
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO departments (org_id, name, parent_id) VALUES ($1, $2, $3)
             ON CONFLICT (org_id, name) DO UPDATE SET name = excluded.name RETURNING id"
        )
        .bind(org_id)
        .bind(name)
        .bind(parent)
        .fetch_one(p)
        .await?))
    }

    /// The id of the department called `name`, if there is one.
    pub async fn find_department(
        &self,
        org_id: i64,
        name: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT id FROM departments WHERE org_id = $1 AND name = $2"
        )
        .bind(org_id)
        .bind(name)
        .fetch_optional(p)
        .await?))
    }

    /// A member's HR details, or `None` when not a member.
    pub async fn staff_details(
        &self,
        org_id: i64,
        user_id: i64,
    ) -> Result<Option<StaffDetails>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT employee_number, job_role, department_id, line_manager_id, start_date FROM members WHERE org_id = $1 AND user_id = $2"
        )
        .bind(org_id)
        .bind(user_id)
        .fetch_optional(p)
        .await?))
    }

    /// Replaces a member's HR details.
    pub async fn set_staff_details(
        &self,
        org_id: i64,
        user_id: i64,
        d: &StaffDetails,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query(
            "UPDATE members SET employee_number = $1, job_role = $2, department_id = $3, line_manager_id = $4, start_date = $5 WHERE org_id = $6 AND user_id = $7"
        )
        .bind(&d.employee_number)
        .bind(&d.job_role)
        .bind(d.department_id)
        .bind(d.line_manager_id)
        .bind(&d.start_date)
        .bind(org_id)
        .bind(user_id)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }
}

/// A department and how many members it holds directly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Department {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub members: i64,
}

impl Store {
    /// An organisation's departments, by name.
    pub async fn departments(&self, org_id: i64) -> Result<Vec<Department>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT d.id, d.name, d.parent_id, (SELECT COUNT(*) FROM members m WHERE m.department_id = d.id) AS members
             FROM departments d WHERE d.org_id = $1 ORDER BY d.name"
        )
        .bind(org_id)
        .fetch_all(p)
        .await?))
    }
}

impl Store {
    /// Renames department `id` of `org_id` and puts it inside `parent` (`None`: at the
    /// top). The caller checks that `parent` is not the department or inside it.
    pub async fn update_department(
        &self,
        org_id: i64,
        id: i64,
        name: &str,
        parent: Option<i64>,
    ) -> Result<(), StoreError> {
        let changed = on_pool!(self, p => sqlx::query(
            "UPDATE departments SET name = $1, parent_id = $2 WHERE org_id = $3 AND id = $4"
        )
        .bind(name)
        .bind(parent)
        .bind(org_id)
        .bind(id)
        .execute(p)
        .await
        .map_err(super::conflict("name"))?
        .rows_affected());
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Removes department `id` of `org_id`: the departments and staff directly inside
    /// it move up to the department it was in (or to none), in one transaction.
    pub async fn remove_department(&self, org_id: i64, id: i64) -> Result<(), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let parent: Option<i64> = sqlx::query_scalar(
                "SELECT parent_id FROM departments WHERE org_id = $1 AND id = $2",
            )
            .bind(org_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            sqlx::query("UPDATE departments SET parent_id = $1 WHERE org_id = $2 AND parent_id = $3")
                .bind(parent)
                .bind(org_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE members SET department_id = $1 WHERE org_id = $2 AND department_id = $3")
                .bind(parent)
                .bind(org_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM departments WHERE org_id = $1 AND id = $2")
                .bind(org_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

impl Store {
    /// Sets (or with `None` removes) the storage key of an organisation's logo, and
    /// gives the key it had before.
    pub async fn set_logo(
        &self,
        org_id: i64,
        key: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let old: Option<String> =
                sqlx::query_scalar("SELECT logo_key FROM organisations WHERE id = $1")
                    .bind(org_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
            sqlx::query("UPDATE organisations SET logo_key = $1 WHERE id = $2")
                .bind(key)
                .bind(org_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(old)
        })
    }
}

/// A member as HR systems see them: who, roles, and what HR knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberRecord {
    /// The account's id: stable, and the cursor of the API's pages.
    pub id: i64,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub employee_number: Option<String>,
    pub job_role: Option<String>,
    pub department: Option<String>,
    pub line_manager_email: Option<String>,
    pub start_date: Option<String>,
}

impl Store {
    /// Up to `limit` members of `org_id` whose account id is above `after`, by id: a
    /// page that stays right while members join and leave between requests.
    pub async fn member_records(
        &self,
        org_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<MemberRecord>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            email: String,
            name: String,
            roles: Option<String>,
            employee_number: Option<String>,
            job_role: Option<String>,
            department: Option<String>,
            line_manager_email: Option<String>,
            start_date: Option<String>,
        }
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT u.id, u.email, u.name,
                    (SELECT string_agg(r.role, ',') FROM member_roles r WHERE r.org_id = m.org_id AND r.user_id = m.user_id) AS roles,
                    m.employee_number, m.job_role, d.name AS department, lm.email AS line_manager_email, m.start_date
             FROM members m
             JOIN users u ON u.id = m.user_id
             LEFT JOIN departments d ON d.id = m.department_id AND d.org_id = m.org_id
             LEFT JOIN users lm ON lm.id = m.line_manager_id
             WHERE m.org_id = $1 AND m.user_id > $2
             ORDER BY m.user_id LIMIT $3"
        )
        .bind(org_id)
        .bind(after)
        .bind(limit)
        .fetch_all(p)
        .await?);
        rows.into_iter()
            .map(|r| {
                Ok(MemberRecord {
                    roles: roles_listed(r.roles)?,
                    id: r.id,
                    email: r.email,
                    name: r.name,
                    employee_number: r.employee_number,
                    job_role: r.job_role,
                    department: r.department,
                    line_manager_email: r.line_manager_email,
                    start_date: r.start_date,
                })
            })
            .collect()
    }
}
