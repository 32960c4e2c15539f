//! Synthetic, realistic test data: flight manifests (with a chosen share of
//! passengers planted from a watchlist, with the variations real data
//! shows) and watchlists of any size. Deterministic for a given seed.

pub mod names;
pub mod redate;

use crate::matching::normalize::transliterate;
use crate::model::*;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use names::{words, Culture, Pattern, CULTURES};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

pub use rand::SeedableRng;
pub type Rng8 = ChaCha8Rng;

/// A synthetic person, in the script of their culture and as their
/// passport's machine-readable zone writes them.
#[derive(Debug, Clone)]
pub struct Person {
    pub culture: usize,
    pub surname: String,
    pub given: String,
    pub gender: Gender,
    pub date_of_birth: NaiveDate,
    pub nationality: String,
    pub document: String,
}

impl Person {
    /// Surname and given names as the MRZ has them (ICAO transliteration).
    pub fn mrz(&self) -> (String, String) {
        (transliterate(&self.surname).0, transliterate(&self.given).0)
    }
}

fn pick<'a, T>(rng: &mut Rng8, v: &'a [T]) -> &'a T {
    v.choose(rng).expect("non-empty pool")
}

/// The pools of one culture, split once.
pub struct Pools {
    pub culture: &'static Culture,
    pub surnames: Vec<String>,
    pub male: Vec<String>,
    pub female: Vec<String>,
    pub airports: Vec<String>,
}

pub fn pools() -> Vec<Pools> {
    CULTURES
        .iter()
        .map(|c| Pools {
            culture: c,
            surnames: words(c.surnames),
            male: words(c.male),
            female: words(c.female),
            airports: words(c.airports),
        })
        .collect()
}

fn patronymic(father: &str, female: bool) -> String {
    // Russian patronymics: Иван → Иванович / Ивановна; -ий → -ьевич.
    let (stem, m, f) = if let Some(s) = father.strip_suffix("ий") {
        (format!("{s}ь"), "евич", "евна")
    } else if let Some(s) = father.strip_suffix('й') {
        (s.to_string(), "евич", "евна")
    } else if let Some(s) = father.strip_suffix('а') {
        (s.to_string(), "ич", "ична")
    } else {
        (father.to_string(), "ович", "овна")
    };
    format!("{stem}{}", if female { f } else { m })
}

fn feminine_slavic(surname: &str) -> String {
    for suf in ["ов", "ев", "ёв", "ин", "ын"] {
        if surname.ends_with(suf) {
            return format!("{surname}а");
        }
    }
    if let Some(s) = surname.strip_suffix("ский") {
        return format!("{s}ская");
    }
    surname.to_string()
}

fn document_number(rng: &mut Rng8) -> String {
    const L: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ";
    let letters = rng.gen_range(0..=2);
    let mut s = String::new();
    for _ in 0..letters {
        s.push(L[rng.gen_range(0..L.len())] as char);
    }
    while s.len() < 9 {
        s.push((b'0' + rng.gen_range(0..10)) as char);
    }
    s
}

/// A surname of the culture: now and then one of the common ones of the
/// pool, mostly a new one made of the start of one and the end of another
/// (KOWAL + CZYK), so that a large population has the spread of surnames
/// real populations have rather than a few hundred names shared by all.
fn surname(rng: &mut Rng8, pool: &[String]) -> String {
    let a = pick(rng, pool);
    if rng.gen_bool(0.1) {
        return a.clone();
    }
    let b = pick(rng, pool);
    let ac: Vec<char> = a.chars().collect();
    let bc: Vec<char> = b.chars().collect();
    if ac.len() < 4 || bc.len() < 4 || a.contains(' ') || b.contains(' ') {
        return a.clone();
    }
    let head = rng.gen_range(2..ac.len() - 1);
    let tail = rng.gen_range(2..bc.len() - 1);
    ac[..head].iter().chain(bc[bc.len() - tail..].iter()).collect()
}

/// A random person of culture `ci`.
pub fn person(rng: &mut Rng8, pools: &[Pools], ci: usize, born_from: i32, born_to: i32) -> Person {
    let p = &pools[ci];
    let female = rng.gen_bool(0.5);
    let given_pool = if female { &p.female } else { &p.male };
    let first = pick(rng, given_pool).clone();
    let (surname, given) = match p.culture.pattern {
        Pattern::Western | Pattern::Greek => {
            let s = surname(rng, &p.surnames);
            let second = pick(rng, given_pool);
            let g = if rng.gen_bool(0.3) && *second != first { format!("{first} {second}") } else { first };
            (s, g)
        }
        Pattern::Vietnamese => {
            let s = surname(rng, &p.surnames);
            let pool = if rng.gen_bool(0.5) { &p.male[..] } else { &p.female[..] };
            let middle = pick(rng, pool);
            let g = if rng.gen_bool(0.9) && *middle != first { format!("{middle} {first}") } else { first };
            (s, g)
        }
        Pattern::EastSlavic => {
            let s = surname(rng, &p.surnames);
            let s = if female { feminine_slavic(&s) } else { s };
            let g = if rng.gen_bool(0.5) {
                format!("{first} {}", patronymic(pick::<String>(rng, &p.male), female))
            } else {
                first
            };
            (s, g)
        }
        Pattern::Arabic => {
            let s = surname(rng, &p.surnames);
            let g = if rng.gen_bool(0.6) { format!("{first} {}", pick(rng, &p.male)) } else { first };
            (s, g)
        }
        Pattern::Iberian => {
            let s = if rng.gen_bool(0.7) {
                format!("{} {}", pick(rng, &p.surnames), pick(rng, &p.surnames))
            } else {
                pick(rng, &p.surnames).clone()
            };
            let g = if rng.gen_bool(0.4) { format!("{first} {}", pick(rng, given_pool)) } else { first };
            (s, g)
        }
        Pattern::Chinese => {
            let s = pick(rng, &p.surnames).clone();
            let syllables = if rng.gen_bool(0.5) { &p.male } else { &p.female };
            let g = if rng.gen_bool(0.7) { format!("{first}{}", pick(rng, syllables).to_lowercase()) } else { first };
            (s, g)
        }
    };
    let year = rng.gen_range(born_from..=born_to);
    let dob = NaiveDate::from_ymd_opt(year, 1, 1).unwrap() + Duration::days(rng.gen_range(0..365));
    Person {
        culture: ci,
        surname,
        given,
        gender: if female { Gender::F } else { Gender::M },
        date_of_birth: dob,
        nationality: p.culture.nationality.to_string(),
        document: document_number(rng),
    }
}

/// Other romanisations people meet for one transliterated name.
const ROMANISATIONS: &[(&str, &str)] = &[
    ("II", "IY"),
    ("IA", "YA"),
    ("IU", "YU"),
    ("KH", "H"),
    ("IE", "YE"),
    ("EV", "YEV"),
    ("MOHAMMED", "MUHAMMAD"),
    ("MOHAMMED", "MOHAMAD"),
    ("MOHAMED", "MOHAMMED"),
    ("OU", "U"),
    ("EE", "I"),
    ("SS", "S"),
    ("V", "W"),
    ("TS", "TZ"),
    ("Y", "I"),
    ("I", "Y"),
    ("J", "DJ"),
    ("ZH", "J"),
    ("CH", "TCH"),
    ("OV", "OFF"),
    ("SH", "SCH"),
    ("YOU", "YU"),
    ("EI", "EY"),
    ("ALI", "ALY"),
];

/// Rewrite one (Latin) name with another romanisation, if one applies.
pub fn romanise_differently(rng: &mut Rng8, latin: &str) -> Option<String> {
    let applicable: Vec<&(&str, &str)> = ROMANISATIONS.iter().filter(|(a, _)| latin.contains(a)).collect();
    let (a, b) = applicable.choose(rng)?;
    // Replace one occurrence, not the first letter's.
    let idxs: Vec<usize> = latin.match_indices(a).map(|(i, _)| i).filter(|i| *i > 0 || a.len() > 1).collect();
    let i = *idxs.choose(rng)?;
    Some(format!("{}{}{}", &latin[..i], b, &latin[i + a.len()..]))
}

/// One keyboard-style error in one token (never its first letter).
pub fn typo(rng: &mut Rng8, s: &str) -> String {
    let toks: Vec<&str> = s.split(' ').collect();
    let long: Vec<usize> = (0..toks.len()).filter(|i| toks[*i].len() >= 4).collect();
    let Some(&ti) = long.choose(rng) else {
        return s.to_string();
    };
    let mut b: Vec<u8> = toks[ti].as_bytes().to_vec();
    let i = rng.gen_range(1..b.len());
    match rng.gen_range(0..4) {
        0 => b[i] = b"ABCDEFGHIJKLMNOPRSTUVWYZ"[rng.gen_range(0..24)],
        1 if i + 1 < b.len() => b.swap(i, i + 1),
        2 => {
            b.remove(i);
        }
        _ => b.insert(i, b[i]),
    }
    let t = String::from_utf8(b).unwrap_or_default();
    toks.iter().enumerate().map(|(k, x)| if k == ti { t.as_str() } else { x }).collect::<Vec<_>>().join(" ")
}

/// A watchlist row (contract section 2).
#[derive(Debug, Clone, Serialize)]
pub struct WatchlistRow {
    pub list: String,
    pub entry_id: String,
    pub surname: String,
    pub given_names: String,
    pub aliases: String,
    pub date_of_birth: String,
    pub nationality: String,
    pub document_numbers: String,
    pub category: String,
    pub valid_until: String,
    /// The person behind the row (not written).
    #[serde(skip)]
    pub person: Option<Person>,
}

const NAME_LISTS: &[(&str, &str)] = &[
    ("SIS-WANTED", "wanted-serious-crime"),
    ("INTERPOL-RED", "wanted-serious-crime"),
    ("NAT-WANTED", "wanted-serious-crime"),
    ("NAT-WANTED", "wanted-terrorism"),
];

/// A synthetic watchlist of `n` rows: many cultures and scripts, aliases,
/// partial dates of birth, document-only entries, a few expired.
pub fn watchlist(n: usize, seed: u64, today: NaiveDate) -> Vec<WatchlistRow> {
    let mut rng = Rng8::seed_from_u64(seed);
    let pools = pools();
    (0..n).map(|i| watchlist_row(&mut rng, &pools, i, today)).collect()
}

fn watchlist_row(rng: &mut Rng8, pools: &[Pools], i: usize, today: NaiveDate) -> WatchlistRow {
    let ci = rng.gen_range(0..pools.len());
    let p = person(rng, pools, ci, 1950, 2004);
    let valid_until = match rng.gen_range(0..100) {
        0..=79 => String::new(),
        80..=94 => (today + Duration::days(rng.gen_range(30..1500))).to_string(),
        _ => (today - Duration::days(rng.gen_range(1..900))).to_string(),
    };
    let issuer = p.nationality.clone();
    if rng.gen_bool(0.1) {
        return WatchlistRow {
            list: "SLTD".into(),
            entry_id: format!("D-{i:07}"),
            surname: String::new(),
            given_names: String::new(),
            aliases: String::new(),
            date_of_birth: String::new(),
            nationality: String::new(),
            document_numbers: format!("{issuer}:{}", p.document),
            category: if rng.gen_bool(0.7) { "stolen-document" } else { "lost-document" }.into(),
            valid_until,
            person: Some(p),
        };
    }
    let (list, category) = *pick(rng, NAME_LISTS);
    let native = matches!(pools[ci].culture.pattern, Pattern::EastSlavic | Pattern::Greek);
    let (ms, mg) = p.mrz();
    // How the list owner wrote the name.
    let accented = !native && (!p.surname.is_ascii() || !p.given.is_ascii());
    let (surname, given) = if native && rng.gen_bool(0.4) {
        (p.surname.clone(), p.given.clone())
    } else if accented && rng.gen_bool(0.5) {
        // Diacritics dropped rather than transliterated (ÖZKAN as OZKAN, not OEZKAN).
        (deunicode::deunicode(&p.surname).to_uppercase(), deunicode::deunicode(&p.given).to_uppercase())
    } else if rng.gen_bool(0.5) {
        (romanise_differently(rng, &ms).unwrap_or(ms.clone()), romanise_differently(rng, &mg).unwrap_or(mg.clone()))
    } else {
        (ms.clone(), mg.clone())
    };
    let aliases = if rng.gen_bool(0.25) {
        let s = romanise_differently(rng, &ms).unwrap_or_else(|| typo(rng, &ms));
        let g = mg.split(' ').next().unwrap_or("").to_string();
        format!("{s}, {g}")
    } else {
        String::new()
    };
    let d = p.date_of_birth;
    // Lists of wanted persons carry a date of birth; some know only part of it.
    let date_of_birth = match rng.gen_range(0..100) {
        0..=79 => d.format("%Y-%m-%d").to_string(),
        80..=91 => d.format("%Y-%m").to_string(),
        _ => d.format("%Y").to_string(),
    };
    WatchlistRow {
        list: list.into(),
        entry_id: format!("W-{i:07}"),
        surname,
        given_names: given,
        aliases,
        date_of_birth,
        nationality: if rng.gen_bool(0.8) { p.nationality.clone() } else { String::new() },
        document_numbers: if rng.gen_bool(0.4) { format!("{issuer}:{}", p.document) } else { String::new() },
        category: category.into(),
        valid_until,
        person: Some(p),
    }
}

/// Write rows as a watchlist CSV.
pub fn write_watchlist<W: std::io::Write>(rows: &[WatchlistRow], out: W) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    for r in rows {
        w.serialize(r).map_err(std::io::Error::other)?;
    }
    w.flush()
}

/// How a planted passenger differs from the listed person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Variation {
    Exact,
    Transliteration,
    Typo,
    SwappedNames,
    MissingMiddleName,
    JoinedNames,
    MiddleInitial,
    DayMonthSwapped,
    Document,
}

/// A planted passenger, for measuring recall.
#[derive(Debug, Clone, Serialize)]
pub struct Planted {
    pub message_id: String,
    pub passenger: usize,
    pub list: String,
    pub entry_id: String,
    pub variation: Variation,
}

const DESTINATIONS: &[&str] = &[
    "AMS", "FRA", "CDG", "MAD", "FCO", "MUC", "BCN", "LIS", "VIE", "BRU", "CPH", "DUB", "ATH", "ARN", "HEL", "WAW",
    "PRG", "ZRH", "OSL", "MXP",
];
const CARRIERS: &[&str] = &[
    "KL", "LH", "AF", "TK", "EK", "QR", "AA", "UA", "DL", "AC", "BA", "MS", "AT", "SV", "CA", "AI", "LA", "AV", "JL",
    "VN", "ET", "IB", "TP", "OS",
];

/// Options of manifest generation.
pub struct ManifestOptions {
    pub flights: usize,
    pub seed: u64,
    pub date: NaiveDate,
    /// Share of passengers replaced by a variant of a listed person.
    pub plant_share: f64,
}

/// Generate flights; planted passengers are drawn from `rows` (only
/// entries valid on the flight date).
pub fn manifests(opts: &ManifestOptions, rows: &[WatchlistRow]) -> (Vec<ApiMessage>, Vec<Planted>) {
    let mut rng = Rng8::seed_from_u64(opts.seed);
    let pools = pools();
    let plantable: Vec<&WatchlistRow> = rows
        .iter()
        .filter(|r| r.valid_until.is_empty() || r.valid_until.as_str() >= opts.date.to_string().as_str())
        .filter(|r| r.person.is_some())
        .collect();
    let mut messages = Vec::with_capacity(opts.flights);
    let mut planted = Vec::new();
    for f in 0..opts.flights {
        let ci = rng.gen_range(0..pools.len());
        let origin = pick(&mut rng, &pools[ci].airports).clone();
        let dest = pick(&mut rng, DESTINATIONS).to_string();
        let carrier = pick(&mut rng, CARRIERS).to_string();
        let number = format!("{carrier}{:04}", rng.gen_range(1..9999));
        let dep = Utc.from_utc_datetime(&opts.date.and_hms_opt(0, 0, 0).unwrap())
            + Duration::minutes(rng.gen_range(0..3 * 24 * 60));
        let arr = dep + Duration::minutes(rng.gen_range(150..900));
        let dep: DateTime<FixedOffset> = dep.fixed_offset();
        let arr: DateTime<FixedOffset> = arr.fixed_offset();
        let mut itinerary = vec![];
        if rng.gen_bool(0.2) {
            let cj = rng.gen_range(0..pools.len());
            let first = pick(&mut rng, &pools[cj].airports).clone();
            if first != origin {
                itinerary.push(first);
            }
        }
        itinerary.push(origin.clone());
        itinerary.push(dest.clone());
        let message_id = format!("{number}-{}-{f:06}", dep.format("%Y%m%d"));
        let n = rng.gen_range(20..=250);
        let mut passengers = Vec::with_capacity(n);
        let mut pnr = String::new();
        let mut party_left = 0;
        for i in 0..n {
            let pc = if rng.gen_bool(0.6) { ci } else { rng.gen_range(0..pools.len()) };
            let person = person(&mut rng, &pools, pc, 1940, 2024);
            if party_left == 0 {
                pnr = (0..6).map(|_| b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[rng.gen_range(0..32)] as char).collect();
                party_left = *pick(&mut rng, &[1, 1, 1, 2, 2, 3, 4]);
            }
            party_left -= 1;
            let mut p = passenger_of(&mut rng, &person, i, &itinerary, &dest, &pnr, opts.date);
            if !plantable.is_empty() && rng.gen_bool(opts.plant_share) {
                let row = *pick(&mut rng, &plantable);
                let variation = plant(&mut rng, &mut p, row);
                planted.push(Planted {
                    message_id: message_id.clone(),
                    passenger: i,
                    list: row.list.clone(),
                    entry_id: row.entry_id.clone(),
                    variation,
                });
            }
            passengers.push(p);
        }
        messages.push(ApiMessage {
            message_id,
            sent_at: dep - Duration::minutes(30),
            sender: carrier.clone(),
            transmission: Transmission::PassengerList,
            flight: Flight {
                carrier,
                number,
                departure_airport: origin,
                departure_time: dep,
                arrival_airport: dest.clone(),
                arrival_time: arr,
                entry_point: dest,
                itinerary,
                total_passengers: n as u32,
            },
            passengers,
        });
    }
    (messages, planted)
}

fn passenger_of(
    rng: &mut Rng8,
    person: &Person,
    index: usize,
    itinerary: &[String],
    dest: &str,
    pnr: &str,
    today: NaiveDate,
) -> Passenger {
    let (surname, given) = person.mrz();
    let issue = today - Duration::days(rng.gen_range(1..3600));
    Passenger {
        index,
        role: if index < 3 { Role::Crew } else { Role::Passenger },
        surname,
        given_names: Some(given),
        gender: Some(person.gender),
        date_of_birth: Some(person.date_of_birth),
        nationality: Some(person.nationality.clone()),
        embarkation: itinerary.first().cloned(),
        debarkation: Some(dest.to_string()),
        document: Some(Document {
            doc_type: Some("P".into()),
            number: Some(person.document.clone()),
            issuing_country: Some(person.nationality.clone()),
            issue_date: Some(issue),
            expiry_date: Some(issue + Duration::days(3652)),
        }),
        pnr_locator: Some(pnr.to_string()),
        damaged: false,
    }
}

/// Turn `p` into a variant of the listed person of `row`.
fn plant(rng: &mut Rng8, p: &mut Passenger, row: &WatchlistRow) -> Variation {
    let person = row.person.as_ref().expect("plantable rows have a person");
    let doc = p.document.get_or_insert_with(Document::default);
    if row.surname.is_empty() {
        // Document-only entry: someone travelling on the listed document.
        doc.number = Some(person.document.clone());
        doc.issuing_country = Some(person.nationality.clone());
        return Variation::Document;
    }
    let (s, g) = person.mrz();
    p.gender = Some(person.gender);
    p.nationality = Some(person.nationality.clone());
    p.date_of_birth = Some(person.date_of_birth);
    doc.issuing_country = Some(person.nationality.clone());
    let given: Vec<&str> = g.split(' ').collect();
    let v = match rng.gen_range(0..100) {
        0..=19 => Variation::Exact,
        20..=39 => Variation::Transliteration,
        40..=59 => Variation::Typo,
        60..=69 => Variation::SwappedNames,
        70..=79 if given.len() > 1 => Variation::MissingMiddleName,
        80..=84 if given.len() > 1 => Variation::JoinedNames,
        85..=89 if given.len() > 1 => Variation::MiddleInitial,
        90..=94 => Variation::DayMonthSwapped,
        _ => Variation::Exact,
    };
    let (mut ns, mut ng) = (s.clone(), g.clone());
    match v {
        Variation::Exact | Variation::Document => {}
        Variation::Transliteration => {
            ns = romanise_differently(rng, &s).unwrap_or(s.clone());
            ng = romanise_differently(rng, &g).unwrap_or(g.clone());
        }
        Variation::Typo => {
            if rng.gen_bool(0.5) {
                ns = typo(rng, &s)
            } else {
                ng = typo(rng, &g)
            }
        }
        Variation::SwappedNames => std::mem::swap(&mut ns, &mut ng),
        Variation::MissingMiddleName => ng = given[0].to_string(),
        Variation::JoinedNames => ng = given.concat(),
        Variation::MiddleInitial => ng = format!("{} {}", given[0], &given[1][..1]),
        Variation::DayMonthSwapped => {
            use chrono::Datelike;
            let d = person.date_of_birth;
            if let Some(sw) = NaiveDate::from_ymd_opt(d.year(), d.day(), d.month()) {
                p.date_of_birth = Some(sw);
            }
        }
    }
    p.surname = ns;
    p.given_names = Some(ng);
    v
}

/// Recall of planted passengers and false watchlist hits of one replay.
#[derive(Debug, Clone, Serialize)]
pub struct RecallReport {
    pub passengers: u64,
    pub planted: usize,
    pub found: usize,
    pub recall: f64,
    pub missed_by_variation: std::collections::BTreeMap<String, usize>,
    pub planted_by_variation: std::collections::BTreeMap<String, usize>,
    pub watchlist_hits: usize,
    pub false_hits: usize,
    pub false_hits_per_10k_passengers: f64,
    /// False hits by the date-of-birth evidence they rest on (`exact`, `year`, ...).
    pub false_hits_by_date_evidence: std::collections::BTreeMap<String, usize>,
    /// False hits whose name is identical to the entry's after normalisation
    /// (name score 1.0) with a date that agrees as far as the entry knows it:
    /// namesakes nothing in the message tells apart from the listed person.
    pub false_hits_identical_name: usize,
}

/// Compare planted passengers (JSON Lines of [`Planted`]) with the hits of a replay.
pub fn recall(planted: &str, hits: &str, passengers: f64) -> Result<RecallReport, serde_json::Error> {
    use std::collections::{BTreeMap, HashSet};
    let mut want: Vec<serde_json::Value> = Vec::new();
    for l in planted.lines().filter(|l| !l.trim().is_empty()) {
        want.push(serde_json::from_str(l)?);
    }
    let mut got: HashSet<(String, u64, String, String)> = HashSet::new();
    let mut evidence: Vec<((String, u64), String, bool)> = Vec::new();
    let mut watchlist_hits = 0;
    for l in hits.lines().filter(|l| !l.trim().is_empty()) {
        let h: serde_json::Value = serde_json::from_str(l)?;
        if h["kind"] == "watchlist" {
            watchlist_hits += 1;
            let date = h["explanation"]["date_of_birth"].as_str().unwrap_or("").to_string();
            let identical = h["explanation"]["name"]["score"].as_f64() == Some(1.0) && date != "mismatch";
            evidence.push((
                (h["message_id"].as_str().unwrap_or("").into(), h["passenger"].as_u64().unwrap_or(0)),
                date,
                identical,
            ));
            got.insert((
                h["message_id"].as_str().unwrap_or("").into(),
                h["passenger"].as_u64().unwrap_or(0),
                h["list"].as_str().unwrap_or("").into(),
                h["entry_id"].as_str().unwrap_or("").into(),
            ));
        }
    }
    let key = |p: &serde_json::Value| {
        (
            p["message_id"].as_str().unwrap_or("").to_string(),
            p["passenger"].as_u64().unwrap_or(0),
            p["list"].as_str().unwrap_or("").to_string(),
            p["entry_id"].as_str().unwrap_or("").to_string(),
        )
    };
    let planted_pax: HashSet<(String, u64)> = want.iter().map(|p| (key(p).0, key(p).1)).collect();
    let mut found = 0;
    let mut missed: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_var: BTreeMap<String, usize> = BTreeMap::new();
    for p in &want {
        let v = p["variation"].as_str().unwrap_or("").to_string();
        *by_var.entry(v.clone()).or_default() += 1;
        if got.contains(&key(p)) {
            found += 1;
        } else {
            *missed.entry(v).or_default() += 1;
        }
    }
    // A false hit: a watchlist hit on a passenger who was not planted. (Hits on
    // a planted passenger against another entry are not counted either way:
    // the generated list can hold several entries of one synthetic person.)
    let false_hits = got.iter().filter(|(m, i, _, _)| !planted_pax.contains(&(m.clone(), *i))).count();
    let mut false_hits_by_date_evidence: BTreeMap<String, usize> = BTreeMap::new();
    let mut false_hits_identical_name = 0;
    for (_, date, identical) in evidence.iter().filter(|(pax, _, _)| !planted_pax.contains(pax)) {
        *false_hits_by_date_evidence.entry(date.clone()).or_default() += 1;
        false_hits_identical_name += usize::from(*identical);
    }
    Ok(RecallReport {
        passengers: passengers as u64,
        planted: want.len(),
        found,
        recall: if want.is_empty() { 1.0 } else { found as f64 / want.len() as f64 },
        missed_by_variation: missed,
        planted_by_variation: by_var,
        watchlist_hits,
        false_hits,
        false_hits_per_10k_passengers: if passengers > 0.0 { false_hits as f64 * 10_000.0 / passengers } else { 0.0 },
        false_hits_by_date_evidence,
        false_hits_identical_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_counts_found_missed_and_false() {
        let planted = r#"{"message_id":"M1","passenger":0,"list":"L","entry_id":"W-1","variation":"typo"}
{"message_id":"M1","passenger":3,"list":"L","entry_id":"W-2","variation":"exact"}
"#;
        let hit = |m: &str, p: u32, e: &str, name: f64, date: &str| {
            format!(
                r#"{{"kind":"watchlist","message_id":"{m}","passenger":{p},"list":"L","entry_id":"{e}","explanation":{{"name":{{"score":{name}}},"date_of_birth":"{date}"}}}}"#
            )
        };
        let hits = [
            hit("M1", 0, "W-1", 0.93, "exact"),
            hit("M1", 5, "W-7", 1.0, "year"),
            hit("M1", 6, "W-8", 0.96, "year_month"),
            r#"{"kind":"trend","message_id":"M1","passenger":2,"trend_id":"T"}"#.to_string(),
        ]
        .join("\n");
        let r = recall(planted, &hits, 20_000.0).unwrap();
        assert_eq!((r.planted, r.found, r.watchlist_hits, r.false_hits), (2, 1, 3, 2));
        assert_eq!(r.missed_by_variation.get("exact"), Some(&1));
        assert_eq!(r.false_hits_per_10k_passengers, 1.0);
        assert_eq!(r.false_hits_identical_name, 1);
        assert_eq!(r.false_hits_by_date_evidence.get("year"), Some(&1));
        assert_eq!(r.false_hits_by_date_evidence.get("year_month"), Some(&1));
    }
}
