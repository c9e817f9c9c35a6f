//! Runs one sequence: each step against the real server over HTTP and in the
//! model, then waits for every paid order to settle, reads what the server
//! shows and checks it against the model and against the invariants.

use crate::books::{self, AddOn, Books, Ed, Grant, Kind, MQuote, Prod, Sel, Source, T, add_years};
use crate::harness::{Client, Fixture, GrantRow, PaymentRow, Server};
use crate::steps::{Edge, Method, Move, OPENING_CONTRACTS, PayerAct, Plan, Step, What, Who};
use crate::world::{CSt, Contract, Expect, Prov, St, World};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::time::Duration;

type Answer = (StatusCode, Value);

/// How often each outcome happened, over the whole run (printed at the end).
pub static COVERAGE: std::sync::Mutex<std::collections::BTreeMap<String, usize>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

fn count(what: impl Into<String>) {
    let mut c = COVERAGE.lock().unwrap_or_else(|p| p.into_inner());
    *c.entry(what.into()).or_default() += 1;
}

/// What the server shows of one account.
#[derive(Debug, Clone)]
struct AccountView {
    edition: Option<(String, bool, T, T)>,
    integration_until: Option<T>,
    balance: i64,
    contracts: (u64, u64, u64),
    reports: (u64, u64, u64),
    /// (id, status, payment method, payable in fen)
    orders: Vec<(i64, String, Option<String>, i64)>,
    payments: Vec<PaymentRow>,
    grants: Vec<GrantRow>,
    holding: i64,
}

#[derive(Debug, Clone)]
struct View {
    now: T,
    accounts: [AccountView; 2],
}

struct Run<'a> {
    server: &'a Server,
    fx: Fixture,
    world: World,
    log: String,
    view: Option<View>,
}

/// Runs `plan` on a fresh pair of accounts; the error says what broke, after
/// the log of what each step did.
pub async fn run(server: &Server, plan: &Plan) -> Result<(), String> {
    let fx = server.fixture(&plan.opening).await;
    let now = server.now();
    let mut e_books = Books {
        edition: None,
        integration_until: None,
        trial_used: false,
        balance: plan.opening.balance_fen(),
        opening: plan.opening.balance_fen(),
        debits: 0,
        grants: Vec::new(),
        vouchers: fx.vouchers.clone(),
    };
    if let (Some((ed, _)), Some(expires)) = (plan.opening.edition, fx.opening_expires) {
        e_books.edition = Some(books::Term { ed, starts: now - chrono::TimeDelta::days(30), expires, trial: false });
        e_books.grants.push(Grant {
            no: Some(1),
            order: None,
            kind: Kind::Contracts,
            source: Source::Edition,
            amount: OPENING_CONTRACTS,
            expires,
            drawn: 0,
            returned: 0,
            cleared: 0,
        });
    }
    let p_books = Books {
        balance: plan.opening.person_balance_fen(),
        opening: plan.opening.person_balance_fen(),
        vouchers: Vec::new(),
        grants: Vec::new(),
        ..e_books.clone()
    };
    let p_books = Books { edition: None, integration_until: None, ..p_books };
    let world = World {
        now,
        books: [e_books, p_books],
        orders: Vec::new(),
        payments: Vec::new(),
        contracts: Vec::new(),
        balance_returns: Vec::new(),
        balances_read: None,
        periods: Vec::new(),
    };
    let mut run = Run { server, fx, world, log: String::new(), view: None };
    let result = run.all(plan).await;
    if std::env::var_os("MODEL_LOG").is_some() {
        eprintln!("sequence:{plan:?}what the steps did:\n{}{result:?}\n", run.log);
    }
    result.map_err(|why| format!("{why}\n\nwhat the steps did:\n{}", run.log))
}

impl Run<'_> {
    async fn all(&mut self, plan: &Plan) -> Result<(), String> {
        self.check(&[], vec![(self.world.clone(), vec![])], false).await.map_err(|e| format!("at the start: {e}"))?;
        for (i, step) in plan.steps.iter().enumerate() {
            let _ = write!(self.log, "  {}. {step}", i + 1);
            self.step(step).await.map_err(|e| format!("step {}: {step}: {e}", i + 1))?;
            self.log.push('\n');
        }
        // The sequence ends: every collected payment is heard of, every open
        // order cancelled, and one round of reconciliation records the
        // closed provider payments, so that the next sequence starts clean.
        self.log.push_str(
            "  then: every collected payment's notification arrives, open orders are cancelled, reconciliation runs\n",
        );
        for p in 0..self.world.payments.len() {
            if matches!(self.world.payments[p].prov, Prov::Paid(_)) && !self.world.payments[p].notified {
                self.notify(p).await.map_err(|e| format!("at the end, notifying: {e}"))?;
            }
        }
        let open: Vec<i64> = self.world.orders.iter().filter(|o| o.status == St::Awaiting).map(|o| o.id).collect();
        for id in open {
            self.cancel(id).await.map_err(|e| format!("at the end, cancelling {id}: {e}"))?;
        }
        self.reconcile().await.map_err(|e| format!("at the end, reconciling: {e}"))?;
        self.money_is_accounted_for().await
    }

    fn skip(&mut self, why: &str) {
        count(format!("skipped: {why}"));
        let _ = write!(self.log, "  → skipped: {why}");
    }

    fn client(&self, who: usize) -> &Client {
        &self.fx.clients[who]
    }

    async fn step(&mut self, step: &Step) -> Result<(), String> {
        match step {
            Step::Place { who, what, voucher } => self.place(*who, what, *voucher).await,
            Step::Pay { order, method } => {
                let Some(id) = self.pick_order(*order, None) else {
                    self.skip("no order");
                    return Ok(());
                };
                let _ = write!(self.log, "  → order {id}");
                let method = self.method_for(id, *method);
                let mut w = self.world.clone();
                let e = w.pay(id, method, 0);
                let answer = self.pay_request(id, method).await;
                self.check(&[answer], vec![(w, vec![e])], true).await
            }
            Step::PayTwo { a, ma, b, mb } => self.pay_two(*a, *ma, *b, *mb).await,
            Step::Checkout { order, bank, then } => {
                let Some(id) = self.pick_order(*order, None) else {
                    self.skip("no order");
                    return Ok(());
                };
                let method = self.method_for(id, if *bank { Method::Bank } else { Method::Wechat });
                let _ = write!(self.log, "  → order {id} by {method}");
                let mut w = self.world.clone();
                let e = w.pay(id, method, 0);
                let answer = self.pay_request(id, method).await;
                self.check(std::slice::from_ref(&answer), vec![(w, vec![e])], true).await?;
                let Some(otn) = prompt_otn(&answer.1) else { return Ok(()) };
                let p = self.world.payments.iter().position(|p| p.otn == otn).ok_or("the prompt's payment")?;
                let pays = match then {
                    PayerAct::Leaves => return Ok(()),
                    PayerAct::Fails => false,
                    PayerAct::Pays | PayerAct::PaysAndIsHeard => true,
                };
                self.payer_page(p, pays).await?;
                if *then == PayerAct::PaysAndIsHeard && matches!(self.world.payments[p].prov, Prov::Paid(_)) {
                    self.notify(p).await?;
                }
                Ok(())
            }
            Step::Payer { payment, pays, page } => {
                let all: Vec<usize> = (0..self.world.payments.len()).collect();
                let open: Vec<usize> =
                    all.iter().copied().filter(|&p| self.world.payments[p].prov == Prov::Pending).collect();
                let Some(p) = pick(*payment, &open, &all) else {
                    self.skip("no provider payment");
                    return Ok(());
                };
                let otn = self.world.payments[p].otn.clone();
                let _ = write!(self.log, "  → {otn}");
                if *page || !*pays {
                    return self.payer_page(p, *pays).await;
                }
                let mut w = self.world.clone();
                let e = w.payer(p, *pays);
                let answer = self.client(0).post(&format!("/api/dev/payments/{otn}/confirm"), &json!({})).await;
                self.check(&[answer], vec![(w, vec![e])], false).await
            }
            Step::Notify { payment } => {
                let paid: Vec<usize> = (0..self.world.payments.len())
                    .filter(|&p| matches!(self.world.payments[p].prov, Prov::Paid(_)))
                    .collect();
                let unheard: Vec<usize> = paid.iter().copied().filter(|&p| !self.world.payments[p].notified).collect();
                let Some(p) = pick(*payment, &unheard, &paid) else {
                    self.skip("no payment collected at the provider");
                    return Ok(());
                };
                let _ = write!(self.log, "  → {}", self.world.payments[p].otn);
                self.notify(p).await
            }
            Step::Reconcile => self.reconcile().await,
            Step::Cancel { order } => {
                let Some(id) = self.pick_order(*order, None) else {
                    self.skip("no order");
                    return Ok(());
                };
                let _ = write!(self.log, "  → order {id}");
                self.cancel(id).await
            }
            Step::Clock(m) => self.clock(m).await,
            Step::Bind { order, verified } => {
                let Some(id) = self.pick_order(*order, Some(1)) else {
                    self.skip("P has no order");
                    return Ok(());
                };
                let _ = write!(self.log, "  → order {id}");
                let mut w = self.world.clone();
                let e = w.bind(id, *verified);
                let to = if *verified { self.fx.e } else { self.fx.u };
                let answer =
                    self.client(1).post(&format!("/api/orders/{id}/bind"), &json!({ "enterprise_id": to })).await;
                self.check(&[answer], vec![(w, vec![e])], true).await
            }
            Step::Trial => {
                let mut w = self.world.clone();
                let now = w.now;
                let e = match w.books[0].start_trial(now) {
                    Ok(()) => Expect::Ok,
                    Err(codes) => Expect::Refused(codes),
                };
                let answer = self.client(0).post("/api/trial", &json!({})).await;
                self.check(&[answer], vec![(w, vec![e])], false).await
            }
            Step::Initiate { n } => {
                for _ in 0..*n {
                    self.initiate().await?;
                }
                Ok(())
            }
            Step::Withdraw { contract } | Step::Sign { contract } => {
                if self.world.contracts.is_empty() {
                    self.skip("no contract");
                    return Ok(());
                }
                let c = usize::from(*contract) % self.world.contracts.len();
                let withdraw = matches!(step, Step::Withdraw { .. });
                let mut w = self.world.clone();
                let now = w.now;
                let e = match (w.contracts[c].status, withdraw) {
                    (CSt::Initiated, true) => {
                        w.contracts[c].status = CSt::Withdrawn;
                        let no = w.contracts[c].grant_no;
                        let g = w.books[0].grants.iter_mut().find(|g| g.no == Some(no)).ok_or("a contract's grant")?;
                        g.returned += 1;
                        if !g.live(now) {
                            g.cleared += 1;
                        }
                        Expect::Ok
                    }
                    (CSt::Initiated, false) => {
                        w.contracts[c].status = CSt::Signed;
                        Expect::Ok
                    }
                    (CSt::Signed, true) => Expect::Refused(vec!["contract_already_signed"]),
                    _ => Expect::Refused(vec!["invalid_state"]),
                };
                let id = self.world.contracts[c].id;
                let action = if withdraw { "withdraw" } else { "sign" };
                let _ = write!(self.log, "  → contract {id}");
                let answer = self.client(0).post(&format!("/api/contracts/{id}/{action}"), &json!({})).await;
                self.check(&[answer], vec![(w, vec![e])], false).await
            }
        }
    }

    /// The `n`-th order (of `who`, or of anyone), among those placed so far.
    fn pick_order(&self, n: u8, who: Option<usize>) -> Option<i64> {
        let mine = |o: &&crate::world::Order| who.is_none_or(|w| o.who == w);
        let open: Vec<i64> =
            self.world.orders.iter().filter(mine).filter(|o| o.status == St::Awaiting).map(|o| o.id).collect();
        let all: Vec<i64> = self.world.orders.iter().filter(mine).map(|o| o.id).collect();
        pick(n, &open, &all)
    }

    /// The method sent: a voucher completes an order it covers in full.
    fn method_for(&self, id: i64, method: Method) -> &'static str {
        if self.world.order(id).placed.payable == 0 { "voucher" } else { method.name() }
    }

    async fn pay_request(&self, id: i64, method: &str) -> Answer {
        let who = self.world.order(id).who;
        self.client(who).post(&format!("/api/orders/{id}/pay"), &json!({ "method": method })).await
    }

    async fn place(&mut self, who: Who, what: &What, voucher: Option<u8>) -> Result<(), String> {
        let w = who.index();
        if self.world.orders.iter().filter(|o| o.who == w && o.status == St::Awaiting).count() >= 4 {
            self.skip("four orders are open already");
            return Ok(());
        }
        let edition = |ed: &Ed, years: &Option<u8>| Some((*ed, *years));
        let mut sel = match what {
            What::Edition { ed, years } => Sel { edition: edition(ed, years), addons: vec![], voucher: None },
            What::Packs { big, n } => Sel {
                edition: None,
                addons: vec![(if *big { AddOn::Pack10k } else { AddOn::Pack1k }, u32::from(*n))],
                voucher: None,
            },
            What::Reports { n } => Sel { edition: None, addons: vec![(AddOn::Reports, u32::from(*n))], voucher: None },
            What::Integration { years } => {
                Sel { edition: None, addons: vec![(AddOn::Integration, u32::from(*years))], voucher: None }
            }
            What::Bundle { ed, years, integration, packs } => {
                let mut addons = vec![(AddOn::Integration, u32::from(*integration))];
                if *packs > 0 {
                    addons.push((AddOn::Pack1k, u32::from(*packs)));
                }
                Sel { edition: edition(ed, years), addons, voucher: None }
            }
        };
        let vouchers = &self.world.books[w].vouchers;
        if let Some(v) = voucher
            && !vouchers.is_empty()
        {
            sel.voucher = Some(vouchers[usize::from(v) % vouchers.len()].id.clone());
        }
        let expected = self.world.place_quote(w, &sel);
        let client = self.client(w).clone();
        let (status, quote) = client.post("/api/quote", &json!({ "selection": sel.json(), "channel": "web" })).await;
        let mq = match (&expected, status) {
            (Err(codes), s) if s.is_client_error() => {
                let code = quote["code"].as_str().unwrap_or_default();
                if !codes.contains(&code) {
                    return Err(format!(
                        "the quote was refused with {code}, the model expected one of {codes:?}: {quote}"
                    ));
                }
                let _ = write!(self.log, "  → refused: {code}");
                count(format!("quote refused {code}"));
                return Ok(());
            }
            (Err(codes), _) => return Err(format!("quoted ({status}) where the model refuses {codes:?}: {quote}")),
            (Ok(_), s) if s != StatusCode::OK => {
                return Err(format!("refused ({status}) where the model quotes: {quote}"));
            }
            (Ok(mq), _) => mq.clone(),
        };
        compare_quote(&mq, &quote).map_err(|e| format!("the quote differs from the model's: {e}\nserver: {quote}"))?;
        let key = format!("model-{}", rand::random::<u64>());
        let body = json!({ "selection": sel.json(), "channel": "web", "expected_total": quote["payable"] });
        let (status, order) = client.post_keyed("/api/orders", &key, &body).await;
        if status != StatusCode::CREATED {
            return Err(format!("placing answered {status}: {order}"));
        }
        let id = order["id"].as_i64().ok_or("an order id")?;
        let pay_by = instant(&order["pay_by"]).ok_or("pay_by")?;
        let _ = write!(self.log, "  → order {id}, ¥{}", yuan(mq.payable));
        let mut w2 = self.world.clone();
        w2.placed(id, w, sel, mq, pay_by);
        self.check(&[], vec![(w2, vec![])], false).await
    }

    async fn pay_two(&mut self, a: u8, ma: Method, b: u8, mb: Method) -> Result<(), String> {
        let (Some(x), Some(mut y)) = (self.pick_order(a, None), self.pick_order(b, None)) else {
            self.skip("no order");
            return Ok(());
        };
        let (mx, mut my) = (self.method_for(x, ma), self.method_for(y, mb));
        if x == y && !(mx == my && mx != "balance" && mx != "voucher") {
            // Two different payments of one order at once are not both meant
            // to serialise; pay the next order instead, or this one alone.
            match self.world.orders.iter().map(|o| o.id).find(|&o| o != x) {
                Some(other) => {
                    y = other;
                    my = self.method_for(y, mb);
                }
                None => {
                    let _ = write!(self.log, "  → one order only: order {x} by {mx}");
                    let mut w = self.world.clone();
                    let e = w.pay(x, mx, 0);
                    let answer = self.pay_request(x, mx).await;
                    return self.check(&[answer], vec![(w, vec![e])], true).await;
                }
            }
        }
        let _ = write!(self.log, "  → order {x} by {mx} and order {y} by {my}");
        let mut ab = self.world.clone();
        let e0 = ab.pay(x, mx, 0);
        let e1 = ab.pay(y, my, 1);
        let mut ba = self.world.clone();
        let f1 = ba.pay(y, my, 1);
        let f0 = ba.pay(x, mx, 0);
        let fix = |e: Expect| match e {
            Expect::SamePrompt(s) if s.starts_with('?') => Expect::PromptOf(s[1..].parse().unwrap_or(0)),
            e => e,
        };
        let mut candidates = vec![(ab, vec![fix(e0), fix(e1)]), (ba, vec![fix(f0), fix(f1)])];
        // PAY-2's first check reads the balance without a lock: both
        // requests may read it before either debits, and the second is then
        // refused by what the first changed (the order no longer holds)
        // rather than by the balance. Either serial order, so read.
        let read = [self.world.books[0].balance, self.world.books[1].balance];
        for x_first in [true, false] {
            let mut w = self.world.clone();
            w.balances_read = Some(read);
            let (ex, ey) = if x_first {
                let ex = w.pay(x, mx, 0);
                (ex, w.pay(y, my, 1))
            } else {
                let ey = w.pay(y, my, 1);
                (w.pay(x, mx, 0), ey)
            };
            w.balances_read = None;
            candidates.push((w, vec![fix(ex), fix(ey)]));
        }
        // A provider payment answered again is asked about at the provider
        // (`still_payable`): money it collected meanwhile is settled then,
        // after the other payment, which a serial order does not show.
        for (w, e) in candidates.clone() {
            let mut settled = w.clone();
            for p in 0..settled.payments.len() {
                let q = &settled.payments[p];
                if (q.order == x || q.order == y)
                    && q.srv == crate::world::Srv::Pending
                    && let Prov::Paid(at) = q.prov
                {
                    settled.settle(p, at);
                }
            }
            candidates.push((settled, e));
        }
        let (r0, r1) = tokio::join!(self.pay_request(x, mx), self.pay_request(y, my));
        self.check(&[r0, r1], candidates, true).await
    }

    /// The payer presses pay or fail on the sandbox's page (it shows the
    /// outcome, whatever it was).
    async fn payer_page(&mut self, p: usize, pays: bool) -> Result<(), String> {
        let otn = self.world.payments[p].otn.clone();
        let mut w = self.world.clone();
        w.payer(p, pays);
        let base = if self.world.payments[p].method == "online_banking" { "bank" } else { "pay" };
        let button = if pays { "pay" } else { "fail" };
        let status = self.client(0).press(&format!("/sandbox/{base}/{otn}/{button}")).await;
        if status != StatusCode::OK {
            return Err(format!("the sandbox page's {button} answered {status}"));
        }
        self.check(&[], vec![(w, vec![])], false).await
    }

    async fn notify(&mut self, p: usize) -> Result<(), String> {
        let otn = self.world.payments[p].otn.clone();
        let mut w = self.world.clone();
        w.notify(p);
        let status = self.server.notify(&otn).await.ok_or("the sandbox has no notification for a paid payment")?;
        if status != StatusCode::NO_CONTENT {
            return Err(format!("the notification of {otn} was answered {status}"));
        }
        self.check(&[], vec![(w, vec![])], true).await
    }

    async fn reconcile(&mut self) -> Result<(), String> {
        let paid: Vec<usize> = (0..self.world.payments.len())
            .filter(|&p| {
                matches!(self.world.payments[p].prov, Prov::Paid(_))
                    && self.world.payments[p].srv == crate::world::Srv::Pending
            })
            .collect();
        // Reconciliation settles collected payments oldest first; payments
        // opened at the same instant may come in either order.
        let mut orders = vec![paid.clone()];
        if paid.len() > 1 && paid.len() <= 4 {
            orders = permutations(&paid);
        }
        let candidates = orders
            .into_iter()
            .map(|order| {
                let mut w = self.world.clone();
                w.reconcile(&order);
                (w, vec![])
            })
            .collect();
        server::workers::reconcile::run_once(&self.server.state)
            .await
            .map_err(|e| format!("reconciliation failed: {e}"))?;
        self.check(&[], candidates, true).await
    }

    async fn cancel(&mut self, id: i64) -> Result<(), String> {
        let mut w = self.world.clone();
        let e = w.cancel(id);
        let who = self.world.order(id).who;
        let answer = self.client(who).post(&format!("/api/orders/{id}/cancel"), &json!({})).await;
        self.check(&[answer], vec![(w, vec![e])], false).await
    }

    async fn clock(&mut self, m: &Move) -> Result<(), String> {
        let now = self.world.now;
        let edge = |end: Option<T>, e: &Edge| {
            end.map(|end| match e {
                Edge::LastDay => end - chrono::TimeDelta::days(1),
                Edge::MinuteBefore => end - chrono::TimeDelta::minutes(1),
                Edge::Exactly => end,
                Edge::MinuteAfter => end + chrono::TimeDelta::minutes(1),
            })
        };
        let target = match m {
            Move::Minutes(n) => Some(now + chrono::TimeDelta::minutes(i64::from(*n))),
            Move::Days(n) => Some(now + chrono::TimeDelta::days(i64::from(*n))),
            Move::Years(n) => Some(add_years(now, u32::from(*n))),
            Move::EditionEnd(e) => edge(self.world.books[0].edition.as_ref().map(|t| t.expires), e),
            Move::IntegrationEnd(e) => edge(self.world.books[0].integration_until, e),
            Move::PayBy(e) => {
                edge(self.world.orders.iter().rev().find(|o| o.status == St::Awaiting).map(|o| o.pay_by), e)
            }
        };
        let Some(target) = target.filter(|t| *t > now) else {
            self.skip("that moment has passed");
            return Ok(());
        };
        self.server.clock.advance(target - now);
        self.server.keep_sessions(&self.fx.people).await;
        let _ =
            write!(self.log, "  → {}", target.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("CST")));
        let mut w = self.world.clone();
        w.now = target;
        self.check(&[], vec![(w, vec![])], false).await
    }

    async fn initiate(&mut self) -> Result<(), String> {
        let now = self.world.now;
        let candidates = self.world.books[0].draw_candidates(Kind::Contracts, now);
        let title = format!("合同 {}", self.world.contracts.len() + 1);
        let (status, body) = self.client(0).post("/api/contracts", &json!({ "title": title })).await;
        let mut w = self.world.clone();
        if candidates.is_empty() {
            if body["code"] != "quota_exhausted" {
                return Err(format!("initiating with no contract left answered {status}: {body}"));
            }
            let _ = write!(self.log, "  → quota_exhausted");
            return self.check(&[], vec![(w, vec![])], false).await;
        }
        if status != StatusCode::CREATED {
            return Err(format!("initiating answered {status}: {body}; the model has {candidates:?} to draw from"));
        }
        let grant = body["grant"].as_i64().ok_or("a grant")?;
        let Some(&g) = candidates.iter().find(|&&g| w.books[0].grants[g].no == Some(grant)) else {
            return Err(format!(
                "the contract was drawn from grant {grant}; QUO-5 draws from the one expiring first: {:?}",
                candidates.iter().map(|&g| &w.books[0].grants[g]).collect::<Vec<_>>()
            ));
        };
        w.books[0].grants[g].drawn += 1;
        let id = body["id"].as_i64().ok_or("a contract id")?;
        w.contracts.push(Contract { id, grant_no: grant, status: CSt::Initiated });
        let _ = write!(self.log, "  → contract {id} from grant {grant}");
        self.check(&[], vec![(w, vec![])], false).await
    }

    // --- Checking -----------------------------------------------------------

    /// Waits for paid orders to settle, reads the server, keeps the first
    /// candidate world whose answers and state the server matches, then
    /// checks the invariants. `paying`: the step may move money.
    async fn check(
        &mut self,
        answers: &[Answer],
        candidates: Vec<(World, Vec<Expect>)>,
        paying: bool,
    ) -> Result<(), String> {
        let view = self.observe().await?;
        let known: Vec<String> = self.world.payments.iter().map(|p| p.otn.clone()).collect();
        let mut misses = String::new();
        let mut chosen = None;
        for (i, (w, expects)) in candidates.into_iter().enumerate() {
            match answers_match(&expects, answers, &known).and_then(|otns| {
                let mut w = w;
                for (k, otn) in otns.iter().enumerate() {
                    if let Some(otn) = otn {
                        for p in w.payments.iter_mut().filter(|p| p.otn == format!("?{k}")) {
                            p.otn = otn.clone();
                        }
                    }
                }
                agree(&mut w, &view).map(|()| w)
            }) {
                Ok(w) => {
                    chosen = Some(w);
                    break;
                }
                Err(e) => {
                    let _ = write!(misses, "\n  as the model's serial order #{} has it ({expects:?}): {e}", i + 1);
                }
            }
        }
        let Some(world) = chosen else {
            let answers: Vec<String> = answers.iter().map(|(s, b)| format!("{s} {b}")).collect();
            return Err(format!("the server does not do what the model does; it answered {answers:?}{misses}"));
        };
        invariants(self.view.as_ref(), &view, &world, paying)?;
        for (status, body) in answers {
            count(format!("answer {} {}", status.as_u16(), body["code"].as_str().unwrap_or("")));
        }
        for o in &world.orders {
            let was = self.world.orders.iter().find(|x| x.id == o.id).map(|x| x.status);
            if was != Some(o.status) {
                count(format!("order → {}", o.status.name()));
            }
        }
        for p in &world.payments {
            let was = self.world.payments.iter().find(|x| x.otn == p.otn).map(|x| x.srv);
            if was != Some(p.srv) {
                count(format!("payment → {} {}", p.srv.name(), p.srv.reason().unwrap_or("")));
            }
        }
        self.world = world;
        self.view = Some(view);
        Ok(())
    }

    async fn observe(&self) -> Result<View, String> {
        let started = std::time::Instant::now();
        let orders = loop {
            let mut all = Vec::new();
            for who in 0..2 {
                let (status, list) = self.client(who).get("/api/orders").await;
                if status != StatusCode::OK {
                    return Err(format!("GET /api/orders answered {status}: {list}"));
                }
                all.push(list);
            }
            let unsettled: Vec<String> = all
                .iter()
                .flat_map(|l| l.as_array().into_iter().flatten())
                .filter(|o| o["status"] == "paid" || o["status"] == "delivering")
                .map(|o| format!("order {} is {}", o["id"], o["status"]))
                .collect();
            if unsettled.is_empty() {
                break all;
            }
            if started.elapsed() > Duration::from_secs(10) {
                return Err(format!("ORD-1: paid orders still not delivered after 10 s: {unsettled:?}"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let accounts = [self.fx.e_account, self.fx.p_account];
        let mut views = Vec::new();
        for who in 0..2 {
            let (status, billing) = self.client(who).get("/api/billing").await;
            if status != StatusCode::OK {
                return Err(format!("GET /api/billing answered {status}: {billing}"));
            }
            let edition = match &billing["edition"] {
                Value::Null => None,
                e => Some((
                    e["edition"].as_str().unwrap_or_default().to_owned(),
                    e["trial"].as_bool().unwrap_or_default(),
                    instant(&e["starts_at"]).ok_or("starts_at")?,
                    instant(&e["expires_at"]).ok_or("expires_at")?,
                )),
            };
            let usage = |v: &Value| {
                (
                    v["total"].as_u64().unwrap_or(0),
                    v["used"].as_u64().unwrap_or(0),
                    v["remaining"].as_u64().unwrap_or(0),
                )
            };
            let reports = billing["addons"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| a["addon"] == "signing_reports")
                .map_or((0, 0, 0), usage);
            let orders = orders[who]
                .as_array()
                .into_iter()
                .flatten()
                .map(|o| {
                    (
                        o["id"].as_i64().unwrap_or_default(),
                        o["status"].as_str().unwrap_or_default().to_owned(),
                        o["payment_method"].as_str().map(str::to_owned),
                        fen(&o["payable"]).unwrap_or(-1),
                    )
                })
                .collect();
            views.push(AccountView {
                edition,
                integration_until: instant(&billing["integration_until"]),
                balance: fen(&billing["balance"]).ok_or("the balance")?,
                contracts: usage(&billing["contracts"]),
                reports,
                orders,
                payments: self.server.payments_of(accounts[who]).await,
                grants: self.server.grants_of(accounts[who]).await,
                holding: self.server.contracts_holding(accounts[who]).await,
            });
        }
        let p = views.pop().expect("P");
        let e = views.pop().expect("E");
        Ok(View { now: self.server.now(), accounts: [e, p] })
    }

    /// After the sequence: every payment the provider collected is either
    /// the payment of an order that kept it, or money to return.
    async fn money_is_accounted_for(&mut self) -> Result<(), String> {
        let view = self.view.clone().ok_or("no view")?;
        for p in &self.world.payments {
            let at_provider = self.server.provider_status(&p.otn).await;
            if at_provider.as_deref() != Some("paid") {
                continue;
            }
            let row = view.accounts.iter().flat_map(|a| &a.payments).find(|r| r.out_trade_no == p.otn);
            let order = view.accounts.iter().flat_map(|a| &a.orders).find(|o| o.0 == p.order);
            match (row.map(|r| r.status.as_str()), order.map(|o| o.1.as_str())) {
                (Some("paid"), Some("delivered" | "bound")) => {}
                (Some("refund_due" | "disputed"), _) => {}
                other => {
                    return Err(format!(
                        "PAY-4: {} was collected by the provider but is {other:?} (payment, order)",
                        p.otn
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The `n`-th of `open` (below 6, when there are any) or of `all`.
fn pick<X: Clone>(n: u8, open: &[X], all: &[X]) -> Option<X> {
    let from = if n < 6 && !open.is_empty() { open } else { all };
    (!from.is_empty()).then(|| from[usize::from(n) % from.len()].clone())
}

fn permutations(items: &[usize]) -> Vec<Vec<usize>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, first);
            out.push(tail);
        }
    }
    out
}

fn prompt_otn(body: &Value) -> Option<String> {
    let prompt = &body["prompt"];
    if let Some(url) = prompt["code_url"].as_str() {
        return url.strip_prefix("weixin://wxpay/bizpayurl?pr=").map(str::to_owned);
    }
    prompt["url"].as_str().and_then(|u| u.strip_prefix("/sandbox/bank/")).map(str::to_owned)
}

/// Whether the answers are the expected ones; the payment numbers of new prompts.
fn answers_match(expects: &[Expect], answers: &[Answer], known: &[String]) -> Result<Vec<Option<String>>, String> {
    if expects.len() != answers.len() {
        return Err(format!("{} answers for {} expectations", answers.len(), expects.len()));
    }
    let mut otns: Vec<Option<String>> = vec![None; answers.len()];
    for (k, (e, (status, body))) in expects.iter().zip(answers).enumerate() {
        let otn = prompt_otn(body);
        let ok = match e {
            Expect::Ok => status.is_success(),
            Expect::NewPrompt => *status == StatusCode::OK && otn.as_ref().is_some_and(|o| !known.contains(o)),
            Expect::SamePrompt(s) => *status == StatusCode::OK && otn.as_ref() == Some(s),
            Expect::PromptOf(i) => *status == StatusCode::OK && otn.is_some() && otns.get(*i).cloned().flatten() == otn,
            Expect::Refused(codes) => status.is_client_error() && codes.iter().any(|c| body["code"] == *c),
            Expect::Unavailable => *status == StatusCode::SERVICE_UNAVAILABLE,
        };
        if !ok {
            return Err(format!("answer {} was {status} {body}, the model expected {e:?}", k + 1));
        }
        if matches!(e, Expect::NewPrompt) {
            otns[k] = otn.clone();
        }
        if matches!(e, Expect::PromptOf(_)) {
            otns[k] = None;
        }
        if otns[k].is_none() && matches!(e, Expect::NewPrompt) {
            return Err("a new prompt without its payment number".into());
        }
        // Later PromptOf refer to this answer's payment.
        if let (Expect::SamePrompt(_), Some(o)) = (e, &otn) {
            otns[k] = Some(o.clone());
            if known.contains(o) {
                // Known already: nothing to name.
            }
        }
    }
    // Only new payments are named; a SamePrompt names a known one.
    Ok(expects.iter().zip(otns).map(|(e, o)| if matches!(e, Expect::NewPrompt) { o } else { None }).collect())
}

/// Compares the server's quote with the model's, line by line.
fn compare_quote(m: &MQuote, q: &Value) -> Result<(), String> {
    let lines = q["lines"].as_array().ok_or("no lines")?;
    if lines.len() != m.lines.len() {
        return Err(format!("{} lines, the model has {}", lines.len(), m.lines.len()));
    }
    for (ml, sl) in m.lines.iter().zip(lines) {
        let product = match ml.prod {
            Prod::Edition(e) => json!({ "kind": "edition", "id": e.name() }),
            Prod::AddOn(a) => json!({ "kind": "add_on", "id": a.name() }),
        };
        let grants = ml.grants.map(|(k, n)| json!({ "kind": k.name(), "amount": n }));
        let checks = [
            ("product", sl["product"] == product),
            ("action", sl["action"].as_str() == ml.action.map(|a| a.name())),
            ("years", sl["years"].as_u64() == ml.years.map(u64::from)),
            ("quantity", sl["quantity"].as_u64() == Some(u64::from(ml.quantity))),
            ("amount", fen(&sl["amount"]) == Some(ml.amount)),
            ("discount", fen(&sl["discount"]).is_some_and(|d| (d - ml.discount).abs() <= 1)),
            ("payable", fen(&sl["payable"]).is_some_and(|d| (d - ml.payable).abs() <= 1)),
            ("grants", sl["grants"] == grants.unwrap_or(Value::Null)),
            ("starts_at", instant(&sl["starts_at"]) == Some(ml.start)),
            ("expires_at", instant(&sl["expires_at"]) == Some(ml.end)),
        ];
        if let Some((what, _)) = checks.iter().find(|(_, ok)| !ok) {
            return Err(format!("line {product}: {what} differs; the model's line is {ml:?}"));
        }
    }
    if fen(&q["subtotal"]) != Some(m.subtotal) || fen(&q["payable"]) != Some(m.payable) {
        return Err(format!("totals differ: the model's subtotal {} payable {}", yuan(m.subtotal), yuan(m.payable)));
    }
    Ok(())
}

/// The model's books against what the server shows; assigns the server's
/// grant numbers to the model's new grants.
fn agree(w: &mut World, view: &View) -> Result<(), String> {
    let now = view.now;
    if now != w.now {
        return Err(format!("the clock is {now}, the model's {}", w.now));
    }
    for who in 0..2 {
        let name = ["E", "P"][who];
        let a = &view.accounts[who];
        let b = &mut w.books[who];
        let edition = b.edition.as_ref().map(|t| (t.ed.name().to_owned(), t.trial, t.starts, t.expires));
        if a.edition != edition {
            return Err(format!("{name}'s edition is {:?}, the model's {edition:?}", a.edition));
        }
        if a.integration_until != b.integration_until {
            return Err(format!(
                "{name}'s integration ends {:?}, the model's {:?}",
                a.integration_until, b.integration_until
            ));
        }
        if a.balance != b.balance {
            return Err(format!("{name}'s balance is ¥{}, the model's ¥{}", yuan(a.balance), yuan(b.balance)));
        }
        for (g, (kind, shown)) in [(Kind::Contracts, a.contracts), (Kind::Reports, a.reports)].into_iter().enumerate() {
            let _ = g;
            let model = b.usage(kind, now);
            if shown != model {
                return Err(format!("{name}'s {kind:?} (total, used, remaining) are {shown:?}, the model's {model:?}"));
            }
        }
        // Grants, matched by (order, kind, source).
        if a.grants.len() != b.grants.len() {
            return Err(format!(
                "{name} has {} grants, the model {}: {:?} vs {:?}",
                a.grants.len(),
                b.grants.len(),
                a.grants,
                b.grants
            ));
        }
        for row in &a.grants {
            let g = b
                .grants
                .iter_mut()
                .find(|g| g.order == row.order_id && g.kind.name() == row.kind && g.source.name() == row.source)
                .ok_or_else(|| format!("{name}'s grant {row:?} is not in the model"))?;
            let same = g.no.is_none_or(|n| n == row.no)
                && g.amount as i64 == row.amount
                && g.expires == row.expires
                && g.drawn as i64 == row.drawn
                && g.returned as i64 == row.returned
                && (!g.live(now) || g.cleared as i64 == row.cleared);
            if !same {
                return Err(format!("{name}'s grant {row:?} differs from the model's {g:?}"));
            }
            g.no = Some(row.no);
        }
        // Orders.
        let mine: Vec<&crate::world::Order> = w.orders.iter().filter(|o| o.who == who).collect();
        if mine.len() != a.orders.len() {
            return Err(format!("{name} has {} orders, the model {}", a.orders.len(), mine.len()));
        }
        for o in mine {
            let (_, status, method, payable) =
                a.orders.iter().find(|x| x.0 == o.id).ok_or_else(|| format!("{name}'s order {} is missing", o.id))?;
            if status != o.status.name() {
                return Err(format!("order {} is {status}, the model's is {}", o.id, o.status.name()));
            }
            if o.status.paid() && method.as_deref() != o.method {
                return Err(format!("order {} was paid by {method:?}, the model's by {:?}", o.id, o.method));
            }
            if *payable != o.placed.payable {
                return Err(format!(
                    "order {} is for ¥{}, the model's ¥{}",
                    o.id,
                    yuan(*payable),
                    yuan(o.placed.payable)
                ));
            }
        }
        // Payments.
        let ids: Vec<i64> = w.orders.iter().filter(|o| o.who == who).map(|o| o.id).collect();
        let model_rows: Vec<(String, &str, Option<&str>)> = w
            .payments
            .iter()
            .filter(|p| ids.contains(&p.order))
            .map(|p| (p.otn.clone(), p.srv.name(), p.srv.reason()))
            .chain(
                w.balance_returns
                    .iter()
                    .filter(|(o, _)| ids.contains(o))
                    .map(|(o, _)| (format!("R{o:010}"), "refund_due", Some("not_deliverable"))),
            )
            .collect();
        if model_rows.len() != a.payments.len() {
            return Err(format!("{name} has payments {:?}, the model {model_rows:?}", a.payments));
        }
        for (otn, status, reason) in &model_rows {
            let row = a
                .payments
                .iter()
                .find(|r| &r.out_trade_no == otn)
                .ok_or_else(|| format!("payment {otn} is missing"))?;
            let failed_first = row.status == "failed"
                && *status == "closed"
                && w.payments.iter().any(|p| &p.otn == otn && p.payer_failed);
            if (row.status != *status && !failed_first) || row.refund_reason.as_deref() != *reason {
                return Err(format!(
                    "payment {otn} is {} ({:?}), the model's {status} ({reason:?})",
                    row.status, row.refund_reason
                ));
            }
        }
    }
    Ok(())
}

/// The invariants, read off the server alone (and the model's periods,
/// which `agree` has just held against the server).
fn invariants(before: Option<&View>, after: &View, w: &World, paying: bool) -> Result<(), String> {
    for who in 0..2 {
        let name = ["E", "P"][who];
        let a = &after.accounts[who];
        // The rank never drops through a payment.
        if paying
            && let Some(b) = before.map(|v| &v.accounts[who])
            && let Some((ed, false, _, exp)) = &b.edition
            && *exp > after.now
            && before.is_some_and(|v| v.now == after.now)
        {
            let rank = |e: &str| Ed::parse(e).map_or(0, |e| e as u8 + 1);
            let now_rank =
                a.edition.as_ref().filter(|(_, trial, _, exp)| !trial && *exp > after.now).map_or(0, |e| rank(&e.0));
            // A person's edition leaves with the order that binds it.
            if now_rank < rank(ed) && !(who == 1 && w.orders.iter().any(|o| o.who == 1 && o.status == St::Bound)) {
                return Err(format!("SEL-6: {name}'s edition fell from {ed} to {:?} through a payment", a.edition));
            }
        }
        // The expiry never passes now + 3 years.
        if let Some((_, _, _, exp)) = &a.edition
            && *exp > add_years(after.now, 3)
        {
            return Err(format!("REN-1: {name}'s edition runs to {exp}, past now + 3 years"));
        }
        // The balance never goes negative and is opening − debits (+ no automatic returns).
        let debits: i64 = a
            .orders
            .iter()
            .filter(|o| {
                o.2.as_deref() == Some("balance")
                    && ["paid", "delivering", "delivered", "bound", "needs_attention"].contains(&o.1.as_str())
            })
            .map(|o| o.3)
            .sum();
        let opening = w.books[who].opening;
        if a.balance < 0 || a.balance != opening - debits {
            return Err(format!(
                "PAY-1: {name}'s balance is ¥{}, but it opened at ¥{} and paid ¥{} from it",
                yuan(a.balance),
                yuan(opening),
                yuan(debits)
            ));
        }
        // Nobody pays twice for one order, and a needs-attention order's money is to be returned.
        for (id, status, method, _) in &a.orders {
            let paid = a.payments.iter().filter(|p| p.order_id == *id && p.status == "paid").count();
            let by_provider = matches!(method.as_deref(), Some("wechat_pay" | "online_banking"));
            let expected = usize::from(by_provider && ["delivered", "bound"].contains(&status.as_str()));
            if paid != expected {
                return Err(format!("PAY-4: order {id} ({status}, by {method:?}) has {paid} paid payments"));
            }
            if status == "needs_attention" && !a.payments.iter().any(|p| p.order_id == *id && p.status == "refund_due")
            {
                return Err(format!("ORD-1: order {id} needs attention but none of its money is to be returned"));
            }
        }
        // Quota is conserved: no grant below zero, draws less returns are the contracts held.
        let mut net = 0;
        for g in &a.grants {
            if g.amount + g.returned - g.drawn - g.cleared < 0 {
                return Err(format!("QUO-5: grant {g:?} of {name} is below zero"));
            }
            if g.kind == "contracts" {
                net += g.drawn - g.returned;
            }
        }
        if net != a.holding {
            return Err(format!("QUO-2: {name} drew {net} contracts net but holds {} contracts", a.holding));
        }
    }
    // Nobody is charged twice for one period.
    for (i, x) in w.periods.iter().enumerate() {
        for y in &w.periods[i + 1..] {
            if x.who == y.who && x.what == y.what && x.from < y.to && y.from < x.to {
                return Err(format!("charged twice for one period: {x:?} and {y:?}"));
            }
        }
    }
    Ok(())
}

fn instant(v: &Value) -> Option<T> {
    v.as_str().and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&chrono::Utc))
}

/// "6980.00" → 698000.
fn fen(v: &Value) -> Option<i64> {
    let s = v.as_str()?;
    let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
    let frac = format!("{frac:0<2}");
    Some(whole.parse::<i64>().ok()? * 100 + frac.get(..2)?.parse::<i64>().ok()?)
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}
