//! Building the application: state, routes, the bound listener, shutdown.

use crate::clock::{Clock, SystemClock};
use crate::db::Db;
use crate::payment::PaymentGateway;
use crate::payment::sandbox::Sandbox;
use crate::{ApiError, Settings, api, delivery, payment, seed};
use axum::Router;
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use domain::{Catalog, DomainError};
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, broadcast};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The catalog on sale, loaded once at start-up.
    pub catalog: Arc<Catalog>,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    /// The payment provider (the bundled sandbox unless configured otherwise).
    pub gateway: Arc<dyn PaymentGateway>,
    /// Order ids whose status changed in this process, for the event streams.
    pub events: broadcast::Sender<i64>,
    /// Wakes the delivery worker when this process marks an order paid.
    pub wake_delivery: Arc<Notify>,
    /// The SMS provider for verification codes (the bundled outbox unless configured otherwise).
    pub sms: Arc<dyn crate::verification::SmsGateway>,
}

impl AppState {
    /// Tells followers of `order_id` (and the delivery worker) that it changed.
    pub fn order_changed(&self, order_id: i64) {
        // Nobody listening is fine: followers also poll.
        let _ = self.events.send(order_id);
        self.wake_delivery.notify_one();
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{name} cannot be {value:?}")]
    Setting { name: &'static str, value: String },
    #[error("the default catalog is invalid: {0}")]
    Catalog(#[from] DomainError),
    #[error("cannot open the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot listen on {address}: {source}")]
    Bind { address: String, source: io::Error },
    #[error("the payment sandbox's key cannot be read: {0}")]
    PaymentKey(#[from] payment::wechat::KeyError),
}

/// The largest request body the server reads (every API body is small JSON).
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The header carrying each request's id, taken from the client or made here.
pub const REQUEST_ID: &str = "x-request-id";

/// What a body over [`BODY_LIMIT_BYTES`] is told.
pub(crate) fn too_large_message() -> String {
    format!("请求内容过大：上限 {} KiB", BODY_LIMIT_BYTES / 1024)
}

/// All routes: the API under `/api`, everything else from the built app.
/// Unknown non-API paths get `index.html`, so the app's own routes load.
///
/// Every request gets an id (the client's `x-request-id`, or a new UUID),
/// echoed in the answer and carried by the request's tracing span; bodies
/// over 64 KiB are refused with 413; an answer not begun within
/// `request_timeout_ms` becomes 503. The timeout ends when the response
/// starts, so a stream that has begun (order events) is never cut.
pub fn router(state: AppState, dist: &Path) -> Router {
    let app = ServeDir::new(dist).precompressed_gzip().fallback(ServeFile::new(dist.join("index.html")));
    let mut routes = Router::new().nest("/api", api::router());
    if state.settings.development {
        // The sandbox's payer pages: development only.
        routes = routes.nest("/sandbox", payment::sandbox::pages());
    }
    let request_id = HeaderName::from_static(REQUEST_ID);
    let timeout = Duration::from_millis(state.settings.request_timeout_ms);
    // Each layer wraps the ones before it: the request id is set first, the
    // timeout is the innermost.
    routes
        .fallback_service(app)
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(middleware::from_fn(api_error_shape))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// One span per request: its id, method and path (never the query or the
/// body, which may hold secrets).
fn request_span(request: &Request) -> Span {
    let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
    tracing::info_span!("request", request.id = id, method = %request.method(), path = request.uri().path())
}

/// Gives the errors that axum and the tower layers answer by themselves (a
/// path parameter that does not parse, a method the path does not take, a
/// body over the limit, a timeout) the API's `{code, message}` shape. Only
/// under `/api`: the app and the sandbox's payer pages are HTML.
async fn api_error_shape(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let is_api = path == "/api" || path.starts_with("/api/");
    if !is_api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => too_large_message(),
        StatusCode::METHOD_NOT_ALLOWED => format!("{path} does not take {method}"),
        StatusCode::SERVICE_UNAVAILABLE => "处理超时，请稍后重试。".to_owned(),
        _ => match axum::body::to_bytes(body, 4096).await {
            Ok(text) if !text.is_empty() => String::from_utf8_lossy(&text).into_owned(),
            _ => status.canonical_reason().unwrap_or("refused").to_owned(),
        },
    };
    let mut shaped = ApiError::Http { status, message }.into_response();
    // Keep what the refusal said in headers (`Allow` on a 405, the request id).
    for (name, value) in &parts.headers {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH {
            shaped.headers_mut().insert(name.clone(), value.clone());
        }
    }
    shaped
}

/// The server, bound and ready to serve.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    port: u16,
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
        let sandbox = Arc::new(Sandbox::new(db.clone(), clock.clone(), &settings, &base_url)?);
        let state = AppState {
            catalog: Arc::new(Catalog::load_default()?),
            gateway: sandbox.clone(),
            sms: Arc::new(crate::verification::OutboxSms::new(db.clone(), clock.clone())),
            db,
            clock,
            settings: Arc::new(settings.clone()),
            events: broadcast::channel(1024).0,
            wake_delivery: Arc::new(Notify::new()),
        };
        tokio::spawn(delivery::run(state.clone()));
        tokio::spawn(crate::billing::sweeper::run(state.clone()));
        payment::spawn_background(&state, Some(sandbox));
        Ok(Self { listener, port, router: router(state.clone(), &settings.dist), state })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The state its handlers share (tests drive background jobs with it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> io::Result<()> {
        // Without TCP_NODELAY a small answer written in two pieces (an event
        // stream's chunks, a body after its head) waits for the peer's
        // delayed acknowledgement: 40 ms on every one.
        let listener = self.listener.tap_io(|stream| {
            if let Err(e) = stream.set_nodelay(true) {
                tracing::warn!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        axum::serve(listener, self.router).with_graceful_shutdown(shutdown_signal()).await
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
