//! Getting messages in: replay of manifest files (and, with the Kafka
//! source, the live feed).

pub mod replay;
