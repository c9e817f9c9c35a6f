//! The quote (PRI-1): one function, run in the browser for the instant
//! preview and on the server for the figure that is charged. It is built in
//! named stages: check the buyer → plan each line (term, amount, grants) →
//! apply the voucher → payable → order-wide limits.

use crate::cart::{AddOnChoice, Context, Count, EditionChoice, Selection, Years};
use crate::catalog::{AddOnValidity, Allotment};
use crate::error::{DomainError, ErrorCode};
use crate::identity::{Channel, Identity, SalesQuote};
use crate::money::Money;
use crate::product::{AddOn, Edition, Product, QuotaKind};
use crate::terms::{EditionAction, classify, edition_term, integration_term};
use crate::time::{DAYS_PER_YEAR, Instant, add_years, format_date, whole_days};
use crate::voucher::AppliedVoucher;
use serde::{Deserialize, Serialize};

/// A human reason: the rule that shaped a figure, in both languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Note {
    pub rule: String,
    pub zh: String,
    pub en: String,
}

impl Note {
    fn new(rule: &str, zh: String, en: String) -> Note {
        Note { rule: rule.to_owned(), zh, en }
    }
}

/// Whether an assessment writes its reasons out. Eligibility judges many
/// hypothetical selections and reads only their refusals, so it skips the
/// wording, which is most of a quote's cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wording {
    Full,
    Brief,
}

impl Wording {
    fn note(self, text: impl FnOnce() -> (&'static str, String, String)) -> Note {
        match self {
            Wording::Full => {
                let (rule, zh, en) = text();
                Note::new(rule, zh, en)
            }
            Wording::Brief => Note::default(),
        }
    }
}

/// What a line's quantity counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Unit {
    Year,
    Day,
    Pack,
    SalesQuote,
}

/// Quota a line grants at delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaGrant {
    pub kind: QuotaKind,
    pub amount: u64,
}

/// One line of a quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuoteLine {
    pub product: Product,
    pub name_zh: String,
    pub name_en: String,
    /// For the edition line: new, renewal or upgrade.
    pub action: Option<EditionAction>,
    /// The term in years, for edition and integration lines (none for an upgrade).
    pub years: Option<u8>,
    /// For an add-on line: how what it grants stays valid.
    pub validity: Option<AddOnValidity>,
    pub quantity: u32,
    pub unit: Unit,
    pub unit_price: Money,
    /// Rounded once (PRI-3), before the voucher.
    pub amount: Money,
    pub discount: Money,
    pub payable: Money,
    pub grants: Option<QuotaGrant>,
    /// The validity the line grants, as of the quote (delivery recomputes
    /// it from the payment time with the same rules).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub starts_at: Instant,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Instant,
    pub reason: Note,
}

/// A priced selection (PRI-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quote {
    pub catalog_version: String,
    pub channel: Channel,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub quoted_at: Instant,
    pub lines: Vec<QuoteLine>,
    pub subtotal: Money,
    pub discount: Money,
    pub payable: Money,
    pub voucher: Option<AppliedVoucher>,
    /// Rules that shaped the quote as a whole (warnings included).
    pub notes: Vec<Note>,
}

/// The part of a selection a refusal concerns, so that eligibility can grey
/// exactly the option at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Buyer,
    Edition,
    AddOn(AddOn),
    Voucher,
    Order,
}

#[derive(Debug)]
pub(crate) struct Assessment {
    pub issues: Vec<(Target, DomainError)>,
    pub quote: Quote,
}

impl Assessment {
    pub(crate) fn refusals(&self, targets: &[Target]) -> Vec<DomainError> {
        let mut found: Vec<DomainError> =
            self.issues.iter().filter(|(t, _)| targets.contains(t)).map(|(_, e)| e.clone()).collect();
        sort_refusals(&mut found);
        found
    }
}

/// SPEC.md's order for choosing among several refusals: identity and channel
/// → what is bought → voucher → payment (the order of [`ErrorCode`]).
pub fn sort_refusals(errors: &mut Vec<DomainError>) {
    errors.sort_by_key(|e| e.code);
    errors.dedup();
}

/// What pricing a selection reads of the buyer besides the account: the
/// vouchers only to apply the one it names, the sales quotes only to judge
/// the one its edition names. The rest may be left unread (a purchase of
/// add-ons alone reads neither); [`quote`] answers the same either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuyerReads {
    pub vouchers: bool,
    pub sales_quotes: bool,
}

impl BuyerReads {
    /// Everything: for what lists the buyer's options (eligibility, the buyer's page).
    pub const ALL: BuyerReads = BuyerReads { vouchers: true, sales_quotes: true };

    /// What pricing `selection` reads.
    pub fn of(selection: &Selection) -> BuyerReads {
        BuyerReads {
            vouchers: selection.voucher.is_some(),
            sales_quotes: selection.edition.as_ref().is_some_and(|c| c.sales_quote.is_some()),
        }
    }
}

/// Prices `selection` for the buyer, or gives every reason it cannot be
/// bought, the deciding one first.
pub fn quote(ctx: &Context<'_>, selection: &Selection) -> Result<Quote, Vec<DomainError>> {
    let assessment = assess(ctx, selection, Wording::Full);
    if assessment.issues.is_empty() {
        Ok(assessment.quote)
    } else {
        let mut errors: Vec<DomainError> = assessment.issues.into_iter().map(|(_, e)| e).collect();
        sort_refusals(&mut errors);
        Err(errors)
    }
}

/// Refusals that concern the buyer and channel, whatever is chosen (ID-1, CH-3).
pub fn buyer_refusals(ctx: &Context<'_>) -> Vec<DomainError> {
    let mut errors = Vec::new();
    if let Identity::Enterprise { verified: false, .. } = ctx.buyer.identity {
        errors.push(DomainError::new(ErrorCode::EnterpriseNotVerified));
    }
    if ctx.channel == Channel::CloudConsole {
        let linked = match &ctx.buyer.identity {
            Identity::Enterprise { linked_cloud_account: Some(linked), .. } => {
                ctx.buyer.cloud_account.as_ref() == Some(linked)
            }
            _ => false,
        };
        if !linked {
            errors.push(DomainError::new(ErrorCode::CloudAccountNotLinked));
        }
    }
    errors
}

pub(crate) fn assess(ctx: &Context<'_>, selection: &Selection, wording: Wording) -> Assessment {
    let mut issues: Vec<(Target, DomainError)> = Vec::new();
    issues.extend(buyer_refusals(ctx).into_iter().map(|e| (Target::Buyer, e)));
    if selection.edition.is_none() && selection.addons.is_empty() {
        issues.push((Target::Order, DomainError::invalid("selection")));
    }

    let mut lines = Vec::with_capacity(1 + selection.addons.len());
    let mut edition_after = ctx.buyer.account.paid_edition(ctx.now).map(|t| (t.edition, t.expires_at));
    if let Some(choice) = &selection.edition {
        match edition_line(ctx, choice, wording) {
            Ok(line) => {
                if let Product::Edition(edition) = line.product {
                    edition_after = Some((edition, line.expires_at));
                }
                lines.push(line);
            }
            Err(errors) => issues.extend(errors.into_iter().map(|e| (Target::Edition, e))),
        }
    }
    for (i, choice) in selection.addons.iter().enumerate() {
        if selection.addons[..i].iter().any(|c| c.addon == choice.addon) {
            issues.push((Target::AddOn(choice.addon), DomainError::invalid("addons")));
            continue;
        }
        match addon_line(ctx, choice, edition_after, wording) {
            Ok(line) => lines.push(line),
            Err(errors) => issues.extend(errors.into_iter().map(|e| (Target::AddOn(choice.addon), e))),
        }
    }

    let mut notes = Vec::new();
    let mut applied = None;
    if let Some(id) = &selection.voucher {
        match apply_voucher(ctx, id, &mut lines) {
            Ok(voucher) => {
                if voucher.forfeited > Money::ZERO {
                    notes.push(Note::new(
                        "VOU-2",
                        format!("代金券超出订单金额的部分（¥{}）将作废。", voucher.forfeited),
                        format!("¥{} of the voucher exceeds the order and will be forfeited.", voucher.forfeited),
                    ));
                }
                applied = Some(voucher);
            }
            Err(error) => issues.push((Target::Voucher, error)),
        }
    }
    if ctx.buyer.account.edition.as_ref().is_some_and(|t| t.trial && t.is_active(ctx.now))
        && selection.edition.is_some()
    {
        notes.push(Note::new(
            "TRI-1",
            "购买版本后试用结束，试用赠送的合同份额将清空，新版本自支付时起生效。".to_owned(),
            "Buying an edition ends the trial and clears its contracts; the edition starts at payment.".to_owned(),
        ));
    }

    let totals = totals(&lines);
    let (subtotal, discount, payable) = match totals {
        Ok(t) => t,
        Err(error) => {
            issues.push((Target::Order, error));
            (Money::ZERO, Money::ZERO, Money::ZERO)
        }
    };
    if ctx.channel == Channel::MiniProgram && payable > ctx.catalog.limits().mini_program_payment_ceiling {
        issues.push((Target::Order, DomainError::new(ErrorCode::MiniProgramLimit)));
    }
    let quote = Quote {
        catalog_version: ctx.catalog.version().to_owned(),
        channel: ctx.channel,
        quoted_at: ctx.now,
        lines,
        subtotal,
        discount,
        payable,
        voucher: applied,
        notes,
    };
    Assessment { issues, quote }
}

fn totals(lines: &[QuoteLine]) -> Result<(Money, Money, Money), DomainError> {
    let subtotal = Money::sum(lines.iter().map(|l| &l.amount))?;
    let discount = Money::sum(lines.iter().map(|l| &l.discount))?;
    Ok((subtotal, discount, subtotal.checked_sub(discount)?))
}

fn apply_voucher(ctx: &Context<'_>, id: &str, lines: &mut [QuoteLine]) -> Result<AppliedVoucher, DomainError> {
    let voucher = ctx
        .buyer
        .vouchers
        .iter()
        .find(|v| v.id == id)
        .ok_or_else(|| DomainError::with_field(ErrorCode::NotFound, "voucher"))?;
    let amounts: Vec<(Product, Money)> = lines.iter().map(|l| (l.product, l.amount)).collect();
    let (applied, shares) = voucher.apply(&amounts, ctx.now)?;
    for (line, share) in lines.iter_mut().zip(shares) {
        line.discount = share;
        line.payable = line.amount.checked_sub(share)?;
    }
    Ok(applied)
}

fn overflow() -> DomainError {
    DomainError::invalid("amount")
}

fn edition_line(ctx: &Context<'_>, choice: &EditionChoice, wording: Wording) -> Result<QuoteLine, Vec<DomainError>> {
    let offer = ctx.catalog.edition(choice.edition);
    let account = &ctx.buyer.account;
    let mut errors = Vec::new();
    if ctx.channel == Channel::MiniProgram && choice.edition != Edition::Advanced {
        errors.push(DomainError::new(ErrorCode::MiniProgramLimit));
    }
    let mut action = match classify(account, choice.edition, ctx.now) {
        Ok(action) => action,
        Err(error) => {
            errors.push(error);
            return Err(errors);
        }
    };
    let sales_quote = match sales_quote(ctx, choice, offer.yearly_price.is_some()) {
        Ok(found) => found,
        Err(error) => {
            errors.push(error);
            return Err(errors);
        }
    };
    if sales_quote.is_some() && action == EditionAction::Upgrade {
        // A Flagship sales quote sets its own term: the lower edition is replaced from payment.
        action = EditionAction::New;
    }
    let years = match (action, sales_quote, choice.years) {
        (EditionAction::Upgrade, _, None) => 0,
        (EditionAction::Upgrade, _, Some(_)) => {
            errors.push(DomainError::invalid("years"));
            return Err(errors);
        }
        (_, Some(q), _) => q.years,
        (_, None, years) => years.unwrap_or(0),
    };
    if action != EditionAction::Upgrade
        && let Err(error) = Years::new(years, ctx.catalog)
    {
        errors.push(error);
        return Err(errors);
    }
    let Some((starts_at, expires_at)) = edition_term(account, action, years, ctx.now) else {
        errors.push(overflow());
        return Err(errors);
    };
    let cap = add_years(ctx.now, u32::from(ctx.catalog.limits().max_years));
    if cap.is_none_or(|cap| expires_at > cap) {
        errors.push(DomainError::new(ErrorCode::TermExceedsLimit));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let priced = match (sales_quote, offer.yearly_price) {
        (Some(q), _) => Ok(Priced {
            years: Some(q.years),
            quantity: 1,
            unit: Unit::SalesQuote,
            unit_price: q.price,
            amount: q.price,
            grants: q.contracts,
            reason: wording.note(|| {
                (
                    "SAL-1",
                    format!(
                        "销售经理报价 {}：{} 年，赠送合同 {} 份，有效期至 {}",
                        q.id,
                        q.years,
                        q.contracts,
                        format_date(expires_at)
                    ),
                    format!(
                        "Sales quote {}: {} years, {} contracts, valid until {}",
                        q.id,
                        q.years,
                        q.contracts,
                        format_date(expires_at)
                    ),
                )
            }),
        }),
        (None, Some(price)) if action == EditionAction::Upgrade => {
            upgrade_price(ctx, choice.edition, price, expires_at, wording)
        }
        (None, Some(price)) => term_price(price, offer.allotment, years, action, starts_at, expires_at, wording),
        (None, None) => Err(DomainError::new(ErrorCode::QuoteRequired)),
    };
    let priced = priced.map_err(|e| vec![e])?;
    Ok(priced.into_line(
        Product::Edition(choice.edition),
        &offer.name_zh,
        &offer.name_en,
        Some(action),
        None,
        QuotaKind::Contracts,
        starts_at,
        expires_at,
    ))
}

/// SAL-1, CAT-4: Flagship is bought only through a valid sales quote; a listed
/// edition never takes one.
fn sales_quote<'a>(
    ctx: &Context<'a>,
    choice: &EditionChoice,
    listed: bool,
) -> Result<Option<&'a SalesQuote>, DomainError> {
    match (&choice.sales_quote, listed) {
        (None, true) => Ok(None),
        (Some(_), true) => Err(DomainError::invalid("sales_quote")),
        (None, false) => Err(DomainError::new(ErrorCode::QuoteRequired)),
        (Some(id), false) => {
            let quote = ctx
                .buyer
                .sales_quotes
                .iter()
                .find(|q| &q.id == id && q.expires_at > ctx.now)
                .ok_or(DomainError::new(ErrorCode::QuoteRequired))?;
            if quote.contracts < ctx.catalog.limits().flagship_min_allotment {
                return Err(DomainError::invalid("sales_quote"));
            }
            Ok(Some(quote))
        }
    }
}

struct Priced {
    years: Option<u8>,
    quantity: u32,
    unit: Unit,
    unit_price: Money,
    amount: Money,
    grants: u64,
    reason: Note,
}

impl Priced {
    #[allow(clippy::too_many_arguments)]
    fn into_line(
        self,
        product: Product,
        name_zh: &str,
        name_en: &str,
        action: Option<EditionAction>,
        validity: Option<AddOnValidity>,
        kind: QuotaKind,
        starts_at: Instant,
        expires_at: Instant,
    ) -> QuoteLine {
        let amount = self.amount.round();
        QuoteLine {
            product,
            name_zh: name_zh.to_owned(),
            name_en: name_en.to_owned(),
            action,
            years: self.years,
            validity,
            quantity: self.quantity,
            unit: self.unit,
            unit_price: self.unit_price,
            amount,
            discount: Money::ZERO,
            payable: amount,
            grants: (self.grants > 0).then_some(QuotaGrant { kind, amount: self.grants }),
            starts_at,
            expires_at,
            reason: self.reason,
        }
    }
}

fn term_price(
    price: Money,
    allotment: Allotment,
    years: u8,
    action: EditionAction,
    starts_at: Instant,
    expires_at: Instant,
    wording: Wording,
) -> Result<Priced, DomainError> {
    let grants = match allotment {
        Allotment::PerYear(n) => n.checked_mul(u64::from(years)).ok_or_else(overflow)?,
        Allotment::Once(n) => n,
    };
    let text = || match action {
        EditionAction::Renewal => (
            "REN-1",
            format!(
                "续费 {years} 年，有效期由 {} 延长至 {}，赠送合同 {grants} 份",
                format_date(starts_at),
                format_date(expires_at)
            ),
            format!(
                "Renew {years} years: validity extended from {} to {}, {grants} contracts",
                format_date(starts_at),
                format_date(expires_at)
            ),
        ),
        _ => (
            "CAT-3",
            format!("{years} 年 × ¥{price}，赠送合同 {grants} 份，有效期至 {}", format_date(expires_at)),
            format!("{years} years × ¥{price}, {grants} contracts, valid until {}", format_date(expires_at)),
        ),
    };
    Ok(Priced {
        years: Some(years),
        quantity: u32::from(years),
        unit: Unit::Year,
        unit_price: price,
        amount: price.checked_mul(u64::from(years))?,
        grants,
        reason: wording.note(text),
    })
}

/// REN-2: the yearly price difference for the remaining whole days, and the
/// yearly allotment difference pro rata, rounded up to a whole contract.
/// With less than one whole day left there is nothing to upgrade for
/// (`upgrade_too_late`): the buyer renews first.
fn upgrade_price(
    ctx: &Context<'_>,
    to: Edition,
    to_price: Money,
    expires_at: Instant,
    wording: Wording,
) -> Result<Priced, DomainError> {
    let current = ctx.buyer.account.paid_edition(ctx.now).ok_or(DomainError::new(ErrorCode::NoActiveEdition))?;
    let from = ctx.catalog.edition(current.edition);
    let from_price = from.yearly_price.ok_or(DomainError::new(ErrorCode::QuoteRequired))?;
    let days = whole_days(ctx.now, expires_at);
    if days == 0 {
        return Err(DomainError::new(ErrorCode::UpgradeTooLate));
    }
    let yearly_difference = to_price.checked_sub(from_price)?;
    let amount = yearly_difference.checked_ratio(days, DAYS_PER_YEAR)?;
    let allotment_difference = match (ctx.catalog.edition(to).allotment, from.allotment) {
        (Allotment::PerYear(to), Allotment::PerYear(from)) => to.saturating_sub(from),
        _ => 0,
    };
    let grants = allotment_difference.checked_mul(days).map(|x| x.div_ceil(DAYS_PER_YEAR)).ok_or_else(overflow)?;
    Ok(Priced {
        years: None,
        quantity: u32::try_from(days).map_err(|_| overflow())?,
        unit: Unit::Day,
        unit_price: yearly_difference,
        amount,
        grants,
        reason: wording.note(|| {
            (
            "REN-2",
            format!(
                "升级：剩余 {days} 天 ×（¥{to_price} − ¥{from_price}）÷ 365，到期时间不变（{}），按比例赠送合同 {grants} 份",
                format_date(expires_at)
            ),
            format!(
                "Upgrade: {days} remaining days × (¥{to_price} − ¥{from_price}) ÷ 365, expiry unchanged ({}), {grants} contracts pro rata",
                format_date(expires_at)
            ),
            )
        }),
    })
}

fn addon_line(
    ctx: &Context<'_>,
    choice: &AddOnChoice,
    edition_after: Option<(Edition, Instant)>,
    wording: Wording,
) -> Result<QuoteLine, Vec<DomainError>> {
    let offer = ctx.catalog.addon(choice.addon);
    let mut errors = Vec::new();
    let is_pack = offer.validity == AddOnValidity::FollowsEdition;
    if ctx.channel == Channel::MiniProgram
        && (choice.addon == AddOn::Integration || (ctx.buyer.identity.is_person() && !is_pack))
    {
        errors.push(DomainError::new(ErrorCode::MiniProgramLimit));
    }
    let Some((edition, edition_end)) = edition_after else {
        errors.push(DomainError::new(ErrorCode::NoActiveEdition));
        return Err(errors);
    };
    let priced = match offer.validity {
        AddOnValidity::PerYear => {
            if edition < Edition::Professional {
                errors.push(DomainError::new(ErrorCode::IntegrationRequiresProfessional));
                return Err(errors);
            }
            integration_price(ctx, offer.price, choice.quantity, edition_end, wording)
        }
        AddOnValidity::FollowsEdition | AddOnValidity::OneYear => {
            let expires_at = if is_pack { Some(edition_end) } else { add_years(ctx.now, 1) };
            Count::new(choice.quantity, ctx.catalog).and_then(|count| {
                pack_price(offer.price, offer.units, count, is_pack, ctx.now, expires_at.ok_or_else(overflow)?, wording)
            })
        }
    };
    match priced {
        Ok(_) if !errors.is_empty() => Err(errors),
        Ok((priced, starts_at, expires_at)) => {
            let kind = choice.addon.quota().unwrap_or(QuotaKind::Contracts);
            Ok(priced.into_line(
                Product::AddOn(choice.addon),
                &offer.name_zh,
                &offer.name_en,
                None,
                Some(offer.validity),
                kind,
                starts_at,
                expires_at,
            ))
        }
        Err(error) => {
            errors.push(error);
            Err(errors)
        }
    }
}

fn pack_price(
    price: Money,
    units: u64,
    count: Count,
    follows_edition: bool,
    now: Instant,
    expires_at: Instant,
    wording: Wording,
) -> Result<(Priced, Instant, Instant), DomainError> {
    let n = count.get();
    let grants = units.checked_mul(u64::from(n)).ok_or_else(overflow)?;
    let text = || {
        let until = format_date(expires_at);
        if follows_edition {
            (
                "QUO-3",
                format!("{n} 个 × ¥{price}，共 {grants} 份，立即生效，到期时间跟随当前版本（{until}）"),
                format!("{n} × ¥{price}, {grants} contracts, effective now, expiring with the edition ({until})"),
            )
        } else {
            (
                "ADD-1",
                format!("{n} 个 × ¥{price}，共 {grants} 次，立即生效，有效期一年（至 {until}）"),
                format!("{n} × ¥{price}, {grants} uses, effective now, valid one year (until {until})"),
            )
        }
    };
    let priced = Priced {
        years: None,
        quantity: n,
        unit: Unit::Pack,
        unit_price: price,
        amount: price.checked_mul(u64::from(n))?,
        grants,
        reason: wording.note(text),
    };
    Ok((priced, now, expires_at))
}

/// INT-1, INT-2, SEL-5: per year, never past the edition, a cut-short last year pro rata.
fn integration_price(
    ctx: &Context<'_>,
    price: Money,
    quantity: u32,
    edition_end: Instant,
    wording: Wording,
) -> Result<(Priced, Instant, Instant), DomainError> {
    let years = u8::try_from(quantity)
        .map_err(|_| DomainError::with_field(ErrorCode::InvalidDuration, "years"))
        .and_then(|y| Years::new(y, ctx.catalog))?
        .get();
    let account = &ctx.buyer.account;
    let term = integration_term(account, edition_end, years, ctx.now).ok_or_else(overflow)?;
    let covered =
        crate::time::years_to_cover(term.starts_at, edition_end).min(u32::from(ctx.catalog.limits().max_years));
    if u32::from(years) > covered {
        return Err(DomainError::new(ErrorCode::IntegrationExceedsEdition));
    }
    let full = price.checked_mul(u64::from(term.full_years))?;
    let partial = price.checked_ratio(term.partial_days, DAYS_PER_YEAR)?;
    // The reason states what is charged: the years that run in full and the
    // days of a last year cut short, never the years asked for when the
    // edition's end cut them (a few hours short of a day are not charged).
    let text = || {
        let until = format_date(term.expires_at);
        let (n, d) = (term.full_years, term.partial_days);
        let (year_zh, year_en) = (format!("{n} 年 × ¥{price}"), format!("{n} {} × ¥{price}", plural(n.into(), "year")));
        let (day_zh, day_en) =
            (format!("{d} 天 × ¥{price} ÷ 365"), format!("{d} {} × ¥{price} ÷ 365", plural(d, "day")));
        let (start_zh, start_en) = if term.starts_at > ctx.now {
            let from = format_date(term.starts_at);
            (format!("自当前集成到期（{from}）起续接"), format!("from the current integration's end ({from})"))
        } else {
            ("立即生效".to_owned(), "effective now".to_owned())
        };
        match (n, d) {
            _ if n == years => (
                "INT-1",
                format!("{year_zh}，{start_zh}，有效期至 {until}"),
                format!("{year_en}, {start_en}, until {until}"),
            ),
            (0, 0) => (
                "INT-2",
                format!("不足一天，随版本到期，不计费，有效期至 {until}"),
                format!("less than a day, ends with the edition, not charged, until {until}"),
            ),
            (0, _) => (
                "INT-2",
                format!("{day_zh}（随版本到期，按天计费），{start_zh}，有效期至 {until}"),
                format!("{day_en} (ends with the edition, charged by the day), {start_en}, until {until}"),
            ),
            (_, 0) => (
                "INT-2",
                format!("{year_zh}（随版本到期），{start_zh}，有效期至 {until}"),
                format!("{year_en} (ends with the edition), {start_en}, until {until}"),
            ),
            _ => (
                "INT-2",
                format!("{year_zh} + {day_zh}（随版本到期，按天计费），{start_zh}，有效期至 {until}"),
                format!("{year_en} + {day_en} (ends with the edition, charged by the day), {start_en}, until {until}"),
            ),
        }
    };
    let priced = Priced {
        years: Some(years),
        quantity: u32::from(years),
        unit: Unit::Year,
        unit_price: price,
        amount: full.checked_add(partial)?,
        grants: 0,
        reason: wording.note(text),
    };
    Ok((priced, term.starts_at, term.expires_at))
}

/// "1 year", "2 years": the English noun for `n`.
fn plural(n: u64, noun: &str) -> String {
    if n == 1 { noun.to_owned() } else { format!("{noun}s") }
}

#[cfg(test)]
mod tests;
