//! Getting messages in: replay of files, and the service's sources (the
//! spool folder and Kafka; HTTP is in `web`), all through one pipeline.

#[cfg(feature = "service")]
pub mod kafka;
pub mod replay;
#[cfg(feature = "service")]
pub mod spool;
