//! OTLP/HTTP protobuf bodies (and, through the same decoder, what OTLP/gRPC hands over).
#![no_main]

use collector::otlp::BodyFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| meridian_fuzz::run(data, BodyFormat::Protobuf, false));
