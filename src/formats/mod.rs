//! Readers (and writers) of the passenger-message formats: the
//! `paxscreen.api/1` JSON contract and UN/EDIFACT PAXLST.

pub mod api_json;
pub mod decode;
pub mod edifact;
pub mod paxlst;
pub mod special;

use crate::model::{FieldError, ReadMessage};

/// The wire format of one message, told by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Paxlst,
}

/// Tell the format of a message from its first bytes: JSON starts with `{`,
/// PAXLST with `UNA` or `UNB` (or `UNH` for a bare message).
pub fn detect(bytes: &[u8]) -> Option<Format> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF)?;
    let rest = &bytes[start..];
    if rest.starts_with(b"{") {
        Some(Format::Json)
    } else if rest.starts_with(b"UNA") || rest.starts_with(b"UNB") || rest.starts_with(b"UNH") {
        Some(Format::Paxlst)
    } else {
        None
    }
}

/// A whole message refused, with why.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MessageError {
    #[error("not valid JSON at line {line}, column {column}: {reason}")]
    Syntax { line: usize, column: usize, reason: String },
    #[error("{0}")]
    Field(#[from] FieldError),
    #[error("unrecognised format: neither a JSON object nor a UN/EDIFACT interchange")]
    UnknownFormat,
    #[error("{0}")]
    Paxlst(String),
    #[error("message larger than {limit_mib} MiB: refused unread")]
    TooLarge { limit_mib: usize },
}

impl MessageError {
    /// The error without personal data, for logs and metrics.
    pub fn redacted(&self) -> String {
        match self {
            MessageError::Field(f) => f.redacted(),
            other => other.to_string(),
        }
    }
}

pub type ReadResult = Result<ReadMessage, MessageError>;
