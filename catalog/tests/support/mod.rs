//! Shared by the catalog's integration tests.

/// A missing external test input: a failure under `make test`
/// (MERIDIAN_REQUIRE_ALL=1), a loud skip otherwise.
pub fn require_or_skip(why: &str) {
    if std::env::var("MERIDIAN_REQUIRE_ALL").is_ok_and(|v| v == "1") {
        panic!("required test dependency missing: {why}");
    }
    eprintln!("SKIPPED: {why}");
}
