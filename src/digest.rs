//! SHA-256 as lower-case hex, as `sha256sum` prints it: list versions,
//! token hashes, the audit chain.

use sha2::{Digest, Sha256};
use std::fmt::Write;

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
