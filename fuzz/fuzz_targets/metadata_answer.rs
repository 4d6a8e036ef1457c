//! The ECS metadata service's answer (`/openstack/latest/securitykey`), as the credential
//! chain reads it.
//!
//! Properties: no panic; accepted credentials are whole (an access key, a secret and a
//! session token, none empty), and `Debug` shows nothing of them (it reads the same for
//! any values).
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
    // Debug depends on the kind of credentials only, never on their values.
    let same_kind = Credentials::temporary("a", "b", "c");
    assert_eq!(
        found.debug,
        format!("{same_kind:?}"),
        "Debug shows the values"
    );
});
