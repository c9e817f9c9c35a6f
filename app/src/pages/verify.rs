//! 企业认证 (VER-2): a member asks for their enterprise to be verified, so
//! a purchase made personally before can be bound to it (BND-2). The form
//! is judged by the domain as the server judges it (the credit code's
//! check character included); the phone code comes first (VER-1); then the
//! request's state: 审核中, 已认证, or 未通过 with the reviewer's reason and
//! the form again.

use crate::api::{self, ApiClientError, EnterpriseVerification, Me, Sent, VerificationApplication};
use crate::components::{ErrorView, Loading};
use crate::i18n::{self, pick, use_lang, use_title};
use crate::session::{signed_in, use_session, use_shell};
use domain::enterprise_verification::{RequestStatus, VerificationForm};
use domain::verification::Purpose;
use domain::{DomainError, Lang};
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

/// The verification page of the enterprise in the path.
#[component]
pub fn VerifyPage() -> impl IntoView {
    use_title("企业认证", "Enterprise verification");
    let id = use_params_map().with_untracked(|p| p.get("id").and_then(|id| id.parse().ok()));
    signed_in(move |_: Me, _| view! { <LoadVerification id /> })
}

#[component]
fn LoadVerification(id: Option<i64>) -> impl IntoView {
    let lang = use_lang();
    let state = LocalResource::new(move || async move {
        match id {
            Some(id) => api::enterprise_verification(id).await,
            None => Err(ApiClientError::Status(404)),
        }
    });
    let reload = Callback::new(move |()| state.refetch());
    move || match state.get() {
        None => EitherOf3::A(view! { <Loading lang=lang.get() /> }),
        Some(Err(error)) => EitherOf3::B(move || {
            let lang = lang.get();
            view! {
                <ErrorView
                    lang
                    title=pick(lang, "企业认证信息加载失败", "The verification could not be loaded")
                    message=i18n::api_error(lang, &error)
                    on_retry=Some(reload)
                />
            }
        }),
        Some(Ok(current)) => EitherOf3::C(view! { <Verification current reload /> }),
    }
}

#[component]
fn Verification(current: EnterpriseVerification, reload: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let shell = use_shell();
    let session = use_session();
    let id = current.enterprise_id;
    let status = current.request.as_ref().map(|r| r.status);
    let reason = current.request.as_ref().and_then(|r| r.reason.clone());
    let asks = !current.verified && status != Some(RequestStatus::Submitted);
    let name = current.enterprise_name.clone();
    let prefill = current.request.as_ref().map(|r| r.name.clone()).unwrap_or_default();
    move || {
        let lang = lang.get();
        let badge = if current.verified { Some(RequestStatus::Approved) } else { status };
        let state = badge.map(|s| {
            view! {
                <p class=format!("badge verification-{}", crate::components::wire_name(&s)) data-testid="verification-status">
                    {i18n::verification_status(lang, s)}
                </p>
            }
        });
        let note = match (current.verified, status) {
            (true, _) => Some(view! {
                <p class="notice-inline notice-success" role="status" data-testid="verification-note">
                    {pick(lang, "企业认证已完成，您已成为该企业的超级管理员。可在我的订单中将购买的产品绑定到该企业。", "The enterprise is verified and you are its super admin: bind your purchases to it from My orders.")}
                    " "
                    // The session still holds the memberships from before the approval.
                    <a href=shell.href("/orders") data-testid="verification-bind" on:click=move |_| session.me.refetch()>
                        {pick(lang, "去绑定", "Bind now")}
                    </a>
                </p>
            }.into_any()),
            (false, Some(RequestStatus::Submitted)) => Some(view! {
                <p class="notice-inline" role="status" data-testid="verification-note">
                    {pick(lang, "认证申请已提交，正在审核中，请耐心等待审核结果。", "The request is under review; the result will show here.")}
                </p>
            }.into_any()),
            (false, Some(RequestStatus::Rejected)) => Some(view! {
                <p class="notice-inline notice-danger" role="alert" data-testid="verification-note">
                    {pick(lang, "认证未通过：", "Not approved: ")}
                    <span data-testid="verification-reason">{reason.clone().unwrap_or_default()}</span>
                    {pick(lang, " 请修改后重新提交。", " Correct the details and submit again.")}
                </p>
            }.into_any()),
            (false, Some(RequestStatus::Approved) | None) => None,
        };
        let form = asks.then(|| view! { <VerificationFormView lang id prefill=prefill.clone() reload /> });
        view! {
            <h1 class="page-title" data-testid="verification-title">{pick(lang, "企业认证", "Enterprise verification")}</h1>
            <section class="panel" data-testid="verification">
                <p class="section-title">{name.clone()}</p>
                {state}
                {note}
            </section>
            {form}
        }
    }
}

/// The form's fields as typed.
#[derive(Debug, Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    credit_code: RwSignal<String>,
    legal_representative: RwSignal<String>,
    code: RwSignal<String>,
}

impl Fields {
    /// The domain's verdict on the form, as the server will give it.
    fn judged(&self) -> Result<VerificationForm, Vec<DomainError>> {
        VerificationForm::parse(&self.name.get(), &self.credit_code.get(), &self.legal_representative.get())
    }
}

fn field_label(lang: Lang, field: &str) -> &'static str {
    match field {
        "name" => pick(lang, "企业名称（2-60个字）", "Enterprise name (2–60 characters)"),
        "legal_representative" => pick(lang, "法定代表人姓名（2-30个字）", "Legal representative (2–30 characters)"),
        _ => pick(lang, "统一社会信用代码", "Unified social credit code"),
    }
}

#[component]
fn VerificationFormView(lang: Lang, id: i64, prefill: String, reload: Callback<()>) -> impl IntoView {
    let fields = Fields {
        name: RwSignal::new(prefill),
        credit_code: RwSignal::new(String::new()),
        legal_representative: RwSignal::new(String::new()),
        code: RwSignal::new(String::new()),
    };
    let sent = RwSignal::new(None::<Sent>);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<(&'static str, ApiClientError)>);
    let send = move |_| {
        busy.set(true);
        spawn_local(async move {
            match api::send_code(Purpose::EnterpriseVerification).await {
                Ok(s) => {
                    failure.set(None);
                    sent.set(Some(s));
                }
                Err(e) => failure.set(Some((pick(lang, "验证码发送失败", "The code was not sent"), e))),
            }
            busy.set(false);
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if fields.judged().is_err() {
            return;
        }
        let application = VerificationApplication {
            name: fields.name.get_untracked(),
            credit_code: fields.credit_code.get_untracked(),
            legal_representative: fields.legal_representative.get_untracked(),
        };
        let code = fields.code.get_untracked();
        busy.set(true);
        spawn_local(async move {
            let title = pick(lang, "提交失败", "Not submitted");
            let done = match api::check_code(Purpose::EnterpriseVerification, &code).await {
                Ok(()) => api::request_verification(id, &application).await.map(|_| ()),
                Err(e) => Err(e),
            };
            busy.set(false);
            match done {
                Ok(()) => reload.run(()),
                Err(e) => failure.set(Some((title, e))),
            }
        });
    };
    // A field's refusal shows once something was typed in it.
    let problems = move || {
        let typed = |field: &str| match field {
            "name" => !fields.name.get().is_empty(),
            "legal_representative" => !fields.legal_representative.get().is_empty(),
            _ => !fields.credit_code.get().is_empty(),
        };
        fields.judged().err().map(|errors| {
            errors
                .into_iter()
                .filter(|e| e.field.as_deref().is_some_and(typed))
                .map(|e| {
                    let field = e.field.clone().unwrap_or_default();
                    view! {
                        <li data-testid=format!("verification-error-{field}")>
                            {format!("{}：{}", field_label(lang, &field), e.code.message(lang))}
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let failed = move || {
        failure.get().map(|(title, e)| view! { <ErrorView lang title message=i18n::api_error(lang, &e) inline=true /> })
    };
    let sent_note = move || {
        sent.get().map(|s| {
            view! { <p class="muted" data-testid="code-sent">{format!("{}{}", pick(lang, "验证码已发送至 ", "Code sent to "), s.phone)}</p> }
        })
    };
    let input = move |key: &'static str, signal: RwSignal<String>, max: usize| {
        view! {
            <div class="field">
                <label class="field-label" for=format!("verify-{key}")>{field_label(lang, key)}</label>
                <input
                    id=format!("verify-{key}")
                    class="input"
                    data-testid=format!("verify-{key}")
                    maxlength=max.to_string()
                    required
                    prop:value=move || signal.get()
                    on:input=move |ev| signal.set(event_target_value(&ev))
                />
            </div>
        }
    };
    view! {
        <form class="panel" data-testid="verification-form" on:submit=submit>
            <h2 class="section-title">{pick(lang, "填写企业信息", "The enterprise's details")}</h2>
            <p class="muted">{pick(lang, "请按营业执照填写。认证通过后，您将成为该企业的超级管理员。", "As on the business licence. Once approved, you become the enterprise's super admin.")}</p>
            {input("name", fields.name, *domain::enterprise_verification::NAME_CHARS.end())}
            {input("credit_code", fields.credit_code, domain::credit_code::LENGTH)}
            {input("legal_representative", fields.legal_representative, *domain::enterprise_verification::LEGAL_REPRESENTATIVE_CHARS.end())}
            <ul class="field-errors" data-testid="verification-errors">{problems}</ul>
            <div class="field">
                <label class="field-label" for="verify-phone-code">{pick(lang, "手机验证码", "Phone code")}</label>
                <div class="input-row">
                    <input
                        id="verify-phone-code"
                        class="input"
                        data-testid="verify-phone-code"
                        inputmode="numeric"
                        autocomplete="one-time-code"
                        maxlength="6"
                        required
                        prop:value=move || fields.code.get()
                        on:input=move |ev| fields.code.set(event_target_value(&ev))
                    />
                    <button type="button" class="button button-secondary" data-testid="verify-send-code" disabled=move || busy.get() on:click=send>
                        {move || if sent.with(Option::is_some) { pick(lang, "重新获取", "Send again") } else { pick(lang, "获取验证码", "Send a code") }}
                    </button>
                </div>
                {sent_note}
            </div>
            {failed}
            <button
                type="submit"
                class="button button-primary"
                data-testid="verify-submit"
                disabled=move || busy.get() || fields.judged().is_err() || fields.code.get().trim().len() != 6
            >
                {pick(lang, "提交认证", "Submit")}
            </button>
        </form>
    }
}
