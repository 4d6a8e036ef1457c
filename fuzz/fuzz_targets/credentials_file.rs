//! `~/.huaweicloud/credentials` as a user (or a broken editor) writes it.
//!
//! Properties: no panic; accepted credentials round-trip (written back as an INI file, the
//! file reads the same); `Debug` never shows the secret key or the token.
#![no_main]

use libfuzzer_sys::fuzz_target;
use workspace_app_client::{Credentials, fuzzing};

fuzz_target!(|text: &str| {
    let Ok((found, project, iam)) = fuzzing::credentials_file(text) else {
        return;
    };
    let mut again = format!("[basic]\nak = {}\nsk = {}\n", found.ak, found.sk);
    for (key, value) in [
        ("security_token", &found.security_token),
        ("project_id", &project),
        ("iam_endpoint", &iam),
    ] {
        if let Some(value) = value {
            again.push_str(&format!("{key} = {value}\n"));
        }
    }
    let reread = fuzzing::credentials_file(&again).unwrap_or_else(|e| {
        panic!("accepted credentials, written back, are refused: {e}\n{again}")
    });
    assert_eq!(reread, (found.clone(), project, iam), "{again}");
    for secret in [Some(found.sk.as_str()), found.security_token.as_deref()]
        .into_iter()
        .flatten()
    {
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
