//! The PAXLST writer: test manifests as airlines would send them.

use super::{instant_to_local, Separators};
use crate::model::*;

/// How the writer lays out an interchange.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    pub separators: Separators,
    /// Line break after each segment (many senders do).
    pub newlines: bool,
    /// Split the persons into parts of at most this many (0: one message).
    pub part_size: usize,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { separators: Separators::default(), newlines: true, part_size: 0 }
    }
}

struct Writer<'a> {
    sep: &'a Separators,
    out: String,
    newlines: bool,
    count: usize,
}

impl Writer<'_> {
    fn esc(&self, s: &str) -> String {
        let sp = self.sep;
        let mut o = String::with_capacity(s.len());
        for c in s.chars() {
            if c.is_ascii() {
                let b = c as u8;
                if [sp.component, sp.element, sp.segment].contains(&b)
                    || Some(b) == sp.release
                    || (b == sp.repetition && b != b' ')
                {
                    if let Some(r) = sp.release {
                        o.push(r as char);
                    }
                }
            }
            o.push(c);
        }
        o
    }
    /// Write a segment from elements of components (escaped here).
    fn seg(&mut self, tag: &str, elements: &[&[&str]]) {
        let mut s = tag.to_string();
        for el in elements {
            s.push(self.sep.element as char);
            let comps: Vec<String> = el.iter().map(|c| self.esc(c)).collect();
            s.push_str(&comps.join(&(self.sep.component as char).to_string()));
        }
        // Trailing empty elements are left out.
        while s.ends_with(self.sep.element as char) {
            s.pop();
        }
        s.push(self.sep.segment as char);
        if self.newlines {
            s.push('\n');
        }
        self.out.push_str(&s);
        self.count += 1;
    }
}

/// Write one message as a PAXLST interchange (D05B), in parts when asked.
pub fn write(m: &ApiMessage, opts: &WriteOptions) -> String {
    let sp = &opts.separators;
    let mut w = Writer { sep: sp, out: String::new(), newlines: opts.newlines, count: 0 };
    let rel = sp.release.unwrap_or(b' ');
    w.out.push_str(&format!(
        "UNA{}{}{}{}{}{}",
        sp.component as char,
        sp.element as char,
        sp.decimal as char,
        rel as char,
        sp.repetition as char,
        sp.segment as char
    ));
    if opts.newlines {
        w.out.push('\n');
    }
    let sent = m.sent_at.naive_utc();
    let (d, t) = (sent.format("%y%m%d").to_string(), sent.format("%H%M").to_string());
    let control = "1";
    w.seg("UNB", &[&["UNOA", "4"], &[&m.sender, "ZZ"], &["API-RECEIVER", "ZZ"], &[&d, &t], &[control]]);
    w.seg("UNG", &[&["PAXLST"], &[&m.sender], &["API-RECEIVER"], &[&d, &t], &[control], &["UN"], &["D", "05B"]]);
    let crew_only =
        !m.passengers.is_empty() && m.passengers.iter().all(|p| matches!(p.role, Role::Crew | Role::TransitCrew));
    let chunks: Vec<&[Passenger]> = if opts.part_size == 0 || m.passengers.len() <= opts.part_size {
        vec![&m.passengers[..]]
    } else {
        m.passengers.chunks(opts.part_size).collect()
    };
    let parts = chunks.len();
    for (pi, chunk) in chunks.iter().enumerate() {
        let before = w.count;
        let reference = format!("M{}", pi + 1);
        let seq = format!("{:02}", pi + 1);
        let access = m.message_id.chars().filter(|c| c.is_ascii_alphanumeric()).take(35).collect::<String>();
        if parts > 1 {
            let last = if pi + 1 == parts { "F" } else { "C" };
            w.seg("UNH", &[&[&reference], &["PAXLST", "D", "05B", "UN", "IATA"], &[&access], &[&seq, last]]);
        } else {
            w.seg("UNH", &[&[&reference], &["PAXLST", "D", "05B", "UN", "IATA"]]);
        }
        match m.transmission.bgm(crew_only) {
            (code, "") => w.seg("BGM", &[&[code]]),
            (code, identifier) => w.seg("BGM", &[&[code], &[identifier]]),
        }
        w.seg("RFF", &[&["TN", &m.message_id]]);
        w.seg("NAD", &[&["MS"], &[], &[], &["API CONTACT"]]);
        let f = &m.flight;
        w.seg("TDT", &[&["20"], &[&f.number], &[], &[], &[&f.carrier]]);
        for a in f.itinerary.iter().take_while(|a| **a != f.departure_airport) {
            w.seg("LOC", &[&["92"], &[a]]);
        }
        let dep = instant_to_local(f.departure_time, &f.departure_airport).format("%Y%m%d%H%M").to_string();
        let arr = instant_to_local(f.arrival_time, &f.arrival_airport).format("%Y%m%d%H%M").to_string();
        w.seg("LOC", &[&["125"], &[&f.departure_airport]]);
        w.seg("DTM", &[&["189", &dep, "203"]]);
        w.seg("LOC", &[&["87"], &[&f.arrival_airport]]);
        w.seg("DTM", &[&["232", &arr, "203"]]);
        for p in chunk.iter() {
            let q = match p.role {
                Role::Passenger => "FL",
                Role::Crew => "FM",
                Role::TransitPassenger => "DDU",
                Role::TransitCrew => "DDT",
            };
            let mut name: Vec<&str> = vec![&p.surname];
            if let Some(g) = &p.given_names {
                name.push(g);
            }
            w.seg("NAD", &[&[q], &[], &[], &name]);
            if let Some(g) = p.gender {
                w.seg("ATT", &[&["2"], &[], &[g.as_str()]]);
            }
            if let Some(d) = p.date_of_birth {
                w.seg("DTM", &[&["329", &d.format("%Y%m%d").to_string(), "102"]]);
            }
            if let Some(e) = &p.embarkation {
                w.seg("LOC", &[&["178"], &[e]]);
            }
            if let Some(e) = &p.debarkation {
                w.seg("LOC", &[&["179"], &[e]]);
            }
            if let Some(n) = &p.nationality {
                w.seg("NAT", &[&["2"], &[n]]);
            }
            if let Some(l) = &p.pnr_locator {
                w.seg("RFF", &[&["AVF", l]]);
            }
            if let Some(d) = &p.document {
                w.seg("DOC", &[&[d.doc_type.as_deref().unwrap_or("")], &[d.number.as_deref().unwrap_or("")]]);
                if let Some(x) = d.expiry_date {
                    w.seg("DTM", &[&["36", &x.format("%Y%m%d").to_string(), "102"]]);
                }
                if let Some(x) = d.issue_date {
                    w.seg("DTM", &[&["182", &x.format("%Y%m%d").to_string(), "102"]]);
                }
                if let Some(c) = &d.issuing_country {
                    w.seg("LOC", &[&["91"], &[c]]);
                }
            }
        }
        let total = f.total_passengers.to_string();
        w.seg("CNT", &[&[if crew_only { "41" } else { "42" }, &total]]);
        let n = (w.count - before + 1).to_string();
        w.seg("UNT", &[&[&n], &[&reference]]);
    }
    w.seg("UNE", &[&[&parts.to_string()], &[control]]);
    w.seg("UNZ", &[&["1"], &[control]]);
    w.out
}
