#![no_main]
//! Any bytes as one watchlist CSV file: the loader may refuse (problems),
//! never panic. A file it accepts is indexed and one fixed passenger is
//! screened against it, which must not panic either.
use libfuzzer_sys::fuzz_target;
use paxscreen::matching::watchlist::{load_csv, Loaded};
use paxscreen::matching::{PreparedPassenger, Watchlist};
use paxscreen::model::ApiMessage;
use std::sync::OnceLock;

/// A made-up message; its first passenger is screened, its departure date is "today".
const MESSAGE: &str = r#"{
  "schema": "paxscreen.api/1",
  "message_id": "FZ0001-20261122-0001",
  "sent_at": "2026-11-22T06:00:00Z",
  "sender": "FZ",
  "flight": {
    "carrier": "FZ",
    "number": "FZ0001",
    "departure_airport": "IST",
    "departure_time": "2026-11-22T07:30:00Z",
    "arrival_airport": "AMS",
    "arrival_time": "2026-11-22T10:15:00Z",
    "entry_point": "AMS",
    "itinerary": ["IST", "AMS"],
    "total_passengers": 1
  },
  "passengers": [
    {
      "role": "passenger",
      "surname": "KOWALSKA",
      "given_names": "MAGDALENA ZOFIA",
      "gender": "F",
      "date_of_birth": "1984-07-09",
      "nationality": "POL",
      "embarkation": "IST",
      "debarkation": "AMS",
      "document": {"type": "P", "number": "EK3318027", "issuing_country": "POL", "issue_date": "2019-05-14", "expiry_date": "2029-05-14"},
      "pnr_locator": "FZQ7K2"
    }
  ]
}"#;

fn message() -> &'static ApiMessage {
    static MSG: OnceLock<ApiMessage> = OnceLock::new();
    MSG.get_or_init(|| paxscreen::formats::api_json::read(MESSAGE.as_bytes()).expect("fixed fuzz message must read").message)
}

fn passenger() -> &'static PreparedPassenger {
    static PAX: OnceLock<PreparedPassenger> = OnceLock::new();
    PAX.get_or_init(|| PreparedPassenger::new(&message().passengers[0]))
}

fuzz_target!(|data: &[u8]| {
    let today = message().flight.departure_date();
    let mut loaded = Loaded::default();
    load_csv(data, "fuzz.csv", today, &mut loaded);
    if !loaded.problems.is_empty() {
        return;
    }
    // A list too large to index is refused (BuildError), not a bug.
    // (While `build` returned the Watchlist itself this line was
    // `let watchlist = Watchlist::build(loaded.entries, "fuzz".into());`.)
    let Ok(watchlist) = Watchlist::build(loaded.entries, "fuzz".into()) else {
        return;
    };
    let _ = watchlist.screen(passenger(), today);
});
