//! Users and bearer tokens. Only a token's SHA-256 is kept; passwords are
//! argon2 hashes (made by `auth`).

use super::audit::append_in;
use super::{millis, Result, Store};
use crate::audit::Event;
use crate::auth::Role;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

/// Who is calling, as the store knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub user_id: i64,
    pub name: String,
    pub role: Role,
}

/// An OIDC identity's name is held by another user (a local account or
/// another subject).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameTaken;

#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    /// How the user proves who they are: `password`, `token only` or `oidc`.
    pub sign_in: &'static str,
}

/// The role of a `users` row.
fn role_of(r: &sqlx::any::AnyRow) -> Result<Role> {
    Role::parse(r.try_get("role")?).map_err(|_| super::StoreError::Corrupt { what: "user role" })
}

impl Store {
    /// Add a user, or change the role and password of an existing local
    /// one. A user known through the identity provider is refused: a
    /// password or token here would give one person a second way in, and
    /// re-enable them if they were disabled.
    pub async fn upsert_user(
        &self,
        name: &str,
        role: Role,
        password_hash: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO users (name, role, password_hash, disabled, created_at) VALUES ($1, $2, $3, 0, $4) \
             ON CONFLICT (name) DO UPDATE SET role = excluded.role, \
             password_hash = COALESCE(excluded.password_hash, users.password_hash), disabled = 0 \
             WHERE users.subject IS NULL RETURNING id",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(millis(now))
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(r) => Ok(r.try_get("id")?),
            None => Err(super::StoreError::ProviderUser(name.into())),
        }
    }

    /// The user `name` as it is, created with `role` (enabled, no password)
    /// if there is none; an existing user is never changed, so a disabled
    /// one stays disabled. (id, role, disabled, known through the provider).
    pub async fn ensure_user(&self, name: &str, role: Role, now: DateTime<Utc>) -> Result<(i64, Role, bool, bool)> {
        sqlx::query(
            "INSERT INTO users (name, role, password_hash, disabled, created_at) VALUES ($1, $2, NULL, 0, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(millis(now))
        .execute(self.pool())
        .await?;
        let r = sqlx::query("SELECT id, role, disabled, subject FROM users WHERE name = $1")
            .bind(name)
            .fetch_one(self.pool())
            .await?;
        Ok((
            r.try_get("id")?,
            role_of(&r)?,
            r.try_get::<i64, _>("disabled")? != 0,
            r.try_get::<Option<String>, _>("subject")?.is_some(),
        ))
    }

    /// Disable a user and drop their tokens; false when there is no such user.
    pub async fn disable_user(&self, name: &str) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let n = sqlx::query("UPDATE users SET disabled = 1 WHERE name = $1").bind(name).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM tokens WHERE user_id IN (SELECT id FROM users WHERE name = $1)")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n.rows_affected() > 0)
    }

    pub async fn users(&self) -> Result<Vec<UserRow>> {
        let rows = sqlx::query("SELECT name, role, disabled, password_hash, subject FROM users ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(UserRow {
                    name: r.try_get("name")?,
                    role: role_of(r)?,
                    disabled: r.try_get::<i64, _>("disabled")? != 0,
                    sign_in: if r.try_get::<Option<String>, _>("subject")?.is_some() {
                        "oidc"
                    } else if r.try_get::<Option<String>, _>("password_hash")?.is_some() {
                        "password"
                    } else {
                        "token only"
                    },
                })
            })
            .collect()
    }

    /// The password hash and principal of an enabled user.
    pub async fn password_of(&self, name: &str) -> Result<Option<(Principal, String)>> {
        let row = sqlx::query("SELECT id, name, role, password_hash FROM users WHERE name = $1 AND disabled = 0")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        let Some(r) = row else { return Ok(None) };
        let Some(hash) = r.try_get::<Option<String>, _>("password_hash")? else { return Ok(None) };
        Ok(Some((Principal { user_id: r.try_get("id")?, name: r.try_get("name")?, role: role_of(&r)? }, hash)))
    }

    /// Keep a token's hash for a user, valid until `expires_at` (or for good).
    pub async fn add_token(
        &self,
        user_id: i64,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        sqlx::query("INSERT INTO tokens (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(user_id)
            .bind(token_hash)
            .bind(millis(now))
            .bind(expires_at.map(millis))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Who holds the token with this hash, if it is valid at `now`.
    pub async fn principal(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Principal>> {
        let row = sqlx::query(
            "SELECT u.id, u.name, u.role FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND u.disabled = 0 AND (t.expires_at IS NULL OR t.expires_at > $2)",
        )
        .bind(token_hash)
        .bind(millis(now))
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| Ok(Principal { user_id: r.try_get("id")?, name: r.try_get("name")?, role: role_of(&r)? }))
            .transpose()
    }

    /// The user an OIDC identity stands for, created on first sight and kept
    /// in step with the provider's name and role (each change audited).
    /// `None` when the user was disabled here: the provider cannot undo that.
    /// A name already held by a local account or another subject is refused,
    /// so a token can never act as someone else.
    pub async fn oidc_user(
        &self,
        subject: &str,
        name: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<Option<Principal>, NameTaken>> {
        let found = sqlx::query("SELECT id, name, role, disabled FROM users WHERE subject = $1")
            .bind(subject)
            .fetch_optional(self.pool())
            .await?;
        if let Some(r) = &found {
            let (id, was_name, was_role): (i64, String, Role) = (r.try_get("id")?, r.try_get("name")?, role_of(r)?);
            if r.try_get::<i64, _>("disabled")? != 0 {
                return Ok(Ok(None));
            }
            if was_name == name && was_role == role {
                return Ok(Ok(Some(Principal { user_id: id, name: was_name, role: was_role })));
            }
        }
        let taken = sqlx::query("SELECT id FROM users WHERE name = $1 AND (subject IS NULL OR subject <> $2)")
            .bind(name)
            .bind(subject)
            .fetch_optional(self.pool())
            .await?;
        if taken.is_some() {
            return Ok(Err(NameTaken));
        }
        let action = if found.is_some() { "user_change" } else { "user_add" };
        let mut tx = self.pool().begin().await?;
        // The write comes first (SQLite: a transaction that reads first cannot
        // always upgrade). The name's own uniqueness refuses a race with a new
        // local account.
        let row = sqlx::query(
            "INSERT INTO users (name, role, password_hash, disabled, created_at, subject) \
             VALUES ($1, $2, NULL, 0, $3, $4) \
             ON CONFLICT (subject) DO UPDATE SET name = excluded.name, role = excluded.role \
             WHERE users.name <> excluded.name OR users.role <> excluded.role RETURNING id, disabled",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(millis(now))
        .bind(subject)
        .fetch_optional(&mut *tx)
        .await;
        let row = match row {
            // Another account took the name since the check above.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(Err(NameTaken)),
            r => r?,
        };
        let Some(row) = row else {
            // Another request (or instance) made the same change first: nothing to record.
            tx.rollback().await?;
            let r = sqlx::query("SELECT id, disabled FROM users WHERE subject = $1")
                .bind(subject)
                .fetch_one(self.pool())
                .await?;
            let enabled = r.try_get::<i64, _>("disabled")? == 0;
            let principal = Principal { user_id: r.try_get("id")?, name: name.into(), role };
            return Ok(Ok(enabled.then_some(principal)));
        };
        let id: i64 = row.try_get("id")?;
        if row.try_get::<i64, _>("disabled")? != 0 {
            tx.rollback().await?;
            return Ok(Ok(None));
        }
        let detail = serde_json::json!({ "role": role.as_str(), "source": "oidc" });
        append_in(&mut tx, &Event::new("oidc", "system", action, format!("user:{name}"), detail), now).await?;
        tx.commit().await?;
        self.audit_wake();
        Ok(Ok(Some(Principal { user_id: id, name: name.into(), role })))
    }

    /// Revoke the token with this hash (signing out).
    pub async fn revoke_token(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM tokens WHERE token_hash = $1").bind(token_hash).execute(self.pool()).await?;
        Ok(())
    }
}
