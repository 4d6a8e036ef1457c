//! The API's own routes: `ListSubJobs` with its behaviour (validation, the project in the
//! path, the page from the store), every other operation of the spec routed by its path
//! template, checked as far as the spec declares it and answered with its documented
//! success, as Prism does, and the API's error answers (Huawei's
//! `{"error_code", "error_msg"}`), injected faults' included.

use std::sync::{Arc, LazyLock, PoisonError};
use std::time::SystemTime;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use workspace_app_client::spec::operations::{self, LIST_SUB_JOBS, Operation};
use workspace_app_client::types::{ErrorResponse, ListSubJobsResponse};

use crate::error_codes;
use crate::faults::Injected;
use crate::gate::{Refused, read_and_check};
use crate::query;
use crate::state::Shared;

/// The path parameter of `ListSubJobs`'s path template.
const PROJECT_ID: &str = "{project_id}";

/// `GET` of `ListSubJobs`: one page of the sub-jobs of the project in the path; another
/// method of its path is answered as [`documented_example`] answers.
pub(crate) async fn list_sub_jobs(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    if request.method() != Method::GET {
        return documented_example(State(shared), request).await;
    }
    let (parts, _, now) = match read_and_authenticate(&shared, request).await {
        Ok(request) => request,
        Err(refused) => return refused,
    };

    let project_id = match project_id(parts.uri.path()) {
        Ok(project_id) => project_id,
        Err(message) => return invalid_parameter(message),
    };
    let filter = match query::parse(parts.uri.query()) {
        Ok(filter) => filter,
        Err(message) => return invalid_parameter(message),
    };
    let (count, items) = shared
        .store
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .list(&project_id, &filter, now, shared.speed);
    let mut page = ListSubJobsResponse::default();
    page.count = Some(i32::try_from(count).unwrap_or(i32::MAX));
    page.items = items;
    match serde_json::to_value(page) {
        Ok(mut body) => {
            // The generated type leaves out an empty list; the service sends `"items": []`.
            if let Some(object) = body.as_object_mut() {
                object
                    .entry("items")
                    .or_insert_with(|| serde_json::Value::Array(Vec::new()));
            }
            Json(body).into_response()
        }
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            error_codes::INTERNAL_ERROR,
            format!("Internal error: cannot serialize the page: {e}"),
        ),
    }
}

/// An operation of the spec as the emulator routes, checks and answers it: read from the
/// compiled spec tables ([`Documented::compiled`]) when serving, written out in unit tests.
#[derive(Debug, Clone)]
pub(crate) struct Documented {
    /// Its `operationId`, method, path template and documented examples.
    pub(crate) operation: Operation,
    /// The response a successful call gets: `(status as the spec keys it, has content)`.
    pub(crate) success: Option<(&'static str, bool)>,
    /// The request body it documents: `(media type, required)`.
    pub(crate) body: Option<(&'static str, bool)>,
    /// Its query parameters.
    pub(crate) query: Vec<query::Declared<'static>>,
    /// The names of its required header parameters.
    pub(crate) required_headers: Vec<&'static str>,
}

impl Documented {
    /// What the spec tables say of `operation`.
    fn compiled(operation: &'static Operation) -> Self {
        let parameters = operation.parameters();
        let in_ = |location: &'static str| {
            parameters
                .iter()
                .filter(move |parameter| parameter.location == location)
        };
        Documented {
            operation: *operation,
            success: operation.success_status(),
            body: operation.request_body(),
            query: in_("query")
                .map(|parameter| query::Declared {
                    name: parameter.name,
                    required: parameter.required,
                    explode: parameter.explode,
                })
                .collect(),
            required_headers: in_("header")
                .filter(|parameter| parameter.required)
                .map(|parameter| parameter.name)
                .collect(),
        }
    }
}

/// Every operation of the compiled spec, as the emulator answers it.
static COMPILED: LazyLock<Vec<Documented>> =
    LazyLock::new(|| operations::ALL.iter().map(Documented::compiled).collect());

/// An operation of the spec the emulator has no behaviour for, answered as Prism answers:
/// see [`serve_documented`].
pub(crate) async fn documented_example(
    State(shared): State<Arc<Shared>>,
    request: Request,
) -> Response {
    serve_documented(&shared, request, &COMPILED).await
}

/// A request for one of `operations`, routed by their path templates: a path none fits gets
/// 404, as the gateway answers; a method the spec does not have at the path 405 and
/// `Allow`. Then, once authenticated (the signature covers the body), the request is
/// checked as far as the spec declares it: its query ([`query::by_declaration`]: required
/// parameters, lists in their style), its required headers, its body (present when
/// required; JSON where JSON is documented); a failure is 400. It is answered with the
/// operation's documented success ([`answer`]).
async fn serve_documented(
    shared: &Shared,
    request: Request,
    operations: &[Documented],
) -> Response {
    let at_path = operations_at(request.uri().path(), operations);
    let Some(documented) = at_path
        .iter()
        .find(|documented| documented.operation.method == request.method().as_str())
    else {
        if at_path.is_empty() {
            return not_found();
        }
        return method_not_allowed(request.method(), &at_path);
    };
    let (parts, body, _) = match read_and_authenticate(shared, request).await {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    let checked = query::by_declaration(parts.uri.query(), &documented.query)
        .and_then(|_| required_headers(&documented.required_headers, &parts.headers))
        .and_then(|()| body_as_documented(documented.body, &body));
    match checked {
        Ok(()) => answer(documented).into_response(),
        Err(message) => invalid_parameter(message),
    }
}

/// Refuses a request without one of the `required` header parameters.
fn required_headers(required: &[&str], headers: &HeaderMap) -> Result<(), String> {
    match required.iter().find(|name| !headers.contains_key(**name)) {
        Some(name) => Err(format!("Invalid parameter: the {name} header is required")),
        None => Ok(()),
    }
}

/// Refuses a body the operation's `documented` request body rules out: none where one is
/// required, or one that is not JSON where the media type is JSON. Other media types
/// (`multipart/form-data`) are taken as they come, and so is a body where none is
/// documented; no field of a body is checked.
fn body_as_documented(documented: Option<(&str, bool)>, body: &[u8]) -> Result<(), String> {
    let Some((media, required)) = documented else {
        return Ok(());
    };
    if body.is_empty() {
        if required {
            return Err(format!(
                "Invalid parameter: the request body is required ({media})"
            ));
        }
        return Ok(());
    }
    let json = media.split(';').next().unwrap_or_default().trim();
    let is_json = json == "application/json" || json.ends_with("+json");
    match serde_json::from_slice::<serde_json::Value>(body) {
        Err(e) if is_json => Err(format!(
            "Invalid parameter: the request body is not valid JSON ({e})"
        )),
        _ => Ok(()),
    }
}

/// The answer of an operation the emulator has no behaviour for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// The documented success status with its documented example, as JSON.
    Example(StatusCode, &'static str),
    /// The documented success status, with no body: the response documents no content.
    NoContent(StatusCode),
    /// 501: the spec documents nothing to answer with (no success response, or one with
    /// content but no example).
    NotImplemented(&'static str, Option<&'static str>),
}

/// What Prism answers: the operation's documented success response (the lowest `2xx`, else
/// `2XX` or `default`, both as 200), with its example when it documents content, with no
/// body when it documents none.
fn answer(documented: &Documented) -> Answer {
    let id = documented.operation.operation_id;
    let Some((key, content)) = documented.success else {
        return Answer::NotImplemented(id, None);
    };
    let status = key
        .parse::<u16>()
        .ok()
        .and_then(|code| StatusCode::from_u16(code).ok())
        .unwrap_or(StatusCode::OK);
    if !content {
        return Answer::NoContent(status);
    }
    match documented.operation.example(key) {
        Some(example) => Answer::Example(status, example),
        None => Answer::NotImplemented(id, Some(key)),
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        match self {
            Answer::Example(status, example) => (
                status,
                [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
                example,
            )
                .into_response(),
            Answer::NoContent(status) => status.into_response(),
            Answer::NotImplemented(id, None) => error(
                StatusCode::NOT_IMPLEMENTED,
                error_codes::INTERNAL_ERROR,
                format!(
                    "The emulator has no behaviour for {id} and the spec documents no success response of it"
                ),
            ),
            Answer::NotImplemented(id, Some(status)) => error(
                StatusCode::NOT_IMPLEMENTED,
                error_codes::INTERNAL_ERROR,
                format!(
                    "The emulator has no behaviour for {id} and the spec documents no example of its {status} response"
                ),
            ),
        }
    }
}

/// The operations whose path template `path` fits (each `{name}` stands for at least one
/// character of a segment, a whole segment or part of one), those with the most literal
/// segments first (`/a/b` before `/a/{x}`), then the most literal characters, so that each
/// method maps to its most specific operation.
fn operations_at<'o>(path: &str, operations: &'o [Documented]) -> Vec<&'o Documented> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut found: Vec<((usize, usize), &'o Documented)> = operations
        .iter()
        .filter_map(|documented| {
            let template: Vec<&str> = documented.operation.path.split('/').collect();
            let fits = template.len() == segments.len()
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(want, have)| segment_fits(want, have));
            let literal_segments = template.iter().filter(|s| !s.contains('{')).count();
            let literal_chars = template.iter().map(|s| literal_length(s)).sum::<usize>();
            fits.then_some(((literal_segments, literal_chars), documented))
        })
        .collect();
    found.sort_by_key(|(specific, _)| std::cmp::Reverse(*specific));
    // One operation per method: the most specific.
    let mut seen = Vec::new();
    found.retain(|(_, documented)| {
        let new = !seen.contains(&documented.operation.method);
        seen.push(documented.operation.method);
        new
    });
    found
        .into_iter()
        .map(|(_, documented)| documented)
        .collect()
}

/// Whether a segment of a path fits a segment of a template: literally, each `{name}`
/// standing for one character or more.
fn segment_fits(template: &str, segment: &str) -> bool {
    let Some((prefix, rest)) = template.split_once('{') else {
        return template == segment;
    };
    let Some((_, after)) = rest.split_once('}') else {
        return template == segment;
    };
    let Some(segment) = segment.strip_prefix(prefix) else {
        return false;
    };
    // The placeholder takes the first `at` bytes, at least one character; the rest must fit
    // what follows it.
    (1..=segment.len())
        .filter(|at| segment.is_char_boundary(*at))
        .any(|at| segment_fits(after, &segment[at..]))
}

/// The characters of a template segment outside its `{name}`s.
fn literal_length(template: &str) -> usize {
    let mut length = 0;
    let mut inside = false;
    for c in template.chars() {
        match c {
            '{' => inside = true,
            '}' => inside = false,
            _ if !inside => length += 1,
            _ => {}
        }
    }
    length
}

/// 405 with `Allow`: the methods the spec has at this path.
fn method_not_allowed(method: &Method, allowed: &[&Documented]) -> Response {
    let mut methods: Vec<&str> = allowed
        .iter()
        .map(|documented| documented.operation.method)
        .collect();
    methods.sort_unstable();
    let mut response = error(
        StatusCode::METHOD_NOT_ALLOWED,
        error_codes::METHOD_NOT_ALLOWED,
        format!(
            "Method not allowed: {method} is not supported by this API; use {}",
            methods.join(" or ")
        ),
    );
    if let Ok(allow) = HeaderValue::from_str(&methods.join(", ")) {
        response.headers_mut().insert(ALLOW, allow);
    }
    response
}

/// Reads the (bounded) body and checks the request's credentials at the emulator's `now`,
/// which it returns with the request's head and body; the error is the answer.
async fn read_and_authenticate(
    shared: &Shared,
    request: Request,
) -> Result<(Parts, Bytes, SystemTime), Response> {
    read_and_check(shared, request, false)
        .await
        .map_err(|refused| match refused {
            Refused::Body(reason) => invalid_parameter(reason),
            Refused::Auth(failure) => error(
                StatusCode::UNAUTHORIZED,
                error_codes::UNAUTHORIZED,
                format!("Incorrect IAM authentication information: {failure}"),
            ),
        })
}

/// The project ID from the matched path, percent-decoded: the client encodes the segment.
fn project_id(path: &str) -> Result<String, String> {
    let (prefix, suffix) = LIST_SUB_JOBS
        .path
        .split_once(PROJECT_ID)
        .unwrap_or_default();
    let raw = path
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .unwrap_or_default();
    let decoded = percent_decode_str(raw).decode_utf8().map_err(|_| {
        "Invalid parameter: project_id is not valid UTF-8 once percent-decoded".to_string()
    })?;
    if decoded.is_empty() {
        return Err("Invalid parameter: project_id must not be empty".into());
    }
    Ok(decoded.into_owned())
}

fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        error_codes::NOT_FOUND,
        "The API does not exist or has not been published in the environment",
    )
}

/// The answer to a request the gateway fails on purpose ([`Injected`]): the status, the
/// matching `error_code`, and `Retry-After` when the fault has one.
pub(crate) fn injected_response(injected: Injected) -> Response {
    let status = injected.status;
    let code = match status {
        StatusCode::TOO_MANY_REQUESTS => error_codes::THROTTLED,
        StatusCode::SERVICE_UNAVAILABLE => error_codes::SERVICE_UNAVAILABLE,
        StatusCode::BAD_REQUEST => error_codes::INVALID_PARAMETER,
        StatusCode::UNAUTHORIZED => error_codes::UNAUTHORIZED,
        StatusCode::NOT_FOUND => error_codes::NOT_FOUND,
        StatusCode::METHOD_NOT_ALLOWED => error_codes::METHOD_NOT_ALLOWED,
        _ => error_codes::INTERNAL_ERROR,
    };
    let reason = match status {
        StatusCode::TOO_MANY_REQUESTS => "The throttling threshold has been reached",
        StatusCode::SERVICE_UNAVAILABLE => "The service is now unavailable to process the request",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    let message = format!("{reason} (injected by the emulator)");
    let mut response = error(injected.status, code, message);
    if let Some(retry_after) = injected.retry_after {
        // Whole seconds, rounded up, so a client never retries too early.
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

fn invalid_parameter(message: String) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        error_codes::INVALID_PARAMETER,
        message,
    )
}

/// The Huawei-style error body, `{"error_code": ..., "error_msg": ...}`.
fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let mut body = ErrorResponse::default();
    body.error_code = Some(code.to_string());
    body.error_msg = Some(message.into());
    (status, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Body;
    use secrecy::SecretString;
    use serde_json::{Value, json};
    use workspace_app_client::spec::operations::Example;

    use super::*;
    use crate::auth::Auth;
    use crate::clock::Clock;
    use crate::faults::{FaultState, Faults};
    use crate::query::Declared;

    const TOKEN: &str = "unit-token";

    fn operation(
        operation_id: &'static str,
        method: &'static str,
        path: &'static str,
        examples: &'static [Example],
    ) -> Documented {
        Documented {
            operation: Operation {
                operation_id,
                name: "",
                method,
                path,
                examples,
            },
            success: Some(("200", !examples.is_empty())),
            body: None,
            query: Vec::new(),
            required_headers: Vec::new(),
        }
    }

    /// Operations of every shape the service has, written out as the tables would give
    /// them: JSON bodies on POST, PUT, PATCH and DELETE, a multipart one, 204 and 200
    /// without content, path parameters beyond the project's, a required header, lists of
    /// both query styles, a placeholder inside a segment.
    fn shapes() -> Vec<Documented> {
        let json_body = |required| Some(("application/json", required));
        vec![
            Documented {
                query: vec![
                    Declared {
                        name: "ids",
                        required: false,
                        explode: Some(false),
                    },
                    Declared {
                        name: "tags",
                        required: false,
                        explode: Some(true),
                    },
                ],
                ..operation(
                    "ListThings",
                    "GET",
                    "/v1/{project_id}/things",
                    &[Example {
                        status: "200",
                        json: r#"{"count":0}"#,
                    }],
                )
            },
            Documented {
                body: json_body(true),
                required_headers: vec!["X-Client-Token"],
                ..operation(
                    "CreateThing",
                    "POST",
                    "/v1/{project_id}/things",
                    &[
                        Example {
                            status: "400",
                            json: r#"{"error_code":"E"}"#,
                        },
                        Example {
                            status: "200",
                            json: r#"{"id":"t1"}"#,
                        },
                    ],
                )
            },
            Documented {
                success: Some(("204", false)),
                body: json_body(false),
                ..operation(
                    "DeleteThing",
                    "DELETE",
                    "/v1/{project_id}/things/{thing_id}",
                    &[],
                )
            },
            Documented {
                body: json_body(true),
                ..operation(
                    "UpdateThing",
                    "PUT",
                    "/v1/{project_id}/things/{thing_id}",
                    &[],
                )
            },
            Documented {
                success: Some(("201", true)),
                body: Some(("application/merge-patch+json", true)),
                ..operation(
                    "PatchThing",
                    "PATCH",
                    "/v1/{project_id}/things/{thing_id}",
                    &[],
                )
            },
            Documented {
                success: Some(("204", false)),
                body: json_body(true),
                ..operation(
                    "ActOnThings",
                    "POST",
                    "/v1/{project_id}/things/actions",
                    &[],
                )
            },
            operation(
                "ReplaceActions",
                "PUT",
                "/v1/{project_id}/things/actions",
                &[],
            ),
            Documented {
                body: Some(("multipart/form-data", true)),
                ..operation(
                    "UploadIcon",
                    "POST",
                    "/v1/{project_id}/things/{thing_id}/icons/{icon_id}",
                    &[],
                )
            },
            operation("ShowFile", "GET", "/v1/{project_id}/files/{name}.json", &[]),
            Documented {
                success: None,
                ..operation("Undocumented", "GET", "/v1/{project_id}/undocumented", &[])
            },
        ]
    }

    fn ids_at(path: &str, operations: &[Documented]) -> Vec<&'static str> {
        operations_at(path, operations)
            .iter()
            .map(|documented| documented.operation.operation_id)
            .collect()
    }

    #[test]
    fn operations_are_found_by_their_path_template() {
        let shapes = shapes();
        let at = |path| ids_at(path, &shapes);
        assert_eq!(at("/v1/p/things"), ["ListThings", "CreateThing"]);
        assert_eq!(
            at("/v1/p/things/t%2F1"),
            ["DeleteThing", "UpdateThing", "PatchThing"]
        );
        // A literal segment wins for its method; the template keeps the others.
        assert_eq!(
            at("/v1/p/things/actions"),
            ["ActOnThings", "ReplaceActions", "DeleteThing", "PatchThing"]
        );
        assert_eq!(at("/v1/p/things/t/icons/i"), ["UploadIcon"]);
        assert_eq!(at("/v1/p/files/a.b.json"), ["ShowFile"]);
        for path in [
            "/v1//things",
            "/v1/p/things/",
            "/v1/p/things//icons/i",
            "/v1/p/files/.json",
            "/v1/p/files/a.txt",
            "/v1/p/thing",
            "/v2/p/things",
            "/",
            "",
        ] {
            assert!(at(path).is_empty(), "{path}: {:?}", at(path));
        }

        let list = [&LIST_SUB_JOBS];
        let compiled = |path| -> Vec<&Operation> {
            operations_at(path, &COMPILED)
                .iter()
                .map(|documented| &documented.operation)
                .collect()
        };
        assert_eq!(compiled("/v1/p/app-server-sub-jobs"), list);
        assert_eq!(compiled("/v1/a%2Fb/app-server-sub-jobs"), list);
        for path in [
            "/v1//app-server-sub-jobs",
            "/v1/p/app-server-sub-jobs/",
            "/v1/p/q/app-server-sub-jobs",
            "/v1/p/app-server-sub-jobs/x",
        ] {
            assert!(compiled(path).is_empty(), "{path}");
        }
    }

    #[test]
    fn a_placeholder_takes_one_character_or_more_of_a_segment() {
        for (template, segment, fits) in [
            ("{a}", "x", true),
            ("{a}", "", false),
            ("{a}.json", "x.json", true),
            ("{a}.json", ".json", false),
            ("v{a}-{b}", "v1-2-3", true),
            ("v{a}-{b}", "v1-", false),
            ("{a}{b}", "é", false),
            ("{a}{b}", "éa", true),
            ("things", "things", true),
            ("things", "thing", false),
            ("{unclosed", "{unclosed", true),
        ] {
            assert_eq!(
                segment_fits(template, segment),
                fits,
                "{template} {segment}"
            );
        }
        assert_eq!(literal_length("v{a}-{b}.json"), 7);
    }

    #[test]
    fn the_answer_is_the_documented_success_with_its_example_or_no_body() {
        let shapes = shapes();
        let answer_of = |id: &str| {
            let documented = shapes
                .iter()
                .find(|documented| documented.operation.operation_id == id)
                .unwrap();
            answer(documented)
        };
        assert_eq!(
            answer_of("CreateThing"),
            Answer::Example(StatusCode::OK, r#"{"id":"t1"}"#)
        );
        assert_eq!(
            answer_of("DeleteThing"),
            Answer::NoContent(StatusCode::NO_CONTENT)
        );
        assert_eq!(answer_of("UpdateThing"), Answer::NoContent(StatusCode::OK));
        assert_eq!(
            answer_of("PatchThing"),
            Answer::NotImplemented("PatchThing", Some("201")),
            "content documented without an example"
        );
        assert_eq!(
            answer_of("Undocumented"),
            Answer::NotImplemented("Undocumented", None)
        );
        for (key, status) in [("2XX", StatusCode::OK), ("default", StatusCode::OK)] {
            let documented = Documented {
                success: Some((key, false)),
                ..operation("X", "GET", "/x", &[])
            };
            assert_eq!(answer(&documented), Answer::NoContent(status), "{key}");
        }
        let documented = Documented {
            success: Some(("2XX", true)),
            ..operation(
                "X",
                "GET",
                "/x",
                &[Example {
                    status: "2XX",
                    json: "[]",
                }],
            )
        };
        assert_eq!(answer(&documented), Answer::Example(StatusCode::OK, "[]"));
    }

    #[test]
    fn a_body_is_checked_against_its_documented_media_type() {
        let json = Some(("application/json", true));
        assert_eq!(body_as_documented(json, br#"{"a":[1]}"#), Ok(()));
        assert_eq!(body_as_documented(json, b"[]"), Ok(()));
        for bad in [&b"{"[..], b"not json", b"{\"a\":1} x", b"\xff", b" "] {
            let message = body_as_documented(json, bad).unwrap_err();
            assert!(message.contains("is not valid JSON"), "{message}");
        }
        assert!(
            body_as_documented(json, b"")
                .unwrap_err()
                .contains("is required")
        );
        assert_eq!(
            body_as_documented(Some(("application/json", false)), b""),
            Ok(())
        );
        let merge = Some(("application/merge-patch+json; charset=utf-8", true));
        assert!(body_as_documented(merge, b"x").is_err());
        let multipart = Some(("multipart/form-data", true));
        assert_eq!(body_as_documented(multipart, b"--x\r\n"), Ok(()));
        assert!(body_as_documented(multipart, b"").is_err());
        assert_eq!(
            body_as_documented(None, b"anything"),
            Ok(()),
            "no body documented"
        );
    }

    fn shared(auth: Auth) -> Shared {
        Shared::new(
            Clock::system(),
            1.0,
            auth,
            FaultState::new(Faults::default(), 1),
            "p".into(),
            1,
            Duration::from_secs(5),
        )
    }

    fn with_token() -> Shared {
        shared(Auth {
            token: Some(SecretString::from(TOKEN)),
            ..Auth::default()
        })
    }

    /// Status, headers and body of `request` served by the `shapes`.
    async fn serve(
        shared: &Shared,
        request: axum::http::Request<Body>,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = serve_documented(shared, request, &shapes()).await;
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        (parts.status, parts.headers, body.to_vec())
    }

    /// Status, headers and body of a request with the token, `headers` and `body`.
    async fn send(
        shared: &Shared,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut builder = axum::http::Request::builder()
            .method(method)
            .uri(uri)
            .header("x-auth-token", TOKEN);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        serve(shared, builder.body(Body::from(body.to_string())).unwrap()).await
    }

    fn error_of(body: &[u8]) -> (String, String) {
        let body: Value = serde_json::from_slice(body).unwrap();
        (
            body["error_code"].as_str().unwrap().to_string(),
            body["error_msg"].as_str().unwrap().to_string(),
        )
    }

    #[tokio::test]
    async fn documented_204_and_200_without_content_are_answered_without_a_body() {
        let shared = with_token();
        let (status, headers, body) = send(&shared, "DELETE", "/v1/p/things/t1", &[], "").await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert!(body.is_empty());
        assert!(!headers.contains_key(CONTENT_TYPE));

        let (status, headers, body) =
            send(&shared, "PUT", "/v1/p/things/t1", &[], r#"{"name":"n"}"#).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.is_empty());
        assert!(!headers.contains_key(CONTENT_TYPE));

        let (status, _, body) = send(
            &shared,
            "POST",
            "/v1/p/things/actions",
            &[],
            r#"{"ids":["a"]}"#,
        )
        .await;
        assert_eq!((status, body.len()), (StatusCode::NO_CONTENT, 0));
    }

    #[tokio::test]
    async fn a_json_body_is_accepted_and_one_that_is_not_json_refused() {
        let shared = with_token();
        let client_token = [("X-Client-Token", "c")];
        let (status, headers, body) = send(
            &shared,
            "POST",
            "/v1/p/things",
            &client_token,
            r#"{"name":"n","tags":["a","b"]}"#,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[CONTENT_TYPE], "application/json");
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap(),
            json!({"id": "t1"})
        );

        for (method, path) in [
            ("POST", "/v1/p/things"),
            ("PUT", "/v1/p/things/t1"),
            ("DELETE", "/v1/p/things/t1"),
            ("PATCH", "/v1/p/things/t1"),
        ] {
            let (status, _, body) = send(&shared, method, path, &client_token, "name=n").await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{method}");
            let (code, message) = error_of(&body);
            assert_eq!(code, error_codes::INVALID_PARAMETER);
            assert!(
                message.contains("the request body is not valid JSON"),
                "{message}"
            );
        }
        let (status, _, body) = send(&shared, "PUT", "/v1/p/things/t1", &[], "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(error_of(&body).1.contains("the request body is required"));
        // An optional body may be left out.
        let (status, ..) = send(&shared, "DELETE", "/v1/p/things/t1", &[], "").await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        // A multipart body is taken as it comes.
        let (status, ..) = send(
            &shared,
            "POST",
            "/v1/p/things/t/icons/i",
            &[],
            "--b\r\n\r\n--b--",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test]
    async fn a_required_header_must_be_sent() {
        let shared = with_token();
        let (status, _, body) = send(&shared, "POST", "/v1/p/things", &[], "{}").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            error_of(&body).1,
            "Invalid parameter: the X-Client-Token header is required"
        );
        let (status, ..) = send(
            &shared,
            "POST",
            "/v1/p/things",
            &[("x-client-token", "c")],
            "{}",
        )
        .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "header names are not case-sensitive"
        );
    }

    #[tokio::test]
    async fn lists_in_the_query_are_read_in_their_declared_style() {
        let shared = with_token();
        for query in ["", "?ids=a,b&tags=x&tags=y", "?ids=a%2Cb&tags=x,y", "?ids="] {
            let (status, _, body) =
                send(&shared, "GET", &format!("/v1/p/things{query}"), &[], "").await;
            assert_eq!(status, StatusCode::OK, "{query}");
            assert_eq!(
                serde_json::from_slice::<Value>(&body).unwrap(),
                json!({"count": 0})
            );
        }
        let (status, _, body) = send(&shared, "GET", "/v1/p/things?ids=a&ids=b", &[], "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(error_of(&body).1.contains("ids must be given once"));
    }

    #[tokio::test]
    async fn unknown_paths_are_404_other_methods_405_and_nothing_is_served_unauthenticated() {
        let shared = with_token();
        let (status, _, body) = send(&shared, "GET", "/v1/p/nothing", &[], "").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(error_of(&body).0, error_codes::NOT_FOUND);
        let (status, headers, body) = send(&shared, "HEAD", "/v1/p/things", &[], "").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(headers[ALLOW], "GET, POST");
        assert_eq!(error_of(&body).0, error_codes::METHOD_NOT_ALLOWED);
        let (status, headers, _) = send(&shared, "GET", "/v1/p/things/actions", &[], "").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(headers[ALLOW], "DELETE, PATCH, POST, PUT");

        // Credentials are checked before anything else of the request.
        let unauthenticated = axum::http::Request::builder()
            .method("PUT")
            .uri("/v1/p/things/t1")
            .body(Body::from("not json"))
            .unwrap();
        let (status, _, body) = serve(&shared, unauthenticated).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_of(&body).0, error_codes::UNAUTHORIZED);

        let (status, _, body) = send(&shared, "PATCH", "/v1/p/things/t1", &[], "{}").await;
        assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
        assert!(error_of(&body).1.contains("no example of its 201 response"));
    }

    /// A request signed by the client's own signer, whose canonical request hashes the
    /// body, as an axum request; `sent` replaces the body after signing.
    fn signed(
        method: reqwest::Method,
        url: &str,
        body: &str,
        sent: &str,
    ) -> axum::http::Request<Body> {
        let mut request = reqwest::Request::new(method, url.parse().unwrap());
        request
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        *request.body_mut() = Some(body.to_string().into());
        let keys = workspace_app_client::AkSk::new("AK", "SK");
        workspace_app_client::signing::sign(&mut request, &keys, std::time::SystemTime::now())
            .unwrap();
        let mut builder = axum::http::Request::builder()
            .method(request.method().as_str())
            .uri(request.url().as_str());
        for (name, value) in request.headers() {
            builder = builder.header(name.as_str(), value.as_bytes());
        }
        builder.body(Body::from(sent.to_string())).unwrap()
    }

    #[tokio::test]
    async fn a_signature_covers_the_body() {
        let shared = shared(Auth {
            keys: Some((SecretString::from("AK"), SecretString::from("SK"))),
            ..Auth::default()
        });
        let url = "http://127.0.0.1:1/v1/p/things/t1?x=1";
        let body = r#"{"name":"n"}"#;
        let (status, ..) = serve(&shared, signed(reqwest::Method::PUT, url, body, body)).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _, answer) = serve(
            &shared,
            signed(reqwest::Method::PUT, url, body, r#"{"name":"m"}"#),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "a body changed after signing"
        );
        assert!(error_of(&answer).1.contains("signature does not match"));
        let (status, ..) = serve(&shared, signed(reqwest::Method::DELETE, url, body, body)).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }

    #[test]
    fn the_project_id_is_percent_decoded() {
        assert_eq!(project_id("/v1/abc/app-server-sub-jobs"), Ok("abc".into()));
        assert_eq!(
            project_id("/v1/a%2Fb%20c+d/app-server-sub-jobs"),
            Ok("a/b c+d".into())
        );
        assert_eq!(
            project_id("/v1/%C3%A9/app-server-sub-jobs"),
            Ok("\u{e9}".into())
        );
        assert!(project_id("/v1/%FF/app-server-sub-jobs").is_err());
        assert!(project_id("/v1//app-server-sub-jobs").is_err());
    }
}
