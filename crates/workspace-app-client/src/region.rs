//! Huawei Cloud regions and the endpoint of this service in each.

use std::fmt;
use std::str::FromStr;

use crate::generated::regions::ENDPOINTS;

/// A region this service is offered in, from the spec's `servers`.
///
/// ```
/// use workspace_app_client::Region;
///
/// let region: Region = "ap-southeast-1".parse().unwrap();
/// assert_eq!(region.endpoint(), "https://workspace.ap-southeast-1.myhuaweicloud.com");
///
/// let error = "mars-north-1".parse::<Region>().unwrap_err();
/// assert!(error.to_string().contains("cn-north-4"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region {
    id: &'static str,
    endpoint: &'static str,
}

impl Region {
    /// The region ID, e.g. `cn-north-4`.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The HTTPS endpoint of this service in the region.
    pub fn endpoint(&self) -> &'static str {
        self.endpoint
    }

    /// Every known region, in the spec's order.
    pub fn all() -> impl Iterator<Item = Region> {
        ENDPOINTS
            .iter()
            .map(|&(id, endpoint)| Region { id, endpoint })
    }
}

impl FromStr for Region {
    type Err = UnknownRegion;

    fn from_str(id: &str) -> Result<Self, UnknownRegion> {
        Region::all()
            .find(|region| region.id == id)
            .ok_or_else(|| UnknownRegion(id.to_string()))
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

/// A region ID this crate does not know; its message lists the known ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown region `{0}`; known regions: {known}",
    known = Region::all().map(|r| r.id).collect::<Vec<_>>().join(", ")
)]
pub struct UnknownRegion(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_every_region_of_the_reference_table() {
        let appstream = [
            "cn-north-4",
            "cn-north-9",
            "cn-east-3",
            "cn-south-1",
            "cn-southwest-2",
        ];
        let workspace = [
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "af-south-1",
            "af-north-1",
            "la-north-2",
            "la-south-2",
            "sa-brazil-1",
            "me-east-1",
            "tr-west-1",
            "cn-east-5",
            "cn-north-11",
        ];
        for (ids, host) in [(&appstream[..], "appstream"), (&workspace[..], "workspace")] {
            for id in ids {
                let region: Region = id.parse().unwrap();
                assert_eq!(
                    region.endpoint(),
                    format!("https://{host}.{id}.myhuaweicloud.com")
                );
            }
        }
        assert_eq!(Region::all().count(), appstream.len() + workspace.len());
    }

    #[test]
    fn an_unknown_region_lists_the_known_ones() {
        let message = "eu-west-0".parse::<Region>().unwrap_err().to_string();
        assert!(message.starts_with("unknown region `eu-west-0`; known regions: cn-north-4, "));
        assert!(message.ends_with("cn-north-11"), "{message}");
    }
}
