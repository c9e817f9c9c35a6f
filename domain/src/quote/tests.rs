use super::*;
use crate::cart::EditionChoice;
use crate::identity::{Buyer, Role, SalesQuote, Voucher};
use crate::terms::EditionAction;
use crate::testing::*;
use crate::time::add_years;

fn line(q: &Quote, product: Product) -> &QuoteLine {
    q.lines.iter().find(|l| l.product == product).expect("line present")
}

#[test]
fn pri_1_a_quote_lists_each_line_with_amount_validity_and_reason() {
    let catalog = catalog();
    let buyer = admin();
    let selection = buy(Edition::Professional, 2).and(&[
        (AddOn::ContractPack1k, 2),
        (AddOn::Integration, 2),
        (AddOn::SigningReports, 1),
    ]);
    let q = quote(&ctx(&catalog, &buyer, Channel::Web), &selection).expect("quotes");
    let edition_end = add_years(now(), 2).expect("date");

    let pro = line(&q, Product::Edition(Edition::Professional));
    assert_eq!((pro.quantity, pro.unit_price, pro.amount), (2, Money::yuan(19_800), Money::yuan(39_600)));
    assert_eq!(pro.grants, Some(QuotaGrant { kind: QuotaKind::Contracts, amount: 10_000 }), "CAT-3: N × allotment");
    assert_eq!((pro.starts_at, pro.expires_at), (now(), edition_end));
    let pack = line(&q, Product::AddOn(AddOn::ContractPack1k));
    assert_eq!((pack.amount, pack.expires_at), (Money::yuan(4_000), edition_end));
    let integration = line(&q, Product::AddOn(AddOn::Integration));
    assert_eq!((integration.amount, integration.expires_at), (Money::yuan(19_600), edition_end));
    let reports = line(&q, Product::AddOn(AddOn::SigningReports));
    assert_eq!(reports.expires_at, add_years(now(), 1).expect("date"));

    assert_eq!(q.subtotal, Money::yuan(39_600 + 4_000 + 19_600 + 980));
    assert_eq!(q.payable, q.subtotal);
    assert_eq!(q.catalog_version, catalog.version());
    let rules: Vec<&str> = q.lines.iter().map(|l| l.reason.rule.as_str()).collect();
    assert_eq!(rules, ["CAT-3", "QUO-3", "INT-1", "ADD-1"]);
    assert!(q.lines.iter().all(|l| !l.reason.zh.is_empty() && !l.reason.en.is_empty()));
}

#[test]
fn sel_1_one_edition_line_and_each_add_on_once() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Advanced, 200);
    let c = ctx(&catalog, &buyer, Channel::Web);
    let twice = addons(&[(AddOn::ContractPack1k, 1), (AddOn::ContractPack1k, 2)]);
    assert_eq!(codes(quote(&c, &twice)), [ErrorCode::InvalidInput]);
    assert_eq!(codes(quote(&c, &Selection::default())), [ErrorCode::InvalidInput], "an empty order");
    let q = quote(&c, &addons(&[(AddOn::ContractPack1k, 3)])).expect("one line, three packs");
    assert_eq!(q.lines.len(), 1);
    assert_eq!(q.lines[0].grants.map(|g| g.amount), Some(3_000));
}

#[test]
fn sel_3_integration_needs_professional_or_flagship() {
    let catalog = catalog();
    let fresh = admin();
    let c = ctx(&catalog, &fresh, Channel::Web);
    let with_advanced = buy(Edition::Advanced, 1).and(&[(AddOn::Integration, 1)]);
    assert_eq!(codes(quote(&c, &with_advanced)), [ErrorCode::IntegrationRequiresProfessional]);
    assert!(quote(&c, &buy(Edition::Professional, 1).and(&[(AddOn::Integration, 1)])).is_ok());
    let pro = holding(admin(), Edition::Professional, 300);
    assert!(quote(&ctx(&catalog, &pro, Channel::Web), &addons(&[(AddOn::Integration, 1)])).is_ok(), "already active");
    let adv = holding(admin(), Edition::Advanced, 300);
    let alone = addons(&[(AddOn::Integration, 1)]);
    assert_eq!(codes(quote(&ctx(&catalog, &adv, Channel::Web), &alone)), [ErrorCode::IntegrationRequiresProfessional]);
}

#[test]
fn sel_4_add_ons_need_an_active_edition_and_a_trial_does_not_count() {
    let catalog = catalog();
    let packs = addons(&[(AddOn::ContractPack1k, 1)]);
    let fresh = admin();
    assert_eq!(codes(quote(&ctx(&catalog, &fresh, Channel::Web), &packs)), [ErrorCode::NoActiveEdition]);
    let mut trial = holding(admin(), Edition::Advanced, 5);
    if let Some(t) = trial.account.edition.as_mut() {
        t.trial = true;
    }
    assert_eq!(codes(quote(&ctx(&catalog, &trial, Channel::Web), &packs)), [ErrorCode::NoActiveEdition]);
    let mut lapsed = holding(admin(), Edition::Advanced, 0);
    if let Some(t) = lapsed.account.edition.as_mut() {
        t.expires_at = days(0) - chrono::TimeDelta::days(1);
    }
    assert_eq!(codes(quote(&ctx(&catalog, &lapsed, Channel::Web), &packs)), [ErrorCode::NoActiveEdition]);
    let active = holding(admin(), Edition::Advanced, 30);
    assert!(quote(&ctx(&catalog, &active, Channel::Web), &packs).is_ok());
    let together = buy(Edition::Advanced, 1).and(&[(AddOn::ContractPack1k, 1)]);
    assert!(quote(&ctx(&catalog, &fresh, Channel::Web), &together).is_ok(), "bought in the same order");
}

#[test]
fn sel_5_integration_years_stay_within_the_edition_and_a_short_year_is_prorated() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Professional, 400);
    let c = ctx(&catalog, &buyer, Channel::Web);
    let q = quote(&c, &addons(&[(AddOn::Integration, 2)])).expect("2 years fit in 400 days rounded up");
    // One full year (365 days) + 35 days at 9800 / 365 a day: 9800 + 939.726… = 10739.73.
    assert_eq!(q.lines[0].amount, m("10739.73"));
    assert_eq!(q.lines[0].expires_at, days(400));
    assert_eq!(q.lines[0].reason.rule, "INT-2");
    let too_long = addons(&[(AddOn::Integration, 3)]);
    assert_eq!(codes(quote(&c, &too_long)), [ErrorCode::IntegrationExceedsEdition]);
    let four = addons(&[(AddOn::Integration, 4)]);
    assert_eq!(codes(quote(&c, &four)), [ErrorCode::InvalidDuration], "never more than 3 years");
}

#[test]
fn sel_6_buying_a_lower_edition_than_the_active_one_is_refused() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Professional, 100);
    assert_eq!(
        codes(quote(&ctx(&catalog, &buyer, Channel::Web), &buy(Edition::Advanced, 1))),
        [ErrorCode::DowngradeNotAllowed]
    );
}

#[test]
fn ren_1_renewal_extends_the_expiry_and_may_not_reach_past_three_years() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Advanced, 100);
    let c = ctx(&catalog, &buyer, Channel::Web);
    let q = quote(&c, &buy(Edition::Advanced, 2)).expect("renews");
    let l = &q.lines[0];
    assert_eq!(l.action, Some(EditionAction::Renewal));
    assert_eq!((l.starts_at, l.expires_at), (days(100), add_years(days(100), 2).expect("date")));
    assert_eq!(l.amount, Money::yuan(13_960));
    assert_eq!(codes(quote(&c, &buy(Edition::Advanced, 3))), [ErrorCode::TermExceedsLimit]);
}

#[test]
fn ren_2_upgrade_charges_the_yearly_difference_for_the_remaining_days() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Advanced, 200);
    let c = ctx(&catalog, &buyer, Channel::Web);
    let q = quote(&c, &upgrade_to(Edition::Professional)).expect("upgrades");
    let l = &q.lines[0];
    assert_eq!(l.action, Some(EditionAction::Upgrade));
    // (19800 − 6980) × 200 / 365 = 7024.657… → 7024.66
    assert_eq!(l.amount, m("7024.66"));
    assert_eq!((l.quantity, l.unit), (200, Unit::Day));
    // (5000 − 1000) × 200 / 365 = 2191.78… → 2192 contracts, rounded up.
    assert_eq!(l.grants.map(|g| g.amount), Some(2_192));
    assert_eq!(l.expires_at, days(200), "the expiry stays");
    assert_eq!(codes(quote(&c, &buy(Edition::Professional, 1))), [ErrorCode::InvalidInput], "an upgrade has no years");
}

#[test]
fn ren_3_professional_renews_and_upgrades_on_the_web_only() {
    let catalog = catalog();
    let pro = holding(admin(), Edition::Professional, 100);
    assert_eq!(
        codes(quote(&ctx(&catalog, &pro, Channel::MiniProgram), &buy(Edition::Professional, 1))),
        [ErrorCode::MiniProgramLimit]
    );
    assert!(quote(&ctx(&catalog, &pro, Channel::Web), &buy(Edition::Professional, 1)).is_ok());
    let adv = holding(admin(), Edition::Advanced, 100);
    assert_eq!(
        codes(quote(&ctx(&catalog, &adv, Channel::MiniProgram), &upgrade_to(Edition::Professional))),
        [ErrorCode::MiniProgramLimit]
    );
    assert!(
        quote(&ctx(&catalog, &adv, Channel::MiniProgram), &buy(Edition::Advanced, 1)).is_ok(),
        "Advanced renews there"
    );
}

#[test]
fn ch_2_the_mini_program_refuses_professional_flagship_integration_and_large_payments() {
    let catalog = catalog();
    let buyer = admin();
    let c = ctx(&catalog, &buyer, Channel::MiniProgram);
    assert_eq!(codes(quote(&c, &buy(Edition::Professional, 1))), [ErrorCode::MiniProgramLimit]);
    assert!(codes(quote(&c, &buy(Edition::Flagship, 1))).contains(&ErrorCode::MiniProgramLimit));
    let advanced_with_integration = buy(Edition::Advanced, 1).and(&[(AddOn::Integration, 1)]);
    assert!(codes(quote(&c, &advanced_with_integration)).contains(&ErrorCode::MiniProgramLimit));
    assert!(quote(&c, &buy(Edition::Advanced, 3).and(&[(AddOn::ContractPack10k, 1)])).is_ok());
    // 3 × 6980 + 2 × 16000 = 52940 > the 50000 ceiling.
    let large = buy(Edition::Advanced, 3).and(&[(AddOn::ContractPack10k, 2)]);
    assert_eq!(codes(quote(&c, &large)), [ErrorCode::MiniProgramLimit]);
    assert!(quote(&ctx(&catalog, &buyer, Channel::Web), &large).is_ok(), "the web console has no ceiling");
}

#[test]
fn ch_2_a_person_in_the_mini_program_buys_only_advanced_and_contract_packs() {
    let catalog = catalog();
    let buyer = person();
    let c = ctx(&catalog, &buyer, Channel::MiniProgram);
    assert!(
        quote(&c, &buy(Edition::Advanced, 2).and(&[(AddOn::ContractPack1k, 1), (AddOn::ContractPack10k, 1)])).is_ok()
    );
    for refused in [AddOn::SigningReports, AddOn::MeetingSigning, AddOn::Integration] {
        let selection = buy(Edition::Advanced, 1).and(&[(refused, 1)]);
        assert!(codes(quote(&c, &selection)).contains(&ErrorCode::MiniProgramLimit), "{refused:?}");
    }
}

#[test]
fn ch_3_the_cloud_console_sells_only_to_the_enterprise_of_the_linked_account() {
    let catalog = catalog();
    let mut linked = admin();
    if let Identity::Enterprise { linked_cloud_account, .. } = &mut linked.identity {
        *linked_cloud_account = Some("cloud-100".into());
    }
    let selection = buy(Edition::Advanced, 1);
    let same = Buyer { cloud_account: Some("cloud-100".into()), ..linked.clone() };
    assert!(quote(&ctx(&catalog, &same, Channel::CloudConsole), &selection).is_ok());
    let other = Buyer { cloud_account: Some("cloud-200".into()), ..linked };
    let unlinked = Buyer { cloud_account: Some("cloud-100".into()), ..admin() };
    let individual = Buyer { cloud_account: Some("cloud-100".into()), ..person() };
    for buyer in [other, unlinked, individual] {
        assert_eq!(
            codes(quote(&ctx(&catalog, &buyer, Channel::CloudConsole), &selection)),
            [ErrorCode::CloudAccountNotLinked]
        );
    }
}

#[test]
fn id_1_an_unverified_enterprise_cannot_buy_as_an_enterprise() {
    let catalog = catalog();
    let mut buyer = admin();
    if let Identity::Enterprise { verified, .. } = &mut buyer.identity {
        *verified = false;
    }
    assert_eq!(
        codes(quote(&ctx(&catalog, &buyer, Channel::Web), &buy(Edition::Advanced, 1))),
        [ErrorCode::EnterpriseNotVerified]
    );
    assert!(quote(&ctx(&catalog, &person(), Channel::Web), &buy(Edition::Advanced, 1)).is_ok(), "the person may");
}

#[test]
fn cat_4_flagship_without_a_sales_quote_needs_one() {
    let catalog = catalog();
    let buyer = admin();
    assert_eq!(
        codes(quote(&ctx(&catalog, &buyer, Channel::Web), &buy(Edition::Flagship, 1))),
        [ErrorCode::QuoteRequired]
    );
}

#[test]
fn sal_1_flagship_is_bought_through_an_accepted_sales_quote_before_it_expires() {
    let catalog = catalog();
    let offer = SalesQuote {
        id: "SQ-1".into(),
        years: 2,
        price: Money::yuan(300_000),
        contracts: 3_000_000,
        expires_at: days(10),
    };
    let buyer = Buyer { sales_quotes: vec![offer.clone()], ..holding(admin(), Edition::Advanced, 100) };
    let flagship = |id: &str| Selection {
        edition: Some(EditionChoice { edition: Edition::Flagship, years: None, sales_quote: Some(id.into()) }),
        ..Selection::default()
    };
    let c = ctx(&catalog, &buyer, Channel::Web);
    let q = quote(&c, &flagship("SQ-1")).expect("quoted");
    let l = &q.lines[0];
    assert_eq!((l.amount, l.unit, l.years), (Money::yuan(300_000), Unit::SalesQuote, Some(2)));
    assert_eq!(l.grants.map(|g| g.amount), Some(3_000_000));
    assert_eq!(l.expires_at, add_years(now(), 2).expect("date"), "the quote sets its own term from payment");
    assert_eq!(codes(quote(&c, &flagship("SQ-404"))), [ErrorCode::QuoteRequired]);
    let later = Context { now: days(11), ..c };
    assert_eq!(codes(quote(&later, &flagship("SQ-1"))), [ErrorCode::QuoteRequired], "the quote expired");
    let stingy = Buyer { sales_quotes: vec![SalesQuote { contracts: 1_000, ..offer }], ..admin() };
    assert_eq!(codes(quote(&ctx(&catalog, &stingy, Channel::Web), &flagship("SQ-1"))), [ErrorCode::InvalidInput]);
}

#[test]
fn vou_1_a_voucher_of_the_account_deducts_from_the_payable() {
    let catalog = catalog();
    let buyer = Buyer { vouchers: vec![voucher("V-500", 500)], ..admin() };
    let c = ctx(&catalog, &buyer, Channel::Web);
    let mut selection = buy(Edition::Advanced, 1);
    selection.voucher = Some("V-500".into());
    let q = quote(&c, &selection).expect("applies");
    assert_eq!((q.subtotal, q.discount, q.payable), (Money::yuan(6_980), Money::yuan(500), Money::yuan(6_480)));
    selection.voucher = Some("someone-else's".into());
    assert_eq!(codes(quote(&c, &selection)), [ErrorCode::NotFound]);
}

#[test]
fn vou_2_the_preview_warns_of_a_forfeited_remainder() {
    let catalog = catalog();
    let buyer = holding(Buyer { vouchers: vec![voucher("BIG", 5_000)], ..admin() }, Edition::Advanced, 100);
    let mut selection = addons(&[(AddOn::SigningReports, 1)]);
    selection.voucher = Some("BIG".into());
    let q = quote(&ctx(&catalog, &buyer, Channel::Web), &selection).expect("applies");
    assert_eq!(q.payable, Money::ZERO);
    assert_eq!(q.voucher.as_ref().map(|v| v.forfeited), Some(Money::yuan(4_020)));
    assert!(q.notes.iter().any(|n| n.rule == "VOU-2"));
}

#[test]
fn add_1_signing_reports_and_meeting_signing_are_valid_one_year_from_purchase() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Advanced, 30);
    let q =
        quote(&ctx(&catalog, &buyer, Channel::Web), &addons(&[(AddOn::SigningReports, 2), (AddOn::MeetingSigning, 1)]))
            .expect("quotes");
    for l in &q.lines {
        assert_eq!((l.starts_at, l.expires_at), (now(), add_years(now(), 1).expect("date")), "{:?}", l.product);
    }
    assert_eq!(q.lines[0].grants, Some(QuotaGrant { kind: QuotaKind::SigningReports, amount: 200 }));
    assert_eq!(q.lines[1].grants, Some(QuotaGrant { kind: QuotaKind::MeetingSigning, amount: 100 }));
}

#[test]
fn quo_3_contract_packs_take_effect_now_and_expire_with_the_current_edition() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Advanced, 45);
    let q = quote(&ctx(&catalog, &buyer, Channel::Web), &addons(&[(AddOn::ContractPack10k, 1)])).expect("quotes");
    assert_eq!((q.lines[0].starts_at, q.lines[0].expires_at), (now(), days(45)));
}

#[test]
fn refusals_come_identity_first_then_what_is_bought_then_the_voucher() {
    let catalog = catalog();
    let mut buyer =
        Buyer { vouchers: vec![Voucher { used: true, ..voucher("USED", 10) }], ..enterprise(&[Role::Staff]) };
    if let Identity::Enterprise { verified, .. } = &mut buyer.identity {
        *verified = false;
    }
    let mut selection = addons(&[(AddOn::ContractPack1k, 1)]).and(&[(AddOn::SigningReports, 1)]);
    selection.edition = Some(EditionChoice { edition: Edition::Advanced, years: Some(1), sales_quote: None });
    selection.addons.push(crate::cart::AddOnChoice { addon: AddOn::Integration, quantity: 1 });
    selection.voucher = Some("USED".into());
    assert_eq!(
        codes(quote(&ctx(&catalog, &buyer, Channel::Web), &selection)),
        [ErrorCode::EnterpriseNotVerified, ErrorCode::IntegrationRequiresProfessional, ErrorCode::VoucherUsed]
    );
}

/// What a reason says is charged: the sum of its "N 年 × ¥P" (or "N years ×
/// ¥P") and "D 天 × ¥P ÷ 365" terms, rounded once like the line (PRI-3).
fn charged_by_reason(text: &str) -> Money {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let price = |token: &str| -> Money {
        let digits: String =
            token.trim_start_matches('¥').chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
        m(&digits)
    };
    let mut charged = Money::ZERO;
    for (i, window) in tokens.windows(4).enumerate() {
        let [count, unit, "×", unit_price] = window else { continue };
        let Ok(count) = count.parse::<u64>() else { continue };
        if !unit_price.starts_with('¥') {
            continue;
        }
        let per = price(unit_price);
        let term = match *unit {
            "年" | "year" | "years" => per.checked_mul(count),
            "天" | "day" | "days" => {
                let divisor = tokens.get(i + 4..i + 6);
                assert!(
                    divisor.is_some_and(|d| d[0] == "÷" && d[1].starts_with("365")),
                    "a day is a 365th of a year: {text}"
                );
                per.checked_ratio(count, 365)
            }
            _ => continue,
        };
        charged = charged.checked_add(term.expect("in range")).expect("in range");
    }
    charged.round()
}

/// The buyer holding Professional until `end`, perhaps with integration running until `integration`.
fn professional_until(end: Instant, integration: Option<Instant>) -> Buyer {
    let mut buyer = holding(admin(), Edition::Professional, 0);
    if let Some(t) = buyer.account.edition.as_mut() {
        t.expires_at = end;
    }
    buyer.account.integration_until = integration;
    buyer
}

/// INT-2's reason for `years` of integration, checked against the amount in both languages.
fn integration_reason_agrees(catalog: &crate::catalog::Catalog, buyer: &Buyer, years: u32) -> Option<QuoteLine> {
    let q = quote(&ctx(catalog, buyer, Channel::Web), &addons(&[(AddOn::Integration, years)])).ok()?;
    let l = q.lines[0].clone();
    assert_eq!(charged_by_reason(&l.reason.zh), l.amount, "zh reason vs amount: {}", l.reason.zh);
    assert_eq!(charged_by_reason(&l.reason.en), l.amount, "en reason vs amount: {}", l.reason.en);
    Some(l)
}

#[test]
fn int_2_a_year_cut_short_by_hours_is_charged_and_worded_as_the_whole_years_only() {
    let catalog = catalog();
    // The edition ends 3 hours past a whole year: 2 years may be bought (rounded up),
    // 1 runs in full, and the 3 hours left are less than a day, so not charged.
    let end = add_years(now(), 1).expect("date") + chrono::TimeDelta::hours(3);
    let buyer = professional_until(end, None);
    let l = integration_reason_agrees(&catalog, &buyer, 2).expect("2 years are allowed");
    assert_eq!((l.amount, l.expires_at), (Money::yuan(9_800), end), "one year charged, ends with the edition");
    assert_eq!(l.reason.rule, "INT-2");
    assert!(l.reason.zh.starts_with("1 年 × ¥9800.00（随版本到期）"), "{}", l.reason.zh);
    assert!(l.reason.en.starts_with("1 year × ¥9800.00 (ends with the edition)"), "{}", l.reason.en);
    assert!(!l.reason.zh.contains("2 年") && !l.reason.en.contains("2 years"), "not the years asked for");
}

#[test]
fn int_2_the_reason_agrees_with_the_amount_for_edition_ends_around_whole_years() {
    let catalog = catalog();
    let hour = chrono::TimeDelta::hours(1);
    let day = chrono::TimeDelta::days(1);
    // (offset from a whole year, what the reason is built from: full years charged, days charged)
    let offsets = [-day, -hour, chrono::TimeDelta::zero(), hour, hour * 3, hour * 23, day, day * 35];
    for whole in 1..=3 {
        for offset in offsets {
            let end = add_years(now(), whole).expect("date") + offset;
            for running in [None, Some(days(10))] {
                let buyer = professional_until(end, running);
                for years in 1..=3 {
                    let Some(l) = integration_reason_agrees(&catalog, &buyer, years) else { continue };
                    assert!(l.expires_at <= end, "never past the edition");
                    let full_term = add_years(l.starts_at, years).expect("date");
                    assert_eq!(l.reason.rule == "INT-1", l.expires_at == full_term, "INT-2 only when cut short");
                    if running.is_some() {
                        assert!(l.reason.en.contains("from the current integration's end"), "{}", l.reason.en);
                    }
                }
            }
        }
    }
    // Less than a day before the edition ends: nothing is charged, and the reason says so.
    let buyer = professional_until(now() + hour * 5, None);
    let l = integration_reason_agrees(&catalog, &buyer, 1).expect("1 year covers 5 hours");
    assert_eq!(l.amount, Money::ZERO);
    assert!(l.reason.en.contains("not charged"), "{}", l.reason.en);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    #[test]
    fn int_2_the_reason_always_states_the_amount_charged(
        hours in 1i64..(3 * 366 * 24),
        years in 1u32..=3,
        running in proptest::option::of(1u32..400),
    ) {
        let catalog = catalog();
        let buyer = professional_until(now() + chrono::TimeDelta::hours(hours), running.map(days));
        integration_reason_agrees(&catalog, &buyer, years);
    }
}

#[test]
fn ren_2_an_upgrade_with_less_than_a_whole_day_left_is_refused() {
    let catalog = catalog();
    // (hours left on Advanced, the refusal, or the whole days charged)
    let cases: [(i64, Result<u32, ErrorCode>); 5] = [
        (1, Err(ErrorCode::UpgradeTooLate)),
        (12, Err(ErrorCode::UpgradeTooLate)),
        (23, Err(ErrorCode::UpgradeTooLate)),
        (24, Ok(1)),
        (47, Ok(1)),
    ];
    for (left, expected) in cases {
        let mut buyer = holding(admin(), Edition::Advanced, 0);
        if let Some(t) = buyer.account.edition.as_mut() {
            t.expires_at = now() + chrono::TimeDelta::hours(left);
        }
        let c = ctx(&catalog, &buyer, Channel::Web);
        let got = quote(&c, &upgrade_to(Edition::Professional)).map(|q| q.lines[0].clone());
        match expected {
            Err(code) => assert_eq!(codes(got), [code], "{left} h left"),
            Ok(days) => {
                let l = got.expect("upgrades");
                assert_eq!((l.quantity, l.unit), (days, Unit::Day), "{left} h left");
                assert!(l.amount > Money::ZERO && l.grants.is_some(), "{left} h: charged and granted");
            }
        }
        assert!(quote(&c, &buy(Edition::Advanced, 1)).is_ok(), "renewing first stays open with {left} h left");
    }
}
