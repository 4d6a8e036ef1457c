//! The values of the spec's enums, read from the generated types' JSON Schema so that the
//! emulator's messages and generated data follow the spec without a second list to keep.

use std::str::FromStr;
use std::sync::LazyLock;

use schemars::JsonSchema;
use serde_json::Value;
use workspace_app_client::types::{JobType, JobTypeFilter, SubJobStatus};

/// Every value of a string enum, in the spec's order.
fn values<T: JsonSchema + FromStr>() -> Vec<T> {
    let schema = schemars::schema_for!(T);
    schema
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|value| value.parse().ok())
        .collect()
}

/// The `job_type` values a request may ask for.
pub(crate) static JOB_TYPE_FILTERS: LazyLock<Vec<JobTypeFilter>> = LazyLock::new(values);
/// The `status` values a request may ask for.
pub(crate) static SUB_JOB_STATUSES: LazyLock<Vec<SubJobStatus>> = LazyLock::new(values);
/// The `job_type` values a response may carry (a superset of the filter's).
pub(crate) static JOB_TYPES: LazyLock<Vec<JobType>> = LazyLock::new(values);

/// `A, B or C`, for messages.
pub(crate) fn one_of<T: ToString>(values: &[T]) -> String {
    let names: Vec<String> = values.iter().map(ToString::to_string).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_come_from_the_spec() {
        assert_eq!(JOB_TYPE_FILTERS.len(), 10);
        assert_eq!(JOB_TYPE_FILTERS[0], JobTypeFilter::CreateServer);
        assert_eq!(SUB_JOB_STATUSES.len(), 7);
        assert_eq!(JOB_TYPES.len(), 19);
        assert_eq!(
            one_of(&SUB_JOB_STATUSES),
            "WAITING, RUNNING, SUCCESS, FAILED, ABNORMAL, ROLLBACK or ABORTING"
        );
    }
}
