//! Where the walk is: which operation, request or response, parameter, body or property, and
//! the path inside the schema; the rule's prefix and the words messages name it with.

use heck::ToSnakeCase;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Direction {
    Request,
    Response,
}

/// What a schema is the schema of, for the rule's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Place {
    Parameter,
    Body,
    Property,
}

/// Where the walk is: which operation, which side of it, which part.
#[derive(Debug, Clone)]
pub(super) struct Context {
    pub(super) direction: Direction,
    pub(super) place: Place,
    /// The operationId, as written.
    pub(super) operation: String,
    /// What the walk is in, in words: "the query parameter limit of ListSubJobs", "the 200
    /// response of ListSubJobs".
    pub(super) target: String,
    /// Where in the target's schema, e.g. `items[].status`; empty at its root.
    pub(super) path: String,
    /// The parameter's name, inside a parameter's schema.
    pub(super) parameter: Option<String>,
    /// Inside an `anyOf`/`oneOf` with a plain string branch: an enum the service may extend
    /// (the client keeps unknown values, `Extensible<T>`).
    pub(super) open: bool,
}

impl Context {
    pub(super) fn prefix(&self) -> &'static str {
        match (self.direction, self.place) {
            (Direction::Request, Place::Parameter) => "request-parameter",
            (Direction::Request, Place::Body) => "request-body",
            (Direction::Request, Place::Property) => "request-property",
            (Direction::Response, Place::Body) => "response-body",
            (Direction::Response, Place::Property) => "response-property",
            // A response has no parameters.
            (Direction::Response, Place::Parameter) => "response-property",
        }
    }

    pub(super) fn operation_key(&self) -> String {
        self.operation.to_snake_case()
    }

    /// What the schema is, in words: "`items[].status` of the 200 response of ListSubJobs".
    pub(super) fn subject(&self) -> String {
        if self.path.is_empty() {
            self.target.clone()
        } else {
            format!("`{}` of {}", self.path, self.target)
        }
    }

    /// A property of this schema.
    pub(super) fn property(&self, name: &str) -> Context {
        let path = if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        };
        Context {
            place: Place::Property,
            path,
            open: false,
            ..self.clone()
        }
    }

    pub(super) fn nested(&self, suffix: &str) -> Context {
        Context {
            path: format!("{}{suffix}", self.path),
            ..self.clone()
        }
    }
}
