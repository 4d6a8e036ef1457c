//! Endpoints for regions the build does not know, or knows differently, the way Huawei's
//! SDKs find them (`huaweicloudsdkcore/region/provider.py` and `region/cache.py`): first the
//! variable `HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_<REGION_ID>` (region ID upper-cased, `-` as
//! `_`), then the regions file (`HUAWEICLOUD_SDK_REGIONS_FILE`, else
//! `~/.huaweicloud/regions.yaml`), then the spec's table.
//!
//! The regions file is YAML, keyed by service (case-insensitive):
//!
//! ```yaml
//! WorkspaceApp:
//!   - id: my-region-1
//!     endpoint: https://workspace.my-region-1.example.com
//!   - id: my-region-2
//!     endpoints: [https://a.example.com, https://b.example.com]
//! ```
//!
//! A region may have several endpoints, as in Huawei's SDKs: comma-separated in the variable,
//! `endpoints` then `endpoint` in the file (Huawei's order). The client moves to the next when
//! one cannot be reached (`http::failover`). Spaces around each are trimmed and empty ones
//! dropped (a deliberate difference: Huawei's SDKs split the variable without trimming, so
//! that after `https://a.example.com, https://b.example.com` their second endpoint is
//! ` https://b.example.com`, which does not start with `http` and becomes
//! `https:// https://b.example.com`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::BuildError;
use crate::region::Region;
use crate::settings_file::{read_small_file, settings_file};

/// Prefix of the per-region endpoint variable; the region ID follows, upper-cased, with
/// `-` as `_`: `HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_AP_SOUTHEAST_1`.
pub const REGION_ENDPOINT_ENV_PREFIX: &str = "HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_";
/// The variable naming the regions file (default `~/.huaweicloud/regions.yaml`).
pub const REGIONS_FILE_ENV: &str = "HUAWEICLOUD_SDK_REGIONS_FILE";
/// The service's name in the regions file and the variable.
const SERVICE: &str = "WORKSPACEAPP";

/// The name of the variable overriding `region_id`'s endpoint.
pub fn region_endpoint_env(region_id: &str) -> String {
    format!(
        "{REGION_ENDPOINT_ENV_PREFIX}{}",
        region_id.replace('-', "_").to_uppercase()
    )
}

/// Where a region's endpoint came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    Env(String),
    File(PathBuf),
    Spec,
}

/// The endpoints of `region_id`, at least one: the variable's, the regions file's, the spec's
/// table's, the first of these that has any; `env` reads a variable (the process
/// environment outside tests).
pub(crate) fn endpoints(
    region_id: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Vec<String>, Source), BuildError> {
    let name = region_endpoint_env(region_id);
    if let Some(value) = env(&name) {
        let listed = listed(value.split(','));
        if !listed.is_empty() {
            return Ok((listed, Source::Env(name)));
        }
    }
    if let Some(path) = regions_file(env)
        && let Some(found) = from_file(&path, region_id)?
    {
        return Ok((found, Source::File(path)));
    }
    match region_id.parse::<Region>() {
        Ok(region) => Ok((vec![region.endpoint().to_string()], Source::Spec)),
        Err(unknown) => Err(BuildError::UnknownRegion(unknown)),
    }
}

/// The endpoints listed, trimmed, without empty ones.
fn listed<'a>(endpoints: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    endpoints
        .into_iter()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect()
}

/// The regions file in use: the variable's path, else `~/.huaweicloud/regions.yaml`.
fn regions_file(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    settings_file(env, REGIONS_FILE_ENV, "regions.yaml")
}

#[derive(Debug, Deserialize)]
struct FileRegion {
    id: Option<String>,
    endpoint: Option<String>,
    endpoints: Option<Vec<String>>,
}

/// The region's endpoints in the file; `None` when the file does not exist or does not name
/// the region. A file that exists but cannot be read or parsed is an error (Huawei's
/// SDK fails on it too), naming the file.
fn from_file(path: &Path, region_id: &str) -> Result<Option<Vec<String>>, BuildError> {
    let error = |reason: String| BuildError::RegionsFile {
        path: path.to_path_buf(),
        reason,
    };
    let text = match read_small_file(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(error(format!("cannot read it: {e}"))),
    };
    endpoints_in(&text, region_id).map_err(error)
}

/// The region's endpoints in a regions file's text (at least one), if it names the region.
pub(crate) fn endpoints_in(text: &str, region_id: &str) -> Result<Option<Vec<String>>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    // Other services' entries are read loosely: only this service's shape matters.
    let services: BTreeMap<String, serde_json::Value> =
        serde_saphyr::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    let Some((_, regions)) = services
        .iter()
        .find(|(service, _)| service.eq_ignore_ascii_case(SERVICE))
    else {
        return Ok(None);
    };
    let regions: Vec<FileRegion> = serde_json::from_value(regions.clone()).map_err(|e| {
        format!(
            "its WorkspaceApp entry is not a list of {{id, endpoint}} or {{id, endpoints}}: {e}"
        )
    })?;
    let Some(region) = regions
        .into_iter()
        .find(|r| r.id.as_deref() == Some(region_id))
    else {
        return Ok(None);
    };
    // Huawei's SDK lists `endpoints` first, then `endpoint`.
    let all = region.endpoints.iter().flatten().chain(&region.endpoint);
    let listed = listed(all.map(String::as_str));
    if listed.is_empty() {
        return Err(format!("region `{region_id}` has no endpoint"));
    }
    Ok(Some(listed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::lookup;

    #[cfg(unix)]
    #[test]
    fn a_regions_file_without_end_is_an_error_naming_it() {
        let error = from_file(Path::new("/dev/zero"), "ap-southeast-1").unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("/dev/zero") && message.contains("over"),
            "{message}"
        );
    }

    #[test]
    fn the_variable_name_follows_huaweis_sdks() {
        assert_eq!(
            region_endpoint_env("ap-southeast-1"),
            "HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_AP_SOUTHEAST_1"
        );
    }

    #[test]
    fn the_variable_wins_then_the_file_then_the_spec() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("regions.yaml");
        std::fs::write(
            &file,
            "ECS:\n  - id: my-region-1\n    endpoint: https://ecs.invalid\n\
             WorkspaceApp:\n  - id: my-region-1\n    endpoint: http://127.0.0.1:9001\n  \
             - id: ap-southeast-1\n    endpoints: [' http://127.0.0.1:9002', '', http://127.0.0.1:9003]\n    \
             endpoint: http://127.0.0.1:9004\n  \
             - id: no-endpoint\n",
        )
        .unwrap();
        let file_var = file.to_str().unwrap();
        let env = lookup(&[
            (
                "HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_MY_REGION_1",
                " http://127.0.0.1:9000 ,http://127.0.0.1:9999",
            ),
            (REGIONS_FILE_ENV, file_var),
        ]);
        assert_eq!(
            endpoints("my-region-1", &env).unwrap(),
            (
                vec![
                    "http://127.0.0.1:9000".into(),
                    "http://127.0.0.1:9999".into()
                ],
                Source::Env("HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_MY_REGION_1".into())
            )
        );
        // A variable listing nothing (`" , "`) is as none: the file's.
        let env = lookup(&[
            ("HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_MY_REGION_1", " , "),
            (REGIONS_FILE_ENV, file_var),
        ]);
        assert_eq!(
            endpoints("my-region-1", &env).unwrap(),
            (
                vec!["http://127.0.0.1:9001".into()],
                Source::File(file.clone())
            )
        );
        // A known region is overridden by the file too; `endpoints`, then `endpoint`.
        assert_eq!(
            endpoints("ap-southeast-1", &env).unwrap().0,
            [
                "http://127.0.0.1:9002",
                "http://127.0.0.1:9003",
                "http://127.0.0.1:9004"
            ]
        );
        assert_eq!(
            endpoints("cn-north-4", &env).unwrap(),
            (
                vec!["https://appstream.cn-north-4.myhuaweicloud.com".into()],
                Source::Spec
            )
        );
        let error = endpoints("no-endpoint", &env).unwrap_err().to_string();
        assert!(
            error.contains("has no endpoint") && error.contains("regions.yaml"),
            "{error}"
        );
        // Unknown everywhere: the known regions are listed.
        let error = endpoints("moon-1", &env).unwrap_err().to_string();
        assert!(
            error.contains("unknown region `moon-1`; known regions: cn-north-4"),
            "{error}"
        );
    }

    #[test]
    fn the_default_file_is_under_home_and_a_missing_one_is_no_error() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_str().unwrap();
        let env = lookup(&[("HOME", home)]);
        assert!(endpoints("moon-1", &env).is_err());
        std::fs::create_dir(dir.path().join(".huaweicloud")).unwrap();
        std::fs::write(
            dir.path().join(".huaweicloud/regions.yaml"),
            "workspaceapp:\n  - id: moon-1\n    endpoint: http://127.0.0.1:1\n",
        )
        .unwrap();
        assert_eq!(endpoints("moon-1", &env).unwrap().0, ["http://127.0.0.1:1"]);
        // An empty HOME is no home: never a path relative to the current directory.
        assert_eq!(regions_file(&lookup(&[("HOME", "")])), None);
    }

    #[test]
    fn a_broken_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.yaml");
        std::fs::write(&file, "WorkspaceApp: [unclosed\n").unwrap();
        let env = lookup(&[(REGIONS_FILE_ENV, file.to_str().unwrap())]);
        let error = endpoints("moon-1", &env).unwrap_err().to_string();
        assert!(
            error.contains("r.yaml") && error.contains("YAML"),
            "{error}"
        );
    }
}
