//! PAXLST read as a stream: raw segments from [`Splitter`] are gathered
//! into messages (UNH .. UNT) and each message is read as soon as it is
//! complete, so memory is bounded by the largest message, whatever the size
//! of the input. Damage is never silent: segments outside any message,
//! stray or cut-off segments inside one, a missing trailer, each becomes a
//! notice or a warning, and a person group that held damage is flagged.

use super::{read_message, Context, Interchange, PaxlstMessage};
use crate::formats::edifact::{is_tag_shape, RawSegment, Separators, Splitter};
use crate::formats::MessageError;
use crate::model::FieldError;
use chrono::{DateTime, FixedOffset};
use std::collections::VecDeque;
use std::io::{self, BufRead};

/// The largest message read; a larger one is refused, the rest of the
/// interchange still read.
pub const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// The segments a PAXLST message may hold (D02B to D12B, with the service
/// segments); any other tag inside a message is damage.
const PAXLST_TAGS: &[&str] = &[
    "UNH", "UNT", "UNS", "BGM", "RFF", "DTM", "NAD", "COM", "CTA", "TDT", "LOC", "ATT", "GEI", "FTX", "MEA", "QTY",
    "NAT", "DOC", "CPI", "EMP", "CNT", "GID", "FII", "PDI", "SEQ", "GIS", "TSR", "EQD", "MOA",
];

/// Damage noticed while gathering a message: the segment (by number in the
/// interchange) it is in, and what it was. Never a value from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Damage {
    pub segment: usize,
    pub reason: &'static str,
}

/// What a PAXLST stream gives: messages, and notices about damage that
/// belongs to no message.
#[derive(Debug)]
// A message is moved once from the reader to its consumer; boxing it would
// cost an allocation per message for nothing.
#[allow(clippy::large_enum_variant)]
pub enum PaxlstItem {
    Message(PaxlstMessage),
    Notice { line: usize, error: FieldError },
}

/// The interchange header (UNB) the messages are read under.
#[derive(Debug, Clone, Default)]
struct Header {
    sender: String,
    interchange_ref: String,
    sent_at: Option<DateTime<FixedOffset>>,
}

/// A message being gathered.
struct Pending {
    bytes: Vec<u8>,
    line: usize,
    first_segment: usize,
    damage: Vec<Damage>,
    oversize: bool,
    last_tag: String,
}

/// Segments outside any message, told as one notice per run.
struct Stray {
    line: usize,
    segments: usize,
}

pub struct PaxlstStream<R> {
    split: Splitter<R>,
    header: Header,
    /// Segments since the start of the interchange (UNA not counted).
    number: usize,
    pending: Option<Pending>,
    stray: Option<Stray>,
    out: VecDeque<PaxlstItem>,
    /// Messages given so far.
    messages: usize,
    done: bool,
}

impl<R: BufRead> PaxlstStream<R> {
    pub fn new(input: R) -> PaxlstStream<R> {
        PaxlstStream {
            split: Splitter::new(input),
            header: Header::default(),
            number: 0,
            pending: None,
            stray: None,
            out: VecDeque::new(),
            messages: 0,
            done: false,
        }
    }

    fn sep(&self) -> Separators {
        self.split.separators()
    }

    fn take(&mut self, seg: RawSegment) {
        self.number += 1;
        let sep = self.sep();
        let tag = seg.tag(&sep).to_string();
        match tag.as_str() {
            "UNA" | "UNB" | "UNG" | "UNE" | "UNZ" => {
                self.finish();
                self.flush_stray();
                if tag == "UNB" {
                    self.header = read_header(&seg, sep, self.number);
                    self.number = 1;
                }
            }
            "UNH" => {
                self.finish();
                self.flush_stray();
                self.pending = Some(Pending {
                    bytes: Vec::new(),
                    line: seg.line,
                    first_segment: self.number,
                    damage: Vec::new(),
                    oversize: false,
                    last_tag: tag.clone(),
                });
                self.push(seg);
            }
            "UNT" if self.pending.is_some() => {
                self.push(seg);
                self.finish();
            }
            _ if self.pending.is_some() => {
                let known = PAXLST_TAGS.contains(&tag.as_str());
                let p = self.pending.as_mut().expect("checked");
                let after_name = p.last_tag == "NAD";
                let release = sep.release.filter(|_| !known && after_name && !p.oversize);
                if let Some(release) = release {
                    // `NAD+FL+++O'BRIEN:JOHN'`: the terminator was an unescaped
                    // apostrophe in the name. Read it as part of the name.
                    self.number -= 1;
                    let p = self.pending.as_mut().expect("checked");
                    p.bytes.pop();
                    p.bytes.push(release);
                    p.bytes.push(sep.segment);
                    p.damage.push(Damage {
                        segment: self.number,
                        reason: "segment terminator inside a name (an unescaped apostrophe?): read as part of the name",
                    });
                    self.push(seg);
                    return;
                }
                if !known {
                    let reason = if is_tag_shape(&tag) {
                        "segment that has no place in PAXLST: ignored"
                    } else {
                        "not an EDIFACT segment (garbage, or a separator inside data): ignored"
                    };
                    p.damage.push(Damage { segment: self.number, reason });
                }
                p.last_tag = tag;
                self.push(seg);
            }
            _ => match &mut self.stray {
                Some(s) => s.segments += 1,
                None => self.stray = Some(Stray { line: seg.tag_line, segments: 1 }),
            },
        }
    }

    /// Add a segment to the pending message, within [`MAX_MESSAGE`].
    fn push(&mut self, seg: RawSegment) {
        let number = self.number;
        let p = self.pending.as_mut().expect("a pending message");
        if seg.oversize {
            p.damage.push(Damage { segment: number, reason: "segment longer than 64 KiB: cut" });
        }
        if seg.unterminated {
            p.damage.push(Damage { segment: number, reason: "the input ends inside this segment: cut off" });
        }
        if p.bytes.len() + seg.bytes.len() > MAX_MESSAGE {
            p.oversize = true;
        }
        if !p.oversize {
            p.bytes.extend_from_slice(&seg.bytes);
        }
    }

    /// Read the pending message, if any.
    fn finish(&mut self) {
        let Some(p) = self.pending.take() else { return };
        let sep = self.sep();
        let msg = if p.oversize {
            PaxlstMessage {
                line: p.line,
                result: Err(MessageError::Paxlst(format!(
                    "message larger than {} MiB: refused",
                    MAX_MESSAGE / (1024 * 1024)
                ))),
                part: None,
                crew_list: false,
            }
        } else {
            match Interchange::parse_body(&p.bytes, sep, p.line, p.first_segment) {
                Ok(ic) => {
                    let segs = ic.segments();
                    let (body, unt) = match segs.split_last() {
                        Some((last, body)) if last.tag == "UNT" => (body, Some(last)),
                        _ => (&segs[..], None),
                    };
                    let h = &self.header;
                    let ctx = Context { sender: &h.sender, interchange_ref: &h.interchange_ref, sent_at: h.sent_at };
                    let (result, part, crew_list) = read_message(body, unt, &ctx, &p.damage);
                    PaxlstMessage { line: body[0].line, result, part, crew_list }
                }
                Err(e) => PaxlstMessage { line: p.line, result: Err(e), part: None, crew_list: false },
            }
        };
        self.messages += 1;
        self.out.push_back(PaxlstItem::Message(msg));
    }

    fn flush_stray(&mut self) {
        if let Some(s) = self.stray.take() {
            self.out.push_back(PaxlstItem::Notice {
                line: s.line,
                error: FieldError::new(
                    format!("line {}", s.line),
                    format!("{} segment(s) outside any message (UNH .. UNT): ignored", s.segments),
                ),
            });
        }
    }
}

fn read_header(seg: &RawSegment, sep: Separators, number: usize) -> Header {
    let Ok(ic) = Interchange::parse_body(&seg.bytes, sep, seg.line, number) else { return Header::default() };
    let segs = ic.segments();
    let Some(unb) = segs.first() else { return Header::default() };
    let sender = Some(unb.get(1, 0).trim().to_string()).filter(|s| !s.is_empty()).unwrap_or_else(|| "UNKNOWN".into());
    Header {
        sender,
        interchange_ref: unb.get(4, 0).to_string(),
        sent_at: super::unb_time(unb.get(3, 0), unb.get(3, 1)),
    }
}

impl<R: BufRead> Iterator for PaxlstStream<R> {
    type Item = io::Result<PaxlstItem>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.out.pop_front() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            match self.split.next_segment() {
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(None) => {
                    self.done = true;
                    let had_any = self.number > 0;
                    self.finish();
                    self.flush_stray();
                    if self.messages == 0 {
                        let why = if had_any {
                            "no UNH message header in the interchange"
                        } else {
                            "no EDIFACT segments found"
                        };
                        self.out.push_back(PaxlstItem::Message(PaxlstMessage {
                            line: 1,
                            result: Err(MessageError::Paxlst(why.into())),
                            part: None,
                            crew_list: false,
                        }));
                    }
                }
                Ok(Some(Err(una))) => {
                    self.done = true;
                    self.out.push_back(PaxlstItem::Message(PaxlstMessage {
                        line: 1,
                        result: Err(MessageError::Paxlst(una)),
                        part: None,
                        crew_list: false,
                    }));
                }
                Ok(Some(Ok(seg))) => self.take(seg),
            }
        }
    }
}
