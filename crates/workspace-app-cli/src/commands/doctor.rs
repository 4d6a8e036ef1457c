//! `workspace-app doctor`: the setup checked step by step, each line saying what to do when
//! it fails. Exit code 0 only when every check passes.

use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use reqwest::Url;
use workspace_app_client::clock_skew::{ClockOffset, SKEW_THRESHOLD};
use workspace_app_client::types::JobTypeFilter;
use workspace_app_client::{
    Client, ClientInfo, CredentialSource, Credentials, DisplayErrorChain, Error, env,
};

use crate::args::{GlobalArgs, TOKEN_ENV};
use crate::connect::{connect_with, runtime, target, token};
use crate::failure::{Exit, Failure};
use crate::terminal::{LINE_CHARS, shorten};

/// `doctor`'s help after the flags.
pub const HELP: &str = "\
Checks, in order, each on a line with what to do when it fails:
  credentials  which source was found: --token, WORKSPACE_APP_TOKEN, --token-file, or
               the chain of Huawei's SDKs: OIDC (HUAWEICLOUD_OIDC_*), IdP federation
               (HUAWEICLOUD_SDK_IDP_ID, _ID_TOKEN_FILE), HUAWEICLOUD_SDK_AK/_SK (with
               _SECURITY_TOKEN: temporary keys), the credentials file, ECS metadata
  project      the project ID (--project-id or HUAWEICLOUD_SDK_PROJECT_ID)
  dns          the endpoint's host resolves
  tcp          a connection opens within 5 s
  tls          the TLS handshake succeeds (https endpoints)
  clock        the offset of the service's Date from this machine's clock (the gateway
               refuses signatures more than 15 minutes off: APIGW.0301)
  request      one signed request (a page of one CREATE_SERVER sub-job)

Examples:
  workspace-app --region ap-southeast-1 --project-id 0605767a doctor
  workspace-app --endpoint http://127.0.0.1:8080 --project-id p doctor

Exit codes: 0 every check passed, 3 a check failed.";

/// How long name resolution, a TCP connection and the unsigned probe may each take.
const STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// The outcome of one check.
enum Check {
    Pass(String),
    Fail { what: String, fix: String },
    Skip(String),
}

fn fail(what: impl Into<String>, fix: impl Into<String>) -> Check {
    Check::Fail {
        what: what.into(),
        fix: fix.into(),
    }
}

/// The lines written so far, and how many failed.
struct Report {
    checks: usize,
    failed: usize,
}

impl Report {
    fn line(&mut self, name: &str, check: Check) {
        self.checks += 1;
        let mut stdout = std::io::stdout().lock();
        let shown = |text: &str| shorten(text, LINE_CHARS).into_owned();
        let _ = match check {
            Check::Pass(what) => writeln!(stdout, "ok    {name:<12} {}", shown(&what)),
            Check::Skip(why) => writeln!(stdout, "skip  {name:<12} {}", shown(&why)),
            Check::Fail { what, fix } => {
                self.failed += 1;
                writeln!(
                    stdout,
                    "FAIL  {name:<12} {}\n      {:<12} fix: {}",
                    shown(&what),
                    "",
                    shown(&fix)
                )
            }
        };
    }
}

pub fn run(global: &GlobalArgs) -> Result<(), Failure> {
    if global.dry_run {
        return Err(Failure::new(
            Exit::Usage,
            "doctor checks the network by using it: leave out --dry-run",
        ));
    }
    let runtime = runtime()?;
    let mut report = Report {
        checks: 0,
        failed: 0,
    };
    // The token is read once (standard input can be read only once), and the client built
    // once, as the commands build it (the chain, a project lookup): every line reports on it.
    let token = token(global);
    let connected = match &token {
        Ok(token) => runtime.block_on(connect_with(global, token.clone())),
        Err(failure) => Err(failure.clone()),
    };
    report.line("credentials", credentials(global, &token, &connected));
    report.line("project", project(global, &connected));
    let reached = runtime.block_on(network(global, connected.as_ref().ok(), &mut report));
    let request = if !reached {
        Check::Skip("the endpoint cannot be reached: fix the lines above first".into())
    } else {
        runtime.block_on(signed_request(&connected))
    };
    report.line("request", request);
    if report.failed == 0 {
        Ok(())
    } else {
        Err(Failure::new(
            Exit::Api,
            format!("{} of {} checks failed", report.failed, report.checks),
        ))
    }
}

/// Which credential source the client uses, named; never a secret. A token is this tool's
/// (flag, variable or file); anything else is what the client's chain found.
pub fn credential_source(
    global: &GlobalArgs,
    token: &Result<Option<String>, Failure>,
    connected: &Result<Client, Failure>,
) -> Result<String, String> {
    if let Some(token) = &global.token {
        // clap fills `token` from the flag or, without it, from the variable.
        let from_env = std::env::var(TOKEN_ENV).is_ok_and(|value| value == *token);
        return Ok(if from_env {
            format!("IAM token from {TOKEN_ENV}")
        } else {
            "IAM token from --token".to_string()
        });
    }
    if let Some(path) = &global.token_file {
        // Read as the commands read it: a missing or empty file fails here.
        return match token {
            Ok(_) => Ok(format!("IAM token from --token-file {}", path.display())),
            Err(failure) => Err(failure.message.clone()),
        };
    }
    let source = match connected {
        Ok(client) => client.credential_source(),
        // With an ID token configured, the chain chose it (before any AK/SK): why the client
        // could not be built is about it (its exchange refused, its file missing).
        Err(failure) if workload_identity() => return Err(failure.message.clone()),
        // The request's line says why the client could not be built.
        Err(_) => None,
    };
    match (source, Credentials::from_env()) {
        (Some(CredentialSource::Environment) | None, Some(Credentials::AkSk(_)))
            if std::env::var(env::SECURITY_TOKEN).is_ok_and(|v| !v.is_empty()) =>
        {
            Ok(format!(
                "temporary AK/SK from {}, {} and {}",
                env::AK,
                env::SK,
                env::SECURITY_TOKEN
            ))
        }
        (Some(CredentialSource::Environment) | None, Some(_)) => {
            Ok(format!("AK/SK from {} and {}", env::AK, env::SK))
        }
        // The credentials file, or the ECS metadata service (its keys already fetched).
        (Some(source), _) => Ok(format!("from {source}")),
        (None, None) => Err("no credentials found".to_string()),
    }
}

/// Whether the environment configures an ID token (OIDC through STS, or IdP federation),
/// which Huawei's chain takes before AK/SK.
fn workload_identity() -> bool {
    [
        env::OIDC_PROVIDER_URN,
        env::OIDC_AGENCY_URN,
        env::OIDC_ID_TOKEN,
        env::OIDC_TOKEN_FILE,
        env::IDP_ID,
        env::ID_TOKEN_FILE,
    ]
    .iter()
    .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
}

fn credentials(
    global: &GlobalArgs,
    token: &Result<Option<String>, Failure>,
    connected: &Result<Client, Failure>,
) -> Check {
    match credential_source(global, token, connected) {
        Ok(source) => Check::Pass(source),
        Err(what) if workload_identity() => fail(
            what,
            format!(
                "check the ID token file (rotated by the platform?), and that IAM trusts the identity provider ({}) or STS the agency ({}, {})",
                env::IDP_ID,
                env::OIDC_PROVIDER_URN,
                env::OIDC_AGENCY_URN
            ),
        ),
        Err(what) => fail(
            what,
            format!(
                "set {} and {} (AK/SK signing), or {TOKEN_ENV} or --token-file PATH (an IAM token)",
                env::AK,
                env::SK
            ),
        ),
    }
}

/// The project ID the commands will use: given, found with the credentials, or looked up in
/// IAM for the region.
fn project(global: &GlobalArgs, connected: &Result<Client, Failure>) -> Check {
    let fix = || {
        format!(
            "pass --project-id ID or set {} (the console's My Credentials page lists it per region)",
            env::PROJECT_ID
        )
    };
    match (connected, &global.project_id) {
        (_, Some(id)) => Check::Pass(format!("project ID {id}")),
        (Ok(client), None) => match client.project_id() {
            Some(id) => Check::Pass(format!(
                "project ID {id}, not given: found with the credentials or looked up in IAM"
            )),
            None => fail("no project ID", fix()),
        },
        // A failed IAM lookup, or any other reason the client could not be built.
        (Err(failure), None) => fail(failure.message.clone(), fix()),
    }
}

/// The endpoint's URL, as the commands would use it (region overrides included): the one
/// the client built from the same flags sends to.
fn endpoint(global: &GlobalArgs) -> Result<Url, String> {
    let Some(builder) = target(global) else {
        return Err("no endpoint: neither --region nor --endpoint".into());
    };
    // Without credentials: only where requests go matters here.
    let client = builder
        .build()
        .map_err(|error| DisplayErrorChain(&error).to_string())?;
    let url = client.baseurl();
    Url::parse(url).map_err(|e| format!("--endpoint {url:?} is not a URL: {e}"))
}

/// DNS, TCP, TLS and the clock; whether the endpoint answered at all.
async fn network(global: &GlobalArgs, client: Option<&Client>, report: &mut Report) -> bool {
    let url = match endpoint(global) {
        Ok(url) => url,
        Err(what) => {
            report.line(
                "dns",
                fail(
                    what,
                    "pass --region REGION (e.g. ap-southeast-1) or --endpoint https://host",
                ),
            );
            return false;
        }
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        report.line(
            "dns",
            fail(
                format!("{url} has no host"),
                "write the endpoint as https://host",
            ),
        );
        return false;
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();

    let resolved =
        tokio::time::timeout(STEP_TIMEOUT, tokio::net::lookup_host((host.as_str(), port)));
    let addrs: Vec<SocketAddr> = match resolved.await {
        Ok(Ok(addrs)) => addrs.collect(),
        Ok(Err(e)) => {
            report.line(
                "dns",
                fail(
                    format!("{host} does not resolve: {e}"),
                    "check the region or --endpoint spelling, and this machine's DNS (resolv.conf, VPN)",
                ),
            );
            return false;
        }
        Err(_) => {
            report.line(
                "dns",
                fail(
                    format!(
                        "resolving {host} took more than {} s",
                        STEP_TIMEOUT.as_secs()
                    ),
                    "check this machine's DNS servers",
                ),
            );
            return false;
        }
    };
    let listed: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
    report.line(
        "dns",
        Check::Pass(format!("{host} is {}", listed.join(", "))),
    );

    let mut last_error = String::from("no address");
    let mut connected = None;
    for addr in &addrs {
        match tokio::time::timeout(STEP_TIMEOUT, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_)) => {
                connected = Some(*addr);
                break;
            }
            Ok(Err(e)) => last_error = format!("{addr}: {e}"),
            Err(_) => {
                last_error = format!("{addr}: no answer within {} s", STEP_TIMEOUT.as_secs());
            }
        }
    }
    match connected {
        Some(addr) => report.line("tcp", Check::Pass(format!("connected to {addr}"))),
        None => {
            report.line(
                "tcp",
                fail(
                    format!("cannot connect: {last_error}"),
                    "check that the endpoint is up and the port is right; behind a firewall or proxy, ask for access to it",
                ),
            );
            return false;
        }
    }

    // One unsigned request: the TLS handshake, and the service's `Date`.
    let https = url.scheme() == "https";
    // Through the HTTP client the commands use when the flags make one (its TLS and network
    // settings), without credentials: none of the client's hooks runs for it.
    let probe = match client {
        Some(client) => Ok(client.client().clone()),
        None => workspace_app_client::http_client_builder()
            .map_err(|e| e.to_string())
            .and_then(|http| {
                http.connect_timeout(STEP_TIMEOUT)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| e.to_string())
            }),
    };
    let answer = match probe {
        Ok(probe) => probe
            .get(url.clone())
            .timeout(STEP_TIMEOUT)
            .send()
            .await
            .map_err(|e| DisplayErrorChain(&e).to_string()),
        Err(e) => Err(format!("cannot set up TLS: {e}")),
    };
    let received_at = SystemTime::now();
    let response = match answer {
        Ok(response) => response,
        Err(e) => {
            let fix = if https {
                "the certificate is not trusted or TLS is intercepted: check the system's CA certificates, or the corporate proxy"
            } else {
                "check that the endpoint speaks HTTP at this port"
            };
            report.line(if https { "tls" } else { "http" }, fail(e, fix));
            return false;
        }
    };
    if https {
        report.line(
            "tls",
            Check::Pass("handshake succeeded, certificate trusted".into()),
        );
    } else {
        report.line(
            "tls",
            Check::Skip("not used: the endpoint is http://".into()),
        );
    }

    let clock = match ClockOffset::from_date_header(response.headers(), received_at) {
        None => Check::Skip("the service sent no Date header".into()),
        Some(offset) if offset.magnitude() <= SKEW_THRESHOLD => {
            Check::Pass(format!("the service's clock is {offset}"))
        }
        Some(offset) => fail(
            format!("the service's clock is {offset}"),
            "set this machine's clock (NTP): the gateway refuses signatures more than 15 minutes off (APIGW.0301); this client corrects after one refusal, other tools do not",
        ),
    };
    report.line("clock", clock);
    true
}

/// One signed request, a page of one sub-job, through the client the commands use.
async fn signed_request(connected: &Result<Client, Failure>) -> Check {
    let client = match connected {
        Ok(client) => client,
        Err(failure) => {
            return fail(
                failure.message.clone(),
                "fix the flags above (see workspace-app --help)",
            );
        }
    };
    let sent = client
        .sub_jobs()
        .job_type(JobTypeFilter::CreateServer)
        .limit(1)
        .send()
        .await;
    match sent {
        Ok(page) => Check::Pass(format!(
            "signed GET answered: {} CREATE_SERVER sub-jobs in the project",
            page.into_inner().count.unwrap_or_default()
        )),
        Err(error) => {
            let error = Error::from(error);
            let failure = Failure::api(&error);
            let fix = failure
                .details
                .first()
                .map(|hint| hint.trim_start_matches("hint: ").to_string())
                .unwrap_or_else(|| "see the error above; `--debug` shows each attempt".into());
            fail(DisplayErrorChain(&error).to_string(), fix)
        }
    }
}
