//! The project ID looked up in IAM, as Huawei's SDKs do (`BasicCredentials.process_auth_params`):
//! a signed `GET {iam}/v3/projects?name=<region>`, cached per AK, region and IAM endpoint.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use progenitor_client::OperationInfo;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::config::ClientConfig;
use crate::credentials::Credentials;
use crate::error::{ApiError, Error, ProjectLookupError, snippet};
use crate::transport::{self, Failure};

/// IAM's global endpoint, for regions Huawei's table does not list.
const GLOBAL_IAM_ENDPOINT: &str = "https://iam.myhuaweicloud.com";

/// The regions with their own IAM endpoint, from Huawei's `auth/endpoint.py` (3.1.219).
const REGIONAL_IAM: &[&str] = &[
    "cn-north-2",
    "cn-north-4",
    "cn-north-1",
    "cn-east-2",
    "cn-east-3",
    "cn-south-1",
    "cn-south-2",
    "cn-southwest-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "af-south-1",
    "sa-brazil-1",
    "la-south-2",
    "na-mexico-1",
    "la-north-2",
    "cn-north-9",
    "eu-west-0",
    "my-kualalumpur-1",
    "ru-moscow-1",
    "me-east-1",
    "ap-southeast-4",
    "ae-ad-1",
    "cn-east-4",
    "cn-east-5",
    "tr-west-1",
    "cn-north-12",
];

/// The IAM endpoint Huawei's SDKs use for `region` (without `HUAWEICLOUD_SDK_IAM_ENDPOINT`):
/// `https://iam.<region>.myhuaweicloud.com` for the regions in their table, the global
/// `https://iam.myhuaweicloud.com` for the others.
pub fn default_iam_endpoint(region: &str) -> String {
    if REGIONAL_IAM.contains(&region) {
        format!("https://iam.{region}.myhuaweicloud.com")
    } else {
        GLOBAL_IAM_ENDPOINT.to_string()
    }
}

/// (SHA-256 of the AK, region, IAM endpoint) → project ID, for the whole process like
/// Huawei's `_CACHE` (keyed there by `ak + region`, a plain concatenation).
type Cache = Mutex<HashMap<(String, String, String), String>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

/// Looks the project ID of `region` up with the configuration's credentials, or takes it
/// from the cache.
pub(crate) async fn lookup_project_id(
    http: &reqwest::Client,
    config: &ClientConfig,
    iam_endpoint: &str,
    region: &str,
) -> Result<String, ProjectLookupError> {
    let iam_endpoint = iam_endpoint.trim_end_matches('/');
    let request_failed = |error: Error| ProjectLookupError::Request {
        region: region.to_string(),
        iam_endpoint: iam_endpoint.to_string(),
        source: Box::new(error),
    };
    let provider = config
        .credentials
        .as_ref()
        .ok_or(ProjectLookupError::NotAkSk)?;
    let credentials = provider
        .current()
        .await
        .map_err(|e| request_failed(Error::Credentials(e)))?;
    let Credentials::AkSk(keys) = &*credentials else {
        return Err(ProjectLookupError::NotAkSk);
    };
    let key = (
        hex::encode(Sha256::digest(keys.ak.expose_secret().as_bytes())),
        region.to_string(),
        iam_endpoint.to_string(),
    );
    if let Some(project) = cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return Ok(project.clone());
    }

    let mut url = reqwest::Url::parse(&format!("{iam_endpoint}/v3/projects")).map_err(|_| {
        ProjectLookupError::InvalidResponse {
            iam_endpoint: iam_endpoint.to_string(),
        }
    })?;
    url.query_pairs_mut().append_pair("name", region);
    let request = http
        .get(url)
        .build()
        .map_err(|e| request_failed(Error::Transport(e)))?;
    let info = OperationInfo {
        operation_id: "keystone_list_projects",
    };
    tracing::info!(
        region,
        iam_endpoint,
        "no project ID given; looking it up in IAM"
    );
    let response = match transport::execute(http, config, request, &info).await {
        Ok(response) => response,
        Err(Failure::Transport(e)) => return Err(request_failed(Error::Transport(e))),
        Err(Failure::Rejected(rejected)) => return Err(request_failed(rejected.rejection.into())),
    };
    let (head, body) = response.into_parts();
    if !head.status.is_success() {
        let api = ApiError::from_response(head.status, &head.headers, &body);
        return Err(request_failed(Error::Api(api)));
    }
    let trace_id = head
        .headers
        .get("x-iam-trace-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| snippet(v.as_bytes()));
    let ids = project_ids(&body).ok_or_else(|| ProjectLookupError::InvalidResponse {
        iam_endpoint: iam_endpoint.to_string(),
    })?;
    let project = match <[String; 1]>::try_from(ids) {
        Ok([project]) => project,
        Err(ids) if ids.is_empty() => {
            return Err(ProjectLookupError::NoProject {
                region: region.to_string(),
                iam_endpoint: iam_endpoint.to_string(),
                trace_id,
            });
        }
        Err(ids) => {
            return Err(ProjectLookupError::SeveralProjects {
                region: region.to_string(),
                iam_endpoint: iam_endpoint.to_string(),
                ids,
                trace_id,
            });
        }
    };
    tracing::info!(region, "project ID found in IAM");
    cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, project.clone());
    Ok(project)
}

/// The `id` of each project of `{"projects": [{"id": .., "name": ..}, ..]}`; `None` when
/// the body is not that, or an ID is unusable in a URL path segment or header.
fn project_ids(body: &[u8]) -> Option<Vec<String>> {
    let document: serde_json::Value = serde_json::from_slice(body).ok()?;
    document
        .get("projects")?
        .as_array()?
        .iter()
        .map(|project| {
            let id = project.get("id")?.as_str()?;
            let usable =
                !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic());
            usable.then(|| id.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_iam_endpoint_follows_huaweis_table() {
        assert_eq!(
            default_iam_endpoint("ap-southeast-1"),
            "https://iam.ap-southeast-1.myhuaweicloud.com"
        );
        assert_eq!(default_iam_endpoint("cn-north-11"), GLOBAL_IAM_ENDPOINT);
    }

    #[test]
    fn reads_the_project_ids() {
        assert_eq!(
            project_ids(br#"{"projects": [{"id": "p1", "name": "r"}], "links": {}}"#),
            Some(vec!["p1".to_string()])
        );
        assert_eq!(project_ids(br#"{"projects": []}"#), Some(vec![]));
        assert_eq!(project_ids(br#"{"projects": [{"id": "a/b c"}]}"#), None);
        assert_eq!(project_ids(b"<html>"), None);
    }
}
