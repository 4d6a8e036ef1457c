//! `~/.huaweicloud/credentials` as a user (or a broken editor) writes it.
//!
//! Properties: no panic; accepted credentials round-trip (written back as an INI file, the
//! file reads the same); `Debug` shows nothing of the keys or the token (it reads the
//! same for any values).
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
    // Debug depends on the kind of credentials only, never on their values: a substring
    // test would be fooled by a secret such as `ne` that is a piece of `None`.
    let same_kind = match found.security_token {
        Some(_) => Credentials::temporary("a", "b", "c"),
        None => Credentials::ak_sk("a", "b"),
    };
    assert_eq!(
        found.debug,
        format!("{same_kind:?}"),
        "Debug shows the values"
    );
});
