//! The model of the whole sequence: both accounts' books, the orders, the
//! provider payments (the sandbox's side and ours), the contracts, and what
//! each request should answer. Every transition is written here from the
//! rules, with the model's own arithmetic (`books`); the runner keeps the
//! world whose predictions the server matched.

use crate::books::{Action, Books, Codes, Ed, MQuote, Prod, Sel, T, same_promise};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum St {
    Awaiting,
    Delivered,
    Bound,
    NeedsAttention,
    Closed,
}

impl St {
    pub fn name(self) -> &'static str {
        match self {
            St::Awaiting => "awaiting_payment",
            St::Delivered => "delivered",
            St::Bound => "bound",
            St::NeedsAttention => "needs_attention",
            St::Closed => "closed",
        }
    }
    /// The order kept its payment (ORD-1).
    pub fn paid(self) -> bool {
        matches!(self, St::Delivered | St::Bound | St::NeedsAttention)
    }
}

#[derive(Debug, Clone)]
pub struct Order {
    pub id: i64,
    pub who: usize,
    pub sel: Sel,
    pub placed: MQuote,
    pub status: St,
    pub method: Option<&'static str>,
    pub paid_at: Option<T>,
    pub pay_by: T,
}

/// A provider payment at the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prov {
    Pending,
    Paid(T),
    Failed,
    Closed,
}

/// The same payment as the server records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Srv {
    Pending,
    Paid,
    Failed,
    Closed,
    RefundDue(&'static str),
}

impl Srv {
    pub fn name(self) -> &'static str {
        match self {
            Srv::Pending => "pending",
            Srv::Paid => "paid",
            Srv::Failed => "failed",
            Srv::Closed => "closed",
            Srv::RefundDue(_) => "refund_due",
        }
    }
    pub fn reason(self) -> Option<&'static str> {
        match self {
            Srv::RefundDue(r) => Some(r),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Payment {
    /// `?k` until the k-th answer of the step names it.
    pub otn: String,
    pub order: i64,
    pub method: &'static str,
    pub opened_at: T,
    pub prov: Prov,
    pub srv: Srv,
    pub notified: bool,
    /// The payer failed it at the provider. Closed for an order that no
    /// longer holds, the server may record it `failed` instead of `closed`:
    /// a concurrent request for the same order may have learned of the
    /// failure first. Either way it has ended and took no money.
    pub payer_failed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CSt {
    Initiated,
    Signed,
    Withdrawn,
}

#[derive(Debug, Clone)]
pub struct Contract {
    pub id: i64,
    pub grant_no: i64,
    pub status: CSt,
}

/// A period something was paid for: (account, what, from, to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub who: usize,
    pub what: String,
    pub order: i64,
    pub from: T,
    pub to: T,
}

/// What a request should answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    Ok,
    /// A provider payment opened now, not one seen before.
    NewPrompt,
    /// The provider payment already open, answered again.
    SamePrompt(String),
    /// The same payment as the prompt of answer `i` of this step.
    PromptOf(usize),
    Refused(Codes),
    Unavailable,
}

#[derive(Debug, Clone)]
pub struct World {
    pub now: T,
    pub books: [Books; 2],
    pub orders: Vec<Order>,
    pub payments: Vec<Payment>,
    pub contracts: Vec<Contract>,
    /// Money paid from the balance for an order that needs attention:
    /// (order, amount), recorded as payment `R{order}` to return.
    pub balance_returns: Vec<(i64, i64)>,
    pub periods: Vec<Period>,
    /// The balances PAY-2's first check reads, when they are not the books'
    /// own: two payments at once may both read them before either debits.
    pub balances_read: Option<[i64; 2]>,
}

impl World {
    pub fn order(&self, id: i64) -> &Order {
        self.orders.iter().find(|o| o.id == id).expect("a known order")
    }
    fn order_mut(&mut self, id: i64) -> &mut Order {
        self.orders.iter_mut().find(|o| o.id == id).expect("a known order")
    }
    fn pending_of(&self, order: i64) -> Option<usize> {
        self.payments.iter().position(|p| p.order == order && p.srv == Srv::Pending)
    }

    /// PRI-2: the order held against its basis (the delivered books: the
    /// runner waits for every delivery) at `now`, priced at `priced_at`.
    fn hold(&self, id: i64, now: T, priced_at: T) -> Result<(), Codes> {
        let o = self.order(id);
        if o.status != St::Awaiting {
            return Err(vec!["invalid_state"]);
        }
        let books = &self.books[o.who];
        let fresh = books.quote(&o.sel, priced_at, Some(id))?;
        if !same_promise(&o.placed, &fresh) {
            // Priced earlier (a provider payment opened then), the order is
            // quoted again now: what refuses it now is the answer, else the new price.
            if priced_at != now {
                books.quote(&o.sel, now, Some(id))?;
            }
            return Err(vec!["quote_changed"]);
        }
        books.deliverable(&o.placed, now).map_err(|c| vec![c])
    }

    /// The order becomes paid at `at` and is delivered (or needs attention).
    fn paid(&mut self, id: i64, method: &'static str, at: T, payment: Option<usize>) {
        let (who, placed) = {
            let o = self.order_mut(id);
            o.status = St::Delivered;
            o.method = Some(method);
            o.paid_at = Some(at);
            (o.who, o.placed.clone())
        };
        if method == "balance" {
            self.books[who].balance -= placed.payable;
            self.books[who].debits += placed.payable;
        }
        let before = self.books[who].clone();
        match self.books[who].deliver(&placed, id, at, self.now, None) {
            Ok(()) => self.periods.extend(periods_of(who, id, &placed, &before, &self.books[who], at)),
            Err(_) => {
                self.order_mut(id).status = St::NeedsAttention;
                match payment {
                    Some(p) => self.payments[p].srv = Srv::RefundDue("not_deliverable"),
                    None if method == "balance" => self.balance_returns.push((id, placed.payable)),
                    None => {}
                }
            }
        }
    }

    /// Placing an order: the quote it gets, or why not.
    pub fn place_quote(&self, who: usize, sel: &Sel) -> Result<MQuote, Codes> {
        self.books[who].quote(sel, self.now, None)
    }

    pub fn placed(&mut self, id: i64, who: usize, sel: Sel, placed: MQuote, pay_by: T) {
        if let Some(v) = &sel.voucher {
            for voucher in self.books[who].vouchers.iter_mut().filter(|x| &x.id == v) {
                voucher.used_by = Some(id);
            }
        }
        self.orders.push(Order { id, who, sel, placed, status: St::Awaiting, method: None, paid_at: None, pay_by });
    }

    /// Closes the payment at the provider as the server's `close_pending`
    /// does; false when the provider refuses (it was paid there).
    fn close_at_provider(&mut self, p: usize, record: bool) -> bool {
        match self.payments[p].prov {
            Prov::Paid(_) => false,
            _ => {
                self.payments[p].prov = Prov::Closed;
                if record && self.payments[p].srv == Srv::Pending {
                    self.payments[p].srv = Srv::Closed;
                }
                true
            }
        }
    }

    /// `POST /orders/{id}/pay`; `k` names the answer within the step.
    pub fn pay(&mut self, id: i64, method: &'static str, k: usize) -> Expect {
        let now = self.now;
        if self.order(id).status != St::Awaiting {
            return Expect::Refused(vec!["invalid_state"]);
        }
        let payable = self.order(id).placed.payable;
        if (payable == 0) != (method == "voucher") {
            return Expect::Refused(vec!["invalid_input"]);
        }
        // PAY-2: checked first, against the balance as read (without a lock).
        let who = self.order(id).who;
        let read = self.balances_read.map_or(self.books[who].balance, |b| b[who]);
        if method == "balance" && read < payable {
            return Expect::Refused(vec!["insufficient_balance"]);
        }
        if method == "balance" || method == "voucher" {
            if let Some(p) = self.pending_of(id)
                && !self.close_at_provider(p, true)
            {
                return Expect::Unavailable;
            }
            if let Err(codes) = self.hold(id, now, now) {
                return Expect::Refused(codes);
            }
            if method == "balance" && self.books[who].balance < payable {
                return Expect::Refused(vec!["insufficient_balance"]);
            }
            self.paid(id, method, now, None);
            return Expect::Ok;
        }
        loop {
            let pending = self.pending_of(id);
            let priced_at =
                pending.filter(|&p| self.payments[p].method == method).map_or(now, |p| self.payments[p].opened_at);
            if let Err(codes) = self.hold(id, now, priced_at) {
                if let Some(p) = self.pending_of(id) {
                    self.close_at_provider(p, true);
                }
                return Expect::Refused(codes);
            }
            match pending {
                Some(p) if self.payments[p].method == method => match self.payments[p].prov {
                    Prov::Pending => return Expect::SamePrompt(self.payments[p].otn.clone()),
                    Prov::Failed => self.payments[p].srv = Srv::Failed,
                    Prov::Closed => self.payments[p].srv = Srv::Closed,
                    Prov::Paid(at) => self.settle(p, at),
                },
                Some(p) => {
                    if !self.close_at_provider(p, true) {
                        return Expect::Unavailable;
                    }
                }
                None => {
                    self.payments.push(Payment {
                        otn: format!("?{k}"),
                        order: id,
                        method,
                        opened_at: now,
                        prov: Prov::Pending,
                        srv: Srv::Pending,
                        notified: false,
                        payer_failed: false,
                    });
                    return Expect::NewPrompt;
                }
            }
        }
    }

    /// PAY-4: money collected by the provider for payment `p`, paid at `at`,
    /// judged now (a notification, or reconciliation).
    pub fn settle(&mut self, p: usize, at: T) {
        match self.payments[p].srv {
            Srv::Paid | Srv::RefundDue(_) => return,
            Srv::Failed | Srv::Closed => {
                self.payments[p].srv = Srv::RefundDue("payment_closed");
                return;
            }
            Srv::Pending => {}
        }
        let id = self.payments[p].order;
        match self.order(id).status {
            St::Awaiting => {
                if self.hold(id, at, self.payments[p].opened_at).is_ok() {
                    self.payments[p].srv = Srv::Paid;
                    let method = self.payments[p].method;
                    self.paid(id, method, at, Some(p));
                } else {
                    self.payments[p].srv = Srv::RefundDue("order_changed");
                }
            }
            St::Closed => self.payments[p].srv = Srv::RefundDue("order_closed"),
            _ => self.payments[p].srv = Srv::RefundDue("already_paid"),
        }
    }

    /// The payer on the sandbox; the JSON confirm's answer.
    pub fn payer(&mut self, p: usize, pays: bool) -> Expect {
        let pay_by = self.order(self.payments[p].order).pay_by;
        if self.payments[p].prov != Prov::Pending || self.now >= pay_by {
            return Expect::Refused(vec!["invalid_state"]);
        }
        self.payments[p].prov = if pays { Prov::Paid(self.now) } else { Prov::Failed };
        self.payments[p].payer_failed |= !pays;
        Expect::Ok
    }

    /// The notification of a collected payment arrives.
    pub fn notify(&mut self, p: usize) {
        let Prov::Paid(at) = self.payments[p].prov else { return };
        if !self.payments[p].notified {
            self.payments[p].notified = true;
            self.settle(p, at);
        }
    }

    /// One round of reconciliation, settling the collected payments in
    /// `order` (indices of pending payments the provider has paid).
    pub fn reconcile(&mut self, paid_order: &[usize]) {
        let mut pending: Vec<usize> =
            (0..self.payments.len()).filter(|&p| self.payments[p].srv == Srv::Pending).collect();
        pending.sort_by_key(|&p| self.payments[p].opened_at);
        for &p in paid_order {
            if let Prov::Paid(at) = self.payments[p].prov {
                self.settle(p, at);
            }
        }
        for p in pending {
            if self.payments[p].srv != Srv::Pending {
                continue;
            }
            match self.payments[p].prov {
                Prov::Paid(_) => {}
                Prov::Failed => self.payments[p].srv = Srv::Failed,
                Prov::Closed => self.payments[p].srv = Srv::Closed,
                Prov::Pending => {
                    if self.order(self.payments[p].order).status != St::Awaiting {
                        self.close_at_provider(p, true);
                    }
                }
            }
        }
        let mut expired: Vec<i64> =
            self.orders.iter().filter(|o| o.status == St::Awaiting && o.pay_by <= self.now).map(|o| o.id).collect();
        expired.sort_by_key(|id| self.order(*id).pay_by);
        for id in expired {
            if let Some(p) = self.pending_of(id) {
                if let Prov::Paid(at) = self.payments[p].prov {
                    self.settle(p, at);
                    continue;
                }
                self.close_at_provider(p, true);
            }
            self.close_order(id);
        }
    }

    fn close_order(&mut self, id: i64) {
        let o = self.order_mut(id);
        o.status = St::Closed;
        let (who, voucher) = (o.who, o.sel.voucher.clone());
        if let Some(v) = voucher {
            for x in self.books[who].vouchers.iter_mut().filter(|x| x.id == v && x.used_by == Some(id)) {
                x.used_by = None;
            }
        }
    }

    /// ORD-3: cancel an unpaid order; its provider payment is closed there
    /// (the server's record of it waits for reconciliation).
    pub fn cancel(&mut self, id: i64) -> Expect {
        if self.order(id).status != St::Awaiting {
            return Expect::Refused(vec!["invalid_state"]);
        }
        let pending = self.pending_of(id);
        self.close_order(id);
        if let Some(p) = pending {
            self.close_at_provider(p, false);
        }
        Expect::Ok
    }

    /// BND-2: P binds personal order `id` to E (`verified`) or U.
    pub fn bind(&mut self, id: i64, verified: bool) -> Expect {
        let o = self.order(id).clone();
        match o.status {
            St::Delivered => {}
            St::Bound => return Expect::Refused(vec!["already_bound", "invalid_state"]),
            _ => return Expect::Refused(vec!["invalid_state"]),
        }
        if !verified {
            return Expect::Refused(vec!["enterprise_not_verified"]);
        }
        let now = self.now;
        let paid_at = o.paid_at.expect("paid");
        let edition_line = o.placed.edition_line().cloned();
        if edition_line.is_some() && self.books[0].paid_edition(now).is_some() {
            return Expect::Refused(vec!["enterprise_has_edition"]);
        }
        let at = match &edition_line {
            Some(l) if l.action == Some(Action::Upgrade) => return Expect::Refused(vec!["invalid_state"]),
            Some(_) => paid_at,
            None => {
                let Some(cur) = self.books[0].paid_edition(now) else {
                    return Expect::Refused(vec!["no_active_edition"]);
                };
                let integration =
                    o.placed.lines.iter().any(|l| l.prod == Prod::AddOn(crate::books::AddOn::Integration));
                if integration && cur.ed < Ed::Professional {
                    return Expect::Refused(vec!["integration_requires_professional"]);
                }
                paid_at.max(cur.starts)
            }
        };
        let mine: Vec<usize> =
            (0..self.books[1].grants.len()).filter(|&g| self.books[1].grants[g].order == Some(id)).collect();
        let amounts: Vec<u64> = mine
            .iter()
            .map(|&g| {
                let g = &self.books[1].grants[g];
                if g.live(now) { g.remaining() } else { 0 }
            })
            .collect();
        let before = self.books[0].clone();
        if let Err(c) = self.books[0].deliver(&o.placed, id, at, now, Some(&amounts)) {
            return Expect::Refused(vec![c]);
        }
        let mut received = periods_of(0, id, &o.placed, &before, &self.books[0], at);
        for p in &mut received {
            p.what = format!("bound {}", p.what);
        }
        self.periods.extend(received);
        let person = &mut self.books[1];
        if let Some(l) = &edition_line {
            let Prod::Edition(ed) = l.prod else { unreachable!() };
            if person.edition.as_ref().is_some_and(|t| t.ed == ed && !t.trial) {
                person.edition = None;
            }
            person.integration_until = None;
        } else if o.placed.lines.iter().any(|l| l.prod == Prod::AddOn(crate::books::AddOn::Integration)) {
            person.integration_until = None;
        }
        for g in mine {
            let g = &mut person.grants[g];
            if g.live(now) {
                g.expires = now;
                g.cleared += g.remaining();
            }
        }
        self.periods.retain(|p| !(p.who == 1 && p.order == id));
        self.order_mut(id).status = St::Bound;
        Expect::Ok
    }
}

/// What a delivered order paid for, read off the books before and after.
fn periods_of(who: usize, order: i64, q: &MQuote, before: &Books, after: &Books, at: T) -> Vec<Period> {
    let mut out = Vec::new();
    if let (Some(l), Some(term)) = (q.edition_line(), after.edition.as_ref()) {
        let from = match l.action {
            Some(Action::Renewal) => {
                before.edition.as_ref().filter(|t| !t.trial).map(|t| t.expires).filter(|e| *e > at).unwrap_or(at)
            }
            _ => at,
        };
        let what = match l.action {
            Some(Action::Upgrade) => format!("upgrade to {:?}", term.ed),
            _ => "edition".to_owned(),
        };
        out.push(Period { who, what, order, from, to: term.expires });
    }
    if q.lines.iter().any(|l| l.prod == Prod::AddOn(crate::books::AddOn::Integration)) {
        let from = before.integration_until.filter(|u| *u > at).unwrap_or(at);
        if let Some(to) = after.integration_until {
            out.push(Period { who, what: "integration".to_owned(), order, from, to });
        }
    }
    out
}
