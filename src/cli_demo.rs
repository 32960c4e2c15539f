//! `paxscreen serve --demo`: the service on the embedded default with
//! everything a newcomer needs to review a hit within a minute: its own
//! folder (`paxscreen-demo/`: SQLite store, spool, alerts file), the
//! repo's sample lists, the sample manifests re-dated to land in the next
//! hours and dropped into the spool, and demo users with fresh passwords
//! printed at start (kept in `paxscreen-demo/users.txt`, so a restarted
//! demo goes on with the same accounts and hits). `--demo --reset` starts
//! afresh. Never the default: only with `--demo`.

use anyhow::{bail, Context, Result};
use chrono::Utc;
use paxscreen::auth::{self, Role};
use paxscreen::config::Config;
use paxscreen::formats::api_json;
use paxscreen::formats::decode::{decode_bytes, Decoded};
use paxscreen::generate::redate::redate;
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

/// The demo's folder, in the working directory.
const DIR: &str = "paxscreen-demo";
/// The sample manifests, from the repository root.
const SAMPLES: &str = "samples/manifests";

/// Point `config` at the demo folder: afresh (spool filled, users made) the
/// first time or with `reset`, else the demo of the last run, and say how to
/// use it.
pub fn start(config: &mut Config, reset: bool) -> Result<()> {
    let (dir, samples) = (Path::new(DIR), Path::new(SAMPLES));
    if !samples.is_dir() || !config.screening.watchlists.is_dir() {
        bail!(
            "run `paxscreen serve --demo` from the repository root: {} and {} are not here",
            SAMPLES,
            config.screening.watchlists.display()
        );
    }
    if reset && dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    let users_file = dir.join("users.txt");
    let fresh = !users_file.exists();
    let users = if fresh {
        let users = prepare(config, dir, samples)?;
        let text: String = users.iter().map(|(n, r, p)| format!("{n} {r} {p}\n")).collect();
        write_private(&users_file, &text)?;
        users
    } else {
        point_at(config, dir);
        read_users(&users_file)?
    };
    println!("DEMO (not for production): data in ./{DIR}/.");
    if fresh {
        println!("The sample manifests, re-dated to land in the next hours, are fed through its spool.");
    } else {
        println!("Going on with the demo of the last run (its flights may have landed by now).");
    }
    println!("To start afresh: paxscreen serve --demo --reset (or delete ./{DIR}/).");
    println!("Console: http://{}/  Metrics: http://{}/metrics", config.http.listen, config.http.metrics_listen);
    for (name, role, password) in &users {
        println!("  {name:<4} {role:<13} password {password}");
    }
    println!(
        "Sign in as ana, confirm a hit; sign in as ben (another browser or a private window), confirm it again; gil sees the alert."
    );
    Ok(())
}

/// The users file of an earlier run: `name role password` lines.
fn read_users(path: &Path) -> Result<Vec<(String, String, String)>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .map(|l| {
            let mut w = l.split_whitespace().map(str::to_string);
            match (w.next(), w.next(), w.next()) {
                (Some(n), Some(r), Some(p)) => Ok((n, r, p)),
                _ => bail!("{} is damaged: start afresh with --demo --reset", path.display()),
            }
        })
        .collect()
}

/// Write a file only its owner may read.
fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

/// The demo's store, spool and alerts file; no Kafka.
fn point_at(config: &mut Config, dir: &Path) {
    config.store.url = format!("sqlite://{}", dir.join("paxscreen.db").display());
    config.spool.dir = dir.join("spool");
    config.alerts.file = dir.join("alerts.jsonl");
    config.kafka = None;
}

/// Point `config` at the demo folder, fill the spool and make the users;
/// returns (name, role, password) to print.
fn prepare(config: &mut Config, dir: &Path, samples: &Path) -> Result<Vec<(String, String, String)>> {
    std::fs::create_dir_all(dir.join("spool")).with_context(|| format!("creating {}", dir.display()))?;
    point_at(config, dir);
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
            redate(&mut m, now, i);
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
            out.push((name.to_string(), role.as_str().to_string(), password));
        }
        store.pool().close().await;
        anyhow::Ok(out)
    })?;
    Ok(users)
}
