//! The generated client's request hooks: the hand-written layers plug in here.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::error::{BufferedBody, documented_error};
use crate::generated::operation_paths;
use crate::generated::parameter_bounds::{Bounds, query_bounds};
use crate::{Client, ClientConfig, transport};

impl ClientHooks<ClientConfig> for Client {
    /// Rejects out-of-range parameters, and path parameters that would change the path,
    /// before anything is sent.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let template = operation_paths::template(info.operation_id);
        check_query_bounds(request.url(), query_bounds(info.operation_id))
            .and_then(|()| check_path_shape(request.url(), self.baseurl(), template))
            .map_err(progenitor_client::Error::InvalidRequest)
    }

    /// Credentials, signing, timeouts, retries and the bounded body read.
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        transport::execute(self.client(), self.inner(), request, info).await
    }

    /// An error status whose body is not the documented `{error_code, error_msg}` (an HTML
    /// gateway page, an empty or truncated body) would otherwise fail as an unparsable
    /// payload and lose its status; hand it on as an unexpected response instead, which
    /// keeps status, headers and body.
    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let Ok(response) = result else {
            return Ok(());
        };
        if response.status().is_success() || carries_documented_error(response) {
            return Ok(());
        }
        match transport::copy_buffered(response) {
            Some(copy) => Err(progenitor_client::Error::UnexpectedResponse(copy)),
            None => Ok(()),
        }
    }
}

fn carries_documented_error(response: &reqwest::Response) -> bool {
    response
        .extensions()
        .get::<BufferedBody>()
        .is_some_and(|BufferedBody(body)| documented_error(body).is_some())
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

/// Checks each bounded query parameter of `url` against the spec's `minimum`/`maximum`.
fn check_query_bounds(url: &reqwest::Url, bounds: &[Bounds]) -> Result<(), String> {
    for (name, value) in url.query_pairs() {
        let Some(bound) = bounds.iter().find(|b| b.name == name) else {
            continue;
        };
        let in_range = value.parse::<i64>().is_ok_and(|v| {
            bound.minimum.is_none_or(|min| v >= min) && bound.maximum.is_none_or(|max| v <= max)
        });
        if !in_range {
            let allowed = match (bound.minimum, bound.maximum) {
                (Some(min), Some(max)) => format!("an integer from {min} to {max}"),
                (Some(min), None) => format!("an integer of at least {min}"),
                (None, Some(max)) => format!("an integer of at most {max}"),
                (None, None) => "an integer".to_string(),
            };
            return Err(format!("`{name}` must be {allowed}, got {value}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Bounds = Bounds {
        name: "limit",
        minimum: Some(1),
        maximum: Some(100),
    };

    fn check(query: &str) -> Result<(), String> {
        let url = reqwest::Url::parse(&format!("http://h/p?{query}")).unwrap();
        check_query_bounds(&url, &[LIMIT])
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
        let bounds = query_bounds("list_sub_jobs");
        assert!(bounds.contains(&LIMIT), "{bounds:?}");
        assert!(bounds.contains(&Bounds {
            name: "offset",
            minimum: Some(0),
            maximum: None
        }));
        assert_eq!(query_bounds("no_such_operation"), &[]);
    }
}
