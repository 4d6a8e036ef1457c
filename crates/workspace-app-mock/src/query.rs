//! The query string of `ListSubJobs`, checked exactly as the spec declares it.

use std::borrow::Cow;

use workspace_app_client::types::{JobTypeFilter, SubJobStatus};

use crate::jobs::Filter;
use crate::spec_enums::{JOB_TYPE_FILTERS, SUB_JOB_STATUSES, one_of};

/// `limit` when the request has none, as the spec says.
pub(crate) const DEFAULT_LIMIT: u32 = 10;
/// The largest `limit`.
pub(crate) const MAX_LIMIT: u32 = 100;
/// The largest `offset`: the spec's `int32`.
const MAX_OFFSET: u32 = i32::MAX as u32;
/// How much of a bad value a message quotes.
const QUOTE_LIMIT: usize = 64;

/// Parses `status`, `job_type`, `offset`, `limit` and `job_id`; other parameters are
/// ignored, as the service does. The error is the message of a 400 answer.
pub(crate) fn parse(query: Option<&str>) -> Result<Filter, String> {
    let mut job_type = None;
    let mut status = None;
    let mut offset = None;
    let mut limit = None;
    let mut job_id = None;
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let slot = match name.as_ref() {
            "job_type" => &mut job_type,
            "status" => &mut status,
            "offset" => &mut offset,
            "limit" => &mut limit,
            "job_id" => &mut job_id,
            _ => continue,
        };
        // A list where the spec wants one value is as wrong as a bad value.
        if slot.replace(value).is_some() {
            return Err(invalid(format!("{name} must be given at most once")));
        }
    }

    let job_type = match job_type {
        None => {
            return Err(invalid(format!(
                "job_type is required; it must be {}",
                one_of(&JOB_TYPE_FILTERS)
            )));
        }
        Some(value) => value.parse::<JobTypeFilter>().map_err(|_| {
            invalid(format!(
                "job_type must be {}, got {}",
                one_of(&JOB_TYPE_FILTERS),
                quote(&value)
            ))
        })?,
    };
    let status = status
        .map(|value| {
            value.parse::<SubJobStatus>().map_err(|_| {
                invalid(format!(
                    "status must be {}, got {}",
                    one_of(&SUB_JOB_STATUSES),
                    quote(&value)
                ))
            })
        })
        .transpose()?;
    let offset = integer("offset", offset, 0, 0, MAX_OFFSET)?;
    let limit = integer("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT)?;
    // An empty job_id filters nothing, like an absent one.
    let job_id = job_id.filter(|id| !id.is_empty()).map(Cow::into_owned);
    Ok(Filter {
        job_type,
        status,
        job_id,
        offset,
        limit,
    })
}

/// A decimal integer within `min..=max`: digits with an optional leading `-`, nothing else.
fn integer(
    name: &str,
    value: Option<Cow<'_, str>>,
    default: u32,
    min: u32,
    max: u32,
) -> Result<u32, String> {
    let Some(value) = value else {
        return Ok(default);
    };
    let digits = value.strip_prefix('-').unwrap_or(&value);
    let parsed = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        value.parse::<i64>().ok()
    } else {
        None
    };
    match parsed.and_then(|v| u32::try_from(v).ok()) {
        Some(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(invalid(format!(
            "{name} must be an integer from {min} to {max}, got {}",
            quote(&value)
        ))),
    }
}

fn invalid(detail: String) -> String {
    format!("Invalid parameter: {detail}")
}

/// The value in quotes, cut short if long, with control characters escaped.
fn quote(value: &str) -> String {
    let mut shown: String = value.chars().take(QUOTE_LIMIT).collect();
    if shown.len() < value.len() {
        shown.push('…');
    }
    format!("{shown:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(query: &str) -> Filter {
        parse(Some(query)).unwrap_or_else(|e| panic!("{query}: {e}"))
    }

    fn err(query: &str) -> String {
        match parse(Some(query)) {
            Ok(filter) => panic!("{query} was accepted as {filter:?}"),
            Err(message) => message,
        }
    }

    #[test]
    fn defaults_and_every_parameter() {
        assert_eq!(
            ok("job_type=CREATE_SERVER"),
            Filter {
                job_type: JobTypeFilter::CreateServer,
                status: None,
                job_id: None,
                offset: 0,
                limit: 10
            }
        );
        assert_eq!(
            ok(
                "status=FAILED&job_type=REINSTALL_OS&offset=2147483647&limit=100&job_id=a+b%2Fc&x=y"
            ),
            Filter {
                job_type: JobTypeFilter::ReinstallOs,
                status: Some(SubJobStatus::Failed),
                job_id: Some("a b/c".into()),
                offset: 2_147_483_647,
                limit: 100
            }
        );
        assert_eq!(ok("job_type=SCHEDULED_TASK&limit=1&job_id=").limit, 1);
        assert_eq!(ok("job_type=SCHEDULED_TASK&job_id=").job_id, None);
    }

    #[test]
    fn a_missing_or_unknown_job_type_is_refused() {
        assert!(err("").starts_with(
            "Invalid parameter: job_type is required; it must be CREATE_SERVER, DELETE_SERVER,"
        ));
        let message = err("job_type=COLLECT_HDA_LOG");
        assert!(message.contains("got \"COLLECT_HDA_LOG\""), "{message}");
        assert!(err("job_type=create_server").contains("job_type must be"));
    }

    #[test]
    fn bad_status_and_integers_out_of_range_or_malformed_are_refused() {
        assert!(err("job_type=CREATE_SERVER&status=DONE").contains("status must be WAITING,"));
        assert!(err("job_type=CREATE_SERVER&status=").contains("got \"\""));
        for limit in [
            "0",
            "101",
            "-1",
            "",
            "1.0",
            "+5",
            " 5",
            "ten",
            "99999999999999999999",
        ] {
            let message = err(&format!("job_type=CREATE_SERVER&limit={limit}"));
            assert!(
                message
                    .starts_with("Invalid parameter: limit must be an integer from 1 to 100, got"),
                "{limit}: {message}"
            );
        }
        for offset in ["-1", "2147483648", "x"] {
            let message = err(&format!("job_type=CREATE_SERVER&offset={offset}"));
            assert!(
                message.contains("offset must be an integer from 0 to 2147483647"),
                "{message}"
            );
        }
    }

    #[test]
    fn repeated_parameters_are_refused() {
        assert_eq!(
            err("job_type=CREATE_SERVER&limit=1&limit=2"),
            "Invalid parameter: limit must be given at most once"
        );
        assert!(
            err("job_type=CREATE_SERVER&job_type=CREATE_SERVER")
                .contains("job_type must be given at most once")
        );
    }

    #[test]
    fn long_or_odd_values_are_quoted_short_and_escaped() {
        let long = "A".repeat(1000);
        let message = err(&format!("job_type={long}"));
        assert!(message.len() < 400, "{message}");
        assert!(err("job_type=a%0Ab").contains(r#""a\nb""#));
    }
}
