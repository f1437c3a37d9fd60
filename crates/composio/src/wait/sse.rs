//! A small incremental parser of server-sent events (the subset of the WHATWG format the
//! watch stream uses): `event:` and `data:` fields, multi-line data, comments, and any of
//! `\n`, `\r\n`, `\r` as line ends, with chunk boundaries anywhere (even inside `\r\n` or a
//! UTF-8 character).

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event:` field (`message` when absent).
    pub(crate) event: String,
    /// The `data:` lines joined with `\n`.
    pub(crate) data: String,
}

/// The stream sent a line longer than [`MAX_LINE`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineTooLong;

/// The longest line accepted (a watch event is one connected account).
pub(crate) const MAX_LINE: usize = 4 * 1024 * 1024;

/// Incremental SSE parser: feed chunks, get complete events.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    line: Vec<u8>,
    /// The previous chunk ended with `\r`: a leading `\n` belongs to that line end.
    after_cr: bool,
    started: bool,
    event: String,
    data: String,
    has_data: bool,
}

impl SseParser {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Feeds one chunk; returns the events it completed.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, LineTooLong> {
        let mut out = Vec::new();
        if chunk.is_empty() {
            return Ok(out);
        }
        let mut rest = chunk;
        if self.after_cr {
            self.after_cr = false;
            if let Some(b'\n') = rest.first() {
                rest = &rest[1..];
            }
        }
        while let Some(pos) = rest.iter().position(|b| *b == b'\n' || *b == b'\r') {
            self.line.extend_from_slice(&rest[..pos]);
            if self.line.len() > MAX_LINE {
                return Err(LineTooLong);
            }
            let line = std::mem::take(&mut self.line);
            self.line_done(&line, &mut out);
            let terminator = rest[pos];
            rest = &rest[pos + 1..];
            if terminator == b'\r' {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
        }
        self.line.extend_from_slice(rest);
        if self.line.len() > MAX_LINE {
            return Err(LineTooLong);
        }
        Ok(out)
    }

    fn line_done(&mut self, raw: &[u8], out: &mut Vec<SseEvent>) {
        let mut line = String::from_utf8_lossy(raw);
        if !self.started {
            self.started = true;
            if let Some(stripped) = line.strip_prefix('\u{feff}') {
                line = stripped.to_owned().into();
            }
        }
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line.starts_with(':') {
            return; // comment / keep-alive
        }
        let (field, value) = match line.find(':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (&line[..], ""),
        };
        match field {
            "event" => self.event = value.to_owned(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            _ => {} // id, retry and unknown fields are not used
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let event = std::mem::take(&mut self.event);
        let data = std::mem::take(&mut self.data);
        if !std::mem::take(&mut self.has_data) {
            return;
        }
        out.push(SseEvent {
            event: if event.is_empty() {
                "message".to_owned()
            } else {
                event
            },
            data,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
        }
    }

    const TEXT: &str = "\u{feff}: hello\r\nevent: ready\r\ndata: {\"watch_id\":\"w1\"}\r\n\r\n\
        :keep-alive\n\nevent:account\ndata: {\"a\":\ndata:  1}\n\n\
        data: plain\rdata:second\r\rid: 7\nretry: 10\nevent: not_found\ndata: {\"id\":\"ca_é\"}\n\n\
        event: ignored-without-data\n\n";

    fn expected() -> Vec<SseEvent> {
        vec![
            ev("ready", "{\"watch_id\":\"w1\"}"),
            ev("account", "{\"a\":\n 1}"),
            ev("message", "plain\nsecond"),
            ev("not_found", "{\"id\":\"ca_é\"}"),
        ]
    }

    #[test]
    fn parses_a_whole_stream() {
        let mut p = SseParser::new();
        assert_eq!(p.push(TEXT.as_bytes()).unwrap(), expected());
    }

    #[test]
    fn every_split_point_gives_the_same_events() {
        let bytes = TEXT.as_bytes();
        for i in 0..bytes.len() {
            for j in i..bytes.len() {
                let mut p = SseParser::new();
                let mut got = p.push(&bytes[..i]).unwrap();
                got.extend(p.push(&bytes[i..j]).unwrap());
                got.extend(p.push(&bytes[j..]).unwrap());
                assert_eq!(got, expected(), "split at {i}/{j}");
            }
        }
    }

    #[test]
    fn byte_by_byte() {
        let mut p = SseParser::new();
        let mut got = Vec::new();
        for b in TEXT.as_bytes() {
            got.extend(p.push(std::slice::from_ref(b)).unwrap());
        }
        assert_eq!(got, expected());
    }

    #[test]
    fn rejects_endless_lines() {
        let mut p = SseParser::new();
        let big = vec![b'a'; MAX_LINE / 2 + 1];
        assert!(p.push(&big).is_ok());
        assert_eq!(p.push(&big), Err(LineTooLong));
    }
}
