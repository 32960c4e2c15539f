//! The sign-in throttle, per user name and per client address. An attempt
//! takes a place before its password is checked, under one lock, so
//! parallel guesses cannot all pass the check "fewer than N failures yet":
//! failures and checks in flight together stay within the limit. A
//! throttled attempt is refused before any password work. Names are kept
//! as keyed hashes, never as typed.

use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;

/// Names or addresses tracked at most; when full, stale ones are dropped,
/// and if none is stale, new ones are refused (failing closed).
pub const MAX_TRACKED: usize = 100_000;

/// How many failures are allowed, per what, within how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_name: usize,
    pub per_address: usize,
    pub window: Duration,
}

/// Which limit refused an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    Name,
    Address,
}

#[derive(Default)]
struct Counter {
    failures: VecDeque<DateTime<Utc>>,
    in_flight: usize,
}

impl Counter {
    fn expire(&mut self, now: DateTime<Utc>, window: Duration) {
        while self.failures.front().is_some_and(|t| now.signed_duration_since(*t) >= window) {
            self.failures.pop_front();
        }
    }

    fn used(&self) -> usize {
        self.failures.len() + self.in_flight
    }
}

#[derive(Default)]
struct Counters {
    names: HashMap<String, Counter>,
    addresses: HashMap<IpAddr, Counter>,
}

/// Failed sign-ins per name and per address, in memory (per instance).
pub struct Throttle {
    limits: Limits,
    counters: Mutex<Counters>,
}

/// A place taken by an attempt; given back when dropped unless the
/// attempt is recorded as failed or succeeded.
pub struct Ticket<'a> {
    throttle: &'a Throttle,
    name: String,
    address: IpAddr,
    done: bool,
}

fn room<K: std::hash::Hash + Eq + Clone>(
    map: &mut HashMap<K, Counter>,
    key: &K,
    limit: usize,
    now: DateTime<Utc>,
    window: Duration,
) -> bool {
    if !map.contains_key(key) && map.len() >= MAX_TRACKED {
        map.retain(|_, c| {
            c.expire(now, window);
            c.used() > 0
        });
        if map.len() >= MAX_TRACKED {
            return false;
        }
    }
    let c = map.entry(key.clone()).or_default();
    c.expire(now, window);
    c.used() < limit
}

impl Throttle {
    /// A throttle with nothing counted yet.
    pub fn new(limits: Limits) -> Throttle {
        Throttle { limits, counters: Mutex::default() }
    }

    /// The limits in force (the answer's `Retry-After` is the window).
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Take a place for an attempt at `name` (its keyed hash) from
    /// `address`, or say which limit refuses it.
    pub fn begin(&self, name: &str, address: IpAddr, now: DateTime<Utc>) -> Result<Ticket<'_>, Throttled> {
        let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        let Limits { per_name, per_address, window } = self.limits;
        if !room(&mut c.addresses, &address, per_address, now, window) {
            return Err(Throttled::Address);
        }
        if !room(&mut c.names, &name.to_string(), per_name, now, window) {
            return Err(Throttled::Name);
        }
        c.addresses.entry(address).or_default().in_flight += 1;
        c.names.entry(name.to_string()).or_default().in_flight += 1;
        Ok(Ticket { throttle: self, name: name.to_string(), address, done: false })
    }

    fn end(&self, t: &Ticket<'_>, failed_at: Option<DateTime<Utc>>) {
        let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = c.addresses.get_mut(&t.address) {
            a.in_flight = a.in_flight.saturating_sub(1);
            if let Some(at) = failed_at {
                a.failures.push_back(at);
            }
        }
        if let Some(n) = c.names.get_mut(&t.name) {
            n.in_flight = n.in_flight.saturating_sub(1);
            if let Some(at) = failed_at {
                n.failures.push_back(at);
            }
        }
    }

    /// Failures and attempts in flight for a name now.
    pub fn used(&self, name: &str, now: DateTime<Utc>) -> usize {
        let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        c.names.get_mut(name).map_or(0, |n| {
            n.expire(now, self.limits.window);
            n.used()
        })
    }
}

impl Ticket<'_> {
    /// The password was wrong (or the user unknown): a failure for both.
    pub fn failed(mut self, now: DateTime<Utc>) {
        self.done = true;
        self.throttle.end(&self, Some(now));
    }

    /// Signed in: no failure. Earlier failures are not forgotten (they
    /// expire with the window), so no success opens more places to guess.
    pub fn succeeded(mut self) {
        self.done = true;
        self.throttle.end(&self, None);
    }
}

impl Drop for Ticket<'_> {
    /// Not checked after all (queue full, store error, client gone).
    fn drop(&mut self) {
        if !self.done {
            self.throttle.end(self, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits { per_name: 5, per_address: 8, window: Duration::minutes(15) }
    }

    #[test]
    fn places_in_flight_count_so_parallel_guesses_cannot_pass_the_limit() {
        let t = Throttle::new(limits());
        let now = Utc::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let taken: Vec<_> = (0..20).filter_map(|_| t.begin("alice", a, now).ok()).collect();
        assert_eq!(taken.len(), 5, "five places, however many ask at once");
        assert_eq!(t.begin("alice", a, now).err(), Some(Throttled::Name));
        for k in taken {
            k.failed(now);
        }
        assert_eq!(t.used("alice", now), 5);
        assert_eq!(t.used("alice", now + Duration::minutes(16)), 0, "failures expire");
        // The address limit holds across names.
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let mut kept = Vec::new();
        for i in 0..8 {
            kept.push(t.begin(&format!("n{i}"), b, now).unwrap());
        }
        assert_eq!(t.begin("other", b, now).err(), Some(Throttled::Address));
        drop(kept);
        assert!(t.begin("other", b, now).is_ok(), "places given back when not checked");
    }

    #[test]
    fn a_success_is_no_failure_and_forgets_none() {
        let t = Throttle::new(limits());
        let now = Utc::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..4 {
            t.begin("bob", a, now).unwrap().failed(now);
        }
        t.begin("bob", a, now).unwrap().succeeded();
        assert_eq!(t.used("bob", now), 4);
        t.begin("bob", a, now).unwrap().failed(now);
        assert_eq!(t.begin("bob", a, now).err(), Some(Throttled::Name));
    }
}
