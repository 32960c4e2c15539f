//! Recorded manifests made fresh: moved in time so that each was sent a
//! minute ago and its flight lands in the next hours. The demo and the
//! README's walkthrough feed the sample manifests this way, so they are
//! screened on any date (a message sent more than the retention ago is not).

use crate::model::ApiMessage;
use chrono::{DateTime, Duration, Utc};

/// Minutes from now to the arrival of the first flight.
pub const FIRST_ARRIVAL_MINUTES: i64 = 45;
/// Minutes between the arrivals of consecutive flights.
pub const ARRIVAL_SPACING_MINUTES: i64 = 35;

/// Move `m` so that it was sent a minute before `now` and its flight lands
/// `FIRST_ARRIVAL_MINUTES + slot × ARRIVAL_SPACING_MINUTES` after `now`,
/// the flight's length and the time from sending to departure kept.
/// Documents' issue and expiry dates move with the departure (whole days),
/// so a trend on a document's age sees what it saw; dates of birth stay, so
/// the people on the lists are found as before.
pub fn redate(m: &mut ApiMessage, now: DateTime<Utc>, slot: usize) {
    let arrival = now + Duration::minutes(FIRST_ARRIVAL_MINUTES + ARRIVAL_SPACING_MINUTES * slot as i64);
    let flight_shift = arrival.signed_duration_since(m.flight.arrival_time.with_timezone(&Utc));
    let sent_shift = (now - Duration::minutes(1)).signed_duration_since(m.sent_at.with_timezone(&Utc));
    let old_departure_day = m.flight.departure_time.date_naive();
    m.sent_at += sent_shift;
    m.flight.departure_time += flight_shift;
    m.flight.arrival_time += flight_shift;
    let days = m.flight.departure_time.date_naive().signed_duration_since(old_departure_day);
    for p in &mut m.passengers {
        if let Some(d) = p.document.as_mut() {
            d.issue_date = d.issue_date.map(|x| x + days);
            d.expiry_date = d.expiry_date.map(|x| x + days);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::api_json;

    #[test]
    fn sent_a_minute_ago_landing_in_slot_order_documents_moved_births_kept() {
        let text = include_str!("../../samples/manifests/demo-kl0692.json");
        let mut m = api_json::read(text.as_bytes()).expect("the sample reads").message;
        let before = m.clone();
        let now = DateTime::parse_from_rfc3339("2027-03-01T12:00:00Z").unwrap().with_timezone(&Utc);
        redate(&mut m, now, 2);
        assert_eq!(m.sent_at, now - Duration::minutes(1));
        assert_eq!(m.flight.arrival_time, now + Duration::minutes(45 + 2 * 35));
        assert_eq!(
            m.flight.arrival_time - m.flight.departure_time,
            before.flight.arrival_time - before.flight.departure_time,
            "the flight's length is kept"
        );
        let days = m.flight.departure_time.date_naive() - before.flight.departure_time.date_naive();
        for (a, b) in m.passengers.iter().zip(&before.passengers) {
            assert_eq!(a.date_of_birth, b.date_of_birth);
            let (da, db) = (a.document.as_ref().unwrap(), b.document.as_ref().unwrap());
            assert_eq!(da.issue_date, db.issue_date.map(|d| d + days));
            assert_eq!(da.expiry_date, db.expiry_date.map(|d| d + days));
        }
    }
}
