//! The durations flags take (`--timeout 10m`, `--interval 5s`): humantime's syntax, bounded
//! so that no flag can overflow the clock. Its own file, with nothing but `std` and
//! humantime, so that the fuzz target `cli_duration` (in `fuzz/`) compiles it as it is.

use std::time::Duration;

/// The longest duration a flag takes: longer ones are surely typos, and would overflow
/// the clock.
pub const MAX_DURATION: Duration = Duration::from_secs(366 * 24 * 3600);

pub fn duration(text: &str) -> Result<Duration, String> {
    let parsed = humantime::parse_duration(text)
        .map_err(|e| format!("{e}; write a duration such as 30s, 10m or 1h30m"))?;
    if parsed > MAX_DURATION {
        return Err("must be at most 366 days, e.g. 30m or 2h".into());
    }
    Ok(parsed)
}

pub fn positive_duration(text: &str) -> Result<Duration, String> {
    match duration(text)? {
        Duration::ZERO => Err("must be longer than zero, e.g. 500ms or 5s".into()),
        positive => Ok(positive),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_name_the_expected_form() {
        assert_eq!(duration("10m"), Ok(Duration::from_secs(600)));
        assert!(duration("10").unwrap_err().contains("such as 30s"));
        assert!(positive_duration("0s").is_err());
        // Durations that would overflow the clock are refused, not a panic later.
        for huge in ["300000000000y", "584542046090y", "18446744073709551615s"] {
            assert!(positive_duration(huge).is_err(), "{huge}");
        }
        let error = duration("367days").unwrap_err();
        assert!(error.contains("at most 366 days"), "{error}");
        assert_eq!(duration("366days"), Ok(MAX_DURATION));
    }
}
