//! `~/.huaweicloud/regions.yaml` as a user writes it, asked for a region.
//!
//! Properties: no panic (YAML anchors and deep nesting included; the file is read through
//! a 1 MiB limit before this); a region found has at least one endpoint, and each is not
//! empty and has no surrounding space.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use workspace_app_client::fuzzing;

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    text: &'a str,
    region: &'a str,
}

fuzz_target!(|input: Input<'_>| {
    if let Ok(Some(endpoints)) = fuzzing::regions_file(input.text, input.region) {
        assert!(!endpoints.is_empty());
        for endpoint in endpoints {
            assert!(!endpoint.is_empty());
            assert_eq!(endpoint.trim(), endpoint);
        }
    }
});
