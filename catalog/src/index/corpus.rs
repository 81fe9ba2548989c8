//! The default full-text fields of a set of entities, lower case, in one
//! buffer, so a query is one SIMD substring scan over contiguous memory
//! instead of a hash lookup and a scattered string per value (BENCHMARKS.md
//! has the full-text query times).

/// Values, each followed by [`Self::SEPARATOR`] (a term never spans two).
#[derive(Debug, Default)]
pub(super) struct TextCorpus {
    text: String,
    /// Where each value starts in `text`, ascending.
    starts: Vec<u32>,
    /// The entity id of each value.
    owners: Vec<u32>,
}

impl TextCorpus {
    pub const SEPARATOR: char = '\0';

    /// The corpus of `values` (entity id, value), allocated once at its
    /// final size; `values` is walked twice.
    pub fn build<'a, I>(values: impl Fn() -> I) -> Self
    where
        I: Iterator<Item = (u32, &'a str)>,
    {
        let (count, bytes) = values().fold((0, 0), |(count, bytes), (_, value)| (count + 1, bytes + value.len() + 1));
        let mut corpus =
            TextCorpus { text: String::with_capacity(bytes), starts: Vec::with_capacity(count), owners: Vec::with_capacity(count) };
        for (owner, value) in values() {
            corpus.starts.push(corpus.text.len() as u32);
            corpus.owners.push(owner);
            corpus.text.push_str(value);
            corpus.text.push(Self::SEPARATOR);
        }
        corpus
    }

    /// The owner of every occurrence of `finder`'s term (repeated per occurrence).
    pub fn matches<'a>(&'a self, finder: &'a memchr::memmem::Finder<'_>) -> impl Iterator<Item = u32> + 'a {
        finder.find_iter(self.text.as_bytes()).map(|offset| {
            let entry = self.starts.partition_point(|&start| start as usize <= offset) - 1;
            self.owners[entry]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_owners_of_a_term_never_across_values() {
        let values = [(4, "checkout"), (4, "payments team"), (7, "outpost"), (9, "check")];
        let corpus = TextCorpus::build(|| values.iter().copied());
        let owners = |term: &str| corpus.matches(&memchr::memmem::Finder::new(term)).collect::<Vec<_>>();
        assert_eq!(owners("out"), [4, 7]);
        assert_eq!(owners("check"), [4, 9]);
        assert_eq!(owners("kout"), [4]);
        assert_eq!(owners("tpay"), [] as [u32; 0], "no match across two values");
        assert_eq!(corpus.text.capacity(), corpus.text.len(), "allocated at its final size");
    }
}
