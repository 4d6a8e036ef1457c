//! The times the emulator writes: the service's (`begin_time`, `end_time`), resource names'
//! stamps, and the metadata service's `expires_at`.

use std::time::SystemTime;

use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// RFC 3339 in UTC with milliseconds, as the service writes it: `2022-03-07T10:40:43.858Z`.
const SERVICE_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// `time` as the service writes it (see [`SERVICE_TIME`]).
pub(crate) fn format_time(time: SystemTime) -> String {
    format_utc(time, SERVICE_TIME)
}

/// `time` in UTC, laid out by `format`. A time out of range (beyond year 9999, only ever
/// one a test made up) shows as the epoch.
pub(crate) fn format_utc(time: SystemTime, format: &[BorrowedFormatItem<'_>]) -> String {
    let nanos = match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
        Err(before) => -i128::try_from(before.duration().as_nanos()).unwrap_or(i128::MAX),
    };
    let utc =
        OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    // Cannot fail: an `OffsetDateTime` has every component a description can name, and
    // writing to a `String` has no I/O error. Were it to, the field would be left empty
    // rather than the request fail.
    utc.format(format).unwrap_or_default()
}

/// RFC 3339 in UTC with microseconds, as the metadata service writes `expires_at`.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    OffsetDateTime::from(time)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        ))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// 2022-03-07T10:40:43Z.
    const START: Duration = Duration::from_secs(1_646_649_643);

    #[test]
    fn times_are_rfc3339_utc_with_milliseconds() {
        let time = SystemTime::UNIX_EPOCH + START + Duration::from_millis(858);
        assert_eq!(format_time(time), "2022-03-07T10:40:43.858Z");
        assert_eq!(
            format_time(SystemTime::UNIX_EPOCH),
            "1970-01-01T00:00:00.000Z"
        );
        // Milliseconds are cut, not rounded, so a time never shows later than it was.
        let late = SystemTime::UNIX_EPOCH + START + Duration::from_nanos(858_999_999);
        assert_eq!(format_time(late), "2022-03-07T10:40:43.858Z");
        let before_epoch = SystemTime::UNIX_EPOCH - Duration::from_millis(1);
        assert_eq!(format_time(before_epoch), "1969-12-31T23:59:59.999Z");
        // Beyond year 9999: the epoch, not a panic.
        let far = SystemTime::UNIX_EPOCH + Duration::from_secs(300_000_000_000);
        assert_eq!(format_time(far), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn expiry_is_formatted_as_rfc3339() {
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(rfc3339(time), "2023-11-14T22:13:20.000000Z");
    }
}
