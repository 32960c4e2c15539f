//! Signing in, for the API (`POST /api/v1/login`) and the console alike:
//! argon2 passwords, login throttling, session tokens (kept as hashes like
//! every token), the console's cookie and its CSRF token.

use super::{ApiError, AppState};
use crate::audit::Event;
use crate::auth::{self, token_hash};
use crate::digest::sha256_hex;
use crate::store::{Principal, StoreError};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Duration;
use serde_json::json;
use std::net::IpAddr;

/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;
/// The console's session cookie.
pub const COOKIE: &str = "pxs_session";

/// A sign-in refused: the status, what to tell the user, and when to try
/// again (`Retry-After`, for `429` and `503`).
#[derive(Debug)]
pub struct SignInRefused {
    pub status: StatusCode,
    pub message: String,
    pub retry_after: Option<u64>,
}

impl From<StoreError> for SignInRefused {
    fn from(e: StoreError) -> Self {
        let ApiError(status, message) = ApiError::from(e);
        SignInRefused { status, message, retry_after: Some(1) }
    }
}

impl SignInRefused {
    /// The `Retry-After` header to send with a response, if any.
    pub fn retry_header(&self) -> Option<(header::HeaderName, HeaderValue)> {
        self.retry_after.map(|s| (header::RETRY_AFTER, HeaderValue::from(s)))
    }
}

impl IntoResponse for SignInRefused {
    fn into_response(self) -> Response {
        let retry = self.retry_header();
        let mut r = (self.status, Json(json!({ "error": self.message }))).into_response();
        if let Some((k, v)) = retry {
            r.headers_mut().insert(k, v);
        }
        r
    }
}

/// Check a user name and password from `address`; on success a new
/// session token (shown once, kept as its hash). The throttle refuses an
/// attempt before its password is checked; password checks wait in a
/// bounded queue. Failures are audited as summaries per address (no name
/// as typed); sign-ins one by one.
pub async fn sign_in(
    s: &AppState,
    username: &str,
    password: &str,
    via: &str,
    address: IpAddr,
) -> Result<(String, Principal), SignInRefused> {
    let now = s.pipeline.clock.now();
    let bad = || SignInRefused {
        status: StatusCode::UNAUTHORIZED,
        message: "unknown user or wrong password".into(),
        retry_after: None,
    };
    let username = username.trim();
    let key = s.name_keys.of(username);
    if username.is_empty() || username.len() > 128 || password.len() > 1024 {
        s.failures.note(address, &key, false, now);
        return Err(bad());
    }
    let ticket = match s.throttle.begin(&key, address, now) {
        Ok(t) => t,
        Err(which) => {
            s.failures.note(address, &key, true, now);
            let minutes = s.throttle.limits().window.num_minutes();
            let what = match which {
                super::throttle::Throttled::Name => "for this user name",
                super::throttle::Throttled::Address => "from this address",
            };
            return Err(SignInRefused {
                status: StatusCode::TOO_MANY_REQUESTS,
                message: format!("too many failed sign-ins {what}: try again in {minutes} minutes"),
                retry_after: Some(s.throttle.limits().window.num_seconds().max(1) as u64),
            });
        }
    };
    let found = s.store.password_of(username).await?;
    let hash = found.as_ref().map(|(_, h)| h.clone());
    let ok = s.passwords.verify(password, hash).await.map_err(|busy| SignInRefused {
        status: StatusCode::SERVICE_UNAVAILABLE,
        message: busy.to_string(),
        retry_after: Some(1),
    })?;
    let Some((principal, _)) = found.filter(|_| ok) else {
        ticket.failed(now);
        s.failures.note(address, &key, false, now);
        return Err(bad());
    };
    ticket.succeeded();
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
}
