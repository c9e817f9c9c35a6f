//! Stored names of the closed sets kept in columns: order and payment
//! states, invoice states, payment methods, refund reasons, verification request states, membership roles and quota move
//! entries ([`Stored`]), and the serde-named sets ([`name_of`],
//! [`parse_name`]); and the decoding of stored instants and unsigned numbers.
//! This is the only module that spells the names; everything else binds what
//! it returns. Decoding refuses an unknown or out-of-range value with an
//! error naming the `table.column` and the value, never a silent default.

use super::{Error, Query};
use domain::enterprise_verification::RequestStatus;
use domain::identity::Role;
use domain::invoice::InvoiceStatus;
use domain::order::{OrderEvent, OrderStatus};
use domain::payment::{PaymentStatus, RefundReason};
use domain::refund::RefundStatus;
use domain::{Instant, PaymentMethod};

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
    T::all().iter().copied().find(|v| v.name() == name).ok_or_else(|| unknown(T::COLUMN, name, None))
}

/// The refusal of a stored name no set holds.
fn unknown(column: &str, value: &str, why: Option<&dyn std::fmt::Display>) -> Error {
    let why = why.map(|w| format!(": {w}")).unwrap_or_default();
    Error::Decode(format!("unknown value {value:?} in {column}{why}").into())
}

/// The refusal of a stored number out of the range it stands for.
fn out_of_range(column: &str, value: i64, what: &str) -> Error {
    Error::Decode(format!("{what} {value} out of range in {column}").into())
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
            OrderStatus::Refunded => "refunded",
        }
    }
}

impl Stored for InvoiceStatus {
    const COLUMN: &'static str = "invoices.status";
    fn all() -> &'static [Self] {
        &InvoiceStatus::ALL
    }
    fn name(self) -> &'static str {
        match self {
            InvoiceStatus::Requested => "requested",
            InvoiceStatus::Issuing => "issuing",
            InvoiceStatus::Issued => "issued",
            InvoiceStatus::Reversed => "reversed",
            InvoiceStatus::Failed => "failed",
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
            PaymentStatus::Refunding => "refunding",
            PaymentStatus::Refunded => "refunded",
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

impl Stored for RefundStatus {
    const COLUMN: &'static str = "refunds.status";
    fn all() -> &'static [Self] {
        &RefundStatus::ALL
    }
    fn name(self) -> &'static str {
        match self {
            RefundStatus::Requested => "requested",
            RefundStatus::Processing => "processing",
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Failed => "failed",
        }
    }
}

impl Stored for RequestStatus {
    const COLUMN: &'static str = "verification_requests.status";
    fn all() -> &'static [Self] {
        &RequestStatus::ALL
    }
    fn name(self) -> &'static str {
        match self {
            RequestStatus::Submitted => "submitted",
            RequestStatus::Approved => "approved",
            RequestStatus::Rejected => "rejected",
        }
    }
}

impl Stored for Role {
    const COLUMN: &'static str = "memberships.roles";
    fn all() -> &'static [Self] {
        const ALL: [Role; 4] = [Role::LegalRepresentative, Role::SuperAdmin, Role::BillingStaff, Role::Staff];
        &ALL
    }
    fn name(self) -> &'static str {
        match self {
            Role::LegalRepresentative => "legal_representative",
            Role::SuperAdmin => "super_admin",
            Role::BillingStaff => "billing_staff",
            Role::Staff => "staff",
        }
    }
}

/// Roles as stored in `memberships.roles`: a comma-separated list of their
/// names; the empty text is no role. An unknown role is refused.
pub fn parse_roles(text: &str) -> Result<Vec<Role>, Error> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(',').map(|role| parse::<Role>(role.trim())).collect()
}

/// Roles for `memberships.roles`.
pub fn format_roles(roles: &[Role]) -> String {
    roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(",")
}

/// What a row of `quota_moves` records: the ledger entries other than a
/// grant (grants are rows of `quota_grants`), by the name of their wire tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveEntry {
    Draw,
    Return,
    Clear,
    Move,
}

impl Stored for MoveEntry {
    const COLUMN: &'static str = "quota_moves.entry";
    fn all() -> &'static [Self] {
        &[MoveEntry::Draw, MoveEntry::Return, MoveEntry::Clear, MoveEntry::Move]
    }
    fn name(self) -> &'static str {
        match self {
            MoveEntry::Draw => "draw",
            MoveEntry::Return => "return",
            MoveEntry::Clear => "clear",
            MoveEntry::Move => "move",
        }
    }
}

/// The instant stored in `column` as `ms` milliseconds since the epoch, or a
/// decode error naming the column and the value when no instant is that far.
pub fn instant(column: &str, ms: i64) -> Result<Instant, Error> {
    chrono::DateTime::from_timestamp_millis(ms).ok_or_else(|| out_of_range(column, ms, "instant"))
}

/// [`instant`] of a nullable column.
pub fn optional_instant(column: &str, ms: Option<i64>) -> Result<Option<Instant>, Error> {
    ms.map(|ms| instant(column, ms)).transpose()
}

/// A number stored in `column` as an `i64` that the domain holds unsigned
/// (or narrower), or a decode error naming the column and the value when it
/// does not fit (a negative amount is never read as 0).
pub fn unsigned<T: TryFrom<i64>>(column: &str, value: i64) -> Result<T, Error> {
    T::try_from(value).map_err(|_| out_of_range(column, value, "value"))
}

/// `status IN ($first, …)` for the states `event` may leave (ORD-1): bind
/// them with [`bind_from`].
pub fn from_states(event: OrderEvent, first: usize) -> String {
    let list: Vec<String> = (0..event.from().len()).map(|i| format!("${}", first + i)).collect();
    format!("status IN ({})", list.join(", "))
}

/// Binds the states `event` may leave, in the order [`from_states`] numbered them.
pub fn bind_from(mut query: Query, event: OrderEvent) -> Query {
    for from in event.from() {
        query = query.bind(from.name());
    }
    query
}

/// A list of columns (`a, b`) as read from the table named `alias` in a
/// join (`o.a, o.b`).
pub fn columns_of(alias: &str, columns: &str) -> String {
    columns.split(',').map(|c| format!("{alias}.{}", c.trim())).collect::<Vec<_>>().join(", ")
}

/// A closed-set value as stored: its serde name.
pub fn name_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// A closed-set value from its serde name stored in `column` (`table.column`),
/// or a decode error naming the column and the value.
pub fn parse_name<T: serde::de::DeserializeOwned>(column: &str, name: &str) -> Result<T, Error> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|e| unknown(column, name, Some(&e)))
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
        names_column_and_value(&err, T::COLUMN, "no_such_value");
    }

    fn names_column_and_value(err: &Error, column: &str, value: &str) {
        let text = err.to_string();
        assert!(matches!(err, Error::Decode(_)), "{text}");
        assert!(text.contains(column), "{text} names {column}");
        assert!(text.contains(value), "{text} names {value}");
    }

    /// Every value of a serde-named set round-trips through `name_of` and
    /// `parse_name`; an unknown name is refused naming the column and the value.
    fn serde_round_trips<T>(column: &str, all: &[T])
    where
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        for value in all {
            let name = name_of(value);
            assert!(!name.is_empty(), "{value:?} has a name");
            assert_eq!(parse_name::<T>(column, &name).ok().as_ref(), Some(value), "{column}: {name}");
        }
        let err = parse_name::<T>(column, "no_such_value").map(|_| ()).expect_err("unknown");
        names_column_and_value(&err, column, "no_such_value");
    }

    #[test]
    fn ord_1_every_stored_name_round_trips_and_an_unknown_one_is_refused() {
        round_trips::<OrderStatus>();
        round_trips::<PaymentStatus>();
        round_trips::<PaymentMethod>();
        round_trips::<RefundReason>();
        round_trips::<RefundStatus>();
        round_trips::<Role>();
        round_trips::<MoveEntry>();
    }

    #[test]
    fn id_2_roles_round_trip_and_an_unknown_role_is_refused() {
        let all = Role::all();
        for mask in 0..(1_u32 << all.len()) {
            let roles: Vec<Role> = (0..all.len()).filter(|i| mask & (1 << i) != 0).map(|i| all[i]).collect();
            let text = format_roles(&roles);
            assert_eq!(parse_roles(&text).ok(), Some(roles.clone()), "{text:?}");
        }
        assert_eq!(parse_roles("").ok(), Some(Vec::new()), "no membership row: no role");
        assert_eq!(parse_roles("super_admin, staff").ok(), Some(vec![Role::SuperAdmin, Role::Staff]));
        for text in ["super_admin,ceo", "ceo", "super_admin,,staff"] {
            let err = parse_roles(text).map(|_| ()).expect_err(text);
            let value = text.split(',').map(str::trim).find(|r| parse::<Role>(r).is_err()).unwrap_or_default();
            names_column_and_value(&err, "memberships.roles", &format!("{value:?}"));
        }
        for role in Role::all() {
            assert_eq!(name_of(role), role.name(), "a stored role is its wire name");
        }
    }

    #[test]
    fn quo_5_every_quota_move_is_stored_by_its_wire_tag() {
        use domain::ledger::LedgerEntry;
        let at = chrono::DateTime::from_timestamp_millis(1_700_000_000_000).unwrap_or_default();
        let entries = [
            (LedgerEntry::Draw { grant: 1, amount: 2 }, MoveEntry::Draw),
            (LedgerEntry::Return { grant: 1, amount: 2 }, MoveEntry::Return),
            (LedgerEntry::Clear { grant: 1, amount: 2 }, MoveEntry::Clear),
            (LedgerEntry::Move { grant: 1, expires_at: at }, MoveEntry::Move),
        ];
        let kinds: Vec<MoveEntry> = entries.iter().map(|(_, kind)| *kind).collect();
        assert_eq!(kinds, MoveEntry::all(), "one kind per entry, each once");
        for (entry, kind) in &entries {
            let wire = serde_json::to_value(entry).ok().and_then(|v| v.get("entry").cloned());
            assert_eq!(wire, Some(serde_json::Value::from(kind.name())), "{entry:?}");
        }
    }

    #[test]
    fn serde_named_sets_round_trip_and_an_unknown_name_is_refused() {
        use domain::ledger::{ContractStatus, GrantSource};
        use domain::sales::LeadKind;
        use domain::{AddOn, Channel, Edition, QuotaKind};
        serde_round_trips("accounts.edition", &Edition::ALL);
        serde_round_trips("orders.channel", &Channel::ALL);
        serde_round_trips("quota_grants.kind", &QuotaKind::ALL);
        serde_round_trips(
            "quota_grants.source",
            &[GrantSource::Edition, GrantSource::Pack, GrantSource::AddOn, GrantSource::Trial],
        );
        serde_round_trips(
            "contracts.status",
            &[ContractStatus::Initiated, ContractStatus::Signed, ContractStatus::Withdrawn],
        );
        serde_round_trips("sales_leads.kind", &[LeadKind::Flagship, LeadKind::Consultation]);
        use domain::ledger::history::MoveCause;
        serde_round_trips(
            "quota_moves.cause",
            &[
                MoveCause::Delivery,
                MoveCause::Binding,
                MoveCause::Trial,
                MoveCause::Contract,
                MoveCause::AddOnUse,
                MoveCause::Withdrawal,
                MoveCause::Expiry,
            ],
        );
        serde_round_trips("add-on", &AddOn::ALL);
    }

    #[test]
    fn a_stored_instant_round_trips_and_one_out_of_range_is_refused() {
        for ms in [0, 1, 1_700_000_000_123, -86_400_000] {
            let at = instant("orders.created_at", ms).map(crate::clock::to_ms).ok();
            assert_eq!(at, Some(ms));
        }
        assert_eq!(optional_instant("orders.paid_at", None).ok(), Some(None));
        assert_eq!(optional_instant("orders.paid_at", Some(5)).ok().flatten().map(crate::clock::to_ms), Some(5));
        for ms in [i64::MAX, i64::MIN] {
            let err = instant("orders.created_at", ms).map(|_| ()).expect_err("out of range");
            names_column_and_value(&err, "orders.created_at", &ms.to_string());
            let err = optional_instant("orders.paid_at", Some(ms)).map(|_| ()).expect_err("out of range");
            names_column_and_value(&err, "orders.paid_at", &ms.to_string());
        }
    }

    #[test]
    fn quo_2_a_negative_stored_amount_is_refused_not_read_as_zero() {
        for n in [0_i64, 1, 42, i64::MAX] {
            assert_eq!(unsigned::<u64>("quota_grants.amount", n).ok(), u64::try_from(n).ok());
        }
        let err = unsigned::<u64>("quota_moves.amount", -1).map(|_| ()).expect_err("negative");
        names_column_and_value(&err, "quota_moves.amount", "-1");
        let err = unsigned::<u8>("sales_quotes.years", 300).map(|_| ()).expect_err("too wide");
        names_column_and_value(&err, "sales_quotes.years", "300");
    }

    #[test]
    fn a_joined_tables_columns_are_named_by_its_alias() {
        assert_eq!(columns_of("o", "id, status,\n    paid_at"), "o.id, o.status, o.paid_at");
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
