//! Every validation path of the `paxscreen.api/1` reader.

use paxscreen::formats::api_json::read;
use paxscreen::formats::MessageError;
use serde_json::{json, Value};

fn message() -> Value {
    json!({
        "schema": "paxscreen.api/1",
        "message_id": "T-1",
        "sent_at": "2026-11-22T01:10:00Z",
        "sender": "KL",
        "flight": {
            "carrier": "KL", "number": "KL0692", "departure_airport": "YYZ",
            "departure_time": "2026-11-22T01:45:00Z", "arrival_airport": "AMS",
            "arrival_time": "2026-11-22T08:55:00Z", "itinerary": ["YVR", "YYZ", "AMS"], "total_passengers": 2
        },
        "passengers": [
            {"role": "passenger", "surname": "OKONKWO", "given_names": "ADAEZE", "gender": "F", "date_of_birth": "1988-04-17",
             "nationality": "CAN", "document": {"type": "P", "number": "HT4491027", "issuing_country": "CAN",
             "issue_date": "2021-02-03", "expiry_date": "2031-02-03"}, "pnr_locator": "QX7T2L"},
            {"role": "crew", "surname": "SMITH"}
        ]
    })
}

/// Set the value at a JSON pointer, creating the last key if needed.
fn set(m: &mut Value, ptr: &str, value: Value) {
    let (parent, key) = ptr.rsplit_once('/').unwrap();
    let obj = if parent.is_empty() { &mut *m } else { m.pointer_mut(parent).unwrap() };
    match obj {
        Value::Object(o) => {
            o.insert(key.to_string(), value);
        }
        Value::Array(a) => a[key.parse::<usize>().unwrap()] = value,
        _ => panic!("{ptr}"),
    }
}

fn message_error(v: Value) -> String {
    match read(v.to_string().as_bytes()) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("accepted: {v}"),
    }
}

#[test]
fn valid_message_reads() {
    let rm = read(message().to_string().as_bytes()).unwrap();
    assert_eq!(rm.message.passengers.len(), 2);
    assert_eq!(rm.message.flight.entry_point, "AMS", "defaults to the arrival airport");
    assert_eq!(rm.message.passengers[1].index, 1);
    assert!(rm.report.rejected_passengers.is_empty());
}

#[test]
fn message_level_errors_name_the_field() {
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/schema", json!("paxscreen.api/2"), "schema: unsupported schema"),
        ("/message_id", Value::Null, "message_id: missing required field"),
        ("/sent_at", json!("yesterday"), "sent_at: not an RFC 3339 timestamp: \"yesterday\""),
        ("/sender", json!(7), "sender: must be a string, found a number"),
        ("/flight", json!([]), "flight: must be an object"),
        ("/flight/carrier", json!("klm!"), "flight.carrier: not an IATA airline code"),
        ("/flight/number", json!("K"), "flight.number: not a flight number"),
        ("/flight/departure_airport", json!("yyz"), "flight.departure_airport: not an IATA airport code"),
        ("/flight/arrival_time", json!("2026-11-21T08:55:00Z"), "flight.arrival_time: is before flight.departure_time"),
        ("/message_id", json!("X".repeat(10_000_000)), "message_id: longer than 128 characters"),
        ("/sender", json!(" "), "sender: must not be empty"),
        ("/passengers", json!({}), "passengers: must be an array"),
    ];
    for (ptr, value, want) in cases {
        let mut m = message();
        if value.is_null() {
            let (parent, key) = ptr.rsplit_once('/').unwrap();
            let obj = if parent.is_empty() { &mut m } else { m.pointer_mut(parent).unwrap() };
            obj.as_object_mut().unwrap().remove(key);
        } else {
            set(&mut m, ptr, value);
        }
        let got = message_error(m);
        assert!(got.starts_with(want), "{ptr}: got {got:?}, want {want:?}");
    }
}

#[test]
fn syntax_errors_give_line_and_column() {
    match read(b"{\n  \"schema\": \n}") {
        Err(MessageError::Syntax { line, .. }) => assert_eq!(line, 3),
        other => panic!("{other:?}"),
    }
    assert!(read(b"[1,2]").unwrap_err().to_string().contains("must be a JSON object"));
}

/// A defect in a flight field that is not needed to screen costs that field, never the flight.
#[test]
fn flight_field_defects_are_warnings_and_the_flight_is_screened() {
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/flight/entry_point", json!("AMSX"), "flight.entry_point: not an IATA airport code"),
        ("/flight/itinerary", json!(["YVR", "12"]), "flight.itinerary[1]: not an IATA airport code"),
        ("/flight/itinerary", json!("YVR"), "flight.itinerary: must be an array"),
        ("/flight/total_passengers", json!(-1), "flight.total_passengers: must be a non-negative integer"),
        ("/flight/total_passengers", Value::Null, "flight.total_passengers: missing required field"),
    ];
    for (ptr, value, want) in cases {
        let mut m = message();
        if value.is_null() {
            m["flight"].as_object_mut().unwrap().remove("total_passengers");
        } else {
            set(&mut m, ptr, value);
        }
        let rm = read(m.to_string().as_bytes()).unwrap_or_else(|e| panic!("{ptr}: refused: {e}"));
        assert_eq!(rm.message.passengers.len(), 2, "{ptr}");
        let got = rm.report.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>().join(" | ");
        assert!(got.starts_with(want), "{ptr}: got {got:?}, want {want:?}");
    }
}

/// A defective field is dropped and reported; the person is screened on the
/// rest and marked damaged. Values appear only in the full error.
#[test]
fn a_defective_field_costs_the_field_not_the_passenger() {
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/passengers/0/date_of_birth", json!("1988-13-45"), "passengers[0].date_of_birth: not a date: \"1988-13-45\""),
        (
            "/passengers/0/date_of_birth",
            json!("2030-01-01"),
            "passengers[0].date_of_birth: date of birth is after the flight",
        ),
        (
            "/passengers/0/date_of_birth",
            json!("1899-12-31"),
            "passengers[0].date_of_birth: date of birth is before 1900",
        ),
        ("/passengers/0/role", json!("pilot"), "passengers[0].role: expected passenger, crew"),
        ("/passengers/0/surname", json!(""), "passengers[0].surname: must not be empty; screened on the document"),
        ("/passengers/0/surname", json!("A".repeat(300)), "passengers[0].surname: longer than 256 characters"),
        ("/passengers/0/gender", json!("male"), "passengers[0].gender: expected M, F, X or U"),
        ("/passengers/0/nationality", json!("QQQ"), "passengers[0].nationality: not an ISO 3166-1 alpha-3"),
        ("/passengers/0/embarkation", json!("Toronto"), "passengers[0].embarkation: not an IATA airport code"),
        ("/passengers/0/document/issue_date", json!("03/02/2021"), "passengers[0].document.issue_date: not a date"),
        (
            "/passengers/0/document/expiry_date",
            json!("2020-01-01"),
            "passengers[0].document.expiry_date: is before document.issue_date",
        ),
        ("/passengers/0/document/issuing_country", json!("XX"), "passengers[0].document.issuing_country: not an ISO"),
        ("/passengers/0/document/number", json!("9".repeat(36)), "passengers[0].document.number: longer than 35"),
        ("/passengers/0/pnr_locator", json!(12), "passengers[0].pnr_locator: must be a string"),
        ("/passengers/0/document", json!("P123"), "passengers[0].document: must be an object"),
    ];
    for (ptr, value, want) in cases {
        let mut m = message();
        set(&mut m, ptr, value);
        let rm = read(m.to_string().as_bytes()).expect("message accepted");
        assert_eq!(rm.message.passengers.len(), 2, "{ptr}: the person is kept");
        assert!(rm.report.rejected_passengers.is_empty(), "{ptr}");
        assert_eq!(rm.report.field_defects.len(), 1, "{ptr}: {:?}", rm.report.field_defects);
        let got = rm.report.field_defects[0].to_string();
        assert!(got.starts_with(want), "{ptr}: got {got:?}, want {want:?}");
        let p = &rm.message.passengers[0];
        assert!(p.damaged && !rm.message.passengers[1].damaged, "{ptr}");
        // What was valid is still there to screen on.
        assert_eq!(p.given_names.as_deref(), Some("ADAEZE"), "{ptr}");
        if !ptr.starts_with("/passengers/0/document") {
            assert_eq!(p.document.as_ref().and_then(|d| d.number.as_deref()), Some("HT4491027"), "{ptr}");
        }
    }
}

#[test]
fn only_a_person_with_nothing_to_screen_is_refused() {
    let mut m = message();
    set(&mut m, "/passengers/0", json!("OKONKWO"));
    let rm = read(m.to_string().as_bytes()).unwrap();
    assert_eq!(rm.report.rejected_passengers[0].to_string(), "passengers[0]: must be an object");
    let mut m = message();
    m["passengers"][1].as_object_mut().unwrap().remove("surname");
    let rm = read(m.to_string().as_bytes()).unwrap();
    assert_eq!(rm.message.passengers.len(), 1);
    assert!(rm.report.rejected_passengers[0].to_string().starts_with("passengers[1].surname: missing required field"));
    assert_eq!(rm.message.passengers[0].index, 0);
    // No surname but a document: screened on the document.
    let mut m = message();
    m["passengers"][0].as_object_mut().unwrap().remove("surname");
    let rm = read(m.to_string().as_bytes()).unwrap();
    assert_eq!(rm.message.passengers.len(), 2);
    assert_eq!(rm.message.passengers[0].surname, "");
}

#[test]
fn redacted_errors_carry_no_values() {
    let mut m = message();
    m["passengers"][0]["date_of_birth"] = json!("1988-13-45");
    let rm = read(m.to_string().as_bytes()).unwrap();
    let e = &rm.report.field_defects[0];
    assert_eq!(e.redacted(), "passengers[0].date_of_birth: not a date");
    assert!(!e.redacted().contains("1988"));
}

#[test]
fn special_category_fields_are_discarded_and_counted() {
    let mut m = message();
    m["passengers"][0]["ethnicity"] = json!("whatever");
    m["passengers"][0]["document"]["fingerprint"] = json!("AAAA");
    m["religion"] = json!("x");
    m["passengers"][1]["seat"] = json!("12A");
    let rm = read(m.to_string().as_bytes()).unwrap();
    let mut got = rm.report.special_category_discarded.clone();
    got.sort();
    assert_eq!(got, vec!["passengers[0].document.fingerprint", "passengers[0].ethnicity", "religion"]);
    assert_eq!(rm.report.unknown_fields_dropped, 1);
    assert_eq!(rm.message.passengers.len(), 2, "the rest is kept");
    let stored = serde_json::to_string(&rm.message).unwrap();
    assert!(!stored.contains("whatever") && !stored.contains("ethnicity") && !stored.contains("12A"));
}

#[test]
fn icao_nationality_codes_are_normalised() {
    let mut m = message();
    m["passengers"][0]["nationality"] = json!("D");
    let rm = read(m.to_string().as_bytes()).unwrap();
    assert_eq!(rm.message.passengers[0].nationality.as_deref(), Some("DEU"));
}

/// `transmission` (formats.md section 1): absent is a passenger list; every
/// contract value is read and written back; a value outside the contract is
/// read as a passenger list, the travellers kept, and reported with the value.
#[test]
fn transmission_is_read_written_and_a_stranger_value_reported() {
    use paxscreen::model::Transmission;
    let rm = read(message().to_string().as_bytes()).unwrap();
    assert_eq!(rm.message.transmission, Transmission::PassengerList);
    for t in Transmission::ALL {
        let mut m = message();
        m["transmission"] = t.as_str().into();
        let rm = read(m.to_string().as_bytes()).unwrap();
        assert_eq!(rm.message.transmission, t);
        assert!(rm.report.warnings.is_empty(), "{:?}", rm.report.warnings);
        assert_eq!(rm.report.unknown_fields_dropped, 0);
        let back = paxscreen::formats::api_json::to_value(&rm.message);
        assert_eq!(back["transmission"], t.as_str());
        assert_eq!(read(back.to_string().as_bytes()).unwrap().message, rm.message, "round trip");
    }
    let mut m = message();
    m["transmission"] = "cancelation".into();
    let rm = read(m.to_string().as_bytes()).unwrap();
    assert_eq!(rm.message.transmission, Transmission::PassengerList);
    assert!(!rm.message.passengers.is_empty(), "nobody lost");
    assert_eq!(rm.report.warnings.len(), 1);
    assert_eq!(rm.report.warnings[0].path, "transmission");
    assert_eq!(rm.report.warnings[0].value.as_deref(), Some("cancelation"));
    let mut m = message();
    m["transmission"] = 7.into();
    assert!(message_error(m).contains("transmission"), "a non-string is an error naming the field");
}
