//! Which part of the generated Rust API a change at a pointer may touch: the component type
//! and member it is in, the parameter's setter and the operation of the walk.

use heck::{ToPascalCase, ToSnakeCase};

use crate::diff::change::Claim;

use super::context::Context;
use super::json::unescape;

/// The claims of a change at `pointer` (resolved): the component member or type it is in,
/// the parameter and the operation of the walk.
pub(super) fn claims_at(pointer: &str, member: Option<&str>, context: &Context) -> Vec<Claim> {
    let mut claims = Vec::new();
    if let Some(rest) = pointer.strip_prefix("/components/schemas/") {
        let mut segments = rest.split('/');
        let name = segments.next().map(unescape).unwrap_or_default();
        let type_name = name.to_pascal_case();
        // The component's own property the change is in, or the member named.
        let mut own_property = None;
        let mut previous = None;
        for segment in segments {
            if previous == Some("properties") {
                own_property = Some(unescape(segment));
                break;
            }
            previous = Some(segment);
        }
        if let Some(property) = &own_property {
            // typify names a property's inline type after both: `JobDetailInfoKind`.
            claims.push(Claim::Type(format!(
                "{type_name}{}",
                property.to_pascal_case()
            )));
        }
        if let Some(json) = own_property.or_else(|| member.map(str::to_string)) {
            claims.push(Claim::Member {
                type_name: type_name.clone(),
                json,
            });
        }
        claims.push(Claim::Type(type_name));
    }
    if let Some(parameter) = &context.parameter {
        claims.push(Claim::Setter {
            operation: context.operation_key(),
            parameter: parameter.to_snake_case(),
        });
    }
    claims.push(Claim::Operation(context.operation_key()));
    claims
}
