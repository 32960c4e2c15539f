//! OIDC bearer tokens (service.md section 3): in production a bearer token
//! may be a JWT from the organisation's identity provider instead of a
//! paxscreen token. [`Oidc::verify`] checks its signature against the
//! provider's published keys (JWKS), its issuer, audience and times, and
//! reads the caller's role from a configured claim.
//!
//! Keys are fetched once and kept for `jwks_refresh_seconds`; a token signed
//! with a key id not yet seen fetches them again at once (the provider has
//! rotated), but at most every `jwks_min_refetch_seconds`, so forged key ids cannot make
//! paxscreen hammer the provider. When the provider cannot be reached the
//! keys already held keep working; while none are held, JWTs get `503`.

use crate::auth::Role;
use crate::config::OidcConfig;
use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use serde_json::Value;
use std::str::FromStr;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, RwLock};

/// The shortest time between two tries while no keys are held at all.
pub const RETRY_EMPTY: Duration = Duration::from_secs(1);

/// How long one fetch of the keys may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Who a valid token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Stable across name changes: the issuer and the `sub` claim.
    pub subject: String,
    pub username: String,
    pub role: Role,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OidcError {
    /// Not a token of the provider, or no longer valid: `401`.
    #[error("bearer token refused: {0}")]
    Invalid(String),
    /// A valid token that names no single paxscreen role: `403`.
    #[error("{0}")]
    NoRole(String),
    /// The provider's keys could not be fetched and none are held: `503`.
    #[error("the identity provider's keys cannot be fetched: {0}")]
    Unavailable(String),
}

/// The provider's keys as last fetched.
struct Keys {
    set: JwkSet,
    /// The last successful fetch.
    fetched: Option<Instant>,
    /// The last try, successful or not.
    attempted: Option<Instant>,
}

pub struct Oidc {
    config: OidcConfig,
    algorithms: Vec<Algorithm>,
    roles: Vec<(String, Role)>,
    http: reqwest::Client,
    keys: RwLock<Keys>,
    /// Held while fetching, so concurrent callers wait for one fetch.
    fetching: Mutex<()>,
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
    pub fn new(config: OidcConfig) -> Result<Oidc, String> {
        let algorithms = config
            .algorithms
            .iter()
            .map(|a| Algorithm::from_str(a).map_err(|_| format!("oidc.algorithms: unknown algorithm {a:?}")))
            .collect::<Result<Vec<_>, _>>()?;
        let roles = config
            .roles
            .iter()
            .map(|(from, to)| Role::parse(to).map(|r| (from.clone(), r)).map_err(|e| format!("oidc.roles.{from}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .build()
            .map_err(|e| format!("oidc: HTTP client: {e}"))?;
        Ok(Oidc {
            config,
            algorithms,
            roles,
            http,
            keys: RwLock::new(Keys { set: JwkSet { keys: Vec::new() }, fetched: None, attempted: None }),
            fetching: Mutex::new(()),
        })
    }

    /// Check a token at `now` and say who it names.
    pub async fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Identity, OidcError> {
        let invalid = |why: &str| OidcError::Invalid(why.to_string());
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("not a JWT"))?;
        if !self.algorithms.contains(&header.alg) {
            return Err(invalid("signature algorithm not accepted"));
        }
        let key = self.key_for(&header).await?;
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
        let sub = claims.get("sub").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| invalid("no sub"))?;
        let username = claim(&claims, &self.config.username_claim)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .unwrap_or(sub)
            .to_string();
        let role = self.role(&claims)?;
        Ok(Identity { subject: format!("{} {sub}", self.config.issuer), username, role })
    }

    fn check_times(&self, claims: &Value, now: DateTime<Utc>) -> Result<(), OidcError> {
        let leeway = self.config.leeway_seconds as i64;
        let now = now.timestamp();
        let time = |name: &str| claims.get(name).map(|v| v.as_f64().map(|f| f as i64));
        match time("exp") {
            Some(Some(exp)) if exp + leeway > now => {}
            Some(Some(_)) => return Err(OidcError::Invalid("expired".into())),
            _ => return Err(OidcError::Invalid("exp is not a time".into())),
        }
        match time("nbf") {
            None => Ok(()),
            Some(Some(nbf)) if nbf - leeway <= now => Ok(()),
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
            _ => return Err(OidcError::NoRole(format!("the token has no role claim {name:?}"))),
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
            [] => Err(OidcError::NoRole(format!("claim {name:?} names no paxscreen role"))),
            _ => Err(OidcError::NoRole(format!("claim {name:?} names several paxscreen roles; one user has one role"))),
        }
    }

    /// The key that signed a token with this header.
    async fn key_for(&self, header: &Header) -> Result<DecodingKey, OidcError> {
        let refresh = Duration::from_secs(self.config.jwks_refresh_seconds);
        {
            let keys = self.keys.read().await;
            if keys.fetched.is_some_and(|t| t.elapsed() < refresh) {
                if let Some(jwk) = pick(&keys.set, header) {
                    return decoding_key(jwk, header);
                }
            }
        }
        // Stale, or a key id not seen yet: fetch, unless tried just now.
        let fetch_error = self.refresh_if_due().await.err();
        let keys = self.keys.read().await;
        match pick(&keys.set, header) {
            Some(jwk) => decoding_key(jwk, header),
            None if keys.fetched.is_none() => {
                Err(OidcError::Unavailable(fetch_error.unwrap_or_else(|| "no keys fetched yet".into())))
            }
            None => Err(OidcError::Invalid("signed with a key the provider does not publish".into())),
        }
    }

    /// Fetch the keys unless the last try was under
    /// `jwks_min_refetch_seconds` ago ([`RETRY_EMPTY`] while none are held).
    async fn refresh_if_due(&self) -> Result<(), String> {
        let _one = self.fetching.lock().await;
        {
            let keys = self.keys.read().await;
            let gap = match keys.fetched {
                Some(_) => Duration::from_secs(self.config.jwks_min_refetch_seconds),
                None => RETRY_EMPTY,
            };
            if keys.attempted.is_some_and(|t| t.elapsed() < gap) {
                return Ok(());
            }
        }
        self.refresh_locked().await
    }

    /// Fetch the keys now (at start, so the first caller does not wait).
    pub async fn refresh(&self) -> Result<usize, String> {
        let _one = self.fetching.lock().await;
        self.refresh_locked().await?;
        Ok(self.keys.read().await.set.keys.len())
    }

    async fn refresh_locked(&self) -> Result<(), String> {
        self.keys.write().await.attempted = Some(Instant::now());
        let set = self.fetch().await.inspect_err(|e| tracing::warn!(error = %e, "OIDC keys not fetched"))?;
        let mut keys = self.keys.write().await;
        keys.set = set;
        keys.fetched = Some(Instant::now());
        Ok(())
    }

    async fn fetch(&self) -> Result<JwkSet, String> {
        let url = if self.config.jwks_url.is_empty() {
            let discovery = format!("{}/.well-known/openid-configuration", self.config.issuer.trim_end_matches('/'));
            let doc: Value = self.get_json(&discovery).await?;
            let uri = doc.get("jwks_uri").and_then(Value::as_str).ok_or("the discovery document has no jwks_uri")?;
            crate::config::check_url("the discovery document's jwks_uri", uri)?;
            uri.to_string()
        } else {
            self.config.jwks_url.clone()
        };
        self.get_json(&url).await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let response = self.http.get(url).send().await.map_err(|e| format!("{url}: {e}"))?;
        let response = response.error_for_status().map_err(|e| format!("{url}: {e}"))?;
        response.json::<T>().await.map_err(|e| format!("{url}: {e}"))
    }
}

/// A claim by dotted path (`realm_access.roles`); a name with dots is tried
/// whole first (URIs are common claim names).
fn claim<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    claims.get(path).or_else(|| path.split('.').try_fold(claims, |v, part| v.get(part)))
}

/// The signing key the header names: by key id, or the only signing key
/// when the token names none.
fn pick<'a>(set: &'a JwkSet, header: &Header) -> Option<&'a Jwk> {
    let signing = |k: &&Jwk| !matches!(k.common.public_key_use, Some(PublicKeyUse::Encryption));
    match &header.kid {
        Some(kid) => set.find(kid).filter(signing),
        None => {
            let mut all = set.keys.iter().filter(signing);
            match (all.next(), all.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        }
    }
}

fn decoding_key(jwk: &Jwk, header: &Header) -> Result<DecodingKey, OidcError> {
    if let Some(alg) = jwk.common.key_algorithm {
        // Key algorithms print as their JWA names, as `Algorithm`s debug-print.
        if alg.to_string() != format!("{:?}", header.alg) {
            return Err(OidcError::Invalid("the key is for another algorithm".into()));
        }
    }
    DecodingKey::from_jwk(jwk).map_err(|_| OidcError::Invalid("the provider's key cannot be read".into()))
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
        assert!(matches!(o.role(&c(json!(["analyst", "admin"]))), Err(OidcError::NoRole(_))));
        assert!(matches!(o.role(&c(json!(["root"]))), Err(OidcError::NoRole(_))));
        assert!(matches!(o.role(&json!({})), Err(OidcError::NoRole(_))));
        let mapped = oidc(&[("border-analysts", "analyst"), ("bg", "border_guard")]);
        assert_eq!(mapped.role(&c(json!(["border-analysts", "x"]))), Ok(Role::Analyst));
        // With a mapping, bare role names mean nothing.
        assert!(mapped.role(&c(json!(["admin"]))).is_err());
        let bad = OidcConfig { roles: [("g".into(), "root".into())].into(), ..Default::default() };
        assert!(Oidc::new(bad).err().unwrap().contains("root"));
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
