//! The `paxscreen` command: argument parsing and dispatch; each command's
//! arguments and output live in a `cli_*` module, the work in the library.

mod cli_common;
mod cli_demo;
mod cli_generate;
mod cli_lists;
mod cli_names;
mod cli_service;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;

/// Shared argument groups and helpers, under a short name.
use cli_common as common;

#[derive(Parser)]
#[command(
    name = "paxscreen",
    version,
    about = "Screen Advance Passenger Information against watchlists and trends.",
    long_about = "\
paxscreen screens Advance Passenger Information (API, Directive 2004/82/EC) against
watchlists (people sought for serious crime; lost and stolen documents) and trends
(weighted risk characteristics). It only proposes hits: a person checks every one.

Start with:
  paxscreen check  --watchlists watchlists --trends trends
  paxscreen replay samples/manifests --watchlists watchlists --trends trends --out hits.jsonl"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate watchlists and trends; print every problem with file and line.
    Check(cli_lists::CheckArgs),
    /// Screen flight manifests from files (JSON, JSON Lines or PAXLST; folders are read whole).
    Replay(cli_lists::ReplayArgs),
    /// Generate synthetic flight manifests, optionally with planted listed persons.
    Generate(cli_generate::GenerateArgs),
    /// Read messages (JSON, JSON Lines or PAXLST, told by content) and write them as paxscreen.api/1 JSON Lines.
    Convert(cli_lists::ConvertArgs),
    /// Generate a synthetic watchlist CSV (many cultures and scripts, aliases, partial dates).
    GenerateWatchlist(cli_generate::GenerateWatchlistArgs),
    /// Measure recall and false hits of a replay of generated manifests.
    Recall(cli_generate::RecallArgs),
    /// Make recorded manifests fresh: sent a minute ago, landing in the next hours (for demos and drills).
    Redate(cli_generate::RedateArgs),
    /// Name tools for analysts.
    Names {
        #[command(subcommand)]
        command: cli_names::NamesCommand,
    },
    /// Run the screening service: Kafka or the spool folder and HTTP in, the store, the API (see --config).
    Serve(cli_service::ServeArgs),
    /// Delete expired passenger data now, or as of a later time (a drill).
    Purge(cli_service::PurgeArgs),
    /// Staff accounts and their roles.
    Users {
        #[command(subcommand)]
        command: cli_service::UsersCommand,
    },
    /// Bearer tokens for machine clients and scripts.
    Tokens {
        #[command(subcommand)]
        command: cli_service::TokensCommand,
    },
    /// The hash-chained audit log.
    Audit {
        #[command(subcommand)]
        command: cli_service::AuditCommand,
    },
}

fn init_logs(json: bool, default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PAXSCREEN_LOG").unwrap_or_else(|_| default_level.into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        logs.json().init();
    } else {
        logs.with_ansi(std::io::stderr().is_terminal()).init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        // The service logs as its configuration says, at info by default.
        Command::Serve(args) => cli_service::serve(args, init_logs),
        command => {
            init_logs(false, "warn");
            run(command)
        }
    };
    match result {
        Ok(code) => code,
        // A reader that went away (`paxscreen convert ... | head`) ends the command quietly.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("paxscreen: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>().and_then(|j| j.io_error_kind())
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// Every command but `serve`, to the function that runs it.
fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Serve(_) => unreachable!("handled in main"),
        Command::Check(args) => cli_lists::check(args),
        Command::Replay(args) => cli_lists::replay(args),
        Command::Convert(args) => cli_lists::convert(args),
        Command::Generate(args) => cli_generate::generate(args),
        Command::GenerateWatchlist(args) => cli_generate::generate_watchlist(args),
        Command::Recall(args) => cli_generate::recall(args),
        Command::Redate(args) => cli_generate::redate(args),
        Command::Names { command } => cli_names::names(command),
        Command::Purge(args) => cli_service::purge(args),
        Command::Users { command } => cli_service::users(command),
        Command::Tokens { command } => cli_service::tokens(command),
        Command::Audit { command } => cli_service::audit(command),
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every argument of every command says what it is for.
    #[test]
    fn every_argument_is_described() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for a in cmd.get_arguments() {
                let builtin = ["help", "version"].contains(&a.get_id().as_str());
                if !builtin && a.get_help().is_none() && a.get_long_help().is_none() {
                    missing.push(format!("{path} {}", a.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(format!("{path} {} (command)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "paxscreen", &mut missing);
        assert!(missing.is_empty(), "undescribed: {missing:?}");
    }

    /// `users add --help` lists every role with what it may do.
    #[test]
    fn users_add_help_lists_the_roles() {
        let mut cmd = Cli::command();
        let help = cmd
            .find_subcommand_mut("users")
            .and_then(|u| u.find_subcommand_mut("add"))
            .expect("users add")
            .render_long_help()
            .to_string();
        for role in paxscreen::auth::Role::ALL {
            assert!(help.contains(role.as_str()), "{role} missing from:\n{help}");
        }
    }
}
