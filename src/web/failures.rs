//! Failed sign-ins, audited as summaries: per client address, at most one
//! audit entry a minute, with the number of attempts, of those throttled
//! and of distinct names tried. A name as typed is never stored, in the
//! audit log or the process log: a keyed hash of it (HMAC-SHA256 under the
//! installation's secret) lets an auditor tell the same name tried again
//! without learning it.

use crate::audit::Event;
use crate::digest::hmac_sha256_hex;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Mutex;

/// How long a summary gathers before it is written.
pub const SUMMARY_SECONDS: i64 = 60;
/// Addresses tracked at once; beyond, attempts are summed under "many".
pub const MAX_ADDRESSES: usize = 10_000;
/// Distinct names counted per summary; keyed hashes listed per summary.
const MAX_NAMES: usize = 10_000;
const LISTED_NAMES: usize = 20;

/// The keyed hash of a user name as typed (trimmed).
pub struct NameKeys {
    secret: Vec<u8>,
}

impl NameKeys {
    pub fn new(secret: Vec<u8>) -> NameKeys {
        NameKeys { secret }
    }

    /// The name's keyed hash (64 hex characters).
    pub fn of(&self, name: &str) -> String {
        hmac_sha256_hex(&self.secret, name.trim().as_bytes())
    }
}

struct Window {
    started: DateTime<Utc>,
    attempts: u64,
    throttled: u64,
    names: BTreeSet<String>,
}

/// Failed sign-ins gathered per address until their summary is written.
#[derive(Default)]
pub struct FailureLog {
    windows: Mutex<HashMap<Option<IpAddr>, Window>>,
}

impl FailureLog {
    /// A failed (or throttled) attempt at the name with keyed hash `name`.
    pub fn note(&self, address: IpAddr, name: &str, throttled: bool, now: DateTime<Utc>) {
        let mut w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let key = if w.len() < MAX_ADDRESSES || w.contains_key(&Some(address)) { Some(address) } else { None };
        let win =
            w.entry(key).or_insert_with(|| Window { started: now, attempts: 0, throttled: 0, names: BTreeSet::new() });
        win.attempts += 1;
        win.throttled += throttled as u64;
        if win.names.len() < MAX_NAMES {
            win.names.insert(name.to_string());
        }
    }

    /// The summaries due at `now` (gathered a minute or more), or all of
    /// them (`all`, at shutdown), as audit events; they are forgotten here.
    pub fn take_due(&self, now: DateTime<Utc>, all: bool) -> Vec<Event> {
        let mut w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let due: Vec<Option<IpAddr>> = w
            .iter()
            .filter(|(_, win)| all || now.signed_duration_since(win.started) >= Duration::seconds(SUMMARY_SECONDS))
            .map(|(k, _)| *k)
            .collect();
        due.into_iter()
            .filter_map(|k| w.remove(&k).map(|win| (k, win)))
            .map(|(address, win)| {
                let object = match address {
                    Some(a) => format!("address:{a}"),
                    None => "address:many".to_string(),
                };
                let names: Vec<String> = win.names.iter().take(LISTED_NAMES).map(|n| n[..16].to_string()).collect();
                let detail = json!({
                    "since": win.started.to_rfc3339(),
                    "attempts": win.attempts,
                    "throttled": win.throttled,
                    "distinct_names": win.names.len(),
                    "name_keys": names,
                });
                Event::new("anonymous", "none", "sign_in_failures", object, detail)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_summary_per_address_and_minute_without_the_names() {
        let keys = NameKeys::new(b"secret".to_vec());
        let log = FailureLog::default();
        let now = Utc::now();
        let a: IpAddr = "192.0.2.7".parse().unwrap();
        for i in 0..30 {
            log.note(a, &keys.of(&format!("Person Number {}", i % 10)), i >= 25, now);
        }
        assert!(log.take_due(now + Duration::seconds(30), false).is_empty(), "not a minute yet");
        let due = log.take_due(now + Duration::seconds(60), false);
        assert_eq!(due.len(), 1);
        let d = &due[0].detail;
        assert_eq!(
            (d["attempts"].as_u64(), d["throttled"].as_u64(), d["distinct_names"].as_u64()),
            (Some(30), Some(5), Some(10))
        );
        assert_eq!(due[0].object, "address:192.0.2.7");
        assert!(!serde_json::to_string(&due[0]).unwrap().contains("Person"));
        assert!(log.take_due(now + Duration::seconds(120), true).is_empty(), "written once");
        assert_eq!(keys.of(" Person Number 1 "), keys.of("Person Number 1"));
        assert_ne!(NameKeys::new(b"other".to_vec()).of("x"), keys.of("x"), "keyed");
    }
}
