//! Stored names of the closed sets kept in status columns: order and payment
//! states, payment methods, refund reasons. This is the only module that
//! spells them; everything else binds what it returns. Decoding refuses an
//! unknown value with an error naming the column and the value, never a
//! silent default.

use domain::PaymentMethod;
use domain::order::{OrderEvent, OrderStatus};
use domain::payment::{PaymentStatus, RefundReason};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Error};

/// A closed set stored by name.
pub trait Stored: Copy + PartialEq + 'static {
    /// The column it is stored in, for error messages.
    const COLUMN: &'static str;
    /// Every value.
    fn all() -> &'static [Self];
    /// The stored name.
    fn name(self) -> &'static str;
}

/// The value stored as `name`, or a decode error naming the column and value.
pub fn parse<T: Stored>(name: &str) -> Result<T, Error> {
    T::all()
        .iter()
        .copied()
        .find(|v| v.name() == name)
        .ok_or_else(|| Error::Decode(format!("unknown value {name:?} in {}", T::COLUMN).into()))
}

impl Stored for OrderStatus {
    const COLUMN: &'static str = "orders.status";
    fn all() -> &'static [Self] {
        &OrderStatus::ALL
    }
    fn name(self) -> &'static str {
        match self {
            OrderStatus::AwaitingPayment => "awaiting_payment",
            OrderStatus::Paid => "paid",
            OrderStatus::Delivering => "delivering",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Bound => "bound",
            OrderStatus::Closed => "closed",
            OrderStatus::NeedsAttention => "needs_attention",
        }
    }
}

impl Stored for PaymentStatus {
    const COLUMN: &'static str = "payments.status";
    fn all() -> &'static [Self] {
        &PaymentStatus::ALL
    }
    fn name(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Closed => "closed",
            PaymentStatus::RefundDue => "refund_due",
            PaymentStatus::Disputed => "disputed",
        }
    }
}

impl Stored for PaymentMethod {
    const COLUMN: &'static str = "payment method";
    fn all() -> &'static [Self] {
        &PaymentMethod::ALL
    }
    fn name(self) -> &'static str {
        match self {
            PaymentMethod::Balance => "balance",
            PaymentMethod::WechatPay => "wechat_pay",
            PaymentMethod::OnlineBanking => "online_banking",
            PaymentMethod::Voucher => "voucher",
        }
    }
}

impl Stored for RefundReason {
    const COLUMN: &'static str = "payments.refund_reason";
    fn all() -> &'static [Self] {
        &RefundReason::ALL
    }
    fn name(self) -> &'static str {
        match self {
            RefundReason::OrderClosed => "order_closed",
            RefundReason::AlreadyPaid => "already_paid",
            RefundReason::PaymentClosed => "payment_closed",
            RefundReason::OrderChanged => "order_changed",
            RefundReason::NotDeliverable => "not_deliverable",
        }
    }
}

/// `status IN ($first, …)` for the states `event` may leave (ORD-1): bind
/// them with [`bind_from`].
pub fn from_states(event: OrderEvent, first: usize) -> String {
    let list: Vec<String> = (0..event.from().len()).map(|i| format!("${}", first + i)).collect();
    format!("status IN ({})", list.join(", "))
}

/// Binds the states `event` may leave, in the order [`from_states`] numbered them.
pub fn bind_from<'q>(mut query: Query<'q, Any, AnyArguments>, event: OrderEvent) -> Query<'q, Any, AnyArguments> {
    for from in event.from() {
        query = query.bind(from.name());
    }
    query
}

/// A closed-set value as stored: its serde name.
pub fn name_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// A closed-set value from its stored serde name.
pub fn parse_name<T: serde::de::DeserializeOwned>(name: &str) -> Result<T, sqlx::Error> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|e| sqlx::Error::Decode(format!("unknown stored value {name:?}: {e}").into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: Stored + std::fmt::Debug>() {
        let mut names: Vec<&str> = T::all().iter().map(|v| v.name()).collect();
        for value in T::all() {
            assert_eq!(parse::<T>(value.name()).ok(), Some(*value), "{value:?}");
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), T::all().len(), "{}: every name is its own", T::COLUMN);
        let err = parse::<T>("no_such_value").map(|_| ()).expect_err("unknown");
        assert!(err.to_string().contains(T::COLUMN), "{err}");
    }

    #[test]
    fn ord_1_every_stored_name_round_trips_and_an_unknown_one_is_refused() {
        round_trips::<OrderStatus>();
        round_trips::<PaymentStatus>();
        round_trips::<PaymentMethod>();
        round_trips::<RefundReason>();
    }

    #[test]
    fn ord_1_a_stored_state_is_its_wire_name() {
        for status in OrderStatus::ALL {
            assert_eq!(serde_json::to_value(status).ok(), Some(serde_json::Value::from(status.name())));
        }
        for method in PaymentMethod::ALL {
            assert_eq!(serde_json::to_value(method).ok(), Some(serde_json::Value::from(method.name())));
        }
    }
}
