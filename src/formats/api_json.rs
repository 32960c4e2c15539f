//! Reader for `paxscreen.api/1` JSON messages (contract section 1).
//!
//! The document is walked field by field so every error names its path
//! (`passengers[3].date_of_birth: not a date: "1988-13-45"`). A malformed
//! person is reported and skipped; the rest of the flight is kept. Fields
//! outside the contract are dropped and counted; special-category fields are
//! discarded and their paths recorded (never their values).

use super::{special::is_special_category, MessageError, ReadResult};
use crate::model::*;
use crate::reference::{is_carrier, is_iata_airport, reference};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::{Map, Value};

pub const SCHEMA: &str = "paxscreen.api/1";

const MESSAGE_FIELDS: &[&str] = &["schema", "message_id", "sent_at", "sender", "transmission", "flight", "passengers"];
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
    let message_id = req_id(&obj, "", "message_id")?;
    let sent_at = req_time(&obj, "", "sent_at")?;
    let sender = req_id(&obj, "", "sender")?;
    let transmission = read_transmission(&obj, &mut report)?;

    let mut flight_obj = match obj.remove("flight") {
        Some(Value::Object(f)) => f,
        Some(_) => return Err(FieldError::new("flight", "must be an object").into()),
        None => return Err(FieldError::new("flight", "missing required field").into()),
    };
    sweep(&mut flight_obj, "flight.", FLIGHT_FIELDS, &mut report);
    let (mut flight, total_known) = read_flight(&flight_obj, &mut report)?;

    let passengers_v = match obj.remove("passengers") {
        Some(Value::Array(a)) => a,
        Some(_) => return Err(FieldError::new("passengers", "must be an array").into()),
        None => return Err(FieldError::new("passengers", "missing required field").into()),
    };
    let mut passengers = Vec::with_capacity(passengers_v.len());
    for (i, pv) in passengers_v.into_iter().enumerate() {
        let path = format!("passengers[{i}].");
        match read_passenger(pv, i, &path, flight.departure_date(), &mut report) {
            Ok(p) => passengers.push(p),
            Err(e) => report.rejected_passengers.push(e),
        }
    }
    let listed = passengers.len() + report.rejected_passengers.len();
    if !total_known {
        flight.total_passengers = listed as u32;
    } else if listed > flight.total_passengers as usize && flight.total_passengers > 0 {
        report.warn(
            "flight.total_passengers",
            format!("is {} but the message lists {listed} persons", flight.total_passengers),
        );
    }
    Ok(ReadMessage { message: ApiMessage { message_id, sent_at, sender, transmission, flight, passengers }, report })
}

/// `transmission`: absent is a passenger list; a value the contract does not
/// have is read as a passenger list too (the travellers are screened, not
/// lost) and reported, with the value, for the carrier.
fn read_transmission(obj: &Map<String, Value>, report: &mut ReadReport) -> Result<Transmission, FieldError> {
    let Some(text) = opt_str(obj, "", "transmission")? else { return Ok(Transmission::PassengerList) };
    Ok(Transmission::parse(&text).unwrap_or_else(|| {
        report.warnings.push(
            FieldError::new(
                "transmission",
                "not one of passenger_list, change, cancellation, flight_closure, not_on_board, flight_cancelled: read as passenger_list",
            )
            .with_value(text),
        );
        Transmission::PassengerList
    }))
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

fn read_flight(f: &Map<String, Value>, report: &mut ReadReport) -> Result<(Flight, bool), FieldError> {
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
    // Past this point a defect costs the field, never the flight.
    let entry_point = opt_code(f, p, "entry_point", is_iata_airport, "not an IATA airport code")
        .unwrap_or_else(|e| {
            report.warnings.push(FieldError { reason: format!("{}; the arrival airport is used", e.reason), ..e });
            None
        })
        .unwrap_or_else(|| arrival_airport.clone());
    let mut itinerary = Vec::new();
    match f.get("itinerary") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            for (i, v) in a.iter().enumerate() {
                let path = format!("flight.itinerary[{i}]");
                match v {
                    Value::String(s) if is_iata_airport(s) => itinerary.push(s.clone()),
                    Value::String(s) => report.warnings.push(
                        FieldError::new(path, "not an IATA airport code: left out of the itinerary")
                            .with_value(s.clone()),
                    ),
                    _ => report.warn(path, "must be a string: left out of the itinerary"),
                }
            }
        }
        Some(_) => report.warn("flight.itinerary", "must be an array of IATA airport codes: ignored"),
    };
    let total_passengers = match f.get("total_passengers") {
        Some(Value::Number(n)) if n.as_u64().is_some_and(|v| v <= u32::MAX as u64) => n.as_u64().map(|v| v as u32),
        Some(v) => {
            report.warnings.push(
                FieldError::new(
                    "flight.total_passengers",
                    "must be a non-negative integer: the persons listed are counted",
                )
                .with_value(v.to_string()),
            );
            None
        }
        None => {
            report.warn("flight.total_passengers", "missing required field: the persons listed are counted");
            None
        }
    };
    if arrival_time < departure_time {
        return Err(FieldError::new("flight.arrival_time", "is before flight.departure_time"));
    }
    let flight = Flight {
        carrier,
        number,
        departure_airport,
        departure_time,
        arrival_airport,
        arrival_time,
        entry_point,
        itinerary,
        total_passengers: total_passengers.unwrap_or(0),
    };
    Ok((flight, total_passengers.is_some()))
}

/// Read one person. A defective optional field is dropped and reported and
/// the person kept; so is a defective role (read as `passenger`) or surname
/// when a document number is there to screen. Only a person with no usable
/// name and no document is refused.
fn read_passenger(
    v: Value,
    index: usize,
    p: &str,
    flight_day: NaiveDate,
    report: &mut ReadReport,
) -> Result<Passenger, FieldError> {
    let Value::Object(mut o) = v else {
        return Err(FieldError::new(format!("passengers[{index}]"), "must be an object"));
    };
    sweep(&mut o, p, PASSENGER_FIELDS, report);
    let mut defects = Vec::new();
    let d = &mut defects;
    let role = match keep(req_str(&o, p, "role").map(Some), d) {
        None => Role::Passenger,
        Some(r) => Role::parse(&r).unwrap_or_else(|| {
            let why = "expected passenger, crew, transit_passenger or transit_crew; read as passenger";
            d.push(FieldError::new(format!("{p}role"), why).with_value(r));
            Role::Passenger
        }),
    };
    let surname = keep(req_str(&o, p, "surname").and_then(|s| name(s, p, "surname")).map(Some), d);
    let given = opt_str(&o, p, "given_names").and_then(|g| g.map(|g| name(g, p, "given_names")).transpose());
    let given_names = keep(given, d).filter(|s| !s.trim().is_empty());
    let gender = keep(opt_str(&o, p, "gender"), d).and_then(|g| {
        Gender::parse(&g).or_else(|| {
            d.push(FieldError::new(format!("{p}gender"), "expected M, F, X or U").with_value(g));
            None
        })
    });
    let date_of_birth =
        keep(opt_date(&o, p, "date_of_birth"), d).and_then(|dob| match birth_date_defect(dob, flight_day) {
            None => Some(dob),
            Some(why) => {
                d.push(FieldError::new(format!("{p}date_of_birth"), why).with_value(dob.to_string()));
                None
            }
        });
    let nationality = keep(opt_country(&o, p, "nationality"), d);
    let embarkation = keep(opt_code(&o, p, "embarkation", is_iata_airport, "not an IATA airport code"), d);
    let debarkation = keep(opt_code(&o, p, "debarkation", is_iata_airport, "not an IATA airport code"), d);
    let pnr_locator = keep(opt_short(&o, p, "pnr_locator"), d);
    let document = match o.remove("document") {
        None | Some(Value::Null) => None,
        Some(Value::Object(mut doc)) => {
            let dp = format!("{p}document.");
            sweep(&mut doc, &dp, DOCUMENT_FIELDS, report);
            let mut issue_date = keep(opt_date(&doc, &dp, "issue_date"), d);
            let mut expiry_date = keep(opt_date(&doc, &dp, "expiry_date"), d);
            if let (Some(i), Some(e)) = (issue_date, expiry_date) {
                if e < i {
                    let why = "is before document.issue_date: both dates dropped";
                    d.push(FieldError::new(format!("{dp}expiry_date"), why));
                    (issue_date, expiry_date) = (None, None);
                }
            }
            let read = Document {
                doc_type: keep(opt_short(&doc, &dp, "type"), d),
                number: keep(opt_short(&doc, &dp, "number"), d).filter(|n| !n.trim().is_empty()),
                issuing_country: keep(opt_country(&doc, &dp, "issuing_country"), d),
                issue_date,
                expiry_date,
            };
            (read != Document::default()).then_some(read)
        }
        Some(_) => {
            d.push(FieldError::new(format!("{p}document"), "must be an object"));
            None
        }
    };
    let has_document = document.as_ref().is_some_and(|d| d.number.is_some());
    let surname = match surname {
        Some(s) if !s.trim().is_empty() => s,
        Some(_) if has_document => {
            defects.push(FieldError::new(format!("{p}surname"), "must not be empty; screened on the document"));
            String::new()
        }
        _ if has_document => String::new(),
        surname => {
            if surname.is_some() {
                defects.push(FieldError::new(format!("{p}surname"), "must not be empty"));
            }
            let why = "no usable surname and no document number: nothing to screen";
            return Err(match defects.into_iter().find(|e| e.path.ends_with("surname")) {
                Some(e) => FieldError { reason: format!("{}; {why}", e.reason), ..e },
                None => FieldError::new(format!("{p}surname"), why),
            });
        }
    };
    let damaged = !defects.is_empty();
    report.field_defects.extend(defects);
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
        damaged,
    })
}

/// The value of an optional field, or none with its defect recorded.
fn keep<T>(r: Result<Option<T>, FieldError>, defects: &mut Vec<FieldError>) -> Option<T> {
    r.unwrap_or_else(|e| {
        defects.push(e);
        None
    })
}

/// A name field within [`MAX_NAME_LEN`] characters.
fn name(s: String, p: &str, k: &str) -> Result<String, FieldError> {
    if s.chars().count() > MAX_NAME_LEN {
        return Err(FieldError::new(format!("{p}{k}"), format!("longer than {MAX_NAME_LEN} characters")));
    }
    Ok(s)
}

/// An optional code or number within [`MAX_CODE_LEN`] characters.
fn opt_short(o: &Map<String, Value>, p: &str, k: &str) -> Result<Option<String>, FieldError> {
    match opt_str(o, p, k)? {
        Some(s) if s.chars().count() > MAX_CODE_LEN => {
            Err(FieldError::new(format!("{p}{k}"), format!("longer than {MAX_CODE_LEN} characters")))
        }
        other => Ok(other),
    }
}

/// A required identifier within [`MAX_ID_LEN`] characters.
fn req_id(o: &Map<String, Value>, p: &str, k: &str) -> Result<String, FieldError> {
    let s = req_str(o, p, k)?;
    if s.chars().count() > MAX_ID_LEN {
        return Err(FieldError::new(format!("{p}{k}"), format!("longer than {MAX_ID_LEN} characters")));
    }
    if s.trim().is_empty() {
        return Err(FieldError::new(format!("{p}{k}"), "must not be empty"));
    }
    Ok(s)
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
        "transmission": m.transmission,
        "flight": m.flight,
        "passengers": m.passengers,
    })
}
