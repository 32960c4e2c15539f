//! The service configuration (contract: service.md section 1): TOML, every
//! key overridable by `PAXSCREEN_<SECTION>_<KEY>`, missing sections taking
//! their defaults, an unknown key refused with file, line and key.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Hours passenger data is kept after receipt (Directive 2004/82/EC: 24 h
/// after entry; the contract's default 96 h covers the screening window).
pub const DEFAULT_RETENTION_HOURS: u64 = 96;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub store: StoreConfig,
    pub screening: ScreeningConfig,
    pub retention: RetentionConfig,
    pub http: HttpConfig,
    pub spool: SpoolConfig,
    pub alerts: AlertsConfig,
    pub kafka: Option<KafkaConfig>,
    pub oidc: Option<OidcConfig>,
    pub login: LoginConfig,
    pub log: LogConfig,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    pub url: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ScreeningConfig {
    pub watchlists: PathBuf,
    pub trends: PathBuf,
    pub scope: String,
    pub threshold: f64,
    /// How often the folders are checked for a new version, in seconds.
    pub reload_seconds: u64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    pub hours: u64,
    pub legal_basis: Option<String>,
    /// How often the sweeper runs, in seconds (the contract asks at least every minute).
    pub sweep_seconds: u64,
    /// Years the audit log (the proof of each disclosure) is kept; at least 4.
    pub audit_years: u32,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    pub listen: String,
    pub metrics_listen: String,
    /// Console session cookies only over HTTPS (`Secure`). Browsers accept
    /// them from `http://localhost` and `http://127.0.0.1` too; turn off
    /// only behind a proxy that is reached over plain HTTP by name.
    pub secure_cookies: bool,
    /// A request's head and body must arrive within this many seconds, or
    /// the connection is closed (`408` once the head is in); both listeners.
    pub request_timeout_seconds: u64,
    /// A connection that sends nothing for this many seconds (between
    /// requests, or stalled in one) is closed; both listeners.
    pub idle_timeout_seconds: u64,
    /// Behind a reverse proxy: the header it writes the client's address
    /// in (`X-Forwarded-For`: the last address is taken, the one the proxy
    /// added). Empty: the connection's peer address, and no header is
    /// believed. Used by the sign-in throttle and its audit summaries.
    pub client_address_header: String,
}

/// Signing in with a password (`POST /api/v1/login`, the console).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LoginConfig {
    /// Failed sign-ins per user name within the window before it is locked.
    pub max_failures_per_name: usize,
    /// Failed sign-ins per client address within the window.
    pub max_failures_per_address: usize,
    pub window_minutes: u64,
    /// Password checks at once (each holds about 19 MiB); 0: one per CPU.
    pub hash_workers: usize,
    /// Sign-ins that may wait for a check; beyond, `503` with `Retry-After`.
    pub hash_queue: usize,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SpoolConfig {
    pub dir: PathBuf,
    /// How often the folder is looked at, in milliseconds.
    pub poll_ms: u64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    pub file: PathBuf,
    /// How often the forwarder looks for confirmed hits, in milliseconds.
    pub poll_ms: u64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaConfig {
    pub brokers: String,
    pub group_id: String,
    pub topic: String,
    pub dead_letter_topic: String,
    pub alerts_topic: String,
    /// Passed to librdkafka as they are (TLS, SASL, ...).
    pub settings: BTreeMap<String, String>,
}

/// OIDC bearer tokens (service.md section 3): a JWT from the identity
/// provider is accepted wherever a paxscreen token is, checked against the
/// provider's published keys (JWKS), with the role read from a claim.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OidcConfig {
    /// The provider's issuer URL: a token's `iss` must be exactly this.
    pub issuer: String,
    /// A token's `aud` must name this (the client id paxscreen is registered as).
    pub audience: String,
    /// Where the provider publishes its keys; empty: read from the issuer's
    /// discovery document (`/.well-known/openid-configuration`).
    pub jwks_url: String,
    /// The claim that holds the role: a dotted path for a nested claim
    /// (`realm_access.roles`), a string or an array of strings.
    pub role_claim: String,
    /// The provider's values mapped to paxscreen roles (`"border-analysts" =
    /// "analyst"`); empty: the values are paxscreen role names. Values that
    /// map to no role are ignored; a token must end up with exactly one role.
    pub roles: BTreeMap<String, String>,
    /// The claim used as the user's name in decisions and the audit trail.
    pub username_claim: String,
    /// Signature algorithms accepted; asymmetric only (`RS256`, `PS256`,
    /// `ES256`, `EdDSA`, ...).
    pub algorithms: Vec<String>,
    /// Clock skew allowed on `exp` and `nbf`, in seconds (at most 300).
    pub leeway_seconds: u64,
    /// A PEM file of CA certificates trusted for the provider's HTTPS (a
    /// private CA), besides the system's.
    pub ca_file: Option<PathBuf>,
    /// When set, a token's header `typ` must be this (case aside), so an ID
    /// token is not taken for an access token: `at+jwt` (RFC 9068).
    pub token_type: Option<String>,
    /// How long fetched keys are trusted before they are fetched again, in
    /// seconds.
    pub jwks_refresh_seconds: u64,
    /// A token with a key id not seen yet fetches the keys at once, but not
    /// sooner than this many seconds after the last fetch (forged key ids
    /// must not make paxscreen hammer the provider).
    pub jwks_min_refetch_seconds: u64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` or `json`.
    pub format: String,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig { url: "sqlite://paxscreen.db".into() }
    }
}

impl Default for ScreeningConfig {
    fn default() -> Self {
        ScreeningConfig {
            watchlists: "watchlists".into(),
            trends: "trends".into(),
            scope: "eu-schengen".into(),
            threshold: crate::matching::DEFAULT_THRESHOLD,
            reload_seconds: 5,
        }
    }
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            hours: DEFAULT_RETENTION_HOURS,
            legal_basis: None,
            sweep_seconds: 60,
            audit_years: crate::audit::MIN_KEEP_YEARS,
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: "127.0.0.1:8080".into(),
            metrics_listen: "127.0.0.1:9090".into(),
            secure_cookies: true,
            request_timeout_seconds: 30,
            idle_timeout_seconds: 30,
            client_address_header: String::new(),
        }
    }
}

impl Default for LoginConfig {
    fn default() -> Self {
        LoginConfig {
            max_failures_per_name: 5,
            max_failures_per_address: 50,
            window_minutes: 15,
            hash_workers: 0,
            hash_queue: 16,
        }
    }
}

impl Default for SpoolConfig {
    fn default() -> Self {
        SpoolConfig { dir: "spool".into(), poll_ms: 500 }
    }
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig { file: "alerts.jsonl".into(), poll_ms: 500 }
    }
}

impl Default for KafkaConfig {
    fn default() -> Self {
        KafkaConfig {
            brokers: "127.0.0.1:9092".into(),
            group_id: "paxscreen".into(),
            topic: "api-messages".into(),
            dead_letter_topic: "api-messages-dlq".into(),
            alerts_topic: "border-alerts".into(),
            settings: BTreeMap::new(),
        }
    }
}

impl Default for OidcConfig {
    fn default() -> Self {
        OidcConfig {
            issuer: String::new(),
            audience: String::new(),
            jwks_url: String::new(),
            role_claim: DEDICATED_ROLE_CLAIM.into(),
            roles: BTreeMap::new(),
            username_claim: "preferred_username".into(),
            algorithms: vec!["RS256".into()],
            leeway_seconds: 60,
            token_type: None,
            ca_file: None,
            jwks_refresh_seconds: 600,
            jwks_min_refetch_seconds: 30,
        }
    }
}

/// A claim the provider sets for paxscreen alone, whose values are
/// paxscreen role names; any other role claim needs `[oidc.roles]`.
pub const DEDICATED_ROLE_CLAIM: &str = "paxscreen_role";

/// The signature algorithms an OIDC token may use: never `none`, never a
/// shared secret (`HS*`), whose key would be public here.
pub const OIDC_ALGORITHMS: &[&str] = &["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { format: "text".into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: {source}")]
    Read { file: String, source: std::io::Error },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

const SECTIONS: &[&str] =
    &["store", "screening", "retention", "http", "spool", "alerts", "kafka", "oidc", "login", "log"];

impl Config {
    /// Read `file` (or only defaults and the environment without one).
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_with_env(file, std::env::vars())
    }

    /// As [`Config::load`], with the environment given (tests).
    pub fn load_with_env(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let name = file.map_or_else(|| "(defaults)".to_string(), |f| f.display().to_string());
        let text = match file {
            Some(f) => std::fs::read_to_string(f).map_err(|source| ConfigError::Read { file: name.clone(), source })?,
            None => String::new(),
        };
        let invalid = |message: String| ConfigError::Invalid { file: name.clone(), message };
        // Unknown keys are found on the file as written, so the error names its line.
        toml::from_str::<Config>(&text).map_err(|e| invalid(e.to_string()))?;
        let mut table: toml::Table = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        for (var, value) in env {
            let Some(rest) = var.strip_prefix("PAXSCREEN_") else { continue };
            let Some((section, key)) = rest.split_once('_') else { continue };
            let section = section.to_ascii_lowercase();
            if !SECTIONS.contains(&section.as_str()) {
                continue;
            }
            let key = key.to_ascii_lowercase();
            let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or(toml::Value::String(value));
            let entry = table.entry(section.clone()).or_insert_with(|| toml::Value::Table(Default::default()));
            match entry {
                toml::Value::Table(t) => {
                    t.insert(key, parsed);
                }
                _ => return Err(invalid(format!("[{section}] is not a table"))),
            }
        }
        let config: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| invalid(format!("from the environment: {}", e.message())))?;
        config.validate().map_err(invalid)?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        let r = &self.retention;
        if r.hours == 0 {
            return Err("retention.hours must be at least 1".into());
        }
        if r.hours > DEFAULT_RETENTION_HOURS && !r.legal_basis.as_deref().is_some_and(|b| !b.trim().is_empty()) {
            return Err(format!(
                "retention.hours = {} is above {DEFAULT_RETENTION_HOURS}: set retention.legal_basis to the law that allows it",
                r.hours
            ));
        }
        if r.audit_years < crate::audit::MIN_KEEP_YEARS {
            return Err(format!(
                "retention.audit_years = {} is below {}: the proof of each disclosure is kept at least that long",
                r.audit_years,
                crate::audit::MIN_KEEP_YEARS
            ));
        }
        if !(0.0..=1.0).contains(&self.screening.threshold) {
            return Err("screening.threshold must be between 0 and 1".into());
        }
        crate::reference::Scope::parse(&self.screening.scope).map_err(|e| e.to_string())?;
        if !["text", "json"].contains(&self.log.format.as_str()) {
            return Err("log.format must be text or json".into());
        }
        if r.sweep_seconds == 0 || r.sweep_seconds > 60 {
            return Err("retention.sweep_seconds must be 1..60 (the sweep runs at least every minute)".into());
        }
        if let Some(o) = &self.oidc {
            o.validate()?;
        }
        let h = &self.http;
        for (key, v) in
            [("request_timeout_seconds", h.request_timeout_seconds), ("idle_timeout_seconds", h.idle_timeout_seconds)]
        {
            if !(1..=3600).contains(&v) {
                return Err(format!("http.{key} = {v} must be 1..3600"));
            }
        }
        let header = h.client_address_header.trim();
        if !header.is_empty() && header_name(header).is_none() {
            return Err(format!("http.client_address_header = {header:?} is not a header name"));
        }
        let l = &self.login;
        if l.max_failures_per_name == 0 || l.max_failures_per_address == 0 || l.window_minutes == 0 {
            return Err("login.max_failures_per_name, login.max_failures_per_address and login.window_minutes must be at least 1".into());
        }
        if l.hash_queue == 0 || l.hash_workers > 256 {
            return Err("login.hash_queue must be at least 1 and login.hash_workers at most 256".into());
        }
        Ok(())
    }

    pub fn retention(&self) -> chrono::Duration {
        chrono::Duration::hours(self.retention.hours as i64)
    }
}

impl OidcConfig {
    fn validate(&self) -> Result<(), String> {
        for (key, value) in [("issuer", &self.issuer), ("audience", &self.audience), ("role_claim", &self.role_claim)] {
            if value.trim().is_empty() {
                return Err(format!("oidc.{key} must be set"));
            }
        }
        check_url("oidc.issuer", &self.issuer)?;
        if !self.jwks_url.is_empty() {
            check_url("oidc.jwks_url", &self.jwks_url)?;
        }
        if self.algorithms.is_empty() {
            return Err("oidc.algorithms must name at least one algorithm".into());
        }
        if let Some(a) = self.algorithms.iter().find(|a| !OIDC_ALGORITHMS.contains(&a.as_str())) {
            return Err(format!("oidc.algorithms: {a:?} is not accepted: one of {}", OIDC_ALGORITHMS.join(", ")));
        }
        if self.jwks_refresh_seconds == 0 || self.jwks_min_refetch_seconds == 0 {
            return Err("oidc.jwks_refresh_seconds and oidc.jwks_min_refetch_seconds must be at least 1".into());
        }
        if self.leeway_seconds > 300 {
            return Err("oidc.leeway_seconds must be at most 300".into());
        }
        if self.roles.is_empty() && self.role_claim != DEDICATED_ROLE_CLAIM {
            return Err(format!(
                "oidc.roles must map the provider's values to paxscreen roles when oidc.role_claim is not \
                 {DEDICATED_ROLE_CLAIM:?} (a directory group named \"admin\" must not become paxscreen's admin by accident)"
            ));
        }
        Ok(())
    }
}

/// A header name as HTTP allows it (token characters), lower-cased.
fn header_name(name: &str) -> Option<String> {
    let ok = name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    ok.then(|| name.to_ascii_lowercase())
}

/// Keys come over HTTPS; plain HTTP only from this machine (a test provider
/// or a local proxy). No user info (`http://localhost@elsewhere/`).
pub(crate) fn check_url(key: &str, url: &str) -> Result<(), String> {
    let refused = || Err(format!("{key} = {url:?} must be an https:// URL (plain http only to this machine)"));
    let Some((scheme, rest)) = url.split_once("://") else { return refused() };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return refused();
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let loopback = ["127.0.0.1", "localhost", "::1"].contains(&host.to_ascii_lowercase().as_str());
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => refused(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("paxscreen.toml");
        std::fs::write(&f, text).unwrap();
        Config::load_with_env(Some(&f), env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn the_production_example_loads_and_the_audit_proof_period_has_a_floor() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/paxscreen.toml");
        let c = Config::load_with_env(Some(&example), std::iter::empty()).unwrap();
        assert_eq!((c.retention.audit_years, c.http.secure_cookies), (4, true));
        assert!(c.kafka.is_some());
        let e = load("[retention]\naudit_years = 3\n", &[]).unwrap_err().to_string();
        assert!(e.contains("audit_years"), "{e}");
    }

    #[test]
    fn defaults_env_and_unknown_keys() {
        let c = load("", &[]).unwrap();
        assert_eq!(c, Config::default());
        let c = load(
            "[store]\nurl = \"sqlite://x.db\"\n",
            &[("PAXSCREEN_RETENTION_HOURS", "24"), ("PAXSCREEN_KAFKA_BROKERS", "h:1")],
        )
        .unwrap();
        assert_eq!(c.store.url, "sqlite://x.db");
        assert_eq!(c.retention.hours, 24);
        assert_eq!(c.kafka.unwrap().brokers, "h:1");
        let e = load("[store]\nurl = \"x\"\n\n[http]\nlisten = \"a\"\nlisen = \"b\"\n", &[]).unwrap_err().to_string();
        assert!(e.contains("paxscreen.toml") && e.contains("line 6") && e.contains("lisen"), "{e}");
        let e = load("[retention]\nhours = 200\n", &[]).unwrap_err().to_string();
        assert!(e.contains("legal_basis"), "{e}");
        assert!(load("[retention]\nhours = 200\nlegal_basis = \"Art. 6 national law\"\n", &[]).is_ok());
    }

    #[test]
    fn oidc_is_checked_when_configured() {
        let ok = "[oidc]\nissuer = \"https://idp.example/realms/b\"\naudience = \"paxscreen\"\n";
        let c = load(ok, &[]).unwrap().oidc.unwrap();
        assert_eq!((c.role_claim.as_str(), c.algorithms.as_slice()), ("paxscreen_role", &["RS256".to_string()][..]));
        for (bad, word) in [
            ("[oidc]\nissuer = \"https://i\"\n", "audience"),
            ("[oidc]\nissuer = \"http://idp.example\"\naudience = \"a\"\n", "https"),
            ("[oidc]\nissuer = \"http://localhost.evil\"\naudience = \"a\"\n", "https"),
            ("[oidc]\nissuer = \"https://i\"\naudience = \"a\"\nalgorithms = [\"HS256\"]\n", "HS256"),
            ("[oidc]\nissuer = \"https://i\"\naudience = \"a\"\nalgorithms = [\"none\"]\n", "none"),
            ("[oidc]\nissuer = \"http://localhost:80@evil.example/\"\naudience = \"a\"\n", "https"),
            ("[oidc]\nissuer = \"https://i\"\naudience = \"a\"\nrole_claim = \"groups\"\n", "oidc.roles"),
            ("[oidc]\nissuer = \"https://i\"\naudience = \"a\"\nleeway_seconds = 100000\n", "leeway"),
        ] {
            let e = load(bad, &[]).unwrap_err().to_string();
            assert!(e.contains(word), "{bad}: {e}");
        }
        assert!(load("[oidc]\nissuer = \"http://127.0.0.1:9/x\"\naudience = \"a\"\n", &[]).is_ok());
        assert!(load("[oidc]\nissuer = \"http://[::1]:9/x\"\naudience = \"a\"\n", &[]).is_ok());
        let mapped = "[oidc]\nissuer = \"https://i\"\naudience = \"a\"\nrole_claim = \"groups\"\n[oidc.roles]\ng = \"analyst\"\n";
        assert!(load(mapped, &[]).is_ok());
    }
}
