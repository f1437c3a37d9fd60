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

/// The stream sent a line, or an event, larger than the parser's limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TooLarge;

/// The largest line, and the largest event (its `event:` and `data:` values together),
/// accepted by [`SseParser::new`]: a watch event is one connected account. Bounding the
/// event as well as the line keeps a stream of endless `data:` lines from growing memory
/// without end.
pub(crate) const MAX_EVENT: usize = 4 * 1024 * 1024;

/// Incremental SSE parser: feed chunks, get complete events.
#[derive(Debug)]
pub(crate) struct SseParser {
    /// The largest line and the largest event accepted.
    limit: usize,
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
        Self::with_limit(MAX_EVENT)
    }

    /// A parser accepting lines and events of at most `limit` bytes.
    pub(crate) fn with_limit(limit: usize) -> Self {
        Self {
            limit,
            line: Vec::new(),
            after_cr: false,
            started: false,
            event: String::new(),
            data: String::new(),
            has_data: false,
        }
    }

    /// Feeds one chunk; returns the events it completed, or [`TooLarge`] when a line or an
    /// event exceeds the limit (the stream is then unusable: the caller drops it).
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, TooLarge> {
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
            if self.line.len() > self.limit {
                return Err(TooLarge);
            }
            let line = std::mem::take(&mut self.line);
            self.line_done(&line, &mut out);
            if self.event.len() + self.data.len() > self.limit {
                return Err(TooLarge);
            }
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
        if self.line.len() > self.limit {
            return Err(TooLarge);
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
        let big = vec![b'a'; MAX_EVENT / 2 + 1];
        assert!(p.push(&big).is_ok());
        assert_eq!(p.push(&big), Err(TooLarge));
    }

    #[test]
    fn rejects_endless_events() {
        // Found by review of `buffered_memory_is_bounded`: short `data:` lines without the
        // blank line that ends an event used to grow the event without limit.
        let mut p = SseParser::with_limit(64);
        for _ in 0..5 {
            assert_eq!(p.push(b"data: 0123456789\n"), Ok(vec![]));
        }
        assert_eq!(p.push(b"data: 0123456789\n"), Err(TooLarge));
        let mut p = SseParser::with_limit(64);
        let long_name = format!("event: {}\n", "e".repeat(70));
        assert_eq!(p.push(long_name.as_bytes()), Err(TooLarge));
        // Events up to the limit still pass, and a completed event frees its room.
        let mut p = SseParser::with_limit(64);
        for _ in 0..100 {
            assert_eq!(p.push(b"data: 0123456789\n\n").unwrap().len(), 1);
        }
    }

    mod properties {
        use super::*;
        use proptest::collection::vec;
        use proptest::prelude::*;

        /// Bytes that matter to the parser, and any others.
        fn stream_bytes() -> impl Strategy<Value = Vec<u8>> {
            let piece = prop_oneof![
                Just(b"data".to_vec()),
                Just(b"event".to_vec()),
                Just(b":".to_vec()),
                Just(b" ".to_vec()),
                Just(b"\r".to_vec()),
                Just(b"\n".to_vec()),
                Just(b"\r\n".to_vec()),
                Just("\u{feff}".as_bytes().to_vec()),
                Just("é€𝄞".as_bytes().to_vec()),
                vec(any::<u8>(), 0..8),
            ];
            vec(piece, 0..60).prop_map(|p| p.concat())
        }

        /// `bytes` cut at `cuts` (positions modulo its length).
        fn chunks(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
            let mut at: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
            at.sort_unstable();
            let mut out = Vec::new();
            let mut start = 0;
            for end in at.into_iter().chain([bytes.len()]) {
                out.push(bytes[start..end].to_vec());
                start = end;
            }
            out
        }

        /// Events of `chunks` fed in order, up to the first error; whether one happened.
        fn feed(p: &mut SseParser, chunks: &[Vec<u8>]) -> (Vec<SseEvent>, bool) {
            let mut got = Vec::new();
            for c in chunks {
                match p.push(c) {
                    Ok(evs) => got.extend(evs),
                    Err(TooLarge) => return (got, true),
                }
            }
            (got, false)
        }

        /// One event as a server may write it: an event name (maybe none) and data lines.
        fn event() -> impl Strategy<Value = (String, Vec<String>)> {
            (
                prop_oneof![Just(String::new()), "[a-z_]{1,10}", "[^\r\n]{0,12}"],
                vec("[^\r\n]{0,20}", 1..4),
            )
        }

        proptest! {
            /// Where the chunks of a stream are cut never changes its events, whatever it
            /// holds (line ends split, UTF-8 split, a BOM, garbage).
            #[test]
            fn chunking_does_not_matter(bytes in stream_bytes(), cuts in vec(any::<usize>(), 0..6)) {
                let whole = feed(&mut SseParser::new(), std::slice::from_ref(&bytes));
                prop_assert!(!whole.1);
                let split = feed(&mut SseParser::new(), &chunks(&bytes, &cuts));
                prop_assert_eq!(whole, split);
            }

            /// Events written with any line ends, comments, ignored fields and a BOM come
            /// back as written, however the stream is cut.
            #[test]
            fn written_events_parse_back(
                events in vec(event(), 0..6),
                ends in vec(prop_oneof![Just("\n"), Just("\r\n"), Just("\r")], 1..4),
                noise in vec(prop_oneof![Just(""), Just(": keep-alive"), Just("id: 7"), Just("retry: 10"), Just(":")], 1..4),
                bom in any::<bool>(),
                cuts in vec(any::<usize>(), 0..6),
            ) {
                let mut text = String::new();
                if bom {
                    text.push('\u{feff}');
                }
                // One line end per event: a `\r` end followed by a `\n` one would be one
                // `\r\n` end, as the format says.
                for (i, (name, data)) in events.iter().enumerate() {
                    let end = ends[i % ends.len()];
                    let n = noise[i % noise.len()];
                    if !n.is_empty() {
                        text.push_str(n);
                        text.push_str(end);
                    }
                    if !name.is_empty() {
                        text.push_str(&format!("event: {name}{end}"));
                    }
                    for line in data {
                        text.push_str(&format!("data: {line}{end}"));
                    }
                    text.push_str(end);
                }
                let expected: Vec<SseEvent> = events
                    .iter()
                    .map(|(name, data)| SseEvent {
                        event: if name.is_empty() { "message".into() } else { name.clone() },
                        data: data.join("\n"),
                    })
                    .collect();
                let got = feed(&mut SseParser::new(), &chunks(text.as_bytes(), &cuts));
                prop_assert_eq!(got, (expected, false));
            }

            /// The parser never holds more than its limit of a line or of an event, and a
            /// stream over the limit is refused rather than buffered.
            #[test]
            fn buffered_memory_is_bounded(
                limit in 1usize..200,
                parts in vec(stream_bytes(), 1..8),
            ) {
                let mut p = SseParser::with_limit(limit);
                for part in &parts {
                    match p.push(part) {
                        Ok(evs) => {
                            prop_assert!(p.line.len() <= limit);
                            prop_assert!(p.event.len() + p.data.len() <= limit);
                            for ev in evs {
                                prop_assert!(ev.data.len() <= limit);
                            }
                        }
                        Err(TooLarge) => break,
                    }
                }
            }
        }
    }
}
