//! The model's own books: prices, terms and quota with its own arithmetic
//! (integer fen, calendar years in China Standard Time, whole days rounded
//! down, /365, half away from zero once per line), written from SPEC.md and
//! docs/decisions.md, never by calling `domain`.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};

pub type T = DateTime<Utc>;

pub const DAY_MS: i64 = 86_400_000;

// Catalog (docs/decisions.md "Prices", domain/catalog/default.json), in fen.
pub const ADVANCED_FEN: i64 = 698_000;
pub const PROFESSIONAL_FEN: i64 = 1_980_000;
pub const PACK_1K_FEN: i64 = 200_000;
pub const PACK_10K_FEN: i64 = 1_600_000;
pub const INTEGRATION_FEN: i64 = 980_000;
pub const REPORTS_FEN: i64 = 98_000;
pub const TRIAL_DAYS: i64 = 7;
pub const TRIAL_CONTRACTS: u64 = 100;

fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// N calendar years later in China Standard Time; 29 February → 28 February.
pub fn add_years(at: T, years: u32) -> T {
    let local = at.with_timezone(&cst());
    let year = local.year() + years as i32;
    let (month, mut day) = (local.month(), local.day());
    if month == 2 && day == 29 && NaiveDate::from_ymd_opt(year, 2, 29).is_none() {
        day = 28;
    }
    let date = NaiveDate::from_ymd_opt(year, month, day).expect("a date");
    let naive = date.and_time(local.time());
    cst().from_local_datetime(&naive).single().expect("UTC+8 has no gaps").with_timezone(&Utc)
}

/// Whole days from `from` to `until`, rounded down; none when negative.
pub fn whole_days(from: T, until: T) -> i64 {
    ((until - from).num_milliseconds() / DAY_MS).max(0)
}

/// `num / den` rounded half away from zero (both non-negative).
pub fn round_div(num: i128, den: i128) -> i64 {
    let q = num / den;
    let r = num % den;
    (if 2 * r >= den { q + 1 } else { q }) as i64
}

/// The fewest whole years from `from` that reach `until`.
fn years_to_cover(from: T, until: T) -> u32 {
    let mut years = 0;
    while add_years(from, years) < until {
        years += 1;
    }
    years
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ed {
    Advanced,
    Professional,
}

impl Ed {
    pub fn name(self) -> &'static str {
        match self {
            Ed::Advanced => "advanced",
            Ed::Professional => "professional",
        }
    }
    pub fn parse(s: &str) -> Option<Ed> {
        match s {
            "advanced" => Some(Ed::Advanced),
            "professional" => Some(Ed::Professional),
            _ => None,
        }
    }
    fn yearly_fen(self) -> i64 {
        match self {
            Ed::Advanced => ADVANCED_FEN,
            Ed::Professional => PROFESSIONAL_FEN,
        }
    }
    fn per_year(self) -> u64 {
        match self {
            Ed::Advanced => 1_000,
            Ed::Professional => 5_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddOn {
    Pack1k,
    Pack10k,
    Integration,
    Reports,
}

impl AddOn {
    pub fn name(self) -> &'static str {
        match self {
            AddOn::Pack1k => "contract_pack_1k",
            AddOn::Pack10k => "contract_pack_10k",
            AddOn::Integration => "integration",
            AddOn::Reports => "signing_reports",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prod {
    Edition(Ed),
    AddOn(AddOn),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    New,
    Renewal,
    Upgrade,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::New => "new",
            Action::Renewal => "renewal",
            Action::Upgrade => "upgrade",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Contracts,
    Reports,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Contracts => "contracts",
            Kind::Reports => "signing_reports",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Edition,
    Pack,
    AddOn,
    Trial,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Edition => "edition",
            Source::Pack => "pack",
            Source::AddOn => "add_on",
            Source::Trial => "trial",
        }
    }
}

/// What the buyer chose, as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sel {
    pub edition: Option<(Ed, Option<u8>)>,
    pub addons: Vec<(AddOn, u32)>,
    pub voucher: Option<String>,
}

impl Sel {
    pub fn json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({});
        if let Some((ed, years)) = self.edition {
            v["edition"] = match years {
                Some(y) => serde_json::json!({ "edition": ed.name(), "years": y }),
                None => serde_json::json!({ "edition": ed.name() }),
            };
        }
        if !self.addons.is_empty() {
            v["addons"] = self
                .addons
                .iter()
                .map(|(a, q)| serde_json::json!({ "addon": a.name(), "quantity": q }))
                .collect::<Vec<_>>()
                .into();
        }
        if let Some(id) = &self.voucher {
            v["voucher"] = id.clone().into();
        }
        v
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub prod: Prod,
    pub action: Option<Action>,
    pub years: Option<u8>,
    pub quantity: u32,
    pub amount: i64,
    pub discount: i64,
    pub payable: i64,
    pub grants: Option<(Kind, u64)>,
    pub start: T,
    pub end: T,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MQuote {
    pub at: T,
    pub lines: Vec<Line>,
    pub subtotal: i64,
    pub discount: i64,
    pub payable: i64,
}

impl MQuote {
    pub fn edition_line(&self) -> Option<&Line> {
        self.lines.iter().find(|l| matches!(l.prod, Prod::Edition(_)))
    }
}

/// Where a validity starts or ends relative to its quote: a new edition
/// "starts at payment and runs N years" whenever it is quoted; a renewal
/// ends on a fixed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    AtQuote,
    YearsAfterStart(u32),
    At(T),
}

fn marks(l: &Line, at: T) -> (Mark, Mark) {
    let start = if l.start == at { Mark::AtQuote } else { Mark::At(l.start) };
    let end = (1..=3).find(|&y| add_years(l.start, y) == l.end).map_or(Mark::At(l.end), Mark::YearsAfterStart);
    (start, end)
}

/// Two quotes promise the same: lines, amounts, grants, validity.
pub fn same_promise(a: &MQuote, b: &MQuote) -> bool {
    a.lines.len() == b.lines.len()
        && a.subtotal == b.subtotal
        && a.discount == b.discount
        && a.payable == b.payable
        && a.lines.iter().zip(&b.lines).all(|(x, y)| {
            x.prod == y.prod
                && x.action == y.action
                && x.years == y.years
                && x.quantity == y.quantity
                && x.amount == y.amount
                && x.discount == y.discount
                && x.payable == y.payable
                && x.grants == y.grants
                && marks(x, a.at) == marks(y, b.at)
        })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub ed: Ed,
    pub starts: T,
    pub expires: T,
    pub trial: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voucher {
    pub id: String,
    pub face: i64,
    pub min_spend: Option<i64>,
    /// `Some(true)`: editions only; `Some(false)`: add-ons only.
    pub editions_only: Option<bool>,
    pub expires: T,
    pub used_by: Option<i64>,
}

impl Voucher {
    fn covers(&self, p: Prod) -> bool {
        match self.editions_only {
            None => true,
            Some(true) => matches!(p, Prod::Edition(_)),
            Some(false) => matches!(p, Prod::AddOn(_)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The server's grant number, once the model has seen it.
    pub no: Option<i64>,
    pub order: Option<i64>,
    pub kind: Kind,
    pub source: Source,
    pub amount: u64,
    pub expires: T,
    pub drawn: u64,
    pub returned: u64,
    pub cleared: u64,
}

impl Grant {
    pub fn remaining(&self) -> u64 {
        (self.amount + self.returned).saturating_sub(self.drawn + self.cleared)
    }
    pub fn live(&self, now: T) -> bool {
        self.expires > now
    }
}

/// One account's books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Books {
    pub edition: Option<Term>,
    pub integration_until: Option<T>,
    pub trial_used: bool,
    pub balance: i64,
    pub opening: i64,
    pub debits: i64,
    pub grants: Vec<Grant>,
    pub vouchers: Vec<Voucher>,
}

pub type Codes = Vec<&'static str>;

impl Books {
    pub fn paid_edition(&self, now: T) -> Option<&Term> {
        self.edition.as_ref().filter(|t| !t.trial && t.expires > now)
    }

    fn integration_running(&self, now: T) -> Option<T> {
        self.integration_until.filter(|u| *u > now)
    }

    fn classify(&self, ed: Ed, now: T) -> Result<Action, &'static str> {
        let Some(cur) = self.edition.as_ref().filter(|t| !t.trial) else { return Ok(Action::New) };
        if cur.expires <= now {
            return Ok(if cur.ed == ed { Action::Renewal } else { Action::New });
        }
        match ed.cmp(&cur.ed) {
            std::cmp::Ordering::Equal => Ok(Action::Renewal),
            std::cmp::Ordering::Greater => Ok(Action::Upgrade),
            std::cmp::Ordering::Less => Err("downgrade_not_allowed"),
        }
    }

    fn edition_term(&self, action: Action, years: u8, at: T) -> (T, T) {
        let cur_end = self.edition.as_ref().filter(|t| !t.trial).map(|t| t.expires);
        match action {
            Action::New => (at, add_years(at, years.into())),
            Action::Renewal => {
                let from = cur_end.filter(|e| *e > at).unwrap_or(at);
                (from, add_years(from, years.into()))
            }
            Action::Upgrade => (at, cur_end.unwrap_or(at).max(at)),
        }
    }

    /// (start, end, whole years, days of a cut-short year).
    fn integration_term(&self, edition_end: T, years: u8, at: T) -> (T, T, u8, i64) {
        let start = self.integration_running(at).unwrap_or(at);
        let mut full = 0u8;
        while full < years && add_years(start, u32::from(full) + 1) <= edition_end {
            full += 1;
        }
        let full_end = add_years(start, full.into());
        if full < years {
            (start, edition_end, full, whole_days(full_end, edition_end))
        } else {
            (start, full_end, full, 0)
        }
    }

    /// The price of `sel` on these books at `now`; `holder` is the order
    /// whose voucher this is (its own voucher is not "used" for it).
    pub fn quote(&self, sel: &Sel, now: T, holder: Option<i64>) -> Result<MQuote, Codes> {
        let mut codes: Codes = Vec::new();
        let mut lines = Vec::new();
        let mut after = self.paid_edition(now).map(|t| (t.ed, t.expires));
        if let Some((ed, years)) = sel.edition {
            match self.edition_line(ed, years, now) {
                Ok(line) => {
                    after = Some((ed, line.end));
                    lines.push(line);
                }
                Err(c) => codes.extend(c),
            }
        }
        for &(addon, n) in &sel.addons {
            match self.addon_line(addon, n, after, now) {
                Ok(line) => lines.push(line),
                Err(c) => codes.push(c),
            }
        }
        if let Some(id) = &sel.voucher {
            match self.vouchers.iter().find(|v| &v.id == id) {
                None => codes.push("not_found"),
                Some(v) => {
                    if let Err(c) = apply_voucher(v, &mut lines, now, holder) {
                        codes.push(c)
                    }
                }
            }
        }
        if !codes.is_empty() {
            return Err(codes);
        }
        let subtotal = lines.iter().map(|l| l.amount).sum();
        let discount = lines.iter().map(|l| l.discount).sum();
        Ok(MQuote { at: now, lines, subtotal, discount, payable: subtotal - discount })
    }

    fn edition_line(&self, ed: Ed, years: Option<u8>, now: T) -> Result<Line, Codes> {
        let action = self.classify(ed, now).map_err(|c| vec![c])?;
        let years = match (action, years) {
            (Action::Upgrade, None) => 0,
            (Action::Upgrade, Some(_)) => return Err(vec!["invalid_input"]),
            (_, Some(y)) if (1..=3).contains(&y) => y,
            _ => return Err(vec!["invalid_duration"]),
        };
        let (start, end) = self.edition_term(action, years, now);
        if end > add_years(now, 3) {
            return Err(vec!["term_exceeds_limit"]);
        }
        let (quantity, amount, grants) = if action == Action::Upgrade {
            let cur = self.paid_edition(now).ok_or(vec!["no_active_edition"])?;
            let days = whole_days(now, end);
            if days == 0 {
                return Err(vec!["upgrade_too_late"]);
            }
            let diff = ed.yearly_fen() - cur.ed.yearly_fen();
            let amount = round_div(i128::from(diff) * i128::from(days), 365);
            let extra = ed.per_year() - cur.ed.per_year();
            (days as u32, amount, (extra * days as u64).div_ceil(365))
        } else {
            (u32::from(years), ed.yearly_fen() * i64::from(years), ed.per_year() * u64::from(years))
        };
        let years = (action != Action::Upgrade).then_some(years);
        Ok(Line {
            prod: Prod::Edition(ed),
            action: Some(action),
            years,
            quantity,
            amount,
            discount: 0,
            payable: amount,
            grants: (grants > 0).then_some((Kind::Contracts, grants)),
            start,
            end,
        })
    }

    fn addon_line(&self, addon: AddOn, n: u32, after: Option<(Ed, T)>, now: T) -> Result<Line, &'static str> {
        let (ed, edition_end) = after.ok_or("no_active_edition")?;
        let line = |quantity, amount, grants, start, end, years| Line {
            prod: Prod::AddOn(addon),
            action: None,
            years,
            quantity,
            amount,
            discount: 0,
            payable: amount,
            grants,
            start,
            end,
        };
        Ok(match addon {
            AddOn::Pack1k | AddOn::Pack10k => {
                let (fen, units) = if addon == AddOn::Pack1k { (PACK_1K_FEN, 1_000) } else { (PACK_10K_FEN, 10_000) };
                line(n, fen * i64::from(n), Some((Kind::Contracts, units * u64::from(n))), now, edition_end, None)
            }
            AddOn::Reports => line(
                n,
                REPORTS_FEN * i64::from(n),
                Some((Kind::Reports, 100 * u64::from(n))),
                now,
                add_years(now, 1),
                None,
            ),
            AddOn::Integration => {
                if ed < Ed::Professional {
                    return Err("integration_requires_professional");
                }
                let years = u8::try_from(n).ok().filter(|y| (1..=3).contains(y)).ok_or("invalid_duration")?;
                let (start, end, full, partial) = self.integration_term(edition_end, years, now);
                if u32::from(years) > years_to_cover(start, edition_end).min(3) {
                    return Err("integration_exceeds_edition");
                }
                let num = i128::from(INTEGRATION_FEN) * (i128::from(full) * 365 + i128::from(partial));
                line(u32::from(years), round_div(num, 365), None, start, end, Some(years))
            }
        })
    }

    /// Whether the paid order can still be delivered at `paid_at`: its
    /// edition line does what it was sold as, add-ons have an edition.
    pub fn deliverable(&self, q: &MQuote, paid_at: T) -> Result<(), &'static str> {
        let mut after = self.paid_edition(paid_at).map(|t| t.ed);
        if let Some(l) = q.edition_line() {
            let Prod::Edition(ed) = l.prod else { unreachable!() };
            if self.classify(ed, paid_at)? != l.action.expect("an action") {
                return Err("quote_changed");
            }
            after = Some(ed);
        }
        for l in q.lines.iter().filter(|l| matches!(l.prod, Prod::AddOn(_))) {
            let ed = after.ok_or("no_active_edition")?;
            if l.prod == Prod::AddOn(AddOn::Integration) && ed < Ed::Professional {
                return Err("integration_requires_professional");
            }
        }
        Ok(())
    }

    /// Delivers `q` (order `order`, paid at `at`) at `now`; grants take the
    /// quote's amounts, or `amounts` when given (binding moves what is left).
    /// Grants that expired between `at` and `now` stay expired (QUO-4).
    pub fn deliver(
        &mut self,
        q: &MQuote,
        order: i64,
        at: T,
        now: T,
        amounts: Option<&[u64]>,
    ) -> Result<(), &'static str> {
        let mut next = self.clone();
        let mut granted = 0usize;
        let mut grant = |books: &mut Books, l: &Line, expires: T, source: Source| {
            if let Some((kind, amount)) = l.grants {
                let amount = amounts.map_or(amount, |a| a.get(granted).copied().unwrap_or(0));
                granted += 1;
                books.grants.push(Grant {
                    no: None,
                    order: Some(order),
                    kind,
                    source,
                    amount,
                    expires,
                    drawn: 0,
                    returned: 0,
                    cleared: 0,
                });
            }
        };
        if let Some(l) = q.edition_line() {
            let Prod::Edition(ed) = l.prod else { unreachable!() };
            let action = l.action.expect("an action");
            if next.edition.as_ref().is_some_and(|t| t.trial) {
                for g in next.grants.iter_mut().filter(|g| g.source == Source::Trial && g.live(at)) {
                    g.expires = at;
                    g.cleared += g.remaining();
                }
            }
            let (starts, expires) = next.edition_term(action, l.years.unwrap_or(0), at);
            let started = match (action, next.paid_edition(at)) {
                (Action::Renewal | Action::Upgrade, Some(cur)) => cur.starts,
                _ => starts,
            };
            for g in next.grants.iter_mut() {
                if g.live(at.max(now)) && matches!(g.source, Source::Edition | Source::Pack) {
                    g.expires = expires;
                }
            }
            next.edition = Some(Term { ed, starts: started, expires, trial: false });
            grant(&mut next, l, expires, Source::Edition);
        }
        let edition_end = next.paid_edition(at).map(|t| t.expires);
        for l in q.lines.iter().filter(|l| matches!(l.prod, Prod::AddOn(_))) {
            let end = edition_end.ok_or("no_active_edition")?;
            match l.prod {
                Prod::AddOn(AddOn::Pack1k | AddOn::Pack10k) => grant(&mut next, l, end, Source::Pack),
                Prod::AddOn(AddOn::Reports) => grant(&mut next, l, add_years(at, 1), Source::AddOn),
                Prod::AddOn(AddOn::Integration) => {
                    let (_, until, _, _) = next.integration_term(end, l.years.expect("years"), at);
                    next.integration_until = Some(until);
                }
                Prod::Edition(_) => unreachable!(),
            }
        }
        *self = next;
        Ok(())
    }

    /// TRI-1: refusals, or the trial started.
    pub fn start_trial(&mut self, now: T) -> Result<(), Codes> {
        let mut codes = Vec::new();
        if self.trial_used {
            codes.push("trial_already_used");
        }
        match self.edition.as_ref().filter(|t| !t.trial) {
            Some(t) if t.expires > now => codes.push("enterprise_has_edition"),
            Some(_) => codes.push("trial_not_first_use"),
            None => {}
        }
        if !codes.is_empty() {
            return Err(codes);
        }
        let expires = now + chrono::TimeDelta::days(TRIAL_DAYS);
        self.edition = Some(Term { ed: Ed::Advanced, starts: now, expires, trial: true });
        self.trial_used = true;
        self.grants.push(Grant {
            no: None,
            order: None,
            kind: Kind::Contracts,
            source: Source::Trial,
            amount: TRIAL_CONTRACTS,
            expires,
            drawn: 0,
            returned: 0,
            cleared: 0,
        });
        Ok(())
    }

    /// The grants a draw of one may take from, first first: live, with
    /// something left, the earliest expiry (then the lowest number).
    pub fn draw_candidates(&self, kind: Kind, now: T) -> Vec<usize> {
        let live: Vec<usize> = (0..self.grants.len())
            .filter(|&i| self.grants[i].kind == kind && self.grants[i].live(now) && self.grants[i].remaining() > 0)
            .collect();
        let Some(first) = live.iter().map(|&i| self.grants[i].expires).min() else { return Vec::new() };
        live.into_iter().filter(|&i| self.grants[i].expires == first).collect()
    }

    /// (total, used, remaining) of live grants of `kind` (QUO-1).
    pub fn usage(&self, kind: Kind, now: T) -> (u64, u64, u64) {
        self.grants
            .iter()
            .filter(|g| g.kind == kind && g.live(now))
            .fold((0, 0, 0), |(t, u, r), g| (t + g.amount, u + g.drawn.saturating_sub(g.returned), r + g.remaining()))
    }
}

/// VOU-2: the discount spread over the lines it covers in proportion, each
/// share rounded, the remainder to the largest line (never below zero).
fn apply_voucher(v: &Voucher, lines: &mut [Line], now: T, holder: Option<i64>) -> Result<(), &'static str> {
    if v.used_by.is_some() && v.used_by != holder {
        return Err("voucher_used");
    }
    if v.expires <= now {
        return Err("voucher_expired");
    }
    let covered: Vec<usize> = (0..lines.len()).filter(|&i| v.covers(lines[i].prod)).collect();
    let base: i64 = covered.iter().map(|&i| lines[i].amount).sum();
    if covered.is_empty() || base == 0 {
        return Err("voucher_not_applicable");
    }
    if v.min_spend.is_some_and(|m| base < m) {
        return Err("voucher_min_spend");
    }
    let discount = v.face.min(base);
    let mut shares = vec![0i64; lines.len()];
    for &i in &covered {
        shares[i] = round_div(i128::from(discount) * i128::from(lines[i].amount), i128::from(base));
    }
    let mut remainder = discount - shares.iter().sum::<i64>();
    let mut by_size = covered.clone();
    by_size.sort_by(|&a, &b| lines[b].amount.cmp(&lines[a].amount).then(a.cmp(&b)));
    for i in by_size {
        if remainder == 0 {
            break;
        }
        let moved = if remainder < 0 { remainder.max(-shares[i]) } else { remainder.min(lines[i].amount - shares[i]) };
        shares[i] += moved;
        remainder -= moved;
    }
    for (l, s) in lines.iter_mut().zip(shares) {
        l.discount = s;
        l.payable = l.amount - s;
    }
    Ok(())
}
