//! The durable store (sqlx): SQLite by default (one file, WAL,
//! `secure_delete`), PostgreSQL for several instances sharing one database.
//! One schema, one set of queries (`$N` placeholders work on both), two
//! migration folders for the dialects' few differences.
//!
//! It holds what the review needs and nothing else: messages seen (the
//! dedupe key and the flight), passengers (the contract's fields only),
//! hits with their explanation and list or trend-set version, review state,
//! users and token hashes; every row of passenger data with the time it was
//! received and the time it expires. A message is recorded in one
//! transaction whose first statement claims its dedupe key, so it is stored
//! exactly once whatever the route or the number of instances.

mod alerts;
mod audit;
mod counts;
mod decision_audit;
mod group;
mod hits;
mod parts;
mod receipts;
mod review;
mod secret;
mod users;

pub use alerts::{AlertRow, PendingAlert};
pub use counts::DayCounts;
pub use group::{GroupCommit, Pending};
pub use review::{Decided, DecisionRow};

pub use hits::{HitDetail, HitPage, HitQuery, HitSummary};
pub use users::{NameTaken, Principal, UserRow};

use crate::events::MessageOutcome;
use crate::model::ApiMessage;
use crate::review::HitState;
use crate::screening::Hit;
use chrono::{DateTime, Utc};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor, Row};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store url must start with sqlite: or postgres:")]
    Url,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the store's writer has stopped")]
    Closed,
    #[error(
        "user {0:?} signs in through the identity provider: manage them there (only `users disable` applies here)"
    )]
    ProviderUser(String),
    /// A value in the database that none of paxscreen's versions writes.
    #[error("unreadable {what} in the database")]
    Corrupt { what: &'static str },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A hit state as stored.
pub(crate) fn hit_state(s: String) -> Result<HitState> {
    s.parse().map_err(|_| StoreError::Corrupt { what: "hit state" })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    audit: audit::AuditQueue,
}

/// A message ready to be recorded: read, screened, with when it came.
pub struct Ingested {
    pub key: String,
    pub message: ApiMessage,
    /// Where it came from, without personal data (`spool:NAME`, `http`, `kafka:TOPIC/P/OFFSET`).
    pub source: String,
    /// `Screened` or `OutOfScope`.
    pub outcome: MessageOutcome,
    pub hits: Vec<Hit>,
    /// False for a message out of scope: its passengers are not kept at all.
    pub keep_passengers: bool,
    pub received_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What recording a message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Stored { passengers: usize, hits: usize },
    Duplicate,
}

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub messages: u64,
    pub passengers: u64,
    pub hits_expired: u64,
    pub explanations: u64,
    /// Decisions' free text erased.
    pub reasons: u64,
    /// Alerts whose content was erased.
    pub alerts: u64,
}

/// The jobs a writer task takes together: `first`, then whatever is
/// already waiting, up to `max` jobs or `max_weight` (by `weight`).
pub(crate) fn take_batch<T>(
    first: T,
    rx: &mut tokio::sync::mpsc::Receiver<T>,
    max: usize,
    max_weight: usize,
    weight: impl Fn(&T) -> usize,
) -> Vec<T> {
    let mut total = weight(&first);
    let mut jobs = vec![first];
    while jobs.len() < max && total < max_weight {
        match rx.try_recv() {
            Ok(j) => {
                total += weight(&j);
                jobs.push(j);
            }
            Err(_) => break,
        }
    }
    jobs
}

pub fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl Store {
    /// Connect, set SQLite up (WAL, secure delete, foreign keys) and migrate.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Url);
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_string(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA secure_delete = ON",
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA busy_timeout = 10000",
                        ] {
                            conn.execute(pragma).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&pool).await?,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await?,
        }
        let audit = audit::AuditQueue::start(audit::Db { pool: pool.clone(), backend });
        Ok(Store { pool, backend, audit })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether the store answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }

    /// Whether a message with this key was already recorded (a cheap check
    /// before screening; [`Store::record`] decides for good).
    pub async fn seen(&self, key: &str) -> Result<bool> {
        let row =
            sqlx::query("SELECT 1 FROM messages WHERE dedupe_key = $1").bind(key).fetch_optional(&self.pool).await?;
        Ok(row.is_some())
    }

    /// Record a screened message, its passengers and hits in one
    /// transaction, or nothing when its key is already there.
    pub async fn record(&self, i: &Ingested) -> Result<Recorded> {
        Ok(self.record_all(&[i]).await?.remove(0))
    }

    /// Record several messages in one transaction (group commit: one disk
    /// flush for all); each is stored or found a duplicate. If anything
    /// fails, nothing is recorded.
    pub async fn record_all(&self, items: &[&Ingested]) -> Result<Vec<Recorded>> {
        let mut tx = self.pool.begin().await?;
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            out.push(record_in(&mut tx, self.backend, i).await?);
        }
        tx.commit().await?;
        Ok(out)
    }
    /// Hits per review state, for the queue gauge.
    pub async fn queue_counts(&self) -> Result<Vec<(HitState, i64)>> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM hits GROUP BY state").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((hit_state(r.try_get("state")?)?, r.try_get("n")?))).collect()
    }

    /// Delete passenger data received more than the retention ago, as of
    /// `now`: passengers and messages go; undecided hits become `expired`;
    /// every hit loses its explanation and its link to the passenger. Hits
    /// under a legal hold keep everything. The bytes are gone from the
    /// files: SQLite runs with `secure_delete` and its WAL is checkpointed
    /// and truncated; PostgreSQL tables are vacuumed.
    pub async fn purge(&self, now: DateTime<Utc>) -> Result<Purged> {
        let now = millis(now);
        let mut tx = self.pool.begin().await?;
        let held = "SELECT passenger_id FROM hits WHERE legal_hold = 1 AND passenger_id IS NOT NULL";
        let hits_expired = sqlx::query(
            "UPDATE hits SET state = 'expired', explanation = NULL, passenger_id = NULL \
             WHERE expires_at <= $1 AND legal_hold = 0 AND state IN ('new', 'confirmed_once')",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let explanations = sqlx::query(
            "UPDATE hits SET explanation = NULL, passenger_id = NULL \
             WHERE expires_at <= $1 AND legal_hold = 0 AND (explanation IS NOT NULL OR passenger_id IS NOT NULL)",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let reasons = sqlx::query(
            "UPDATE decisions SET reason = NULL WHERE reason IS NOT NULL \
             AND hit_id IN (SELECT id FROM hits WHERE expires_at <= $1 AND legal_hold = 0)",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let alerts = sqlx::query(
            "UPDATE alerts SET payload = NULL WHERE payload IS NOT NULL AND expires_at <= $1 \
             AND hit_id NOT IN (SELECT id FROM hits WHERE legal_hold = 1)",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let passengers = sqlx::query(&format!("DELETE FROM passengers WHERE expires_at <= $1 AND id NOT IN ({held})"))
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let messages = sqlx::query(
            "DELETE FROM messages WHERE expires_at <= $1 \
             AND id NOT IN (SELECT message_id FROM hits WHERE legal_hold = 1 AND message_id IS NOT NULL)",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("DELETE FROM message_parts WHERE expires_at <= $1").bind(now).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM tokens WHERE expires_at IS NOT NULL AND expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let purged = Purged { messages, passengers, hits_expired, explanations, reasons, alerts };
        if purged != Purged::default() {
            // Only then: a checkpoint stalls writers while it copies the WAL back.
            self.scrub().await?;
        }
        Ok(purged)
    }

    /// Make deleted bytes unrecoverable from the database files.
    async fn scrub(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                // Pages of deleted rows were zeroed (secure_delete); fold the
                // WAL (which still holds the old pages) back and truncate it.
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").fetch_all(&self.pool).await?;
            }
            Backend::Postgres => {
                for t in ["passengers", "hits", "messages", "decisions", "alerts"] {
                    sqlx::query(&format!("VACUUM {t}")).execute(&self.pool).await?;
                }
            }
        }
        Ok(())
    }
}

/// One message's rows inside the caller's transaction; its dedupe key is
/// claimed first, so a message already there adds nothing.
async fn record_in(tx: &mut sqlx::Transaction<'_, sqlx::Any>, backend: Backend, i: &Ingested) -> Result<Recorded> {
    let m = &i.message;
    let f = &m.flight;
    let (received, expires) = (millis(i.received_at), millis(i.expires_at));
    let claimed = sqlx::query(
        "INSERT INTO messages (dedupe_key, message_id, sender, source, outcome, flight_number, carrier, \
         departure_airport, departure_time, arrival_airport, arrival_time, entry_point, itinerary, \
         total_passengers, passengers, hits, sent_at, received_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
    )
    .bind(&i.key)
    .bind(&m.message_id)
    .bind(&m.sender)
    .bind(&i.source)
    .bind(i.outcome.as_str())
    .bind(&f.number)
    .bind(&f.carrier)
    .bind(&f.departure_airport)
    .bind(f.departure_time.timestamp_millis())
    .bind(&f.arrival_airport)
    .bind(f.arrival_time.timestamp_millis())
    .bind(&f.entry_point)
    .bind(f.itinerary.join(" "))
    .bind(f.total_passengers as i64)
    .bind(kept_count(i))
    .bind(i.hits.len() as i64)
    .bind(m.sent_at.timestamp_millis())
    .bind(received)
    .bind(expires)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = claimed else {
        return Ok(Recorded::Duplicate);
    };
    let message_row: i64 = row.try_get("id")?;
    counts::add_in(&mut **tx, i.received_at, i.outcome, 1).await?;
    // Passengers, many rows a statement; their ids by index for the hits.
    let kept: &[crate::model::Passenger] = if i.keep_passengers { &m.passengers } else { &[] };
    let mut ids = std::collections::HashMap::with_capacity(kept.len());
    for chunk in kept.chunks(400) {
        let mut sql =
            String::from("INSERT INTO passengers (message_id, idx, data, damaged, received_at, expires_at) VALUES ");
        sql.push_str(&values(backend, chunk.len(), 6));
        sql.push_str(" RETURNING id, idx");
        let mut q = sqlx::query(&sql);
        for p in chunk {
            let data = serde_json::to_string(p).expect("a passenger serialises");
            q = q.bind(message_row).bind(p.index as i64).bind(data).bind(p.damaged as i64).bind(received).bind(expires);
        }
        for r in q.fetch_all(&mut **tx).await? {
            ids.insert(r.try_get::<i64, _>("idx")?, r.try_get::<i64, _>("id")?);
        }
    }
    for h in &i.hits {
        sqlx::query(
            "INSERT INTO hits (message_id, passenger_id, passenger_idx, kind, list, entry_id, category, trend_id, \
             version, score, threshold, explanation, input_damaged, state, flight_number, departure_airport, \
             arrival_airport, arrival_time, received_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'new', $14, $15, $16, $17, $18, $19)",
        )
        .bind(message_row)
        .bind(ids.get(&(h.passenger as i64)).copied())
        .bind(h.passenger as i64)
        .bind(kind_name(h))
        .bind(h.list.clone())
        .bind(h.entry_id.clone())
        .bind(h.category.clone())
        .bind(h.trend_id.clone())
        .bind(&h.version)
        .bind(h.score)
        .bind(h.threshold)
        .bind(serde_json::to_string(&h.explanation).expect("an explanation serialises"))
        .bind(h.input_damaged as i64)
        .bind(&f.number)
        .bind(&f.departure_airport)
        .bind(&f.arrival_airport)
        .bind(f.arrival_time.timestamp_millis())
        .bind(received)
        .bind(expires)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("UPDATE messages SET stored_at = $1 WHERE id = $2")
        .bind(millis(Utc::now()))
        .bind(message_row)
        .execute(&mut **tx)
        .await?;
    Ok(Recorded::Stored { passengers: kept.len(), hits: i.hits.len() })
}

/// `(?, ?), (?, ?)` for SQLite, `($1, $2), ($3, $4)` for PostgreSQL:
/// `rows` groups of `cols` placeholders. SQLite looks a named parameter up
/// by a linear scan, so thousands of `$N` in one statement cost quadratic
/// time there; anonymous ones cost nothing.
fn values(backend: Backend, rows: usize, cols: usize) -> String {
    let mut sql = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => sql.push_str(&format!("${}", r * cols + c + 1)),
            }
        }
        sql.push(')');
    }
    sql
}

fn kept_count(i: &Ingested) -> i64 {
    if i.keep_passengers {
        i.message.passengers.len() as i64
    } else {
        0
    }
}

fn kind_name(h: &Hit) -> &'static str {
    match h.kind {
        crate::screening::HitKind::Watchlist => "watchlist",
        crate::screening::HitKind::Trend => "trend",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_per_dialect() {
        assert_eq!(values(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
        assert_eq!(values(Backend::Postgres, 2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
