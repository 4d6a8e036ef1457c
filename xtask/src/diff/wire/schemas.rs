//! Schema by schema, `$ref`s followed on both sides: type and format, nullable, enum values,
//! bounds, pattern, default, properties, items, `additionalProperties` and the branches of
//! `anyOf`/`oneOf`/`allOf`, each judged by the direction it travels in.

use std::collections::BTreeSet;

use serde_json::Value;
use workspace_app_codegen::{escape_pointer_segment, follow_refs};

use crate::diff::change::{Bump, Claim};

use super::claims::claims_at;
use super::context::{Context, Direction, Place};
use super::json::{compact, enum_text, flag, number, object, shown, str_field};
use super::walk::{Node, Walk};

impl<'a> Walk<'a> {
    /// The `schema` of a parameter or a media type.
    pub(super) fn schema_of(&mut self, old: &Node<'_>, new: &Node<'_>, context: &Context) {
        if old.value.get("schema").is_none() && new.value.get("schema").is_none() {
            return;
        }
        self.schema(
            format!("{}/schema", old.pointer),
            format!("{}/schema", new.pointer),
            context,
        );
    }

    /// Compares two schemas, `$ref`s followed on both sides.
    fn schema(&mut self, old_pointer: String, new_pointer: String, context: &Context) {
        let (old_pointer, old) = follow_refs(self.base, old_pointer);
        let (new_pointer, new) = follow_refs(self.head, new_pointer);
        let key = (
            old_pointer.clone(),
            new_pointer.clone(),
            context.direction,
            context.place,
            context.open,
        );
        if !self.seen.insert(key) {
            return;
        }
        let claims = claims_at(&new_pointer, None, context);
        self.documentation(old, new, &new_pointer, &claims);
        if !self.types(old, new, &new_pointer, context, &claims) {
            // A schema of another type: its parts cannot be compared.
            return;
        }
        self.nullable(old, new, &new_pointer, context, &claims);
        self.enum_values(old, new, &new_pointer, context);
        self.bounds(old, new, &new_pointer, context, &claims);
        self.pattern(old, new, &new_pointer, context, &claims);
        self.default(old, new, &new_pointer, context, &claims);
        self.properties(old, new, (&old_pointer, &new_pointer), context);
        if old.get("items").is_some() || new.get("items").is_some() {
            self.schema(
                format!("{old_pointer}/items"),
                format!("{new_pointer}/items"),
                &context.nested("[]"),
            );
        }
        if old
            .get("additionalProperties")
            .is_some_and(Value::is_object)
            && new
                .get("additionalProperties")
                .is_some_and(Value::is_object)
        {
            self.schema(
                format!("{old_pointer}/additionalProperties"),
                format!("{new_pointer}/additionalProperties"),
                &context.nested("{}"),
            );
        }
        self.alternatives(old, new, (&old_pointer, &new_pointer), context);
    }

    /// Type and format. Returns whether the schemas are of one type, so their parts compare.
    fn types(
        &mut self,
        old: &Value,
        new: &Value,
        pointer: &str,
        context: &Context,
        claims: &[Claim],
    ) -> bool {
        let request = context.direction == Direction::Request;
        let prefix = context.prefix();
        let (old_type, new_type) = (str_field(old, "type"), str_field(new, "type"));
        if old_type != new_type {
            // Parameters travel as text: a server that takes any string takes what it
            // took before; a number takes every integer; no type at all takes anything.
            let widens = |from: Option<&str>, to: Option<&str>| {
                matches!(
                    (from, to),
                    (Some("integer"), Some("number")) | (Some(_), None)
                ) || (context.place == Place::Parameter && from.is_some() && to == Some("string"))
            };
            let (rule, wire) = generality(
                request,
                widens(old_type, new_type),
                widens(new_type, old_type),
            );
            self.push(
                format!("{prefix}-{rule}"),
                &format!("{pointer}/type"),
                wire,
                Bump::Patch,
                format!(
                    "for {}, the type was changed from {} to {}",
                    context.subject(),
                    shown(old_type),
                    shown(new_type)
                ),
                claims.to_vec(),
            );
            return false;
        }
        let (old_format, new_format) = (str_field(old, "format"), str_field(new, "format"));
        if old_format != new_format {
            let widens = |from: Option<&str>, to: Option<&str>| match (from, to) {
                (Some(_), None) => true,
                (Some(from), Some(to)) => matches!(
                    (from, to),
                    ("int32", "int64") | ("float", "double") | ("date" | "time", "date-time")
                ),
                _ => false,
            };
            let (rule, wire) = match generality(
                request,
                widens(old_format, new_format),
                widens(new_format, old_format),
            ) {
                // oasdiff calls a response's wider format a change, its wider type a
                // generalisation: breaking either way.
                ("type-generalized", wire) if !request => ("type-changed", wire),
                judged => judged,
            };
            self.push(
                format!("{prefix}-{rule}"),
                &format!("{pointer}/format"),
                wire,
                Bump::Patch,
                format!(
                    "for {}, the format was changed from {} to {}",
                    context.subject(),
                    shown(old_format),
                    shown(new_format)
                ),
                claims.to_vec(),
            );
        }
        true
    }

    fn nullable(
        &mut self,
        old: &Value,
        new: &Value,
        pointer: &str,
        context: &Context,
        claims: &[Claim],
    ) {
        let (was, is) = (flag(old, "nullable"), flag(new, "nullable"));
        if was == is {
            return;
        }
        // A response that may now be null breaks readers; a request that may no longer be
        // null breaks writers.
        let breaking = (context.direction == Direction::Response) == is;
        let wire = if breaking { Bump::Major } else { Bump::Minor };
        let state = if is { "nullable" } else { "not-nullable" };
        self.push(
            format!("{}-became-{state}", context.prefix()),
            &format!("{pointer}/nullable"),
            wire,
            Bump::Patch,
            format!("{} became {}", context.subject(), state.replace('-', " ")),
            claims.to_vec(),
        );
    }

    fn enum_values(&mut self, old: &Value, new: &Value, pointer: &str, context: &Context) {
        let (base, head) = (old.get("enum"), new.get("enum"));
        if base == head {
            return;
        }
        let prefix = context.prefix();
        let request = context.direction == Direction::Request;
        let (Some(base), Some(head)) = (
            base.and_then(Value::as_array),
            head.and_then(Value::as_array),
        ) else {
            // An enum appeared or went away.
            let became = head.is_some();
            let (rule, wire) = match (request, became) {
                (true, true) => ("became-enum", Bump::Major),
                (false, true) => ("became-enum", Bump::Patch),
                (true, false) => ("became-not-enum", Bump::Minor),
                (false, false) => ("became-not-enum", Bump::Major),
            };
            self.push(
                format!("{prefix}-{rule}"),
                &format!("{pointer}/enum"),
                wire,
                Bump::Patch,
                format!(
                    "{} {}",
                    context.subject(),
                    if became {
                        "was restricted to a list of enum values"
                    } else {
                        "is no longer restricted to a list of enum values"
                    }
                ),
                claims_at(pointer, None, context),
            );
            return;
        };
        for value in base.iter().filter(|v| !head.contains(v)) {
            let wire = if request { Bump::Major } else { Bump::Patch };
            self.push(
                format!("{prefix}-enum-value-removed"),
                &format!("{pointer}/enum"),
                wire,
                Bump::Patch,
                format!(
                    "removed the enum value {} from {}",
                    compact(value),
                    context.subject()
                ),
                claims_at(pointer, Some(&enum_text(value)), context),
            );
        }
        for value in head.iter().filter(|v| !base.contains(v)) {
            // Readers of a closed response enum fail on a value they do not know.
            let wire = if request || context.open {
                Bump::Minor
            } else {
                Bump::Major
            };
            let note = if !request && context.open {
                " (an open enum: clients keep values they do not know)"
            } else {
                ""
            };
            self.push(
                format!("{prefix}-enum-value-added"),
                &format!("{pointer}/enum"),
                wire,
                Bump::Minor,
                format!(
                    "added the enum value {} to {}{note}",
                    compact(value),
                    context.subject()
                ),
                claims_at(pointer, Some(&enum_text(value)), context),
            );
        }
    }

    /// `maximum`, `minimum`, `maxLength`, `minLength`, `maxItems`, `minItems`,
    /// `exclusiveMaximum`, `exclusiveMinimum`. Tightening a request breaks the callers that
    /// used the values now refused, and the client refuses them before sending (the
    /// integer bounds from the spec tables, the string ones in typify's newtypes);
    /// loosening a response breaks readers that relied on the bound.
    fn bounds(
        &mut self,
        old: &Value,
        new: &Value,
        pointer: &str,
        context: &Context,
        claims: &[Claim],
    ) {
        const BOUNDS: [(&str, &str, bool); 6] = [
            ("maximum", "max", true),
            ("maxLength", "max-length", true),
            ("maxItems", "max-items", true),
            ("minimum", "min", false),
            ("minLength", "min-length", false),
            ("minItems", "min-items", false),
        ];
        for (key, word, upper) in BOUNDS {
            let (was, is) = (number(old, key), number(new, key));
            let (tightened, verb) = match (was, is) {
                (Some(a), Some(b)) if a == b => continue,
                (None, None) => continue,
                (None, Some(_)) => (true, "set"),
                (Some(_), None) => (false, "unset"),
                (Some(a), Some(b)) => {
                    let tightened = if upper { b < a } else { b > a };
                    let verb = if b > a { "increased" } else { "decreased" };
                    (tightened, verb)
                }
            };
            let value = |v: Option<f64>| v.map_or("none".to_string(), |v| v.to_string());
            self.bound(
                &format!("{pointer}/{key}"),
                context,
                claims,
                tightened,
                format!("{}-{word}-{verb}", context.prefix()),
                format!(
                    "for {}, the {key} was {verb} from {} to {}",
                    context.subject(),
                    value(was),
                    value(is)
                ),
            );
        }
        // In OpenAPI 3.0 these are flags on `maximum` and `minimum`: setting one tightens.
        for (key, word) in [
            ("exclusiveMaximum", "exclusive-max"),
            ("exclusiveMinimum", "exclusive-min"),
        ] {
            let (was, is) = (flag(old, key), flag(new, key));
            if was == is {
                continue;
            }
            let verb = if is { "set" } else { "unset" };
            self.bound(
                &format!("{pointer}/{key}"),
                context,
                claims,
                is,
                format!("{}-{word}-{verb}", context.prefix()),
                format!("for {}, {key} was {verb}", context.subject()),
            );
        }
    }

    fn bound(
        &mut self,
        pointer: &str,
        context: &Context,
        claims: &[Claim],
        tightened: bool,
        rule: String,
        message: String,
    ) {
        let (wire, rust) = match (context.direction, tightened) {
            (Direction::Request, true) => (Bump::Major, Bump::Major),
            (Direction::Request, false) => (Bump::Minor, Bump::Minor),
            (Direction::Response, true) => (Bump::Patch, Bump::Patch),
            (Direction::Response, false) => (Bump::Major, Bump::Patch),
        };
        self.push(rule, pointer, wire, rust, message, claims.to_vec());
    }

    fn pattern(
        &mut self,
        old: &Value,
        new: &Value,
        pointer: &str,
        context: &Context,
        claims: &[Claim],
    ) {
        let (was, is) = (str_field(old, "pattern"), str_field(new, "pattern"));
        let verb = match (was, is) {
            (a, b) if a == b => return,
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            _ => "changed",
        };
        let (wire, rust) = match (context.direction, verb) {
            (Direction::Request, "removed") => (Bump::Minor, Bump::Minor),
            (Direction::Request, _) => (Bump::Major, Bump::Major),
            (Direction::Response, _) => (Bump::Patch, Bump::Patch),
        };
        self.push(
            format!("{}-pattern-{verb}", context.prefix()),
            &format!("{pointer}/pattern"),
            wire,
            rust,
            format!(
                "for {}, the pattern was {verb} ({} to {})",
                context.subject(),
                shown(was),
                shown(is)
            ),
            claims.to_vec(),
        );
    }

    fn default(
        &mut self,
        old: &Value,
        new: &Value,
        pointer: &str,
        context: &Context,
        claims: &[Claim],
    ) {
        let (was, is) = (old.get("default"), new.get("default"));
        let verb = match (was, is) {
            (a, b) if a == b => return,
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            _ => "changed",
        };
        // What the server does for a caller that leaves the parameter out changes; the
        // client sends only what its caller set.
        let wire = if context.place == Place::Parameter {
            Bump::Major
        } else {
            Bump::Patch
        };
        self.push(
            format!("{}-default-value-{verb}", context.prefix()),
            &format!("{pointer}/default"),
            wire,
            Bump::Patch,
            format!(
                "for {}, the default value was {verb} ({} to {})",
                context.subject(),
                was.map_or("none".to_string(), compact),
                is.map_or("none".to_string(), compact)
            ),
            claims.to_vec(),
        );
    }

    fn properties(
        &mut self,
        old: &Value,
        new: &Value,
        (old_pointer, new_pointer): (&str, &str),
        context: &Context,
    ) {
        let (base, head) = (object(old, "properties"), object(new, "properties"));
        let (was_required, is_required) = (required_names(old), required_names(new));
        let request = context.direction == Direction::Request;
        for name in base.keys() {
            let property = format!("{old_pointer}/properties/{}", escape_pointer_segment(name));
            if head.contains_key(name) {
                continue;
            }
            let required = was_required.contains(name.as_str());
            let rule = match (request, required) {
                (true, _) => "request-property-removed",
                (false, true) => "response-required-property-removed",
                (false, false) => "response-optional-property-removed",
            };
            self.push(
                rule,
                &property,
                Bump::Major,
                Bump::Patch,
                format!("removed the property {}", context.property(name).subject()),
                claims_at(&property, Some(name), context),
            );
            self.gone();
        }
        for (name, _) in head {
            let property = format!("{new_pointer}/properties/{}", escape_pointer_segment(name));
            let claims = claims_at(&property, Some(name), context);
            let required = is_required.contains(name.as_str());
            if !base.contains_key(name) {
                let (rule, wire, rust) = match (request, required) {
                    (true, true) => ("new-required-request-property", Bump::Major, Bump::Major),
                    (true, false) => ("new-optional-request-property", Bump::Minor, Bump::Minor),
                    (false, true) => ("response-required-property-added", Bump::Minor, Bump::Minor),
                    (false, false) => {
                        ("response-optional-property-added", Bump::Minor, Bump::Minor)
                    }
                };
                let kind = if required { "required" } else { "optional" };
                self.push(
                    rule,
                    &property,
                    wire,
                    rust,
                    format!(
                        "added the {kind} property {}",
                        context.property(name).subject()
                    ),
                    claims,
                );
                continue;
            }
            let was = was_required.contains(name.as_str());
            if was != required {
                let (rule, wire, rust) = match (request, required) {
                    (true, true) => ("request-property-became-required", Bump::Major, Bump::Major),
                    (true, false) => ("request-property-became-optional", Bump::Minor, Bump::Minor),
                    (false, true) => (
                        "response-property-became-required",
                        Bump::Patch,
                        Bump::Patch,
                    ),
                    (false, false) => (
                        "response-property-became-optional",
                        Bump::Major,
                        Bump::Patch,
                    ),
                };
                self.push(
                    rule,
                    &property,
                    wire,
                    rust,
                    format!(
                        "the property {} became {}",
                        context.property(name).subject(),
                        if required { "required" } else { "optional" }
                    ),
                    claims,
                );
            }
            self.schema(
                format!("{old_pointer}/properties/{}", escape_pointer_segment(name)),
                property,
                &context.property(name),
            );
        }
    }

    /// `anyOf`, `oneOf` and `allOf`, branch by branch.
    fn alternatives(
        &mut self,
        old: &Value,
        new: &Value,
        (old_pointer, new_pointer): (&str, &str),
        context: &Context,
    ) {
        for key in ["anyOf", "oneOf", "allOf"] {
            let base = old.get(key).and_then(Value::as_array);
            let head = new.get(key).and_then(Value::as_array);
            let (base_len, head_len) = (base.map_or(0, Vec::len), head.map_or(0, Vec::len));
            // A plain string among the alternatives keeps whatever the server sends.
            let open = key != "allOf"
                && head.into_iter().flatten().any(|branch| {
                    branch.get("type") == Some(&"string".into()) && branch.get("enum").is_none()
                });
            for i in 0..base_len.min(head_len) {
                self.schema(
                    format!("{old_pointer}/{key}/{i}"),
                    format!("{new_pointer}/{key}/{i}"),
                    &Context {
                        open,
                        ..context.clone()
                    },
                );
            }
            if base_len == head_len {
                continue;
            }
            // More `anyOf`/`oneOf` branches accept more; more `allOf` ones, less. The rule's
            // name is oasdiff's (`response-property-any-of-added`, ...); the verdict follows
            // from the direction, as everywhere here.
            let added = head_len > base_len;
            let widened = added == (key != "allOf");
            let wire = match (widened, context.direction == Direction::Request) {
                (true, true) => Bump::Minor,
                (true, false) | (false, true) => Bump::Major,
                (false, false) => Bump::Patch,
            };
            let keyword = match key {
                "anyOf" => "any-of",
                "oneOf" => "one-of",
                _ => "all-of",
            };
            let verb = if added { "added" } else { "removed" };
            self.push(
                format!("{}-{keyword}-{verb}", context.prefix()),
                &format!("{new_pointer}/{key}"),
                wire,
                Bump::Patch,
                format!(
                    "the {key} of {} went from {base_len} to {head_len} schemas",
                    context.subject()
                ),
                claims_at(new_pointer, None, context),
            );
        }
    }
}

/// The rule and wire verdict of a type or format change that makes the schema wider (it
/// takes all it took, and more) or narrower, or neither. A request may take more (oasdiff's
/// `*-type-generalized`), a response may say more precisely what it sends
/// (`*-type-specialized`, as oasdiff calls it too); every other change is breaking.
fn generality(request: bool, widened: bool, narrowed: bool) -> (&'static str, Bump) {
    match (request, widened, narrowed) {
        (true, true, _) => ("type-generalized", Bump::Minor),
        (false, true, _) => ("type-generalized", Bump::Major),
        (false, _, true) => ("type-specialized", Bump::Patch),
        _ => ("type-changed", Bump::Major),
    }
}

fn required_names(schema: &Value) -> BTreeSet<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}
