//! Where time comes from: the system's clock in service, a test's clock
//! in tests. Every part of the service that asks the time asks a [`Clock`],
//! so retention, countdowns and token expiry can be driven by a test.

use chrono::{DateTime, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The time now.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
