//! Latency distributions that cost what they hold: the buckets of an HDR
//! histogram (1 µs to 1 h, 2 significant digits, so at most 1 % error)
//! kept sparse, as (bucket, count) pairs in bucket order. A minute of one
//! edge fills a handful of buckets, where a full histogram of the same range
//! allocates thousands of counters whatever it holds.
//!
//! Bucket boundaries and quantiles are `hdrhistogram`'s own (its
//! `lowest_equivalent` and `highest_equivalent` over a histogram of the same
//! range), so every quantile equals a full histogram's to the microsecond,
//! in memory, merged, and stored. Merging adds counts bucket by bucket.
//!
//! Stored as a tag, then varints: the number of buckets, then each bucket's
//! distance from the previous one and its count. Rows that earlier versions
//! wrote hold a full histogram in hdrhistogram's V2 encoding; those are read
//! too.

use std::sync::LazyLock;
use std::time::Duration;

use hdrhistogram::Histogram;
use hdrhistogram::serialization::Deserializer;

/// Lowest and highest latency kept apart, in microseconds (1 µs to 1 h);
/// longer calls count in the last bucket, as a full histogram's saturating
/// record does.
pub const LOWEST_US: u64 = 1;
pub const HIGHEST_US: u64 = 3_600_000_000;
/// Significant digits kept: values within 1 % share a bucket.
pub const SIGNIFICANT_DIGITS: u8 = 2;

/// A histogram of the range, for its bucket arithmetic, and the largest
/// value its counters hold (a little over [`HIGHEST_US`]: the last counter
/// covers a whole bucket). Larger values count where a full histogram's
/// saturating record puts them: in the bucket of [`HIGHEST_US`].
struct Shape {
    histogram: Histogram<u64>,
    largest: u64,
}

static SHAPE: LazyLock<Shape> = LazyLock::new(|| {
    let mut histogram = Histogram::new_with_bounds(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS).expect("static histogram bounds are valid");
    // Found by trying: the crate does not say where its counters end.
    let (mut fits, mut beyond) = (HIGHEST_US, 2 * HIGHEST_US);
    while beyond - fits > 1 {
        let middle = fits + (beyond - fits) / 2;
        if histogram.record(middle).is_ok() { fits = middle } else { beyond = middle }
    }
    histogram.reset();
    Shape { histogram, largest: fits }
});

/// The lowest value of the bucket `micros` counts in.
fn bucket_of(micros: u64) -> u64 {
    let micros = if micros > SHAPE.largest { HIGHEST_US } else { micros.max(LOWEST_US) };
    SHAPE.histogram.lowest_equivalent(micros)
}

/// The highest value of the bucket that starts at `bucket`.
fn top_of(bucket: u64) -> u64 {
    SHAPE.histogram.highest_equivalent(bucket)
}

/// The first byte of this type's encoding (hdrhistogram's encodings start with 0x1c).
const TAG: u8 = b'L';
const FORMAT: u8 = 1;

/// A latency distribution, in microseconds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Latency {
    /// (lowest value of a bucket, calls in it), by bucket; no zero counts.
    buckets: Vec<(u64, u64)>,
}

/// Why stored bytes are not a latency distribution.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LatencyError {
    #[error("not a latency encoding (first bytes {0:02x?})")]
    Unknown(Vec<u8>),
    #[error("truncated latency encoding")]
    Truncated,
    #[error("latency bucket {0} µs is not a bucket boundary of 1 µs – 1 h")]
    NotABucket(u64),
    #[error("latency buckets out of order or empty")]
    Disorder,
    #[error("a full histogram that does not decode: {0}")]
    Histogram(String),
}

impl Latency {
    /// One call that took `duration`.
    pub fn record(&mut self, duration: Duration) {
        self.record_n(duration.as_micros().min(u128::from(u64::MAX)) as u64, 1);
    }

    /// `count` calls of `micros` µs each (clamped to the range).
    pub fn record_n(&mut self, micros: u64, count: u64) {
        if count == 0 {
            return;
        }
        let bucket = bucket_of(micros);
        match self.buckets.binary_search_by_key(&bucket, |&(b, _)| b) {
            Ok(at) => self.buckets[at].1 = self.buckets[at].1.saturating_add(count),
            Err(at) => self.buckets.insert(at, (bucket, count)),
        }
    }

    /// Adds `other`'s calls.
    pub fn merge(&mut self, other: &Latency) {
        if other.buckets.is_empty() {
            return;
        }
        if self.buckets.is_empty() {
            self.buckets = other.buckets.clone();
            return;
        }
        let (a, b) = (&self.buckets, &other.buckets);
        let mut merged = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => {
                    merged.push(a[i]);
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    merged.push(b[j]);
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    merged.push((a[i].0, a[i].1.saturating_add(b[j].1)));
                    i += 1;
                    j += 1;
                }
            }
        }
        merged.extend_from_slice(&a[i..]);
        merged.extend_from_slice(&b[j..]);
        self.buckets = merged;
    }

    /// Calls recorded.
    pub fn count(&self) -> u64 {
        self.buckets.iter().fold(0u64, |total, &(_, n)| total.saturating_add(n))
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// Distinct buckets held (what the distribution costs).
    pub fn buckets(&self) -> usize {
        self.buckets.len()
    }

    /// The latency at quantile `q` (0 to 1) in µs, exactly as
    /// `hdrhistogram::Histogram::value_at_quantile` answers; 0 when empty.
    pub fn quantile_us(&self, q: f64) -> u64 {
        let q = q.min(1.0);
        let wanted = ((q * self.count() as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for &(bucket, count) in &self.buckets {
            seen = seen.saturating_add(count);
            if seen >= wanted {
                return if q == 0.0 { bucket } else { top_of(bucket) };
            }
        }
        0
    }

    /// Calls within a threshold of `micros`: at or under it (`inclusive`) or
    /// under it, at the buckets' resolution (1 %): calls in the threshold's
    /// own bucket count as at the threshold.
    pub fn count_within(&self, micros: u64, inclusive: bool) -> u64 {
        let edge = bucket_of(micros);
        self.buckets
            .iter()
            .take_while(|&&(bucket, _)| if inclusive { bucket <= edge } else { bucket < edge })
            .fold(0u64, |total, &(_, n)| total.saturating_add(n))
    }

    /// [`Self::quantile_us`] in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.quantile_us(q) as f64 / 1000.0
    }

    /// The highest latency recorded, in µs (its bucket's top); 0 when empty.
    pub fn max_us(&self) -> u64 {
        self.buckets.last().map_or(0, |&(bucket, _)| top_of(bucket))
    }

    /// The compact encoding (see the module's documentation).
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(3 + self.buckets.len() * 4);
        bytes.extend([TAG, FORMAT]);
        self.write_to(&mut bytes);
        bytes
    }

    /// [`Self::encode`] without its two-byte tag, appended to `out`: for
    /// containers that know what they hold (the store's blocks).
    pub fn write_to(&self, out: &mut Vec<u8>) {
        prost::encoding::encode_varint(self.buckets.len() as u64, out);
        let mut previous = 0;
        for &(bucket, count) in &self.buckets {
            prost::encoding::encode_varint(bucket - previous, out);
            prost::encoding::encode_varint(count, out);
            previous = bucket;
        }
    }

    /// Reads [`Self::write_to`]'s bytes from the front of `input`, leaving
    /// what follows them.
    pub fn read_from(input: &mut &[u8]) -> Result<Latency, LatencyError> {
        Self::decode_compact(input)
    }

    /// Steps over [`Self::write_to`]'s bytes at the front of `input` without
    /// reading them into a histogram (a reader that wants other entries).
    pub fn skip_from(input: &mut &[u8]) -> Result<(), LatencyError> {
        let n = varint(input)?;
        for _ in 0..n.saturating_mul(2) {
            varint(input)?;
        }
        Ok(())
    }

    /// Reads [`Self::encode`]'s bytes, or a full histogram in hdrhistogram's
    /// V2 encoding (what earlier versions stored).
    pub fn decode(bytes: &[u8]) -> Result<Latency, LatencyError> {
        match bytes {
            [TAG, FORMAT, rest @ ..] => Self::decode_compact(&mut { rest }),
            [0x1c, ..] => Self::decode_v2(bytes),
            _ => Err(LatencyError::Unknown(bytes.iter().take(4).copied().collect())),
        }
    }

    fn decode_compact(rest: &mut &[u8]) -> Result<Latency, LatencyError> {
        let n = varint(rest)?;
        // Each bucket takes at least two bytes: a larger count is not believed for sizing.
        let mut buckets = Vec::with_capacity((n as usize).min(rest.len() / 2));
        let mut previous = 0u64;
        for _ in 0..n {
            let (delta, count) = (varint(rest)?, varint(rest)?);
            let bucket = previous.checked_add(delta).ok_or(LatencyError::Disorder)?;
            if (delta == 0 && !buckets.is_empty()) || count == 0 {
                return Err(LatencyError::Disorder);
            }
            if bucket > SHAPE.largest || bucket_of(bucket) != bucket {
                return Err(LatencyError::NotABucket(bucket));
            }
            buckets.push((bucket, count));
            previous = bucket;
        }
        Ok(Latency { buckets })
    }

    fn decode_v2(bytes: &[u8]) -> Result<Latency, LatencyError> {
        let mut reader = bytes;
        let full: Histogram<u64> = Deserializer::new().deserialize(&mut reader).map_err(|e| LatencyError::Histogram(format!("{e:?}")))?;
        let mut latency = Latency::default();
        for value in full.iter_recorded() {
            latency.record_n(value.value_iterated_to(), value.count_at_value());
        }
        Ok(latency)
    }
}

fn varint(bytes: &mut &[u8]) -> Result<u64, LatencyError> {
    prost::encoding::decode_varint(bytes).map_err(|_| LatencyError::Truncated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn full() -> Histogram<u64> {
        Histogram::new_with_bounds(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS).unwrap()
    }

    const QUANTILES: [f64; 9] = [0.0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0];

    proptest! {
        #[test]
        fn quantiles_equal_a_full_histograms_also_merged_and_stored(
            a in prop::collection::vec((1u64..5_000_000_000, 1u64..5), 0..200),
            b in prop::collection::vec((1u64..5_000_000_000, 1u64..5), 0..200),
        ) {
            let (mut sparse, mut other, mut reference) = (Latency::default(), Latency::default(), full());
            for &(micros, n) in &a {
                sparse.record_n(micros, n);
                reference.saturating_record_n(micros, n);
            }
            for &(micros, n) in &b {
                other.record_n(micros, n);
                reference.saturating_record_n(micros, n);
            }
            sparse.merge(&other);
            let stored = Latency::decode(&sparse.encode()).unwrap();
            prop_assert_eq!(&stored, &sparse);
            prop_assert_eq!(sparse.count(), reference.len());
            prop_assert_eq!(sparse.max_us(), if reference.is_empty() { 0 } else { reference.max() });
            for q in QUANTILES {
                let expected = if reference.is_empty() { 0 } else { reference.value_at_quantile(q) };
                prop_assert_eq!(sparse.quantile_us(q), expected, "q {}", q);
            }
        }

        #[test]
        fn any_bytes_decode_or_are_refused(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = Latency::decode(&bytes);
            let mut tagged = vec![TAG, FORMAT];
            tagged.extend(&bytes);
            let _ = Latency::decode(&tagged);
        }
    }

    #[test]
    fn rows_written_as_full_histograms_are_read() {
        use hdrhistogram::serialization::{Serializer, V2Serializer};
        let mut reference = full();
        let mut sparse = Latency::default();
        for micros in [3, 40, 40, 900, 12_345, 2_000_000] {
            reference.record(micros).unwrap();
            sparse.record_n(micros, 1);
        }
        let mut v2 = Vec::new();
        V2Serializer::new().serialize(&reference, &mut v2).unwrap();
        assert_eq!(Latency::decode(&v2).unwrap(), sparse);
    }

    #[test]
    fn a_call_costs_one_bucket_and_bad_bytes_are_named() {
        let mut one = Latency::default();
        one.record(Duration::from_millis(20));
        assert_eq!(one.buckets(), 1);
        assert_eq!(one.encode().len(), 7, "tag, format, one bucket; 20,000 µs is a 3-byte varint");
        assert!((19.9..=20.1).contains(&one.quantile_ms(0.5)));
        assert_eq!(Latency::decode(b"xyz"), Err(LatencyError::Unknown(b"xyz".to_vec())));
        assert_eq!(Latency::decode(&[TAG, FORMAT, 1, 7]), Err(LatencyError::Truncated));
        assert_eq!(Latency::decode(&[TAG, FORMAT, 1, 0, 1]), Err(LatencyError::NotABucket(0)));
        // 257 is inside the bucket that starts at 256.
        let mut bytes = vec![TAG, FORMAT, 1];
        prost::encoding::encode_varint(257, &mut bytes);
        bytes.push(1);
        assert_eq!(Latency::decode(&bytes), Err(LatencyError::NotABucket(257)));
        assert_eq!(Latency::default().quantile_ms(0.99), 0.0);
    }

    #[test]
    fn calls_within_a_threshold_at_bucket_resolution() {
        let mut latency = Latency::default();
        latency.record_n(100_000, 3); // 100 ms
        latency.record_n(300_000, 2); // exactly at the threshold
        latency.record_n(310_000, 4); // 3 % over it
        assert_eq!(latency.count_within(300_000, true), 5);
        assert_eq!(latency.count_within(300_000, false), 3, "the threshold's own bucket is not under it");
        assert_eq!(latency.count_within(1, true), 0);
        assert_eq!(latency.count_within(u64::MAX, true), 9);
    }
}
