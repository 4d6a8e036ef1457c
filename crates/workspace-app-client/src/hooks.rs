//! The generated client's request hooks: the hand-written layers plug in here.

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::config::ClientConfig;
use crate::error::{ApiError, BuildError, Error, GeneratedError, request_id, snippet};
use crate::generated::Client;
use crate::generated::operations;
use crate::generated::parameters::{self, Integer};
use crate::http::endpoint::remote_plain_http_host;
use crate::transport::{self, Failure, Received, Rejected, Rejection};

impl ClientHooks<ClientConfig> for Client {
    /// Rejects out-of-range parameters, and path parameters that would change the path,
    /// before anything is sent.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let template = operations::by_name(info.operation_id).map(|operation| operation.path);
        check_query_bounds(request.url(), parameters::integers(info.operation_id))
            .and_then(|()| check_path_shape(request.url(), self.baseurl(), template))
            .and_then(|()| check_call_token(request, self.inner()))
            .map_err(progenitor_client::Error::InvalidRequest)
    }

    /// Credentials, signing, timeouts, retries and the bounded body read.
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        hand_over(transport::execute(self.client(), self.inner(), request, info).await)
    }

    /// Fails the call with the error the transport decided on (an error status without the
    /// documented body, a redirect, a body over the limit, a request that could not be
    /// signed), before progenitor would try to read the response as the operation documents
    /// it and lose the status.
    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        match result {
            Ok(response) => match response.extensions().get::<HandOff>() {
                Some(fail @ HandOff::Fail(_)) => Err(progenitor_client::Error::UnexpectedResponse(
                    carrier(response, fail.clone()),
                )),
                _ => Ok(()),
            },
            Err(_) => Ok(()),
        }
    }
}

/// The transport's verdict on a call, on its way through progenitor to [`Error::from`].
///
/// This is a detour that progenitor's hooks force. `exec` must return
/// `reqwest::Result<reqwest::Response>`, and only reqwest can make a `reqwest::Error`; `post`
/// sees that result only by reference and answers with a `progenitor_client::Error<E>` for
/// any `E`, so the one typed value it can hand on is a `reqwest::Response`
/// (`Error::UnexpectedResponse`). The verdict therefore rides in a response's extensions:
/// [`hand_over`] puts it there in `exec`, `post` passes it on, [`handed_over`] takes it out
/// in `Error::from`. Such an error is built once, by the transport where the body is at
/// hand. Only a response that progenitor itself finds unexpected (a status the operation does
/// not document) is turned into an error from its head and body in `Error::from`, through
/// the same [`ApiError::from_response`] the transport uses.
#[derive(Debug, Clone)]
enum HandOff {
    /// The call fails with this, whatever the operation documents.
    Fail(Rejection),
    /// The body of a response progenitor reads as the operation documents it (a success, or
    /// the documented error body), for the error it is should its status be undocumented.
    Readable(Bytes),
}

/// The result `exec` returns for the transport's outcome.
fn hand_over(outcome: Result<Received, Failure>) -> reqwest::Result<reqwest::Response> {
    match outcome {
        Ok(received) => {
            let body = received.body().clone();
            crate::response_body::record(&body);
            let mut response = received.map(reqwest::Body::from);
            response.extensions_mut().insert(HandOff::Readable(body));
            Ok(reqwest::Response::from(response))
        }
        Err(Failure::Transport(error)) => Err(error),
        Err(Failure::Rejected(rejected)) => {
            let Rejected { head, rejection } = *rejected;
            // The response the rejection was decided from, when there was one, so that the
            // generated error's `status()` and headers are the server's. (A request that could
            // not be signed has none, and shows as 200: `Error::from` gives `Error::Signing`.)
            let head = head.map(|head| (head.status, head.version, head.headers));
            Ok(verdict_response(head, HandOff::Fail(rejection)))
        }
    }
}

/// A response for `post` to hand on, with `response`'s head and the verdict.
fn carrier(response: &reqwest::Response, verdict: HandOff) -> reqwest::Response {
    let head = (
        response.status(),
        response.version(),
        response.headers().clone(),
    );
    verdict_response(Some(head), verdict)
}

/// An empty response with this head (else 200 and no headers) and the verdict.
fn verdict_response(
    head: Option<(http::StatusCode, http::Version, http::HeaderMap)>,
    verdict: HandOff,
) -> reqwest::Response {
    let mut response = http::Response::new(reqwest::Body::from(Bytes::new()));
    if let Some((status, version, headers)) = head {
        *response.status_mut() = status;
        *response.version_mut() = version;
        *response.headers_mut() = headers;
    }
    response.extensions_mut().insert(verdict);
    reqwest::Response::from(response)
}

/// The error an unexpected response stands for, as the transport decided (see
/// [`HandOff`]).
pub(crate) fn handed_over(response: &reqwest::Response) -> Error {
    let (status, headers) = (response.status(), response.headers());
    match response.extensions().get::<HandOff>() {
        Some(HandOff::Fail(rejection)) => Error::from(rejection.clone()),
        // A status the operation does not document: a 429 or 502 with the documented error
        // body, a 201...
        Some(HandOff::Readable(body)) => Error::Api(ApiError::from_response(status, headers, body)),
        // Every response this crate's hooks return carries a verdict; this is for one built
        // elsewhere.
        None => Error::Api(ApiError {
            request_id: request_id(headers),
            ..ApiError::new(status)
        }),
    }
}

/// Checks that the request path still has the operation's shape: URL parsing resolves a
/// path parameter of `.` or `..` away (`/v1/../x` is `/x`), which would send the request
/// somewhere else.
fn check_path_shape(
    url: &reqwest::Url,
    base_url: &str,
    template: Option<&str>,
) -> Result<(), String> {
    let Some(template) = template else {
        return Ok(());
    };
    let base_path = reqwest::Url::parse(base_url)
        .map(|base| base.path().trim_end_matches('/').to_string())
        .unwrap_or_default();
    let expected: Vec<&str> = template.split('/').collect();
    let actual: Vec<&str> = match url.path().strip_prefix(&base_path) {
        Some(rest) => rest.split('/').collect(),
        None => Vec::new(),
    };
    let same_shape = actual.len() == expected.len()
        && expected.iter().zip(&actual).all(|(want, have)| {
            // `{name}` stands for any one segment; literal segments must match.
            want.starts_with('{') || want == have
        });
    if same_shape {
        Ok(())
    } else {
        Err(format!(
            "a path parameter is `.` or `..`, which would send the request to `{}` instead of `{template}`",
            url.path()
        ))
    }
}

/// A token given to the operation itself (`.x_auth_token(..)`) bypasses the builder's check
/// of the client's credentials, so it is checked here the same way (never over plain http
/// to another host unless allowed, whichever of the client's endpoints it goes to), and
/// marked sensitive so that no `Debug` shows it.
fn check_call_token(request: &mut reqwest::Request, config: &ClientConfig) -> Result<(), String> {
    let Some(token) = request.headers_mut().get_mut("x-auth-token") else {
        return Ok(());
    };
    token.set_sensitive(true);
    let bytes = token.as_bytes();
    let padded = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t'));
    if padded(bytes.first()) || padded(bytes.last()) {
        // HTTP drops them: the service would read another token than the one given.
        return Err("the X-Auth-Token value has spaces or tabs around it".into());
    }
    if config.allow_insecure_http {
        return Ok(());
    }
    let others = config
        .endpoints
        .as_deref()
        .map(|e| e.urls())
        .unwrap_or_default();
    match std::iter::once(request.url())
        .chain(others)
        .find_map(remote_plain_http_host)
    {
        Some(host) => Err(BuildError::InsecureHttp {
            host: host.to_string(),
        }
        .to_string()),
        None => Ok(()),
    }
}

/// Checks each integer query parameter of `url` against its range in the spec (progenitor
/// maps `limit: {minimum: 1, maximum: 100}` to `NonZeroU32` and drops the maximum).
fn check_query_bounds(url: &reqwest::Url, integers: &[Integer]) -> Result<(), String> {
    for (name, value) in url.query_pairs() {
        let Some(integer) = integers.iter().find(|integer| integer.name == name) else {
            continue;
        };
        if !value
            .parse::<i64>()
            .is_ok_and(|v| integer.range().contains(&v))
        {
            return Err(format!(
                "`{name}` must be an integer from {} to {}, got {value}",
                integer.minimum, integer.maximum
            ));
        }
    }
    Ok(())
}

impl From<GeneratedError> for Error {
    fn from(error: GeneratedError) -> Self {
        use progenitor_client::Error as E;
        match error {
            E::InvalidRequest(message) => Error::InvalidRequest(message),
            E::ErrorResponse(response) => {
                let (status, headers) = (response.status(), response.headers().clone());
                let body = response.into_inner();
                Error::Api(ApiError {
                    status,
                    error_code: body.error_code,
                    error_msg: body.error_msg,
                    // The transport hands only bodies without it to progenitor.
                    encoded_authorization_message: None,
                    request_id: request_id(&headers),
                    body_snippet: None,
                })
            }
            // The transport decided what this response means (see `hooks::HandOff`).
            E::UnexpectedResponse(response) => handed_over(&response),
            E::InvalidResponsePayload(body, source) => Error::InvalidResponse {
                source,
                snippet: snippet(&body),
            },
            E::CommunicationError(e) | E::InvalidUpgrade(e) | E::ResponseBodyError(e) => {
                Error::Transport(e)
            }
            // Only a hook returns `Custom`, before or after sending; this crate's hooks
            // never do, they refuse a request with `InvalidRequest`.
            E::Custom(message) => Error::InvalidRequest(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::SigningError;
    use reqwest::StatusCode;

    fn head(status: u16) -> http::response::Parts {
        let response = http::Response::builder()
            .status(status)
            .header("x-request-id", "rid")
            .body(())
            .unwrap();
        response.into_parts().0
    }

    /// What `post` and `Error::from` make of what `exec` returned.
    fn through_the_hooks(outcome: Result<Received, Failure>) -> (StatusCode, Option<Error>) {
        let response = hand_over(outcome).unwrap();
        let status = response.status();
        let error = match response.extensions().get::<HandOff>() {
            Some(fail @ HandOff::Fail(_)) => {
                let handed = carrier(&response, fail.clone());
                assert_eq!(handed.status(), status);
                assert_eq!(handed.headers(), response.headers());
                Some(handed_over(&handed))
            }
            _ => None,
        };
        (status, error)
    }

    #[test]
    fn every_rejection_reaches_the_error_whole() {
        let api = ApiError::from_response(StatusCode::BAD_GATEWAY, &head(502).headers, b"<html>");
        let cases = [
            (Some(head(502)), Rejection::Status(api.clone())),
            (
                Some(head(302)),
                Rejection::Redirect {
                    status: StatusCode::FOUND,
                    location: Some("https://elsewhere".into()),
                },
            ),
            (Some(head(200)), Rejection::TooLarge { limit: 7 }),
            (None, Rejection::Unsigned(SigningError::StreamingBody)),
        ];
        for (head, rejection) in cases {
            let expected_status = head.as_ref().map_or(StatusCode::OK, |h| h.status);
            let rejected = Rejected {
                head,
                rejection: rejection.clone(),
            };
            let (status, error) = through_the_hooks(Err(Failure::Rejected(Box::new(rejected))));
            assert_eq!(status, expected_status);
            let error = error.expect("post fails the call");
            match (rejection, error) {
                (Rejection::Status(sent), Error::Api(got)) => assert_eq!(sent, got),
                (
                    Rejection::Redirect { status, location },
                    Error::Redirect {
                        status: s,
                        location: l,
                    },
                ) => assert_eq!((status, location), (s, l)),
                (Rejection::TooLarge { limit }, Error::ResponseTooLarge { limit: l }) => {
                    assert_eq!(limit, l);
                }
                (Rejection::Unsigned(sent), Error::Signing(got)) => assert_eq!(sent, got),
                (sent, got) => panic!("{sent:?} came out as {got:?}"),
            }
        }
    }

    #[test]
    fn a_readable_response_passes_and_keeps_its_body_for_an_undocumented_status() {
        let mut parts = head(429);
        parts.headers.insert("x-request-id", "rid".parse().unwrap());
        let body = Bytes::from_static(br#"{"error_code": "APIGW.0308", "error_msg": "slow down"}"#);
        let received = Received::from_parts(parts, body);
        let response = hand_over(Ok(received)).unwrap();
        assert!(matches!(
            response.extensions().get::<HandOff>(),
            Some(HandOff::Readable(_))
        ));
        // `post` lets it through; progenitor finds 429 undocumented and hands it back.
        let Error::Api(api) = handed_over(&response) else {
            panic!("expected an API error");
        };
        assert_eq!(api.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(api.error_code.as_deref(), Some("APIGW.0308"));
        assert_eq!(api.request_id.as_deref(), Some("rid"));
    }

    fn check(query: &str) -> Result<(), String> {
        let url = reqwest::Url::parse(&format!("http://h/p?{query}")).unwrap();
        check_query_bounds(&url, &[parameters::list_sub_jobs::LIMIT])
    }

    #[test]
    fn accepts_values_in_range_and_ignores_other_parameters() {
        assert_eq!(check("limit=1&offset=-5"), Ok(()));
        assert_eq!(check("limit=100"), Ok(()));
    }

    #[test]
    fn rejects_values_out_of_range_or_not_integers() {
        let expected = "`limit` must be an integer from 1 to 100, got";
        assert_eq!(check("limit=0"), Err(format!("{expected} 0")));
        assert_eq!(check("limit=101"), Err(format!("{expected} 101")));
        assert_eq!(check("limit=ten"), Err(format!("{expected} ten")));
    }

    #[test]
    fn a_path_that_lost_its_shape_is_refused() {
        let template = Some("/v1/{project_id}/app-server-sub-jobs");
        let check = |base: &str, url: &str| {
            check_path_shape(&reqwest::Url::parse(url).unwrap(), base, template)
        };
        assert_eq!(
            check("http://h", "http://h/v1/p/app-server-sub-jobs"),
            Ok(())
        );
        assert_eq!(
            check("http://h/api/", "http://h/api/v1/p/app-server-sub-jobs"),
            Ok(())
        );
        assert!(check("http://h", "http://h/v1/app-server-sub-jobs").is_err());
        assert!(check("http://h", "http://h/app-server-sub-jobs").is_err());
        assert!(check("http://h/api", "http://h/v1/p/app-server-sub-jobs").is_err());
        assert_eq!(
            check_path_shape(
                &reqwest::Url::parse("http://h/x").unwrap(),
                "http://h",
                None
            ),
            Ok(())
        );
    }

    #[test]
    fn the_spec_bounds_limit_and_offset() {
        let integers = parameters::integers("list_sub_jobs");
        let names: Vec<&str> = integers.iter().map(|integer| integer.name).collect();
        // Whatever other integer parameter the spec gains.
        assert!(
            names.contains(&"offset") && names.contains(&"limit"),
            "{names:?}"
        );
        assert_eq!(parameters::integers("no_such_operation"), &[]);
    }
}
