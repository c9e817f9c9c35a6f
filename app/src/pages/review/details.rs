//! 信息补充 (BND-3): the step a first personal purchase in the mini-program
//! takes before 订单确认, as the purchase guide orders it: the enterprise
//! name, a code sent to the person's phone (VER-1), checked before going on.
//! The server then knows the phone is verified, so the order carries only
//! the name.

use crate::api::{self, ApiClientError, Sent};
use crate::components::{ErrorView, clock_face, seconds_until};
use crate::i18n::{self, pick};
use domain::verification::{Code, Purpose};
use domain::{DomainError, ErrorCode, Lang};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// What went wrong in the step.
#[derive(Debug, Clone, PartialEq)]
enum Failure {
    Send(ApiClientError),
    Check(ApiClientError),
    /// The domain refused what was typed before anything was sent.
    Typed(DomainError),
}

/// The step's state.
#[derive(Debug, Clone, Copy)]
pub struct Details {
    pub name: RwSignal<String>,
    code: RwSignal<String>,
    sent: RwSignal<Option<Sent>>,
    busy: RwSignal<bool>,
    failure: RwSignal<Option<Failure>>,
    /// Done: the phone is verified and the name given.
    pub done: RwSignal<bool>,
}

impl Details {
    /// The step, to be taken when `needed`.
    pub fn new(needed: bool) -> Details {
        Details {
            name: RwSignal::new(String::new()),
            code: RwSignal::new(String::new()),
            sent: RwSignal::new(None),
            busy: RwSignal::new(false),
            failure: RwSignal::new(None),
            done: RwSignal::new(!needed),
        }
    }

    /// The name as the order carries it.
    pub fn enterprise_name(&self) -> String {
        self.name.get_untracked().trim().to_owned()
    }
}

/// 信息补充: the enterprise name and the phone code, then 下一步.
pub fn details_step(lang: Lang, details: Details) -> impl IntoView + use<> {
    let send = move |_| {
        details.busy.set(true);
        spawn_local(async move {
            match api::send_code(Purpose::PersonDetails).await {
                Ok(sent) => {
                    details.failure.set(None);
                    details.sent.set(Some(sent));
                }
                Err(error) => details.failure.set(Some(Failure::Send(error))),
            }
            details.busy.set(false);
        });
    };
    let next = move |_| {
        if details.name.with_untracked(|n| n.trim().is_empty()) {
            let missing = DomainError::with_field(ErrorCode::PersonDetailsRequired, "enterprise_name");
            details.failure.set(Some(Failure::Typed(missing)));
            return;
        }
        // The domain reads the code first: an empty or malformed one is said at once.
        let code = match Code::parse(&details.code.get_untracked()) {
            Ok(code) => code,
            Err(refused) => return details.failure.set(Some(Failure::Typed(refused))),
        };
        details.busy.set(true);
        spawn_local(async move {
            match api::check_code(Purpose::PersonDetails, code.digits()).await {
                Ok(()) => {
                    details.failure.set(None);
                    details.done.set(true);
                }
                Err(error) => details.failure.set(Some(Failure::Check(error))),
            }
            details.busy.set(false);
        });
    };
    let resend_in = seconds_until(Signal::derive(move || details.sent.with(|s| s.as_ref().map(|s| s.resend_at))));
    let waiting = move || details.busy.get() || resend_in.get() > 0;
    let send_label = move || {
        let left = resend_in.get();
        match (details.sent.with(Option::is_some), left) {
            (false, _) => pick(lang, "获取验证码", "Send a code").to_owned(),
            (true, 0) => pick(lang, "重新获取", "Send again").to_owned(),
            (true, left) => format!("{}{}", pick(lang, "重新获取 ", "Send again in "), clock_face(left)),
        }
    };
    let sent_note = move || {
        details.sent.get().map(|s| {
            view! {
                <p class="muted" data-testid="code-sent">
                    {format!("{}{}", pick(lang, "验证码已发送至 ", "Code sent to "), s.phone)}
                </p>
            }
        })
    };
    let failure = move || {
        details.failure.get().map(|failure| {
            let (title, message) = match failure {
                Failure::Send(e) => (pick(lang, "验证码发送失败", "The code was not sent"), i18n::api_error(lang, &e)),
                Failure::Check(e) => (pick(lang, "验证未通过", "Not verified"), i18n::api_error(lang, &e)),
                Failure::Typed(e) => (pick(lang, "请补充信息", "Details needed"), e.text(lang)),
            };
            view! { <ErrorView lang title message inline=true /> }
        })
    };
    view! {
        <section class="panel" aria-labelledby="details-title" data-testid="person-details">
            <h2 class="section-title" id="details-title">{pick(lang, "信息补充", "Your details")}</h2>
            <p class="muted">{ErrorCode::PersonDetailsRequired.message(lang)}</p>
            <div class="field">
                <label class="field-label" for="enterprise-name">{pick(lang, "企业名称", "Enterprise name")}</label>
                <input
                    id="enterprise-name"
                    class="input"
                    data-testid="enterprise-name"
                    autocomplete="organization"
                    maxlength=domain::identity::ENTERPRISE_NAME_MAX_CHARS.to_string()
                    required
                    prop:value=move || details.name.get()
                    on:input=move |ev| details.name.set(event_target_value(&ev))
                />
            </div>
            <div class="field">
                <label class="field-label" for="phone-code">{pick(lang, "手机验证码", "Phone code")}</label>
                <div class="input-row">
                    <input
                        id="phone-code"
                        class="input"
                        data-testid="phone-code"
                        inputmode="numeric"
                        autocomplete="one-time-code"
                        maxlength="6"
                        required
                        prop:value=move || details.code.get()
                        on:input=move |ev| details.code.set(event_target_value(&ev))
                    />
                    <button
                        type="button"
                        class="button button-secondary"
                        data-testid="send-code"
                        disabled=waiting
                        on:click=send
                    >
                        {send_label}
                    </button>
                </div>
                {sent_note}
            </div>
            {failure}
            <button
                type="button"
                class="button button-primary button-block"
                data-testid="details-next"
                disabled=move || details.busy.get()
                on:click=next
            >
                {pick(lang, "下一步：订单确认", "Next: confirm the order")}
            </button>
        </section>
    }
}
