//! Building the application: state, routes, the bound listener, shutdown.

use crate::clock::{Clock, SystemClock};
use crate::db::Db;
use crate::gateways::invoicing::document::FontFile;
use crate::gateways::invoicing::sandbox::InvoiceSandbox;
use crate::gateways::payment::PaymentGateway;
use crate::gateways::payment::sandbox::Sandbox;
use crate::gateways::payment::wechat::client::{Merchant, WechatPay};
use crate::gateways::payment::wechat::notice::NoticeReader;
use crate::gateways::payment::wechat::{PlatformKeys, Signer, Verifier};
use crate::gateways::review::QueueReviewer;
use crate::gateways::sms::tencent::TencentSms;
use crate::gateways::sms::{OutboxSms, SmsGateway};
use crate::http::router::app;
use crate::http::state::Shared;
use crate::repo::seed;
use crate::settings::{PaymentProvider, SmsProvider, WechatPaySettings};
use crate::throttle::Throttle;
use crate::{AppState, Settings, gateways, workers};
use axum::Router;
use axum::serve::ListenerExt;
use domain::{Catalog, DomainError};
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use tokio::net::TcpListener;
use tokio::sync::{Notify, broadcast};

/// All routes: the API under `/api`, the sandbox's pages in development,
/// everything else from the built app (see [`crate::http::router::app`]).
pub fn router(state: AppState, dist: &Path) -> Router {
    app(state, dist)
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Setting(#[from] crate::settings::SettingError),
    #[error("the default catalog is invalid: {0}")]
    Catalog(#[from] DomainError),
    #[error("cannot open the database: {0}")]
    Database(#[from] crate::db::Error),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot listen on {address}: {source}")]
    Bind { address: String, source: io::Error },
    #[error("a payment key cannot be read: {0}")]
    PaymentKey(#[from] gateways::payment::wechat::KeyError),
    #[error("{name} names {path}, which cannot be read: {source}")]
    KeyFile { name: &'static str, path: String, source: io::Error },
    #[error("ESIGN_SMS_BASE_URL is not a URL")]
    SmsUrl,
    #[error("the OpenAPI document does not serialise: {0}")]
    OpenApi(String),
}

/// The server, bound and ready to serve.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    port: u16,
    /// The metrics listener and its port, when `ESIGN_METRICS_ADDR` is set.
    metrics: Option<(TcpListener, u16)>,
    router: Router,
    state: AppState,
}

impl Application {
    /// Loads the catalog, opens and migrates the database, binds the
    /// address (port 0 picks a free port).
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// [`Application::build`] with a clock of the caller's (tests move time).
    pub async fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        let db = Db::connect(&settings.database_url, settings.database_max_connections).await?;
        db.migrate().await?;
        if settings.development && seed::seed_if_empty(&db, clock.now()).await? {
            tracing::info!("seeded the demo enterprises, people and vouchers");
        }
        if !settings.dist.join("index.html").is_file() {
            tracing::warn!(dist = %settings.dist.display(), "no built app here: run `cargo xtask dist`");
        }
        let address = format!("{}:{}", settings.host, settings.port);
        let bind_error = |source| StartupError::Bind { address: address.clone(), source };
        let listener = TcpListener::bind(&address).await.map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();
        // The sandbox notifies this very server, whose port is known only now.
        let host = match settings.host.as_str() {
            "0.0.0.0" | "::" | "[::]" => "127.0.0.1",
            listening => listening,
        };
        let base_url = format!("http://{host}:{port}");
        // Development always has the sandbox, whichever provider is used:
        // its pages and its APIs stand in for the providers'.
        let sandbox = match settings.development {
            true => Some(Arc::new(Sandbox::new(db.clone(), clock.clone(), &settings, &base_url)?)),
            false => None,
        };
        let public_url = settings.public_url.clone().unwrap_or(base_url);
        let gateway: Arc<dyn PaymentGateway> = match (&settings.payment_provider, &sandbox) {
            (PaymentProvider::WechatPay(merchant), _) => {
                Arc::new(wechat_pay(merchant, &settings, &public_url, clock.clone())?)
            }
            (PaymentProvider::Sandbox, Some(sandbox)) => sandbox.clone(),
            (PaymentProvider::Sandbox, None) => {
                return Err(crate::settings::SettingError::SandboxInProduction {
                    name: "ESIGN_PAYMENT_PROVIDER",
                    value: "sandbox",
                }
                .into());
            }
        };
        let sms: Arc<dyn SmsGateway> = match &settings.sms_provider {
            SmsProvider::Outbox => Arc::new(OutboxSms::new(db.clone(), clock.clone())),
            SmsProvider::Tencent(account) => {
                Arc::new(TencentSms::new(account.clone(), clock.clone()).ok_or(StartupError::SmsUrl)?)
            }
        };
        // The font is checked here; each document subsets it. Without it the
        // server still serves, and the platform refuses to issue, saying why.
        let font = FontFile::open(&settings.invoice_font, settings.invoice_font_index).map_err(|e| {
            tracing::warn!(error = %e, "invoice documents cannot be made: install fonts-noto-cjk or set ESIGN_INVOICE_FONT");
            e.to_string()
        });
        let invoice_sandbox = Arc::new(InvoiceSandbox::new(
            font,
            settings.invoice_seller.clone(),
            clock.clone(),
            std::time::Duration::from_millis(settings.invoice_sandbox_delay_ms),
            settings.invoice_sandbox_failure_rate,
        ));
        let state = AppState::new(Shared {
            catalog: Arc::new(Catalog::load_default()?),
            gateway,
            sandbox: sandbox.clone(),
            invoicing: invoice_sandbox.clone(),
            invoice_sandbox: Some(invoice_sandbox),
            wake_invoicing: Arc::new(Notify::new()),
            sms,
            reviewer: Arc::new(QueueReviewer::new(db.clone(), clock.clone())),
            db,
            clock,
            settings: Arc::new(settings.clone()),
            events: broadcast::channel(1024).0,
            wake_delivery: Arc::new(Notify::new()),
            newest_job: AtomicI64::new(0),
            openapi: Arc::from(
                crate::http::openapi::document().to_json().map_err(|e| StartupError::OpenApi(e.to_string()))?,
            ),
            csp_reports: Arc::default(),
            sign_in: Arc::new(Throttle::per_minute(settings.sign_in_per_login, settings.sign_in_per_address)),
            code_sends: Arc::new(Throttle::per_hour(
                settings.verification_sends_per_person,
                settings.verification_sends_per_address,
            )),
            workers: Arc::default(),
        });
        let metrics = match &settings.metrics_addr {
            Some(address) => {
                // Installed before anything happens that it should count.
                crate::telemetry::metrics::recorder();
                let bind_error = |source| StartupError::Bind { address: address.clone(), source };
                let listener = TcpListener::bind(address).await.map_err(bind_error)?;
                let port = listener.local_addr().map_err(bind_error)?.port();
                Some((listener, port))
            }
            None => None,
        };
        let mut tasks = vec![
            ("delivery", tokio::spawn(workers::delivery::run(state.clone())).abort_handle()),
            ("sign_in_throttle", tokio::spawn(forget_idle(state.sign_in.clone())).abort_handle()),
            ("code_send_throttle", tokio::spawn(forget_idle(state.code_sends.clone())).abort_handle()),
            ("sweeper", tokio::spawn(workers::sweeper::run(state.clone())).abort_handle()),
            ("reconciliation", tokio::spawn(workers::reconcile::run(state.clone())).abort_handle()),
            ("invoicing", tokio::spawn(workers::invoicing::run(state.clone())).abort_handle()),
        ];
        if state.db.changes.are_shared() {
            let listening = state.clone();
            let follow = async move {
                let db = listening.db.clone();
                db.follow_other_processes(|order_id| listening.changed_elsewhere(order_id)).await;
            };
            tasks.push(("other_processes", tokio::spawn(follow).abort_handle()));
        }
        if let Some(sandbox) = sandbox.filter(|_| state.settings.sandbox_notify) {
            tasks.push(("sandbox_notifier", tokio::spawn(sandbox.run_notifier()).abort_handle()));
        }
        state.workers.started(tasks);
        Ok(Self { listener, port, metrics, router: router(state.clone(), &settings.dist), state })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port `GET /metrics` is served on, when it is.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(_, port)| *port)
    }

    /// The state its handlers share (tests drive background jobs with it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight
    /// (a scrape of the metrics listener is simply cut).
    pub async fn run_until_stopped(self) -> io::Result<()> {
        let metrics = self.metrics.map(|(listener, _)| tokio::spawn(serve_metrics(listener, self.state.clone())));
        // Without TCP_NODELAY a small answer written in two pieces (an event
        // stream's chunks, a body after its head) waits for the peer's
        // delayed acknowledgement: 40 ms on every one.
        let listener = self.listener.tap_io(|stream| {
            if let Err(e) = stream.set_nodelay(true) {
                tracing::warn!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        // The peer's address, for the sign-in throttle.
        let service = self.router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let served = axum::serve(listener, service).with_graceful_shutdown(shutdown_signal()).await;
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        served
    }
}

/// The WeChat Pay client of `merchant`, its keys read from their files,
/// notified at `public_url`.
fn wechat_pay(
    merchant: &WechatPaySettings,
    settings: &Settings,
    public_url: &str,
    clock: Arc<dyn Clock>,
) -> Result<WechatPay, StartupError> {
    let read = |name: &'static str, path: &Path| {
        std::fs::read_to_string(path).map_err(|source| StartupError::KeyFile {
            name,
            path: path.display().to_string(),
            source,
        })
    };
    let signer = Signer::with_serial(
        &read("ESIGN_WECHATPAY_MERCHANT_KEY_FILE", &merchant.merchant_key_file)?,
        &merchant.merchant_serial,
    )?;
    let mut keys = Vec::new();
    for (serial, path) in &merchant.platform_keys {
        keys.push(Verifier::with_serial(&read("ESIGN_WECHATPAY_PLATFORM_KEYS", path)?, serial)?);
    }
    let reader = NoticeReader::new(PlatformKeys::new(keys)?, settings.payment_apiv3_key.clone());
    let public_url = public_url.trim_end_matches('/');
    let merchant = Merchant {
        base_url: merchant.base_url.clone(),
        mchid: merchant.mchid.clone(),
        appid: merchant.appid.clone(),
        signer,
        notify_url: format!("{public_url}/api/payments/notify"),
        refund_notify_url: format!("{public_url}/api/refunds/notify"),
    };
    Ok(WechatPay::new(merchant, reader, clock)?)
}

/// Serves `GET /metrics` on its own listener.
async fn serve_metrics(listener: TcpListener, state: AppState) {
    let recorder = crate::telemetry::metrics::recorder();
    tokio::select! {
        served = axum::serve(listener, crate::http::metrics::router(state, recorder)) => {
            if let Err(e) = served {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        }
        () = upkeep(recorder) => {}
    }
}

/// Drains the recorder's histogram samples every few seconds, so that they
/// do not pile up when nobody scrapes.
async fn upkeep(recorder: &'static metrics_exporter_prometheus::PrometheusHandle) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        every.tick().await;
        recorder.run_upkeep();
    }
}

/// Once a minute, a throttle forgets the keys and addresses allowed again.
async fn forget_idle(throttle: Arc<Throttle>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        every.tick().await;
        throttle.forget_idle();
    }
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let terminate = async {
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM, only Ctrl-C stops the server: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
