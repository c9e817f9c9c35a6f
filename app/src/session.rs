//! What every page shares: the catalog, the signed-in person (`/api/me`),
//! whether the server runs in development (`/api/environment`), the shell a
//! page sits in (web console, mini-program or cloud console) and the buyer's cart.

use crate::api::{self, ApiClientError, Environment, Me};
use crate::components::{ErrorView, Loading};
use crate::i18n::{self, use_lang};
use crate::storage::{self, Area};
use domain::{Catalog, Channel, ErrorCode, Selection};
use leptos::either::EitherOf4;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The loads every page may read, started once when the app starts.
#[derive(Clone, Copy)]
pub struct Session {
    pub catalog: LocalResource<Result<Arc<Catalog>, ApiClientError>>,
    pub me: LocalResource<Result<Me, ApiClientError>>,
    /// The server's mode: development has the payment sandbox's payer pages.
    pub environment: LocalResource<Result<Environment, ApiClientError>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl Session {
    /// Whether the server says it runs in development.
    pub fn development(&self) -> bool {
        self.environment.with(|e| matches!(e, Some(Ok(Environment { development: true }))))
    }
}

/// Starts the loads and puts the session in context; the app calls this once.
pub fn provide_session() -> Session {
    let session = Session {
        catalog: LocalResource::new(|| async { api::catalog().await.map(Arc::new) }),
        me: LocalResource::new(api::me),
        environment: LocalResource::new(api::environment),
    };
    provide_context(session);
    session
}

/// The session, from context.
pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// The shell a page is shown in: the web console at `/`, the mini-program
/// under `/mp` or the cloud console under `/cloud`. It sets the channel
/// every rule is judged for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shell {
    pub channel: Channel,
}

impl Shell {
    /// The path prefix of the shell's routes.
    pub fn base(self) -> &'static str {
        match self.channel {
            Channel::MiniProgram => "/mp",
            Channel::CloudConsole => "/cloud",
            Channel::Web => "",
        }
    }

    /// Where this shell signs in: the cloud console through a cloud account.
    pub fn sign_in(self) -> String {
        match self.channel {
            Channel::CloudConsole => "/cloud/sign-in".to_owned(),
            Channel::Web | Channel::MiniProgram => self.href("/login"),
        }
    }

    /// A path inside this shell: `href("/billing")` is `/mp/billing` in the mini-program.
    pub fn href(self, path: &str) -> String {
        match (self.base(), path) {
            ("", "") => "/".to_owned(),
            (base, path) => format!("{base}{path}"),
        }
    }
}

/// The shell, from context (the web console when none was provided).
pub fn use_shell() -> Shell {
    use_context::<Shell>().unwrap_or(Shell { channel: Channel::Web })
}

/// What the buyer chose, kept while they move from choosing to review and
/// across a reload (in the tab's session storage): the selection, the
/// voucher chosen at review, and whose cart it is, so that another person
/// or identity signing in on this tab starts from their own opening choice.
#[derive(Debug, Clone, Copy)]
pub struct Cart {
    pub selection: RwSignal<Selection>,
    /// The voucher chosen at review (VOU-1); the chooser judges without one.
    pub voucher: RwSignal<Option<String>>,
    owner: RwSignal<Option<String>>,
}

/// The cart as kept in session storage.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    owner: Option<String>,
    selection: Selection,
    voucher: Option<String>,
}

impl Cart {
    /// The cart of `channel`'s shell as this tab kept it, or an empty one.
    pub fn new(channel: Channel) -> Cart {
        let key = match channel {
            Channel::MiniProgram => "esign.cart.mp",
            Channel::CloudConsole => "esign.cart.cloud",
            Channel::Web => "esign.cart.web",
        };
        let kept = storage::load::<Kept>(Area::Session, key);
        let (owner, selection, voucher) =
            kept.map_or((None, Selection::default(), None), |k| (k.owner, k.selection, k.voucher));
        let cart =
            Cart { selection: RwSignal::new(selection), voucher: RwSignal::new(voucher), owner: RwSignal::new(owner) };
        // Written in a task of its own, after the change is on screen: an
        // effect runs in the same microtask flush as the page's own updates,
        // and this one is woken first (the selection changes before its
        // quote), so writing here would hold up the price preview. Changes
        // made before the task runs are written once.
        let pending = StoredValue::new(false);
        Effect::new(move |_| {
            cart.owner.track();
            cart.selection.track();
            cart.voucher.track();
            if pending.get_value() {
                return;
            }
            pending.set_value(true);
            set_timeout(
                move || {
                    // Disposed with its shell, and the cart with it: nothing to write.
                    if pending.try_set_value(false).is_some() {
                        return;
                    }
                    let kept = Kept {
                        owner: cart.owner.get_untracked(),
                        selection: cart.selection.get_untracked(),
                        voucher: cart.voucher.get_untracked(),
                    };
                    storage::save(Area::Session, key, &kept);
                },
                std::time::Duration::ZERO,
            );
        });
        cart
    }

    /// Makes the cart `owner`'s: kept as it is when it already was, else
    /// started from `opening` (the domain's opening choice) with no voucher.
    pub fn open_for(&self, owner: &str, opening: impl FnOnce() -> Selection) {
        if self.owner.with_untracked(|o| o.as_deref() != Some(owner)) {
            self.choose(owner, opening());
        }
    }

    /// Empties the cart unless it is `owner`'s, leaving it to the next
    /// chooser to open (the review shows only what this buyer chose).
    pub fn keep_only_for(&self, owner: &str) {
        if self.owner.with_untracked(|o| o.as_deref() != Some(owner)) {
            self.reset();
        }
    }

    /// Puts `selection` in `owner`'s cart (billing management's shortcuts).
    pub fn choose(&self, owner: &str, selection: Selection) {
        self.owner.set(Some(owner.to_owned()));
        self.selection.set(selection);
        self.voucher.set(None);
    }

    /// Starts over after an order was placed: the next chooser opens afresh.
    pub fn reset(&self) {
        self.owner.set(None);
        self.selection.set(Selection::default());
        self.voucher.set(None);
    }
}

/// Whose cart a signed-in person's is: theirs, acting as they act now (ID-4).
pub fn cart_owner(me: &Me) -> String {
    match me.acting_enterprise_id {
        Some(id) => format!("{}@{id}", me.person.id),
        None => format!("{}@person", me.person.id),
    }
}

/// The cart of the current shell.
pub fn use_cart() -> Cart {
    expect_context::<Cart>()
}

/// Shows `page` once the catalog and the signed-in person are here: the
/// loading view before, the error view when a load failed, and the sign-in
/// page (keeping where the buyer wanted to go) when nobody is signed in.
pub fn signed_in<V, F>(page: F) -> impl IntoView
where
    F: Fn(Me, Arc<Catalog>) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let session = use_session();
    let lang = use_lang();
    let shell = use_shell();
    let location = use_location();
    // Only the loads are tracked here: a page is rebuilt when the person or
    // the identity changes, not when the language does (pages follow it).
    move || {
        let failed = move |error: ApiClientError, retry: Callback<()>| {
            move || {
                let lang = lang.get();
                view! {
                    <ErrorView
                        lang
                        title=i18n::pick(lang, "页面加载失败", "The page could not be loaded")
                        message=i18n::api_error(lang, &error)
                        on_retry=Some(retry)
                    />
                }
            }
        };
        match (session.me.get(), session.catalog.get()) {
            (Some(Err(error)), _) if error.code() == Some(ErrorCode::Unauthenticated) => {
                let here = location.pathname.get_untracked();
                EitherOf4::A(view! { <Redirect path=format!("{}?next={here}", shell.sign_in()) /> })
            }
            (Some(Err(error)), _) => EitherOf4::B(failed(error, Callback::new(move |()| session.me.refetch()))),
            (_, Some(Err(error))) => EitherOf4::B(failed(error, Callback::new(move |()| session.catalog.refetch()))),
            (Some(Ok(me)), Some(Ok(catalog))) => EitherOf4::C(page(me, catalog)),
            _ => EitherOf4::D(move || view! { <Loading lang=lang.get() /> }),
        }
    }
}
