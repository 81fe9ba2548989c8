//! The gzip path: the first byte picks protobuf or JSON, the rest is the
//! `Content-Encoding: gzip` body (bombs are cut at the limit).
#![no_main]

use collector::otlp::BodyFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((&first, body)) = data.split_first() {
        let format = if first % 2 == 0 { BodyFormat::Protobuf } else { BodyFormat::Json };
        meridian_fuzz::run(body, format, true);
    }
});
