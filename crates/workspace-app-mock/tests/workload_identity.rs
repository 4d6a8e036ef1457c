//! Workload identity against the emulator's IAM and STS: an OIDC ID token (no keys on disk)
//! exchanged for temporary credentials by IdP federation (`HUAWEICLOUD_SDK_IDP_ID` and
//! `_ID_TOKEN_FILE`, or the credentials file's `idp_id` and `id_token_file`) and by OIDC
//! through STS (`HUAWEICLOUD_OIDC_*`): each found where Huawei's chain finds it, in its
//! order; refreshed before expiry, reading the rotated token file; a broken or expired
//! token a typed error naming its source, with no secret in it. Everything talks to
//! 127.0.0.1 only; the chain reads the variables each test gives it, not the process's.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::future::join_all;
use workspace_app_client::{
    BuildError, ClientBuilder, CredentialSource, CredentialsChain, CredentialsError,
    DisplayErrorChain, Error, env,
};
use workspace_app_mock::{Config, Emulator};
use workspace_app_test_support::scratch;

mod support;

use support::{http, http_without_timers, list_url, servers, start, start_on_paused_time};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(60 * 60);
const IDP: &str = "ci-idp";
const PROVIDER: &str = "iam::0970dd7a1300f5672ff2c003c60ae115:identity-provider:ci";
const AGENCY: &str = "iam::0970dd7a1300f5672ff2c003c60ae115:agency:ci-deploy";

/// A client of the emulator (API and IAM at its URL) finding its credentials with `chain`,
/// with no timers (safe on paused time). No project ID: give one, or a region to look it up.
fn builder(emulator: &Emulator, chain: CredentialsChain) -> ClientBuilder {
    ClientBuilder::new()
        .credentials_chain(chain)
        .endpoint(emulator.base_url())
        .iam_endpoint(emulator.base_url())
        .timeout(None)
        .retry(workspace_app_client::RetryPolicy::disabled())
        .http_client(http_without_timers())
}

/// The chain of Huawei's SDKs, reading `variables` (and no process variable), with no
/// metadata service unless the test adds one.
fn chain(variables: &[(&str, &str)]) -> CredentialsChain {
    CredentialsChain::default()
        .variables(variables.iter().copied())
        .no_metadata()
}

/// Writes the token file, as the platform does when it rotates the token.
fn write_token(path: &Path, token: &str) {
    std::fs::write(path, format!("{token}\n")).unwrap();
}

fn token_file(dir: &Path, name: &str, token: &str) -> PathBuf {
    let path = dir.join(name);
    write_token(&path, token);
    path
}

/// The variables of OIDC through STS at the emulator, the token in `file`.
fn oidc_variables<'a>(emulator: &'a Emulator, file: &'a str) -> [(&'static str, &'a str); 4] {
    [
        (env::OIDC_PROVIDER_URN, PROVIDER),
        (env::OIDC_AGENCY_URN, AGENCY),
        (env::OIDC_TOKEN_FILE, file),
        (env::STS_ENDPOINT, emulator.base_url()),
    ]
}

/// Every source at once (OIDC, the environment's federation and keys, the credentials
/// file's federation, the metadata service), then one fewer at a time: the chain takes
/// them in Huawei's order, and each source's credentials are accepted by the API.
#[tokio::test]
async fn the_chain_finds_each_source_where_and_in_the_order_huaweis_does() {
    let emulator = start(
        Config::default()
            .oidc(PROVIDER, AGENCY)
            .federation(IDP)
            .id_token("ID-TOKEN-SECRET", HOUR)
            .ak_sk("ENV-AK", "ENV-SK-SECRET")
            .metadata_credentials(HOUR),
    )
    .await;
    let dir = scratch::dir();
    let token = token_file(dir.path(), "token", "ID-TOKEN-SECRET");
    let token_path = token.display().to_string();
    let credentials_file = dir.path().join("credentials");
    std::fs::write(
        &credentials_file,
        format!("[basic]\nak=FILE-AK\nsk=FILE-SK\nidp_id={IDP}\nid_token_file={token_path}\n"),
    )
    .unwrap();
    let oidc = oidc_variables(&emulator, &token_path);
    let federation = [
        (env::IDP_ID, IDP),
        (env::ID_TOKEN_FILE, token_path.as_str()),
    ];
    let keys = [(env::AK, "ENV-AK"), (env::SK, "ENV-SK-SECRET")];
    let file = [(env::CREDENTIALS_FILE, credentials_file.to_str().unwrap())];
    let sts = [(env::STS_ENDPOINT, emulator.base_url())];

    // Each step drops the source that answered the step before.
    let steps: [Vec<(&str, &str)>; 5] = [
        [&oidc[..], &federation, &keys, &file].concat(),
        [&federation[..], &keys, &file, &sts].concat(),
        [&keys[..], &file, &sts].concat(),
        [&file[..], &sts].concat(),
        sts.to_vec(),
    ];
    let mut answered = Vec::new();
    for variables in &steps {
        let chain = chain(variables)
            .metadata_endpoint(emulator.base_url())
            .metadata_timeout(None);
        let client = builder(&emulator, chain)
            .project_id(emulator.project_id())
            .build_async()
            .await
            .unwrap_or_else(|e| panic!("{variables:?}: {}", DisplayErrorChain(&e)));
        servers(&client)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{variables:?}: {}", DisplayErrorChain(&e)));
        answered.push(client.credential_source().unwrap().clone());
    }
    let base = emulator.base_url().to_string();
    assert_eq!(answered.len(), 5);
    assert!(
        matches!(&answered[0], CredentialSource::Oidc(oidc)
            if oidc.agency_urn.as_deref() == Some(AGENCY)
                && oidc.token_file.as_ref() == Some(&token)
                && oidc.sts_endpoint == base),
        "{:?}",
        answered[0]
    );
    for (answer, file) in [
        (&answered[1], None),
        (&answered[3], Some(&credentials_file)),
    ] {
        assert!(
            matches!(answer, CredentialSource::Federation(federation)
                if federation.idp_id == IDP
                    && federation.token_file == token
                    && federation.credentials_file.as_ref() == file
                    && federation.iam_endpoint == base),
            "{answer:?}"
        );
    }
    assert_eq!(answered[2], CredentialSource::Environment);
    assert_eq!(answered[4], CredentialSource::Metadata(base.clone()));
    assert_eq!(emulator.oidc_credentials_issued(), 1);
    // The environment's federation, then the file's.
    assert_eq!(emulator.id_tokens_exchanged(), 2);
    assert_eq!(emulator.federation_credentials_issued(), 2);
    assert_eq!(emulator.metadata_credentials_issued(), 1);
    // What `doctor` shows: the source's `Display`, which names no secret.
    for source in &answered {
        let shown = source.to_string();
        assert!(!shown.contains("SECRET"), "{shown}");
    }
    assert_eq!(
        answered[1].to_string(),
        format!(
            "IdP federation (HUAWEICLOUD_SDK_IDP_ID {IDP}, \
             HUAWEICLOUD_SDK_ID_TOKEN_FILE {token_path}) through IAM at {base}"
        )
    );
    assert_eq!(
        answered[0].to_string(),
        format!(
            "OIDC (agency {AGENCY}, HUAWEICLOUD_OIDC_TOKEN_FILE {token_path}) through STS at {base}"
        )
    );
}

/// IdP federation from the environment: the ID token exchanged at IAM (unscoped token,
/// then temporary keys), which sign the project lookup and the calls; refreshed before the
/// keys expire, with the token the platform wrote in the file since (the first one has
/// expired by then), once for concurrent calls; a 401 exchanges again.
#[tokio::test(start_paused = true)]
async fn federation_refreshes_before_expiry_with_the_rotated_token_file() {
    let emulator = start_on_paused_time(
        Config::default()
            .federation(IDP)
            .id_token("TOKEN-ONE", HOUR)
            .iam(),
    )
    .await;
    let dir = scratch::dir();
    let token = token_file(dir.path(), "token", "TOKEN-ONE");
    let token_path = token.display().to_string();
    // Keys in the environment too: federation wins over them, as in Huawei's SDKs (the
    // emulator would refuse these keys).
    let variables = [
        (env::IDP_ID, IDP),
        (env::ID_TOKEN_FILE, token_path.as_str()),
        (env::AK, "UNKNOWN-AK"),
        (env::SK, "UNKNOWN-SK"),
    ];
    let client = builder(&emulator, chain(&variables))
        .region(emulator.region())
        .build_async()
        .await
        .unwrap_or_else(|e| panic!("{}", DisplayErrorChain(&e)));
    assert!(matches!(
        client.credential_source(),
        Some(CredentialSource::Federation(federation)) if federation.credentials_file.is_none()
    ));
    // The project ID, looked up in IAM with the temporary keys.
    assert_eq!(client.project_id(), Some(emulator.project_id()));
    assert_eq!(emulator.id_tokens_exchanged(), 1);
    assert_eq!(emulator.federation_credentials_issued(), 1);
    let shown = format!("{client:?}");
    assert!(!shown.contains("TOKEN-ONE"), "{shown}");

    // The platform rotates the token (a projected token lives an hour): the file now holds
    // one the first would not be accepted in place of, once expired.
    tokio::time::advance(50 * MINUTE).await;
    emulator.accept_id_token("TOKEN-TWO", 8 * HOUR);
    write_token(&token, "TOKEN-TWO");
    tokio::time::advance(20 * MINUTE).await;
    // The keys (6 hours, as Huawei's SDKs ask) are still fresh: no exchange.
    servers(&client).send().await.expect("signed");
    assert_eq!(emulator.federation_credentials_issued(), 1);

    // 4 minutes before the keys expire: concurrent calls, one exchange, with the new token
    // (the old one expired 3 hours ago: had it been sent, IAM would have refused it, and
    // the calls gone on with the old keys, exchanging nothing).
    tokio::time::advance(6 * HOUR - 70 * MINUTE - 4 * MINUTE).await;
    for result in join_all((0..6).map(|_| servers(&client).send())).await {
        result.expect("signed with valid keys");
    }
    assert_eq!(emulator.id_tokens_exchanged(), 2);
    assert_eq!(emulator.federation_credentials_issued(), 2);
    servers(&client)
        .send()
        .await
        .expect("signed with the new keys");
    assert_eq!(emulator.federation_credentials_issued(), 2);

    // Keys revoked early: the 401 exchanges the token again, within the same call.
    emulator.revoke_metadata_credentials();
    servers(&client).send().await.expect("signed again");
    assert_eq!(emulator.federation_credentials_issued(), 3);
}

/// OIDC through STS, first in the chain: refreshed before the credentials (an hour, the
/// default duration) expire, with the token file read again. Huawei's SDK reads the file
/// once and sends the first token at every refresh, which STS refuses once it expires.
#[tokio::test(start_paused = true)]
async fn oidc_refreshes_before_expiry_with_the_rotated_token_file() {
    let emulator = start_on_paused_time(
        Config::default()
            .oidc(PROVIDER, AGENCY)
            .id_token("OIDC-ONE", 30 * MINUTE),
    )
    .await;
    let dir = scratch::dir();
    let token = token_file(dir.path(), "token", "OIDC-ONE");
    let token_path = token.display().to_string();
    let variables = oidc_variables(&emulator, &token_path);
    let client = builder(&emulator, chain(&variables))
        .project_id(emulator.project_id())
        .build_async()
        .await
        .unwrap_or_else(|e| panic!("{}", DisplayErrorChain(&e)));
    assert_eq!(emulator.oidc_credentials_issued(), 1);
    servers(&client).send().await.expect("signed");

    tokio::time::advance(25 * MINUTE).await;
    emulator.accept_id_token("OIDC-TWO", HOUR);
    write_token(&token, "OIDC-TWO");
    // 4 minutes before the credentials expire; the first token expired 26 minutes ago.
    tokio::time::advance(31 * MINUTE).await;
    servers(&client).send().await.expect("signed");
    assert_eq!(emulator.oidc_credentials_issued(), 2);
    // Past the first credentials' expiry: the new ones are accepted.
    tokio::time::advance(10 * MINUTE).await;
    servers(&client)
        .send()
        .await
        .expect("signed with the new credentials");
    assert_eq!(emulator.oidc_credentials_issued(), 2);
}

/// The duration, session name and policies of the variables go to STS in the form it takes
/// (the emulator checks them as STS does); the shorter credentials are refreshed sooner.
#[tokio::test(start_paused = true)]
async fn oidc_asks_for_the_configured_duration() {
    let emulator = start_on_paused_time(
        Config::default()
            .oidc(PROVIDER, AGENCY)
            .id_token("OIDC-TOKEN", 24 * HOUR),
    )
    .await;
    let dir = scratch::dir();
    let token = token_file(dir.path(), "token", "OIDC-TOKEN");
    let token_path = token.display().to_string();
    let mut variables = oidc_variables(&emulator, &token_path).to_vec();
    variables.extend([
        (env::OIDC_DURATION_SECONDS, "900"),
        (env::OIDC_SESSION_NAME, "deploy-42"),
        (env::OIDC_POLICY, r#"{"Version":"5.0","Statement":[]}"#),
        (env::OIDC_POLICY_IDS, "p1, p2"),
    ]);
    let client = builder(&emulator, chain(&variables))
        .project_id(emulator.project_id())
        .build_async()
        .await
        .unwrap_or_else(|e| panic!("{}", DisplayErrorChain(&e)));
    // 15 minutes: inside the refresh window after 11.
    tokio::time::advance(9 * MINUTE).await;
    servers(&client).send().await.expect("signed");
    assert_eq!(emulator.oidc_credentials_issued(), 1);
    tokio::time::advance(2 * MINUTE).await;
    servers(&client).send().await.expect("signed");
    assert_eq!(emulator.oidc_credentials_issued(), 2);
}

/// A token IAM or STS refuses (broken, expired), or a token file that is not there, is an
/// error naming the source, typed, with nothing of the token in its message or `Debug`:
/// from `build_async`, and from a call of a client built without I/O.
#[tokio::test]
async fn a_broken_or_expired_token_is_a_typed_error_naming_its_source() {
    let emulator = start(
        Config::default()
            .federation(IDP)
            .oidc(PROVIDER, AGENCY)
            .id_token("GOOD-TOKEN", HOUR)
            // Already expired when the test sends it.
            .id_token("EXPIRED-TOKEN-SECRET", Duration::from_millis(1)),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let dir = scratch::dir();
    let token = token_file(dir.path(), "token", "BROKEN-TOKEN-SECRET");
    let token_path = token.display().to_string();
    let federation = [
        (env::IDP_ID, IDP),
        (env::ID_TOKEN_FILE, token_path.as_str()),
    ];
    let oidc = oidc_variables(&emulator, &token_path);
    let check = |error: &dyn std::fmt::Debug, shown: String| {
        for secret in ["BROKEN-TOKEN", "EXPIRED-TOKEN", "SECRET"] {
            assert!(!shown.contains(secret), "{shown}");
            assert!(!format!("{error:?}").contains(secret), "{error:?}");
        }
        assert!(
            shown.contains(&token_path),
            "the token file is named: {shown}"
        );
        shown
    };

    for (variables, token_text, said) in [
        (
            &federation[..],
            "BROKEN-TOKEN-SECRET",
            "The ID token is not valid.",
        ),
        (
            &federation[..],
            "EXPIRED-TOKEN-SECRET",
            "The ID token has expired.",
        ),
        (
            &oidc[..],
            "BROKEN-TOKEN-SECRET",
            "The ID token is not valid.",
        ),
        (
            &oidc[..],
            "EXPIRED-TOKEN-SECRET",
            "The ID token has expired.",
        ),
    ] {
        write_token(&token, token_text);
        let error = builder(&emulator, chain(variables))
            .project_id(emulator.project_id())
            .build_async()
            .await
            .expect_err("refused");
        let BuildError::Credentials(CredentialsError::Refused(refusal)) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(refusal.status, 401);
        assert_eq!(refusal.error_code.as_deref(), Some("IAM.0007"));
        assert_eq!(refusal.error_msg.as_deref(), Some(said));
        let shown = check(&error, DisplayErrorChain(&error).to_string());
        match &refusal.from {
            CredentialSource::Federation(federation) => {
                assert_eq!(federation.idp_id, IDP);
                assert!(
                    shown.contains("/v3.0/OS-AUTH/id-token/tokens answered 401"),
                    "{shown}"
                );
            }
            CredentialSource::Oidc(oidc) => {
                assert_eq!(oidc.agency_urn.as_deref(), Some(AGENCY));
                assert!(
                    shown.contains("/v5/agencies/assume-with-oidc answered 401"),
                    "{shown}"
                );
            }
            other => panic!("{other:?}"),
        }

        // Built without I/O, the first call says the same.
        let client = builder(&emulator, chain(variables))
            .project_id(emulator.project_id())
            .build()
            .expect("built: nothing exchanged yet");
        let error = Error::from(servers(&client).send().await.expect_err("refused"));
        assert!(
            matches!(
                &error,
                Error::Credentials(CredentialsError::Refused(refusal)) if refusal.status == 401
            ),
            "{error:?}"
        );
        check(&error, DisplayErrorChain(&error).to_string());
    }

    // A token file that is not there: found at build, naming the file.
    std::fs::remove_file(&token).unwrap();
    for variables in [&federation[..], &oidc[..]] {
        let error = builder(&emulator, chain(variables))
            .project_id(emulator.project_id())
            .build()
            .expect_err("no token file");
        assert!(
            matches!(
                &error,
                BuildError::Credentials(CredentialsError::Unusable { .. })
            ),
            "{error:?}"
        );
        let shown = check(&error, error.to_string());
        assert!(shown.contains("no such file"), "{shown}");
    }

    // Another identity provider: IAM does not know it.
    write_token(&token, "GOOD-TOKEN");
    let other_idp = [
        (env::IDP_ID, "other-idp"),
        (env::ID_TOKEN_FILE, token_path.as_str()),
    ];
    let error = builder(&emulator, chain(&other_idp))
        .project_id(emulator.project_id())
        .build_async()
        .await
        .expect_err("unknown IdP");
    assert!(
        matches!(
            &error,
            BuildError::Credentials(CredentialsError::Refused(refusal)) if refusal.status == 404
        ),
        "{error:?}"
    );
}

/// The emulator's IAM and STS check what the services check, take no credentials, and the
/// API they issue keys for is closed to requests without any.
#[tokio::test]
async fn the_emulators_iam_and_sts_check_their_requests() {
    let emulator = start(
        Config::default()
            .federation(IDP)
            .oidc(PROVIDER, AGENCY)
            .id_token("GOOD-TOKEN", HOUR),
    )
    .await;
    let base = emulator.base_url();
    let post = |path: &str, headers: &[(&str, &str)], body: serde_json::Value| {
        let mut request = http().post(format!("{base}{path}")).json(&body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let subject = response
                .headers()
                .get("x-subject-token")
                .map(|v| v.to_str().unwrap().to_string());
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            (status, subject, body)
        }
    };
    let id_token = |token: &str| serde_json::json!({"auth": {"id_token": {"id": token}}});
    let path = "/v3.0/OS-AUTH/id-token/tokens";
    assert_eq!(
        post(path, &[], id_token("GOOD-TOKEN")).await.0,
        400,
        "no X-Idp-Id"
    );
    assert_eq!(
        post(path, &[("X-Idp-Id", "other")], id_token("GOOD-TOKEN"))
            .await
            .0,
        404
    );
    let (status, _, body) = post(path, &[("X-Idp-Id", IDP)], id_token("BAD")).await;
    assert_eq!(
        (status, &body["error_code"]),
        (401, &serde_json::json!("IAM.0007"))
    );
    let (status, subject, body) = post(path, &[("X-Idp-Id", IDP)], id_token("GOOD-TOKEN")).await;
    assert_eq!(status, 201);
    assert!(body["token"]["expires_at"].is_string(), "{body}");
    let unscoped = subject.expect("X-Subject-Token");

    let path = "/v3.0/OS-CREDENTIAL/securitytokens";
    let security = |token: &str, seconds: u64| {
        serde_json::json!({"auth": {"identity": {"methods": ["token"],
            "token": {"id": token, "duration_seconds": seconds}}}})
    };
    assert_eq!(post(path, &[], security("NOT-ISSUED", 900)).await.0, 401);
    assert_eq!(
        post(path, &[], security(&unscoped, 60)).await.0,
        400,
        "too short"
    );
    let (status, _, body) = post(path, &[], security(&unscoped, 3600)).await;
    assert_eq!(status, 201, "{body}");
    let credential = &body["credential"];
    for key in ["access", "secret", "securitytoken", "expires_at"] {
        assert!(credential[key].is_string(), "{body}");
    }

    let path = "/v5/agencies/assume-with-oidc";
    let assume = |agency: &str, token: &str| {
        serde_json::json!({"provider_urn": PROVIDER, "agency_urn": agency,
            "agency_session_name": "s1", "id_token": token, "duration_seconds": 3600})
    };
    assert_eq!(post(path, &[], assume("other", "GOOD-TOKEN")).await.0, 404);
    assert_eq!(post(path, &[], assume(AGENCY, "BAD-TOKEN")).await.0, 401);
    let (status, _, body) = post(path, &[], assume(AGENCY, "GOOD-TOKEN")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["credentials"]["security_token"].is_string(), "{body}");
    assert_eq!(emulator.oidc_credentials_issued(), 1);

    // Keys are issued: the API wants credentials (it is not open).
    let response = http()
        .get(list_url(base, emulator.project_id()))
        .query(&[("job_type", "CREATE_SERVER")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);

    // Off unless configured.
    let plain = start(Config::default()).await;
    for path in [
        "/v3.0/OS-AUTH/id-token/tokens",
        "/v3.0/OS-CREDENTIAL/securitytokens",
        "/v5/agencies/assume-with-oidc",
    ] {
        let status = http()
            .post(format!("{}{path}", plain.base_url()))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 404, "{path}");
    }
}
