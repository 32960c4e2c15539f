//! Trends: weighted risk characteristics with a threshold (contract
//! section 3). Loading refuses special-category fields, unknown fields,
//! operators that do not fit the field, and trends whose threshold could be
//! reached by nationality, gender and issuing country alone.

use crate::formats::special::is_special_category;
use crate::inputs::{files_with_extension, Problem};
use crate::model::{ApiMessage, Passenger};
use chrono::{Datelike, NaiveDate};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What a field holds, which decides the operators it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Number,
    Date,
    Time,
    /// `flight.itinerary_contains`: is the airport on the route.
    Contains,
}

/// Every field a trend may name: the message's own fields (contract section
/// 1, `passengers[].` dropped) and the derived ones.
const FIELDS: &[(&str, Kind)] = &[
    ("sender", Kind::Text),
    ("role", Kind::Text),
    ("surname", Kind::Text),
    ("given_names", Kind::Text),
    ("gender", Kind::Text),
    ("date_of_birth", Kind::Date),
    ("nationality", Kind::Text),
    ("embarkation", Kind::Text),
    ("debarkation", Kind::Text),
    ("pnr_locator", Kind::Text),
    ("document.type", Kind::Text),
    ("document.number", Kind::Text),
    ("document.issuing_country", Kind::Text),
    ("document.issue_date", Kind::Date),
    ("document.expiry_date", Kind::Date),
    ("flight.carrier", Kind::Text),
    ("flight.number", Kind::Text),
    ("flight.departure_airport", Kind::Text),
    ("flight.departure_time", Kind::Time),
    ("flight.arrival_airport", Kind::Text),
    ("flight.arrival_time", Kind::Time),
    ("flight.entry_point", Kind::Text),
    ("flight.itinerary", Kind::Text),
    ("flight.total_passengers", Kind::Number),
    ("age_years", Kind::Number),
    ("document.days_since_issue", Kind::Number),
    ("document.days_to_expiry", Kind::Number),
    ("flight.itinerary_contains", Kind::Contains),
    ("pnr.party_size", Kind::Number),
    ("flight.hours_to_arrival", Kind::Number),
];

/// Fields that may support a trend but never make one.
const SUPPORT_ONLY: &[&str] = &["nationality", "gender", "document.issuing_country"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Ne,
    In,
    NotIn,
    Lt,
    Le,
    Gt,
    Ge,
    Between,
    Prefix,
}

/// A typed operand.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Operand {
    Text(String),
    Number(f64),
    Texts(Vec<String>),
    Numbers(Vec<f64>),
}

#[derive(Debug, Clone, Serialize)]
pub struct Characteristic {
    pub field: String,
    pub op: Op,
    pub value: Operand,
    pub weight: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub id: String,
    pub title: String,
    pub justification: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub threshold: u32,
    pub characteristics: Vec<Characteristic>,
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrendFile {
    id: String,
    title: String,
    justification: String,
    valid_from: String,
    valid_until: String,
    threshold: i64,
    #[serde(default)]
    characteristic: Vec<CharFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CharFile {
    field: String,
    op: String,
    value: toml::Value,
    weight: i64,
}

fn kind_of(field: &str) -> Option<Kind> {
    FIELDS.iter().find(|(f, _)| *f == field).map(|(_, k)| *k)
}

/// The loaded trends and what was wrong with the folder.
#[derive(Debug, Default)]
pub struct LoadedTrends {
    pub trends: Vec<Trend>,
    pub problems: Vec<Problem>,
    pub notices: Vec<Problem>,
    pub files: usize,
}

/// Load every `*.toml` under `dir`.
pub fn load_dir(dir: &Path, today: NaiveDate) -> LoadedTrends {
    let mut out = LoadedTrends::default();
    let files = match files_with_extension(dir, "toml") {
        Ok(f) => f,
        Err(e) => {
            out.problems.push(Problem {
                value: None,
                file: dir.display().to_string(),
                line: 0,
                column: None,
                message: format!("cannot read folder: {e}"),
            });
            return out;
        }
    };
    for f in files {
        out.files += 1;
        let name = f.display().to_string();
        match std::fs::read_to_string(&f) {
            Ok(text) => match parse_trend(&text, &name) {
                Ok(t) => {
                    if t.valid_until < today {
                        out.notices.push(Problem {
                            value: None,
                            file: name,
                            line: 0,
                            column: Some("valid_until".into()),
                            message: format!(
                                "trend {} expired on {}: loaded, never screens flights after that date",
                                t.id, t.valid_until
                            ),
                        });
                    }
                    out.trends.push(t)
                }
                Err(mut ps) => out.problems.append(&mut ps),
            },
            Err(e) => out.problems.push(Problem {
                file: name,
                line: 0,
                column: None,
                message: format!("cannot read: {e}"),
                value: None,
            }),
        }
    }
    let mut seen = FxHashMap::default();
    for t in &out.trends {
        if let Some(first) = seen.insert(t.id.clone(), t.source.clone()) {
            out.problems.push(Problem {
                value: None,
                file: t.source.clone(),
                line: 1,
                column: Some("id".into()),
                message: format!("duplicate trend id {:?} (also in {first})", t.id),
            });
        }
    }
    out
}

fn line_of(text: &str, needle: &str, nth: usize) -> u64 {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with(needle))
        .nth(nth)
        .map(|(i, _)| i as u64 + 1)
        .unwrap_or(0)
}

/// Parse and validate one trend file.
/// The loaded trends, versioned like a watchlist.
pub struct TrendSet {
    pub version: String,
    pub trends: Vec<Trend>,
}

/// The largest weight or threshold: sums of many stay far from overflow.
pub const MAX_WEIGHT: i64 = 1_000_000;

pub fn parse_trend(text: &str, file: &str) -> Result<Trend, Vec<Problem>> {
    let p = |line: u64, column: Option<&str>, message: String| Problem {
        value: None,
        file: file.into(),
        line,
        column: column.map(str::to_string),
        message,
    };
    let tf: TrendFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start.min(text.len())].lines().count().max(1) as u64).unwrap_or(0);
        let msg = e.message().to_string();
        // Name special-category data as such, even when it is an unknown key.
        let special = msg.split('`').nth(1).filter(|k| is_special_category(k)).map(|k| k.to_string());
        match special {
            Some(k) => {
                vec![p(line, Some(&k), "special-category personal data (GDPR art. 9) is never used in trends".into())]
            }
            None => vec![p(line, None, msg)],
        }
    })?;
    let mut problems = Vec::new();
    let date = |s: &str, col: &str, problems: &mut Vec<Problem>| {
        crate::model::parse_date(s).or_else(|| {
            problems.push(p(line_of(text, col, 0), Some(col), format!("not YYYY-MM-DD: {s:?}")));
            None
        })
    };
    let valid_from = date(&tf.valid_from, "valid_from", &mut problems);
    let valid_until = date(&tf.valid_until, "valid_until", &mut problems);
    if let (Some(a), Some(b)) = (valid_from, valid_until) {
        if b < a {
            problems.push(p(line_of(text, "valid_until", 0), Some("valid_until"), "is before valid_from".into()));
        }
    }
    if tf.id.trim().is_empty() {
        problems.push(p(line_of(text, "id", 0), Some("id"), "must not be empty".into()));
    }
    if tf.justification.trim().is_empty() {
        problems.push(p(
            line_of(text, "justification", 0),
            Some("justification"),
            "a trend must record why it exists".into(),
        ));
    }
    if tf.threshold <= 0 || tf.threshold > MAX_WEIGHT {
        problems.push(p(
            line_of(text, "threshold", 0),
            Some("threshold"),
            format!("must be a positive integer up to {MAX_WEIGHT}"),
        ));
    }
    if tf.characteristic.is_empty() {
        problems.push(p(0, Some("characteristic"), "a trend needs at least one characteristic".into()));
    }
    let mut chars = Vec::new();
    for (i, c) in tf.characteristic.iter().enumerate() {
        let line = line_of(text, "field", i);
        let col = format!("characteristic[{i}].field");
        if is_special_category(&c.field) {
            problems.push(p(
                line,
                Some(&col),
                format!("{:?} is special-category personal data (GDPR art. 9): never used in trends", c.field),
            ));
            continue;
        }
        let Some(kind) = kind_of(&c.field) else {
            problems.push(p(line, Some(&col), format!("unknown field {:?}", c.field)));
            continue;
        };
        if c.weight <= 0 || c.weight > MAX_WEIGHT {
            problems.push(p(
                line,
                Some(&format!("characteristic[{i}].weight")),
                format!("must be a positive integer up to {MAX_WEIGHT}"),
            ));
            continue;
        }
        let op: Op = match toml::Value::String(c.op.clone()).try_into() {
            Ok(op) => op,
            Err(_) => {
                problems.push(p(
                    line,
                    Some(&format!("characteristic[{i}].op")),
                    format!("unknown operator {:?}: eq, ne, in, not_in, lt, le, gt, ge, between, prefix", c.op),
                ));
                continue;
            }
        };
        match operand(kind, op, &c.value) {
            Ok(value) => chars.push(Characteristic { field: c.field.clone(), op, value, weight: c.weight as u32 }),
            Err(why) => problems.push(p(line, Some(&format!("characteristic[{i}].value")), why)),
        }
    }
    if problems.is_empty() {
        let support: u64 =
            chars.iter().filter(|c| SUPPORT_ONLY.contains(&c.field.as_str())).map(|c| c.weight as u64).sum();
        let all: u64 = chars.iter().map(|c| c.weight as u64).sum();
        if support >= tf.threshold as u64 {
            problems.push(p(
                line_of(text, "threshold", 0),
                Some("threshold"),
                format!("nationality, gender and document.issuing_country alone reach the threshold ({support} >= {}): they may support a trend, never make one", tf.threshold),
            ));
        }
        if all < tf.threshold as u64 {
            problems.push(p(
                line_of(text, "threshold", 0),
                Some("threshold"),
                format!("can never be reached: the weights add up to {all}"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Trend {
        id: tf.id,
        title: tf.title,
        justification: tf.justification,
        valid_from: valid_from.expect("checked"),
        valid_until: valid_until.expect("checked"),
        threshold: tf.threshold as u32,
        characteristics: chars,
        source: file.to_string(),
    })
}

fn operand(kind: Kind, op: Op, v: &toml::Value) -> Result<Operand, String> {
    use toml::Value as V;
    let text = |v: &V| -> Result<String, String> {
        match v {
            V::String(s) => Ok(s.clone()),
            V::Datetime(d) => Ok(d.to_string()),
            other => Err(format!("expected a string, found {}", other.type_str())),
        }
    };
    let number = |v: &V| -> Result<f64, String> {
        match v {
            V::Integer(i) => Ok(*i as f64),
            V::Float(f) => Ok(*f),
            other => Err(format!("expected a number, found {}", other.type_str())),
        }
    };
    let ordinal = |v: &V| -> Result<f64, String> {
        match kind {
            Kind::Number => number(v),
            Kind::Date | Kind::Time => {
                let s = text(v)?;
                date_ordinal(&s).ok_or_else(|| format!("expected a date YYYY-MM-DD, found {s:?}"))
            }
            _ => Err("this field is not ordered".into()),
        }
    };
    fn list(v: &toml::Value) -> Result<&Vec<toml::Value>, String> {
        match v {
            toml::Value::Array(a) if !a.is_empty() => Ok(a),
            _ => Err("expected a non-empty list".into()),
        }
    }
    match (kind, op) {
        (Kind::Contains, Op::Eq) => Ok(Operand::Text(text(v)?)),
        (Kind::Contains, Op::In) => Ok(Operand::Texts(list(v)?.iter().map(text).collect::<Result<_, _>>()?)),
        (Kind::Contains, _) => Err("flight.itinerary_contains takes eq (one airport) or in (a list)".into()),
        (Kind::Text, Op::Eq | Op::Ne | Op::Prefix) => Ok(Operand::Text(text(v)?)),
        (Kind::Text, Op::In | Op::NotIn) => Ok(Operand::Texts(list(v)?.iter().map(text).collect::<Result<_, _>>()?)),
        (Kind::Text, _) => Err(format!("operator {op:?} does not apply to a text field")),
        (_, Op::Prefix) => Err("prefix applies to text fields only".into()),
        (_, Op::In | Op::NotIn) => Ok(Operand::Numbers(list(v)?.iter().map(ordinal).collect::<Result<_, _>>()?)),
        (_, Op::Between) => {
            let l = list(v)?;
            if l.len() != 2 {
                return Err("between takes [low, high]".into());
            }
            let (a, b) = (ordinal(&l[0])?, ordinal(&l[1])?);
            if b < a {
                return Err("between: low is above high".into());
            }
            Ok(Operand::Numbers(vec![a, b]))
        }
        (_, _) => Ok(Operand::Number(ordinal(v)?)),
    }
}

/// Days since 0001-01-01 (dates) so dates compare as numbers.
fn date_ordinal(s: &str) -> Option<f64> {
    let d = crate::model::parse_date(s.get(..10)?)?;
    Some(d.num_days_from_ce() as f64)
}

/// What a characteristic saw on the passenger.
#[derive(Debug, Clone, PartialEq)]
enum Observed {
    Text(String),
    Number(f64),
    List(Vec<String>),
}

/// Context for evaluating one passenger of one message.
pub struct TrendContext<'a> {
    pub message: &'a ApiMessage,
    pub party_sizes: FxHashMap<&'a str, usize>,
}

impl<'a> TrendContext<'a> {
    pub fn new(message: &'a ApiMessage) -> Self {
        let mut party_sizes: FxHashMap<&str, usize> = FxHashMap::default();
        for p in &message.passengers {
            if let Some(l) = p.pnr_locator.as_deref() {
                *party_sizes.entry(l).or_default() += 1;
            }
        }
        TrendContext { message, party_sizes }
    }

    fn observe(&self, p: &Passenger, field: &str) -> Option<Observed> {
        let m = self.message;
        let f = &m.flight;
        let day = f.departure_date();
        let t = |s: &str| Some(Observed::Text(s.to_string()));
        let ot = |s: &Option<String>| s.as_deref().map(|s| Observed::Text(s.to_string()));
        let od = |d: Option<NaiveDate>| d.map(|d| Observed::Number(d.num_days_from_ce() as f64));
        let doc = p.document.as_ref();
        match field {
            "sender" => t(&m.sender),
            "role" => t(p.role.as_str()),
            "surname" => t(&p.surname),
            "given_names" => ot(&p.given_names),
            "gender" => p.gender.map(|g| Observed::Text(g.as_str().into())),
            "date_of_birth" => od(p.date_of_birth),
            "nationality" => ot(&p.nationality),
            "embarkation" => ot(&p.embarkation),
            "debarkation" => ot(&p.debarkation),
            "pnr_locator" => ot(&p.pnr_locator),
            "document.type" => ot(&doc?.doc_type),
            "document.number" => ot(&doc?.number),
            "document.issuing_country" => ot(&doc?.issuing_country),
            "document.issue_date" => od(doc?.issue_date),
            "document.expiry_date" => od(doc?.expiry_date),
            "flight.carrier" => t(&f.carrier),
            "flight.number" => t(&f.number),
            "flight.departure_airport" => t(&f.departure_airport),
            "flight.departure_time" => Some(Observed::Number(f.departure_time.date_naive().num_days_from_ce() as f64)),
            "flight.arrival_airport" => t(&f.arrival_airport),
            "flight.arrival_time" => Some(Observed::Number(f.arrival_time.date_naive().num_days_from_ce() as f64)),
            "flight.entry_point" => t(&f.entry_point),
            "flight.itinerary" => t(&f.itinerary.join("-")),
            "flight.total_passengers" => Some(Observed::Number(f.total_passengers as f64)),
            "age_years" => p.date_of_birth.and_then(|b| day.years_since(b)).map(|y| Observed::Number(y as f64)),
            "document.days_since_issue" => doc?.issue_date.map(|d| Observed::Number((day - d).num_days() as f64)),
            "document.days_to_expiry" => doc?.expiry_date.map(|d| Observed::Number((d - day).num_days() as f64)),
            "flight.itinerary_contains" => Some(Observed::List(f.itinerary.clone())),
            "pnr.party_size" => {
                p.pnr_locator.as_deref().map(|l| Observed::Number(*self.party_sizes.get(l).unwrap_or(&1) as f64))
            }
            "flight.hours_to_arrival" => {
                Some(Observed::Number((f.arrival_time - m.sent_at).num_minutes() as f64 / 60.0))
            }
            _ => None,
        }
    }
}

fn holds(op: Op, value: &Operand, obs: &Observed) -> bool {
    match (obs, value) {
        (Observed::List(route), Operand::Text(a)) => route.iter().any(|r| r == a),
        (Observed::List(route), Operand::Texts(l)) => route.iter().any(|r| l.contains(r)),
        (Observed::Text(s), Operand::Text(v)) => match op {
            Op::Eq => s == v,
            Op::Ne => s != v,
            Op::Prefix => s.starts_with(v.as_str()),
            _ => false,
        },
        (Observed::Text(s), Operand::Texts(l)) => match op {
            Op::In => l.contains(s),
            Op::NotIn => !l.contains(s),
            _ => false,
        },
        (Observed::Number(x), Operand::Number(v)) => match op {
            Op::Eq => x == v,
            Op::Ne => x != v,
            Op::Lt => x < v,
            Op::Le => x <= v,
            Op::Gt => x > v,
            Op::Ge => x >= v,
            _ => false,
        },
        (Observed::Number(x), Operand::Numbers(l)) => match op {
            Op::In => l.contains(x),
            Op::NotIn => !l.contains(x),
            Op::Between => l.len() == 2 && *x >= l[0] && *x <= l[1],
            _ => false,
        },
        _ => false,
    }
}

/// One characteristic that held, for the explanation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MatchedCharacteristic {
    pub field: String,
    pub op: Op,
    pub value: Operand,
    pub weight: u32,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrendMatch {
    pub trend: usize,
    pub score: u32,
    pub threshold: u32,
    pub matched: Vec<MatchedCharacteristic>,
}

impl Trend {
    pub fn is_active_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && day <= self.valid_until
    }

    /// Score one passenger; `Some` when the threshold is reached.
    pub fn evaluate(&self, idx: usize, ctx: &TrendContext, p: &Passenger) -> Option<TrendMatch> {
        let mut score = 0u32;
        let mut matched = Vec::new();
        for c in &self.characteristics {
            if let Some(obs) = ctx.observe(p, &c.field) {
                if holds(c.op, &c.value, &obs) {
                    score = score.saturating_add(c.weight);
                    matched.push(MatchedCharacteristic {
                        field: c.field.clone(),
                        op: c.op,
                        value: c.value.clone(),
                        weight: c.weight,
                    });
                }
            }
        }
        (score >= self.threshold).then_some(TrendMatch { trend: idx, score, threshold: self.threshold, matched })
    }
}
