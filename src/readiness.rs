//! What `/readyz` reports besides the store: the lists are loaded, and the
//! Kafka source has partitions when Kafka is configured. Set by the parts
//! that know (the service at start, the Kafka source on rebalance), read by
//! the operations endpoint.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The readiness flags, shared.
#[derive(Default)]
pub struct Readiness {
    lists_loaded: AtomicBool,
    /// `None`: no Kafka configured; else whether partitions are assigned.
    kafka_assigned: Mutex<Option<bool>>,
}

impl Readiness {
    /// The watchlists and trends are loaded.
    pub fn set_lists_loaded(&self) {
        self.lists_loaded.store(true, Ordering::Relaxed);
    }

    /// Whether the lists are loaded.
    pub fn lists_loaded(&self) -> bool {
        self.lists_loaded.load(Ordering::Relaxed)
    }

    /// Kafka is configured; whether its partitions are assigned now.
    pub fn set_kafka(&self, assigned: bool) {
        *self.kafka_assigned.lock().expect("not poisoned") = Some(assigned);
    }

    /// `None` without Kafka; else whether partitions are assigned.
    pub fn kafka_assigned(&self) -> Option<bool> {
        *self.kafka_assigned.lock().expect("not poisoned")
    }
}
