//! Password checks with bounded memory: a fixed number of worker threads,
//! each with its own Argon2 working memory allocated once and reused, fed
//! by a short queue. A check that finds the queue full is refused at once
//! (the caller answers `503` with `Retry-After`), so no number of parallel
//! sign-ins can make the service hold more than `workers` Argon2 buffers.
//! A user who does not exist costs the same check (against a hash made at
//! start), so timing does not tell which names exist.

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};

/// The most Argon2 memory one check may use (KiB blocks): a stored hash
/// asking for more is refused rather than allowed to grow the service.
pub const MAX_BLOCKS: usize = 64 * 1024;

/// The queue was full: try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many sign-ins at once: try again in a moment")]
pub struct Busy;

struct Job {
    password: String,
    /// `None`: no such user (checked against a stand-in hash all the same).
    hash: Option<String>,
    reply: tokio::sync::oneshot::Sender<bool>,
}

/// The pool of password checkers; cheap to clone.
#[derive(Clone)]
pub struct PasswordChecker {
    tx: SyncSender<Job>,
    workers: usize,
}

impl PasswordChecker {
    /// `workers` threads (0: one per CPU) behind a queue of `queue` checks.
    pub fn start(workers: usize, queue: usize) -> PasswordChecker {
        let workers = if workers == 0 { std::thread::available_parallelism().map_or(2, |n| n.get()) } else { workers };
        let (tx, rx) = sync_channel::<Job>(queue);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new().name(format!("password-{i}")).spawn(move || work(&rx));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password checker thread");
            }
        }
        PasswordChecker { tx, workers }
    }

    /// How many checks run at once at most.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Whether `password` matches `hash` (always false for `None`, after
    /// the same work); `Err(Busy)` when the queue is full.
    pub async fn verify(&self, password: &str, hash: Option<String>) -> Result<bool, Busy> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Job { password: password.to_string(), hash, reply };
        match self.tx.try_send(job) {
            Ok(()) => Ok(answer.await.unwrap_or(false)),
            Err(TrySendError::Full(_)) => Err(Busy),
            Err(TrySendError::Disconnected(_)) => {
                tracing::error!("no password checker thread is running");
                Err(Busy)
            }
        }
    }
}

/// One worker: its Argon2 memory is allocated on first use and kept.
fn work(rx: &Mutex<Receiver<Job>>) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let job = match rx.lock().unwrap_or_else(|e| e.into_inner()).recv() {
            Ok(j) => j,
            Err(_) => return, // the service is stopping
        };
        let ok = match &job.hash {
            Some(h) => check(&job.password, h, &mut memory),
            None => {
                let _ = std::hint::black_box(check(&job.password, stand_in(), &mut memory));
                false
            }
        };
        let _ = job.reply.send(ok);
    }
}

/// A hash of no one's password, with the parameters real ones have.
fn stand_in() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default().hash_password(b"no such user", &salt).map(|h| h.to_string()).unwrap_or_default()
    })
}

/// Argon2 verification of a PHC string in `memory`, grown once to what the
/// hash asks for (at most [`MAX_BLOCKS`]) and reused.
fn check(password: &str, phc: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else { return false };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(hash.algorithm), Params::try_from(&hash)) else {
        return false;
    };
    let version = hash.version.map_or(Ok(Version::default()), Version::try_from);
    let (Ok(version), Some(salt), Some(expected)) = (version, hash.salt, hash.hash) else { return false };
    let blocks = params.block_count();
    if blocks > MAX_BLOCKS {
        tracing::error!(blocks, "a stored password hash asks for more memory than allowed: refused");
        return false;
    }
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else { return false };
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    if argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..blocks]).is_err() {
        return false;
    }
    // Output's equality is constant-time.
    argon2::password_hash::Output::new(&out).is_ok_and(|o| o == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn checks_agree_with_argon2_and_a_full_queue_is_refused() {
        let h = crate::auth::hash_password("correct horse").unwrap();
        let c = PasswordChecker::start(1, 4);
        assert_eq!(c.verify("correct horse", Some(h.clone())).await, Ok(true));
        assert_eq!(c.verify("wrong", Some(h.clone())).await, Ok(false));
        assert_eq!(c.verify("correct horse", None).await, Ok(false));
        assert_eq!(c.verify("x", Some("not a hash".into())).await, Ok(false));
        // No worker and a queue of one, taken: the next check is refused.
        let (tx, _rx) = sync_channel::<Job>(1);
        let stalled = PasswordChecker { tx, workers: 0 };
        let job = Job { password: String::new(), hash: None, reply: tokio::sync::oneshot::channel().0 };
        assert!(stalled.tx.try_send(job).is_ok());
        assert_eq!(stalled.verify("b", None).await, Err(Busy));
    }
}
