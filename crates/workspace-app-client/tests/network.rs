//! The networks users sit behind, all on 127.0.0.1: a TLS server whose certificate comes
//! from a CA made here with rcgen, and a CONNECT proxy that counts tunnels and copies bytes.
//! `HTTPS_PROXY`/`NO_PROXY` are checked in a child process of this test binary (the
//! environment of this one is never changed).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use workspace_app_client::{ClientBuilder, DisplayErrorChain, Error, types::JobTypeFilter};

const BODY: &str = r#"{"count":0,"items":[]}"#;

/// A CA and a server certificate for `localhost` and 127.0.0.1 it signed.
struct Pki {
    ca_pem: String,
    server: rustls::ServerConfig,
}

fn pki() -> Pki {
    pki_for(&["localhost", "127.0.0.1"])
}

/// A CA whose server certificate names another host.
fn pki_for_other_host() -> Pki {
    pki_for(&["elsewhere.invalid"])
}

/// A CA and a server certificate for `names` it signed.
fn pki_for(names: &[&str]) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "workspace-app test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(names.iter().map(ToString::to_string).collect::<Vec<_>>())
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        server,
    }
}

/// Reads a request or CONNECT head, up to the blank line.
async fn read_head(stream: &mut (impl AsyncRead + Unpin)) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.unwrap_or(0) == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then_some(value.trim())
    })
}

/// An HTTPS server answering every request with an empty page; it keeps the heads.
async fn tls_server(config: rustls::ServerConfig) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let head = read_head(&mut tls).await;
                seen.lock().unwrap().push(head);
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{BODY}",
                    BODY.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, heads)
}

/// A CONNECT proxy: counts tunnels, keeps their heads, and copies bytes both ways to the
/// target, which must be on this machine.
struct Proxy {
    port: u16,
    connects: Arc<AtomicUsize>,
    heads: Arc<Mutex<Vec<String>>>,
}

async fn connect_proxy() -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connects = Arc::new(AtomicUsize::new(0));
    let heads = Arc::new(Mutex::new(Vec::new()));
    let (count, seen) = (connects.clone(), heads.clone());
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let (count, seen) = (count.clone(), seen.clone());
            tokio::spawn(async move {
                let head = read_head(&mut client).await;
                seen.lock().unwrap().push(head.clone());
                let mut words = head.split_whitespace();
                let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
                    let _ = client
                        .write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                        .await;
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let Some((_, port)) = target.rsplit_once(':') else {
                    return;
                };
                // Only ever to this machine, whatever the name.
                let Ok(mut upstream) = TcpStream::connect(format!("127.0.0.1:{port}")).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                let _ = client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    Proxy {
        port,
        connects,
        heads,
    }
}

fn ca_file(pem: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, pem.as_bytes()).unwrap();
    file
}

async fn list(client: &workspace_app_client::Client) -> Result<(), Error> {
    client
        .list_sub_jobs()
        .project_id("p")
        .job_type(JobTypeFilter::CreateServer)
        .send()
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_private_ca_is_trusted_only_when_given_and_verification_stays_on() {
    let pki = pki();
    let (port, heads) = tls_server(pki.server).await;
    let endpoint = format!("https://localhost:{port}");

    // Without the CA: a clear TLS error, nothing sent.
    let client = ClientBuilder::new().endpoint(&endpoint).build().unwrap();
    let error = list(&client).await.unwrap_err();
    let message = DisplayErrorChain(&error).to_string();
    assert!(message.to_lowercase().contains("certificate"), "{message}");
    assert!(heads.lock().unwrap().is_empty());

    // With it: the call succeeds.
    let file = ca_file(&pki.ca_pem);
    let client = ClientBuilder::new()
        .endpoint(&endpoint)
        .ca_file(file.path())
        .build()
        .unwrap();
    list(&client).await.unwrap();
    assert_eq!(heads.lock().unwrap().len(), 1);

    // The CA vouches for `localhost` and 127.0.0.1 only: host names are still checked.
    let other = pki_for_other_host();
    let (port, _) = tls_server(other.server).await;
    let client = ClientBuilder::new()
        .endpoint(format!("https://localhost:{port}"))
        .ca_file(ca_file(&other.ca_pem).path())
        .build()
        .unwrap();
    let message = DisplayErrorChain(&list(&client).await.unwrap_err()).to_string();
    assert!(message.to_lowercase().contains("certificate"), "{message}");
}

#[test]
fn a_ca_file_that_is_not_one_is_a_clear_build_error() {
    let missing = ClientBuilder::new()
        .endpoint("https://localhost")
        .ca_file("/nonexistent/ca.pem")
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("/nonexistent/ca.pem") && missing.contains("cannot read"),
        "{missing}"
    );
    let empty = ca_file("no certificate here\n");
    let error = ClientBuilder::new()
        .endpoint("https://localhost")
        .ca_file(empty.path())
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.contains("holds no certificate"), "{error}");
}

#[tokio::test]
async fn an_explicit_proxy_tunnels_with_its_credentials_which_stay_secret() {
    let pki = pki();
    let (port, heads) = tls_server(pki.server).await;
    let proxy = connect_proxy().await;
    let file = ca_file(&pki.ca_pem);
    let builder = ClientBuilder::new()
        .endpoint(format!("https://localhost:{port}"))
        .ca_file(file.path())
        .proxy(format!(
            "http://alice:PROXY-SECRET@127.0.0.1:{}",
            proxy.port
        ))
        .app_name("nightly-report/2.1");
    let debug = format!("{builder:?}");
    assert!(!debug.contains("PROXY-SECRET"), "{debug}");
    assert!(debug.contains("alice:***@127.0.0.1"), "{debug}");
    let client = builder.build().unwrap();
    list(&client).await.unwrap();
    list(&client).await.unwrap();
    // One tunnel per connection (the server closes each), with basic proxy authentication.
    assert_eq!(proxy.connects.load(Ordering::SeqCst), 2);
    let connect = proxy.heads.lock().unwrap()[0].clone();
    assert!(
        connect.starts_with(&format!("CONNECT localhost:{port} ")),
        "{connect}"
    );
    // alice:PROXY-SECRET
    assert_eq!(
        header(&connect, "proxy-authorization"),
        Some("Basic YWxpY2U6UFJPWFktU0VDUkVU")
    );
    // The request itself went through the tunnel, encrypted; the app name reached the server.
    let request = heads.lock().unwrap()[0].clone();
    assert!(
        !request.to_lowercase().contains("proxy-authorization"),
        "{request}"
    );
    assert_eq!(
        header(&request, "user-agent"),
        Some(concat!(
            "workspace-app-client/",
            env!("CARGO_PKG_VERSION"),
            " nightly-report/2.1"
        ))
    );
}

#[test]
fn a_bad_proxy_or_app_name_is_a_build_error_without_the_password() {
    for proxy in [
        "ftp://u:PROXY-SECRET@host:21",
        "http://u:PROXY-SECRET@:8080",
        "not a url PROXY-SECRET",
    ] {
        let error = ClientBuilder::new()
            .endpoint("https://localhost")
            .proxy(proxy)
            .build()
            .unwrap_err();
        let message = format!("{error} {error:?}");
        assert!(message.contains("invalid proxy"), "{message}");
        assert!(!message.contains("PROXY-SECRET"), "{message}");
    }
    for name in ["", "has space", "tab\t", "é"] {
        let error = ClientBuilder::new()
            .endpoint("https://localhost")
            .app_name(name)
            .build()
            .unwrap_err();
        assert!(error.to_string().contains("invalid app name"), "{error}");
    }
}

/// Set in the child process of the test below: which case to run.
const CHILD_CASE: &str = "WORKSPACE_APP_TEST_PROXY_CHILD";

/// The system proxy variables, read by reqwest when the client is built: run as a child of
/// this test binary with the variables set, so this process's environment is never touched.
#[test]
fn https_proxy_and_no_proxy_from_the_environment_are_honoured() {
    if let Ok(case) = std::env::var(CHILD_CASE) {
        return child(&case);
    }
    for (case, no_proxy, tunnels) in [("via-proxy", "", 1), ("bypassed", "localhost", 0)] {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "https_proxy_and_no_proxy_from_the_environment_are_honoured",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_CASE, case)
            .env("WORKSPACE_APP_TEST_NO_PROXY", no_proxy)
            .env("WORKSPACE_APP_TEST_TUNNELS", tunnels.to_string())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{case}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// In the child: start the servers, point HTTPS_PROXY at the proxy (the proxy's port is
/// only known now, so the child re-runs itself once more with it set).
fn child(case: &str) {
    if std::env::var("WORKSPACE_APP_TEST_ENDPOINT").is_err() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let pki = pki();
            let (port, heads) = tls_server(pki.server).await;
            let proxy = connect_proxy().await;
            let file = ca_file(&pki.ca_pem);
            let output = tokio::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "https_proxy_and_no_proxy_from_the_environment_are_honoured",
                    "--exact",
                    "--nocapture",
                ])
                .env(CHILD_CASE, case)
                .env_remove("https_proxy")
                .env_remove("no_proxy")
                .env_remove("ALL_PROXY")
                .env_remove("all_proxy")
                .env("HTTPS_PROXY", format!("http://127.0.0.1:{}", proxy.port))
                .env(
                    "NO_PROXY",
                    std::env::var("WORKSPACE_APP_TEST_NO_PROXY").unwrap(),
                )
                .env(
                    "WORKSPACE_APP_TEST_ENDPOINT",
                    format!("https://localhost:{port}"),
                )
                .env("WORKSPACE_APP_TEST_CA", file.path())
                .output()
                .await
                .unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            let tunnels: usize = std::env::var("WORKSPACE_APP_TEST_TUNNELS")
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(proxy.connects.load(Ordering::SeqCst), tunnels, "{case}");
            assert_eq!(heads.lock().unwrap().len(), 1, "{case}");
        });
        return;
    }
    // The grandchild: the client, built with the variables in place.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = ClientBuilder::new()
            .endpoint(std::env::var("WORKSPACE_APP_TEST_ENDPOINT").unwrap())
            .ca_file(std::env::var("WORKSPACE_APP_TEST_CA").unwrap())
            .build()
            .unwrap();
        list(&client).await.unwrap();
    });
}

/// A reqwest client as a caller makes one, with the crate's TLS (reqwest has no crypto
/// provider of its own with the default `rustls-ring` feature).
fn caller_made_http_client() -> reqwest::Client {
    workspace_app_client::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
}

#[test]
fn network_settings_with_a_caller_made_http_client_are_refused_not_ignored() {
    let error = ClientBuilder::new()
        .endpoint("https://localhost")
        .http_client(caller_made_http_client())
        .proxy("http://127.0.0.1:3128")
        .build()
        .unwrap_err();
    assert!(
        error.to_string().starts_with("`proxy` configures"),
        "{error}"
    );
    ClientBuilder::new()
        .endpoint("https://localhost")
        .http_client(caller_made_http_client())
        .build()
        .unwrap();
}

/// progenitor's `Client::new` works with every TLS feature and no rustls provider installed
/// in the process (none is, in this test binary): it takes the client's own HTTP set-up,
/// with its TLS, and follows no redirect. Against a server whose CA it does not trust, the
/// call fails with a typed error; nothing panics.
#[tokio::test]
async fn the_generated_client_new_needs_no_process_wide_provider() {
    let (port, heads) = tls_server(pki().server).await;
    let client = workspace_app_client::Client::new(
        &format!("https://localhost:{port}"),
        workspace_app_client::ClientConfig::default(),
    );
    let error = client
        .list_sub_jobs()
        .project_id("p")
        .job_type(JobTypeFilter::CreateServer)
        .send()
        .await
        .map_err(Error::from)
        .unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(heads.lock().unwrap().is_empty(), "no request got through");
}
