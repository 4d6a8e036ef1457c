//! The job types a response may carry, for generated data, from the codegen's table of the
//! spec's enums ([`workspace_app_client::spec::enums`]): no second list to keep.

use std::sync::LazyLock;

use workspace_app_client::spec::enums;
use workspace_app_client::types::JobType;

/// The `job_type` values a response may carry (a superset of the filter's), in the spec's
/// order.
pub(crate) static JOB_TYPES: LazyLock<Vec<JobType>> = LazyLock::new(|| {
    enums::JOB_TYPE
        .iter()
        .filter_map(|value| value.parse().ok())
        .collect()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_comes_from_the_spec() {
        // Counted from the table, so that a value the spec gains needs no edit here.
        assert!(!JOB_TYPES.is_empty());
        assert_eq!(JOB_TYPES.len(), enums::JOB_TYPE.len(), "every value parses");
    }
}
