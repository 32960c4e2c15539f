//! Reference data: airports (IATA → country), ISO 3166 country codes, the
//! ICAO 9303 nationality codes, and the home region that decides which flights
//! are in scope of the API Directive.
//!
//! The airport and country tables are maintained data sets shipped in
//! `data/` (see `data/README.md` for source and licence) and compiled in.

use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::OnceLock;

static AIRPORTS_CSV: &str = include_str!("../data/airports.csv");
static COUNTRIES_CSV: &str = include_str!("../data/countries.csv");

/// One airport of the shipped data set.
#[derive(Debug, Clone)]
pub struct Airport {
    pub iata: String,
    pub country_alpha2: String,
    pub name: String,
    pub city: String,
    /// IANA time zone (`Europe/Amsterdam`): PAXLST times are local.
    pub tz: String,
}

#[derive(Debug, Clone)]
pub struct Country {
    pub alpha2: String,
    pub alpha3: String,
    pub name: String,
}

pub struct Reference {
    airports: FxHashMap<String, Airport>,
    by_alpha2: FxHashMap<String, Country>,
    alpha3: FxHashMap<String, String>,
}

/// The shared, parsed reference tables.
pub fn reference() -> &'static Reference {
    static REF: OnceLock<Reference> = OnceLock::new();
    REF.get_or_init(|| {
        let mut airports = FxHashMap::default();
        let mut rdr = csv::Reader::from_reader(AIRPORTS_CSV.as_bytes());
        for rec in rdr.records() {
            let rec = rec.expect("data/airports.csv is valid CSV (checked by tests)");
            let a = Airport {
                iata: rec[0].to_string(),
                country_alpha2: rec[2].to_string(),
                name: rec[3].to_string(),
                city: rec[4].to_string(),
                tz: rec[7].to_string(),
            };
            airports.insert(a.iata.clone(), a);
        }
        let mut by_alpha2 = FxHashMap::default();
        let mut alpha3 = FxHashMap::default();
        let mut rdr = csv::Reader::from_reader(COUNTRIES_CSV.as_bytes());
        for rec in rdr.records() {
            let rec = rec.expect("data/countries.csv is valid CSV (checked by tests)");
            let c = Country { alpha2: rec[0].to_string(), alpha3: rec[1].to_string(), name: rec[3].to_string() };
            alpha3.insert(c.alpha3.clone(), c.alpha2.clone());
            by_alpha2.insert(c.alpha2.clone(), c);
        }
        Reference { airports, by_alpha2, alpha3 }
    })
}

/// ICAO Doc 9303 Part 3 codes that are not ISO 3166-1 alpha-3 country codes,
/// with the country they stand for where there is one.
const ICAO_CODES: &[(&str, Option<&str>)] = &[
    ("D", Some("DEU")),
    ("GBD", Some("GBR")),
    ("GBN", Some("GBR")),
    ("GBO", Some("GBR")),
    ("GBP", Some("GBR")),
    ("GBS", Some("GBR")),
    ("RKS", None), // Kosovo
    ("EUE", None), // European Union
    ("UNO", None), // United Nations official
    ("UNA", None), // UN specialised agency
    ("UNK", None), // UN interim administration in Kosovo
    ("XBA", None), // African Development Bank
    ("XIM", None), // African Export-Import Bank
    ("XCC", None), // Caribbean Community
    ("XCE", None), // Council of Europe
    ("XCO", None), // Common Market for Eastern and Southern Africa
    ("XEC", None), // ECOWAS
    ("XPO", None), // Interpol
    ("XES", None), // Organisation of Eastern Caribbean States
    ("XMP", None), // Parliamentary Assembly of the Mediterranean
    ("XOM", None), // Sovereign Military Order of Malta
    ("XDC", None), // SADC
    ("XXA", None), // stateless person
    ("XXB", None), // refugee (1951 Convention)
    ("XXC", None), // refugee (other)
    ("XXX", None), // unspecified nationality
];

impl Reference {
    pub fn airport(&self, iata: &str) -> Option<&Airport> {
        self.airports.get(iata)
    }
    pub fn airport_count(&self) -> usize {
        self.airports.len()
    }
    pub fn alpha2_to_alpha3(&self, a2: &str) -> Option<&str> {
        self.by_alpha2.get(a2).map(|c| c.alpha3.as_str())
    }

    /// Normalise a nationality or issuing-state code to alpha-3: ISO alpha-3
    /// as is, ICAO 9303 codes (`D` → `DEU`, `GBD` → `GBR`, `XXA` kept),
    /// ISO alpha-2 (as PAXLST senders sometimes use) to alpha-3.
    pub fn normalise_country(&self, code: &str) -> Option<String> {
        if self.alpha3.contains_key(code) {
            return Some(code.to_string());
        }
        let c = code.trim().to_ascii_uppercase();
        if self.alpha3.contains_key(&c) {
            return Some(c);
        }
        if let Some((_, to)) = ICAO_CODES.iter().find(|(k, _)| *k == c) {
            return Some(to.map(str::to_string).unwrap_or(c));
        }
        if c.len() == 2 {
            if let Some(a3) = self.alpha2_to_alpha3(&c) {
                return Some(a3.to_string());
            }
        }
        None
    }
}

/// Member states of the European Union, their outermost regions that carry
/// their own ISO code, and the non-EU Schengen states (Regulation (EU)
/// 2016/399, Schengen Borders Code). API is due for flights *into* this
/// region from outside it (Directive 2004/82/EC, art. 3).
pub const HOME_REGION_EU_SCHENGEN: &[&str] = &[
    // EU 27
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT",
    "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    // EU outermost regions with their own ISO 3166 code (part of the Union)
    "GF", "GP", "MQ", "RE", "YT", "MF", // Schengen states outside the EU
    "IS", "LI", "NO", "CH",
];

/// Which flights are screened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Flights whose departure airport lies outside the home region.
    HomeRegion { name: String, countries: FxHashSet<String> },
    /// Every flight (test data from elsewhere).
    All,
}

/// The answer for one flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeDecision {
    InScope,
    /// Departs inside the home region: not screened, not kept.
    OutOfScope {
        departure_country: String,
    },
    /// The departure airport is not in the reference data: screened, to be safe,
    /// and reported so the data set can be updated.
    UnknownAirport,
}

/// A scope name that is not `eu-schengen` or `all`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope {0:?}: expected eu-schengen or all")]
pub struct UnknownScope(pub String);

impl Scope {
    /// The scope of this name: `eu-schengen` or `all`.
    pub fn parse(s: &str) -> Result<Scope, UnknownScope> {
        match s {
            "eu-schengen" => Ok(Scope::eu_schengen()),
            "all" => Ok(Scope::All),
            other => Err(UnknownScope(other.to_string())),
        }
    }
    pub fn eu_schengen() -> Scope {
        Scope::HomeRegion {
            name: "eu-schengen".into(),
            countries: HOME_REGION_EU_SCHENGEN.iter().map(|s| s.to_string()).collect(),
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Scope::HomeRegion { name, .. } => name,
            Scope::All => "all",
        }
    }
    pub fn decide(&self, departure_airport: &str) -> ScopeDecision {
        match self {
            Scope::All => ScopeDecision::InScope,
            Scope::HomeRegion { countries, .. } => match reference().airport(departure_airport) {
                None => ScopeDecision::UnknownAirport,
                Some(a) if countries.contains(&a.country_alpha2) => {
                    ScopeDecision::OutOfScope { departure_country: a.country_alpha2.clone() }
                }
                Some(_) => ScopeDecision::InScope,
            },
        }
    }
}

/// An IATA airport code: three upper-case letters.
pub fn is_iata_airport(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// An IATA (two) or ICAO (three) airline designator.
pub fn is_carrier(s: &str) -> bool {
    (s.len() == 2 || s.len() == 3) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_sets_load() {
        let r = reference();
        assert!(r.airport_count() > 7000);
        assert_eq!(r.airport("AMS").unwrap().country_alpha2, "NL");
        assert_eq!(r.alpha2_to_alpha3("NL"), Some("NLD"));
    }

    #[test]
    fn nationality_codes() {
        let r = reference();
        assert_eq!(r.normalise_country("D").as_deref(), Some("DEU"));
        assert_eq!(r.normalise_country("GBD").as_deref(), Some("GBR"));
        assert_eq!(r.normalise_country("XXA").as_deref(), Some("XXA"));
        assert_eq!(r.normalise_country("can").as_deref(), Some("CAN"));
        assert_eq!(r.normalise_country("NL").as_deref(), Some("NLD"));
        assert_eq!(r.normalise_country("QQQ"), None);
    }

    #[test]
    fn scope_by_departure_country() {
        let s = Scope::eu_schengen();
        assert_eq!(s.decide("YYZ"), ScopeDecision::InScope);
        assert_eq!(s.decide("FRA"), ScopeDecision::OutOfScope { departure_country: "DE".into() });
        assert_eq!(s.decide("ZRH"), ScopeDecision::OutOfScope { departure_country: "CH".into() });
        assert_eq!(s.decide("DUB"), ScopeDecision::OutOfScope { departure_country: "IE".into() });
        assert_eq!(s.decide("LHR"), ScopeDecision::InScope);
        assert_eq!(s.decide("QQQ"), ScopeDecision::UnknownAirport);
        assert_eq!(Scope::All.decide("FRA"), ScopeDecision::InScope);
    }
}
