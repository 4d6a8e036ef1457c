//! The ECS metadata service's answer (`/openstack/latest/securitykey`), as the credential
//! chain reads it.
//!
//! Properties: no panic; accepted credentials are whole (an access key, a secret and a
//! session token, none empty), and `Debug` never shows the secret or the token.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use workspace_app_client::{Credentials, fuzzing};

fuzz_target!(|body: &[u8]| {
    let now = UNIX_EPOCH + Duration::from_secs(1_764_000_000);
    let Ok((found, _lifetime)) = fuzzing::metadata_answer(body, now) else {
        return;
    };
    assert!(!found.ak.is_empty() && !found.sk.is_empty());
    let token = found
        .security_token
        .as_deref()
        .expect("temporary credentials");
    assert!(!token.is_empty());
    for secret in [found.sk.as_str(), token] {
        // A secret that is a word of the Debug text itself (`redacted`) proves nothing.
        let skeleton = format!("{:?}", Credentials::temporary("a", "b", "c"));
        if !skeleton.contains(secret) {
            assert!(
                !found.debug.contains(secret),
                "Debug shows a secret: {}",
                found.debug
            );
        }
    }
});
