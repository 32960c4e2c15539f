//! `paxscreen serve --demo`: the service on the embedded default with
//! everything a newcomer needs to review a hit within a minute: its own
//! folder (`paxscreen-demo/`: SQLite store, spool, alerts file), the
//! repo's sample lists, the sample manifests re-dated to land in the next
//! hours and dropped into the spool, and demo users with fresh passwords
//! printed once. Never the default: only with `--demo`.

use anyhow::{Context, Result};
use chrono::Utc;
use paxscreen::auth::{self, Role};
use paxscreen::config::Config;
use paxscreen::formats::api_json;
use paxscreen::formats::decode::{decode_bytes, Decoded};
use paxscreen::store::Store;
use std::path::Path;

/// The demo's users: (name, role).
pub const USERS: &[(&str, Role)] = &[
    ("ana", Role::Analyst),
    ("ben", Role::Analyst),
    ("sue", Role::Supervisor),
    ("gil", Role::BorderGuard),
    ("aud", Role::Auditor),
    ("adm", Role::Admin),
];

/// Point `config` at the demo folder, fill the spool and make the users;
/// returns (name, role, password) to print.
pub fn prepare(config: &mut Config, dir: &Path, samples: &Path) -> Result<Vec<(String, &'static str, String)>> {
    std::fs::create_dir_all(dir.join("spool")).with_context(|| format!("creating {}", dir.display()))?;
    config.store.url = format!("sqlite://{}", dir.join("paxscreen.db").display());
    config.spool.dir = dir.join("spool");
    config.alerts.file = dir.join("alerts.jsonl");
    config.kafka = None;
    let now = Utc::now();
    let mut files = paxscreen::inputs::files_with_extension(samples, "json")
        .with_context(|| format!("reading the sample manifests in {}", samples.display()))?;
    files.sort();
    for (i, f) in files.iter().enumerate() {
        let bytes = std::fs::read(f)?;
        for d in decode_bytes(&bytes) {
            let Decoded::Message { result: Ok(rm), .. } = d else { continue };
            let mut m = rm.message;
            // Sent a minute ago, landing in the next hours, in the file's order.
            let shift = now.signed_duration_since(m.sent_at.with_timezone(&Utc)) - chrono::Duration::minutes(1);
            let first_arrival = m.flight.arrival_time + shift;
            let wanted = now + chrono::Duration::minutes(45 + 35 * i as i64);
            let extra = wanted.signed_duration_since(first_arrival.with_timezone(&Utc));
            m.sent_at += shift;
            m.flight.departure_time += shift + extra;
            m.flight.arrival_time += shift + extra;
            let name = format!("demo-{i:02}-{}.json", m.message_id.replace(|c: char| !c.is_ascii_alphanumeric(), "_"));
            let tmp = dir.join("spool").join(format!(".{name}"));
            std::fs::write(&tmp, api_json::to_value(&m).to_string())?;
            std::fs::rename(&tmp, dir.join("spool").join(&name))?;
        }
    }
    let url = config.store.url.clone();
    let users = tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async move {
        let store = Store::open(&url).await?;
        let mut out = Vec::new();
        for (name, role) in USERS {
            let password = auth::new_token()[4..20].to_string();
            let hash = auth::hash_password(&password).map_err(anyhow::Error::msg)?;
            store.upsert_user(name, *role, Some(&hash), Utc::now()).await?;
            out.push((name.to_string(), role.as_str(), password));
        }
        store.pool().close().await;
        anyhow::Ok(out)
    })?;
    Ok(users)
}
