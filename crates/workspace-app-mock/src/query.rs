//! The query string of `ListSubJobs`, read into a [`Filter`] and checked exactly as the spec
//! declares it: the values, ranges and defaults come from the tables the codegen derives from
//! the spec ([`workspace_app_client::spec::parameters`]), so a spec edit shows here with no
//! other edit. The query of any other operation is read by its parameters' declarations
//! ([`by_declaration`]): which are required, which are lists and how a list is sent.

use std::borrow::Cow;
use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;

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

/// A query parameter as the spec declares it, as much as [`by_declaration`] reads of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Declared<'a> {
    pub(crate) name: &'a str,
    pub(crate) required: bool,
    /// `None`: one value. `Some(true)`: a list with each item its own `name=item`
    /// (`style: form, explode: true`). `Some(false)`: a list as one `name=item,item`, its
    /// items separated by literal commas (`style: form, explode: false`).
    pub(crate) explode: Option<bool>,
}

/// The query string read as an operation's declared parameters: each one given, with its
/// items (one for a single value; a list's in the order sent), percent-decoded as forms are
/// (`+` is a space). Undeclared parameters are ignored, as the service does. The error is
/// the message of a 400 answer: a required parameter missing, a single value or an
/// unexploded list (`a=x,y`) given more than once.
pub(crate) fn by_declaration<'a>(
    query: Option<&str>,
    declared: &[Declared<'a>],
) -> Result<BTreeMap<&'a str, Vec<String>>, String> {
    let mut given: BTreeMap<&'a str, Vec<String>> = BTreeMap::new();
    let pairs = query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty());
    for pair in pairs {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = form_decoded(name);
        let Some(parameter) = declared.iter().find(|parameter| parameter.name == name) else {
            continue;
        };
        let repeated = given.contains_key(parameter.name);
        let items = given.entry(parameter.name).or_default();
        match parameter.explode {
            Some(true) => items.push(form_decoded(value).into_owned()),
            Some(false) => {
                if repeated {
                    return Err(invalid(format!(
                        "{name} must be given once, its items separated by commas"
                    )));
                }
                // Split before decoding: a comma within an item is sent encoded (`%2C`).
                // `name=` is the empty list.
                let raw = value.split(',').filter(|_| !value.is_empty());
                items.extend(raw.map(|item| form_decoded(item).into_owned()));
            }
            None => {
                if repeated {
                    return Err(invalid(format!("{name} must be given at most once")));
                }
                items.push(form_decoded(value).into_owned());
            }
        }
    }
    // The empty list (`name=`) was given, with no item.
    let missing = declared
        .iter()
        .find(|parameter| parameter.required && !given.contains_key(parameter.name));
    match missing {
        Some(parameter) => Err(invalid(format!("{} is required", parameter.name))),
        None => Ok(given),
    }
}

/// A name or value of a query string, decoded as `application/x-www-form-urlencoded` is:
/// `+` is a space, then percent-decoding (bytes that are not UTF-8 become U+FFFD).
fn form_decoded(raw: &str) -> Cow<'_, str> {
    if !raw.contains(['+', '%']) {
        return Cow::Borrowed(raw);
    }
    let spaced = raw.replace('+', " ");
    Cow::Owned(percent_decode_str(&spaced).decode_utf8_lossy().into_owned())
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

    const IDS: Declared<'static> = Declared {
        name: "ids",
        required: false,
        explode: Some(false),
    };
    const TAGS: Declared<'static> = Declared {
        name: "tags",
        required: false,
        explode: Some(true),
    };
    const NAME: Declared<'static> = Declared {
        name: "name",
        required: false,
        explode: None,
    };

    fn read(query: &str, declared: &[Declared<'static>]) -> Vec<(&'static str, Vec<String>)> {
        match by_declaration(Some(query), declared) {
            Ok(given) => given.into_iter().collect(),
            Err(message) => panic!("{query}: {message}"),
        }
    }

    fn items(items: &[&str]) -> Vec<String> {
        items.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn an_unexploded_list_is_one_value_split_at_its_literal_commas() {
        assert_eq!(
            read("ids=a,b%2Cc,d+e&other=1", &[IDS]),
            [("ids", items(&["a", "b,c", "d e"]))]
        );
        assert_eq!(read("ids=x", &[IDS]), [("ids", items(&["x"]))]);
        assert_eq!(
            read("ids=", &[IDS]),
            [("ids", items(&[]))],
            "the empty list"
        );
        assert_eq!(read("ids=a,,b", &[IDS]), [("ids", items(&["a", "", "b"]))]);
        for query in ["ids=a&ids=b", "ids=&ids=b", "ids=a,b&x=1&ids=c"] {
            let message = by_declaration(Some(query), &[IDS]).unwrap_err();
            assert_eq!(
                message, "Invalid parameter: ids must be given once, its items separated by commas",
                "{query}"
            );
        }
    }

    #[test]
    fn an_exploded_list_is_every_value_of_its_repeated_name() {
        assert_eq!(
            read("tags=a&x=y&tags=b%2Cc&tags=", &[TAGS]),
            [("tags", items(&["a", "b,c", ""]))],
            "each value one item, commas and all"
        );
        assert_eq!(read("tags=a,b", &[TAGS]), [("tags", items(&["a,b"]))]);
        assert_eq!(read("ta%67s=x", &[TAGS]), [("tags", items(&["x"]))]);
    }

    #[test]
    fn both_styles_and_single_values_side_by_side() {
        let declared = [IDS, TAGS, NAME];
        assert_eq!(
            read("tags=1&ids=2,3&name=n%20m&tags=4", &declared),
            [
                ("ids", items(&["2", "3"])),
                ("name", items(&["n m"])),
                ("tags", items(&["1", "4"])),
            ]
        );
        assert_eq!(read("", &declared), []);
        assert!(
            by_declaration(None, &declared).unwrap().is_empty(),
            "no query at all"
        );
        assert_eq!(
            by_declaration(Some("name=a&name=b"), &declared).unwrap_err(),
            "Invalid parameter: name must be given at most once"
        );
    }

    #[test]
    fn a_required_parameter_must_be_given() {
        let required = [Declared {
            required: true,
            ..IDS
        }];
        assert_eq!(
            by_declaration(Some("other=1"), &required).unwrap_err(),
            "Invalid parameter: ids is required"
        );
        assert_eq!(
            by_declaration(None, &required).unwrap_err(),
            "Invalid parameter: ids is required"
        );
        assert_eq!(read("ids=", &required), [("ids", items(&[]))]);
    }

    #[test]
    fn long_or_odd_values_are_quoted_short_and_escaped() {
        let long = "A".repeat(1000);
        let message = err(&format!("job_type={long}"));
        assert!(message.len() < 400, "{message}");
        assert!(err("job_type=a%0Ab").contains(r#""a\nb""#));
    }
}
