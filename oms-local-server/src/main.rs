//! `oms-local-server`: runs the local OMS-compatible server for demos, scripts and the
//! Python SDK interoperability test. Arguments are parsed by hand to keep the dependency
//! set small.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use oms_local_server::{
    generated_tasks, sample_tasks, LocalOmsServer, ServerConfig, DEMO_ACCESS_KEY, DEMO_PROJECT_ID, DEMO_SECRET_KEY,
};

const HELP: &str = "\
oms-local-server: a local Huawei Cloud OMS API (ShowSyncTask, ListSyncTasks,
ListSyncTaskStatistic) for tests and demos

USAGE:
    oms-local-server [OPTIONS]

OPTIONS:
    --listen ADDR          address to bind (default 127.0.0.1:0, i.e. a free port)
    --project-id ID        project id accepted in the path  [env OMS_LOCAL_PROJECT_ID]
    --access-key AK        access key accepted for signing  [env OMS_LOCAL_ACCESS_KEY]
    --secret-key SK        secret key used to verify        [env OMS_LOCAL_SECRET_KEY]
    --auth-token TOKEN     accepted X-Auth-Token             [env OMS_LOCAL_AUTH_TOKEN]
    --security-token TOK   required X-Security-Token         [env OMS_LOCAL_SECURITY_TOKEN]
    --tasks-file PATH      JSON array of task bodies (default: built-in sample tasks)
    --generated-tasks N    also serve N generated tasks (after the others), so the
                           list API has several pages; the same N gives the same tasks
    --overstate-count N    the list API's count claims N more tasks than match
    --url-file PATH        write the base URL to PATH once listening
    --no-require-host      accept signatures that do not sign the Host header
    --tls                  serve HTTPS with a certificate from a CA minted at start
    --ca-file PATH         with --tls: write that CA certificate (PEM) to PATH, for
                           clients to trust (e.g. the provider's cacert_file)
    -h, --help             show this help

Without options the demo credentials are used (DEMO_PROJECT_ID, DEMO_ACCESS_KEY and
DEMO_SECRET_KEY in the oms_local_server crate). Prints one line
`listening on http://HOST:PORT` (https with --tls) to stdout, logs method, path and status of each request
to stderr, and exits cleanly on SIGINT or SIGTERM.
";

struct Options {
    listen: SocketAddr,
    config: ServerConfig,
    tasks_file: Option<PathBuf>,
    generated: usize,
    url_file: Option<PathBuf>,
    require_host: bool,
    ca_file: Option<PathBuf>,
}

fn env_non_empty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

enum ParseOutcome {
    Run(Box<Options>),
    Help,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<ParseOutcome, String> {
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut project_id = env_non_empty("OMS_LOCAL_PROJECT_ID").unwrap_or_else(|| DEMO_PROJECT_ID.to_string());
    let mut access_key = env_non_empty("OMS_LOCAL_ACCESS_KEY").unwrap_or_else(|| DEMO_ACCESS_KEY.to_string());
    let mut secret_key = env_non_empty("OMS_LOCAL_SECRET_KEY").unwrap_or_else(|| DEMO_SECRET_KEY.to_string());
    let mut auth_token = env_non_empty("OMS_LOCAL_AUTH_TOKEN");
    let mut security_token = env_non_empty("OMS_LOCAL_SECURITY_TOKEN");
    let mut tasks_file = None;
    let mut url_file = None;
    let mut require_host = true;
    let mut tls = false;
    let mut ca_file = None;
    let mut generated = 0;
    let mut overstated_count = 0;

    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => args.next().ok_or_else(|| format!("{name} needs a value")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(ParseOutcome::Help),
            "--listen" => {
                let v = value("--listen")?;
                listen = v.parse().map_err(|_| format!("--listen: not an address: {v:?}"))?;
            }
            "--project-id" => project_id = value("--project-id")?,
            "--access-key" => access_key = value("--access-key")?,
            "--secret-key" => secret_key = value("--secret-key")?,
            "--auth-token" => auth_token = Some(value("--auth-token")?),
            "--security-token" => security_token = Some(value("--security-token")?),
            "--tasks-file" => tasks_file = Some(PathBuf::from(value("--tasks-file")?)),
            "--url-file" => url_file = Some(PathBuf::from(value("--url-file")?)),
            "--no-require-host" => require_host = false,
            "--tls" => tls = true,
            "--ca-file" => ca_file = Some(PathBuf::from(value("--ca-file")?)),
            "--generated-tasks" => generated = count_value("--generated-tasks", &value("--generated-tasks")?)?,
            "--overstate-count" => overstated_count = count_value("--overstate-count", &value("--overstate-count")?)?,
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    // Without --tls there is no CA, and silently skipping the file would leave a client
    // trusting whatever stale CA sits at that path.
    if ca_file.is_some() && !tls {
        return Err("--ca-file needs --tls".to_string());
    }
    let mut config = ServerConfig::with_sample_tasks(project_id, access_key, secret_key);
    config.auth_token = auth_token;
    config.security_token = security_token;
    config.tls = tls;
    config.overstated_count = overstated_count;
    Ok(ParseOutcome::Run(Box::new(Options { listen, config, tasks_file, generated, url_file, require_host, ca_file })))
}

/// A count given on the command line: plain decimal digits.
fn count_value<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    match v.parse() {
        Ok(n) if v.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!("{flag}: not a count: {v:?}")),
    }
}

fn load_tasks(path: &PathBuf) -> Result<Vec<serde_json::Value>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read tasks file {}: {e}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("tasks file {} is not JSON: {e}", path.display()))?;
    let serde_json::Value::Array(tasks) = value else {
        return Err(format!("tasks file {} must hold a JSON array", path.display()));
    };
    for (i, task) in tasks.iter().enumerate() {
        if task.get("sync_task_id").and_then(|v| v.as_str()).is_none() {
            return Err(format!("tasks file {}: element {i} has no string \"sync_task_id\"", path.display()));
        }
    }
    Ok(tasks)
}

/// Written via a temporary file and rename so a polling script never reads half a file.
fn write_atomically(path: &PathBuf, contents: &str) -> std::io::Result<()> {
    let mut tmp = path.clone().into_os_string();
    tmp.push(".tmp");
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(ParseOutcome::Run(options)) => options,
        Ok(ParseOutcome::Help) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("oms-local-server: {message}");
            return ExitCode::from(2);
        }
    };
    let Options { listen, mut config, tasks_file, generated, url_file, require_host, ca_file } = *options;
    config.tasks = match &tasks_file {
        Some(path) => match load_tasks(path) {
            Ok(tasks) => tasks,
            Err(message) => {
                eprintln!("oms-local-server: {message}");
                return ExitCode::from(2);
            }
        },
        None => sample_tasks(),
    };
    config.tasks.extend(generated_tasks(generated));

    let server = match LocalOmsServer::start_on(config, listen).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("oms-local-server: cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    server.set_require_signed_host(require_host);
    server.set_request_logging(true);
    let url = server.url();
    // Before the URL file: a script that waits for the URL may use the CA right away.
    if let (Some(path), Some(pem)) = (&ca_file, server.ca_pem()) {
        if let Err(e) = write_atomically(path, &pem) {
            eprintln!("oms-local-server: cannot write {}: {e}", path.display());
            server.shutdown().await;
            return ExitCode::FAILURE;
        }
    }
    if let Some(path) = &url_file {
        if let Err(e) = write_atomically(path, &format!("{url}\n")) {
            eprintln!("oms-local-server: cannot write {}: {e}", path.display());
            server.shutdown().await;
            return ExitCode::FAILURE;
        }
    }
    println!("listening on {url}");

    wait_for_signal().await;
    eprintln!("oms-local-server: shutting down");
    server.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<ParseOutcome, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags_and_errors() {
        let Ok(ParseOutcome::Run(o)) =
            parse(&["--listen", "127.0.0.1:8080", "--project-id=p", "--access-key", "ak", "--no-require-host"])
        else {
            panic!("expected options");
        };
        assert_eq!(o.listen.port(), 8080);
        assert_eq!(o.config.project_id, "p");
        assert_eq!(o.config.access_key, "ak");
        assert!(!o.require_host);
        assert!(!o.config.tls && o.ca_file.is_none());
        let Ok(ParseOutcome::Run(o)) = parse(&["--tls", "--ca-file=/tmp/ca.pem"]) else {
            panic!("expected options");
        };
        assert!(o.config.tls);
        assert_eq!(o.ca_file, Some(PathBuf::from("/tmp/ca.pem")));
        assert!(parse(&["--ca-file", "/tmp/ca.pem"]).is_err(), "--ca-file without --tls");
        assert!(parse(&["--tls", "--ca-file"]).is_err());
        assert!(matches!(parse(&["--help"]), Ok(ParseOutcome::Help)));
        assert!(parse(&["--listen"]).is_err());
        assert!(parse(&["--listen", "nope"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        let Ok(ParseOutcome::Run(o)) = parse(&["--generated-tasks", "250", "--overstate-count=7"]) else {
            panic!("expected options");
        };
        assert_eq!((o.generated, o.config.overstated_count), (250, 7));
        let Ok(ParseOutcome::Run(o)) = parse(&[]) else {
            panic!("expected options");
        };
        assert_eq!((o.generated, o.config.overstated_count), (0, 0));
        for bad in ["-1", "", "x", "+3", "1e3", "99999999999999999999999"] {
            assert!(parse(&["--generated-tasks", bad]).is_err(), "{bad:?}");
            assert!(parse(&["--overstate-count", bad]).is_err(), "{bad:?}");
        }
    }
}
