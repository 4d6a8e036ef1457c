//! The emulator's notion of "now": the system clock, tokio's clock, or a clock a test moves.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// Where the emulator reads the time from. Sub-job statuses, `begin_time`/`end_time` and the
/// check of `X-Sdk-Date` all follow it, so a test that controls the clock controls the
/// lifecycle.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use workspace_app_mock::{Clock, ManualClock};
///
/// let manual = ManualClock::new(SystemTime::now());
/// let clock = Clock::from(manual.clone());
/// let before = clock.now();
/// manual.advance(Duration::from_secs(90));
/// assert_eq!(clock.now().duration_since(before).unwrap(), Duration::from_secs(90));
/// ```
#[derive(Clone, Default)]
pub struct Clock(Kind);

#[derive(Clone, Default)]
enum Kind {
    #[default]
    System,
    Tokio {
        wall: SystemTime,
        start: tokio::time::Instant,
    },
    Manual(ManualClock),
}

impl Clock {
    /// The system's wall clock (the default).
    pub fn system() -> Self {
        Clock(Kind::System)
    }

    /// The wall time now, moved along by tokio's clock from here on: under
    /// `tokio::time::pause()` it stands still until the test calls `tokio::time::advance`
    /// (needs tokio's `test-util` feature in the test).
    pub fn tokio() -> Self {
        Clock(Kind::Tokio {
            wall: SystemTime::now(),
            start: tokio::time::Instant::now(),
        })
    }

    /// The current time.
    pub fn now(&self) -> SystemTime {
        match &self.0 {
            Kind::System => SystemTime::now(),
            Kind::Tokio { wall, start } => wall.checked_add(start.elapsed()).unwrap_or(*wall),
            Kind::Manual(manual) => manual.now(),
        }
    }
}

impl From<ManualClock> for Clock {
    fn from(manual: ManualClock) -> Self {
        Clock(Kind::Manual(manual))
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::System => f.write_str("Clock::System"),
            Kind::Tokio { .. } => f.write_str("Clock::Tokio"),
            Kind::Manual(manual) => write!(f, "Clock::Manual({:?})", manual.now()),
        }
    }
}

/// A clock that moves only when told to; clones share the same time.
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<Mutex<SystemTime>>);

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: SystemTime) -> Self {
        ManualClock(Arc::new(Mutex::new(start)))
    }

    /// The time it stands at.
    pub fn now(&self) -> SystemTime {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        // Past the end of `SystemTime` the clock stays where it is rather than panic.
        if let Some(later) = now.checked_add(by) {
            *now = later;
        }
    }

    /// Sets the clock to `time`, forward or back.
    pub fn set(&self, time: SystemTime) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = time;
    }
}
