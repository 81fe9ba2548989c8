//! The protobuf scanner against prost's full decode, on any bytes:
//!
//! - what prost accepts, the scanner accepts, with the same span records
//!   and the same rejected spans;
//! - what prost refuses, the scanner in audit mode refuses too;
//! - when the fast scanner accepts what prost refuses, the audit names a
//!   part the graph does not read (the documented difference), unless
//!   prost's reason is nesting beyond its limit (the audit checks a skipped
//!   part on its own, where it is less deep).
#![no_main]

use collector::otlp::scan::{Mode, ScanError, scan};
use collector::otlp::{Decoder, decode_request};
use libfuzzer_sys::fuzz_target;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

fuzz_target!(|data: &[u8]| {
    let mut scanned = Vec::new();
    let fast = scan(data, Mode::Fast, &mut Decoder::default(), &mut scanned);
    let audited = scan(data, Mode::Audit, &mut Decoder::default(), &mut Vec::new());
    match ExportTraceServiceRequest::decode(data) {
        Ok(request) => {
            let mut expected = Vec::new();
            let rejected = decode_request(&request, &mut Decoder::default(), &mut expected);
            assert_eq!(fast, Ok(rejected), "prost accepts, so must the scanner, rejecting the same spans");
            assert_eq!(scanned, expected, "the same records");
            assert!(audited.is_ok(), "prost accepts, so must the audit: {audited:?}");
        }
        Err(error) => {
            if error.to_string().contains("recursion limit") {
                return;
            }
            assert!(audited.is_err(), "prost refuses ({error}) but the audit accepts");
            if fast.is_ok() {
                assert!(matches!(audited, Err(ScanError::Skipped(_))), "fast accepts what prost refuses ({error}): {audited:?}");
            }
        }
    }
});
