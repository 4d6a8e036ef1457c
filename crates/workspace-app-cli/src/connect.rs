//! The client the global flags describe: where requests go (`--region`, `--endpoint`),
//! the credentials (a token, else the credential chain) and how they sign, the network
//! flags, and the async runtime every command runs on.

use workspace_app_client::{
    BuildError, Client, ClientBuilder, Credentials, CredentialsChain, CredentialsError,
    DisplayErrorChain, ProjectLookupError, RetryPolicy, env,
};

use crate::args::GlobalArgs;
use crate::failure::{Exit, Failure, warn};

/// The main task runs on this thread and writes stdout with blocking writes; the page
/// requests the paginator runs ahead of it are tasks on a worker, so they complete while a
/// slow reader (`| less`) holds the writes up, instead of timing out unpolled.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(Exit::Api, format!("cannot start the async runtime: {e}")))
}

/// The client the global flags describe; what is missing or wrong is a usage error.
///
/// Credentials: a token (flag, variable or file), else the chain of Huawei's SDKs (the
/// environment, `~/.huaweicloud/credentials`, the ECS metadata service); when it finds
/// none, requests go unsigned, as before the chain. With AK/SK and no `--project-id`, the
/// project ID is looked up in IAM for `--region`.
pub async fn connect(global: &GlobalArgs) -> Result<Client, Failure> {
    connect_with(global, token(global)?).await
}

/// [`connect`] with the IAM token already read ([`token`]).
pub async fn connect_with(global: &GlobalArgs, token: Option<String>) -> Result<Client, Failure> {
    let usage = |message: String| Failure::new(Exit::Usage, message);
    let Some(mut builder) = target(global) else {
        return Err(usage(
            "no endpoint: pass --region REGION (e.g. ap-southeast-1) or --endpoint URL".into(),
        ));
    };
    if let Some(project_id) = &global.project_id {
        builder = builder.project_id(project_id);
    }
    if global.allow_insecure_http {
        builder = builder.allow_insecure_http();
    }
    if let Some(algorithm) = global.signing_algorithm {
        builder = builder.signing_algorithm(algorithm);
    }
    builder = network(builder, global);
    if global.dry_run {
        builder = builder.dry_run();
    }
    // A token (flag, variable or file) wins over the chain.
    let built = match token {
        Some(_) if global.project_id.is_none() => {
            return Err(usage(format!(
                "no project ID: pass --project-id ID or set {} (only AK/SK credentials look it up)",
                env::PROJECT_ID
            )));
        }
        Some(token) => {
            builder
                .credentials(Credentials::token(token))
                .build_async()
                .await
        }
        None => match builder
            .clone()
            .credentials_chain(CredentialsChain::default())
            .build_async()
            .await
        {
            // No credentials anywhere: unsigned requests (an open emulator), or a 401. Said
            // on stderr, with why each source had none (a metadata service that failed).
            Err(BuildError::Credentials(not_found @ CredentialsError::NotFound { .. })) => {
                if global.project_id.is_none() {
                    return Err(usage(format!(
                        "no project ID: pass --project-id ID or set {}",
                        env::PROJECT_ID
                    )));
                }
                warn(&format!("{not_found}; sending requests unsigned"));
                builder.build()
            }
            other => other,
        },
    };
    built.map_err(|error| match error {
        // The messages say what to fix, in the library's words; say it in flags here.
        BuildError::InvalidCredentials(reason) => usage(format!(
            "{reason}: check --token, or {} and {}",
            env::AK,
            env::SK
        )),
        BuildError::InvalidEndpoint { endpoint, reason } => usage(format!(
            "invalid --endpoint {endpoint:?}: {reason}; write e.g. https://host or http://127.0.0.1:8080"
        )),
        BuildError::InsecureHttp { host } => usage(format!(
            "refusing to send credentials over plain http to {host}, which is not this machine: use https://, or pass --allow-insecure-http if the network is trusted"
        )),
        BuildError::UnknownRegion(unknown) => usage(format!(
            "{unknown}; for another region pass --endpoint URL with it, or set {} or a regions file",
            workspace_app_client::region_endpoint_env(&unknown.0)
        )),
        // IAM could not be asked, or refused: not a usage error.
        BuildError::ProjectLookup(lookup @ ProjectLookupError::Request { .. }) => {
            Failure::new(Exit::Api, DisplayErrorChain(&lookup).to_string())
                .detail("hint: pass --project-id ID to skip the lookup")
        }
        // IAM or STS answered the ID token's exchange with an error: the service's answer.
        BuildError::Credentials(refused @ CredentialsError::Refused(_)) => {
            Failure::new(Exit::Api, DisplayErrorChain(&refused).to_string())
        }
        other => usage(DisplayErrorChain(&other).to_string()),
    })
}

/// The network flags: proxy, extra CA, timeouts, attempts, user agent.
fn network(mut builder: ClientBuilder, global: &GlobalArgs) -> ClientBuilder {
    if let Some(proxy) = &global.proxy {
        builder = builder.proxy(proxy);
    }
    if let Some(path) = &global.ca_file {
        builder = builder.ca_file(path);
    }
    if let Some(timeout) = global.connect_timeout {
        builder = builder.connect_timeout(timeout);
    }
    if let Some(timeout) = global.request_timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(attempts) = global.max_attempts {
        builder = builder.retry(RetryPolicy::default().max_attempts(attempts));
    }
    if let Some(name) = &global.app_name {
        builder = builder.app_name(name);
    }
    builder
}

/// A builder aimed where `--region` and `--endpoint` (each given, in order) say; `None`
/// without either.
pub fn target(global: &GlobalArgs) -> Option<ClientBuilder> {
    if global.region.is_none() && global.endpoint.is_empty() {
        return None;
    }
    let mut builder = ClientBuilder::new();
    // The region first: an endpoint given too overrides where requests go, and the region
    // still names the project to look up.
    if let Some(region) = &global.region {
        builder = builder.region(region);
    }
    if !global.endpoint.is_empty() {
        builder = builder.endpoints(&global.endpoint);
    }
    Some(builder)
}

/// The IAM token from `--token`, `WORKSPACE_APP_TOKEN` or `--token-file`, if any.
pub fn token(global: &GlobalArgs) -> Result<Option<String>, Failure> {
    if let Some(token) = &global.token {
        return Ok(Some(token.clone()));
    }
    let Some(path) = &global.token_file else {
        return Ok(None);
    };
    let (read, from) = if path.as_os_str() == "-" {
        (
            std::io::read_to_string(std::io::stdin().lock()).map_err(|e| e.to_string()),
            "standard input".to_string(),
        )
    } else {
        (
            std::fs::read_to_string(path).map_err(|e| e.to_string()),
            format!("{}", path.display()),
        )
    };
    // The error names the file, never its content.
    let token = read
        .map_err(|e| Failure::new(Exit::Usage, format!("cannot read --token-file {from}: {e}")))?;
    let token = token.trim_end();
    if token.is_empty() {
        return Err(Failure::new(
            Exit::Usage,
            format!("--token-file {from} is empty"),
        ));
    }
    Ok(Some(token.to_string()))
}
