//! What every OMS data source shares, so that a data source is one file that
//! says only what is its own: [`OmsDataSource`] (decode the configuration
//! once, validate it, find the configured client or explain why there is
//! none, then read), the `timeouts` block, argument checks, and the mapping
//! from OMS failures to diagnostics a user can act on.

use std::marker::PhantomData;
use std::time::Duration;

use async_trait::async_trait;

use super::configure::{Configured, ReadyClient};
use crate::framework::data_source::{DataSource, DeferredReason, ReadRequest, ReadResponse};
use crate::framework::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use crate::framework::duration::parse_go_duration;
use crate::framework::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use crate::framework::typed::{decode, tf_object, Attr, FromValue};
use crate::framework::types::Type;
use crate::framework::value::{Number, Value};
use crate::oms::WireEnum;

/// A data source backed by the OMS client. Implement this, and register it
/// with [`data_source`] in the provider's list.
#[async_trait]
pub(crate) trait OmsDataSource: Send + Sync + 'static {
    /// Its arguments, declared with `tf_object!`.
    type Config: FromValue + Send + Sync;

    /// `oms_…`, what users write in `data "…" "label"`.
    const TYPE_NAME: &'static str;

    /// What it reads, for "… cannot be read during plan": "the sync task".
    const WHAT: &'static str;

    /// Arguments, read-only attributes and blocks; see `model::computed_attributes`.
    fn schema() -> Schema;

    /// Static checks of the arguments (no network). Unknown values pass.
    fn validate(config: &Self::Config, diagnostics: &mut Diagnostics);

    /// Calls OMS and returns the full state object, or the diagnostic that
    /// explains the failure (usually [`service_diagnostic`]).
    async fn read(client: &ReadyClient, config: Self::Config, request: &ReadRequest) -> Result<Value, Diagnostic>;
}

/// The framework's view of an [`OmsDataSource`].
pub(crate) fn data_source<D: OmsDataSource>() -> std::sync::Arc<dyn DataSource> {
    std::sync::Arc::new(Registered::<D>(PhantomData))
}

struct Registered<D>(PhantomData<fn() -> D>);

#[async_trait]
impl<D: OmsDataSource> DataSource for Registered<D> {
    fn type_name(&self) -> &'static str {
        D::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        D::schema()
    }

    fn validate_config(&self, config: &Value, d: &mut Diagnostics) {
        if let Some(config) = decode::<D::Config>(config, d) {
            D::validate(&config, d);
        }
    }

    async fn read(&self, request: ReadRequest) -> ReadResponse {
        let mut response = ReadResponse::default();
        let Some(config) = decode::<D::Config>(&request.config, &mut response.diagnostics) else {
            return response;
        };
        D::validate(&config, &mut response.diagnostics);
        if response.diagnostics.has_errors() {
            return response;
        }
        let client = match configured_client(&request, D::WHAT) {
            Ok(client) => client,
            Err(unready) => {
                response.deferred = unready.deferred;
                response.diagnostics.extend(unready.diagnostics);
                return response;
            }
        };
        match D::read(client, config, &request).await {
            Ok(state) => response.state = Some(state),
            Err(d) => response.diagnostics.push(d),
        }
        response
    }
}

/// The client `configure` built, or the response that explains (or defers)
/// its absence.
fn configured_client<'a>(request: &'a ReadRequest, what: &str) -> Result<&'a ReadyClient, ReadResponse> {
    let mut response = ReadResponse::default();
    match request.provider_data.as_ref().and_then(|d| d.downcast_ref::<Configured>()) {
        Some(Configured::Ready(r)) => return Ok(r),
        Some(Configured::Incomplete(why)) => {
            response.diagnostics.error("OMS provider is not fully configured", why.detail());
        }
        Some(Configured::Unknown) if request.deferral_allowed => {
            response.deferred = Some(DeferredReason::ProviderConfigUnknown);
        }
        Some(Configured::Unknown) => response.diagnostics.error(
            "OMS provider configuration is not known yet",
            format!(
                "The provider block uses values that are only known after apply, so {what} cannot be read during plan. Use values known at plan time in the provider block (for example variables or environment variables)."
            ),
        ),
        None => response.diagnostics.error(
            "OMS provider was not configured",
            "Terraform did not configure the provider before reading. This is unexpected; re-run the command, and report it if it persists.",
        ),
    }
    Err(response)
}

tf_object! {
    /// The `timeouts` block every data source offers.
    pub struct Timeouts {
        pub read: Attr<String>,
    }
}

/// The default bound on a whole read, retries included.
pub(crate) const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(300);
const DEFAULT_READ_TIMEOUT_TEXT: &str = "5m";

/// The `timeouts` block's schema.
pub(crate) fn timeouts_block() -> NestedBlock {
    NestedBlock {
        type_name: "timeouts".into(),
        block: Block {
            attributes: vec![Attribute::optional(
                "read",
                Type::String,
                "How long the whole read may take, including retries, as a Go duration such as `\"30s\"` or `\"2m\"`. Defaults to `\"5m\"`.",
            )],
            ..Default::default()
        },
        nesting: Nesting::Single,
        min_items: 0,
        max_items: 0,
    }
}

/// The read timeout as configured (or the default), with the text the user
/// wrote, which diagnostics quote.
pub(crate) struct ReadTimeout {
    /// The bound on the whole read, retries included.
    pub duration: Duration,
    /// As written (or the default's text), for "timeouts.read = 30s".
    pub text: String,
}

impl ReadTimeout {
    /// From the `timeouts` argument; already validated, so unparsable text
    /// cannot occur, and would mean the default.
    pub(crate) fn of(timeouts: &Attr<Timeouts>) -> ReadTimeout {
        match timeouts.known().and_then(|t| t.read.as_str()) {
            Some(text) => ReadTimeout {
                duration: parse_go_duration(text).unwrap_or(DEFAULT_READ_TIMEOUT),
                text: text.to_string(),
            },
            None => ReadTimeout { duration: DEFAULT_READ_TIMEOUT, text: DEFAULT_READ_TIMEOUT_TEXT.to_string() },
        }
    }
}

/// `timeouts.read`: a Go duration longer than zero.
pub(crate) fn validate_timeouts(timeouts: &Attr<Timeouts>, d: &mut Diagnostics) {
    let Some(raw) = timeouts.known().and_then(|t| t.read.as_str()) else {
        return;
    };
    let path = AttributePath::root("timeouts").attribute("read");
    match parse_go_duration(raw) {
        Ok(t) if !t.is_zero() => {}
        Ok(_) => {
            d.error_at(path, "Invalid read timeout", "timeouts.read must be longer than zero, e.g. \"30s\" or \"5m\".")
        }
        Err(e) => d.error_at(
            path,
            "Invalid read timeout",
            format!("{e}. Use a Go duration such as \"30s\", \"2m\" or \"1h30m\"."),
        ),
    }
}

/// The longest id OMS accepts, in characters.
pub(crate) const MAX_ID_CHARS: usize = 255;

/// An id argument (`sync_task_id`): 1 to [`MAX_ID_CHARS`] characters.
pub(crate) fn validate_id(attribute: &str, id: &Attr<String>, d: &mut Diagnostics) {
    if let Some(id) = id.as_str() {
        let n = id.chars().count();
        if n == 0 || n > MAX_ID_CHARS {
            d.error_at(
                AttributePath::root(attribute),
                format!("Invalid {attribute}"),
                format!("{attribute} must be 1 to {MAX_ID_CHARS} characters long; it has {n}."),
            );
        }
    }
}

/// A time argument in milliseconds since the Unix epoch (`query_time`).
pub(crate) fn validate_epoch_ms(attribute: &str, time: &Attr<Number>, d: &mut Diagnostics) {
    if let Some(n) = time.known() {
        match n.as_i64() {
            Some(i) if i >= 0 => {}
            _ => d.error_at(
                AttributePath::root(attribute),
                format!("Invalid {attribute}"),
                format!(
                    "{attribute} is a time in milliseconds since the Unix epoch: a whole number, 0 or greater. Got {n}."
                ),
            ),
        }
    }
}

/// A closed-set argument such as `status`: `None` when unset or not known
/// yet, else the value, or a diagnostic naming the argument and every allowed
/// value. Validation and read both call it, so a read sends only what
/// validation accepted.
pub(crate) fn parse_choice<E: WireEnum>(attribute: &str, value: &Attr<String>) -> Result<Option<E>, Diagnostic> {
    let Some(text) = value.as_str() else {
        return Ok(None);
    };
    E::parse(text).map(Some).ok_or_else(|| {
        Diagnostic::error(
            format!("Invalid {attribute}"),
            format!("{attribute} must be one of {} (exactly as written); got {text:?}.", E::spelled(", ")),
        )
        .at(AttributePath::root(attribute))
    })
}

/// Now, in milliseconds since the Unix epoch: the default for time arguments.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis().min(i64::MAX as u128) as i64)
        .unwrap_or(0)
}
