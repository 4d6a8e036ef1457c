//! Several endpoints for one client, as Huawei's SDKs have them (`Client._endpoints`): the
//! generated client builds every request URL from the first one (its base URL), and the
//! transport moves a request to another endpoint of the list by rewriting its scheme, host,
//! port and base path. Which endpoint calls start from is remembered here, shared by the
//! client's clones: the one that was last reached.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::Url;

use crate::http::endpoint::without_userinfo;

/// The endpoints of a client that has several, in the order they were given, and the one
/// calls start from.
pub(crate) struct Endpoints {
    /// The base URLs, checked (`http::endpoint::check_endpoint`) and parsed.
    urls: Vec<Url>,
    /// How each is shown: without user name or password, no trailing `/`.
    shown: Vec<String>,
    /// The index calls start from: the endpoint last reached.
    current: AtomicUsize,
}

impl Endpoints {
    /// The endpoints of `bases` (checked base URLs, the generated client's first), or `None`
    /// when there are fewer than two: one endpoint has nowhere to move to.
    pub(crate) fn new(bases: &[String]) -> Option<Endpoints> {
        let urls: Vec<Url> = bases
            .iter()
            .filter_map(|base| Url::parse(base).ok())
            .collect();
        if urls.len() < 2 || urls.len() != bases.len() {
            return None;
        }
        let shown = urls.iter().map(without_userinfo).collect();
        Some(Endpoints {
            urls,
            shown,
            current: AtomicUsize::new(0),
        })
    }

    /// How many there are.
    pub(crate) fn len(&self) -> usize {
        self.urls.len()
    }

    /// Every endpoint, in order.
    pub(crate) fn urls(&self) -> &[Url] {
        &self.urls
    }

    /// The endpoint calls start from.
    pub(crate) fn current(&self) -> usize {
        self.current.load(Ordering::Relaxed).min(self.len() - 1)
    }

    /// Remembers that `index` was reached, for the calls that start after this one; whether
    /// that is a change.
    pub(crate) fn reached(&self, index: usize) -> bool {
        self.current.swap(index, Ordering::Relaxed) != index
    }

    /// The endpoint at `index`, as messages show it.
    pub(crate) fn shown(&self, index: usize) -> &str {
        self.shown.get(index).map_or("", String::as_str)
    }

    /// The host of the endpoint at `index`.
    pub(crate) fn host(&self, index: usize) -> &str {
        self.urls
            .get(index)
            .and_then(Url::host_str)
            .unwrap_or_default()
    }

    /// Whether `url` is under the first endpoint, where the generated client puts every
    /// request of an operation (a request elsewhere, such as the IAM project lookup's, never
    /// moves).
    pub(crate) fn serves(&self, url: &Url) -> bool {
        let Some(base) = self.urls.first() else {
            return false;
        };
        url.scheme() == base.scheme()
            && url.host() == base.host()
            && url.port_or_known_default() == base.port_or_known_default()
            && under(url.path(), base.path())
    }

    /// `url`, which is under endpoint `from`, moved to endpoint `to`: its scheme, host, port
    /// and base path; the rest of the path and the query stay.
    pub(crate) fn move_url(&self, url: &mut Url, from: usize, to: usize) {
        let (Some(from), Some(to)) = (self.urls.get(from), self.urls.get(to)) else {
            return;
        };
        let base_path = from.path().trim_end_matches('/');
        let rest = url.path().strip_prefix(base_path).unwrap_or(url.path());
        let path = format!("{}{rest}", to.path().trim_end_matches('/'));
        // Between http and https, and to a host and port parsed from a URL: each accepted.
        let _ = url.set_scheme(to.scheme());
        let _ = url.set_host(to.host_str());
        let _ = url.set_port(to.port());
        url.set_path(&path);
    }
}

/// `path` is `base` or below it, segment-wise.
fn under(path: &str, base: &str) -> bool {
    let base = base.trim_end_matches('/');
    path.strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The endpoints, and the one calls start from.
impl fmt::Debug for Endpoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoints")
            .field("endpoints", &self.shown)
            .field("current", &self.current())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints(bases: &[&str]) -> Endpoints {
        let bases: Vec<String> = bases.iter().map(|b| b.to_string()).collect();
        Endpoints::new(&bases).unwrap()
    }

    #[test]
    fn one_endpoint_has_nowhere_to_move() {
        assert!(Endpoints::new(&["https://a.example".into()]).is_none());
        assert!(Endpoints::new(&[]).is_none());
    }

    #[test]
    fn a_request_moves_with_its_path_and_query() {
        let list = endpoints(&[
            "https://a.example",
            "http://127.0.0.1:8080/api/gw",
            "https://[::1]:8443",
            "https://b.example:443/x",
        ]);
        let mut url =
            Url::parse("https://a.example/v1/p/app-server-sub-jobs?limit=10&x=%2F").unwrap();
        assert!(list.serves(&url));
        list.move_url(&mut url, 0, 1);
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8080/api/gw/v1/p/app-server-sub-jobs?limit=10&x=%2F"
        );
        list.move_url(&mut url, 1, 2);
        assert_eq!(
            url.as_str(),
            "https://[::1]:8443/v1/p/app-server-sub-jobs?limit=10&x=%2F"
        );
        list.move_url(&mut url, 2, 3);
        assert_eq!(
            url.as_str(),
            "https://b.example/x/v1/p/app-server-sub-jobs?limit=10&x=%2F"
        );
        list.move_url(&mut url, 3, 0);
        assert_eq!(
            url.as_str(),
            "https://a.example/v1/p/app-server-sub-jobs?limit=10&x=%2F"
        );
        // A percent-encoded path parameter stays as it was.
        let mut url = Url::parse("https://a.example/v1/a%2Fb%20c/x").unwrap();
        list.move_url(&mut url, 0, 1);
        assert_eq!(url.path(), "/api/gw/v1/a%2Fb%20c/x");
    }

    #[test]
    fn only_requests_under_the_first_endpoint_move() {
        let list = endpoints(&["https://a.example/gw", "https://b.example"]);
        for elsewhere in [
            "https://iam.example/v3/projects",
            "http://a.example/gw/v1",
            "https://a.example:8443/gw/v1",
            "https://a.example/gwx/v1",
        ] {
            assert!(!list.serves(&Url::parse(elsewhere).unwrap()), "{elsewhere}");
        }
        assert!(list.serves(&Url::parse("https://a.example:443/gw/v1").unwrap()));
    }

    #[test]
    fn the_endpoint_reached_is_remembered() {
        let list = endpoints(&["https://a.example", "https://b.example"]);
        assert_eq!(list.current(), 0);
        assert!(list.reached(1));
        assert!(!list.reached(1));
        assert_eq!(list.current(), 1);
        assert_eq!(list.shown(1), "https://b.example");
        assert_eq!(
            format!("{list:?}"),
            r#"Endpoints { endpoints: ["https://a.example", "https://b.example"], current: 1 }"#
        );
    }
}
