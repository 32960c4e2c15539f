//! Who a transmission is about (service.md section 7): the flight, and the
//! traveller within it. Carriers send a flight's list several times (at
//! check-in, at closure, corrections in between); these keys let every
//! transmission for a flight land on the same flight, and each listed
//! person on the same traveller.
//!
//! * A **flight** is the carrier's flight number, the departure airport and
//!   the scheduled departure date, local at the departure airport.
//! * A **traveller** within a flight is the same travel document (number and
//!   issuing country, normalised) or, where a side has no document, the same
//!   names and date of birth (normalised: transliterated as ICAO 9303 does,
//!   letters only, in order).
//!
//! The keys hold personal data (a document number, a name) and live only
//! as long as the traveller's data.

use crate::matching::compare::normalise_document;
use crate::matching::normalize::transliterate;
use crate::model::{Flight, Passenger};
use crate::reference::reference;
use chrono::NaiveDate;

/// The flight a transmission is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlightKey {
    /// The carrier's flight number as sent (`KL0692`).
    pub number: String,
    /// IATA code of the departure airport.
    pub departure_airport: String,
    /// The scheduled departure date, local at the departure airport (UTC
    /// where the reference data does not know the airport's zone).
    pub departure_date: NaiveDate,
}

impl FlightKey {
    /// The key of `flight`.
    pub fn of(flight: &Flight) -> FlightKey {
        let tz = reference().airport(&flight.departure_airport).and_then(|a| a.tz.parse::<chrono_tz::Tz>().ok());
        let departure_date = match tz {
            Some(tz) => flight.departure_time.with_timezone(&tz).date_naive(),
            None => flight.departure_time.naive_utc().date(),
        };
        FlightKey {
            number: flight.number.trim().to_ascii_uppercase(),
            departure_airport: flight.departure_airport.trim().to_ascii_uppercase(),
            departure_date,
        }
    }
}

impl std::fmt::Display for FlightKey {
    /// `KL0692 YYZ 2026-11-21`: no personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.number, self.departure_airport, self.departure_date)
    }
}

/// What identifies a listed person within a flight: their document, their
/// names and date of birth, or both.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TravellerKey {
    /// `ISSUING_COUNTRY:NUMBER`, normalised; `None` without a document number.
    pub document: Option<String>,
    /// `SURNAME|GIVEN NAMES|YYYY-MM-DD`, normalised; `None` without a name.
    pub person: Option<String>,
}

impl TravellerKey {
    /// The key of `p`.
    pub fn of(p: &Passenger) -> TravellerKey {
        let document = p.document.as_ref().and_then(|d| {
            let number = normalise_document(d.number.as_deref()?);
            if number.is_empty() {
                return None;
            }
            let country = d.issuing_country.as_deref().map(country).unwrap_or_default();
            Some(format!("{country}:{number}"))
        });
        let surname = name(&p.surname);
        let person = (!surname.is_empty()).then(|| {
            let given = p.given_names.as_deref().map(name).unwrap_or_default();
            let born = p.date_of_birth.map(|d| d.to_string()).unwrap_or_default();
            format!("{surname}|{given}|{born}")
        });
        TravellerKey { document, person }
    }

    /// Whether two listings are the same traveller: the same document when
    /// both have one; else the same names and date of birth.
    pub fn same(&self, other: &TravellerKey) -> bool {
        match (&self.document, &other.document) {
            (Some(a), Some(b)) => a == b,
            _ => self.person.is_some() && self.person == other.person,
        }
    }
}

/// A name as the key compares it: ICAO 9303 transliteration, letters and
/// single spaces only.
fn name(s: &str) -> String {
    let (latin, _) = transliterate(s);
    let letters: String =
        latin.chars().map(|c| if c.is_ascii_alphabetic() { c.to_ascii_uppercase() } else { ' ' }).collect();
    letters.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An issuing country as the key compares it: ISO alpha-3 where the
/// reference data knows the code (ICAO `D` is `DEU`), else as sent.
fn country(code: &str) -> String {
    let code = code.trim().to_ascii_uppercase();
    reference().normalise_country(&code).unwrap_or(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Document;

    fn pax(surname: &str, given: &str, born: &str, doc: Option<(&str, &str)>) -> Passenger {
        let text =
            format!(r#"{{"role":"passenger","surname":{surname:?},"given_names":{given:?},"date_of_birth":{born:?}}}"#);
        let mut p: Passenger = serde_json::from_str(&text).expect("a passenger");
        p.document = doc.map(|(country, number)| Document {
            doc_type: Some("P".into()),
            number: Some(number.into()),
            issuing_country: Some(country.into()),
            issue_date: None,
            expiry_date: None,
        });
        p
    }

    #[test]
    fn the_same_document_is_the_same_traveller_whatever_the_spelling() {
        let a = TravellerKey::of(&pax("VOLKOV", "DMITRIY", "1979-11-02", Some(("RUS", "75 2033-4811"))));
        let b = TravellerKey::of(&pax("ВОЛКОВ", "ДМИТРИЙ", "1979-11-02", Some(("RUS", "7520334811"))));
        assert!(a.same(&b));
        let other_doc = TravellerKey::of(&pax("VOLKOV", "DMITRIY", "1979-11-02", Some(("RUS", "7520334812"))));
        assert!(!a.same(&other_doc), "two documents are two people, even with one name");
        let other_country = TravellerKey::of(&pax("VOLKOV", "DMITRIY", "1979-11-02", Some(("UKR", "7520334811"))));
        assert!(!a.same(&other_country));
        let icao = TravellerKey::of(&pax("MULLER", "HANS", "1969-12-01", Some(("D", "C01X00T47"))));
        let iso = TravellerKey::of(&pax("MUELLER", "HANS", "1969-12-01", Some(("DEU", "C01X00T47"))));
        assert!(icao.same(&iso), "ICAO D is DEU");
    }

    #[test]
    fn without_a_document_names_and_date_of_birth_decide() {
        let a = TravellerKey::of(&pax("Ковальчук", "Олександр", "1985-03-14", None));
        let b = TravellerKey::of(&pax("KOVALCHUK", "OLEKSANDR", "1985-03-14", Some(("UKR", "FE118822"))));
        let c = TravellerKey::of(&pax("KOVALCHUK", "OLEKSANDR", "1985-03-15", None));
        assert_eq!(a.person.as_deref(), Some("KOVALCHUK|OLEKSANDR|1985-03-14"));
        assert!(a.same(&b), "one side without a document: the names and date of birth");
        assert!(!a.same(&c), "another date of birth, another person");
        let nameless = TravellerKey { document: None, person: None };
        assert!(!nameless.same(&nameless.clone()), "nothing to tell them apart by is not a match");
    }

    #[test]
    fn a_flight_is_number_departure_airport_and_local_departure_date() {
        let text = include_str!("../samples/manifests/demo-kl0692.json");
        let m = crate::formats::api_json::read(text.as_bytes()).expect("the sample reads").message;
        let k = FlightKey::of(&m.flight);
        // Departs 01:45 UTC on the 22nd: the evening of the 21st in Toronto.
        assert_eq!(k.to_string(), "KL0692 YYZ 2026-11-21");
        let mut later = m.flight.clone();
        later.departure_time += chrono::Duration::hours(20);
        assert_ne!(FlightKey::of(&later), k, "the next day's flight is another flight");
    }
}
