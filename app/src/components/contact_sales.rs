//! 联系购买 (Flagship, CAT-4, SAL-1) and 购买咨询 (the mini-program's
//! purchase consultation for a person, CH-4): the contact request a buyer
//! leaves for a sales manager. The server judges it (domain's `Lead::parse`)
//! and names every wrong field; the form shows each under its field.

use super::ErrorView;
use crate::api::{self, ApiClientError, LeadView};
use crate::i18n::{self, pick};
use domain::sales::{COMPANY_MAX_CHARS, LeadKind, LeadRequest, MESSAGE_MAX_CHARS, NAME_MAX_CHARS};
use domain::{ErrorCode, Lang};
use leptos::either::Either;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Where the request is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    Editing,
    Sending,
    Sent(LeadView),
    Refused(ApiClientError),
}

/// The fields, by the names the server gives them in its refusals.
const FIELDS: [&str; 4] = ["contact_name", "phone", "company", "message"];

/// What to do about a field the server refused.
fn field_hint(lang: Lang, field: &str) -> String {
    match (field, lang) {
        ("contact_name", Lang::Zh) => format!("请填写联系人姓名（1–{NAME_MAX_CHARS} 个字）。"),
        ("contact_name", Lang::En) => format!("Enter a contact name (1–{NAME_MAX_CHARS} characters)."),
        ("phone", Lang::Zh) => "请填写 11 位中国大陆手机号码。".to_owned(),
        ("phone", Lang::En) => "Enter an 11-digit mainland China mobile number.".to_owned(),
        ("company", Lang::Zh) => format!("请填写企业名称（1–{COMPANY_MAX_CHARS} 个字）。"),
        ("company", Lang::En) => format!("Enter the company name (1–{COMPANY_MAX_CHARS} characters)."),
        (_, Lang::Zh) => format!("留言最多 {MESSAGE_MAX_CHARS} 个字。"),
        (_, Lang::En) => format!("The message may hold up to {MESSAGE_MAX_CHARS} characters."),
    }
}

/// The fields a refusal names (every reason, the deciding one first).
fn refused_fields(error: &ApiClientError) -> Vec<String> {
    let ApiClientError::Server(e) = error else { return Vec::new() };
    let reasons = if e.reasons.is_empty() { std::slice::from_ref(&e.error) } else { e.reasons.as_slice() };
    reasons
        .iter()
        .filter(|r| r.code == ErrorCode::InvalidInput)
        .filter_map(|r| r.field.clone())
        .filter(|f| FIELDS.contains(&f.as_str()))
        .collect()
}

/// The contact form, shown in place (not a dialog): it takes the focus when
/// it opens, Escape or 取消 closes it, and after the server's confirmation it
/// says what happens next. Few buyers open it, so its code is a chunk of its
/// own, fetched the first time one does.
#[component]
pub fn ContactSalesForm(
    lang: Lang,
    kind: LeadKind,
    /// Prefilled: the signed-in person's name.
    contact_name: String,
    /// Prefilled: the acting enterprise's name (empty for a person).
    company: String,
    on_close: Callback<()>,
) -> impl IntoView {
    Suspend::new(contact_form(lang, kind, contact_name, company, on_close))
}

#[lazy]
fn contact_form(lang: Lang, kind: LeadKind, contact_name: String, company: String, on_close: Callback<()>) -> AnyView {
    view! { <Form lang kind contact_name company on_close /> }.into_any()
}

#[component]
fn Form(lang: Lang, kind: LeadKind, contact_name: String, company: String, on_close: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(contact_name);
    let phone = RwSignal::new(String::new());
    let company = RwSignal::new(company);
    let message = RwSignal::new(String::new());
    let stage = RwSignal::new(Stage::Editing);
    let first = NodeRef::<leptos::html::Input>::new();
    let done = NodeRef::<leptos::html::P>::new();
    Effect::new(move |_| {
        if let Some(input) = first.get() {
            let _ = input.focus();
        }
    });
    Effect::new(move |_| {
        if let Some(note) = done.get() {
            let _ = note.focus();
        }
    });

    let refused = Memo::new(move |_| match stage.get() {
        Stage::Refused(error) => refused_fields(&error),
        _ => Vec::new(),
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if stage.get_untracked() == Stage::Sending {
            return;
        }
        let request = LeadRequest {
            contact_name: name.get_untracked(),
            phone: phone.get_untracked(),
            company: company.get_untracked(),
            message: message.get_untracked(),
            kind,
        };
        stage.set(Stage::Sending);
        spawn_local(async move {
            stage.set(match api::leave_lead(&request).await {
                Ok(lead) => Stage::Sent(lead),
                Err(error) => Stage::Refused(error),
            });
        });
    };

    let (title, intro) = match kind {
        LeadKind::Flagship => (
            pick(lang, "联系购买 · 旗舰版", "Contact to buy · Flagship"),
            pick(
                lang,
                "旗舰版由专属销售经理为您报价。请留下联系方式，销售经理将尽快与您联系。",
                "A dedicated sales manager quotes Flagship for you. Leave your details and they will contact you soon.",
            ),
        ),
        LeadKind::Consultation => (
            pick(lang, "购买咨询", "Purchase consultation"),
            pick(
                lang,
                "由于小程序金额限制，仅可购买高级版。其他版本请通过 PC 端购买，或留下联系方式咨询客服购买。",
                "Because of the mini-program's payment limit, only Advanced can be bought here. Buy other editions on the web console, or leave your details and our team will help you buy.",
            ),
        ),
    };

    // One field: its label, its input and what the server said about it.
    let field = move |key: &'static str, label: &'static str, input: AnyView| {
        let error_id = format!("lead-{key}-error");
        let hint = move || refused.with(|fields| fields.iter().any(|f| f == key)).then(|| field_hint(lang, key));
        view! {
            <div class="field">
                <label class="field-label" for=format!("lead-{key}")>{label}</label>
                {input}
                <p class="field-error" id=error_id data-testid=format!("lead-{key}-error")>{hint}</p>
            </div>
        }
    };
    let invalid = move |key: &'static str| move || refused.with(|fields| fields.iter().any(|f| f == key)).to_string();

    // Rebuilt only when the request is through, so typing keeps its place.
    let sent = Memo::new(move |_| match stage.get() {
        Stage::Sent(lead) => Some(lead),
        _ => None,
    });
    let form = move || match sent.get() {
        Some(lead) => Either::Left(view! {
            <p class="notice-inline notice-success" role="status" tabindex="-1" node_ref=done data-testid="lead-sent">
                {match lang {
                    Lang::Zh => format!("提交成功（编号 {}）。专属销售经理将尽快与您联系。", lead.id),
                    Lang::En => format!("Sent (no. {}). A dedicated sales manager will contact you soon.", lead.id),
                }}
            </p>
            <div class="actions">
                <button type="button" class="button" data-testid="lead-close" on:click=move |_| on_close.run(())>
                    {pick(lang, "完成", "Done")}
                </button>
            </div>
        }),
        None => Either::Right(view! {
            <form novalidate on:submit=submit>
                {field(
                    "contact_name",
                    pick(lang, "联系人姓名", "Contact name"),
                    view! {
                        <input
                            id="lead-contact_name"
                            class="input"
                            data-testid="lead-contact_name"
                            node_ref=first
                            autocomplete="name"
                            maxlength=NAME_MAX_CHARS.to_string()
                            required
                            aria-invalid=invalid("contact_name")
                            aria-describedby="lead-contact_name-error"
                            prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev))
                        />
                    }
                    .into_any(),
                )}
                {field(
                    "phone",
                    pick(lang, "手机号码", "Mobile number"),
                    view! {
                        <input
                            id="lead-phone"
                            class="input"
                            data-testid="lead-phone"
                            type="tel"
                            inputmode="numeric"
                            autocomplete="tel-national"
                            maxlength="11"
                            required
                            aria-invalid=invalid("phone")
                            aria-describedby="lead-phone-error"
                            prop:value=move || phone.get()
                            on:input=move |ev| phone.set(event_target_value(&ev))
                        />
                    }
                    .into_any(),
                )}
                {field(
                    "company",
                    pick(lang, "企业名称", "Company"),
                    view! {
                        <input
                            id="lead-company"
                            class="input"
                            data-testid="lead-company"
                            autocomplete="organization"
                            maxlength=COMPANY_MAX_CHARS.to_string()
                            required
                            aria-invalid=invalid("company")
                            aria-describedby="lead-company-error"
                            prop:value=move || company.get()
                            on:input=move |ev| company.set(event_target_value(&ev))
                        />
                    }
                    .into_any(),
                )}
                {field(
                    "message",
                    pick(lang, "留言（选填）", "Message (optional)"),
                    view! {
                        <textarea
                            id="lead-message"
                            class="input"
                            data-testid="lead-message"
                            rows="3"
                            maxlength=MESSAGE_MAX_CHARS.to_string()
                            aria-invalid=invalid("message")
                            aria-describedby="lead-message-error"
                            prop:value=move || message.get()
                            on:input=move |ev| message.set(event_target_value(&ev))
                        ></textarea>
                    }
                    .into_any(),
                )}
                {move || match stage.get() {
                    Stage::Refused(error) => {
                        let message = if refused.with(|f| f.is_empty()) {
                            i18n::api_error(lang, &error)
                        } else {
                            pick(lang, "请按提示修改后重新提交。", "Correct the marked fields and send again.").to_owned()
                        };
                        Some(view! {
                            <ErrorView lang title=pick(lang, "提交未成功", "Not sent") message inline=true />
                        })
                    }
                    _ => None,
                }}
                <div class="actions">
                    <button
                        type="submit"
                        class="button button-primary"
                        data-testid="lead-submit"
                        disabled=move || stage.get() == Stage::Sending
                    >
                        {move || {
                            if stage.get() == Stage::Sending {
                                pick(lang, "正在提交…", "Sending…")
                            } else {
                                pick(lang, "提交", "Send")
                            }
                        }}
                    </button>
                    <button type="button" class="button button-secondary" data-testid="lead-cancel" on:click=move |_| on_close.run(())>
                        {pick(lang, "取消", "Cancel")}
                    </button>
                </div>
            </form>
        }),
    };

    view! {
        <section
            class="panel contact-panel"
            aria-labelledby="contact-title"
            data-testid="contact-form"
            data-kind=kind.as_str()
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    on_close.run(());
                }
            }
        >
            <h2 class="section-title" id="contact-title">{title}</h2>
            <p class="muted">{intro}</p>
            {form}
        </section>
    }
}
