//! Signing in, for the API (`POST /api/v1/login`) and the console alike:
//! argon2 passwords, login throttling, session tokens (kept as hashes like
//! every token), the console's cookie and its CSRF token.

use super::{ApiError, AppState};
use crate::audit::Event;
use crate::auth::{self, token_hash};
use crate::digest::sha256_hex;
use crate::store::Principal;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;

/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;
/// The console's session cookie.
pub const COOKIE: &str = "pxs_session";
/// Failed sign-ins per user name within [`THROTTLE_MINUTES`] before it is locked that long.
pub const MAX_FAILURES: usize = 5;
pub const THROTTLE_MINUTES: i64 = 15;

/// Failed sign-ins per user name, in memory (per instance).
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, Vec<DateTime<Utc>>>>,
}

impl Throttle {
    fn recent(&self, name: &str, now: DateTime<Utc>) -> usize {
        let mut f = self.failures.lock().expect("not poisoned");
        let list = f.entry(name.to_string()).or_default();
        list.retain(|t| now.signed_duration_since(*t) < Duration::minutes(THROTTLE_MINUTES));
        list.len()
    }

    fn fail(&self, name: &str, now: DateTime<Utc>) {
        let mut f = self.failures.lock().expect("not poisoned");
        if f.len() > 100_000 {
            f.clear();
        }
        f.entry(name.to_string()).or_default().push(now);
    }

    fn clear(&self, name: &str) {
        self.failures.lock().expect("not poisoned").remove(name);
    }
}

/// Check a user name and password; on success a new session token (shown
/// once, kept as its hash). Refusals, throttling and sign-ins are audited.
pub async fn sign_in(s: &AppState, username: &str, password: &str, via: &str) -> Result<(String, Principal), ApiError> {
    let now = s.pipeline.clock.now();
    let bad = || ApiError(StatusCode::UNAUTHORIZED, "unknown user or wrong password".into());
    let username = username.trim();
    if username.is_empty() || username.len() > 128 || password.len() > 1024 {
        return Err(bad());
    }
    if s.throttle.recent(username, now) >= MAX_FAILURES {
        let e = Event::new(
            username,
            "unknown",
            "sign_in_refused",
            format!("user:{username}"),
            json!({"throttled": true, "via": via}),
        );
        s.store.audit(&e, now).await?;
        return Err(ApiError(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many failed sign-ins: try again in {THROTTLE_MINUTES} minutes"),
        ));
    }
    let found = s.store.password_of(username).await?;
    let password = password.to_string();
    let ok = match &found {
        Some((_, hash)) => {
            let hash = hash.clone();
            tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash)).await.unwrap_or(false)
        }
        None => {
            // Same work as a real check, so timing does not tell which users exist.
            let _ = tokio::task::spawn_blocking(move || auth::verify_nobody(&password)).await;
            false
        }
    };
    let Some((principal, _)) = found.filter(|_| ok) else {
        s.throttle.fail(username, now);
        let e = Event::new(username, "unknown", "sign_in_refused", format!("user:{username}"), json!({"via": via}));
        s.store.audit(&e, now).await?;
        return Err(bad());
    };
    s.throttle.clear(username);
    let token = auth::new_token();
    s.store.add_token(principal.user_id, &token_hash(&token), now, Some(now + Duration::hours(SESSION_HOURS))).await?;
    tracing::info!(user = %principal.name, role = %principal.role, via, "signed in");
    let e = Event::new(
        &principal.name,
        principal.role.as_str(),
        "sign_in",
        format!("user:{}", principal.name),
        json!({"via": via}),
    );
    s.store.audit(&e, now).await?;
    Ok((token, principal))
}

/// The session token in the request's cookie, if any.
pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// The `Set-Cookie` value for a session: not readable by scripts, sent
/// only to this site, only over HTTPS when `secure`.
pub fn set_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}", SESSION_HOURS * 3600)
}

pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

/// The CSRF token of a session: derived from the session token, so it
/// needs no storage, and worthless without the cookie it goes with.
pub fn csrf_token(session: &str) -> String {
    sha256_hex(format!("paxscreen-csrf:{session}").as_bytes())
}

/// Whether `given` is the CSRF token of `session` (compared in constant time).
pub fn csrf_ok(session: &str, given: &str) -> bool {
    let want = csrf_token(session);
    want.len() == given.len() && want.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The principal behind a session token, if valid now.
pub async fn principal_of(s: &AppState, token: &str) -> Result<Option<Principal>, ApiError> {
    Ok(s.store.principal(&token_hash(token), s.pipeline.clock.now()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let t = csrf_token("pxs_a");
        assert!(csrf_ok("pxs_a", &t));
        assert!(!csrf_ok("pxs_b", &t));
        assert!(!csrf_ok("pxs_a", ""));
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::COOKIE, "a=1; pxs_session=pxs_xyz; b=2".parse().unwrap());
        assert_eq!(cookie_token(&h).as_deref(), Some("pxs_xyz"));
        assert!(set_cookie("t", true).contains("HttpOnly; SameSite=Strict"));
    }

    #[test]
    fn five_failures_lock_a_name_for_a_while() {
        let t = Throttle::default();
        let now = Utc::now();
        for _ in 0..MAX_FAILURES {
            t.fail("alice", now);
        }
        assert_eq!(t.recent("alice", now), MAX_FAILURES);
        assert_eq!(t.recent("alice", now + Duration::minutes(THROTTLE_MINUTES + 1)), 0);
        assert_eq!(t.recent("bob", now), 0);
    }
}
