//! UN/EDIFACT PAXLST (WCO/IATA/ICAO API guidelines, directories D02B,
//! D05B, D12B): reader and writer for the same domain model as the JSON
//! contract.
//!
//! Reading happens in two steps. [`Interchange::parse`] splits the bytes
//! into segments, honouring the UNA service string advice (any separators,
//! the release character) and tolerating white space and line breaks
//! between segments. [`read_interchange`] then walks each message (UNH ..
//! UNT): the reporting party, the flight legs (TDT with LOC and DTM), the
//! person groups (NAD+FL/FM/DDU/DDT with ATT, DTM, LOC, NAT, RFF, DOC), the
//! control totals. A person group with a bad element loses only that person;
//! a message without a usable flight is refused alone; wrong UNT segment
//! counts and CNT totals are warnings on the message.
//!
//! PAXLST times are local to the airport they belong to; they are turned
//! into instants with the airport's time zone from the reference data.

mod stream;
mod write;

pub use stream::{Damage, PaxlstItem, PaxlstStream, MAX_MESSAGE};
pub use write::{write, WriteOptions};

use super::{MessageError, ReadResult};
use crate::model::*;
use crate::reference::reference;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

pub use super::edifact::Separators;

/// Where one component lies in the interchange's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
    /// 0 is the tag, 1 the first data element.
    element: u16,
    component: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SegmentAt {
    spans: (u32, u32),
    number: u32,
    line: u32,
}

/// One segment, borrowed from its interchange: its tag and its elements,
/// each a list of components (release characters already removed).
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    pub tag: &'a str,
    text: &'a str,
    spans: &'a [Span],
    /// 1-based position in the interchange (UNA not counted).
    pub number: usize,
    /// Line of the file it starts on.
    pub line: usize,
}

impl<'a> Segment<'a> {
    /// Component `c` of element `e` (both 0-based; element 0 is the first after the tag).
    pub fn get(&self, e: usize, c: usize) -> &'a str {
        let text = self.text;
        self.spans
            .iter()
            .find(|s| s.element as usize == e + 1 && s.component as usize == c)
            .map(|s| &text[s.start as usize..s.end as usize])
            .unwrap_or("")
    }
    /// Every component of element `e`.
    pub fn components(&self, e: usize) -> impl Iterator<Item = &'a str> + 'a {
        let text = self.text;
        self.spans
            .iter()
            .filter(move |s| s.element as usize == e + 1)
            .map(move |s| &text[s.start as usize..s.end as usize])
    }
    fn qualifier(&self) -> &'a str {
        self.get(0, 0)
    }
    fn at(&self, e: usize) -> String {
        let q = self.qualifier();
        if q.is_empty() {
            format!("segment {} {} element {}", self.number, self.tag, e + 1)
        } else {
            format!("segment {} {}+{} element {}", self.number, self.tag, q, e + 1)
        }
    }
}

/// The segments of one interchange: one buffer of unescaped text and the
/// spans of its components (a handful of allocations per interchange, not
/// one per component).
#[derive(Debug, Clone)]
pub struct Interchange {
    pub separators: Separators,
    text: String,
    spans: Vec<Span>,
    segments: Vec<SegmentAt>,
}

impl Interchange {
    /// Split bytes into segments. Fails only when there is nothing that looks like EDIFACT.
    pub fn parse(bytes: &[u8]) -> Result<Interchange, MessageError> {
        let input = String::from_utf8_lossy(bytes);
        let b = input.as_bytes();
        let mut i = skip_ws(b, 0);
        let mut line = 1 + b[..i].iter().filter(|c| **c == b'\n').count();
        let mut sep = Separators::default();
        if b[i..].starts_with(b"UNA") {
            if b.len() < i + 9 {
                return Err(MessageError::Paxlst("UNA service string advice is shorter than 6 characters".into()));
            }
            let a = &b[i + 3..i + 9];
            sep = Separators::from_una(a).map_err(|e| MessageError::Paxlst(e.into()))?;
            line += a.iter().filter(|c| **c == b'\n').count();
            i += 9;
        }
        Self::parse_body(&b[i..], sep, line, 1)
    }

    /// Split bytes that hold no UNA into segments, with known separators;
    /// `line` is the line the bytes start on, `first` the number of their
    /// first segment in the interchange.
    pub fn parse_body(
        bytes: &[u8],
        sep: Separators,
        mut line: usize,
        first: usize,
    ) -> Result<Interchange, MessageError> {
        let input = String::from_utf8_lossy(bytes);
        let b = input.as_bytes();
        let mut i = 0;
        let mut text: Vec<u8> = Vec::with_capacity(b.len());
        let mut spans: Vec<Span> = Vec::with_capacity(b.len() / 4);
        let mut segments: Vec<SegmentAt> = Vec::with_capacity(b.len() / 24);
        loop {
            let start = skip_ws(b, i);
            line += b[i..start].iter().filter(|c| **c == b'\n').count();
            i = start;
            if i >= b.len() {
                break;
            }
            let seg_line = line as u32;
            let first_span = spans.len() as u32;
            let (mut element, mut component) = (0u16, 0u16);
            let mut comp_start = text.len() as u32;
            while i < b.len() && b[i] != sep.segment {
                let c = b[i];
                if Some(c) == sep.release && i + 1 < b.len() {
                    if b[i + 1] == b'\n' {
                        line += 1;
                    }
                    text.push(b[i + 1]);
                    i += 2;
                    continue;
                }
                if c == sep.element || c == sep.component {
                    spans.push(Span { start: comp_start, end: text.len() as u32, element, component });
                    if c == sep.element {
                        element = element.saturating_add(1);
                        component = 0;
                    } else {
                        component = component.saturating_add(1);
                    }
                    comp_start = text.len() as u32;
                } else if c == b'\n' {
                    line += 1;
                } else if c != b'\r' {
                    text.push(c);
                }
                i += 1;
            }
            spans.push(Span { start: comp_start, end: text.len() as u32, element, component });
            i = (i + 1).min(b.len()); // the terminator (absent at the very end of some files)
            let tag_span = spans[first_span as usize];
            let tag_empty =
                text[tag_span.start as usize..tag_span.end as usize].iter().all(|c| c.is_ascii_whitespace());
            if tag_empty && spans.len() as u32 == first_span + 1 {
                spans.truncate(first_span as usize);
                continue;
            }
            segments.push(SegmentAt {
                spans: (first_span, spans.len() as u32),
                number: (segments.len() + first) as u32,
                line: seg_line,
            });
        }
        if segments.is_empty() {
            return Err(MessageError::Paxlst("no EDIFACT segments found".into()));
        }
        // Only ASCII bytes were taken out of valid UTF-8, so this is valid UTF-8;
        // a span boundary always sits next to an ASCII separator.
        let text = String::from_utf8(text)
            .map_err(|_| MessageError::Paxlst("text is not valid UTF-8 after unescaping".into()))?;
        Ok(Interchange { separators: sep, text, spans, segments })
    }

    /// The segments, in order.
    pub fn segments(&self) -> Vec<Segment<'_>> {
        self.segments
            .iter()
            .map(|s| {
                let spans = &self.spans[s.spans.0 as usize..s.spans.1 as usize];
                let tag = spans.first().map(|t| self.text[t.start as usize..t.end as usize].trim()).unwrap_or("");
                Segment { tag, text: &self.text, spans, number: s.number as usize, line: s.line as usize }
            })
            .collect()
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\r' | b'\t' | 0xEF | 0xBB | 0xBF) {
        i += 1;
    }
    i
}

/// A message's part in a multi-part transmission (UNH element 4: `01:C`, `02`, `03:F`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub number: u32,
    pub last: bool,
    /// Ties the parts together: the common access reference, or the flight and reference.
    pub group: String,
}

/// One PAXLST message read, with where it starts and its part, if any.
#[derive(Debug)]
pub struct PaxlstMessage {
    pub line: usize,
    pub result: ReadResult,
    pub part: Option<Part>,
    /// BGM+250 (crew list) or BGM+745 (passenger list).
    pub crew_list: bool,
}

/// Read every message of an interchange. Each result carries the line its UNH is on.
pub fn read_interchange(bytes: &[u8]) -> Vec<(usize, ReadResult)> {
    read_messages(bytes).into_iter().map(|m| (m.line, m.result)).collect()
}

/// Read every message of an interchange held in memory, with their parts.
/// Notices about damage outside any message are left out: read with
/// [`PaxlstStream`] (or `formats::decode`) to have them.
pub fn read_messages(bytes: &[u8]) -> Vec<PaxlstMessage> {
    PaxlstStream::new(bytes)
        .filter_map(|item| match item.expect("reading from memory cannot fail") {
            PaxlstItem::Message(m) => Some(m),
            PaxlstItem::Notice { .. } => None,
        })
        .collect()
}

pub(crate) struct Context<'a> {
    sender: &'a str,
    interchange_ref: &'a str,
    sent_at: Option<DateTime<FixedOffset>>,
}

fn err(seg: &Segment, e: usize, reason: &str, value: &str) -> MessageError {
    MessageError::Field(FieldError::new(seg.at(e), reason).with_value(value))
}

/// One flight leg.
#[derive(Debug, Default)]
struct Leg {
    number: String,
    carrier: String,
    departure: Option<String>,
    arrival: Option<String>,
    route: Vec<String>,
    departure_time: Option<DateTime<FixedOffset>>,
    arrival_time: Option<DateTime<FixedOffset>>,
}

/// The highest part number of a multi-part message (UNH element 4 is n..2).
const MAX_PART: u32 = 99;

fn read_message(
    msg: &[Segment],
    unt: Option<&Segment>,
    ctx: &Context,
    damage: &[Damage],
) -> (ReadResult, Option<Part>, bool) {
    let unh = &msg[0];
    let mut report = ReadReport::default();
    let part = {
        let seq = unh.get(3, 0);
        if seq.is_empty() {
            None
        } else {
            let last = unh.get(3, 1) == "F";
            match seq.trim_start_matches('0').parse::<u32>() {
                Ok(n) if (1..=MAX_PART).contains(&n) => Some((n, last)),
                _ => {
                    report.warn(unh.at(3), format!("not a part number 1..{MAX_PART}: read as a single message"));
                    None
                }
            }
        }
    };
    let bgm = msg.iter().find(|s| s.tag == "BGM");
    let crew_list = bgm.is_some_and(|s| s.qualifier() == "250");
    let transmission = match bgm {
        None => Transmission::PassengerList,
        Some(s) => {
            let (code, identifier) = (s.qualifier().trim(), s.get(1, 0).trim());
            Transmission::from_bgm(code, identifier).unwrap_or_else(|| {
                report.warnings.push(
                    FieldError::new(
                        s.at(0),
                        "a document code and identifier not in the table of transmissions: read as a passenger list",
                    )
                    .with_value(format!("{code}+{identifier}")),
                );
                Transmission::PassengerList
            })
        }
    };
    // Control totals.
    if let Some(unt) = unt {
        let counted = msg.len() + 1;
        match unt.get(0, 0).trim_start_matches('0').parse::<usize>() {
            Ok(n) if n == counted => {}
            _ => report.warnings.push(
                FieldError::new(unt.at(0), format!("the message has {counted} segments, not as many as UNT says"))
                    .with_value(unt.get(0, 0)),
            ),
        }
    } else {
        report.warn(
            format!("segment {} UNH", unh.number),
            "message has no UNT trailer: cut off? its last person is marked damaged",
        );
    }
    let transaction = msg.iter().find(|s| s.tag == "RFF" && s.qualifier() == "TN").map(|s| s.get(0, 1).to_string());
    // Flight legs: each TDT opens one; LOC and DTM before the first person belong to it.
    let mut legs: Vec<Leg> = Vec::new();
    let first_person = msg.iter().position(|s| s.tag == "NAD" && is_person(s.qualifier())).unwrap_or(msg.len());
    let mut last_loc: Option<&str> = None;
    for s in &msg[..first_person] {
        match s.tag {
            "TDT" if s.qualifier() == "20" => {
                let number = s.get(1, 0).trim().to_string();
                let carrier = Some(s.get(4, 0).trim().to_string())
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| number.chars().take(2).collect());
                legs.push(Leg { number, carrier, ..Default::default() });
            }
            "LOC" if !legs.is_empty() => {
                let leg = legs.last_mut().expect("a leg");
                let code = s.get(1, 0).trim().to_string();
                match s.qualifier() {
                    "125" => leg.departure = Some(code.clone()),
                    "87" => leg.arrival = Some(code.clone()),
                    "92" => {
                        if leg.departure.is_none() {
                            leg.departure = Some(code.clone());
                        } else if leg.arrival.is_none() {
                            leg.arrival = Some(code.clone());
                        }
                    }
                    _ => {}
                }
                if !code.is_empty() {
                    leg.route.push(code);
                }
                last_loc = Some(s.qualifier());
            }
            "DTM" if !legs.is_empty() => {
                let leg = legs.last_mut().expect("a leg");
                let q = s.qualifier();
                let airport = match q {
                    "189" => leg.departure.clone(),
                    "232" => leg.arrival.clone(),
                    _ => None,
                };
                if q == "189" || q == "232" {
                    let t = match parse_datetime(s.get(0, 1), s.get(0, 2)) {
                        Some(t) => local_to_instant(t, airport.as_deref()),
                        None => return (Err(err(s, 0, "not a date and time", s.get(0, 1))), None, crew_list),
                    };
                    if q == "189" {
                        leg.departure_time = Some(t);
                    } else {
                        leg.arrival_time = Some(t);
                    }
                }
                let _ = last_loc;
            }
            _ => {}
        }
    }
    let Some(leg) = legs.iter().rev().find(|l| l.departure.is_some() && l.arrival.is_some()) else {
        let at = msg
            .iter()
            .find(|s| s.tag == "TDT")
            .map(|s| s.at(1))
            .unwrap_or_else(|| format!("message at segment {}", unh.number));
        return (
            Err(MessageError::Field(FieldError::new(
                at,
                "no flight leg with a departure and an arrival airport (TDT+20 with LOC+125/87 or LOC+92)",
            ))),
            None,
            crew_list,
        );
    };
    let mut itinerary: Vec<String> = Vec::new();
    for l in &legs {
        for a in &l.route {
            if itinerary.last() != Some(a) {
                itinerary.push(a.clone());
            }
        }
    }
    let departure_airport = leg.departure.clone().expect("checked");
    let arrival_airport = leg.arrival.clone().expect("checked");
    let tdt = msg.iter().rfind(|s| s.tag == "TDT").expect("a leg means a TDT");
    for (code, what) in [(&departure_airport, "departure"), (&arrival_airport, "arrival")] {
        if !crate::reference::is_iata_airport(code) {
            return (
                Err(MessageError::Field(
                    FieldError::new(tdt.at(1), format!("{what} airport is not an IATA code")).with_value(code.clone()),
                )),
                None,
                crew_list,
            );
        }
    }
    let (Some(departure_time), Some(arrival_time)) = (leg.departure_time, leg.arrival_time) else {
        return (
            Err(MessageError::Field(FieldError::new(
                tdt.at(1),
                "flight leg without DTM+189 departure or DTM+232 arrival time",
            ))),
            None,
            crew_list,
        );
    };
    // Persons.
    let mut passengers = Vec::new();
    let mut persons = 0usize;
    let mut j = first_person;
    let mut cnt_total: Option<(u32, &Segment)> = None;
    while j < msg.len() {
        let s = &msg[j];
        if s.tag == "NAD" && is_person(s.qualifier()) {
            let mut k = j + 1;
            while k < msg.len() && !(msg[k].tag == "NAD" && is_person(msg[k].qualifier())) && msg[k].tag != "CNT" {
                k += 1;
            }
            let group = &msg[j..k];
            let (first, last) = (group[0].number, group[group.len() - 1].number);
            let mut defects = Vec::new();
            let harmed =
                damage.iter().any(|d| (first..=last).contains(&d.segment)) || (unt.is_none() && k == msg.len());
            match read_person(group, persons, departure_time.date_naive(), &mut defects) {
                Ok(mut p) => {
                    p.damaged = harmed || !defects.is_empty();
                    passengers.push(p)
                }
                Err(e) => report.rejected_passengers.push(e),
            }
            report.field_defects.extend(defects);
            persons += 1;
            j = k;
            continue;
        }
        if s.tag == "CNT" {
            let q = s.get(0, 0);
            // `CNT+42:12` as the guidelines say, `CNT+42+12` as some senders write.
            let n = if s.get(0, 1).is_empty() { s.get(1, 0) } else { s.get(0, 1) };
            if (q == "42" && !crew_list) || (q == "41" && crew_list) {
                match n.trim().parse::<u32>() {
                    Ok(v) => cnt_total = Some((v, s)),
                    Err(_) => report.warnings.push(FieldError::new(s.at(0), "not a number").with_value(n)),
                }
            }
        }
        j += 1;
    }
    for d in damage {
        report.warn(format!("segment {}", d.segment), d.reason);
    }
    let total_passengers = match cnt_total {
        Some((n, s)) => {
            if part.is_none() && n as usize != persons {
                report.warn(s.at(0), format!("total {n} but the message lists {persons} persons"));
            }
            n
        }
        None => persons as u32,
    };
    let base_id = transaction
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| format!("{}-{}-{}", ctx.sender, ctx.interchange_ref, unh.get(0, 0)));
    let message_id = match part {
        Some((n, _)) => format!("{base_id}#{n:02}"),
        None => base_id.clone(),
    };
    let part = part.map(|(number, last)| {
        let access = unh.get(2, 0);
        let group = if access.is_empty() {
            format!("{}|{}|{}", leg.number, departure_time.date_naive(), base_id)
        } else {
            format!("{}|{}", ctx.sender, access)
        };
        Part { number, last, group }
    });
    let flight = Flight {
        carrier: leg.carrier.clone(),
        number: leg.number.clone(),
        departure_airport,
        departure_time,
        arrival_airport: arrival_airport.clone(),
        arrival_time,
        entry_point: arrival_airport,
        itinerary,
        total_passengers,
    };
    let message = ApiMessage {
        message_id,
        sent_at: ctx.sent_at.unwrap_or(departure_time),
        sender: ctx.sender.to_string(),
        transmission,
        flight,
        passengers,
    };
    (Ok(ReadMessage { message, report }), part, crew_list)
}

fn is_person(q: &str) -> bool {
    matches!(q, "FL" | "FM" | "DDU" | "DDT" | "COT")
}

fn role_of(q: &str) -> Role {
    match q {
        "FM" => Role::Crew,
        "DDU" => Role::TransitPassenger,
        "DDT" => Role::TransitCrew,
        _ => Role::Passenger,
    }
}

/// Read one person group; errors name the segment, tag and element.
/// Read one person group; errors name the segment, tag and element. A
/// defective element is dropped into `defects` and the person kept; an empty
/// optional element (`LOC+91+'`) is read as absent. Only a person with no
/// surname and no document number is refused.
fn read_person(
    group: &[Segment],
    index: usize,
    flight_day: NaiveDate,
    defects: &mut Vec<FieldError>,
) -> Result<Passenger, FieldError> {
    let nad = &group[0];
    let fe = |s: &Segment, e: usize, reason: &str, value: &str| {
        FieldError::new(format!("persons[{index}]: {}", s.at(e)), reason).with_value(value)
    };
    // NAD+FL+++SURNAME:GIVEN:MIDDLE (element 4: party name), or C058 in element 3 as some senders do.
    let name_el = if nad.get(3, 0).trim().is_empty() { 2 } else { 3 };
    let mut surname = nad.get(name_el, 0).trim().to_string();
    let given: Vec<&str> = nad.components(name_el).skip(1).map(str::trim).filter(|s| !s.is_empty()).collect();
    let mut given_names = if given.is_empty() { None } else { Some(given.join(" ")) };
    if surname.chars().count() > MAX_NAME_LEN {
        defects.push(FieldError::new(
            format!("persons[{index}]: {}", nad.at(name_el)),
            format!("surname longer than {MAX_NAME_LEN} characters"),
        ));
        surname.clear();
    }
    if given_names.as_ref().is_some_and(|g| g.chars().count() > MAX_NAME_LEN) {
        defects.push(FieldError::new(
            format!("persons[{index}]: {}", nad.at(name_el)),
            format!("given names longer than {MAX_NAME_LEN} characters"),
        ));
        given_names = None;
    }
    let mut p = Passenger {
        index,
        role: role_of(nad.qualifier()),
        surname,
        given_names,
        gender: None,
        date_of_birth: None,
        nationality: None,
        embarkation: None,
        debarkation: None,
        document: None,
        pnr_locator: None,
        damaged: false,
    };
    let country = |s: &Segment, defects: &mut Vec<FieldError>| {
        let code = s.get(1, 0).trim();
        if code.is_empty() {
            return None;
        }
        let c = reference().normalise_country(code);
        if c.is_none() {
            defects.push(fe(s, 1, "not a country code: dropped", code));
        }
        c
    };
    let short = |s: &Segment, e: usize, c: usize, defects: &mut Vec<FieldError>| {
        let v = s.get(e, c).trim();
        if v.chars().count() > MAX_CODE_LEN {
            defects.push(FieldError::new(
                format!("persons[{index}]: {}", s.at(e)),
                format!("longer than {MAX_CODE_LEN} characters: dropped"),
            ));
            return None;
        }
        Some(v.to_string()).filter(|v| !v.is_empty())
    };
    let mut in_doc = false;
    for s in &group[1..] {
        match (s.tag, s.qualifier()) {
            ("ATT", "2") => {
                let g = s.get(2, 0).trim();
                if !g.is_empty() {
                    p.gender = Gender::parse(g);
                    if p.gender.is_none() {
                        defects.push(fe(s, 2, "expected M, F, X or U: dropped", g));
                    }
                }
            }
            ("DTM", q @ ("329" | "36" | "182")) => {
                let raw = s.get(0, 1);
                if raw.trim().is_empty() {
                    continue;
                }
                let kind = match q {
                    "329" => DateKind::Birth,
                    "36" => DateKind::Expiry,
                    _ => DateKind::Issue,
                };
                let Some(d) = parse_date(raw, s.get(0, 2), kind, flight_day) else {
                    defects.push(fe(s, 0, "not a date: dropped", raw));
                    continue;
                };
                match q {
                    "329" => match crate::model::birth_date_defect(d, flight_day) {
                        None => p.date_of_birth = Some(d),
                        Some(why) => defects.push(fe(s, 0, why, raw)),
                    },
                    "36" => p.document.get_or_insert_with(Document::default).expiry_date = Some(d),
                    _ => p.document.get_or_insert_with(Document::default).issue_date = Some(d),
                }
            }
            ("LOC", q @ ("178" | "179")) => {
                let code = s.get(1, 0).trim();
                if code.is_empty() {
                    continue;
                }
                if !crate::reference::is_iata_airport(code) {
                    defects.push(fe(s, 1, "not an IATA airport code: dropped", code));
                } else if q == "178" {
                    p.embarkation = Some(code.to_string());
                } else {
                    p.debarkation = Some(code.to_string());
                }
            }
            ("LOC", "91") => {
                if let Some(c) = country(s, defects) {
                    p.document.get_or_insert_with(Document::default).issuing_country = Some(c);
                }
            }
            ("NAT", "2") => p.nationality = country(s, defects).or(p.nationality.take()),
            ("RFF", "AVF") => p.pnr_locator = short(s, 0, 1, defects),
            ("DOC", _) => {
                // Only the first document is the travel document; visas and others follow it.
                if in_doc {
                    break;
                }
                in_doc = true;
                let doc_type = short(s, 0, 0, defects);
                let number = short(s, 1, 0, defects);
                let d = p.document.get_or_insert_with(Document::default);
                d.doc_type = doc_type;
                d.number = number;
            }
            _ => {}
        }
    }
    if let Some(d) = &mut p.document {
        if let (Some(i), Some(e)) = (d.issue_date, d.expiry_date) {
            if e < i {
                defects.push(FieldError::new(
                    format!("persons[{index}]: DTM+36"),
                    "document expires before it was issued: both dates dropped",
                ));
                (d.issue_date, d.expiry_date) = (None, None);
            }
        }
    }
    let has_document = p.document.as_ref().is_some_and(|d| d.number.is_some());
    if p.surname.is_empty() && !has_document {
        return Err(FieldError::new(
            format!("persons[{index}]: {}", nad.at(name_el)),
            "no surname and no document number: nothing to screen",
        ));
    }
    Ok(p)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DateKind {
    Birth,
    Expiry,
    Issue,
}

/// The number written by ASCII digits `d` (at most 9 of them).
fn digits(d: &[u8]) -> Option<u32> {
    if d.is_empty() || d.len() > 9 || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(d.iter().fold(0u32, |n, c| n * 10 + (c - b'0') as u32))
}

/// A date: `YYMMDD` (no format, or 101), `CCYYMMDD` (102). Two-digit years
/// are resolved so that dates of birth and issue lie in the past and expiry
/// dates in the nearer future, judged at the flight's date.
fn parse_date(raw: &str, format: &str, kind: DateKind, today: NaiveDate) -> Option<NaiveDate> {
    let r = raw.trim().as_bytes();
    match (r.len(), format) {
        (8, "" | "102") => NaiveDate::from_ymd_opt(digits(&r[..4])? as i32, digits(&r[4..6])?, digits(&r[6..])?),
        (6, "" | "101") => {
            let yy = digits(&r[..2])? as i32;
            let (m, d) = (digits(&r[2..4])?, digits(&r[4..6])?);
            let this_century = today.year() / 100 * 100;
            let candidates = [this_century - 100 + yy, this_century + yy, this_century + 100 + yy];
            let year = match kind {
                DateKind::Birth | DateKind::Issue => candidates
                    .iter()
                    .rev()
                    .copied()
                    .find(|y| NaiveDate::from_ymd_opt(*y, m, d).is_some_and(|x| x <= today))?,
                // The expiry date closest to the flight (documents run 1-20 years; expired ones are seen too).
                DateKind::Expiry => *candidates.iter().min_by_key(|y| (**y - today.year()).abs())?,
            };
            NaiveDate::from_ymd_opt(year, m, d)
        }
        _ => None,
    }
}

/// A date and time: `YYMMDDHHMM` (201), `CCYYMMDDHHMM` (203), `CCYYMMDD` (102).
fn parse_datetime(raw: &str, format: &str) -> Option<NaiveDateTime> {
    let r = raw.trim().as_bytes();
    let (date, time): (NaiveDate, &[u8]) = match (r.len(), format) {
        (10, "" | "201") => {
            (NaiveDate::from_ymd_opt(2000 + digits(&r[..2])? as i32, digits(&r[2..4])?, digits(&r[4..6])?)?, &r[6..])
        }
        (12, "" | "203") => {
            (NaiveDate::from_ymd_opt(digits(&r[..4])? as i32, digits(&r[4..6])?, digits(&r[6..8])?)?, &r[8..])
        }
        (8, "" | "102") => {
            return NaiveDate::from_ymd_opt(digits(&r[..4])? as i32, digits(&r[4..6])?, digits(&r[6..])?)
                .map(|d| d.and_time(NaiveTime::MIN))
        }
        _ => return None,
    };
    Some(date.and_time(NaiveTime::from_hms_opt(digits(&time[..2])?, digits(&time[2..])?, 0)?))
}

/// The time zone of an airport, when the reference data knows it.
fn airport_tz(airport: Option<&str>) -> Option<chrono_tz::Tz> {
    airport.and_then(|a| reference().airport(a)).and_then(|a| a.tz.parse().ok())
}

/// A local time at an airport as an instant (UTC when the airport's zone is unknown).
fn local_to_instant(t: NaiveDateTime, airport: Option<&str>) -> DateTime<FixedOffset> {
    match airport_tz(airport) {
        Some(tz) => match tz.from_local_datetime(&t).earliest() {
            Some(lt) => lt.fixed_offset(),
            // A local time inside a daylight-saving gap: read it as the later offset.
            None => tz.from_utc_datetime(&t).fixed_offset(),
        },
        None => Utc.from_utc_datetime(&t).fixed_offset(),
    }
}

fn instant_to_local(t: DateTime<FixedOffset>, airport: &str) -> NaiveDateTime {
    match airport_tz(Some(airport)) {
        Some(tz) => t.with_timezone(&tz).naive_local(),
        None => t.naive_utc(),
    }
}

fn unb_time(date: &str, time: &str) -> Option<DateTime<FixedOffset>> {
    let d = NaiveDate::parse_from_str(&format!("20{}", date.trim()), "%Y%m%d").ok()?;
    let t = NaiveTime::parse_from_str(time.trim(), "%H%M").ok()?;
    Some(Utc.from_utc_datetime(&d.and_time(t)).fixed_offset())
}

/// Tracks the parts of multi-part messages across a replay or a stream, and
/// says which are missing.
#[derive(Debug, Default)]
pub struct PartTracker {
    groups: std::collections::BTreeMap<String, (std::collections::BTreeSet<u32>, Option<u32>)>,
}

impl PartTracker {
    pub fn see(&mut self, p: &Part) {
        let g = self.groups.entry(p.group.clone()).or_default();
        g.0.insert(p.number);
        if p.last {
            g.1 = Some(p.number);
        }
    }

    /// Every incomplete group in words: `GROUP: parts [2] missing`, or
    /// `GROUP: final part (…:F) never arrived`. Group keys are the sender's
    /// references, never personal data.
    pub fn incomplete_described(&self) -> Vec<String> {
        self.incomplete()
            .into_iter()
            .map(|(group, missing, _)| {
                let what = if missing.is_empty() {
                    "final part (…:F) never arrived".to_string()
                } else {
                    format!("parts {missing:?} missing")
                };
                format!("{group}: {what}")
            })
            .collect()
    }

    /// Every group with a gap or without its final part: (group, missing part numbers, final part seen).
    pub fn incomplete(&self) -> Vec<(String, Vec<u32>, bool)> {
        self.groups
            .iter()
            .filter_map(|(g, (seen, last))| {
                let top = last.unwrap_or_else(|| seen.iter().max().copied().unwrap_or(0));
                let missing: Vec<u32> = (1..=top).filter(|n| !seen.contains(n)).collect();
                (!missing.is_empty() || last.is_none()).then(|| (g.clone(), missing, last.is_some()))
            })
            .collect()
    }
}
