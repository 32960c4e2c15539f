//! HTTP: the JSON API on `http.listen` (bearer tokens on every call) and
//! the operations endpoints on `http.metrics_listen` (no authentication).

mod api;
mod console;
pub mod failures;
pub mod hashing;
pub mod listener;
mod ops;
pub mod session;
pub mod throttle;

pub use api::api_router;
pub use console::console_router;
pub use ops::ops_router;

use crate::auth::{token_hash, Role};
use crate::oidc::{looks_like_jwt, Oidc, OidcError};
use crate::store::{Principal, Store};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;

/// What every handler shares.
pub struct AppState {
    pub pipeline: Arc<crate::pipeline::Pipeline>,
    pub store: Store,
    /// Failed sign-ins per user name and per client address (`[login]`).
    pub throttle: throttle::Throttle,
    /// Password checks: a bounded pool with a short queue (`[login]`).
    pub passwords: hashing::PasswordChecker,
    /// Failed sign-ins gathered for their audit summaries.
    pub failures: failures::FailureLog,
    /// Keyed hashes of user names as typed.
    pub name_keys: failures::NameKeys,
    /// The header a trusted proxy puts the client's address in
    /// (`http.client_address_header`); `None`: the peer's address.
    pub client_address_header: Option<axum::http::HeaderName>,
    /// Session cookies only over HTTPS (`http.secure_cookies`).
    pub secure_cookies: bool,
    /// JWTs from the identity provider as bearer tokens (`[oidc]`).
    pub oidc: Option<Arc<Oidc>>,
}

impl AppState {
    /// The state for `config`: the throttle, the password checkers and the
    /// installation's secret (read from, or made in, the store).
    pub async fn new(
        pipeline: Arc<crate::pipeline::Pipeline>,
        store: Store,
        config: &crate::config::Config,
        oidc: Option<Arc<Oidc>>,
    ) -> Result<AppState, crate::store::StoreError> {
        let l = &config.login;
        let limits = throttle::Limits {
            per_name: l.max_failures_per_name,
            per_address: l.max_failures_per_address,
            window: chrono::Duration::minutes(l.window_minutes as i64),
        };
        let header = config.http.client_address_header.trim();
        let client_address_header = if header.is_empty() {
            None
        } else {
            // Checked when the configuration was loaded.
            axum::http::HeaderName::from_bytes(header.to_ascii_lowercase().as_bytes()).ok()
        };
        Ok(AppState {
            pipeline,
            name_keys: failures::NameKeys::new(store.install_secret().await?),
            store,
            throttle: throttle::Throttle::new(limits),
            passwords: hashing::PasswordChecker::start(l.hash_workers, l.hash_queue),
            failures: Default::default(),
            client_address_header,
            secure_cookies: config.http.secure_cookies,
            oidc,
        })
    }

    /// Write the failed sign-in summaries due at `now` (all: at shutdown).
    pub async fn audit_failures(&self, all: bool) -> Result<(), crate::store::StoreError> {
        let now = self.pipeline.clock.now();
        for e in self.failures.take_due(now, all) {
            self.store.audit(&e, now).await?;
        }
        Ok(())
    }
}

/// The client's address: the peer's, or, behind a trusted proxy, the last
/// address in the configured header (the one that proxy added). A header
/// is never believed unless configured. Unknown (no connection, as in
/// tests driving the router directly): the unspecified address.
pub struct ClientAddress(pub std::net::IpAddr);

impl FromRequestParts<Arc<AppState>> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(std::net::IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED));
        let Some(name) = &state.client_address_header else { return Ok(ClientAddress(peer)) };
        let forwarded = parts
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .and_then(|a| a.trim().parse::<std::net::IpAddr>().ok());
        Ok(ClientAddress(forwarded.unwrap_or(peer)))
    }
}

/// The roles a route admits, as a type: [`Authorized`] checks them while
/// reading the request's head, so a caller with another role is refused
/// `403` before the body is read (or found unreadable).
pub trait Roles: Send + Sync + 'static {
    const ALLOWED: &'static [Role];
}

/// Ingest clients.
pub struct Ingesters;
/// Analysts and supervisors.
pub struct Reviewers;
/// Supervisors alone.
pub struct Supervisors;
/// Border guards.
pub struct BorderGuards;
/// Auditors.
pub struct Auditors;
/// Privacy officers.
pub struct PrivacyOfficers;
/// Every person's role (not ingest clients): for what holds no personal data.
pub struct Staff;

impl Roles for Ingesters {
    const ALLOWED: &'static [Role] = &[Role::Ingest];
}
impl Roles for Reviewers {
    const ALLOWED: &'static [Role] = &[Role::Analyst, Role::Supervisor];
}
impl Roles for Supervisors {
    const ALLOWED: &'static [Role] = &[Role::Supervisor];
}
impl Roles for BorderGuards {
    const ALLOWED: &'static [Role] = &[Role::BorderGuard];
}
impl Roles for Auditors {
    const ALLOWED: &'static [Role] = &[Role::Auditor];
}
impl Roles for Staff {
    const ALLOWED: &'static [Role] =
        &[Role::Analyst, Role::Supervisor, Role::BorderGuard, Role::Auditor, Role::PrivacyOfficer, Role::Admin];
}
impl Roles for PrivacyOfficers {
    const ALLOWED: &'static [Role] = &[Role::PrivacyOfficer];
}

/// A caller holding one of `R`'s roles (else `401` or `403`).
pub struct Authorized<R: Roles>(pub Caller, std::marker::PhantomData<R>);

impl<R: Roles> FromRequestParts<Arc<AppState>> for Authorized<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?.require(R::ALLOWED)?;
        Ok(Authorized(caller, std::marker::PhantomData))
    }
}

/// Whether a form post comes from this site's own pages. A browser says
/// where a request comes from: `Sec-Fetch-Site` (every current browser;
/// a page cannot forge it), else `Origin`, compared with `Host` (a proxy
/// must pass `Host` through for browsers that send only `Origin`). A
/// request that says it comes from elsewhere is refused; clients that send
/// neither (not a browser) are no cross-site forgery.
pub fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let get = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(site) = get("sec-fetch-site") {
        return site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none");
    }
    match get("origin") {
        None => true,
        Some(origin) => {
            let host = get("host").unwrap_or_default();
            let authority = origin.split_once("://").map_or("", |(_, rest)| rest).trim_end_matches('/');
            !host.is_empty() && authority.eq_ignore_ascii_case(host)
        }
    }
}

/// An error as the contract wants it: a status and `{"error": ...}`.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "store error");
        ApiError(StatusCode::SERVICE_UNAVAILABLE, "store unavailable".into())
    }
}

/// The caller, known by their bearer token: a paxscreen token, or a JWT
/// from the identity provider when `[oidc]` is configured.
pub struct Caller(pub Principal, pub Role);

impl Caller {
    /// The caller if they hold one of `roles`, else `403`.
    pub fn require(self, roles: &[Role]) -> Result<Caller, ApiError> {
        if roles.contains(&self.1) {
            Ok(self)
        } else {
            Err(ApiError(StatusCode::FORBIDDEN, format!("role {} may not do this", self.1.as_str())))
        }
    }
}

impl Caller {
    /// The caller named by the request's bearer token, whatever their role
    /// (handlers take [`Authorized`], which checks the role too).
    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, ApiError> {
        let unauthorized = || ApiError(StatusCode::UNAUTHORIZED, "a valid bearer token is required".into());
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(unauthorized)?;
        let now = state.pipeline.clock.now();
        if let Some(oidc) = state.oidc.as_ref().filter(|_| looks_like_jwt(token)) {
            return oidc_caller(oidc, &state.store, token, now).await;
        }
        let principal = state.store.principal(&token_hash(token), now).await?.ok_or_else(unauthorized)?;
        let role = principal.role;
        Ok(Caller(principal, role))
    }
}

/// The caller a provider's JWT names, as a user row of their own. A
/// token's first use is recorded as a sign-in; refusals are logged with
/// their reason (never the token).
async fn oidc_caller(
    oidc: &Oidc,
    store: &Store,
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Caller, ApiError> {
    let id = oidc.verify(token, now).await.map_err(|e| {
        tracing::info!(reason = %e, "OIDC bearer token refused");
        let status = match e {
            OidcError::Invalid(_) => StatusCode::UNAUTHORIZED,
            OidcError::Forbidden(_) => StatusCode::FORBIDDEN,
            OidcError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError(status, e.to_string())
    })?;
    let principal = match store.oidc_user(&id.subject, &id.username, id.role, now).await? {
        Ok(Some(principal)) => principal,
        Ok(None) => return Err(ApiError(StatusCode::UNAUTHORIZED, "this user is disabled".into())),
        Err(crate::store::NameTaken) => {
            tracing::warn!(user = %id.username, "OIDC user name held by another account: refused");
            return Err(ApiError(StatusCode::FORBIDDEN, "this identity's user name belongs to another account".into()));
        }
    };
    if oidc.first_use(token) {
        let detail = serde_json::json!({ "method": "oidc" });
        let e = crate::audit::Event::new(
            &principal.name,
            id.role.as_str(),
            "sign_in",
            format!("user:{}", principal.name),
            detail,
        );
        store.audit(&e, now).await?;
    }
    Ok(Caller(principal, id.role))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_from_another_site_is_told_apart() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = axum::http::HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, v.parse().unwrap());
            }
            m
        };
        assert!(same_origin(&h(&[])));
        assert!(same_origin(&h(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://p.example"),
            ("host", "10.0.0.1:8080")
        ])));
        assert!(!same_origin(&h(&[("sec-fetch-site", "cross-site"), ("origin", "http://a:1"), ("host", "a:1")])));
        assert!(!same_origin(&h(&[("sec-fetch-site", "same-site")])));
        assert!(same_origin(&h(&[("origin", "http://a:1"), ("host", "a:1")])));
        assert!(!same_origin(&h(&[("origin", "https://evil.example"), ("host", "a:1")])));
        assert!(!same_origin(&h(&[("origin", "null"), ("host", "a:1")])));
    }
}
