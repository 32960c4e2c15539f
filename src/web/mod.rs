//! HTTP: the JSON API on `http.listen` (bearer tokens on every call) and
//! the operations endpoints on `http.metrics_listen` (no authentication).

mod api;
mod console;
mod ops;
pub mod session;

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
    pub throttle: session::Throttle,
    /// Session cookies only over HTTPS (`http.secure_cookies`).
    pub secure_cookies: bool,
    /// JWTs from the identity provider as bearer tokens (`[oidc]`).
    pub oidc: Option<Arc<Oidc>>,
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

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
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
