//! Identities and roles (service.md section 3): bearer tokens kept as
//! SHA-256 hashes, passwords as argon2 hashes, one role per user.

use crate::digest::{hex, sha256_hex};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;

/// The roles of the contract (service.md section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Role {
    /// Machine clients that post messages.
    Ingest,
    /// Sees the review queue and hits, decides hits.
    Analyst,
    /// What an analyst may, and legal holds.
    Supervisor,
    /// Sees forwarded alerts only.
    BorderGuard,
    /// Reads the audit log.
    Auditor,
    /// Subject access, rectification, erasure.
    PrivacyOfficer,
    /// Users and tokens; no personal data.
    Admin,
}

/// A role name that is not one of the contract's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: one of ingest, analyst, supervisor, border_guard, auditor, privacy_officer, admin")]
pub struct UnknownRole(pub String);

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 7] = [
        Role::Ingest,
        Role::Analyst,
        Role::Supervisor,
        Role::BorderGuard,
        Role::Auditor,
        Role::PrivacyOfficer,
        Role::Admin,
    ];

    /// The contract's name of the role, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Ingest => "ingest",
            Role::Analyst => "analyst",
            Role::Supervisor => "supervisor",
            Role::BorderGuard => "border_guard",
            Role::Auditor => "auditor",
            Role::PrivacyOfficer => "privacy_officer",
            Role::Admin => "admin",
        }
    }

    /// The role of this name.
    pub fn parse(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.to_string()))
    }

    /// Whether this role may see the review queue and hits.
    pub fn reviews(self) -> bool {
        matches!(self, Role::Analyst | Role::Supervisor)
    }
}

/// A new bearer token: shown once, never stored.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("pxs_{}", hex(&bytes))
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_passwords() {
        let t = new_token();
        assert!(t.starts_with("pxs_") && t.len() == 68);
        assert_ne!(token_hash(&t), t);
        assert_eq!(token_hash(&t), token_hash(&t));
        let h = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_eq!(Role::parse("border_guard"), Ok(Role::BorderGuard));
        assert!(Role::parse("root").is_err());
    }
}
