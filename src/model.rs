//! The domain model: an Advance Passenger Information message as paxscreen
//! keeps it, whatever format it arrived in (JSON or UN/EDIFACT PAXLST).
//!
//! Only the fields of the input contract are represented; there is no place in
//! these types for special categories of personal data, so they cannot be
//! stored by accident.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A date of birth as precise as the list owner knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PartialDate {
    Year(i32),
    YearMonth(i32, u32),
    Full(NaiveDate),
}

impl PartialDate {
    pub fn parse(s: &str) -> Option<PartialDate> {
        let parts: Vec<&str> = s.split('-').collect();
        let num = |p: &str, len: usize| {
            if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse::<u32>().ok()
            } else {
                None
            }
        };
        match parts.as_slice() {
            [y] => num(y, 4).map(|y| PartialDate::Year(y as i32)),
            [y, m] => {
                let (y, m) = (num(y, 4)?, num(m, 2)?);
                (1..=12).contains(&m).then_some(PartialDate::YearMonth(y as i32, m))
            }
            [_, _, _] => parse_date(s).map(PartialDate::Full),
            _ => None,
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartialDate::Year(y) => write!(f, "{y:04}"),
            PartialDate::YearMonth(y, m) => write!(f, "{y:04}-{m:02}"),
            PartialDate::Full(d) => write!(f, "{}", d.format("%Y-%m-%d")),
        }
    }
}

/// A strict `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Why a date of birth cannot be right on a flight of `flight_day`, if it cannot.
pub fn birth_date_defect(d: NaiveDate, flight_day: NaiveDate) -> Option<&'static str> {
    if d > flight_day {
        Some("date of birth is after the flight's departure")
    } else if d.year() < EARLIEST_BIRTH_YEAR {
        Some("date of birth is before 1900")
    } else {
        None
    }
}

/// The role of a person on the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Passenger,
    Crew,
    TransitPassenger,
    TransitCrew,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Passenger => "passenger",
            Role::Crew => "crew",
            Role::TransitPassenger => "transit_passenger",
            Role::TransitCrew => "transit_crew",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "passenger" => Role::Passenger,
            "crew" => Role::Crew,
            "transit_passenger" => Role::TransitPassenger,
            "transit_crew" => Role::TransitCrew,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Gender {
    M,
    F,
    X,
    U,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::M => "M",
            Gender::F => "F",
            Gender::X => "X",
            Gender::U => "U",
        }
    }
    pub fn parse(s: &str) -> Option<Gender> {
        Some(match s {
            "M" => Gender::M,
            "F" => Gender::F,
            "X" => Gender::X,
            "U" => Gender::U,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub doc_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuing_country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passenger {
    /// 0-based position of this person in the message as the carrier sent it.
    /// Kept when other persons of the message were rejected, so hits point at
    /// the right record.
    #[serde(skip)]
    pub index: usize,
    pub role: Role,
    pub surname: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_names: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    /// ISO 3166-1 alpha-3 (ICAO 9303 codes such as `D` normalised to `DEU`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embarkation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debarkation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<Document>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pnr_locator: Option<String>,
    /// The person's record was damaged on the way in (a field dropped as
    /// defective, a stray or cut-off segment in its group): the person is
    /// screened on what was valid, and every hit says the input was damaged.
    #[serde(skip)]
    pub damaged: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flight {
    pub carrier: String,
    pub number: String,
    pub departure_airport: String,
    pub departure_time: DateTime<FixedOffset>,
    pub arrival_airport: String,
    pub arrival_time: DateTime<FixedOffset>,
    /// Border crossing point of entry; the arrival airport when not sent.
    pub entry_point: String,
    /// The whole route, initial point of embarkation first (may be empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub itinerary: Vec<String>,
    pub total_passengers: u32,
}

impl Flight {
    /// The date trends and watchlist validity are judged at.
    pub fn departure_date(&self) -> NaiveDate {
        self.departure_time.date_naive()
    }
}

/// What a transmission says about the flight's travellers (formats.md
/// section 1, service.md section 7): carriers send a flight's list at
/// check-in and again at closure, with corrections, cancellations and
/// not-on-board notices in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transmission {
    /// The travellers listed travel on the flight (PAXLST `BGM+745`).
    #[default]
    PassengerList,
    /// Corrected data for the travellers listed (`BGM+745+CP`).
    Change,
    /// The travellers listed no longer travel (`BGM+745+XR`, `BGM+745+RP`).
    Cancellation,
    /// The complete list of travellers on board (`BGM+266+CL`, `BGM+266+CLOB`).
    FlightClosure,
    /// The travellers listed did not board (`BGM+266+CLNB`).
    NotOnBoard,
    /// The flight will not operate (`BGM+266+XF`).
    FlightCancelled,
}

impl Transmission {
    /// Every kind of transmission.
    pub const ALL: [Transmission; 6] = [
        Transmission::PassengerList,
        Transmission::Change,
        Transmission::Cancellation,
        Transmission::FlightClosure,
        Transmission::NotOnBoard,
        Transmission::FlightCancelled,
    ];

    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Transmission::PassengerList => "passenger_list",
            Transmission::Change => "change",
            Transmission::Cancellation => "cancellation",
            Transmission::FlightClosure => "flight_closure",
            Transmission::NotOnBoard => "not_on_board",
            Transmission::FlightCancelled => "flight_cancelled",
        }
    }

    /// The transmission of this contract name.
    pub fn parse(s: &str) -> Option<Transmission> {
        Transmission::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The transmission a PAXLST `BGM` segment names: its document name code
    /// (`745` passenger list, `250` crew list, `266` flight status) and
    /// document identifier (`CP`, `XR`, `RP`, `CL`, `CLOB`, `CLNB`, `XF`).
    /// `None` for a combination the table of service.md section 7 does not have.
    pub fn from_bgm(code: &str, identifier: &str) -> Option<Transmission> {
        Some(match (code, identifier) {
            ("745" | "250", "") => Transmission::PassengerList,
            ("745" | "250", "CP") => Transmission::Change,
            ("745" | "250", "XR" | "RP") => Transmission::Cancellation,
            ("266", "CL" | "CLOB") => Transmission::FlightClosure,
            ("266", "CLNB") => Transmission::NotOnBoard,
            ("266", "XF") => Transmission::FlightCancelled,
            _ => return None,
        })
    }

    /// The `BGM` document name code and identifier to write for a list of
    /// passengers (`crew`: a crew list, `250`).
    pub fn bgm(self, crew: bool) -> (&'static str, &'static str) {
        let list = if crew { "250" } else { "745" };
        match self {
            Transmission::PassengerList => (list, ""),
            Transmission::Change => (list, "CP"),
            Transmission::Cancellation => (list, "XR"),
            Transmission::FlightClosure => ("266", "CLOB"),
            Transmission::NotOnBoard => ("266", "CLNB"),
            Transmission::FlightCancelled => ("266", "XF"),
        }
    }
}

impl fmt::Display for Transmission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message ready for screening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiMessage {
    pub message_id: String,
    pub sent_at: DateTime<FixedOffset>,
    pub sender: String,
    /// What this transmission says about the flight's travellers.
    #[serde(default)]
    pub transmission: Transmission,
    pub flight: Flight,
    pub passengers: Vec<Passenger>,
}

/// A problem with one field of an input document.
///
/// `Display` gives `path: reason: "value"` as the carrier needs it to fix the
/// message; [`FieldError::redacted`] leaves the value out, for logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub path: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl FieldError {
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError { path: path.into(), reason: reason.into(), value: None }
    }
    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }
    /// The error without the offending value: safe for logs and metrics.
    pub fn redacted(&self) -> String {
        format!("{}: {}", self.path, self.reason)
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(v) => write!(f, "{}: {}: {:?}", self.path, self.reason, v),
            None => write!(f, "{}: {}", self.path, self.reason),
        }
    }
}

impl std::error::Error for FieldError {}

/// Longest identifier accepted (`message_id`, `sender`): longer is a defect, never copied on.
pub const MAX_ID_LEN: usize = 128;
/// Longest surname or given names accepted.
pub const MAX_NAME_LEN: usize = 256;
/// Longest code or number accepted (document number and type, PNR locator): EDIFACT's an..35.
pub const MAX_CODE_LEN: usize = 35;

/// Dates of birth before this year are defects of the field.
pub const EARLIEST_BIRTH_YEAR: i32 = 1900;

/// What reading a message produced besides the message itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReadReport {
    /// Persons left unscreened (no usable name and no document), with why (their index is in the path).
    pub rejected_passengers: Vec<FieldError>,
    /// Defective fields of persons who were still screened on the rest: the field was dropped.
    pub field_defects: Vec<FieldError>,
    /// Paths of special-category fields that were discarded on arrival (names only, never values).
    pub special_category_discarded: Vec<String>,
    /// Number of fields outside the contract that were dropped.
    pub unknown_fields_dropped: usize,
    /// Non-fatal remarks on the message (counts that do not add up, stray
    /// segments, a missing trailer, ...). The value, if any, only in full output.
    pub warnings: Vec<FieldError>,
}

impl ReadReport {
    /// A warning with no value worth showing.
    pub fn warn(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.warnings.push(FieldError::new(path, reason));
    }
}

/// A message plus its read report.
#[derive(Debug, Clone)]
pub struct ReadMessage {
    pub message: ApiMessage,
    pub report: ReadReport,
}
