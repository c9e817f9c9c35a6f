use crate::api::{self, OrderEvents};
use crate::i18n::{self, pick};
use domain::order::OrderStatus;
use domain::{Instant, Lang};
use leptos::prelude::*;
use send_wrapper::SendWrapper;

/// How the live connection to an order's progress is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Connecting,
    Live,
    /// The browser lost the stream and is trying again.
    Reconnecting,
    /// The server ended it (the order reached its last state).
    Ended,
    /// The browser gave up; reloading the page starts again.
    Failed,
}

/// Where an order is, as its page follows it: the part of each progress
/// event (`api::Progress`) that moves the steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub status: OrderStatus,
    pub paid_at: Option<Instant>,
    pub delivered_at: Option<Instant>,
}

impl From<&api::Progress> for Progress {
    fn from(event: &api::Progress) -> Self {
        Progress { status: event.status, paid_at: event.paid_at, delivered_at: event.delivered_at }
    }
}

/// When a personal order was bound, and the enterprise's name (BND-2).
pub type BoundTo = (Instant, String);

/// Follows an order's progress events from `initial` on, for as long as the
/// calling component lives, until it is delivered or closed.
pub fn follow_order(id: i64, initial: Progress) -> (ReadSignal<Progress>, ReadSignal<Stream>) {
    let (progress, stream, _) = follow_order_to_binding(id, initial, false);
    (progress, stream)
}

/// Follows an order as [`follow_order`] does and, when it is the person's own
/// (`personal`), on to its binding (BND-2): the third signal says where it
/// went and when. Nothing is opened for a closed order, nor for an
/// enterprise's order that was delivered.
pub fn follow_order_to_binding(
    id: i64,
    initial: Progress,
    personal: bool,
) -> (ReadSignal<Progress>, ReadSignal<Stream>, ReadSignal<Option<BoundTo>>) {
    let progress = RwSignal::new(initial);
    let stream = RwSignal::new(Stream::Connecting);
    let bound = RwSignal::new(None);
    let finished = match initial.status {
        OrderStatus::Closed | OrderStatus::NeedsAttention | OrderStatus::Refunded => true,
        OrderStatus::Delivered | OrderStatus::Bound => !personal,
        OrderStatus::AwaitingPayment | OrderStatus::Paid | OrderStatus::Delivering => false,
    };
    if finished {
        stream.set(Stream::Ended);
        return (progress.read_only(), stream.read_only(), bound.read_only());
    }
    let events = api::order_events(
        id,
        move |event| match event {
            Ok(event) => {
                progress.set(Progress::from(&event));
                if let (Some(at), Some(name)) = (event.bound_at, event.bound_to) {
                    bound.set(Some((at, name)));
                }
                stream.set(if event.last { Stream::Ended } else { Stream::Live });
            }
            Err(_) => stream.set(Stream::Failed),
        },
        move |closed| {
            if stream.get_untracked() != Stream::Ended {
                stream.set(if closed { Stream::Failed } else { Stream::Reconnecting });
            }
        },
    );
    match events {
        Ok(events) => {
            // The browser's objects are not Send; the app has one thread.
            let events: SendWrapper<OrderEvents> = SendWrapper::new(events);
            on_cleanup(move || drop(events));
        }
        Err(_) => stream.set(Stream::Failed),
    }
    (progress.read_only(), stream.read_only(), bound.read_only())
}

/// The order's way from payment to delivery (ORD-1, FUL-1), live. An order
/// that could not be delivered (`needs_attention`, final) ends at the
/// delivery step, marked failed.
#[component]
pub fn DeliverySteps(
    lang: Lang,
    #[prop(into)] progress: Signal<Progress>,
    #[prop(into)] stream: Signal<Stream>,
    /// A personal order ends bound to an enterprise (BND).
    personal: bool,
) -> impl IntoView {
    let mut steps = vec![
        (OrderStatus::AwaitingPayment, pick(lang, "提交订单", "Order placed")),
        (OrderStatus::Paid, pick(lang, "支付成功", "Paid")),
        (OrderStatus::Delivering, pick(lang, "发货中", "Delivering")),
        (OrderStatus::Delivered, pick(lang, "发货完成", "Delivered")),
    ];
    if personal {
        steps.push((OrderStatus::Bound, pick(lang, "绑定企业", "Bound to an enterprise")));
    }
    let items = steps
        .into_iter()
        .map(|(status, label)| {
            let mine = rank(status);
            let class = move || {
                let now = progress.get().status;
                match step_state(now, mine) {
                    StepState::Done => "step is-done",
                    StepState::Current => "step is-current",
                    StepState::Failed => "step is-failed",
                    StepState::Ahead => "step",
                }
            };
            let current = move || (rank(progress.get().status) == mine).then_some("step");
            let label = move || {
                if mine == rank(OrderStatus::Delivering) && progress.get().status == OrderStatus::NeedsAttention {
                    pick(lang, "无法交付", "Not delivered")
                } else {
                    label
                }
            };
            view! {
                <li class=class aria-current=current>
                    <span class="step-mark" aria-hidden="true"></span>
                    <span class="step-label">{label}</span>
                </li>
            }
        })
        .collect_view();
    let status = move || progress.get().status;
    let times = move || {
        let p = progress.get();
        let paid = p.paid_at.map(|at| {
            view! { <li>{i18n::labelled(lang, pick(lang, "支付时间", "Paid at"), &i18n::datetime(at))}</li> }
        });
        let delivered = p.delivered_at.map(|at| {
            view! { <li>{i18n::labelled(lang, pick(lang, "发货时间", "Delivered at"), &i18n::datetime(at))}</li> }
        });
        view! { <ul class="progress-times">{paid}{delivered}</ul> }
    };
    let connection = move || match stream.get() {
        Stream::Connecting | Stream::Live => pick(lang, "正在实时跟踪订单进度…", "Following the order live…"),
        Stream::Reconnecting => pick(lang, "连接中断，正在重新连接…", "Connection lost; reconnecting…"),
        Stream::Ended => "",
        Stream::Failed => pick(lang, "无法跟踪订单进度，请刷新页面。", "Progress cannot be followed; reload the page."),
    };
    view! {
        <div class="progress">
            <ol class="steps" aria-label=pick(lang, "订单进度", "Order progress")>{items}</ol>
            <p
                class="progress-status"
                role="status"
                data-testid="order-status"
                data-status=move || crate::components::wire_name(&status())
            >
                {move || i18n::order_status(lang, status())}
            </p>
            {move || i18n::order_status_note(lang, status()).map(|note| view! { <p class="progress-note">{note}</p> })}
            {times}
            <p class="muted progress-connection">{connection}</p>
        </div>
    }
}

/// Where a step stands against the order's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepState {
    Done,
    Current,
    /// The step the order could not get past (`needs_attention`).
    Failed,
    Ahead,
}

/// The place of a state on the way: the step it has reached. A closed
/// order never left the first step; an order that needs attention stopped
/// at delivery.
fn rank(status: OrderStatus) -> u8 {
    match status {
        OrderStatus::AwaitingPayment | OrderStatus::Closed => 0,
        OrderStatus::Paid => 1,
        OrderStatus::Delivering | OrderStatus::NeedsAttention | OrderStatus::Refunded => 2,
        OrderStatus::Delivered => 3,
        OrderStatus::Bound => 4,
    }
}

/// How the step of rank `mine` shows while the order is `now`. Delivered
/// and bound, reached, are done rather than current: nothing more is awaited
/// of them.
fn step_state(now: OrderStatus, mine: u8) -> StepState {
    let reached = rank(now);
    if matches!(now, OrderStatus::NeedsAttention | OrderStatus::Refunded) && mine == reached {
        StepState::Failed
    } else if mine < reached || (mine == reached && mine >= rank(OrderStatus::Delivered)) {
        StepState::Done
    } else if mine == reached {
        StepState::Current
    } else {
        StepState::Ahead
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ord_1_needs_attention_stops_at_delivery_marked_failed() {
        let now = OrderStatus::NeedsAttention;
        let shown: Vec<StepState> = (0..=3).map(|mine| step_state(now, mine)).collect();
        assert_eq!(shown, [StepState::Done, StepState::Done, StepState::Failed, StepState::Ahead]);
    }

    #[test]
    fn ord_1_delivered_is_done_and_delivering_is_current() {
        assert_eq!(step_state(OrderStatus::Delivered, 3), StepState::Done);
        assert_eq!(step_state(OrderStatus::Delivering, 2), StepState::Current);
        assert_eq!(step_state(OrderStatus::Closed, 0), StepState::Current);
    }
}
