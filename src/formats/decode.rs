//! Bytes in, messages out: the one place that tells a message's format and
//! reads it, for every source (files, spool, HTTP bodies, Kafka records).
//!
//! Input is read as a stream and memory stays bounded by the largest single
//! message ([`MAX_JSON_MESSAGE`], [`super::paxlst::MAX_MESSAGE`]) whatever the
//! input's size or shape. JSON input holds one document (pretty-printed or
//! not) or one per line (JSON Lines): documents are told apart by their
//! brackets, so a document spread over lines is one message and its error
//! names the real line, and a line cut short in JSON Lines costs that line
//! only.

use super::paxlst::{Part, PaxlstItem, PaxlstStream};
use super::{api_json, detect, Format, MessageError, ReadResult};
use crate::model::FieldError;
use std::io::{self, BufRead};

/// The largest JSON message read; a larger one is refused unread.
pub const MAX_JSON_MESSAGE: usize = 8 * 1024 * 1024;

/// One thing read from the input.
#[derive(Debug)]
// As `PaxlstItem`: moved once per message, not worth an allocation each.
#[allow(clippy::large_enum_variant)]
pub enum Decoded {
    /// A message, read or refused, with the line it starts on.
    Message { line: usize, result: ReadResult, part: Option<Part>, bytes: usize },
    /// Damage that belongs to no message (stray segments between messages).
    Notice { line: usize, error: FieldError },
}

/// Read every message of `input`, its format told by its first bytes.
pub fn decode<'a, R: BufRead + 'a>(mut input: R) -> io::Result<Box<dyn Iterator<Item = io::Result<Decoded>> + 'a>> {
    let head = peek(&mut input)?;
    Ok(match detect(&head) {
        None if head.iter().all(|b| b.is_ascii_whitespace()) => Box::new(std::iter::empty()),
        None => Box::new(std::iter::once(Ok(Decoded::Message {
            line: 1,
            result: Err(MessageError::UnknownFormat),
            part: None,
            bytes: 0,
        }))),
        Some(Format::Paxlst) => Box::new(PaxlstStream::new(input).map(|item| {
            item.map(|i| match i {
                PaxlstItem::Message(m) => Decoded::Message { line: m.line, result: m.result, part: m.part, bytes: 0 },
                PaxlstItem::Notice { line, error } => Decoded::Notice { line, error },
            })
        })),
        Some(Format::Json) => Box::new(JsonDocuments::new(input).map(|doc| {
            doc.map(|d| {
                let bytes = d.text.len();
                let result = match d.oversize {
                    true => Err(MessageError::TooLarge { limit_mib: MAX_JSON_MESSAGE / (1024 * 1024) }),
                    false => read_json(&d.text, d.line),
                };
                Decoded::Message { line: d.line, result, part: None, bytes }
            })
        })),
    })
}

/// Everything read from bytes held in memory (a Kafka record, an HTTP body).
pub fn decode_bytes(bytes: &[u8]) -> Vec<Decoded> {
    decode(bytes)
        .expect("reading from memory cannot fail")
        .map(|d| d.expect("reading from memory cannot fail"))
        .collect()
}

/// The first bytes of the input that tell the format, without consuming them.
fn peek<R: BufRead>(input: &mut R) -> io::Result<Vec<u8>> {
    // Skip nothing: the readers count lines from the first byte.
    let buf = input.fill_buf()?;
    let start = buf.iter().position(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF));
    match start {
        Some(_) => Ok(buf[..buf.len().min(64)].to_vec()),
        None if buf.is_empty() => Ok(Vec::new()),
        None => {
            // A buffer of white space only: skip it and look again.
            let n = buf.len();
            let mut head = buf.to_vec();
            input.consume(n);
            head.extend(peek(input)?);
            Ok(head)
        }
    }
}

/// Read one JSON document that starts on `line`: errors name the line in the input.
fn read_json(text: &[u8], line: usize) -> ReadResult {
    match api_json::read(text) {
        Err(MessageError::Syntax { line: l, column, reason }) => {
            Err(MessageError::Syntax { line: line + l - 1, column, reason })
        }
        other => other,
    }
}

/// One JSON document cut out of the input.
struct Document {
    line: usize,
    text: Vec<u8>,
    oversize: bool,
}

/// Cuts JSON documents out of a stream by their brackets.
struct JsonDocuments<R> {
    input: R,
    line: usize,
    /// The document being gathered.
    doc: Document,
    started: bool,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// About the current line: where it starts in `doc.text`, its depth at
    /// the start, the lowest depth within it, whether it starts with `{` in
    /// column 0 and the last byte that was not white space.
    line_start: usize,
    line_depth: usize,
    line_min: usize,
    line_opens: bool,
    at_column0: bool,
    last: u8,
    ready: std::collections::VecDeque<Document>,
    done: bool,
}

impl<R: BufRead> JsonDocuments<R> {
    fn new(input: R) -> Self {
        JsonDocuments {
            input,
            line: 1,
            doc: Document { line: 1, text: Vec::new(), oversize: false },
            started: false,
            depth: 0,
            in_string: false,
            escaped: false,
            line_start: 0,
            line_depth: 0,
            line_min: 0,
            line_opens: false,
            at_column0: true,
            last: b'\n',
            ready: Default::default(),
            done: false,
        }
    }

    fn push(&mut self, c: u8) {
        if self.doc.text.len() < MAX_JSON_MESSAGE {
            self.doc.text.push(c);
        } else {
            self.doc.oversize = true;
        }
    }

    /// End the document gathered so far, if it holds anything.
    fn emit(&mut self, next_line: usize) {
        let doc = std::mem::replace(&mut self.doc, Document { line: next_line, text: Vec::new(), oversize: false });
        if doc.text.iter().any(|b| !b.is_ascii_whitespace()) {
            self.ready.push_back(doc);
        }
        self.started = false;
        self.depth = 0;
        self.in_string = false;
        self.escaped = false;
    }

    fn byte(&mut self, c: u8) {
        if !self.started {
            if c.is_ascii_whitespace() || matches!(c, 0xEF | 0xBB | 0xBF) {
                if c == b'\n' {
                    self.line += 1;
                    self.doc.line = self.line;
                    self.at_column0 = true;
                }
                return;
            }
            self.started = true;
            self.doc.line = self.line;
            self.line_start = 0;
            self.line_depth = 0;
            self.line_min = 0;
            self.line_opens = c == b'{' && self.at_column0;
        } else if self.at_column0 {
            self.line_start = self.doc.text.len();
            self.line_depth = self.depth;
            self.line_min = self.depth;
            self.line_opens = c == b'{';
        }
        self.at_column0 = false;
        if c == b'\n' {
            self.end_of_line();
            return;
        }
        self.push(c);
        if !c.is_ascii_whitespace() {
            self.last = c;
        }
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if c == b'\\' {
                self.escaped = true;
            } else if c == b'"' {
                self.in_string = false;
            }
            return;
        }
        match c {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                self.line_min = self.line_min.min(self.depth);
            }
            _ => {}
        }
    }

    fn end_of_line(&mut self) {
        self.line += 1;
        self.at_column0 = true;
        if self.depth == 0 {
            // The document is whole (or was never going to be): one message.
            self.emit(self.line);
            return;
        }
        // Still open. A line that is a whole object on its own, starting in
        // column 0, after an open document is the next message of JSON Lines
        // whose previous line was cut short: end both.
        let whole_line = self.line_opens
            && self.line_start > 0
            && self.line_min == self.line_depth
            && self.depth == self.line_depth
            && self.last == b'}'
            && !self.in_string;
        if whole_line && !self.doc.oversize {
            let tail = self.doc.text.split_off(self.line_start);
            let line_of_tail = self.line - 1;
            let head = std::mem::replace(&mut self.doc, Document { line: line_of_tail, text: tail, oversize: false });
            self.ready.push_back(head);
            self.emit(self.line);
            return;
        }
        self.push(b'\n');
    }
}

impl<R: BufRead> Iterator for JsonDocuments<R> {
    type Item = io::Result<Document>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(d) = self.ready.pop_front() {
                return Some(Ok(d));
            }
            if self.done {
                return None;
            }
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            if buf.is_empty() {
                self.done = true;
                self.emit(self.line);
                continue;
            }
            let chunk = buf.to_vec();
            let n = chunk.len();
            for c in chunk {
                self.byte(c);
            }
            self.input.consume(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &str) -> Vec<(usize, String)> {
        JsonDocuments::new(input.as_bytes())
            .map(|d| d.unwrap())
            .map(|d| (d.line, String::from_utf8(d.text).unwrap()))
            .collect()
    }

    #[test]
    fn json_lines_are_one_document_each() {
        assert_eq!(lines("{\"a\":1}\n\n{\"b\":\"}\"}\n"), vec![(1, "{\"a\":1}".into()), (3, "{\"b\":\"}\"}".into())]);
    }

    #[test]
    fn a_document_over_many_lines_is_one() {
        let d = lines("{\"a\":\n  {\"b\": [1,\n2]}\n}\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].0, 1);
    }

    #[test]
    fn a_line_cut_short_costs_only_itself() {
        let d = lines("{\"a\":1}\n{\"b\": [1,\n{\"c\":3}\n{\"d\":4}\n");
        let starts: Vec<usize> = d.iter().map(|x| x.0).collect();
        assert_eq!(starts, vec![1, 2, 3, 4], "{d:?}");
    }

    #[test]
    fn garbage_lines_are_documents_of_their_own() {
        let d = lines("{garbage}\nnot json\n{\"a\":1}\n");
        assert_eq!(d.len(), 3);
    }
}
