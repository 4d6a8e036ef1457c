//! What the model-based property tests (`paging_model.rs`, `wait_model.rs`) share: a
//! reproducible proptest runner, the hang guard around one case, and a tally of what the
//! passing cases went through (the generator's reach, printed after the run).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::{Duration, Instant};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestError, TestRunner};

/// Cases per property unless `PROPTEST_CASES` says otherwise: enough to meet every kind of
/// hostile answer several times, few enough to keep each test file well under a minute.
pub const DEFAULT_CASES: u32 = 64;

/// How long one case may take in real time before it counts as a hang.
pub const HANG_AFTER: Duration = Duration::from_secs(30);

/// Runs `test` on `cases` inputs drawn from `strategy` with a fixed seed, so that CI sees
/// the same inputs on every run; no failure file is written or read. `PROPTEST_CASES` and
/// `PROPTEST_RNG_SEED` override the case count and the seed (for a longer local search). On a
/// failure, panics with the reason and the shrunk input.
pub fn check<S>(
    name: &str,
    seed: u64,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: Debug,
{
    // `Config::default()` reads the `PROPTEST_*` variables.
    let from_env = Config::default();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let seed = match from_env.rng_seed {
        RngSeed::Fixed(seed) => seed,
        RngSeed::Random => seed,
    };
    let config = Config {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        // Each shrinking step runs a whole case; a few hundred find a small input.
        max_shrink_iters: 512,
        ..from_env
    };
    let started = Instant::now();
    let mut runner = TestRunner::new(config);
    TALLY.with_borrow_mut(BTreeMap::clear);
    let result = runner.run(&strategy, test);
    eprintln!(
        "{name}: {cases} cases, seed {seed}, {:.1?}; cases that went through: {:?}",
        started.elapsed(),
        TALLY.with_borrow(Clone::clone)
    );
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, input)) => {
            panic!("{name}: {reason}\nminimal failing input: {input:#?}")
        }
        Err(TestError::Abort(reason)) => panic!("{name}: aborted: {reason}"),
    }
}

thread_local! {
    /// What the passing cases of the property running on this thread went through.
    static TALLY: RefCell<BTreeMap<&'static str, usize>> = const { RefCell::new(BTreeMap::new()) };
}

/// Counts a case that went through `what` (call once a case has passed).
pub fn note(what: &'static str) {
    TALLY.with_borrow_mut(|tally| *tally.entry(what).or_default() += 1);
}
