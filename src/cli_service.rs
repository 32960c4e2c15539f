//! The service's commands of the binary: `serve`, `purge`, `users`,
//! `tokens`, `audit`.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use paxscreen::audit::Event;
use paxscreen::auth::{self, Role};
use paxscreen::clock::SystemClock;
use paxscreen::config::Config;
use paxscreen::serve::Service;
use paxscreen::store::Store;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

#[derive(Args, Clone)]
pub struct ConfigArg {
    /// The service configuration (TOML); without it, the defaults and PAXSCREEN_* variables.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Add a user (or change an existing one's role); `--password-stdin` sets a password for signing in.
    Add {
        /// The user's sign-in name (no spaces or control characters).
        name: String,
        /// What the user may do (contract section 3).
        #[arg(long, value_enum)]
        role: Role,
        /// Read a password (12 characters or more) from standard input, for signing in to the console and the API.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Disable a user and revoke their tokens.
    Disable {
        /// The user to disable.
        name: String,
        #[command(flatten)]
        config: ConfigArg,
    },
    /// List users and roles.
    List {
        #[command(flatten)]
        config: ConfigArg,
    },
}

#[derive(Subcommand)]
pub enum TokensCommand {
    /// Make a bearer token for NAME (created with ROLE if new) and print it once; only its hash is kept.
    Add {
        /// The user the token is for (created with ROLE when new).
        name: String,
        /// The user's role; must match the role of an existing user.
        #[arg(long, value_enum)]
        role: Role,
        #[command(flatten)]
        config: ConfigArg,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain: exit 0 when intact, 1 naming the first entry changed, removed or reordered.
    Verify {
        #[command(flatten)]
        config: ConfigArg,
    },
}

/// Record a configuration change made from the command line.
async fn audit_change(store: &Store, action: &str, object: String, detail: serde_json::Value) -> Result<()> {
    store
        .audit(&Event::new(&paxscreen::operator::cli_operator(), "admin", action, object, detail), chrono::Utc::now())
        .await?;
    Ok(())
}

pub fn audit(cmd: AuditCommand) -> Result<ExitCode> {
    let AuditCommand::Verify { config } = cmd;
    runtime()?.block_on(async move {
        let store = Store::open(&load_config(&config)?.store.url).await?;
        let verdict = store.audit_verify().await?;
        let head = store.audit_head().await?;
        match verdict {
            Ok(n) => {
                eprintln!("audit log intact: {n} entries ({} to {}), head {}", head.base_seq + 1, head.seq, head.hash);
                Ok(ExitCode::SUCCESS)
            }
            Err(broken) => {
                eprintln!("audit log BROKEN: {broken}");
                Ok(ExitCode::from(1))
            }
        }
    })
}

pub fn load_config(c: &ConfigArg) -> Result<Config> {
    Ok(Config::load(c.config.as_deref())?)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// `paxscreen serve`.
#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// A demonstration: store, spool and alerts in ./paxscreen-demo/, the sample manifests
    /// re-dated to land in the next hours and fed through the spool, demo users with passwords
    /// printed at start. Run it from the repository root.
    #[arg(long)]
    demo: bool,
    /// With --demo: delete ./paxscreen-demo/ first and start afresh.
    #[arg(long, requires = "demo")]
    reset: bool,
}

/// `serve`: logs started as the configuration says; with `--demo`, the demo
/// prepared first; then run until SIGTERM or SIGINT, stop in order and exit 0.
pub fn serve(args: ServeArgs, init_logs: fn(bool, &str)) -> Result<ExitCode> {
    let mut config = load_config(&args.config)?;
    init_logs(config.log.format == "json", "info");
    if args.demo {
        crate::cli_demo::start(&mut config, args.reset)?;
    }
    run_service(config)
}

/// Run until SIGTERM or SIGINT, then stop in order.
fn run_service(config: Config) -> Result<ExitCode> {
    runtime()?.block_on(async move {
        let stop = CancellationToken::new();
        let service = Service::open(config, Arc::new(SystemClock)).await?;
        let s = stop.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            s.cancel();
        });
        service.run(stop).await?;
        Ok(ExitCode::SUCCESS)
    })
}

async fn wait_for_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT"),
        _ = term.recv() => tracing::info!("SIGTERM"),
    }
}

/// `paxscreen purge`.
#[derive(Args)]
pub struct PurgeArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Sweep as if it were this time (RFC 3339, not in the past).
    #[arg(long)]
    as_of: Option<String>,
}

/// `purge`: one sweep, now or as of a later time (a drill).
pub fn purge(PurgeArgs { config, as_of }: PurgeArgs) -> Result<ExitCode> {
    let config = load_config(&config)?;
    let now = chrono::Utc::now();
    let at = match as_of {
        None => now,
        Some(t) => {
            let t =
                chrono::DateTime::parse_from_rfc3339(&t).with_context(|| format!("--as-of {t:?} is not RFC 3339"))?;
            let t = t.with_timezone(&chrono::Utc);
            if t < now {
                bail!("--as-of must not be in the past: a drill moves the clock forward, never back");
            }
            t
        }
    };
    runtime()?.block_on(async move {
        let store = Store::open(&config.store.url).await?;
        let spool = paxscreen::ingest::spool::Spool {
            dir: config.spool.dir.clone(),
            poll: std::time::Duration::from_millis(config.spool.poll_ms),
        };
        let alerts = (config.kafka.is_none()).then_some(config.alerts.file.as_path());
        let swept = paxscreen::retention::sweep(
            &store,
            &spool,
            config.retention(),
            alerts,
            config.retention.audit_years,
            at,
            None,
        )
        .await?;
        let p = swept.store;
        eprintln!(
            "purged as of {}: {} passengers, {} messages, {} hits expired, {} explanations, {} spool files",
            at.to_rfc3339(),
            p.passengers,
            p.messages,
            p.hits_expired,
            p.explanations,
            swept.spool_files
        );
        Ok(ExitCode::SUCCESS)
    })
}

pub fn users(cmd: UsersCommand) -> Result<ExitCode> {
    runtime()?.block_on(async move {
        match cmd {
            UsersCommand::Add { name, role, password_stdin, config } => {
                let hash = if password_stdin {
                    let mut pw = String::new();
                    std::io::stdin().read_to_string(&mut pw)?;
                    let pw = pw.trim_end_matches(['\n', '\r']);
                    if pw.chars().count() < 12 {
                        bail!("the password must have at least 12 characters");
                    }
                    Some(auth::hash_password(pw).map_err(anyhow::Error::msg)?)
                } else {
                    None
                };
                let store = Store::open(&load_config(&config)?.store.url).await?;
                store.upsert_user(&name, role, hash.as_deref(), chrono::Utc::now()).await?;
                let detail = serde_json::json!({"role": role.as_str(), "password_set": hash.is_some()});
                audit_change(&store, "user_add", format!("user:{name}"), detail).await?;
                eprintln!("user {name} ({})", role.as_str());
            }
            UsersCommand::Disable { name, config } => {
                let store = Store::open(&load_config(&config)?.store.url).await?;
                if !store.disable_user(&name).await? {
                    bail!("no user {name:?}");
                }
                audit_change(&store, "user_disable", format!("user:{name}"), serde_json::json!({})).await?;
                eprintln!("user {name} disabled, tokens revoked");
            }
            UsersCommand::List { config } => {
                let store = Store::open(&load_config(&config)?.store.url).await?;
                for u in store.users().await? {
                    let status = if u.disabled { "disabled" } else { "enabled" };
                    println!("{}\t{}\t{status}\t{}", u.name, u.role, u.sign_in);
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn tokens(cmd: TokensCommand) -> Result<ExitCode> {
    let TokensCommand::Add { name, role, config } = cmd;
    runtime()?.block_on(async move {
        let store = Store::open(&load_config(&config)?.store.url).await?;
        let now = chrono::Utc::now();
        // Made if new; an existing user is taken as is, never re-enabled.
        let (id, has_role, disabled, oidc) = store.ensure_user(&name, role, now).await?;
        if oidc {
            bail!("user {name} signs in through the identity provider: manage them there");
        }
        if disabled {
            bail!(
                "user {name} is disabled: `tokens add` does not re-enable anyone; \
                 enable them deliberately with `users add {name} --role {has_role}` first"
            );
        }
        if has_role != role {
            bail!("user {name} has role {has_role}; change it with `users add {name} --role {}` first", role.as_str());
        }
        let token = auth::new_token();
        store.add_token(id, &auth::token_hash(&token), now, None).await?;
        audit_change(&store, "token_add", format!("user:{name}"), serde_json::json!({"role": role.as_str()})).await?;
        println!("{token}");
        Ok(ExitCode::SUCCESS)
    })
}
