//! A protobuf `ExportTraceServiceRequest` read in place: the wire format is
//! walked once and only what the graph needs is taken (ids, kind, times,
//! name, status code, trace state, and the attributes of a [`Key`]); everything else
//! is skipped by its length, without allocating and without being decoded.
//!
//! It accepts and rejects as prost's full decode does (same wire-type, tag,
//! varint, length, group and nesting rules; UTF-8 checked in every string it
//! reads), with one documented difference: what it skips it does not check.
//! A request that prost rejects only because of
//!
//! - invalid UTF-8 in a string the graph does not read (an attribute key it
//!   does not look for, a status message, schema URLs), or
//! - a malformed message inside a part the graph does not read (span events
//!   and links, the instrumentation scope, resource entity refs, attributes
//!   it does not look for, array and map values)
//!
//! is accepted here, with the same records prost's decode would have given
//! had that part been valid. [`Mode::Audit`] checks every skipped part too
//! (with prost, on that part alone): the differential fuzz target uses it to
//! show that every difference is one of these.

use std::fmt;

use opentelemetry_proto::tonic::common::v1::{ArrayValue, EntityRef, InstrumentationScope, KeyValue, KeyValueList};
use opentelemetry_proto::tonic::trace::v1::span::{Event, Link};
use prost::Message;

use super::{AttributeNames, Attributes, Decoder, Key, Rejected, ResourceService, SpanFields, Value, span_record};
use crate::engine::SpanRecord;

/// prost's limit on nested messages and groups.
const RECURSION_LIMIT: u32 = 100;

/// Why bytes are not a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScanError {
    /// The wire format is broken; what prost would say, in short.
    Malformed(&'static str),
    /// [`Mode::Audit`] only: a skipped part that prost would refuse.
    Skipped(&'static str),
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanError::Malformed(what) => f.write_str(what),
            ScanError::Skipped(what) => write!(f, "invalid {what} (a part the graph does not read)"),
        }
    }
}

impl std::error::Error for ScanError {}

type Result<T> = std::result::Result<T, ScanError>;

fn malformed<T>(what: &'static str) -> Result<T> {
    Err(ScanError::Malformed(what))
}

/// Whether skipped parts are checked as well.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Skip unread parts by their length (what the receivers do).
    Fast,
    /// Also decode every skipped part with prost, and check the UTF-8 of
    /// every skipped string: accepts exactly what prost accepts (but for
    /// nesting beyond prost's limit inside a skipped part).
    Audit,
}

/// The protobuf wire types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wire {
    Varint,
    Fixed64,
    Len,
    StartGroup,
    EndGroup,
    Fixed32,
}

/// A cursor over one message's bytes.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// prost's rule: at most ten bytes, and the tenth at most 1.
    #[inline(always)]
    fn varint(&mut self) -> Result<u64> {
        // Most are one byte (tags, short lengths).
        if let Some((&byte, rest)) = self.bytes.split_first()
            && byte < 0x80
        {
            self.bytes = rest;
            return Ok(u64::from(byte));
        }
        let mut value = 0u64;
        for (i, &byte) in self.bytes.iter().enumerate().take(10) {
            if i == 9 && byte > 1 {
                return malformed("invalid varint");
            }
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                self.bytes = &self.bytes[i + 1..];
                return Ok(value);
            }
        }
        malformed("invalid varint")
    }

    #[inline(always)]
    fn key(&mut self) -> Result<(u32, Wire)> {
        let key = self.varint()?;
        if key > u64::from(u32::MAX) {
            return malformed("invalid key value");
        }
        let wire = match key & 7 {
            0 => Wire::Varint,
            1 => Wire::Fixed64,
            2 => Wire::Len,
            3 => Wire::StartGroup,
            4 => Wire::EndGroup,
            5 => Wire::Fixed32,
            _ => return malformed("invalid wire type value"),
        };
        let tag = (key >> 3) as u32;
        if tag == 0 {
            return malformed("invalid tag value: 0");
        }
        Ok((tag, wire))
    }

    #[inline(always)]
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.bytes.len() {
            return malformed("buffer underflow");
        }
        let (taken, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(taken)
    }

    #[inline(always)]
    fn len_delimited(&mut self) -> Result<&'a [u8]> {
        let len = self.varint()?;
        if len > self.bytes.len() as u64 {
            return malformed("buffer underflow");
        }
        self.take(len as usize)
    }

    fn fixed64(&mut self) -> Result<u64> {
        let bytes = self.take(8)?;
        Ok(u64::from_le_bytes(bytes.try_into().unwrap_or_default()))
    }

    /// A length-delimited field's bytes (strings, bytes, messages), its wire type checked.
    #[inline(always)]
    fn len_field(&mut self, wire: Wire) -> Result<&'a [u8]> {
        expect(wire, Wire::Len)?;
        self.len_delimited()
    }

    /// A varint field's value, its wire type checked.
    #[inline(always)]
    fn varint_field(&mut self, wire: Wire) -> Result<u64> {
        expect(wire, Wire::Varint)?;
        self.varint()
    }

    /// A fixed64 field's value, its wire type checked.
    #[inline(always)]
    fn fixed64_field(&mut self, wire: Wire) -> Result<u64> {
        expect(wire, Wire::Fixed64)?;
        self.fixed64()
    }

    /// Skips a field of an unknown number, as prost does (groups to their
    /// matching end, every field counted against the nesting limit).
    fn skip(&mut self, tag: u32, wire: Wire, depth_left: u32) -> Result<()> {
        if depth_left == 0 {
            return malformed("recursion limit reached");
        }
        match wire {
            Wire::Varint => self.varint().map(drop),
            Wire::Fixed64 => self.take(8).map(drop),
            Wire::Fixed32 => self.take(4).map(drop),
            Wire::Len => self.len_delimited().map(drop),
            Wire::StartGroup => loop {
                let (inner, inner_wire) = self.key()?;
                if inner_wire == Wire::EndGroup {
                    return if inner == tag { Ok(()) } else { malformed("unexpected end group tag") };
                }
                self.skip(inner, inner_wire, depth_left - 1)?;
            },
            Wire::EndGroup => malformed("unexpected end group tag"),
        }
    }
}

#[inline(always)]
fn expect(wire: Wire, expected: Wire) -> Result<()> {
    if wire == expected { Ok(()) } else { malformed("invalid wire type") }
}

/// A nested message's bytes (prost counts it against the nesting limit).
#[inline(always)]
fn message<'a>(reader: &mut Reader<'a>, wire: Wire, depth_left: u32) -> Result<&'a [u8]> {
    expect(wire, Wire::Len)?;
    if depth_left == 0 {
        return malformed("recursion limit reached");
    }
    reader.len_delimited()
}

#[inline(always)]
fn utf8(bytes: &[u8]) -> Result<&str> {
    std::str::from_utf8(bytes).or_else(|_| malformed("invalid string value: data is not UTF-8 encoded"))
}

/// Walks the fields of one message: `visit` gets each (tag, wire type) and
/// the reader positioned on the value, and must consume it.
#[inline(always)]
fn fields<'a>(bytes: &'a [u8], mut visit: impl FnMut(u32, Wire, &mut Reader<'a>) -> Result<()>) -> Result<()> {
    let mut reader = Reader::new(bytes);
    while !reader.is_empty() {
        let (tag, wire) = reader.key()?;
        visit(tag, wire, &mut reader)?;
    }
    Ok(())
}

/// The walk's context: how checks are done, and nesting left at this level.
#[derive(Clone, Copy)]
struct Walk {
    mode: Mode,
    depth_left: u32,
}

impl Walk {
    fn inner(self) -> Walk {
        Walk { depth_left: self.depth_left.saturating_sub(1), ..self }
    }

    /// A message field the graph does not read, of type `M`.
    fn skip_message<M: Message + Default>(self, reader: &mut Reader<'_>, wire: Wire, what: &'static str) -> Result<()> {
        let bytes = message(reader, wire, self.depth_left)?;
        if self.mode == Mode::Audit && M::decode(bytes).is_err() {
            return Err(ScanError::Skipped(what));
        }
        Ok(())
    }

    /// A string field the graph does not read.
    fn skip_string(self, reader: &mut Reader<'_>, wire: Wire, what: &'static str) -> Result<()> {
        let bytes = reader.len_field(wire)?;
        if self.mode == Mode::Audit && std::str::from_utf8(bytes).is_err() {
            return Err(ScanError::Skipped(what));
        }
        Ok(())
    }
}

/// The attributes of every [`Key`], each the first of its key.
struct Found<'a> {
    values: [Option<Value<'a>>; Key::ALL.len()],
    names: &'a AttributeNames,
    /// The span's OTLP kind when read before its attributes (0: not yet):
    /// keys its conversion does not read are skipped ([`Key::read_on`]).
    kind: i32,
    /// Whether a key was skipped for the kind (a later, different kind
    /// field would make the span's attributes be read again).
    skipped_for_kind: bool,
}

impl<'a> Found<'a> {
    fn new(names: &'a AttributeNames) -> Self {
        Self { values: [None; Key::ALL.len()], names, kind: 0, skipped_for_kind: false }
    }

    /// Reads one `KeyValue`: its key first (the last `key` field wins, as
    /// in prost), then, when the graph reads that key and has not seen it,
    /// its value (later `value` fields merge over earlier ones).
    fn key_value(&mut self, bytes: &'a [u8], walk: Walk) -> Result<()> {
        // What prost checks that this walk does not: every key's UTF-8, and
        // values nested in values.
        if walk.mode == Mode::Audit && KeyValue::decode(bytes).is_err() {
            return Err(ScanError::Skipped("attribute"));
        }
        let mut key: &[u8] = &[];
        // The usual attribute is one key and one value: kept from this pass.
        let (mut values, mut only_value): (usize, &[u8]) = (0, &[]);
        fields(bytes, |tag, wire, reader| match tag {
            1 => {
                key = reader.len_field(wire)?;
                Ok(())
            }
            2 => {
                only_value = message(reader, wire, walk.depth_left)?;
                values += 1;
                Ok(())
            }
            _ => reader.skip(tag, wire, walk.depth_left),
        })?;
        let Some(key) = self.names.of(key) else { return Ok(()) };
        if !key.read_on(self.kind) {
            self.skipped_for_kind = true;
            return Ok(());
        }
        let slot = key as usize;
        if self.values[slot].is_some() {
            return Ok(());
        }
        let mut value = Value::Other;
        if values == 1 {
            any_value(only_value, walk.inner(), &mut value)?;
        } else {
            // Several values merge, in order (rare).
            fields(bytes, |tag, wire, reader| match tag {
                2 => any_value(message(reader, wire, walk.depth_left)?, walk.inner(), &mut value),
                _ => reader.skip(tag, wire, walk.depth_left),
            })?;
        }
        self.values[slot] = Some(value);
        Ok(())
    }
}

/// One `AnyValue`'s fields over `value`: the last of its oneof present wins.
fn any_value<'a>(bytes: &'a [u8], walk: Walk, value: &mut Value<'a>) -> Result<()> {
    fields(bytes, |tag, wire, reader| {
        match tag {
            1 => *value = Value::Str(utf8(reader.len_field(wire)?)?),
            2 => {
                reader.varint_field(wire)?;
                *value = Value::Other;
            }
            3 => *value = Value::Int(reader.varint_field(wire)? as i64),
            4 => *value = Value::Double(f64::from_bits(reader.fixed64_field(wire)?)),
            5 => {
                walk.skip_message::<ArrayValue>(reader, wire, "array value")?;
                *value = Value::Other;
            }
            6 => {
                walk.skip_message::<KeyValueList>(reader, wire, "map value")?;
                *value = Value::Other;
            }
            7 => {
                reader.len_field(wire)?;
                *value = Value::Other;
            }
            _ => reader.skip(tag, wire, walk.depth_left)?,
        }
        Ok(())
    })
}

impl Attributes for Found<'_> {
    fn get(&self, key: Key) -> Option<Value<'_>> {
        self.values[key as usize]
    }
}

/// Reads a request's spans, appending usable ones to `out` (only when the
/// whole request is valid: on `Err`, `out` is as it was).
pub fn scan_request(bytes: &[u8], decoder: &mut Decoder, out: &mut Vec<SpanRecord>) -> Result<Rejected> {
    scan(bytes, Mode::Fast, decoder, out)
}

/// [`scan_request`] in either [`Mode`].
pub fn scan(bytes: &[u8], mode: Mode, decoder: &mut Decoder, out: &mut Vec<SpanRecord>) -> Result<Rejected> {
    let before = out.len();
    let result = scan_into(bytes, Walk { mode, depth_left: RECURSION_LIMIT }, decoder, out);
    if result.is_err() {
        out.truncate(before);
    }
    result
}

fn scan_into(bytes: &[u8], walk: Walk, decoder: &mut Decoder, out: &mut Vec<SpanRecord>) -> Result<Rejected> {
    let mut rejected = Rejected::default();
    fields(bytes, |tag, wire, reader| match tag {
        1 => {
            let resource_spans = message(reader, wire, walk.depth_left)?;
            scan_resource_spans(resource_spans, walk.inner(), decoder, out, &mut rejected)
        }
        _ => reader.skip(tag, wire, walk.depth_left),
    })?;
    Ok(rejected)
}

/// One `ResourceSpans`: its resource first (wherever it stands; repeated
/// ones merge, their attributes in order), then its spans.
fn scan_resource_spans(bytes: &[u8], walk: Walk, decoder: &mut Decoder, out: &mut Vec<SpanRecord>, rejected: &mut Rejected) -> Result<()> {
    let Decoder { names: interner, attributes: attribute_names } = decoder;
    let attribute_names = &*attribute_names;
    let mut attributes = Found::new(attribute_names);
    fields(bytes, |tag, wire, reader| match tag {
        1 => {
            let resource = message(reader, wire, walk.depth_left)?;
            let walk = walk.inner();
            fields(resource, |tag, wire, reader| match tag {
                1 => attributes.key_value(message(reader, wire, walk.depth_left)?, walk.inner()),
                2 => reader.varint_field(wire).map(drop),
                3 => walk.skip_message::<EntityRef>(reader, wire, "entity ref"),
                _ => reader.skip(tag, wire, walk.depth_left),
            })
        }
        2 => message(reader, wire, walk.depth_left).map(drop),
        3 => walk.skip_string(reader, wire, "schema URL"),
        _ => reader.skip(tag, wire, walk.depth_left),
    })?;
    let resource = ResourceService::of(&attributes, interner);
    fields(bytes, |tag, wire, reader| match tag {
        2 => {
            let scope_spans = message(reader, wire, walk.depth_left)?;
            let walk = walk.inner();
            fields(scope_spans, |tag, wire, reader| match tag {
                1 => walk.skip_message::<InstrumentationScope>(reader, wire, "instrumentation scope"),
                2 => {
                    let span = message(reader, wire, walk.depth_left)?;
                    scan_span(span, walk.inner(), attribute_names, |fields| match &resource {
                        Ok(resource) => match span_record(fields, resource, interner) {
                            Ok(record) => out.push(record),
                            Err(reason) => rejected.add(1, || reason),
                        },
                        Err(reason) => rejected.add(1, || reason.clone()),
                    })
                }
                3 => walk.skip_string(reader, wire, "schema URL"),
                _ => reader.skip(tag, wire, walk.depth_left),
            })
        }
        // Checked in the first pass.
        _ => reader.skip(tag, wire, walk.depth_left),
    })
}

/// One `Span`'s fields, handed to `take` once all are read.
fn scan_span<'a>(bytes: &'a [u8], walk: Walk, names: &'a AttributeNames, take: impl FnOnce(&SpanFields<'_, Found<'a>>)) -> Result<()> {
    let mut attributes = Found::new(names);
    let (mut trace_id, mut span_id, mut parent_span_id): (&[u8], &[u8], &[u8]) = (&[], &[], &[]);
    let (mut name, mut trace_state) = ("", "");
    let (mut kind, mut status_code) = (0i32, 0i32);
    let (mut start, mut end) = (0u64, 0u64);
    let mut read_again = false;
    fields(bytes, |tag, wire, reader| {
        match tag {
            1 => trace_id = reader.len_field(wire)?,
            2 => span_id = reader.len_field(wire)?,
            3 => trace_state = utf8(reader.len_field(wire)?)?,
            4 => parent_span_id = reader.len_field(wire)?,
            5 => name = utf8(reader.len_field(wire)?)?,
            6 => {
                kind = reader.varint_field(wire)? as i32;
                // The last kind field wins (as in prost): attributes skipped for another kind are read again.
                read_again |= attributes.skipped_for_kind && kind != attributes.kind;
                attributes.kind = kind;
            }
            7 => start = reader.fixed64_field(wire)?,
            8 => end = reader.fixed64_field(wire)?,
            9 => attributes.key_value(message(reader, wire, walk.depth_left)?, walk.inner())?,
            10 | 12 | 14 => {
                reader.varint_field(wire)?;
            }
            11 => walk.skip_message::<Event>(reader, wire, "span event")?,
            13 => walk.skip_message::<Link>(reader, wire, "span link")?,
            15 => {
                let status = message(reader, wire, walk.depth_left)?;
                let walk = walk.inner();
                fields(status, |tag, wire, reader| match tag {
                    2 => walk.skip_string(reader, wire, "status message"),
                    3 => {
                        status_code = reader.varint_field(wire)? as i32;
                        Ok(())
                    }
                    _ => reader.skip(tag, wire, walk.depth_left),
                })?;
            }
            16 => {
                expect(wire, Wire::Fixed32)?;
                reader.take(4)?;
            }
            _ => reader.skip(tag, wire, walk.depth_left)?,
        }
        Ok(())
    })?;
    if read_again {
        attributes = Found::new(names);
        attributes.kind = kind;
        fields(bytes, |tag, wire, reader| match tag {
            9 => attributes.key_value(message(reader, wire, walk.depth_left)?, walk.inner()),
            _ => reader.skip(tag, wire, walk.depth_left),
        })?;
    }
    take(&SpanFields {
        trace_id,
        span_id,
        parent_span_id,
        name,
        kind,
        start_time_unix_nano: start,
        end_time_unix_nano: end,
        status_code,
        trace_state,
        attributes: &attributes,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::{Decoder, decode_request};
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use synthetic::export_request;

    /// What a request gives: its records and its rejected spans.
    type Decoded = (Vec<SpanRecord>, Rejected);

    /// prost's decode (`None` when it refuses) and the scanner's.
    fn both(bytes: &[u8]) -> (Option<Decoded>, Result<Decoded>) {
        let full = ExportTraceServiceRequest::decode(bytes).ok().map(|request| {
            let mut out = Vec::new();
            let rejected = decode_request(&request, &mut Decoder::default(), &mut out);
            (out, rejected)
        });
        let mut out = Vec::new();
        let scanned = scan_request(bytes, &mut Decoder::default(), &mut out).map(|rejected| (out, rejected));
        (full, scanned)
    }

    #[test]
    fn the_shop_scans_as_prost_decodes_it() {
        for seed in 0..20 {
            let bytes = export_request(seed, 60, 1_700_000_000_000_000_000).encode_to_vec();
            let (full, scanned) = both(&bytes);
            let full = full.expect("prost decodes its own encoding");
            assert_eq!(scanned.expect("scanned"), full, "seed {seed}");
            assert_eq!(scan(&bytes, Mode::Audit, &mut Decoder::default(), &mut Vec::new()).map(|r| r.count), Ok(full.1.count));
        }
    }

    #[test]
    fn merges_first_keys_and_order_follow_prost() {
        use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
        use opentelemetry_proto::tonic::resource::v1::Resource;
        use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
        let text = |key: &str, value: &str| KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(any_value::Value::StringValue(value.into())) }),
        };
        let span = Span {
            trace_id: vec![1; 16],
            span_id: vec![2; 8],
            kind: 3,
            name: "GET".into(),
            attributes: vec![text("server.address", "first"), text("server.address", "second"), text("http.method", "GET")],
            ..Default::default()
        };
        let mut resource_spans = ResourceSpans {
            resource: Some(Resource { attributes: vec![text("service.name", "a")], ..Default::default() }),
            scope_spans: vec![ScopeSpans { spans: vec![span], ..Default::default() }],
            ..Default::default()
        }
        .encode_to_vec();
        // A second resource after the spans: prost merges it into the first.
        let second = Resource { attributes: vec![text("service.namespace", "ns")], ..Default::default() }.encode_to_vec();
        resource_spans.push(0x0a);
        prost::encoding::encode_varint(second.len() as u64, &mut resource_spans);
        resource_spans.extend(second);
        let mut request = vec![0x0a];
        prost::encoding::encode_varint(resource_spans.len() as u64, &mut request);
        request.extend(resource_spans);
        let (full, scanned) = both(&request);
        let (records, _) = scanned.unwrap();
        assert_eq!(Some((records.clone(), Rejected::default())), full);
        assert_eq!(&**records[0].service(), "ns/a");
        assert_eq!(records[0].peer, Some(crate::engine::Peer::Remote("first".into())), "the first attribute of a key decides");
    }

    #[test]
    fn broken_wire_format_is_refused_like_prost() {
        let good = export_request(1, 10, 1_700_000_000_000_000_000).encode_to_vec();
        for cut in [1, 5, good.len() / 2, good.len() - 1] {
            let (full, scanned) = both(&good[..cut]);
            assert_eq!(full.is_some(), scanned.is_ok(), "cut at {cut}");
        }
        for bad in [&[0x00][..], &[0x0f], &[0x0c], &[0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], &[0x0a, 0x05, 0x01]]
        {
            let (full, scanned) = both(bad);
            assert!(full.is_none() && scanned.is_err(), "{bad:02x?}");
        }
    }

    #[test]
    fn skipped_parts_are_checked_only_in_audit_mode() {
        use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
        let mut request = export_request(3, 10, 1_700_000_000_000_000_000);
        let span = &mut request.resource_spans[0].scope_spans[0].spans[0];
        span.status = Some(opentelemetry_proto::tonic::trace::v1::Status { code: 0, message: "\u{1F600}".into() });
        let mut bytes = request.encode_to_vec();
        // Break the emoji's UTF-8: prost refuses, the fast scan does not read it.
        let at = bytes.windows(4).position(|w| w == "\u{1F600}".as_bytes()).unwrap();
        bytes[at + 1] = 0xff;
        let (full, scanned) = both(&bytes);
        assert!(full.is_none());
        assert!(scanned.is_ok());
        assert_eq!(scan(&bytes, Mode::Audit, &mut Decoder::default(), &mut Vec::new()), Err(ScanError::Skipped("status message")));
        let _ = (ResourceSpans::default(), ScopeSpans::default(), Span::default());
    }

    /// Keys a kind does not read are skipped once the kind is known; a
    /// later kind field (the last wins, as in prost) reads them again.
    #[test]
    fn a_kind_that_changes_after_the_attributes_reads_them_again() {
        use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
        use opentelemetry_proto::tonic::resource::v1::Resource;
        use opentelemetry_proto::tonic::trace::v1::Span;
        let text = |key: &str, value: &str| KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(any_value::Value::StringValue(value.into())) }),
        };
        let mut span = Span {
            trace_id: vec![1; 16],
            span_id: vec![2; 8],
            kind: 2,
            name: "GET".into(),
            attributes: vec![text("server.address", "payments.internal"), text("http.request.method", "GET")],
            ..Default::default()
        }
        .encode_to_vec();
        span.extend([0x30, 0x03]); // kind = CLIENT, after the attributes
        let wrap = |tag: u8, inner: &[u8]| {
            let mut out = vec![tag];
            prost::encoding::encode_varint(inner.len() as u64, &mut out);
            out.extend_from_slice(inner);
            out
        };
        let resource = Resource { attributes: vec![text("service.name", "checkout")], ..Default::default() }.encode_to_vec();
        let resource_spans = [wrap(0x0a, &resource), wrap(0x12, &wrap(0x12, &span))].concat();
        let request = wrap(0x0a, &resource_spans);
        let (full, scanned) = both(&request);
        let (records, _) = scanned.expect("scans");
        assert_eq!(Some((records.clone(), Rejected::default())), full, "as prost reads it");
        assert_eq!(records[0].kind, crate::engine::SpanKind::Client);
        assert_eq!(records[0].peer, Some(crate::engine::Peer::Remote("payments.internal".into())));
    }
}
