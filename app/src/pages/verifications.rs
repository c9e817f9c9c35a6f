//! 企业认证审核: the operators' list of enterprise verification requests
//! (VER-2), those under review first, each with approve and, with a reason
//! the requester will read, reject. The server decides once and audits;
//! this page shows what it said.

use crate::api::{self, Me, VerificationView};
use crate::components::{ErrorView, Loading};
use crate::i18n::{self, pick, use_lang, use_title};
use crate::session::signed_in;
use domain::Lang;
use domain::enterprise_verification::{RejectReason, RequestStatus};
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The review list, for operators only.
#[component]
pub fn OpsVerificationsPage() -> impl IntoView {
    use_title("企业认证审核", "Verification review");
    signed_in(|me: Me, _| {
        if me.person.operator {
            Either::Left(view! { <Review /> })
        } else {
            let lang = use_lang();
            Either::Right(move || {
                view! {
                    <p class="panel notice-inline" data-testid="verifications-forbidden">
                        {pick(lang.get(), "企业认证审核仅供运营人员使用。", "Verification review is for operations staff.")}
                    </p>
                }
            })
        }
    })
}

#[component]
fn Review() -> impl IntoView {
    let lang = use_lang();
    let requests = LocalResource::new(api::ops_verifications);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(None::<i64>);
    let decide = Callback::new(move |(id, reason): (i64, Option<String>)| {
        busy.set(Some(id));
        spawn_local(async move {
            let lang = lang.get_untracked();
            let answer = match &reason {
                None => api::ops_approve_verification(id).await,
                Some(reason) => api::ops_reject_verification(id, reason).await,
            };
            outcome.set(Some(match answer {
                Ok(r) => Ok(match lang {
                    Lang::Zh => {
                        format!("认证申请 #{id}（{}）：{}。", r.name, i18n::verification_status(lang, r.status))
                    }
                    Lang::En => format!("Request #{id} ({}): {}.", r.name, i18n::verification_status(lang, r.status)),
                }),
                Err(e) => Err(i18n::api_error(lang, &e)),
            }));
            busy.set(None);
            requests.refetch();
        });
    });
    let notice = move || {
        outcome.get().map(|o| match o {
            Ok(text) => Either::Left(view! { <p class="notice-inline notice-success" role="status" data-testid="verifications-outcome">{text}</p> }),
            Err(text) => Either::Right(view! { <p class="notice-inline notice-danger" role="alert" data-testid="verifications-outcome">{text}</p> }),
        })
    };
    let list = move || {
        let lang = lang.get();
        match requests.get() {
            None => EitherOf3::A(view! { <Loading lang /> }),
            Some(Err(error)) => EitherOf3::B(view! {
                <ErrorView
                    lang
                    title=pick(lang, "认证申请加载失败", "The requests could not be loaded")
                    message=i18n::api_error(lang, &error)
                    on_retry=Some(Callback::new(move |()| requests.refetch()))
                />
            }),
            Some(Ok(list)) if list.is_empty() => EitherOf3::C(
                view! { <p class="panel muted" data-testid="no-verifications">{pick(lang, "暂无认证申请。", "No requests.")}</p> }.into_any(),
            ),
            Some(Ok(list)) => {
                let rows = list.into_iter().map(|r| view! { <Row lang request=r busy decide /> }).collect_view();
                EitherOf3::C(view! { <ul class="order-list" data-testid="verifications">{rows}</ul> }.into_any())
            }
        }
    };
    view! {
        <h1 class="page-title">{move || pick(lang.get(), "企业认证审核", "Verification review")}</h1>
        {notice}
        {list}
    }
}

#[component]
fn Row(
    lang: Lang,
    request: VerificationView,
    busy: RwSignal<Option<i64>>,
    decide: Callback<(i64, Option<String>)>,
) -> impl IntoView {
    let id = request.id;
    let reason = RwSignal::new(String::new());
    let pending = request.status == RequestStatus::Submitted;
    let actions = pending.then(|| {
        view! {
            <div class="order-actions">
                <button
                    type="button"
                    class="button button-primary"
                    data-testid=format!("approve-{id}")
                    disabled=move || busy.get().is_some()
                    on:click=move |_| decide.run((id, None))
                >
                    {pick(lang, "通过", "Approve")}
                </button>
                <input
                    class="input"
                    data-testid=format!("reject-reason-{id}")
                    placeholder=pick(lang, "未通过原因（申请人可见）", "Reason (shown to the requester)")
                    maxlength=domain::enterprise_verification::REASON_CHARS.end().to_string()
                    prop:value=move || reason.get()
                    on:input=move |ev| reason.set(event_target_value(&ev))
                />
                <button
                    type="button"
                    class="button button-secondary"
                    data-testid=format!("reject-{id}")
                    disabled=move || busy.get().is_some() || RejectReason::parse(&reason.get()).is_err()
                    on:click=move |_| decide.run((id, Some(reason.get_untracked())))
                >
                    {pick(lang, "驳回", "Reject")}
                </button>
            </div>
        }
    });
    let decided = request.decided_at.map(|at| {
        let by = request.decided_by.clone().unwrap_or_default();
        view! { <p class="muted order-meta">{format!("{} {} · {by}", pick(lang, "审核于", "Decided"), i18n::datetime(at))}</p> }
    });
    view! {
        <li class="order-row" data-testid=format!("verification-{id}")>
            <div class="order-main">
                <p class="order-names">{request.name.clone()}</p>
                <p class="muted order-meta">
                    <span class="num">"#"{id}</span>
                    " · "
                    <span class="num">{request.credit_code.clone()}</span>
                    " · "
                    {format!("{}{}", pick(lang, "法定代表人：", "Legal representative: "), request.legal_representative)}
                    " · "
                    {format!("{}{}", pick(lang, "申请人：", "Requested by: "), request.requester_name)}
                    " · "
                    <span class="num">{i18n::datetime(request.created_at)}</span>
                </p>
                {decided}
                {request.reason.clone().map(|r| view! { <p class="order-note">{format!("{}{r}", pick(lang, "未通过原因：", "Reason: "))}</p> })}
            </div>
            <p class=format!("badge verification-{}", crate::components::wire_name(&request.status)) data-testid=format!("verification-{id}-status")>
                {i18n::verification_status(lang, request.status)}
            </p>
            {actions}
        </li>
    }
}
