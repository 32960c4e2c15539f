//! OIDC bearer tokens (service.md section 3): in production a bearer token
//! may be a JWT from the organisation's identity provider instead of a
//! paxscreen token. [`Oidc::verify`] checks its signature against the
//! provider's published keys ([`keys`]), its issuer, audience, type and
//! times, and reads the caller's role from a configured claim.

mod keys;

pub use keys::{MAX_KEY_AGE, RETRY_EMPTY};

use crate::auth::Role;
use crate::config::OidcConfig;
use crate::digest::sha256_hex;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, Validation};
use serde_json::Value;
use std::collections::HashSet;
use std::str::FromStr;
use std::sync::Arc;
use unicode_normalization::UnicodeNormalization;

/// Tokens remembered as seen (for the sign-in entry), before forgetting all.
const SEEN_MAX: usize = 10_000;

/// Who a valid token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Stable across name changes: the issuer and the `sub` claim.
    pub subject: String,
    pub username: String,
    pub role: Role,
}

/// Why a token is refused. The texts name the check, never the token's
/// contents; they go to the caller as they are.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OidcError {
    /// Not a token of the provider, or no longer valid: `401`.
    #[error("bearer token refused: {0}")]
    Invalid(String),
    /// A valid token that cannot act here (no single role, no usable user
    /// name): `403`.
    #[error("{0}")]
    Forbidden(String),
    /// No usable keys of the provider (details in the service's log): `503`.
    #[error("the identity provider's keys are not available; try again later")]
    Unavailable,
}

/// The OIDC configuration cannot be used, or the provider's keys cannot be
/// fetched (the details for the service's log, never for a caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    /// An algorithm name jsonwebtoken does not know.
    #[error("oidc.algorithms: unknown algorithm {0:?}")]
    Algorithm(String),
    /// A role mapping to a role that does not exist.
    #[error("oidc.roles.{claim}: {source}")]
    Role {
        /// The claim value mapped.
        claim: String,
        /// Why the role is refused.
        source: crate::auth::UnknownRole,
    },
    /// The private CA file cannot be used.
    #[error("oidc.ca_file {path}: {reason}")]
    CaFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The HTTP client cannot be built.
    #[error("oidc: HTTP client: {0}")]
    Client(String),
    /// A document of the provider could not be fetched or read.
    #[error("{url}: {reason}")]
    Fetch {
        /// Where from.
        url: String,
        /// What went wrong.
        reason: String,
    },
}

pub struct Oidc {
    config: OidcConfig,
    algorithms: Vec<Algorithm>,
    roles: Vec<(String, Role)>,
    keys: Arc<keys::KeyStore>,
    /// Hashes of tokens already used, so each one's first use is recorded.
    seen: std::sync::Mutex<HashSet<String>>,
}

/// Whether a bearer token has the shape of a JWT (three base64url parts).
pub fn looks_like_jwt(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 3
        && parts[..2].iter().all(|p| !p.is_empty())
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

impl Oidc {
    /// Check what the configuration cannot (algorithm and role names); no
    /// network yet: the keys are fetched by [`Oidc::refresh`] or on first use.
    pub fn new(config: OidcConfig) -> Result<Oidc, SetupError> {
        let algorithms = config
            .algorithms
            .iter()
            .map(|a| Algorithm::from_str(a).map_err(|_| SetupError::Algorithm(a.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        let roles = config
            .roles
            .iter()
            .map(|(from, to)| {
                Role::parse(to)
                    .map(|r| (from.clone(), r))
                    .map_err(|source| SetupError::Role { claim: from.clone(), source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let keys = Arc::new(keys::KeyStore::new(&config)?);
        Ok(Oidc { config, algorithms, roles, keys, seen: Default::default() })
    }

    /// Fetch the provider's keys now (at start, so the first caller does not
    /// wait); the number of signing keys.
    pub async fn refresh(&self) -> Result<usize, SetupError> {
        self.keys.refresh().await
    }

    /// Whether this is the token's first use here (a sign-in to record).
    pub fn first_use(&self, token: &str) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= SEEN_MAX {
            seen.clear();
        }
        seen.insert(sha256_hex(token.as_bytes()))
    }

    /// Check a token at `now` and say who it names.
    pub async fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Identity, OidcError> {
        let invalid = |why: &str| OidcError::Invalid(why.to_string());
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("not a JWT"))?;
        if !self.algorithms.contains(&header.alg) {
            return Err(invalid("signature algorithm not accepted"));
        }
        if let Some(want) = &self.config.token_type {
            if !header.typ.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(want)) {
                return Err(invalid("not an access token of the expected type"));
            }
        }
        let key = self.keys.key_for(&header).await?;
        // The header's algorithm, checked above against the accepted ones
        // (the library wants one key family per validation).
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Times are checked below against the service's clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = jsonwebtoken::decode::<Value>(token, &key, &validation).map_err(|e| invalid(&reason(&e)))?.claims;
        self.check_times(&claims, now)?;
        let sub =
            claims.get("sub").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| invalid("no sub"))?;
        let username = self.username(&claims)?;
        let role = self.role(&claims)?;
        Ok(Identity { subject: format!("{} {sub}", self.config.issuer), username, role })
    }

    /// The user name claim, as names are kept here: NFKC, no spaces or
    /// control characters, so look-alikes and padded names cannot pass for
    /// another reviewer in decisions, alerts and the audit trail.
    fn username(&self, claims: &Value) -> Result<String, OidcError> {
        let name = &self.config.username_claim;
        let raw = claim(claims, name)
            .and_then(Value::as_str)
            .ok_or_else(|| OidcError::Forbidden(format!("the token has no user name claim {name:?}")))?;
        let normal: String = raw.nfkc().collect();
        if normal.is_empty() || normal.len() > 200 || normal.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(OidcError::Forbidden(format!("claim {name:?} is not a usable user name")));
        }
        Ok(normal)
    }

    fn check_times(&self, claims: &Value, now: DateTime<Utc>) -> Result<(), OidcError> {
        let leeway = self.config.leeway_seconds as i64;
        let now = now.timestamp();
        let time = |name: &str| claims.get(name).map(|v| v.as_f64().map(|f| f as i64));
        match time("exp") {
            Some(Some(exp)) if exp.saturating_add(leeway) > now => {}
            Some(Some(_)) => return Err(OidcError::Invalid("expired".into())),
            _ => return Err(OidcError::Invalid("exp is not a time".into())),
        }
        match time("nbf") {
            None => Ok(()),
            Some(Some(nbf)) if nbf.saturating_sub(leeway) <= now => Ok(()),
            Some(Some(_)) => Err(OidcError::Invalid("not valid yet (nbf)".into())),
            Some(None) => Err(OidcError::Invalid("nbf is not a time".into())),
        }
    }

    /// The one paxscreen role the role claim names.
    fn role(&self, claims: &Value) -> Result<Role, OidcError> {
        let name = &self.config.role_claim;
        let values: Vec<&str> = match claim(claims, name) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => return Err(OidcError::Forbidden(format!("the token has no role claim {name:?}"))),
        };
        let mut roles: Vec<Role> = values
            .iter()
            .filter_map(|v| {
                if self.roles.is_empty() {
                    Role::parse(v).ok()
                } else {
                    self.roles.iter().find(|(from, _)| from == v).map(|(_, r)| *r)
                }
            })
            .collect();
        roles.sort_by_key(|r| r.as_str());
        roles.dedup();
        match roles.as_slice() {
            [one] => Ok(*one),
            [] => Err(OidcError::Forbidden(format!("claim {name:?} names no paxscreen role"))),
            _ => Err(OidcError::Forbidden(format!(
                "claim {name:?} names several paxscreen roles; one user has one role"
            ))),
        }
    }
}

/// A claim by dotted path (`realm_access.roles`); a name with dots is tried
/// whole first (URIs are common claim names).
fn claim<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    claims.get(path).or_else(|| path.split('.').try_fold(claims, |v, part| v.get(part)))
}

/// Why a token was refused, without echoing any of it.
fn reason(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind::*;
    match e.kind() {
        InvalidSignature => "bad signature".into(),
        InvalidIssuer => "issuer not accepted".into(),
        InvalidAudience => "audience not accepted".into(),
        InvalidAlgorithm => "algorithm does not match the key".into(),
        MissingRequiredClaim(c) => format!("no {c} claim"),
        _ => "not a valid JWT".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn oidc(roles: &[(&str, &str)]) -> Oidc {
        let mut c = OidcConfig { issuer: "https://idp".into(), audience: "px".into(), ..Default::default() };
        c.role_claim = "realm_access.roles".into();
        c.roles = roles.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        Oidc::new(c).unwrap()
    }

    #[test]
    fn the_role_comes_from_the_claim_and_must_be_one() {
        let o = oidc(&[]);
        let c = |v: Value| json!({ "realm_access": { "roles": v } });
        assert_eq!(o.role(&c(json!(["offline_access", "analyst"]))), Ok(Role::Analyst));
        assert_eq!(o.role(&c(json!("auditor"))), Ok(Role::Auditor));
        assert!(matches!(o.role(&c(json!(["analyst", "admin"]))), Err(OidcError::Forbidden(_))));
        assert!(matches!(o.role(&c(json!(["root"]))), Err(OidcError::Forbidden(_))));
        assert!(matches!(o.role(&json!({})), Err(OidcError::Forbidden(_))));
        let mapped = oidc(&[("border-analysts", "analyst"), ("bg", "border_guard")]);
        assert_eq!(mapped.role(&c(json!(["border-analysts", "x"]))), Ok(Role::Analyst));
        // With a mapping, bare role names mean nothing.
        assert!(mapped.role(&c(json!(["admin"]))).is_err());
        let bad = OidcConfig { roles: [("g".into(), "root".into())].into(), ..Default::default() };
        assert!(Oidc::new(bad).err().unwrap().to_string().contains("root"));
    }

    #[test]
    fn times_use_the_given_clock_with_leeway() {
        let o = oidc(&[]);
        let now = DateTime::from_timestamp(1_000_000, 0).unwrap();
        assert!(o.check_times(&json!({ "exp": 1_000_030 }), now).is_ok());
        assert!(o.check_times(&json!({ "exp": 999_950 }), now).is_ok(), "within the 60 s leeway");
        assert!(o.check_times(&json!({ "exp": 999_900 }), now).is_err());
        assert!(o.check_times(&json!({ "exp": "soon" }), now).is_err());
        assert!(o.check_times(&json!({ "exp": 1_000_900, "nbf": 1_000_500 }), now).is_err());
    }

    #[test]
    fn jwt_shape_and_claim_paths() {
        assert!(looks_like_jwt("eyJh.eyJz.c2ln"));
        assert!(looks_like_jwt("eyJh.eyJz."), "unsigned shape is still a JWT: refused later");
        assert!(!looks_like_jwt("pxs_0123"));
        assert!(!looks_like_jwt("a.b"));
        let v = json!({ "https://x/roles": "a", "n": { "m": 1 } });
        assert_eq!(claim(&v, "https://x/roles"), Some(&json!("a")));
        assert_eq!(claim(&v, "n.m"), Some(&json!(1)));
        assert_eq!(claim(&v, "n.z"), None);
    }
}
