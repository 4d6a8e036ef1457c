//! Fault injection: errors at configured rates, scripted errors, and added latency, all
//! drawn from a seeded generator so that a run can be repeated.

use std::collections::VecDeque;
use std::time::Duration;

use axum::http::StatusCode;
use fastrand::Rng;

/// Faults the emulator injects before a request reaches the API, like an overloaded
/// gateway. Rates are probabilities from 0.0 to 1.0 whose sum is at most 1.0; each request
/// draws once to pick at most one of them.
///
/// ```
/// use std::time::Duration;
/// use workspace_app_mock::Faults;
///
/// let flaky = Faults {
///     unavailable_rate: 0.2,
///     throttled_rate: 0.1,
///     retry_after: Some(Duration::from_secs(1)),
///     latency: Duration::from_millis(50),
///     ..Faults::default()
/// };
/// # let _ = flaky;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Share of requests answered `500 Internal Server Error`.
    pub internal_error_rate: f64,
    /// Share of requests answered `503 Service Unavailable`.
    pub unavailable_rate: f64,
    /// Share of requests answered `429 Too Many Requests` (not in the spec, but every
    /// Huawei gateway sends it when throttling).
    pub throttled_rate: f64,
    /// `Retry-After` of injected 503s (none when `None`) and 429s (1 s when `None`).
    pub retry_after: Option<Duration>,
    /// Added to every request before it is answered.
    pub latency: Duration,
    /// Up to this much more, drawn uniformly per request.
    pub latency_jitter: Duration,
}

impl Faults {
    /// Checks the rates; the message says which is wrong.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let rates = [
            ("internal_error_rate", self.internal_error_rate),
            ("unavailable_rate", self.unavailable_rate),
            ("throttled_rate", self.throttled_rate),
        ];
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be from 0.0 to 1.0, got {rate}"));
            }
        }
        let sum: f64 = rates.iter().map(|(_, rate)| rate).sum();
        if sum > 1.0 + f64::EPSILON {
            return Err(format!("the fault rates add up to {sum}, more than 1.0"));
        }
        Ok(())
    }
}

/// An error the emulator answers with instead of serving the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Injected {
    pub(crate) status: StatusCode,
    pub(crate) retry_after: Option<Duration>,
}

/// The configured faults, the scripted ones still to come, and the generator.
#[derive(Debug)]
pub(crate) struct FaultState {
    faults: Faults,
    scripted: VecDeque<StatusCode>,
    rng: Rng,
}

impl FaultState {
    pub(crate) fn new(faults: Faults, seed: u64) -> Self {
        FaultState {
            faults,
            scripted: VecDeque::new(),
            // Its own stream, so that adding jobs does not change which requests fail.
            rng: Rng::with_seed(seed ^ 0x6661_756c_7473),
        }
    }

    pub(crate) fn set(&mut self, faults: Faults) {
        self.faults = faults;
    }

    pub(crate) fn script(&mut self, count: usize, status: StatusCode) {
        self.scripted.extend(std::iter::repeat_n(status, count));
    }

    /// What happens to the next request: the latency to add, and the error to answer with,
    /// if any. Scripted errors come first; a draw is made only for a non-zero rate or jitter.
    pub(crate) fn next(&mut self) -> (Duration, Option<Injected>) {
        let mut latency = self.faults.latency;
        if !self.faults.latency_jitter.is_zero() {
            let jitter = self.faults.latency_jitter.mul_f64(self.rng.f64());
            latency = latency.saturating_add(jitter);
        }
        let status = match self.scripted.pop_front() {
            Some(status) => Some(status),
            None => self.draw(),
        };
        let injected = status.map(|status| Injected {
            status,
            retry_after: self.retry_after(status),
        });
        (latency, injected)
    }

    /// The status the configured rates pick for this request, if any.
    fn draw(&mut self) -> Option<StatusCode> {
        let faults = &self.faults;
        let rates = [
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                faults.internal_error_rate,
            ),
            (StatusCode::SERVICE_UNAVAILABLE, faults.unavailable_rate),
            (StatusCode::TOO_MANY_REQUESTS, faults.throttled_rate),
        ];
        if rates.iter().all(|(_, rate)| *rate <= 0.0) {
            return None;
        }
        let mut draw = self.rng.f64();
        for (status, rate) in rates {
            if draw < rate {
                return Some(status);
            }
            draw -= rate;
        }
        None
    }

    fn retry_after(&self, status: StatusCode) -> Option<Duration> {
        match status {
            StatusCode::TOO_MANY_REQUESTS => {
                Some(self.faults.retry_after.unwrap_or(Duration::from_secs(1)))
            }
            StatusCode::SERVICE_UNAVAILABLE => self.faults.retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses(faults: &Faults, seed: u64, n: usize) -> Vec<Option<u16>> {
        let mut state = FaultState::new(faults.clone(), seed);
        (0..n)
            .map(|_| state.next().1.map(|i| i.status.as_u16()))
            .collect()
    }

    #[test]
    fn rates_are_validated() {
        assert!(Faults::default().validate().is_ok());
        let too_high = Faults {
            unavailable_rate: 1.5,
            ..Faults::default()
        };
        assert!(
            too_high
                .validate()
                .unwrap_err()
                .contains("unavailable_rate")
        );
        let too_many = Faults {
            unavailable_rate: 0.6,
            internal_error_rate: 0.6,
            ..Faults::default()
        };
        assert!(too_many.validate().unwrap_err().contains("add up to"));
        let nan = Faults {
            throttled_rate: f64::NAN,
            ..Faults::default()
        };
        assert!(nan.validate().is_err());
    }

    #[test]
    fn the_same_seed_injects_the_same_faults_at_about_the_rates() {
        let faults = Faults {
            internal_error_rate: 0.1,
            unavailable_rate: 0.2,
            throttled_rate: 0.1,
            ..Faults::default()
        };
        let run = statuses(&faults, 9, 1000);
        assert_eq!(run, statuses(&faults, 9, 1000));
        assert_ne!(run, statuses(&faults, 10, 1000));
        let share = |code| run.iter().filter(|s| **s == Some(code)).count();
        assert!((50..150).contains(&share(500)), "{}", share(500));
        assert!((130..270).contains(&share(503)), "{}", share(503));
        assert!((50..150).contains(&share(429)), "{}", share(429));
    }

    #[test]
    fn scripted_faults_come_first_then_none() {
        let mut state = FaultState::new(Faults::default(), 0);
        state.script(2, StatusCode::SERVICE_UNAVAILABLE);
        state.script(1, StatusCode::TOO_MANY_REQUESTS);
        let next: Vec<_> = (0..4).map(|_| state.next().1).collect();
        assert_eq!(
            next,
            [
                Some(Injected {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    retry_after: None
                }),
                Some(Injected {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    retry_after: None
                }),
                Some(Injected {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    retry_after: Some(Duration::from_secs(1))
                }),
                None
            ]
        );
    }

    #[test]
    fn latency_is_fixed_plus_bounded_jitter() {
        let faults = Faults {
            latency: Duration::from_millis(100),
            latency_jitter: Duration::from_millis(50),
            ..Faults::default()
        };
        let mut state = FaultState::new(faults, 1);
        for _ in 0..100 {
            let (latency, injected) = state.next();
            assert!(injected.is_none());
            assert!((100..150).contains(&latency.as_millis()), "{latency:?}");
        }
    }
}
