//! The screening-ready watchlist: entries plus a candidate index whose cost
//! per passenger does not grow with the size of the list.
//!
//! Every significant token of every name (primary and aliases) is indexed
//! under its skeleton key and, for skeletons of four or more letters, under
//! each single-deletion variant of it (a symmetric-deletion index: one typo,
//! insertion or deletion on either side still meets). Tokens written in an
//! abjad are keyed by consonants alone, and every passenger token also asks
//! that key space. A name variant becomes a candidate when two of the
//! passenger's tokens reach it, when a rare token (short posting list)
//! reaches it, or when it has a single token. Candidates are then scored
//! with the same comparison the exhaustive matcher uses; documents are
//! looked up by exact and by confusion-folded number.

use super::compare::*;
use super::normalize::Token;
use super::watchlist::Entry;
use crate::model::Passenger;
use chrono::NaiveDate;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};
use serde::Serialize;
use std::cell::RefCell;
use std::hash::{Hash, Hasher};

/// The default decision threshold on the calibrated score (see `docs/matching.md`).
pub const DEFAULT_THRESHOLD: f64 = 0.85;
/// Candidates below this name score are not worth a full explanation.
const NAME_FLOOR: f64 = 0.5;
/// A token whose postings are at most this long makes candidates on its own.
const RARE_POSTINGS: usize = 32;

/// A passenger prepared once for comparison against any number of entries.
#[derive(Debug, Clone)]
pub struct PreparedPassenger {
    pub name: PreparedName,
    pub date_of_birth: Option<NaiveDate>,
    pub nationality: Option<String>,
    pub document: Option<(Option<String>, String, String)>,
}

impl PreparedPassenger {
    pub fn new(p: &Passenger) -> PreparedPassenger {
        let document = p.document.as_ref().and_then(|d| {
            let n = normalise_document(d.number.as_deref()?);
            if n.is_empty() {
                return None;
            }
            let c = confusable_document(&n);
            Some((d.issuing_country.clone(), n, c))
        });
        PreparedPassenger {
            name: PreparedName::new(&p.surname, p.given_names.as_deref().unwrap_or("")),
            date_of_birth: p.date_of_birth,
            nationality: p.nationality.clone(),
            document,
        }
    }
}

/// One entry that scored at or above the threshold, with why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WatchlistMatch {
    #[serde(skip)]
    pub entry: u32,
    pub score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<NameEvidence>,
    /// 0 for the primary name, n for the n-th alias.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_variant: Option<usize>,
    pub date_of_birth: DobEvidence,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentEvidence>,
    /// Nationality supports or weakens, never decides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nationality_agrees: Option<bool>,
}

/// Score one entry against one passenger. Shared by the index and the
/// exhaustive matcher, so both decide alike.
pub fn score_entry(entry: &Entry, idx: u32, p: &PreparedPassenger) -> Option<WatchlistMatch> {
    // Best name variant, by score alone; the explanation is built for hits only.
    let mut best: Option<(usize, f64)> = None;
    if !p.name.is_empty() {
        for (i, n) in entry.names.iter().enumerate() {
            let s = name_similarity(n, &p.name);
            if best.map_or(true, |(_, b)| s > b) {
                best = Some((i, s));
            }
        }
    }
    let document = p.document.as_ref().and_then(|(issuer, num, conf)| {
        let mut found = None;
        for d in &entry.documents {
            let issuer_ok = match (&d.issuer, issuer) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
            if !issuer_ok {
                continue;
            }
            if &d.number == num {
                return Some(DocumentEvidence::Exact);
            }
            if &d.confusable == conf {
                found = Some(DocumentEvidence::Confusable);
            }
        }
        found
    });
    let name_score = best.map_or(0.0, |(_, s)| s);
    if name_score < NAME_FLOOR && document.is_none() {
        return None;
    }
    let dob = compare_dob(entry.date_of_birth, p.date_of_birth);
    let nationality_agrees = match (&entry.nationality, &p.nationality) {
        (Some(a), Some(b)) => Some(a == b),
        _ => None,
    };
    let mut score = if name_score >= NAME_FLOOR { name_score + dob.adjustment() } else { 0.0 };
    if nationality_agrees == Some(false) {
        score -= 0.05;
    }
    match document {
        Some(DocumentEvidence::Exact) => score = (score + 0.3).max(if entry.names.is_empty() { 1.0 } else { 0.95 }),
        Some(DocumentEvidence::Confusable) => score = (score + 0.15).max(0.88),
        None => {}
    }
    let score = round3(score.clamp(0.0, 1.0));
    Some(WatchlistMatch {
        entry: idx,
        score,
        name_variant: best.filter(|(_, s)| *s >= NAME_FLOOR).map(|(i, _)| i),
        name: None,
        date_of_birth: dob,
        document,
        nationality_agrees,
    })
}

/// Add the name explanation to a match (done for hits only).
pub fn explain(entry: &Entry, p: &PreparedPassenger, mut m: WatchlistMatch) -> WatchlistMatch {
    if let Some(i) = m.name_variant {
        m.name = Some(compare_names(&entry.names[i], &p.name));
    }
    m
}

/// A loaded, indexed watchlist snapshot. Immutable: a new version replaces
/// it whole (see [`crate::screening::Screener::reload_watchlist`]).
pub struct Watchlist {
    pub version: String,
    pub threshold: f64,
    entries: Vec<Entry>,
    /// Name variant → (entry, token count).
    variants: Vec<(u32, u8)>,
    keys: FxHashMap<u64, (u32, u32)>,
    postings: Vec<u32>,
    docs: FxHashMap<String, Vec<u32>>,
    docs_confusable: FxHashMap<String, Vec<u32>>,
}

struct Scratch {
    query_mark: Vec<u32>,
    /// Entry tokens of the variant reached by any key.
    reached: Vec<u16>,
    /// Entry tokens reached by an exact (not deletion) key.
    exact: Vec<u16>,
    /// Reached by a rare token: a candidate whatever else.
    forced: Vec<bool>,
    entry_mark: Vec<u32>,
    serial: u32,
    touched: Vec<u32>,
}

impl Scratch {
    fn fit(&mut self, variants: usize, entries: usize) {
        if self.query_mark.len() < variants {
            self.query_mark.resize(variants, 0);
            self.reached.resize(variants, 0);
            self.exact.resize(variants, 0);
            self.forced.resize(variants, false);
        }
        if self.entry_mark.len() < entries {
            self.entry_mark.resize(entries, 0);
        }
    }
    fn next(&mut self) -> u32 {
        if self.serial == u32::MAX {
            self.query_mark.iter_mut().for_each(|m| *m = 0);
            self.entry_mark.iter_mut().for_each(|m| *m = 0);
            self.serial = 0;
        }
        self.serial += 1;
        self.serial
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch {
        query_mark: Vec::new(), reached: Vec::new(), exact: Vec::new(), forced: Vec::new(), entry_mark: Vec::new(),
        serial: 0, touched: Vec::new(),
    });
}

/// A posting is `variant << TOKEN_BITS | token`: which name variant, and
/// which of its tokens the key came from, so that candidates are counted by
/// distinct entry tokens reached.
const TOKEN_BITS: u32 = 4;
const MAX_INDEXED_TOKENS: usize = 1 << TOKEN_BITS;

const FAMILY_SKELETON: u8 = 0;
const FAMILY_CONSONANTS: u8 = 1;

fn key_hash(family: u8, s: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    family.hash(&mut h);
    s.hash(&mut h);
    h.finish()
}

/// Deletion variants shorter than this are too common to be worth a lookup.
const MIN_DELETION_KEY: usize = 3;

/// Push a key and its single-deletion variants (for keys of 5+ letters).
fn push_with_deletions(family: u8, key: &str, out: &mut Vec<u64>) {
    let b = key.as_bytes();
    if b.is_empty() {
        return;
    }
    out.push(key_hash(family, b));
    if b.len() >= MIN_DELETION_KEY + 1 {
        let mut buf = Vec::with_capacity(b.len());
        for i in 0..b.len() {
            if i > 0 && b[i] == b[i - 1] {
                continue; // same variant as deleting i-1
            }
            buf.clear();
            buf.extend_from_slice(&b[..i]);
            buf.extend_from_slice(&b[i + 1..]);
            // Skeletons keep one `A` per vowel run: a deletion that joins two runs joins them.
            if family == FAMILY_SKELETON {
                buf.dedup_by(|x, y| *x == b'A' && *y == b'A');
            }
            out.push(key_hash(family, &buf));
        }
    }
}

/// Keys an entry token is indexed under.
fn entry_token_keys(t: &Token, out: &mut Vec<u64>) {
    if t.abjad {
        push_with_deletions(FAMILY_CONSONANTS, &t.skeleton, out);
    } else {
        push_with_deletions(FAMILY_SKELETON, &t.skeleton, out);
        if let Some(j) = &t.joined {
            push_with_deletions(FAMILY_SKELETON, &super::normalize::skeleton(j), out);
        }
    }
}

/// Keys a passenger token asks for, each with whether it is exact (not a deletion variant).
fn query_token_keys(t: &Token, out: &mut Vec<(u64, bool)>) {
    let mut push = |family: u8, key: &str| {
        let mut ks = Vec::new();
        push_with_deletions(family, key, &mut ks);
        out.extend(ks.into_iter().enumerate().map(|(i, k)| (k, i == 0)));
    };
    if t.abjad {
        push(FAMILY_CONSONANTS, &t.skeleton);
        return;
    }
    push(FAMILY_SKELETON, &t.skeleton);
    push(FAMILY_CONSONANTS, &super::normalize::consonants(&t.folded));
    if let Some(j) = &t.joined {
        push(FAMILY_SKELETON, &super::normalize::skeleton(j));
    }
}

impl Watchlist {
    /// Index `entries`. `version` identifies the list content in every hit.
    pub fn build(entries: Vec<Entry>, version: String) -> Watchlist {
        let mut variants = Vec::new();
        for (ei, e) in entries.iter().enumerate() {
            for n in &e.names {
                variants.push((ei as u32, n.tokens.len().min(255) as u8));
            }
        }
        // (key, variant) pairs, built in parallel per entry.
        let mut offsets = Vec::with_capacity(entries.len());
        let mut acc = 0u32;
        for e in &entries {
            offsets.push(acc);
            acc += e.names.len() as u32;
        }
        let mut pairs: Vec<(u64, u32)> = entries
            .par_iter()
            .zip(offsets.par_iter())
            .flat_map_iter(|(e, &first)| {
                let mut out = Vec::new();
                let mut keys = Vec::new();
                for (ni, n) in e.names.iter().enumerate() {
                    let variant = first + ni as u32;
                    for (ti, t) in n.tokens.iter().enumerate().take(MAX_INDEXED_TOKENS) {
                        keys.clear();
                        entry_token_keys(t, &mut keys);
                        // Two names written as one (TRUNG PHUC / TRUNGPHUC), under the second's bit.
                        if ti > 0 && !t.abjad {
                            let joined = super::normalize::fold(&format!("{}{}", n.tokens[ti - 1].text, t.text));
                            push_with_deletions(FAMILY_SKELETON, &super::normalize::skeleton(&joined), &mut keys);
                        }
                        keys.sort_unstable();
                        keys.dedup();
                        out.extend(keys.iter().map(|k| (*k, variant << TOKEN_BITS | ti as u32)));
                    }
                }
                out
            })
            .collect();
        pairs.par_sort_unstable();
        pairs.dedup();
        let mut keys = FxHashMap::default();
        keys.reserve(pairs.len() / 4);
        let mut postings = Vec::with_capacity(pairs.len());
        let mut i = 0;
        while i < pairs.len() {
            let k = pairs[i].0;
            let start = postings.len() as u32;
            while i < pairs.len() && pairs[i].0 == k {
                postings.push(pairs[i].1);
                i += 1;
            }
            keys.insert(k, (start, postings.len() as u32 - start));
        }
        drop(pairs);
        let mut docs: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        let mut docs_confusable: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for (ei, e) in entries.iter().enumerate() {
            for d in &e.documents {
                docs.entry(d.number.clone()).or_default().push(ei as u32);
                docs_confusable.entry(d.confusable.clone()).or_default().push(ei as u32);
            }
        }
        Watchlist { version, threshold: DEFAULT_THRESHOLD, entries, variants, keys, postings, docs, docs_confusable }
    }

    pub fn with_threshold(mut self, t: f64) -> Watchlist {
        self.threshold = t;
        self
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn entry(&self, i: u32) -> &Entry {
        &self.entries[i as usize]
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Approximate heap bytes held by the index (not the entries).
    pub fn index_bytes(&self) -> usize {
        self.postings.len() * 4 + self.keys.len() * 24 + self.variants.len() * 8
    }

    /// Entries the index proposes for this passenger (before scoring).
    pub fn candidates(&self, p: &PreparedPassenger) -> Vec<u32> {
        let mut out = Vec::new();
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            s.fit(self.variants.len(), self.entries.len());
            self.collect_candidates(p, &mut s, &mut out);
        });
        out
    }

    fn collect_candidates(&self, p: &PreparedPassenger, s: &mut Scratch, out: &mut Vec<u32>) {
        let q = s.next();
        s.touched.clear();
        let single_pax_token = p.name.tokens.len() == 1;
        let mut keys: Vec<(u64, bool)> = Vec::with_capacity(32);
        let toks = &p.name.tokens;
        for (ti, t) in toks.iter().enumerate() {
            keys.clear();
            query_token_keys(t, &mut keys);
            // One name written as two (ANNAMARIA / ANNA MARIA).
            if ti + 1 < toks.len() && !t.abjad {
                let joined = super::normalize::fold(&format!("{}{}", t.text, toks[ti + 1].text));
                let mut ks = Vec::new();
                push_with_deletions(FAMILY_SKELETON, &super::normalize::skeleton(&joined), &mut ks);
                keys.extend(ks.into_iter().enumerate().map(|(i, k)| (k, i == 0)));
            }
            keys.sort_unstable();
            keys.dedup_by_key(|k| k.0);
            let mut total = 0usize;
            for &(k, _) in &keys {
                total += self.keys.get(&k).map_or(0, |r| r.1 as usize);
            }
            let rare = total <= RARE_POSTINGS;
            for &(k, exact) in &keys {
                let Some(&(start, len)) = self.keys.get(&k) else { continue };
                for &posting in &self.postings[start as usize..(start + len) as usize] {
                    let v = (posting >> TOKEN_BITS) as usize;
                    let bit = 1u16 << (posting & (MAX_INDEXED_TOKENS as u32 - 1));
                    if s.query_mark[v] != q {
                        s.query_mark[v] = q;
                        s.reached[v] = 0;
                        s.exact[v] = 0;
                        s.forced[v] = false;
                        s.touched.push(v as u32);
                    }
                    s.reached[v] |= bit;
                    if exact {
                        s.exact[v] |= bit;
                    }
                    s.forced[v] |= rare;
                }
            }
        }
        for ti in 0..s.touched.len() {
            let v = s.touched[ti] as usize;
            let (entry, ntok) = self.variants[v];
            let reached = s.reached[v].count_ones();
            let candidate = s.forced[v] || (s.exact[v] != 0 && (reached >= 2 || ntok <= 1 || single_pax_token));
            if candidate && s.entry_mark[entry as usize] != q {
                s.entry_mark[entry as usize] = q;
                out.push(entry);
            }
        }
        if let Some((_, num, conf)) = &p.document {
            for list in [self.docs.get(num), self.docs_confusable.get(conf)].into_iter().flatten() {
                for &e in list {
                    if s.entry_mark[e as usize] != q {
                        s.entry_mark[e as usize] = q;
                        out.push(e);
                    }
                }
            }
        }
    }

    /// Screen one passenger through the index: every entry valid on `day`
    /// scoring at or above the threshold, best first.
    pub fn screen(&self, p: &PreparedPassenger, day: NaiveDate) -> Vec<WatchlistMatch> {
        let mut hits = Vec::new();
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            s.fit(self.variants.len(), self.entries.len());
            let mut cands = Vec::new();
            self.collect_candidates(p, &mut s, &mut cands);
            drop(s);
            for e in cands {
                let entry = &self.entries[e as usize];
                if !entry.is_valid_on(day) {
                    continue;
                }
                if let Some(m) = score_entry(entry, e, p) {
                    if m.score >= self.threshold {
                        hits.push(explain(entry, p, m));
                    }
                }
            }
        });
        sort_matches(&mut hits);
        hits
    }

    /// The exhaustive reference matcher: every entry scored. The oracle for
    /// the index, and the baseline in the benches.
    pub fn screen_exhaustive(&self, p: &PreparedPassenger, day: NaiveDate) -> Vec<WatchlistMatch> {
        let mut hits: Vec<WatchlistMatch> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_valid_on(day))
            .filter_map(|(i, e)| score_entry(e, i as u32, p))
            .filter(|m| m.score >= self.threshold)
            .map(|m| explain(&self.entries[m.entry as usize], p, m))
            .collect();
        sort_matches(&mut hits);
        hits
    }
}

fn sort_matches(hits: &mut [WatchlistMatch]) {
    hits.sort_by(|a, b| b.score.partial_cmp(&a.score).unwrap_or(std::cmp::Ordering::Equal).then(a.entry.cmp(&b.entry)));
}
