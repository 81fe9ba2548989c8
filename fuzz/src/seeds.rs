//! Writes a seed corpus for each target from `synthetic`:
//! realistic requests as protobuf, as OTLP/JSON, and gzip-compressed.
//!
//!     cargo run --manifest-path fuzz/Cargo.toml --bin seeds -- fuzz/corpus

use std::io::Write;
use std::path::PathBuf;

use synthetic::export_request;
use prost::Message;

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes)?;
    encoder.finish()
}

fn main() -> std::io::Result<()> {
    let root = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fuzz/corpus".into()));
    for target in ["otlp_protobuf", "otlp_json", "otlp_gzip", "otlp_differential"] {
        std::fs::create_dir_all(root.join(target))?;
    }
    for seed in 0..8u64 {
        // Small requests: libFuzzer mutates small inputs faster.
        let request = export_request(seed, 1 + seed as usize * 4, 1_700_000_000_000_000_000);
        let protobuf = request.encode_to_vec();
        let json = serde_json::to_vec(&request)?;
        std::fs::write(root.join("otlp_protobuf").join(format!("seed-{seed}")), &protobuf)?;
        std::fs::write(root.join("otlp_differential").join(format!("seed-{seed}")), &protobuf)?;
        std::fs::write(root.join("otlp_json").join(format!("seed-{seed}")), &json)?;
        let mut gzipped = vec![0u8];
        gzipped.extend(gzip(&protobuf)?);
        std::fs::write(root.join("otlp_gzip").join(format!("seed-pb-{seed}")), gzipped)?;
        let mut gzipped = vec![1u8];
        gzipped.extend(gzip(&json)?);
        std::fs::write(root.join("otlp_gzip").join(format!("seed-json-{seed}")), gzipped)?;
    }
    Ok(())
}
