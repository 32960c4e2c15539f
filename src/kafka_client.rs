//! librdkafka client settings, built in one place for every client the
//! service makes (the source's consumer and dead-letter producer, the
//! forwarder's producer and its offset check), so that the operator's
//! `[kafka.settings]` (TLS, SASL, ...) reach every one of them alike and
//! always have the last word.

use rdkafka::config::ClientConfig;

/// The settings every client shares: the brokers, then the operator's own.
fn base<'a>(brokers: &str, settings: impl IntoIterator<Item = (&'a String, &'a String)>) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", brokers);
    for (k, v) in settings {
        c.set(k, v);
    }
    c
}

/// A client of consumer group `group` (unless the operator names another).
fn member<'a>(
    brokers: &str,
    group: &str,
    settings: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> ClientConfig {
    let mut c = base(brokers, settings);
    default(&mut c, "group.id", group);
    c
}

/// Set `key` unless the operator set it.
fn default(c: &mut ClientConfig, key: &str, value: &str) {
    if c.get(key).is_none() {
        c.set(key, value);
    }
}

/// An idempotent producer: every record written once, acknowledged by all
/// in-sync replicas, given up after ten seconds (the caller retries).
pub fn producer<'a>(brokers: &str, settings: impl IntoIterator<Item = (&'a String, &'a String)>) -> ClientConfig {
    let mut c = base(brokers, settings);
    default(&mut c, "enable.idempotence", "true");
    default(&mut c, "acks", "all");
    default(&mut c, "message.timeout.ms", "10000");
    c
}

/// A consumer in `group`: offsets stored by the caller only after the
/// record is safe (`enable.auto.offset.store=false`), committed in the
/// background; a new group starts at the earliest record.
pub fn consumer<'a>(
    brokers: &str,
    group: &str,
    settings: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> ClientConfig {
    let mut c = member(brokers, group, settings);
    default(&mut c, "enable.auto.commit", "true");
    default(&mut c, "enable.auto.offset.store", "false");
    default(&mut c, "auto.offset.reset", "earliest");
    // librdkafka's prefetch per partition, on top of the source's own queues.
    default(&mut c, "queued.min.messages", "1000");
    c
}

/// A consumer that only looks (offsets, the end of a topic) and never commits.
pub fn reader<'a>(
    brokers: &str,
    group: &str,
    settings: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> ClientConfig {
    let mut c = member(brokers, group, settings);
    c.set("enable.auto.commit", "false");
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operator_has_the_last_word() {
        let settings = [("acks".to_string(), "1".to_string()), ("security.protocol".into(), "ssl".into())];
        let p = producer("b:9092", settings.iter().map(|(a, b)| (a, b)));
        assert_eq!(p.get("acks"), Some("1"));
        assert_eq!(p.get("enable.idempotence"), Some("true"));
        assert_eq!(p.get("security.protocol"), Some("ssl"));
        let c = consumer("b:9092", "g", settings.iter().map(|(a, b)| (a, b)));
        assert_eq!(c.get("group.id"), Some("g"));
        assert_eq!(c.get("enable.auto.offset.store"), Some("false"));
        assert_eq!(c.get("security.protocol"), Some("ssl"));
        let r = reader("b:9092", "check", std::iter::empty());
        assert_eq!(r.get("enable.auto.commit"), Some("false"));
    }
}
