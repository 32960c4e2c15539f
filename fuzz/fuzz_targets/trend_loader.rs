#![no_main]
//! Any bytes as one trend file: the parser may refuse, never panic. A trend
//! it accepts is evaluated against every passenger of a fixed message, which
//! must not panic either.
use libfuzzer_sys::fuzz_target;
use paxscreen::model::ApiMessage;
use paxscreen::trends::{parse_trend, TrendContext};
use std::sync::OnceLock;

/// A made-up message: two passengers sharing a booking, a multi-leg itinerary,
/// a recently issued document and one close to expiry, so most derived fields
/// (age_years, document.days_*, pnr.party_size, flight.itinerary_contains,
/// flight.hours_to_arrival) have something to observe; the second passenger
/// lacks optional fields.
const MESSAGE: &str = r#"{
  "schema": "paxscreen.api/1",
  "message_id": "FZ0002-20261122-0001",
  "sent_at": "2026-11-22T06:00:00Z",
  "sender": "FZ",
  "flight": {
    "carrier": "FZ",
    "number": "FZ0002",
    "departure_airport": "DXB",
    "departure_time": "2026-11-22T08:00:00Z",
    "arrival_airport": "AMS",
    "arrival_time": "2026-11-22T13:20:00Z",
    "entry_point": "AMS",
    "itinerary": ["BOG", "DXB", "AMS"],
    "total_passengers": 2
  },
  "passengers": [
    {
      "role": "passenger",
      "surname": "HALVORSEN",
      "given_names": "INGRID MARIE",
      "gender": "F",
      "date_of_birth": "2001-03-28",
      "nationality": "NOR",
      "embarkation": "BOG",
      "debarkation": "AMS",
      "document": {"type": "P", "number": "NO4827716", "issuing_country": "NOR", "issue_date": "2026-11-08", "expiry_date": "2036-11-08"},
      "pnr_locator": "FZX4M8"
    },
    {
      "role": "passenger",
      "surname": "DUARTE",
      "given_names": "TOMAS",
      "date_of_birth": "1967-12-02",
      "nationality": "PRT",
      "embarkation": "DXB",
      "debarkation": "AMS",
      "document": {"type": "I", "number": "PT0093315", "issuing_country": "PRT", "issue_date": "2017-01-10", "expiry_date": "2026-12-30"},
      "pnr_locator": "FZX4M8"
    }
  ]
}"#;

fn message() -> &'static ApiMessage {
    static MSG: OnceLock<ApiMessage> = OnceLock::new();
    MSG.get_or_init(|| paxscreen::formats::api_json::read(MESSAGE.as_bytes()).expect("fixed fuzz message must read").message)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(trend) = parse_trend(text, "fuzz.toml") else {
        return;
    };
    let msg = message();
    let _ = trend.is_active_on(msg.flight.departure_date());
    let ctx = TrendContext::new(msg);
    for p in &msg.passengers {
        let _ = trend.evaluate(0, &ctx, p);
    }
});
