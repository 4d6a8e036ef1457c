//! `~/.huaweicloud/regions.yaml` as a user writes it, asked for a region.
//!
//! Properties: no panic (YAML anchors and deep nesting included; the file is read through
//! a 1 MiB limit before this); an endpoint found is not empty and has no surrounding space.
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
    if let Ok(Some(endpoint)) = fuzzing::regions_file(input.text, input.region) {
        assert!(!endpoint.is_empty());
        assert_eq!(endpoint.trim(), endpoint);
    }
});
