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
use super::watchlist::{Entry, ListedDocument};
use crate::model::PartialDate;
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
/// A token whose postings are longer than this is common: it confirms
/// candidates and is looked up in pairs, but its postings are not scanned.
pub const COMMON_POSTINGS: usize = 256;
/// When every name of a passenger is common, the least common is still
/// scanned if it has at most this many times [`COMMON_POSTINGS`].
const FALLBACK_FACTOR: usize = 4;
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
    /// Per name variant (an entry's primary name or an alias).
    variants: Vec<VariantInfo>,
    /// Pairs of a surname token with another token, by skeletons: how
    /// passengers whose every name is common find their candidates.
    pair_keys: FxHashMap<u64, (u32, u32)>,
    /// `variant << 8 | token_a << 4 | token_b`.
    pair_postings: Vec<u32>,
    keys: FxHashMap<u64, (u32, u32)>,
    postings: Vec<u32>,
    /// Each token under the entry's full date of birth (or year and month).
    dob_keys: DobKeys,
    docs: FxHashMap<String, Vec<u32>>,
    docs_confusable: FxHashMap<String, Vec<u32>>,
    /// Whether any name is written in an abjad (else passengers need not ask those keys).
    has_abjad: bool,
    /// Tokens with more postings than this are common (see [`COMMON_POSTINGS`]).
    common_postings: usize,
    /// Every name token of the list, for cutting a passenger's joined names.
    segmenter: super::segment::Segmenter,
    /// Whether any name is in another script (else passengers need not ask the coarse keys).
    has_cross: bool,
}

/// One name variant of an entry, with what candidate selection needs
/// without touching the entry itself (one cache line for several).
#[derive(Clone, Copy)]
struct VariantInfo {
    entry: u32,
    /// Which of the entry's names.
    name: u8,
    tokens: u8,
    /// Bits of its surname tokens.
    surname_bits: u16,
    /// The entry's date of birth: a passenger born on another date cannot
    /// reach the threshold on the name alone (see [`DobEvidence::Mismatch`]).
    date_of_birth: Option<PartialDate>,
}

/// What one query found out about one name variant; one cache line holds
/// eight of them, so a posting costs one memory access.
#[derive(Clone, Copy, Default)]
struct VariantState {
    /// The query serial this state belongs to (stale otherwise).
    mark: u32,
    /// Entry tokens of the variant reached by any key.
    reached: u16,
    /// Entry tokens reached by an exact (not deletion) key; the top bit: reached by a rare token.
    exact: u16,
}

const FORCED: u16 = 1 << 15;

struct Scratch {
    variants: Vec<VariantState>,
    entry_mark: Vec<u32>,
    serial: u32,
    touched: Vec<u32>,
}

impl Scratch {
    fn fit(&mut self, variants: usize, entries: usize) {
        if self.variants.len() < variants {
            self.variants.resize(variants, VariantState::default());
        }
        if self.entry_mark.len() < entries {
            self.entry_mark.resize(entries, 0);
        }
    }
    /// The state of variant `v` for query `q`, fresh (and remembered as
    /// touched) the first time this query reaches it.
    fn touch(&mut self, v: usize, q: u32) -> &mut VariantState {
        let st = &mut self.variants[v];
        if st.mark != q {
            *st = VariantState { mark: q, reached: 0, exact: 0 };
            self.touched.push(v as u32);
        }
        st
    }

    fn next(&mut self) -> u32 {
        if self.serial == u32::MAX {
            self.variants.iter_mut().for_each(|m| m.mark = 0);
            self.entry_mark.iter_mut().for_each(|m| *m = 0);
            self.serial = 0;
        }
        self.serial += 1;
        self.serial
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch { variants: Vec::new(), entry_mark: Vec::new(), serial: 0, touched: Vec::new() })
    };
}

/// A posting is `variant << TOKEN_BITS | token`: which name variant, and
/// which of its tokens the key came from, so that candidates are counted by
/// distinct entry tokens reached.
const TOKEN_BITS: u32 = 4;
/// 15, not 16: the top bit of [`VariantState::exact`] marks a rare-token hit.
const MAX_INDEXED_TOKENS: usize = (1 << TOKEN_BITS) - 1;

/// A passenger token this long that no key knows is cut into known names.
const MIN_JOINED: usize = 6;
const FAMILY_SKELETON: u8 = 0;
const FAMILY_CONSONANTS: u8 = 1;
const FAMILY_FOLDED: u8 = 2;
/// A class of `data/name-variants.txt` (PARK / PAK / BAK).
const FAMILY_VARIANT: u8 = 4;
/// A line of `data/nicknames.txt` (short forms of given names).
const FAMILY_NICKNAME: u8 = 5;

/// A name in another script under its coarse key ([`super::phonetic`]).
const FAMILY_COARSE: u8 = 6;

/// Coarse keys of a token (and, for an abjad one, without its article):
/// exact keys only, as [`super::compare::token_similarity`] accepts.
fn coarse_keys(t: &Token, out: &mut Vec<(u64, bool)>) {
    use super::phonetic::{without_article, MIN_KEY};
    for k in super::phonetic::coarse_keys(&t.text, t.native) {
        let rest = if t.abjad { without_article(&k) } else { None };
        for key in std::iter::once(k.as_str()).chain(rest) {
            if key.len() >= MIN_KEY {
                push_key(out, FAMILY_COARSE, key.as_bytes(), false);
            }
        }
    }
}

/// Keys of a token's nickname lines (BILL and WILLIAM share one).
fn nickname_keys(t: &Token, out: &mut Vec<(u64, bool)>) {
    if !t.abjad {
        for c in super::nicknames::nickname_classes(&t.folded) {
            push_key(out, FAMILY_NICKNAME, &c.to_le_bytes(), false);
        }
    }
}

fn key_hash(family: u8, s: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    family.hash(&mut h);
    s.hash(&mut h);
    h.finish()
}

/// Folded spellings shorter than this get no deletion keys: one edit in a
/// four-letter name is too common to be worth a lookup.
const MIN_FOLDED_FOR_DELETIONS: usize = 4;
/// The same for consonant skeletons (abjad).
const MIN_CONSONANTS_FOR_DELETIONS: usize = 4;

fn push_key(out: &mut Vec<(u64, bool)>, family: u8, key: &[u8], exact: bool) {
    if !key.is_empty() {
        out.push((key_hash(family, key), exact));
    }
}

/// Every single-deletion variant of `b` (symmetric deletion: one typo,
/// insertion or deletion on either side still meets).
fn push_deletions(out: &mut Vec<(u64, bool)>, family: u8, b: &[u8]) {
    let mut buf = Vec::with_capacity(b.len());
    for i in 0..b.len() {
        if i > 0 && b[i] == b[i - 1] {
            continue; // same variant as deleting i-1
        }
        buf.clear();
        buf.extend_from_slice(&b[..i]);
        buf.extend_from_slice(&b[i + 1..]);
        // Folded spellings have no doubled letters: neither may their variants (VATAABE → VATABE).
        if family == FAMILY_FOLDED {
            buf.dedup();
        }
        push_key(out, family, &buf, false);
    }
}

/// Keys of one folded Latin spelling: its skeleton (romanisation variants
/// that differ in vowels only meet there), the folded form itself, and its
/// deletion variants.
fn latin_keys(folded: &str, out: &mut Vec<(u64, bool)>) {
    exact_latin_keys(folded, out);
    if folded.len() >= MIN_FOLDED_FOR_DELETIONS {
        push_deletions(out, FAMILY_FOLDED, folded.as_bytes());
    }
}

/// The exact keys only: for joined names (ANNA MARIA / ANNAMARIA), where a
/// typo on top is rare enough not to pay for.
fn exact_latin_keys(folded: &str, out: &mut Vec<(u64, bool)>) {
    push_key(out, FAMILY_SKELETON, super::normalize::skeleton(folded).as_bytes(), true);
    push_key(out, FAMILY_FOLDED, folded.as_bytes(), true);
}

fn consonant_keys(consonants: &str, out: &mut Vec<(u64, bool)>) {
    push_key(out, FAMILY_CONSONANTS, consonants.as_bytes(), true);
    if consonants.len() >= MIN_CONSONANTS_FOR_DELETIONS {
        push_deletions(out, FAMILY_CONSONANTS, consonants.as_bytes());
    }
}

/// Keys of one token; each says whether it is exact (not a deletion variant).
/// A passenger's Latin token also asks the consonant keys, where names
/// written in Arabic or Hebrew script are.
fn token_keys(t: &Token, query_abjad: bool, out: &mut Vec<(u64, bool)>) {
    if t.abjad {
        consonant_keys(&t.skeleton, out);
        return;
    }
    latin_keys(&t.folded, out);
    for j in t.alternates() {
        latin_keys(j, out);
    }
    if t.has_variants {
        for c in super::normalize::variant_classes(&t.folded) {
            push_key(out, FAMILY_VARIANT, &c.to_le_bytes(), true);
        }
    }
    if query_abjad {
        consonant_keys(&super::normalize::consonants(&t.folded), out);
    }
}

const FAMILY_PAIR: u8 = 3;

/// The key of two skeletons, in either order.
fn pair_key(a: &str, b: &str) -> u64 {
    let (x, y) = if a <= b { (a, b) } else { (b, a) };
    let mut h = FxHasher::default();
    FAMILY_PAIR.hash(&mut h);
    x.hash(&mut h);
    y.hash(&mut h);
    h.finish()
}

/// Pair postings: every surname token of every name with each other token.
fn build_pairs(entries: &[Entry], offsets: &[u32]) -> (FxHashMap<u64, (u32, u32)>, Vec<u32>) {
    let pairs = sorted_pairs(entries, offsets, |e, first, out| {
        for (ni, n) in e.names.iter().enumerate() {
            let v = first + ni as u32;
            let toks = &n.tokens[..n.tokens.len().min(MAX_INDEXED_TOKENS)];
            for i in 0..n.surname_len.min(toks.len()) {
                for j in 0..toks.len() {
                    if j == i || (j < n.surname_len && j < i) || toks[i].abjad || toks[j].abjad {
                        continue;
                    }
                    out.push((pair_key(&toks[i].skeleton, &toks[j].skeleton), v << 8 | (i as u32) << 4 | j as u32));
                }
            }
        }
    });
    csr(pairs)
}

/// A date of birth as a key part: a full date, or a year and month.
fn tag_full(d: NaiveDate) -> u32 {
    use chrono::Datelike;
    (d.year() as u32 * 13 + d.month()) * 32 + d.day()
}

fn tag_year_month(y: i32, m: u32) -> u32 {
    1 << 30 | (y as u32 * 13 + m)
}

/// The entry dates a passenger born on `d` agrees with as [`compare_dob`]
/// says: the same date, day and month swapped, the same day a year off, and
/// the year-and-month forms of the first two.
fn pax_date_tags(d: NaiveDate) -> impl Iterator<Item = u32> {
    use chrono::Datelike;
    let (y, m, dd) = (d.year(), d.month(), d.day());
    let swapped = NaiveDate::from_ymd_opt(y, dd, m).filter(|s| *s != d);
    let before = NaiveDate::from_ymd_opt(y - 1, m, dd);
    let after = NaiveDate::from_ymd_opt(y + 1, m, dd);
    let ym_swapped = (dd <= 12 && dd != m).then(|| tag_year_month(y, dd));
    [
        Some(tag_full(d)),
        swapped.map(tag_full),
        before.map(tag_full),
        after.map(tag_full),
        Some(tag_year_month(y, m)),
        ym_swapped,
    ]
    .into_iter()
    .flatten()
}

fn dob_key(tag: u32, folded: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    FAMILY_DOB.hash(&mut h);
    tag.hash(&mut h);
    folded.hash(&mut h);
    h.finish()
}

const FAMILY_DOB: u8 = 5;

/// (date of birth, token) keys: a sorted array of key hashes with a
/// directory on their top bits — two memory accesses a lookup, 12 bytes a
/// token (a hash map would take twice that for keys that are nearly all
/// distinct).
#[derive(Default)]
struct DobKeys {
    shift: u32,
    directory: Vec<u32>,
    hashes: Vec<u64>,
    postings: Vec<u32>,
}

impl DobKeys {
    fn build(entries: &[Entry], offsets: &[u32]) -> DobKeys {
        let pairs = sorted_pairs(entries, offsets, |e, first, out| {
            let tag = match e.date_of_birth {
                Some(PartialDate::Full(d)) => tag_full(d),
                Some(PartialDate::YearMonth(y, m)) => tag_year_month(y, m),
                _ => return,
            };
            for (ni, n) in e.names.iter().enumerate() {
                let v = first + ni as u32;
                for (ti, t) in n.tokens.iter().enumerate().take(MAX_INDEXED_TOKENS) {
                    if !t.abjad {
                        out.push((dob_key(tag, t.folded.as_bytes()), v << TOKEN_BITS | ti as u32));
                    }
                }
            }
        });
        // About four keys a directory slot.
        let bits = (pairs.len() / 4).max(1).next_power_of_two().trailing_zeros().clamp(1, 24);
        let shift = 64 - bits;
        let mut directory = vec![0u32; (1usize << bits) + 1];
        for &(h, _) in &pairs {
            directory[(h >> shift) as usize + 1] += 1;
        }
        for i in 1..directory.len() {
            directory[i] += directory[i - 1];
        }
        let (hashes, postings) = pairs.into_iter().unzip();
        DobKeys { shift, directory, hashes, postings }
    }

    fn get(&self, key: u64) -> impl Iterator<Item = u32> + '_ {
        let b = (key >> self.shift) as usize;
        let (lo, hi) = match (self.directory.get(b), self.directory.get(b + 1)) {
            (Some(&lo), Some(&hi)) => (lo as usize, hi as usize),
            _ => (0, 0),
        };
        (lo..hi).filter(move |&i| self.hashes[i] == key).map(move |i| self.postings[i])
    }

    fn bytes(&self) -> usize {
        self.directory.len() * 4 + self.hashes.len() * 12
    }
}

/// Sorted (key, posting) pairs to a key → range map and one postings array.
fn csr(pairs: Vec<(u64, u32)>) -> (FxHashMap<u64, (u32, u32)>, Vec<u32>) {
    let postings: Vec<u32> = pairs.par_iter().map(|p| p.1).collect();
    let distinct = 1 + pairs.par_windows(2).filter(|w| w[0].0 != w[1].0).count();
    let mut keys = FxHashMap::with_capacity_and_hasher(distinct, Default::default());
    let mut start = 0;
    for i in 1..=pairs.len() {
        if i == pairs.len() || pairs[i].0 != pairs[start].0 {
            keys.insert(pairs[start].0, (start as u32, (i - start) as u32));
            start = i;
        }
    }
    (keys, postings)
}

/// Entries handed to one parallel task when building postings, and entries
/// whose pairs are made before they are appended to the whole.
const BUILD_CHUNK: usize = 4096;
const BUILD_ROUND: usize = 16 * BUILD_CHUNK;

/// The (key, posting) pairs `emit` gives for every entry (with the number of
/// its first name variant), sorted and without repeats. Made in parallel a
/// round of entries at a time and appended to one vector, which grows in
/// place: collecting per thread and concatenating cost a tenth of a
/// million-entry load in reallocation, and holding every chunk until the
/// copy doubled the peak memory.
fn sorted_pairs<F>(entries: &[Entry], offsets: &[u32], emit: F) -> Vec<(u64, u32)>
where
    F: Fn(&Entry, u32, &mut Vec<(u64, u32)>) + Sync,
{
    let mut pairs = Vec::new();
    for (es, firsts) in entries.chunks(BUILD_ROUND).zip(offsets.chunks(BUILD_ROUND)) {
        let chunks: Vec<Vec<(u64, u32)>> = es
            .par_chunks(BUILD_CHUNK)
            .zip(firsts.par_chunks(BUILD_CHUNK))
            .map(|(es, firsts)| {
                let mut out = Vec::new();
                for (e, &first) in es.iter().zip(firsts) {
                    emit(e, first, &mut out);
                }
                out
            })
            .collect();
        pairs.reserve(chunks.iter().map(Vec::len).sum());
        for c in chunks {
            pairs.extend_from_slice(&c);
        }
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
}

/// Does a common passenger token match this entry token as its keys would
/// have (same skeleton or spelling, or one edit away)?
fn common_token_matches(entry: &Token, pax: &Token) -> Option<bool> {
    if entry.abjad || pax.abjad {
        return None;
    }
    if entry.skeleton == pax.skeleton
        || entry.folded == pax.folded
        || entry.alternates().contains(&pax.folded)
        || pax.alternates().contains(&entry.folded)
    {
        return Some(true);
    }
    if super::normalize::same_variant_class(entry, pax) {
        return Some(true);
    }
    if super::nicknames::is_nickname_pair(&entry.folded, &pax.folded) {
        return Some(false);
    }
    let (a, b) = (entry.folded.as_bytes(), pax.folded.as_bytes());
    // First letters agree (as in the keys' typical reach); cheap tests first.
    (a.len().min(b.len()) >= MIN_FOLDED_FOR_DELETIONS - 1
        && a.len().abs_diff(b.len()) <= 1
        && a[0] == b[0]
        && super::compare::osa_distance_ascii(a, b) <= 1)
        .then_some(false)
}

/// Sort keys and keep one of each, exact before deletion variant.
fn dedup_keys(keys: &mut Vec<(u64, bool)>) {
    keys.sort_unstable_by_key(|k| (k.0, !k.1));
    keys.dedup_by_key(|k| k.0);
}

/// The most name variants (names and aliases of all entries) one index
/// holds: pair postings keep variant numbers in 24 bits.
pub const MAX_VARIANTS: usize = (1 << 24) - 1;

/// Why a list could not be indexed: a load error, never a crash.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum BuildError {
    #[error("the lists hold {0} name variants (names and aliases); at most {MAX_VARIANTS} can be indexed")]
    TooManyVariants(usize),
    #[error("an entry has {0} names (name and aliases); at most 255 can be told apart")]
    TooManyNames(usize),
}

impl Watchlist {
    /// Index `entries`. `version` identifies the list content in every hit.
    pub fn build(entries: Vec<Entry>, version: String) -> Result<Watchlist, BuildError> {
        let variant_count: usize = entries.iter().map(|e| e.names.len()).sum();
        if variant_count > MAX_VARIANTS {
            return Err(BuildError::TooManyVariants(variant_count));
        }
        if let Some(n) = entries.iter().map(|e| e.names.len()).find(|n| *n > 255) {
            return Err(BuildError::TooManyNames(n));
        }
        let mut variants = Vec::new();
        for (ei, e) in entries.iter().enumerate() {
            for (ni, n) in e.names.iter().enumerate() {
                let surname_bits = ((1u32 << n.surname_len.min(MAX_INDEXED_TOKENS)) - 1) as u16;
                variants.push(VariantInfo {
                    entry: ei as u32,
                    name: ni.min(255) as u8,
                    tokens: n.tokens.len().min(255) as u8,
                    surname_bits,
                    date_of_birth: e.date_of_birth,
                });
            }
        }
        // (key, variant) pairs, built in parallel per entry.
        let mut offsets = Vec::with_capacity(entries.len());
        let mut acc = 0u32;
        for e in &entries {
            offsets.push(acc);
            acc += e.names.len() as u32;
        }
        let pairs = sorted_pairs(&entries, &offsets, |e, first, out| {
            let mut keys = Vec::new();
            for (ni, n) in e.names.iter().enumerate() {
                let variant = first + ni as u32;
                for (ti, t) in n.tokens.iter().enumerate().take(MAX_INDEXED_TOKENS) {
                    keys.clear();
                    token_keys(t, false, &mut keys);
                    if ti >= n.surname_len {
                        nickname_keys(t, &mut keys);
                    }
                    if t.abjad || (t.native && !t.hangul && !super::phonetic::domestic(&t.text)) {
                        coarse_keys(t, &mut keys);
                    }
                    // Two names written as one (TRUNG PHUC / TRUNGPHUC), under the second's bit.
                    if ti > 0 && !t.abjad {
                        exact_latin_keys(
                            &super::normalize::fold(&format!("{}{}", n.tokens[ti - 1].text, t.text)),
                            &mut keys,
                        );
                    }
                    dedup_keys(&mut keys);
                    out.extend(keys.iter().map(|k| (k.0, variant << TOKEN_BITS | ti as u32)));
                }
            }
        });
        let (keys, postings) = csr(pairs);
        let (pair_keys, pair_postings) = build_pairs(&entries, &offsets);
        let dob_keys = DobKeys::build(&entries, &offsets);
        // Document numbers, exact and with reading confusions folded, one map on each side of a join.
        let listed: usize = entries.iter().map(|e| e.documents.len()).sum();
        let doc_map = |key: fn(&ListedDocument) -> &String| {
            let mut m: FxHashMap<String, Vec<u32>> = FxHashMap::with_capacity_and_hasher(listed, Default::default());
            for (ei, e) in entries.iter().enumerate() {
                for d in &e.documents {
                    m.entry(key(d).clone()).or_default().push(ei as u32);
                }
            }
            m
        };
        let (docs, docs_confusable) = rayon::join(|| doc_map(|d| &d.number), || doc_map(|d| &d.confusable));
        let has_abjad = entries.iter().any(|e| e.names.iter().any(|n| n.tokens.iter().any(|t| t.abjad)));
        let has_cross = entries.iter().any(|e| e.names.iter().any(|n| n.tokens.iter().any(|t| t.abjad || t.native)));
        let segmenter = super::segment::Segmenter::build(
            entries
                .iter()
                .flat_map(|e| e.names.iter())
                .flat_map(|n| n.tokens.iter())
                .filter(|t| !t.abjad)
                .map(|t| t.text.as_str()),
        );
        Ok(Watchlist {
            version,
            threshold: DEFAULT_THRESHOLD,
            entries,
            variants,
            keys,
            postings,
            pair_keys,
            pair_postings,
            dob_keys,
            docs,
            docs_confusable,
            has_abjad,
            common_postings: COMMON_POSTINGS,
            segmenter,
            has_cross,
        })
    }

    /// Set when a token counts as common (default [`COMMON_POSTINGS`]); tests
    /// lower it to exercise the common-token path on small lists.
    pub fn with_common_postings(mut self, n: usize) -> Watchlist {
        self.common_postings = n;
        self
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
        (self.postings.len() + self.pair_postings.len()) * 4
            + self.dob_keys.bytes()
            + (self.keys.len() + self.pair_keys.len()) * 24
            + self.variants.len() * std::mem::size_of::<VariantInfo>()
    }

    /// Index lookups and postings a passenger's screening costs (for
    /// benchmarks and capacity planning).
    pub fn probe_cost(&self, p: &PreparedPassenger) -> (usize, usize) {
        let (mut lookups, mut postings) = (0, 0);
        let mut keys = Vec::new();
        for t in &p.name.tokens {
            keys.clear();
            token_keys(t, self.has_abjad, &mut keys);
            dedup_keys(&mut keys);
            lookups += keys.len();
            postings += keys.iter().filter_map(|k| self.keys.get(&k.0)).map(|r| r.1 as usize).sum::<usize>();
        }
        (lookups, postings)
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
        // Blocking on the date of birth: with a contradicting date the name
        // alone stays under the threshold, so such a variant is no candidate
        // (documents still are, below). Only while the threshold is above what
        // a perfect name with a contradicting date scores.
        let dob_blocks = self.threshold > 1.0 + DobEvidence::Mismatch.adjustment() + 1e-9;
        let dob_ok = |info: &VariantInfo| {
            !dob_blocks || compare_dob(info.date_of_birth, p.date_of_birth) != DobEvidence::Mismatch
        };
        let toks = &p.name.tokens[..p.name.tokens.len().min(MAX_INDEXED_TOKENS)];
        let single_pax_token = toks.len() == 1;
        // Each token's keys and how many postings they hold.
        let mut per_token: Vec<(Vec<(u64, bool)>, usize)> = Vec::with_capacity(toks.len());
        for (ti, t) in toks.iter().enumerate() {
            let mut keys: Vec<(u64, bool)> = Vec::with_capacity(24);
            token_keys(t, self.has_abjad, &mut keys);
            // One name written as two or three (ANNAMARIA / ANNA MARIA).
            if ti + 1 < toks.len() && !t.abjad {
                exact_latin_keys(&super::normalize::fold(&format!("{}{}", t.text, toks[ti + 1].text)), &mut keys);
                if ti + 2 < toks.len() && !toks[ti + 1].abjad {
                    let three = format!("{}{}{}", t.text, toks[ti + 1].text, toks[ti + 2].text);
                    exact_latin_keys(&super::normalize::fold(&three), &mut keys);
                }
            }
            dedup_keys(&mut keys);
            let mut total: usize = keys.iter().map(|k| self.keys.get(&k.0).map_or(0, |r| r.1 as usize)).sum();
            // A name the list does not know may be several it does, joined
            // (ABDULRAHMANALI): the pieces are asked too.
            if total == 0 && !t.abjad && t.text.len() >= MIN_JOINED {
                if let Some(pieces) = self.segmenter.segment(&t.text) {
                    for piece in pieces {
                        exact_latin_keys(&super::normalize::fold(piece), &mut keys);
                    }
                    dedup_keys(&mut keys);
                    total = keys.iter().map(|k| self.keys.get(&k.0).map_or(0, |r| r.1 as usize)).sum();
                }
            }
            // Short forms of given names, and names in another script by
            // their coarse keys, while those keys are not common.
            let mut extra = Vec::new();
            nickname_keys(t, &mut extra);
            if self.has_cross && !t.abjad && !t.native {
                coarse_keys(t, &mut extra);
            }
            for k in extra {
                if self.keys.get(&k.0).is_some_and(|r| r.1 as usize <= self.common_postings) {
                    keys.push(k);
                }
            }
            per_token.push((keys, total));
        }
        // Common tokens (a frequent given name or surname) are not scanned:
        // they confirm candidates that rarer tokens propose, and pairs of
        // common tokens are looked up whole.
        let mut common: Vec<bool> = per_token.iter().map(|(_, total)| *total > self.common_postings).collect();
        // Every name common: the least common one is scanned all the same
        // while that stays affordable, so that a variant spelling on the
        // entry's side still meets; beyond that, pairs alone decide.
        if common.iter().all(|c| *c) {
            if let Some(i) = (0..per_token.len()).min_by_key(|i| per_token[*i].1) {
                if per_token[i].1 <= self.common_postings * FALLBACK_FACTOR {
                    common[i] = false;
                }
            }
        }
        for (ti, (keys, total)) in per_token.iter().enumerate() {
            if common[ti] {
                continue;
            }
            let rare = *total <= RARE_POSTINGS;
            for &(k, exact) in keys {
                let Some(&(start, len)) = self.keys.get(&k) else { continue };
                for &posting in &self.postings[start as usize..(start + len) as usize] {
                    let bit = 1u16 << (posting & ((1 << TOKEN_BITS) - 1));
                    let st = s.touch((posting >> TOKEN_BITS) as usize, q);
                    st.reached |= bit;
                    if exact {
                        st.exact |= bit;
                    }
                    if rare {
                        st.exact |= FORCED;
                    }
                }
            }
        }
        // Every token, common or not, under the dates of birth that agree with
        // the passenger's: a listed person whose date agrees is reached by
        // any name met exactly, however common, so a typo in the others
        // (THHAI NHUNG HANH) still gets scored.
        if let Some(d) = p.date_of_birth {
            for t in toks.iter().filter(|t| !t.abjad) {
                for tag in pax_date_tags(d) {
                    for posting in self.dob_keys.get(dob_key(tag, t.folded.as_bytes())) {
                        let bit = 1u16 << (posting & ((1 << TOKEN_BITS) - 1));
                        let st = s.touch((posting >> TOKEN_BITS) as usize, q);
                        st.reached |= bit;
                        st.exact |= bit;
                    }
                }
            }
        }
        if common.iter().any(|c| *c) {
            // Confirm: common tokens against the variants rarer tokens reached.
            for ti in 0..s.touched.len() {
                let v = s.touched[ti] as usize;
                let info = self.variants[v];
                if !dob_ok(&info) {
                    continue;
                }
                let etoks = &self.entries[info.entry as usize].names[info.name as usize].tokens;
                let st = &mut s.variants[v];
                for (ei, et) in etoks.iter().enumerate().take(MAX_INDEXED_TOKENS) {
                    let bit = 1u16 << ei;
                    if st.exact & bit != 0 {
                        continue;
                    }
                    for (pt, _) in toks.iter().zip(&common).filter(|(_, c)| **c) {
                        if let Some(exact) = common_token_matches(et, pt) {
                            st.reached |= bit;
                            if exact {
                                st.exact |= bit;
                            }
                        }
                    }
                }
            }
            // Pairs with a common token, looked up whole.
            for i in 0..toks.len() {
                for j in i + 1..toks.len() {
                    if !(common[i] || common[j]) || toks[i].abjad || toks[j].abjad {
                        continue;
                    }
                    let Some(&(start, len)) = self.pair_keys.get(&pair_key(&toks[i].skeleton, &toks[j].skeleton))
                    else {
                        continue;
                    };
                    for &posting in &self.pair_postings[start as usize..(start + len) as usize] {
                        let bits = 1u16 << ((posting >> 4) & 15) | 1u16 << (posting & 15);
                        let st = s.touch((posting >> 8) as usize, q);
                        st.reached |= bits;
                        st.exact |= bits;
                    }
                }
            }
        }
        for ti in 0..s.touched.len() {
            let v = s.touched[ti] as usize;
            let VariantInfo { entry, tokens: ntok, surname_bits, date_of_birth, .. } = self.variants[v];
            let dob = compare_dob(date_of_birth, p.date_of_birth);
            if dob_blocks && dob == DobEvidence::Mismatch {
                continue;
            }
            let st = s.variants[v];
            let reached = st.reached.count_ones();
            // Without a surname token nothing can reach the threshold (surnames
            // carry the largest weight), so a variant needs one reached...
            let by_name = (st.reached & surname_bits != 0)
                && (st.exact & FORCED != 0 || (st.exact != 0 && (reached >= 2 || ntok <= 1 || single_pax_token)));
            // ...unless the date of birth agrees to the day (or month): then one
            // name met exactly is enough to be worth scoring, so that a typo
            // the keys do not reach in the other names (MENON REKHA / MENON
            // REKH, KUZMEENKO / KUZMHENKO GRIGORII) is still scored.
            let by_date = st.exact & !FORCED != 0
                && matches!(
                    dob,
                    DobEvidence::Exact | DobEvidence::YearMonth | DobEvidence::DayMonthSwapped | DobEvidence::NearYear
                );
            let candidate = by_name || by_date;
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entry_tag(d: PartialDate) -> Option<u32> {
        match d {
            PartialDate::Full(d) => Some(tag_full(d)),
            PartialDate::YearMonth(y, m) => Some(tag_year_month(y, m)),
            PartialDate::Year(_) => None,
        }
    }

    proptest! {
        /// The (date, name) keys a passenger asks cover exactly the entry
        /// dates `compare_dob` lets through as agreeing: none is lost, and a
        /// contradicting date is never asked.
        #[test]
        fn date_tags_follow_compare_dob(
            ey in 1950i32..2005, em in 1u32..13, ed in 1u32..29, partial in 0u8..3,
            dy in -2i32..3, pm in 1u32..13, pd in 1u32..29,
        ) {
            let entry = match partial {
                0 => PartialDate::Full(NaiveDate::from_ymd_opt(ey, em, ed).unwrap()),
                1 => PartialDate::YearMonth(ey, em),
                _ => PartialDate::Year(ey),
            };
            // Passenger dates near the entry's, so that agreeing ones come up often.
            let pax = if dy == 0 && pm % 3 == 0 {
                NaiveDate::from_ymd_opt(ey, ed.min(12), em.min(28)).unwrap()
            } else {
                NaiveDate::from_ymd_opt(ey + dy, if pm % 2 == 0 { em } else { pm }, if pd % 2 == 0 { ed } else { pd }).unwrap()
            };
            let agree = matches!(
                compare_dob(Some(entry), Some(pax)),
                DobEvidence::Exact | DobEvidence::YearMonth | DobEvidence::DayMonthSwapped | DobEvidence::NearYear
            );
            if let Some(tag) = entry_tag(entry) {
                let asked = pax_date_tags(pax).any(|t| t == tag);
                prop_assert_eq!(asked, agree, "entry {:?} passenger {}", entry, pax);
            }
        }
    }

    #[test]
    fn dob_keys_find_what_was_put() {
        let es = entries(
            "L,W-1,THAI,NHUNG HANH,,1998-09-12,VNM,,wanted-serious-crime,\n\
             L,W-2,TRAN,NHUNG,,1998-09,VNM,,wanted-serious-crime,\n\
             L,W-3,LE,NHUNG,,1998,VNM,,wanted-serious-crime,\n",
        );
        let offsets: Vec<u32> = (0..es.len() as u32).collect();
        let k = DobKeys::build(&es, &offsets);
        let find = |tag: u32, name: &str| k.get(dob_key(tag, name.as_bytes())).collect::<Vec<_>>();
        let d = NaiveDate::from_ymd_opt(1998, 9, 12).unwrap();
        // W-1, token 1 (NHUNG); W-2 under year and month; W-3 (year only) not at all.
        assert_eq!(find(tag_full(d), "NHUNG"), vec![1]);
        assert_eq!(find(tag_year_month(1998, 9), "NHUNG"), vec![1 << TOKEN_BITS | 1]);
        assert!(find(tag_full(d), "HANH").contains(&2));
        assert!(find(tag_full(d), "MINH").is_empty());
        assert_eq!(k.hashes.len(), 5);
    }

    fn entries(rows: &str) -> Vec<Entry> {
        let mut l = super::super::watchlist::Loaded::default();
        let csv = format!("list,entry_id,surname,given_names,aliases,date_of_birth,nationality,document_numbers,category,valid_until\n{rows}");
        super::super::watchlist::load_csv(
            csv.as_bytes(),
            "t.csv",
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            &mut l,
        );
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        l.entries
    }

    fn pax(surname: &str, given: &str, dob: &str, nationality: Option<&str>, doc: Option<&str>) -> PreparedPassenger {
        let n = doc.map(normalise_document);
        PreparedPassenger {
            name: PreparedName::new(surname, given),
            date_of_birth: NaiveDate::parse_from_str(dob, "%Y-%m-%d").ok(),
            nationality: nationality.map(String::from),
            document: n.map(|n| (Some("RUS".to_string()), n.clone(), confusable_document(&n))),
        }
    }

    #[test]
    fn nationality_supports_never_decides() {
        // A year of birth only, so that the score sits under its cap.
        let e = &entries("L,W-1,VOLKOV,DMITRII,,1980,RUS,,wanted-serious-crime,\n")[0];
        let s = |p: &PreparedPassenger| score_entry(e, 0, p).map_or(0.0, |m| m.score);
        let unknown = s(&pax("VOLKOV", "DMITRIY", "1980-01-02", None, None));
        let agrees = s(&pax("VOLKOV", "DMITRIY", "1980-01-02", Some("RUS"), None));
        let differs = s(&pax("VOLKOV", "DMITRIY", "1980-01-02", Some("UKR"), None));
        assert_eq!(agrees, unknown, "agreeing nationality adds nothing");
        assert!(differs < agrees, "{differs} {agrees}");
        // Another person of the same nationality and date: the nationality does not make a hit.
        assert!(s(&pax("PETROV", "IVAN", "1980-01-02", Some("RUS"), None)) < DEFAULT_THRESHOLD);
    }

    #[test]
    fn date_evidence_moves_the_score() {
        let rows = "L,W-1,VOLKOV,DMITRII,,1980-01-02,,,wanted-serious-crime,\n\
                    L,W-2,VOLKOV,DMITRII,,1980,,,wanted-serious-crime,\n\
                    L,W-3,VOLKOV,DMITRII,,,,,wanted-serious-crime,\n";
        let es = entries(rows);
        let p = pax("VOLKOV", "DMITRIY", "1980-01-02", None, None);
        let s: Vec<f64> = es.iter().map(|e| score_entry(e, 0, &p).unwrap().score).collect();
        assert_eq!(s, vec![1.0, 0.95, 0.95]);
        // A contradicting date keeps even a perfect name under the threshold.
        let other = pax("VOLKOV", "DMITRIY", "1991-07-08", None, None);
        assert!(score_entry(&es[0], 0, &other).unwrap().score < DEFAULT_THRESHOLD);
    }

    #[test]
    fn documents_exact_and_confused() {
        let e = &entries("SLTD,D-1,,,,,,RUS:7512345O8,stolen-document,\n")[0];
        let exact = score_entry(e, 0, &pax("ANYONE", "", "1970-01-01", None, Some("75 1234 5O8"))).unwrap();
        assert_eq!(exact.document, Some(DocumentEvidence::Exact));
        assert_eq!(exact.score, 1.0);
        let confused = score_entry(e, 0, &pax("ANYONE", "", "1970-01-01", None, Some("7S1234508"))).unwrap();
        assert_eq!(confused.document, Some(DocumentEvidence::Confusable));
        assert!(confused.score >= 0.88 && confused.score < 1.0);
        assert!(score_entry(e, 0, &pax("ANYONE", "", "1970-01-01", None, Some("999999999"))).is_none());
    }
}
