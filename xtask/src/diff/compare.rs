//! Both comparisons together: the spec-level changes ([`wire`](super::wire)), the generated
//! Rust API's ([`rust`](super::rust)), and each Rust API change attributed to the spec change
//! that caused it.

use workspace_app_codegen::Spec;

use super::change::{Bump, Change, Sides};
use super::{rust, wire};

/// Every change from `base` to `head`, each with both verdicts, in document order.
pub fn compare(base: &Spec, head: &Spec) -> Result<Vec<Change>, String> {
    let sides = Sides { base, head };
    let mut changes = wire::changes(&sides);
    let base_api = rust::api(base)?;
    let head_api = rust::api(head)?;
    let rust_changes = rust::compare(&base_api, &head_api);
    attribute(&mut changes, rust_changes, &sides);
    Ok(changes)
}

/// Gives each Rust API change to the spec change with the most specific claim on it, and
/// reports the ones no spec change claims on their own.
fn attribute(changes: &mut Vec<Change>, rust_changes: Vec<rust::ApiChange>, sides: &Sides<'_>) {
    let mut unclaimed = Vec::new();
    for api_change in rust_changes {
        let best = changes
            .iter()
            .enumerate()
            .filter_map(|(i, change)| {
                let claim = change
                    .claims
                    .iter()
                    .filter(|claim| api_change.claimed_by(claim))
                    .max_by_key(|claim| claim.specificity())?;
                Some((claim.specificity(), i))
            })
            // The most specific claim; among equals, the first change.
            .max_by_key(|&(specificity, i)| (specificity, std::cmp::Reverse(i)));
        match best {
            Some((_, i)) => {
                let change = &mut changes[i];
                change.rust = change.rust.max(api_change.bump());
                change.rust_items.push(api_change.to_string());
            }
            None => unclaimed.push(api_change),
        }
    }
    for api_change in unclaimed {
        changes.push(Change {
            rule: format!("rust-item-{}", api_change.verb()),
            pointer: rust::pointer_of(&api_change, sides),
            message: format!(
                "the generated Rust API {}, with no spec change that explains it",
                api_change.describe()
            ),
            wire: Bump::Patch,
            rust: api_change.bump(),
            rust_items: vec![api_change.to_string()],
            claims: Vec::new(),
            in_base: matches!(api_change, rust::ApiChange::Removed(..)),
        });
    }
}
