//! UN/EDIFACT syntax, streamed: the UNA service string advice and the
//! splitting of a byte stream into raw segments, honouring the release
//! character. Memory is bounded by [`MAX_SEGMENT`] whatever the input: a
//! longer segment is cut and marked, never held whole.

use std::io::{self, BufRead};

/// The longest segment kept. A PAXLST segment is a few hundred bytes; a
/// longer one is damage, reported, not held.
pub const MAX_SEGMENT: usize = 64 * 1024;

/// The service characters of an interchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Separators {
    pub component: u8,
    pub element: u8,
    pub decimal: u8,
    pub release: Option<u8>,
    pub repetition: u8,
    pub segment: u8,
}

impl Default for Separators {
    /// The defaults of ISO 9735 when there is no UNA: `:+.? '`.
    fn default() -> Self {
        Separators {
            component: b':',
            element: b'+',
            decimal: b'.',
            release: Some(b'?'),
            repetition: b' ',
            segment: b'\'',
        }
    }
}

impl Separators {
    /// Read the six characters after `UNA`.
    pub fn from_una(a: &[u8]) -> Result<Separators, &'static str> {
        if a.len() < 6 {
            return Err("UNA service string advice is shorter than 6 characters");
        }
        if !a[..6].is_ascii() {
            return Err("UNA service characters must be ASCII");
        }
        Ok(Separators {
            component: a[0],
            element: a[1],
            decimal: a[2],
            release: if a[3] == b' ' { None } else { Some(a[3]) },
            repetition: a[4],
            segment: a[5],
        })
    }
}

/// White space (and a UTF-8 byte-order mark) allowed between segments.
pub fn is_filler(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | 0xEF | 0xBB | 0xBF)
}

/// One segment as it stood in the input: its bytes from the end of the
/// previous segment (white space before it included, so line numbers can be
/// recounted) through its terminator.
#[derive(Debug, Clone)]
pub struct RawSegment {
    pub bytes: Vec<u8>,
    /// Line the bytes start on.
    pub line: usize,
    /// Line the segment's first character is on.
    pub tag_line: usize,
    /// Longer than [`MAX_SEGMENT`]: `bytes` holds only its start.
    pub oversize: bool,
    /// The input ended before the terminator.
    pub unterminated: bool,
}

impl RawSegment {
    /// The tag: the characters before the first separator, white space trimmed.
    pub fn tag(&self, sep: &Separators) -> &str {
        let b = &self.bytes;
        let start = b.iter().position(|c| !is_filler(*c)).unwrap_or(b.len());
        let end = b[start..]
            .iter()
            .position(|c| *c == sep.element || *c == sep.component || *c == sep.segment)
            .map_or(b.len(), |e| start + e);
        std::str::from_utf8(&b[start..end]).unwrap_or("").trim()
    }
}

/// A tag of the shape EDIFACT uses: three upper-case letters or digits.
pub fn is_tag_shape(tag: &str) -> bool {
    tag.len() == 3 && tag.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Splits an EDIFACT byte stream into raw segments.
pub struct Splitter<R> {
    input: R,
    sep: Separators,
    line: usize,
    started: bool,
    done: bool,
}

impl<R: BufRead> Splitter<R> {
    pub fn new(input: R) -> Splitter<R> {
        Splitter { input, sep: Separators::default(), line: 1, started: false, done: false }
    }

    /// The separators in force (known after the first segment was read).
    pub fn separators(&self) -> Separators {
        self.sep
    }

    /// Read an optional UNA at the very start.
    fn start(&mut self) -> io::Result<Result<(), String>> {
        self.started = true;
        // Skip leading filler, counting lines.
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok(Ok(()));
            }
            let n = buf.iter().position(|c| !is_filler(*c)).unwrap_or(buf.len());
            self.line += buf[..n].iter().filter(|c| **c == b'\n').count();
            let more = n == buf.len();
            self.input.consume(n);
            if !more {
                break;
            }
        }
        let mut head = [0u8; 9];
        let mut got = 0;
        // Peek at up to nine bytes without losing them when there is no UNA.
        let buf = self.input.fill_buf()?;
        if buf.len() >= 9 || !buf.starts_with(b"UNA") {
            if buf.starts_with(b"UNA") {
                head.copy_from_slice(&buf[..9]);
                got = 9;
            }
        } else {
            // A UNA split across reads: take it byte by byte.
            while got < 9 {
                let buf = self.input.fill_buf()?;
                if buf.is_empty() {
                    break;
                }
                head[got] = buf[0];
                self.input.consume(1);
                got += 1;
            }
            if got < 9 {
                self.done = true;
                return Ok(Err("UNA service string advice is shorter than 6 characters".into()));
            }
            return Ok(self.una(&head));
        }
        if got == 9 {
            self.input.consume(9);
            return Ok(self.una(&head));
        }
        Ok(Ok(()))
    }

    fn una(&mut self, head: &[u8; 9]) -> Result<(), String> {
        self.line += head.iter().filter(|c| **c == b'\n').count();
        match Separators::from_una(&head[3..]) {
            Ok(s) => {
                self.sep = s;
                Ok(())
            }
            Err(e) => {
                self.done = true;
                Err(e.into())
            }
        }
    }

    /// The next segment, `Ok(None)` at the end. A UNA that cannot be read
    /// ends the stream with `Err` in the inner result.
    pub fn next_segment(&mut self) -> io::Result<Option<Result<RawSegment, String>>> {
        if !self.started {
            if let Err(e) = self.start()? {
                return Ok(Some(Err(e)));
            }
        }
        if self.done {
            return Ok(None);
        }
        let sep = self.sep;
        let mut seg =
            RawSegment { bytes: Vec::new(), line: self.line, tag_line: 0, oversize: false, unterminated: false };
        let mut seen_text = false;
        let mut escaped = false;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                self.done = true;
                if !seen_text {
                    return Ok(None);
                }
                seg.unterminated = true;
                return Ok(Some(Ok(seg)));
            }
            let mut used = 0;
            let mut end = false;
            for &c in buf {
                used += 1;
                if c == b'\n' {
                    self.line += 1;
                }
                if !seen_text && !is_filler(c) {
                    if c == sep.segment {
                        // An empty segment: nothing to report, go on.
                        seg.bytes.clear();
                        seg.line = self.line;
                        continue;
                    }
                    seen_text = true;
                    seg.tag_line = self.line;
                }
                if seg.bytes.len() < MAX_SEGMENT {
                    seg.bytes.push(c);
                } else {
                    seg.oversize = true;
                }
                if escaped {
                    escaped = false;
                } else if Some(c) == sep.release {
                    escaped = true;
                } else if c == sep.segment {
                    end = true;
                    break;
                }
            }
            self.input.consume(used);
            if end {
                return Ok(Some(Ok(seg)));
            }
        }
    }
}
