//! The steps a sequence is made of, how proptest draws them, and how a
//! sequence prints: numbered steps a person can replay by hand against a
//! development server (`cargo xtask run`, the sandbox's payer pages).
//!
//! Steps name orders, payments and contracts by a number: below 6 it
//! counts among the open ones (orders awaiting payment, payments pending at
//! the provider, collected payments not yet notified) when there are any,
//! otherwise among all the sequence has made so far, modulo their number
//! (so a shrunk sequence still means something). The log of a run names
//! the order or payment each step took; a step with nothing to act on is
//! skipped and says so there.

use crate::books::Ed;
use proptest::prelude::*;
use std::fmt;

/// Contracts in E's opening edition grant, when it opens with an edition.
pub const OPENING_CONTRACTS: u64 = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningVoucher {
    pub face_yuan: u32,
    pub min_spend_yuan: Option<u32>,
    /// `Some(true)`: editions only; `Some(false)`: add-ons only.
    pub editions_only: Option<bool>,
    pub days: u16,
}

/// What E and P hold when the sequence starts.
#[derive(Clone, PartialEq, Eq)]
pub struct Opening {
    /// E's paid edition and the whole days it has left (and 5 hours).
    pub edition: Option<(Ed, u16)>,
    pub balance_yuan: u32,
    pub person_balance_yuan: u32,
    pub vouchers: Vec<OpeningVoucher>,
}

impl Opening {
    pub fn balance_fen(&self) -> i64 {
        i64::from(self.balance_yuan) * 100
    }
    pub fn person_balance_fen(&self) -> i64 {
        i64::from(self.person_balance_yuan) * 100
    }
}

/// Who acts: E's super admin (for E) or P (as the person).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    E,
    P,
}

impl Who {
    pub fn index(self) -> usize {
        match self {
            Who::E => 0,
            Who::P => 1,
        }
    }
}

/// What an order buys.
#[derive(Clone, PartialEq, Eq)]
pub enum What {
    /// An edition: new, renewal or upgrade, as the account makes it
    /// (`years: None` is the upgrade's form).
    Edition {
        ed: Ed,
        years: Option<u8>,
    },
    Packs {
        big: bool,
        n: u8,
    },
    Reports {
        n: u8,
    },
    Integration {
        years: u8,
    },
    /// An edition with integration and a contract pack in one order.
    Bundle {
        ed: Ed,
        years: Option<u8>,
        integration: u8,
        packs: u8,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Balance,
    Wechat,
    Bank,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Balance => "balance",
            Method::Wechat => "wechat_pay",
            Method::Bank => "online_banking",
        }
    }
}

/// Where a clock move lands relative to an end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// One day before the end: the term's last whole day begins.
    LastDay,
    MinuteBefore,
    Exactly,
    MinuteAfter,
}

#[derive(Clone, PartialEq, Eq)]
pub enum Move {
    Minutes(u16),
    Days(u16),
    Years(u8),
    EditionEnd(Edge),
    IntegrationEnd(Edge),
    /// To the deadline of the newest open order.
    PayBy(Edge),
}

/// What the payer does after a checkout opened a provider payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayerAct {
    /// Confirms, and the notification arrives at once.
    PaysAndIsHeard,
    /// Confirms; the notification is left to a later step (or the end).
    Pays,
    Fails,
    /// Leaves the QR code unpaid.
    Leaves,
}

#[derive(Clone, PartialEq, Eq)]
pub enum Step {
    /// Pays order #order by WeChat Pay (or online banking) and the payer acts.
    Checkout {
        order: u8,
        bank: bool,
        then: PayerAct,
    },
    Place {
        who: Who,
        what: What,
        voucher: Option<u8>,
    },
    Pay {
        order: u8,
        method: Method,
    },
    /// Two payments at once (tokio::join).
    PayTwo {
        a: u8,
        ma: Method,
        b: u8,
        mb: Method,
    },
    /// The payer on the sandbox: confirms (JSON confirm or page button) or fails.
    Payer {
        payment: u8,
        pays: bool,
        page: bool,
    },
    /// The provider's notification of a collected payment arrives (late).
    Notify {
        payment: u8,
    },
    /// One round of reconciliation.
    Reconcile,
    Cancel {
        order: u8,
    },
    Clock(Move),
    /// P binds a personal order to E (verified) or U (unverified).
    Bind {
        order: u8,
        verified: bool,
    },
    Trial,
    Initiate {
        n: u8,
    },
    Withdraw {
        contract: u8,
    },
    Sign {
        contract: u8,
    },
}

/// A whole sequence.
#[derive(Clone)]
pub struct Plan {
    pub opening: Opening,
    pub steps: Vec<Step>,
}

fn ed() -> impl Strategy<Value = Ed> {
    prop_oneof![Just(Ed::Advanced), Just(Ed::Professional)]
}

fn years() -> impl Strategy<Value = Option<u8>> {
    prop_oneof![6 => (1u8..=3).prop_map(Some), 1 => Just(None)]
}

fn what() -> impl Strategy<Value = What> {
    prop_oneof![
        5 => (ed(), years()).prop_map(|(ed, years)| What::Edition { ed, years }),
        2 => (any::<bool>(), 1u8..=3).prop_map(|(big, n)| What::Packs { big, n }),
        1 => (1u8..=3).prop_map(|n| What::Reports { n }),
        3 => (1u8..=3).prop_map(|years| What::Integration { years }),
        1 => (ed(), years(), 1u8..=2, 0u8..=1)
            .prop_map(|(ed, years, integration, packs)| What::Bundle { ed, years, integration, packs }),
    ]
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![3 => Just(Method::Balance), 2 => Just(Method::Wechat), 1 => Just(Method::Bank)]
}

fn edge() -> impl Strategy<Value = Edge> {
    prop_oneof![Just(Edge::LastDay), Just(Edge::MinuteBefore), Just(Edge::Exactly), Just(Edge::MinuteAfter)]
}

fn clock_move() -> impl Strategy<Value = Move> {
    prop_oneof![
        3 => (1u16..=600).prop_map(Move::Minutes),
        3 => (1u16..=400).prop_map(Move::Days),
        1 => (1u8..=3).prop_map(Move::Years),
        3 => edge().prop_map(Move::EditionEnd),
        1 => edge().prop_map(Move::IntegrationEnd),
        1 => edge().prop_map(Move::PayBy),
    ]
}

fn person_what() -> impl Strategy<Value = What> {
    prop_oneof![
        4 => (ed(), (1u8..=3).prop_map(Some)).prop_map(|(ed, years)| What::Edition { ed, years }),
        1 => (any::<bool>(), 1u8..=2).prop_map(|(big, n)| What::Packs { big, n }),
        1 => (1u8..=2).prop_map(|n| What::Reports { n }),
    ]
}

fn payer_act() -> impl Strategy<Value = PayerAct> {
    prop_oneof![
        4 => Just(PayerAct::PaysAndIsHeard),
        2 => Just(PayerAct::Pays),
        1 => Just(PayerAct::Fails),
        1 => Just(PayerAct::Leaves),
    ]
}

pub fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (what(), prop::option::weighted(0.3, 0u8..4))
            .prop_map(|(what, voucher)| Step::Place { who: Who::E, what, voucher }),
        3 => person_what().prop_map(|what| Step::Place { who: Who::P, what, voucher: None }),
        5 => (0u8..8, any::<bool>(), payer_act())
            .prop_map(|(order, bank, then)| Step::Checkout { order, bank, then }),
        10 => (0u8..8, method()).prop_map(|(order, method)| Step::Pay { order, method }),
        4 => (0u8..8, method(), 0u8..8, method()).prop_map(|(a, ma, b, mb)| Step::PayTwo { a, ma, b, mb }),
        5 => (0u8..8, prop::bool::weighted(0.8), any::<bool>())
            .prop_map(|(payment, pays, page)| Step::Payer { payment, pays, page }),
        4 => (0u8..8).prop_map(|payment| Step::Notify { payment }),
        1 => Just(Step::Reconcile),
        1 => (0u8..8).prop_map(|order| Step::Cancel { order }),
        5 => clock_move().prop_map(Step::Clock),
        2 => (0u8..8, prop::bool::weighted(0.85)).prop_map(|(order, verified)| Step::Bind { order, verified }),
        1 => Just(Step::Trial),
        2 => (1u8..=3).prop_map(|n| Step::Initiate { n }),
        1 => (0u8..8).prop_map(|contract| Step::Withdraw { contract }),
        1 => (0u8..8).prop_map(|contract| Step::Sign { contract }),
    ]
}

fn opening() -> impl Strategy<Value = Opening> {
    let edition = prop_oneof![
        1 => Just(None),
        3 => prop_oneof![0u16..=3, 4u16..=400].prop_map(|d| Some((Ed::Advanced, d))),
        2 => prop_oneof![0u16..=3, 4u16..=400].prop_map(|d| Some((Ed::Professional, d))),
    ];
    let balance = prop_oneof![1 => Just(0u32), 1 => 1_000u32..=20_000, 5 => Just(200_000u32)];
    let voucher = (
        prop_oneof![Just(100u32), Just(500), Just(3_000), Just(30_000)],
        prop::option::weighted(0.3, prop_oneof![Just(5_000u32), Just(20_000)]),
        prop::option::weighted(0.3, any::<bool>()),
        prop_oneof![3 => Just(365u16), 1 => 1u16..=30],
    )
        .prop_map(|(face_yuan, min_spend_yuan, editions_only, days)| OpeningVoucher {
            face_yuan,
            min_spend_yuan,
            editions_only,
            days,
        });
    (edition, balance, prop_oneof![1 => Just(0u32), 4 => Just(100_000)], prop::collection::vec(voucher, 0..=2))
        .prop_map(|(edition, balance_yuan, person_balance_yuan, vouchers)| Opening {
            edition,
            balance_yuan,
            person_balance_yuan,
            vouchers,
        })
}

/// A sequence begins with one or two orders placed, then any steps.
pub fn plan(max_steps: usize) -> impl Strategy<Value = Plan> {
    let first = prop_oneof![
        3 => (what(), prop::option::weighted(0.3, 0u8..4)).prop_map(|(what, voucher)| Step::Place { who: Who::E, what, voucher }),
        1 => person_what().prop_map(|what| Step::Place { who: Who::P, what, voucher: None }),
    ];
    (opening(), prop::collection::vec(first, 1..=2), prop::collection::vec(step(), 1..=max_steps.max(3) - 2)).prop_map(
        |(opening, mut steps, rest)| {
            steps.extend(rest);
            Plan { opening, steps }
        },
    )
}

// --- How a sequence reads -----------------------------------------------------

impl fmt::Display for Ed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ed::Advanced => "Advanced",
            Ed::Professional => "Professional",
        })
    }
}

impl fmt::Display for What {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ed = |ed: &Ed, years: &Option<u8>| match years {
            Some(y) => format!("{ed} {y} year(s)"),
            None => format!("{ed} without years (the upgrade form)"),
        };
        match self {
            What::Edition { ed: e, years } => write!(f, "{}", ed(e, years)),
            What::Packs { big, n } => write!(f, "{n} contract pack(s) of {}", if *big { "10,000" } else { "1,000" }),
            What::Reports { n } => write!(f, "{n} signing report pack(s)"),
            What::Integration { years } => write!(f, "integration {years} year(s)"),
            What::Bundle { ed: e, years, integration, packs } => {
                write!(f, "{} + integration {integration} year(s) + {packs} pack(s) of 1,000", ed(e, years))
            }
        }
    }
}

impl fmt::Display for Edge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Edge::LastDay => "one day before (its last day)",
            Edge::MinuteBefore => "one minute before",
            Edge::Exactly => "exactly to",
            Edge::MinuteAfter => "one minute past",
        })
    }
}

impl fmt::Display for Move {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Move::Minutes(n) => write!(f, "move the clock {n} minute(s) on"),
            Move::Days(n) => write!(f, "move the clock {n} day(s) on"),
            Move::Years(n) => write!(f, "move the clock {n} year(s) on"),
            Move::EditionEnd(e) => write!(f, "move the clock {e} the end of E's edition (no move if passed)"),
            Move::IntegrationEnd(e) => write!(f, "move the clock {e} the end of E's integration (no move if passed)"),
            Move::PayBy(e) => write!(f, "move the clock {e} the deadline of the newest open order (no move if passed)"),
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = |w: &Who| match w {
            Who::E => "E's super admin (for E)",
            Who::P => "P (as the person)",
        };
        match self {
            Step::Place { who: w, what, voucher } => {
                write!(f, "{} places an order: {what}", who(w))?;
                if let Some(v) = voucher {
                    write!(f, ", with E's voucher #{v} (taken modulo E's vouchers; P has none, so none)")?;
                }
                Ok(())
            }
            Step::Pay { order, method } => write!(f, "pay order #{order} by {}", method.name()),
            Step::Checkout { order, bank, then } => write!(
                f,
                "pay order #{order} by {}, and the payer {}",
                if *bank { "online_banking" } else { "wechat_pay" },
                match then {
                    PayerAct::PaysAndIsHeard => "confirms on the sandbox page; the notification arrives at once",
                    PayerAct::Pays => "confirms on the sandbox page (no notification yet)",
                    PayerAct::Fails => "fails on the sandbox page",
                    PayerAct::Leaves => "leaves it unpaid",
                }
            ),
            Step::PayTwo { a, ma, b, mb } => {
                write!(f, "AT ONCE: pay order #{a} by {} and order #{b} by {}", ma.name(), mb.name())
            }
            Step::Payer { payment, pays, page } => write!(
                f,
                "the payer {} provider payment #{payment} {}",
                if *pays { "confirms" } else { "fails" },
                if *page { "on the sandbox page" } else { "by POST /api/dev/payments/{key}/confirm" }
            ),
            Step::Notify { payment } => write!(f, "the provider's notification of payment #{payment} arrives"),
            Step::Reconcile => f.write_str("reconciliation runs once"),
            Step::Cancel { order } => write!(f, "cancel order #{order}"),
            Step::Clock(m) => write!(f, "{m}"),
            Step::Bind { order, verified } => write!(
                f,
                "P binds personal order #{order} to {}",
                if *verified { "E (verified)" } else { "U (unverified)" }
            ),
            Step::Trial => f.write_str("E starts the free trial"),
            Step::Initiate { n } => write!(f, "E initiates {n} contract(s)"),
            Step::Withdraw { contract } => write!(f, "E withdraws contract #{contract}"),
            Step::Sign { contract } => write!(f, "E signs contract #{contract}"),
        }
    }
}

impl fmt::Display for Opening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.edition {
            Some((ed, days)) => write!(
                f,
                "E (verified) holds {ed} started 30 days ago with {days} day(s) and 5 hours left and {OPENING_CONTRACTS} contracts"
            )?,
            None => f.write_str("E (verified) holds no edition")?,
        }
        write!(f, "; E's balance ¥{}; P's balance ¥{}", self.balance_yuan, self.person_balance_yuan)?;
        for (i, v) in self.vouchers.iter().enumerate() {
            write!(f, "; E's voucher #{i}: ¥{} off", v.face_yuan)?;
            if let Some(m) = v.min_spend_yuan {
                write!(f, " from ¥{m}")?;
            }
            match v.editions_only {
                Some(true) => f.write_str(", editions only")?,
                Some(false) => f.write_str(", add-ons only")?,
                None => {}
            }
            write!(f, ", valid {} day(s)", v.days)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Plan {
    /// Numbered steps to replay by hand (proptest prints the shrunk
    /// sequence with this).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "\n  0. {}; P is staff of E and super admin of U (unverified)", self.opening)?;
        for (i, s) in self.steps.iter().enumerate() {
            writeln!(f, "  {}. {s}", i + 1)?;
        }
        Ok(())
    }
}

/// Debug reads like Display: proptest prints values with Debug.
macro_rules! debug_as_display {
    ($($t:ty),*) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }
    )*};
}
debug_as_display!(What, Move, Step, Opening);
