//! The audit trail (service.md section 6): every view of personal data,
//! decision, forwarding, export, deletion, sign-in and configuration change,
//! with who, role, when, what and why. Entries hold references only (hit
//! ids, user names, list versions), never a name or a document number, so
//! they outlive the passenger data: the proof of each disclosure to the
//! border guards is kept at least [`MIN_KEEP_YEARS`] years.
//!
//! The log is append-only and hash-chained: each entry's hash is SHA-256
//! over the previous entry's hash and the entry itself, and the store keeps
//! the head (last number and hash). [`verify`] recomputes the chain and
//! names the first entry that was changed, removed or reordered. Entries
//! older than the proof period are pruned from the front; the last pruned
//! entry's number and hash become the chain's base.

use crate::digest::sha256_hex;
use serde::Serialize;
use serde_json::Value;

/// Disclosures are provable for at least this long.
pub const MIN_KEEP_YEARS: u32 = 4;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Something to record: who did what to which object, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// A user name, or `system` for the service's own acts (forwarding, expiry).
    pub actor: String,
    pub role: String,
    /// `view_hit`, `decide`, `forward`, `view_alerts`, `sign_in`,
    /// `sign_in_failures` (a summary per client address and minute),
    /// `purge`, `reload`, `user_add`, `user_disable`, `token_add`,
    /// `legal_hold`, `audit_view`.
    pub action: String,
    /// `hit:42`, `user:alice`, `watchlists`, ...
    pub object: String,
    /// References only (JSON): decision, step, list version, counts.
    pub detail: Value,
}

impl Event {
    pub fn new(actor: &str, role: &str, action: &str, object: impl Into<String>, detail: Value) -> Event {
        Event { actor: actor.into(), role: role.into(), action: action.into(), object: object.into(), detail }
    }

    /// An act of the service itself.
    pub fn system(action: &str, object: impl Into<String>, detail: Value) -> Event {
        Event::new("system", "system", action, object, detail)
    }
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub seq: i64,
    /// Unix milliseconds.
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub object: String,
    /// The detail's JSON text, exactly as hashed.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry chained to `prev` (the entry's fields, in order).
#[allow(clippy::too_many_arguments)]
pub fn chain_hash(
    prev: &str,
    seq: i64,
    at: i64,
    actor: &str,
    role: &str,
    action: &str,
    object: &str,
    detail: &str,
) -> String {
    let body = serde_json::json!([seq, at, actor, role, action, object, detail]).to_string();
    sha256_hex(format!("{prev}\n{body}").as_bytes())
}

impl Entry {
    pub fn expected_hash(&self) -> String {
        chain_hash(
            &self.prev_hash,
            self.seq,
            self.at,
            &self.actor,
            &self.role,
            &self.action,
            &self.object,
            &self.detail,
        )
    }
}

/// Where the chain starts and ends, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub base_seq: i64,
    pub base_hash: String,
    pub seq: i64,
    pub hash: String,
}

/// The first break in the chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error("entry {seq}: changed (its hash does not match its content)")]
    Changed { seq: i64 },
    #[error("entry {seq}: missing (removed, or entries reordered)")]
    Missing { seq: i64 },
    #[error("entry {seq}: does not follow the entry before it (removed or reordered before it)")]
    Unchained { seq: i64 },
    #[error("entry {}: missing (the log ends at {seq}, its head says {head})", seq + 1)]
    Truncated { seq: i64, head: i64 },
    /// A decision row and the `decide` entry of its transaction disagree.
    #[error("the decision on hit {hit} (review {step}) {problem}")]
    Decision { hit: i64, step: i64, problem: String },
}

/// Check `entries` (in stored order) against the head; `Ok(number checked)`.
pub fn verify(head: &Head, entries: impl IntoIterator<Item = Entry>) -> Result<u64, Broken> {
    let mut v = Verifier::new(head);
    for e in entries {
        v.feed(&e)?;
    }
    v.finish()
}

/// The chain checked an entry at a time, so a long log need not be held
/// in memory.
pub struct Verifier<'a> {
    head: &'a Head,
    seq: i64,
    hash: String,
    checked: u64,
}

impl<'a> Verifier<'a> {
    pub fn new(head: &'a Head) -> Verifier<'a> {
        Verifier { head, seq: head.base_seq, hash: head.base_hash.clone(), checked: 0 }
    }

    /// The next entry in stored order.
    pub fn feed(&mut self, e: &Entry) -> Result<(), Broken> {
        if e.seq != self.seq + 1 {
            return Err(Broken::Missing { seq: self.seq + 1 });
        }
        if e.prev_hash != self.hash {
            return Err(Broken::Unchained { seq: e.seq });
        }
        if e.expected_hash() != e.hash {
            return Err(Broken::Changed { seq: e.seq });
        }
        (self.seq, self.hash) = (e.seq, e.hash.clone());
        self.checked += 1;
        Ok(())
    }

    /// Whether the entries fed reached the head; `Ok(number checked)`.
    pub fn finish(self) -> Result<u64, Broken> {
        if self.seq != self.head.seq || self.hash != self.head.hash {
            return Err(Broken::Truncated { seq: self.seq, head: self.head.seq });
        }
        Ok(self.checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> (Head, Vec<Entry>) {
        let mut prev = GENESIS.to_string();
        let mut out = Vec::new();
        for seq in 1..=n {
            let detail = format!("{{\"n\":{seq}}}");
            let hash = chain_hash(&prev, seq, 1000 + seq, "alice", "analyst", "view_hit", "hit:1", &detail);
            out.push(Entry {
                seq,
                at: 1000 + seq,
                actor: "alice".into(),
                role: "analyst".into(),
                action: "view_hit".into(),
                object: "hit:1".into(),
                detail,
                prev_hash: prev.clone(),
                hash: hash.clone(),
            });
            prev = hash;
        }
        let head = Head { base_seq: 0, base_hash: GENESIS.into(), seq: n, hash: prev };
        (head, out)
    }

    #[test]
    fn an_intact_chain_verifies_and_every_tampering_is_named() {
        let (head, entries) = chain(5);
        assert_eq!(verify(&head, entries.clone()), Ok(5));

        let mut changed = entries.clone();
        changed[2].actor = "mallory".into();
        assert_eq!(verify(&head, changed), Err(Broken::Changed { seq: 3 }));

        let mut removed = entries.clone();
        removed.remove(1);
        assert_eq!(verify(&head, removed), Err(Broken::Missing { seq: 2 }));

        let mut swapped = entries.clone();
        let (a, b) = (swapped[1].clone(), swapped[2].clone());
        swapped[1] = Entry { seq: 2, ..b };
        swapped[2] = Entry { seq: 3, ..a };
        assert_eq!(verify(&head, swapped), Err(Broken::Unchained { seq: 2 }));

        let mut cut = entries.clone();
        cut.pop();
        assert_eq!(verify(&head, cut), Err(Broken::Truncated { seq: 4, head: 5 }));
    }
}
