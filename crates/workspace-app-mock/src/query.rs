//! The query string of `ListSubJobs`, read into a [`Filter`] and checked exactly as the spec
//! declares it: the values, ranges and defaults come from the tables the codegen derives from
//! the spec ([`workspace_app_client::spec::parameters`]), so a spec edit shows here with no
//! other edit.

use std::borrow::Cow;

use workspace_app_client::spec::parameters::Integer;
use workspace_app_client::spec::parameters::list_sub_jobs::{JOB_TYPE, LIMIT, OFFSET, STATUS};
use workspace_app_client::types::{JobTypeFilter, SubJobStatus};

/// How much of a bad value a message quotes.
const QUOTE_LIMIT: usize = 64;

/// Which sub-jobs a request asks for, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Filter {
    pub(crate) job_type: JobTypeFilter,
    pub(crate) status: Option<SubJobStatus>,
    pub(crate) job_id: Option<String>,
    pub(crate) offset: u32,
    pub(crate) limit: u32,
}

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
                one_of(JOB_TYPE.values)
            )));
        }
        Some(value) => value.parse::<JobTypeFilter>().map_err(|_| {
            invalid(format!(
                "job_type must be {}, got {}",
                one_of(JOB_TYPE.values),
                quote(&value)
            ))
        })?,
    };
    let status = status
        .map(|value| {
            value.parse::<SubJobStatus>().map_err(|_| {
                invalid(format!(
                    "status must be {}, got {}",
                    one_of(STATUS.values),
                    quote(&value)
                ))
            })
        })
        .transpose()?;
    let offset = integer(&OFFSET, offset)?;
    let limit = integer(&LIMIT, limit)?;
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

/// A decimal integer within the parameter's range: digits with an optional leading `-`,
/// nothing else. An absent one is the spec's default (else its smallest value).
fn integer(parameter: &Integer, value: Option<Cow<'_, str>>) -> Result<u32, String> {
    let Some(value) = value else {
        return Ok(to_u32(parameter.default.unwrap_or(parameter.minimum)));
    };
    let digits = value.strip_prefix('-').unwrap_or(&value);
    let parsed = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        value.parse::<i64>().ok()
    } else {
        None
    };
    match parsed {
        Some(v) if parameter.range().contains(&v) => Ok(to_u32(v)),
        _ => Err(invalid(format!(
            "{} must be an integer from {} to {}, got {}",
            parameter.name,
            parameter.minimum,
            parameter.maximum,
            quote(&value)
        ))),
    }
}

/// The emulator pages with `u32`: a value the spec allows beyond it reads the same as the
/// nearest one within (an offset past every sub-job, a page larger than any).
fn to_u32(value: i64) -> u32 {
    u32::try_from(value.clamp(0, i64::from(u32::MAX))).unwrap_or(u32::MAX)
}

/// `A, B or C`, for messages.
fn one_of(values: &[&str]) -> String {
    match values.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => values.join(""),
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
    fn the_lists_come_from_the_spec() {
        // No counts: a value the spec gains needs no edit here.
        assert!(!JOB_TYPE.values.is_empty());
        assert_eq!(JOB_TYPE.values[0], JobTypeFilter::CreateServer.to_string());
        assert!(
            one_of(STATUS.values).starts_with("WAITING, RUNNING, SUCCESS, FAILED, ABNORMAL"),
            "{}",
            one_of(STATUS.values)
        );
        assert_eq!(one_of(&["A", "B", "C"]), "A, B or C");
        assert_eq!(one_of(&["A"]), "A");
        for value in JOB_TYPE.values {
            assert!(value.parse::<JobTypeFilter>().is_ok(), "{value}");
        }
        for value in STATUS.values {
            assert!(value.parse::<SubJobStatus>().is_ok(), "{value}");
        }
    }

    #[test]
    fn values_the_spec_allows_beyond_u32_are_clamped() {
        assert_eq!(to_u32(-1), 0);
        assert_eq!(to_u32(i64::MAX), u32::MAX);
        assert_eq!(to_u32(7), 7);
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
