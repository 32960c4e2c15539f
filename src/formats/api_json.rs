//! Reader for `paxscreen.api/1` JSON messages (contract section 1).
//!
//! The document is walked field by field so every error names its path
//! (`passengers[3].date_of_birth: not a date: "1988-13-45"`). A malformed
//! person is reported and skipped; the rest of the flight is kept. Fields
//! outside the contract are dropped and counted; special-category fields are
//! discarded and their paths recorded (never their values).

use super::{special::is_special_category, MessageError, ReadResult};
use crate::model::*;
use crate::reference::reference;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::{Map, Value};

pub const SCHEMA: &str = "paxscreen.api/1";

const MESSAGE_FIELDS: &[&str] = &["schema", "message_id", "sent_at", "sender", "flight", "passengers"];
const FLIGHT_FIELDS: &[&str] = &[
    "carrier",
    "number",
    "departure_airport",
    "departure_time",
    "arrival_airport",
    "arrival_time",
    "entry_point",
    "itinerary",
    "total_passengers",
];
const PASSENGER_FIELDS: &[&str] = &[
    "role",
    "surname",
    "given_names",
    "gender",
    "date_of_birth",
    "nationality",
    "embarkation",
    "debarkation",
    "document",
    "pnr_locator",
];
const DOCUMENT_FIELDS: &[&str] = &["type", "number", "issuing_country", "issue_date", "expiry_date"];

/// Read one JSON message.
pub fn read(bytes: &[u8]) -> ReadResult {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| MessageError::Syntax {
        line: e.line(),
        column: e.column(),
        reason: e.to_string().split(" at line").next().unwrap_or_default().to_string(),
    })?;
    read_value(value)
}

/// Read one message already parsed as JSON.
pub fn read_value(value: Value) -> ReadResult {
    let mut report = ReadReport::default();
    let Value::Object(mut obj) = value else {
        return Err(FieldError::new("$", "a message must be a JSON object").into());
    };
    sweep(&mut obj, "", MESSAGE_FIELDS, &mut report);

    let schema = req_str(&obj, "", "schema")?;
    if schema != SCHEMA {
        return Err(FieldError::new("schema", format!("unsupported schema, expected {SCHEMA:?}"))
            .with_value(schema)
            .into());
    }
    let message_id = req_str(&obj, "", "message_id")?;
    let sent_at = req_time(&obj, "", "sent_at")?;
    let sender = req_str(&obj, "", "sender")?;

    let mut flight_obj = match obj.remove("flight") {
        Some(Value::Object(f)) => f,
        Some(_) => return Err(FieldError::new("flight", "must be an object").into()),
        None => return Err(FieldError::new("flight", "missing required field").into()),
    };
    sweep(&mut flight_obj, "flight.", FLIGHT_FIELDS, &mut report);
    let flight = read_flight(&flight_obj)?;

    let passengers_v = match obj.remove("passengers") {
        Some(Value::Array(a)) => a,
        Some(_) => return Err(FieldError::new("passengers", "must be an array").into()),
        None => return Err(FieldError::new("passengers", "missing required field").into()),
    };
    let mut passengers = Vec::with_capacity(passengers_v.len());
    for (i, pv) in passengers_v.into_iter().enumerate() {
        let path = format!("passengers[{i}].");
        match read_passenger(pv, i, &path, &mut report) {
            Ok(p) => passengers.push(p),
            Err(e) => report.rejected_passengers.push(e),
        }
    }
    if passengers.len() + report.rejected_passengers.len() > flight.total_passengers as usize
        && flight.total_passengers > 0
    {
        report.warnings.push(format!(
            "flight.total_passengers is {} but the message lists {} persons",
            flight.total_passengers,
            passengers.len() + report.rejected_passengers.len()
        ));
    }
    Ok(ReadMessage { message: ApiMessage { message_id, sent_at, sender, flight, passengers }, report })
}

/// Drop special-category and unknown fields of one object, recording them.
fn sweep(obj: &mut Map<String, Value>, prefix: &str, known: &[&str], report: &mut ReadReport) {
    let keys: Vec<String> = obj.keys().filter(|k| !known.contains(&k.as_str())).cloned().collect();
    for k in keys {
        obj.remove(&k);
        if is_special_category(&k) {
            report.special_category_discarded.push(format!("{prefix}{k}"));
        } else {
            report.unknown_fields_dropped += 1;
        }
    }
}

fn read_flight(f: &Map<String, Value>) -> Result<Flight, FieldError> {
    let p = "flight.";
    let carrier = req_code(f, p, "carrier", is_carrier, "not an IATA airline code")?;
    let number = req_str(f, p, "number")?;
    if !(3..=8).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(
            FieldError::new("flight.number", "not a flight number (carrier code and 1-4 digits)").with_value(number)
        );
    }
    let departure_airport = req_code(f, p, "departure_airport", is_iata_airport, "not an IATA airport code")?;
    let departure_time = req_time(f, p, "departure_time")?;
    let arrival_airport = req_code(f, p, "arrival_airport", is_iata_airport, "not an IATA airport code")?;
    let arrival_time = req_time(f, p, "arrival_time")?;
    let entry_point = opt_code(f, p, "entry_point", is_iata_airport, "not an IATA airport code")?
        .unwrap_or_else(|| arrival_airport.clone());
    let itinerary = match f.get("itinerary") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => {
            let mut out = Vec::with_capacity(a.len());
            for (i, v) in a.iter().enumerate() {
                let path = format!("flight.itinerary[{i}]");
                match v {
                    Value::String(s) if is_iata_airport(s) => out.push(s.clone()),
                    Value::String(s) => {
                        return Err(FieldError::new(path, "not an IATA airport code").with_value(s.clone()))
                    }
                    _ => return Err(FieldError::new(path, "must be a string")),
                }
            }
            out
        }
        Some(_) => return Err(FieldError::new("flight.itinerary", "must be an array of IATA airport codes")),
    };
    let total_passengers = match f.get("total_passengers") {
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v) if v <= u32::MAX as u64 => v as u32,
            _ => {
                return Err(FieldError::new("flight.total_passengers", "must be a non-negative integer")
                    .with_value(n.to_string()))
            }
        },
        Some(v) => {
            return Err(
                FieldError::new("flight.total_passengers", "must be a non-negative integer").with_value(v.to_string())
            )
        }
        None => return Err(FieldError::new("flight.total_passengers", "missing required field")),
    };
    if arrival_time < departure_time {
        return Err(FieldError::new("flight.arrival_time", "is before flight.departure_time"));
    }
    Ok(Flight {
        carrier,
        number,
        departure_airport,
        departure_time,
        arrival_airport,
        arrival_time,
        entry_point,
        itinerary,
        total_passengers,
    })
}

fn read_passenger(v: Value, index: usize, p: &str, report: &mut ReadReport) -> Result<Passenger, FieldError> {
    let Value::Object(mut o) = v else {
        return Err(FieldError::new(format!("passengers[{index}]"), "must be an object"));
    };
    sweep(&mut o, p, PASSENGER_FIELDS, report);
    let role_s = req_str(&o, p, "role")?;
    let role = Role::parse(&role_s).ok_or_else(|| {
        FieldError::new(format!("{p}role"), "expected passenger, crew, transit_passenger or transit_crew")
            .with_value(role_s)
    })?;
    let surname = req_str(&o, p, "surname")?;
    if surname.trim().is_empty() {
        return Err(FieldError::new(format!("{p}surname"), "must not be empty"));
    }
    let given_names = opt_str(&o, p, "given_names")?.filter(|s| !s.trim().is_empty());
    let gender = match opt_str(&o, p, "gender")? {
        None => None,
        Some(g) => Some(
            Gender::parse(&g)
                .ok_or_else(|| FieldError::new(format!("{p}gender"), "expected M, F, X or U").with_value(g))?,
        ),
    };
    let date_of_birth = opt_date(&o, p, "date_of_birth")?;
    let nationality = opt_country(&o, p, "nationality")?;
    let embarkation = opt_code(&o, p, "embarkation", is_iata_airport, "not an IATA airport code")?;
    let debarkation = opt_code(&o, p, "debarkation", is_iata_airport, "not an IATA airport code")?;
    let document = match o.remove("document") {
        None | Some(Value::Null) => None,
        Some(Value::Object(mut d)) => {
            let dp = format!("{p}document.");
            sweep(&mut d, &dp, DOCUMENT_FIELDS, report);
            let doc = Document {
                doc_type: opt_str(&d, &dp, "type")?,
                number: opt_str(&d, &dp, "number")?,
                issuing_country: opt_country(&d, &dp, "issuing_country")?,
                issue_date: opt_date(&d, &dp, "issue_date")?,
                expiry_date: opt_date(&d, &dp, "expiry_date")?,
            };
            if let (Some(i), Some(e)) = (doc.issue_date, doc.expiry_date) {
                if e < i {
                    return Err(FieldError::new(format!("{dp}expiry_date"), "is before document.issue_date"));
                }
            }
            Some(doc)
        }
        Some(_) => return Err(FieldError::new(format!("{p}document"), "must be an object")),
    };
    let pnr_locator = opt_str(&o, p, "pnr_locator")?;
    Ok(Passenger {
        index,
        role,
        surname,
        given_names,
        gender,
        date_of_birth,
        nationality,
        embarkation,
        debarkation,
        document,
        pnr_locator,
    })
}

pub fn is_iata_airport(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())
}

pub fn is_carrier(s: &str) -> bool {
    (s.len() == 2 || s.len() == 3) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn req_str(o: &Map<String, Value>, p: &str, k: &str) -> Result<String, FieldError> {
    opt_str(o, p, k)?.ok_or_else(|| FieldError::new(format!("{p}{k}"), "missing required field"))
}

fn opt_str(o: &Map<String, Value>, p: &str, k: &str) -> Result<Option<String>, FieldError> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(FieldError::new(format!("{p}{k}"), format!("must be a string, found {}", kind(v)))),
    }
}

fn req_code(o: &Map<String, Value>, p: &str, k: &str, ok: fn(&str) -> bool, why: &str) -> Result<String, FieldError> {
    opt_code(o, p, k, ok, why)?.ok_or_else(|| FieldError::new(format!("{p}{k}"), "missing required field"))
}

fn opt_code(
    o: &Map<String, Value>,
    p: &str,
    k: &str,
    ok: fn(&str) -> bool,
    why: &str,
) -> Result<Option<String>, FieldError> {
    match opt_str(o, p, k)? {
        None => Ok(None),
        Some(s) if ok(&s) => Ok(Some(s)),
        Some(s) => Err(FieldError::new(format!("{p}{k}"), why).with_value(s)),
    }
}

fn req_time(o: &Map<String, Value>, p: &str, k: &str) -> Result<DateTime<FixedOffset>, FieldError> {
    let s = req_str(o, p, k)?;
    DateTime::parse_from_rfc3339(&s)
        .map_err(|_| FieldError::new(format!("{p}{k}"), "not an RFC 3339 timestamp").with_value(s))
}

/// A strict `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn opt_date(o: &Map<String, Value>, p: &str, k: &str) -> Result<Option<NaiveDate>, FieldError> {
    match opt_str(o, p, k)? {
        None => Ok(None),
        Some(s) => {
            parse_date(&s).map(Some).ok_or_else(|| FieldError::new(format!("{p}{k}"), "not a date").with_value(s))
        }
    }
}

fn opt_country(o: &Map<String, Value>, p: &str, k: &str) -> Result<Option<String>, FieldError> {
    match opt_str(o, p, k)? {
        None => Ok(None),
        Some(s) => reference().normalise_country(&s).map(Some).ok_or_else(|| {
            FieldError::new(format!("{p}{k}"), "not an ISO 3166-1 alpha-3 or ICAO 9303 country code").with_value(s)
        }),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Write a message back as `paxscreen.api/1` JSON (used by `generate`).
pub fn to_value(m: &ApiMessage) -> Value {
    serde_json::json!({
        "schema": SCHEMA,
        "message_id": m.message_id,
        "sent_at": m.sent_at,
        "sender": m.sender,
        "flight": m.flight,
        "passengers": m.passengers,
    })
}
