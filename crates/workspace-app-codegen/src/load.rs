//! Reading the YAML document while remembering where every node came from.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

use crate::error::SpecError;

/// A 1-based line and column in the spec file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub line: u64,
    pub column: u64,
}

/// A loaded OpenAPI document: the raw JSON tree (for lints and example checks), the typed
/// `openapiv3` model (for progenitor), and where each node sits in the file.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The file name used in messages, as the caller gave it.
    pub file: String,
    /// The document as JSON, exactly as written.
    pub document: Value,
    /// The document as `openapiv3` understands it.
    pub openapi: openapiv3::OpenAPI,
    /// JSON pointer of each node → where its value starts.
    locations: BTreeMap<String, Location>,
    source: String,
}

impl Spec {
    /// Reads and parses the spec file.
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SpecError {
            file: file.clone(),
            location: None,
            pointer: None,
            message: format!("cannot read the spec: {e}"),
            source_line: None,
        })?;
        Spec::parse(&file, &text)
    }

    /// Parses spec text; `file` is only used in messages.
    pub fn parse(file: &str, text: &str) -> Result<Spec, SpecError> {
        let root: Spanned<Node> = serde_saphyr::from_str(text).map_err(|e| {
            let location = e.location().map(|l| Location {
                line: l.line(),
                column: l.column(),
            });
            let mut message = e.without_snippet().to_string();
            if let Some(loc) = location {
                // The parser repeats the position we already print in front.
                let suffix = format!(" at line {}, column {}", loc.line, loc.column);
                if let Some(stripped) = message.strip_suffix(&suffix) {
                    message = stripped.to_string();
                }
            }
            SpecError {
                file: file.to_string(),
                location,
                pointer: None,
                message: format!("invalid YAML: {message}"),
                source_line: location.and_then(|l| source_line(text, l.line)),
            }
        })?;

        let mut locations = BTreeMap::new();
        let document = flatten(root, String::new(), &mut locations);
        let mut spec = Spec {
            file: file.to_string(),
            document,
            openapi: openapiv3::OpenAPI::default(),
            locations,
            source: text.to_string(),
        };
        spec.openapi = serde_path_to_error::deserialize(&spec.document).map_err(|e| {
            let pointer = path_to_pointer(e.path());
            spec.error_at(
                &pointer,
                format!("not a valid OpenAPI 3.0 document: {}", e.inner()),
            )
        })?;
        Ok(spec)
    }

    /// An error about the node at `pointer`, placed at that node or its nearest ancestor
    /// that has a known location.
    pub fn error_at(&self, pointer: &str, message: impl Into<String>) -> SpecError {
        let location = self.locate(pointer);
        SpecError {
            file: self.file.clone(),
            location,
            pointer: Some(pointer.to_string()),
            message: message.into(),
            source_line: location.and_then(|l| source_line(&self.source, l.line)),
        }
    }

    /// Where the node at `pointer` (or its nearest located ancestor) starts.
    pub fn locate(&self, pointer: &str) -> Option<Location> {
        let mut pointer = pointer;
        loop {
            if let Some(location) = self.locations.get(pointer) {
                return Some(*location);
            }
            pointer = &pointer[..pointer.rfind('/')?];
        }
    }
}

/// Line `line` (1-based) as the parser counts lines: YAML ends a line at `\r\n`, `\n` or a
/// bare `\r` (YAML 1.2, 5.4), where `str::lines` knows only the first two.
fn source_line(text: &str, line: u64) -> Option<String> {
    let index = usize::try_from(line).ok()?.checked_sub(1)?;
    text.split_inclusive('\n')
        .flat_map(|line| {
            let line = line.strip_suffix('\n').unwrap_or(line);
            line.strip_suffix('\r').unwrap_or(line).split('\r')
        })
        .nth(index)
        .map(str::to_string)
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape_pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(escape_pointer_segment(key)),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .fold(String::new(), |pointer, segment| pointer + "/" + &segment)
}

/// A YAML node with the location of each child, as the parser saw it.
enum Node {
    Scalar(Value),
    Sequence(Vec<Spanned<Node>>),
    Mapping(Vec<(String, Spanned<Node>)>),
}

/// The node as plain JSON, recording each descendant's location under its JSON pointer.
fn flatten(
    node: Spanned<Node>,
    pointer: String,
    locations: &mut BTreeMap<String, Location>,
) -> Value {
    let location = Location {
        line: node.referenced.line(),
        column: node.referenced.column(),
    };
    locations.insert(pointer.clone(), location);
    match node.value {
        Node::Scalar(value) => value,
        Node::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| flatten(item, format!("{pointer}/{i}"), locations))
                .collect(),
        ),
        Node::Mapping(entries) => Value::Object(
            entries
                .into_iter()
                .map(|(key, value)| {
                    let child = format!("{pointer}/{}", escape_pointer_segment(&key));
                    (key, flatten(value, child, locations))
                })
                .collect(),
        ),
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Scalar(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Scalar(Value::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        serde_json::Number::from_f64(v)
            .map(|n| Node::Scalar(Value::Number(n)))
            .ok_or_else(|| E::custom(format!("{v} cannot be represented in JSON")))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Scalar(Value::String(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Scalar(Value::String(v)))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Null))
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Sequence(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(MapKey(key)) = map.next_key()? {
            entries.push((key, map.next_value::<Spanned<Node>>()?));
        }
        Ok(Node::Mapping(entries))
    }
}

/// A mapping key; YAML allows `200:` where JSON (and OpenAPI) mean `"200"`.
struct MapKey(String);

impl<'de> Deserialize<'de> for MapKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = MapKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<MapKey, E> {
                Ok(MapKey(v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<MapKey, E> {
                Ok(MapKey(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<MapKey, E> {
                Ok(MapKey(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<MapKey, E> {
                Ok(MapKey(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<MapKey, E> {
                Ok(MapKey(v.to_string()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}
