//! The provider's signing keys (JWKS): fetched at start, kept for
//! `jwks_refresh_seconds`, then used while a fresh copy is fetched in the
//! background. A token signed with a key id not held fetches them at once,
//! but at most every `jwks_min_refetch_seconds`, so forged key ids cannot
//! make paxscreen hammer the provider. While the provider is down the keys
//! held keep working for up to [`MAX_KEY_AGE`]; with none held, JWTs get
//! `503` and a fetch is tried at most every [`RETRY_EMPTY`].

use super::{OidcError, SetupError};
use crate::config::{check_url, OidcConfig};
use jsonwebtoken::jwk::{Jwk, KeyOperations, PublicKeyUse};
use jsonwebtoken::{DecodingKey, Header};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, RwLock};

/// The shortest time between two tries while no keys are held at all.
pub const RETRY_EMPTY: Duration = Duration::from_secs(1);

/// Keys not refreshed for this long are no longer trusted.
pub const MAX_KEY_AGE: Duration = Duration::from_secs(24 * 3600);

/// The largest discovery document or JWKS read.
const MAX_BODY: usize = 1 << 20;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) struct KeyStore {
    issuer: String,
    jwks_url: String,
    refresh: Duration,
    min_refetch: Duration,
    http: reqwest::Client,
    held: RwLock<Held>,
    /// Held while fetching: one fetch at a time.
    fetching: Arc<Mutex<()>>,
}

/// The signing keys as last fetched.
#[derive(Default)]
struct Held {
    keys: Vec<Jwk>,
    /// The last successful fetch.
    fetched: Option<Instant>,
    /// The last try, successful or not.
    attempted: Option<Instant>,
}

impl Held {
    fn usable(&self) -> bool {
        self.fetched.is_some_and(|t| t.elapsed() < MAX_KEY_AGE)
    }
}

/// A provider document that could not be fetched or read.
fn fetch_error(url: &str, reason: impl std::fmt::Display) -> SetupError {
    SetupError::Fetch { url: url.to_string(), reason: reason.to_string() }
}

impl KeyStore {
    pub(super) fn new(c: &OidcConfig) -> Result<KeyStore, SetupError> {
        let mut http = reqwest::Client::builder();
        if let Some(file) = &c.ca_file {
            let pem = std::fs::read(file)
                .map_err(|e| SetupError::CaFile { path: file.display().to_string(), reason: e.to_string() })?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).ok().filter(|c| !c.is_empty()).ok_or_else(|| {
                    SetupError::CaFile { path: file.display().to_string(), reason: "no PEM certificate in it".into() }
                })?;
            for cert in certs {
                http = http.add_root_certificate(cert);
            }
        }
        let http = http
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(FETCH_TIMEOUT)
            // A redirect could lead to plain HTTP or an internal host.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SetupError::Client(e.to_string()))?;
        Ok(KeyStore {
            issuer: c.issuer.clone(),
            jwks_url: c.jwks_url.clone(),
            refresh: Duration::from_secs(c.jwks_refresh_seconds),
            min_refetch: Duration::from_secs(c.jwks_min_refetch_seconds),
            http,
            held: RwLock::new(Held::default()),
            fetching: Arc::new(Mutex::new(())),
        })
    }

    /// The key that signed a token with this header.
    pub(super) async fn key_for(self: &Arc<Self>, header: &Header) -> Result<DecodingKey, OidcError> {
        {
            let held = self.held.read().await;
            if let (Some(jwk), Some(fetched)) = (pick(&held.keys, header), held.fetched) {
                let age = fetched.elapsed();
                if age < MAX_KEY_AGE {
                    if age >= self.refresh {
                        self.refresh_in_background();
                    }
                    return decoding_key(jwk, header);
                }
            }
        }
        // A key id not held, no keys, or keys too old: fetch now, if due.
        let _ = self.refresh_if_due().await;
        let held = self.held.read().await;
        match pick(&held.keys, header) {
            _ if !held.usable() => Err(OidcError::Unavailable),
            Some(jwk) => decoding_key(jwk, header),
            None => Err(OidcError::Invalid("signed with a key the provider does not publish".into())),
        }
    }

    fn refresh_in_background(self: &Arc<Self>) {
        let Ok(guard) = self.fetching.clone().try_lock_owned() else { return };
        let me = self.clone();
        tokio::spawn(async move {
            let _one = guard;
            if me.due().await {
                let _ = me.fetch_and_keep().await;
            }
        });
    }

    /// Whether the last try is long enough ago for another.
    async fn due(&self) -> bool {
        let held = self.held.read().await;
        let gap = if held.fetched.is_some() { self.min_refetch } else { RETRY_EMPTY };
        held.attempted.map_or(true, |t| t.elapsed() >= gap)
    }

    async fn refresh_if_due(&self) -> Result<(), SetupError> {
        let _one = self.fetching.lock().await;
        if self.due().await {
            self.fetch_and_keep().await
        } else {
            Ok(())
        }
    }

    /// Fetch now (at start, so the first caller does not wait); the number of keys.
    pub(super) async fn refresh(&self) -> Result<usize, SetupError> {
        let _one = self.fetching.lock().await;
        self.fetch_and_keep().await?;
        Ok(self.held.read().await.keys.len())
    }

    async fn fetch_and_keep(&self) -> Result<(), SetupError> {
        self.held.write().await.attempted = Some(Instant::now());
        let keys = self.fetch().await.inspect_err(|e| tracing::warn!(error = %e, "OIDC keys not fetched"))?;
        let mut held = self.held.write().await;
        held.keys = keys;
        held.fetched = Some(Instant::now());
        Ok(())
    }

    async fn fetch(&self) -> Result<Vec<Jwk>, SetupError> {
        let url = if self.jwks_url.is_empty() {
            let discovery = format!("{}/.well-known/openid-configuration", self.issuer.trim_end_matches('/'));
            let doc = self.get_json(&discovery).await?;
            // OIDC Discovery 4.3: the document must name the issuer configured.
            if doc.get("issuer").and_then(Value::as_str) != Some(self.issuer.as_str()) {
                let reason = format!("the document's issuer is not {:?}", self.issuer);
                return Err(SetupError::Fetch { url: discovery, reason });
            }
            let uri = doc.get("jwks_uri").and_then(Value::as_str).ok_or_else(|| SetupError::Fetch {
                url: discovery.clone(),
                reason: "the discovery document has no jwks_uri".into(),
            })?;
            check_url("the discovery document's jwks_uri", uri)
                .map_err(|reason| SetupError::Fetch { url: discovery.clone(), reason })?;
            uri.to_string()
        } else {
            self.jwks_url.clone()
        };
        let set = self.get_json(&url).await?;
        let listed = set.get("keys").and_then(Value::as_array).ok_or_else(|| fetch_error(&url, "no \"keys\" array"))?;
        // One key of a kind this library cannot read must not sink the others.
        let keys: Vec<Jwk> =
            listed.iter().filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok()).filter(signs).collect();
        if keys.len() < listed.len() {
            tracing::info!(
                skipped = listed.len() - keys.len(),
                "JWKS keys skipped (not for signatures, or unreadable)"
            );
        }
        if keys.is_empty() {
            return Err(fetch_error(&url, "no signing key that can be read"));
        }
        Ok(keys)
    }

    async fn get_json(&self, url: &str) -> Result<Value, SetupError> {
        let mut response = self.http.get(url).send().await.map_err(|e| fetch_error(url, e))?;
        if !response.status().is_success() {
            return Err(fetch_error(url, format!("HTTP {}", response.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| fetch_error(url, e))? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_BODY {
                return Err(fetch_error(url, format!("larger than {MAX_BODY} bytes")));
            }
        }
        serde_json::from_slice(&body).map_err(|e| fetch_error(url, e))
    }
}

/// A key meant for signatures: not `use: enc`, and `key_ops` (when given)
/// includes `verify`.
fn signs(k: &Jwk) -> bool {
    !matches!(k.common.public_key_use, Some(PublicKeyUse::Encryption))
        && k.common.key_operations.as_ref().map_or(true, |ops| ops.iter().any(|op| matches!(op, KeyOperations::Verify)))
}

/// The signing key the header names: by key id, or the only one when the
/// token names none.
fn pick<'a>(keys: &'a [Jwk], header: &Header) -> Option<&'a Jwk> {
    match &header.kid {
        Some(kid) => keys.iter().find(|k| k.common.key_id.as_deref() == Some(kid)),
        None => match keys {
            [only] => Some(only),
            _ => None,
        },
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn jwk(v: Value) -> Jwk {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, "not a certificate").unwrap();
        let c = OidcConfig { issuer: "https://i".into(), ca_file: Some(file), ..Default::default() };
        assert!(KeyStore::new(&c).err().unwrap().to_string().contains("no PEM certificate"));
        let c = OidcConfig { ca_file: Some(dir.path().join("missing.pem")), ..Default::default() };
        assert!(KeyStore::new(&c).err().unwrap().to_string().contains("missing.pem"));
        let test_ca = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/oidc/ca.pem");
        assert!(KeyStore::new(&OidcConfig { ca_file: Some(test_ca), ..Default::default() }).is_ok());
    }

    #[test]
    fn only_signing_keys_are_picked() {
        let rsa = |kid: &str, extra: Value| {
            let mut k = json!({ "kty": "RSA", "kid": kid, "n": "sXch", "e": "AQAB" });
            k.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            jwk(k)
        };
        assert!(signs(&rsa("a", json!({}))));
        assert!(signs(&rsa("a", json!({ "use": "sig", "key_ops": ["verify"] }))));
        assert!(!signs(&rsa("a", json!({ "use": "enc" }))));
        assert!(!signs(&rsa("a", json!({ "key_ops": ["encrypt"] }))));
        let keys = vec![rsa("a", json!({})), rsa("b", json!({}))];
        let mut h = Header::new(jsonwebtoken::Algorithm::RS256);
        assert!(pick(&keys, &h).is_none(), "no kid and two keys: none");
        h.kid = Some("b".into());
        assert_eq!(pick(&keys, &h).unwrap().common.key_id.as_deref(), Some("b"));
        h.kid = Some("c".into());
        assert!(pick(&keys, &h).is_none());
    }
}
