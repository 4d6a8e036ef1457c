//! Reading the YAML document while remembering where every node came from.
//!
//! Everything here is bounded by the constants below, whatever the input: the bytes read,
//! the nesting, the nodes (aliases expanded), and what an error quotes of the text.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;
use serde_saphyr::budget::BudgetBreach;

use crate::error::{Excerpt, SpecError};
use crate::location::Location;

/// serde-saphyr's limits, pinned rather than left to its defaults (which change between
/// versions and were made for configuration files).
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: Spec::MAX_DEPTH,
            // The scanner's own limit on `[`/`{`, else 255 of them pass before the budget sees one.
            flow_nesting_limit: Spec::MAX_DEPTH,
            max_nodes: Spec::MAX_NODES,
            // Every node is an event, a collection two: never the first limit to trip.
            max_events: 2 * Spec::MAX_NODES + 8,
            max_aliases: Spec::MAX_ALIAS_EVENTS,
            // Aliases cannot make the text larger than a file may be.
            max_total_scalar_bytes: Spec::MAX_BYTES,
            // The replay limits bound aliases; a spec sharing one anchor among many
            // operations is fine.
            enforce_alias_anchor_ratio: false,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: Spec::MAX_ALIAS_EVENTS,
            max_replay_stack_depth: Spec::MAX_DEPTH,
        },
        // We quote the line ourselves (cut, see `Excerpt`).
        with_snippet: false,
    }
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
    /// Where each node starts, in a tree shaped as the document: a map of JSON pointers
    /// would hold each node's whole path, which a long key makes quadratic.
    locations: Located,
    source: Source,
}

impl Spec {
    /// The largest spec the loader reads. The service's 174 operations make about 1 MB of
    /// YAML (some 220 lines an operation, `scripts/bench/ops-scale.sh`); sixteen times that
    /// leaves room to grow, and a wrong path (`/dev/zero`, a FIFO, a log) costs no more.
    pub const MAX_BYTES: usize = 16 * 1024 * 1024;

    /// The deepest nesting of mappings and sequences read. The YAML deserializer recurses
    /// once a level, and in a debug build (where build scripts run) a level costs tens of KiB
    /// of stack: at 32 the load and the walks of the tree after it stay within a test
    /// thread's 2 MiB (`tests/bounds.rs`), where 50 overflowed it. The spec nests 13 deep.
    pub const MAX_DEPTH: usize = 32;

    /// The most nodes read, aliases expanded: the tree costs a few hundred bytes a node, so
    /// this bounds the loader's memory. About five times a spec of the whole service.
    pub const MAX_NODES: usize = 500_000;

    /// The most events aliases may replay in all: a billion-laughs document stops here. A
    /// spec rarely needs aliases (`$ref` does their work).
    pub const MAX_ALIAS_EVENTS: usize = 100_000;

    /// Reads and parses the spec file, at most [`Spec::MAX_BYTES`] of it.
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let file = path.display().to_string();
        let opened = std::fs::File::open(path).map_err(|e| {
            SpecError::new(
                &file,
                None,
                None,
                format!("cannot read the spec: {e}"),
                None,
            )
        })?;
        let text = Spec::read(&file, opened)?;
        Spec::parse(&file, &text)
    }

    /// Reads a spec from `reader` (a file, a pipe, a child's output) as text, refusing one larger
    /// than [`Spec::MAX_BYTES`] after reading one byte more: `/dev/zero`, or a FIFO that never
    /// ends, stops there. `file` names it in messages.
    pub fn read(file: &str, reader: impl Read) -> Result<String, SpecError> {
        let fail = |message: String| SpecError::new(file, None, None, message, None);
        let mut bytes = Vec::new();
        reader
            .take(Spec::MAX_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| fail(format!("cannot read the spec: {e}")))?;
        if bytes.len() > Spec::MAX_BYTES {
            return Err(fail(too_large()));
        }
        String::from_utf8(bytes).map_err(|e| {
            fail(format!(
                "the spec is not UTF-8 text (an invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ))
        })
    }

    /// Parses spec text; `file` is only used in messages.
    pub fn parse(file: &str, text: &str) -> Result<Spec, SpecError> {
        if text.len() > Spec::MAX_BYTES {
            return Err(SpecError::new(file, None, None, too_large(), None));
        }
        let source = Source::new(text);
        let root: Spanned<Node> = serde_saphyr::from_str_with_options(text, yaml_options())
            .map_err(|e| {
                let at = e.location();
                let location = at.map(|l| Location {
                    line: l.line(),
                    column: l.column(),
                });
                let byte = at.and_then(|l| usize::try_from(l.span().byte_offset()?).ok());
                SpecError::new(
                    file,
                    location,
                    None,
                    format!("invalid YAML: {}", yaml_message(&e, location)),
                    location.and_then(|l| source.excerpt(l, byte)),
                )
            })?;

        let (document, locations) = flatten(root);
        let mut spec = Spec {
            file: file.to_string(),
            document,
            openapi: openapiv3::OpenAPI::default(),
            locations,
            source,
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

    /// The text the spec was parsed from.
    pub fn text(&self) -> &str {
        &self.source.text
    }

    /// An error about the node at `pointer`, placed at that node or its nearest ancestor
    /// that has a known location.
    pub fn error_at(&self, pointer: &str, message: impl Into<String>) -> SpecError {
        let node = self.locate_node(pointer);
        let location = node.map(|n| n.at);
        SpecError::new(
            &self.file,
            location,
            Some(pointer.to_string()),
            message.into(),
            node.and_then(|n| self.source.excerpt(n.at, n.byte)),
        )
    }

    /// Where the node at `pointer` (or its nearest located ancestor) starts.
    pub fn locate(&self, pointer: &str) -> Option<Location> {
        self.locate_node(pointer).map(|node| node.at)
    }

    /// The node at `pointer`, or the deepest ancestor of it the document has; `None` for a
    /// pointer that is neither empty nor starts with `/`.
    fn locate_node(&self, pointer: &str) -> Option<&Located> {
        let mut node = &self.locations;
        if pointer.is_empty() {
            return Some(node);
        }
        for segment in pointer.strip_prefix('/')?.split('/') {
            let child = match &node.children {
                Children::Items(items) => index(segment).and_then(|i| items.get(i)),
                Children::Entries(entries) => {
                    entries.get(unescape_pointer_segment(segment).as_ref())
                }
                Children::None => None,
            };
            match child {
                Some(child) => node = child,
                None => break,
            }
        }
        Some(node)
    }
}

/// Why a spec larger than [`Spec::MAX_BYTES`] is refused.
fn too_large() -> String {
    format!(
        "the spec is larger than {} MiB ({} bytes), the most the loader reads \
         (Spec::MAX_BYTES in workspace-app-codegen): is this the spec file?",
        Spec::MAX_BYTES >> 20,
        Spec::MAX_BYTES
    )
}

/// A JSON pointer segment as an array index: digits, no leading zero (RFC 6901).
fn index(segment: &str) -> Option<usize> {
    let digits = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
    (digits && (segment == "0" || !segment.starts_with('0')))
        .then(|| segment.parse().ok())
        .flatten()
}

/// The parser's message, in our words where it hit one of our limits (its own names a
/// field of its budget, in Rust's debug notation).
fn yaml_message(error: &serde_saphyr::Error, location: Option<Location>) -> String {
    use serde_saphyr::Error as E;
    let mut original = error;
    while let E::AliasError { error, .. } | E::WithSnippet { error, .. } = original {
        original = error;
    }
    let nodes = || {
        format!(
            "more than {} nodes, aliases expanded: the most the loader reads (Spec::MAX_NODES)",
            Spec::MAX_NODES
        )
    };
    let aliases = || {
        format!(
            "aliases expand to more than {} events: the most the loader replays (Spec::MAX_ALIAS_EVENTS)",
            Spec::MAX_ALIAS_EVENTS
        )
    };
    let depth = || {
        format!(
            "nested deeper than {} levels: the most the loader reads (Spec::MAX_DEPTH)",
            Spec::MAX_DEPTH
        )
    };
    match original {
        E::Budget { breach, .. } => match breach {
            BudgetBreach::Depth { .. } => depth(),
            BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => nodes(),
            BudgetBreach::Aliases { .. } => aliases(),
            BudgetBreach::ScalarBytes { .. } => format!(
                "more than {} MiB of text, aliases expanded: the most the loader reads (Spec::MAX_BYTES)",
                Spec::MAX_BYTES >> 20
            ),
            other => format!("a limit of the YAML parser was reached: {other:?}"),
        },
        E::AliasReplayLimitExceeded { .. } | E::AliasExpansionLimitExceeded { .. } => aliases(),
        E::AliasReplayStackDepthExceeded { .. } => depth(),
        _ => {
            let mut message = error.without_snippet().to_string();
            if let Some(loc) = location {
                // The parser repeats the position we already print in front.
                let suffix = format!(" at line {}, column {}", loc.line, loc.column);
                if let Some(stripped) = message.strip_suffix(&suffix) {
                    message = stripped.to_string();
                }
            }
            // The scanner's flow nesting limit (see `yaml_options`) has no variant of its own.
            if message == "recursion limit exceeded" {
                return depth();
            }
            message
        }
    }
}

/// The spec's text, with where each line starts: an error finds its line without scanning
/// the text, so many errors cost no more than their number.
#[derive(Debug, Clone)]
struct Source {
    text: String,
    /// Byte offset of the start of each line, as the parser counts lines: YAML ends a line
    /// at `\r\n`, `\n` or a bare `\r` (YAML 1.2, 5.4), where `str::lines` knows only the
    /// first two.
    line_starts: Vec<usize>,
}

impl Source {
    fn new(text: &str) -> Source {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                line_starts.push(i + 1);
            }
        }
        Source {
            text: text.to_string(),
            line_starts,
        }
    }

    /// Line `at.line`, cut around `at.column` when it is long. `byte`, the offset of that
    /// column in the text when the parser knows it, spares counting the characters before it.
    fn excerpt(&self, at: Location, byte: Option<usize>) -> Option<Excerpt> {
        let index = usize::try_from(at.line).ok()?.checked_sub(1)?;
        let start = *self.line_starts.get(index)?;
        if start == self.text.len() {
            // After the last line break (or in an empty text): no line to quote.
            return None;
        }
        let end = self
            .line_starts
            .get(index + 1)
            .map_or(self.text.len(), |&next| next);
        let line = self.text.get(start..end)?;
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let column = usize::try_from(at.column).ok()?.max(1);
        // The column's byte offset in `line`, and the column found there (the column itself,
        // unless the line is shorter).
        let (offset, found) = match byte.and_then(|b| b.checked_sub(start)) {
            Some(offset) if offset <= line.len() && line.is_char_boundary(offset) => {
                (offset, column)
            }
            _ => {
                let before = line.char_indices().take(column - 1);
                let (count, offset) = before
                    .enumerate()
                    .last()
                    .map_or((0, 0), |(i, (o, c))| (i + 1, o + c.len_utf8()));
                (offset, count + 1)
            }
        };
        Some(Excerpt::around(line, offset, found))
    }
}

/// Where a node starts, and where each of its children do.
#[derive(Debug, Clone)]
struct Located {
    at: Location,
    /// The byte offset of `at` in the text, when the parser gives it.
    byte: Option<usize>,
    children: Children,
}

#[derive(Debug, Clone)]
enum Children {
    None,
    Items(Vec<Located>),
    Entries(BTreeMap<String, Located>),
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

/// Unescapes one JSON pointer segment (RFC 6901): `~1` is `/`, then `~0` is `~`.
fn unescape_pointer_segment(segment: &str) -> Cow<'_, str> {
    if segment.contains('~') {
        Cow::Owned(segment.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(segment)
    }
}

/// The node as plain JSON, and where it and each descendant start.
fn flatten(node: Spanned<Node>) -> (Value, Located) {
    let span = node.referenced;
    let at = Location {
        line: span.line(),
        column: span.column(),
    };
    let byte = span
        .span()
        .byte_offset()
        .and_then(|b| usize::try_from(b).ok());
    let (value, children) = match node.value {
        Node::Scalar(value) => (value, Children::None),
        Node::Sequence(items) => {
            let (values, located) = items.into_iter().map(flatten).unzip();
            (Value::Array(values), Children::Items(located))
        }
        Node::Mapping(entries) => {
            let mut values = serde_json::Map::new();
            let mut located = BTreeMap::new();
            for (key, value) in entries {
                let (value, at) = flatten(value);
                located.insert(key.clone(), at);
                values.insert(key, value);
            }
            (Value::Object(values), Children::Entries(located))
        }
    };
    (value, Located { at, byte, children })
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
