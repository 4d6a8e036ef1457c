//! The document as a whole: every change, in document order: `info`, the servers' regions,
//! each operation (`operations`), and component schemas renamed
//! unchanged.

use std::collections::HashSet;

use heck::ToPascalCase;
use serde_json::Value;
use workspace_app_codegen::escape_pointer_segment;

use crate::diff::change::{Bump, Change, Claim, Sides};

use super::json::field;
use super::walk::Walk;

/// Every change from `sides.base` to `sides.head`, in document order.
pub fn changes(sides: &Sides<'_>) -> Vec<Change> {
    let mut walk = Walk {
        base: &sides.base.document,
        head: &sides.head.document,
        changes: Vec::new(),
        seen: HashSet::new(),
    };
    walk.info();
    walk.servers();
    walk.operations();
    walk.renamed_schemas();
    walk.changes
}

impl<'a> Walk<'a> {
    fn info(&mut self) {
        let (base, head) = (field(self.base, "info"), field(self.head, "info"));
        self.documentation(base, head, "/info", &[]);
    }

    /// The regions the spec's servers list: the client's `.region(..)` accepts exactly these.
    fn servers(&mut self) {
        let (base, head) = (regions(self.base), regions(self.head));
        for (region, pointer) in &base {
            if !head.iter().any(|(r, _)| r == region) {
                self.push(
                    "server-region-removed",
                    pointer,
                    Bump::Major,
                    Bump::Major,
                    format!(
                        "the region `{region}` is no longer served: `.region(\"{region}\")` fails"
                    ),
                    Vec::new(),
                );
                self.gone();
            }
        }
        for (region, pointer) in &head {
            if !base.iter().any(|(r, _)| r == region) {
                self.push(
                    "server-region-added",
                    pointer,
                    Bump::Minor,
                    Bump::Minor,
                    format!("the region `{region}` was added"),
                    Vec::new(),
                );
            }
        }
    }

    /// A component schema that is gone, and one that is new with the same content: the
    /// same schema under another name. Nothing changes on the wire (`$ref`s are followed),
    /// but the generated type is renamed.
    fn renamed_schemas(&mut self) {
        let (base, head) = (component_schemas(self.base), component_schemas(self.head));
        for &(old_name, old_schema) in &base {
            if head.iter().any(|(name, _)| *name == old_name) {
                continue;
            }
            let renamed = head.iter().find(|(name, schema)| {
                !base.iter().any(|(n, _)| n == name) && *schema == old_schema
            });
            if let Some((new_name, _)) = renamed {
                let (from, to) = (old_name.to_pascal_case(), new_name.to_pascal_case());
                self.push(
                    "schema-renamed",
                    &format!("/components/schemas/{}", escape_pointer_segment(new_name)),
                    Bump::Patch,
                    Bump::Patch,
                    format!("the schema {old_name} was renamed to {new_name}, unchanged"),
                    vec![
                        Claim::Type(from.clone()),
                        Claim::Type(to.clone()),
                        Claim::Renamed { from, to },
                    ],
                );
            }
        }
    }
}

/// Each region of the servers' `region` variables, with where it is listed.
fn regions(document: &Value) -> Vec<(String, String)> {
    let servers = document.get("servers").and_then(Value::as_array);
    let mut found = Vec::new();
    for (i, server) in servers.into_iter().flatten().enumerate() {
        let values = server
            .pointer("/variables/region/enum")
            .and_then(Value::as_array);
        for (j, region) in values.into_iter().flatten().enumerate() {
            if let Some(region) = region.as_str() {
                found.push((
                    region.to_string(),
                    format!("/servers/{i}/variables/region/enum/{j}"),
                ));
            }
        }
    }
    found
}

fn component_schemas(document: &Value) -> Vec<(&String, &Value)> {
    document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .collect()
}
