//! Parity of the preview and the charge (PRI-1): carts drawn from a seed,
//! quoted by the domain in the browser and by the server, answer for answer.
//!
//! The one generator of both runs (the bounded e2e test and the million-cart
//! stage of `cargo xtask bench`): the page in Chromium and the native harness
//! draw the same scenarios and carts from the same `(seed, scenario, cart)`,
//! so a mismatch is replayed from those three numbers alone. A scenario is an
//! account state the server stores and a moment its clock shows; its carts
//! cover every edition, term, add-on, pack count and voucher the catalog
//! allows and many it refuses, around the boundaries where arithmetic breaks:
//! terms that end on the day, 29 February, the last second of a term,
//! rounding of spread discounts, vouchers larger than the total.

use chrono::{DateTime, TimeDelta};
use domain::cart::{AddOnChoice, Context, EditionChoice, Selection};
use domain::catalog::Catalog;
use domain::error::DomainError;
use domain::identity::{AccountState, Buyer, Channel, EditionTerm, Voucher};
use domain::money::Money;
use domain::product::{AddOn, Edition, Product};
use domain::quote::{Quote, quote};
use domain::time::{Instant, add_years};
use serde::{Deserialize, Serialize};

/// The demo people a scenario acts as: every enterprise role, a second
/// enterprise, and a person (ID-1, ID-2).
pub const LOGINS: [&str; 6] = ["a-admin", "a-legal", "a-billing", "a-staff", "b-admin", "p-chen"];

/// SplitMix64: small, fast, and the same sequence natively and in wasm.
struct Draw(u64);

impl Draw {
    fn new(parts: &[u64]) -> Draw {
        let mut draw = Draw(0x9E37_79B9_7F4A_7C15);
        for part in parts {
            draw.0 ^= part.wrapping_mul(0xBF58_476D_1CE4_E5B9);
            draw.next();
        }
        draw
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + i64::try_from(self.below(hi.abs_diff(lo) + 1)).unwrap_or(0)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[usize::try_from(self.below(from.len() as u64)).unwrap_or(0)]
    }
}

/// What the server stores for one scenario, and the moment its clock shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub login: String,
    pub account: AccountState,
    pub vouchers: Vec<Voucher>,
    pub now: Instant,
}

/// One cart: the channel it is quoted on and the choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cart {
    pub channel: Channel,
    pub selection: Selection,
}

/// What a quote answered: the figures, or every reason it refused. `Failed`
/// is an answer only the server can give (a status outside the rules), so it
/// never matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Answer {
    Quoted { quote: Box<Quote> },
    Refused { reasons: Vec<DomainError> },
    Failed { status: u16, body: String },
}

/// Instants to the second, from `secs` since the epoch.
fn instant(secs: i64) -> Instant {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// Midnight, Shanghai time, of these dates, as seconds since the epoch: leap
/// days and the days around them, and ordinary days.
const DAYS: [i64; 8] = [
    1_709_136_000, // 2024-02-29
    1_803_052_800, // 2027-02-28
    1_835_366_400, // 2028-02-29
    1_835_452_800, // 2028-03-01
    1_795_276_800, // 2026-11-22
    1_798_732_800, // 2027-01-01
    1_861_891_200, // 2028-12-31
    1_930_147_200, // 2031-03-01
];

const DAY: i64 = 86_400;

/// A term's end relative to now: the seconds around the boundary and whole
/// days, since whole remaining days drive upgrades and integration (REN-2,
/// INT-2).
fn until_expiry(draw: &mut Draw) -> i64 {
    match draw.below(8) {
        0 => 1,
        1 => 0,
        2 => -1,
        3 => draw.between(1, DAY - 1),
        4 => DAY * draw.between(1, 3 * 366 + 1),
        5 => DAY * draw.pick(&[365, 366, 730, 731, 1095, 1096]),
        6 => -DAY * draw.between(1, 800),
        _ => DAY * draw.between(1, 30) + draw.between(-3600, 3600),
    }
}

impl Scenario {
    /// Scenario `index` of `seed`.
    pub fn draw(seed: u64, index: u64) -> Scenario {
        let mut draw = Draw::new(&[seed, index]);
        let login = LOGINS[usize::try_from(index % LOGINS.len() as u64).unwrap_or(0)].to_owned();
        let day = draw.pick(&DAYS);
        // The clock on a term's first or last day, at midnight, or at any second.
        let any = draw.between(0, DAY - 1);
        let mut now = instant(day + draw.pick(&[0, 1, DAY - 1, any]));
        let edition = if draw.percent(20) {
            None
        } else {
            let edition = draw.pick(&[Edition::Advanced, Edition::Professional, Edition::Flagship]);
            let years = u32::try_from(draw.between(1, 3)).unwrap_or(1);
            let trial = draw.percent(10);
            let (starts_at, expires_at) = if draw.percent(40) {
                // A term started on a listed day: it ends on the same date N years later,
                // 29 February → 28 February; the clock is placed around that end.
                let starts = instant(draw.pick(&DAYS) + draw.pick(&[0, 36_000]));
                let ends = add_years(starts, years).unwrap_or(starts);
                now = ends - TimeDelta::seconds(until_expiry(&mut draw));
                (starts, ends)
            } else {
                let ends = now + TimeDelta::seconds(until_expiry(&mut draw));
                (ends - TimeDelta::days(365 * i64::from(years)), ends)
            };
            Some(EditionTerm { edition, starts_at, expires_at, trial })
        };
        let integration_until = match draw.below(4) {
            0 => edition.as_ref().map(|t| t.expires_at),
            1 => Some(now + TimeDelta::seconds(until_expiry(&mut draw))),
            _ => None,
        };
        let account = AccountState { edition, integration_until, trial_used: draw.percent(30) };
        let vouchers = (0..draw.below(5)).map(|n| voucher(&mut draw, index, n, now)).collect();
        Scenario { login, account, vouchers, now }
    }

    /// Cart `index` of this scenario (scenario `scenario` of `seed`).
    pub fn cart(&self, seed: u64, scenario: u64, index: u64, catalog: &Catalog) -> Cart {
        let mut draw = Draw::new(&[seed, scenario, index, 1]);
        let limits = catalog.limits();
        // One cart in six carries values the rules refuse as input: terms and
        // counts out of range, an add-on twice, a voucher the buyer lacks.
        let odd = draw.percent(16);
        let channel = match draw.below(10) {
            0..=6 => Channel::Web,
            7..=8 => Channel::MiniProgram,
            _ => Channel::CloudConsole,
        };
        let edition = (!draw.percent(30)).then(|| {
            let edition = draw.pick(&[Edition::Advanced, Edition::Professional, Edition::Flagship]);
            let years = match draw.below(20) {
                // No term: an upgrade, whose expiry stays (REN-2).
                0..=2 => None,
                3..=6 if odd => Some(draw.pick(&[0, limits.max_years + 1, u8::MAX])),
                _ => Some(u8::try_from(draw.between(1, i64::from(limits.max_years))).unwrap_or(1)),
            };
            let sales_quote = (edition == Edition::Flagship && draw.percent(30)).then(|| "SQ-NONE".to_owned());
            EditionChoice { edition, years, sales_quote }
        });
        let mut addons = Vec::new();
        for addon in [
            AddOn::ContractPack1k,
            AddOn::ContractPack10k,
            AddOn::Integration,
            AddOn::SigningReports,
            AddOn::MeetingSigning,
        ] {
            if !draw.percent(30) {
                continue;
            }
            let most = match addon {
                AddOn::Integration => u32::from(limits.max_years),
                _ => limits.max_packs_per_line,
            };
            let quantity = match draw.below(20) {
                0..=3 if odd => draw.pick(&[0, most + 1, u32::MAX]),
                0 => most,
                _ => u32::try_from(draw.between(1, i64::from(most.min(12)))).unwrap_or(1),
            };
            addons.push(AddOnChoice { addon, quantity });
            // The same add-on twice in one cart (SEL-1).
            if odd && draw.percent(20) {
                addons.push(AddOnChoice { addon, quantity: 1 });
            }
        }
        let voucher = match draw.below(10) {
            0..=1 if odd => Some("V-NONE".to_owned()),
            0..=3 => None,
            _ if self.vouchers.is_empty() => None,
            _ => Some(self.vouchers[usize::try_from(draw.below(self.vouchers.len() as u64)).unwrap_or(0)].id.clone()),
        };
        Cart { channel, selection: Selection { edition, addons, voucher } }
    }
}

/// A voucher around the edges of VOU-2: a fen, odd amounts whose spread
/// must round, faces above any total (capped), expired on the second,
/// minimum spends, scopes, and one already spent.
fn voucher(draw: &mut Draw, scenario: u64, n: u64, now: Instant) -> Voucher {
    let face_fen = match draw.below(6) {
        0 => 1,
        1 => draw.pick(&[9_999, 33_333, 100_001, 1_999_999]),
        2 => 100_000_000,
        _ => draw.between(1, 5_000_000),
    };
    let scope = draw.percent(40).then(|| {
        let all = [
            Product::Edition(Edition::Advanced),
            Product::Edition(Edition::Professional),
            Product::Edition(Edition::Flagship),
            Product::AddOn(AddOn::ContractPack1k),
            Product::AddOn(AddOn::ContractPack10k),
            Product::AddOn(AddOn::Integration),
            Product::AddOn(AddOn::SigningReports),
            Product::AddOn(AddOn::MeetingSigning),
        ];
        all.into_iter().filter(|_| draw.percent(40)).collect()
    });
    let any = draw.between(-DAY, DAY);
    let expires_at = now + TimeDelta::seconds(draw.pick(&[1, 0, -1, DAY * 30, any]));
    let any = draw.between(1, 10_000_000);
    let min_spend = draw.percent(40).then(|| Money::from_fen(draw.pick(&[1, 100_000, 1_000_000, any])));
    Voucher {
        id: format!("V{scenario}-{n}"),
        face_value: Money::from_fen(face_fen),
        expires_at,
        min_spend,
        scope,
        used: draw.percent(10),
    }
}

/// The domain's answer for `cart`, for `buyer` at `now`.
pub fn answer(catalog: &Catalog, buyer: &Buyer, now: Instant, cart: &Cart) -> Answer {
    let ctx = Context { catalog, buyer, channel: cart.channel, now };
    match quote(&ctx, &cart.selection) {
        Ok(quote) => Answer::Quoted { quote: Box::new(quote) },
        Err(reasons) => Answer::Refused { reasons },
    }
}

/// A digest of every field of `answer` (FNV-1a over its JSON): the page
/// hands back eight bytes a cart rather than the whole answer, and where two
/// digests differ the harness asks for that cart's answer and shows both.
pub fn digest(answer: &Answer) -> u64 {
    let json = serde_json::to_string(answer).unwrap_or_default();
    json.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;
    use domain::time::local_date;

    fn catalog() -> Catalog {
        Catalog::load_default().expect("the embedded catalog")
    }

    #[test]
    fn pri_1_one_seed_draws_the_same_scenarios_and_carts_every_time() {
        let catalog = catalog();
        for index in 0..50 {
            let (a, b) = (Scenario::draw(7, index), Scenario::draw(7, index));
            assert_eq!(a, b, "scenario {index}");
            assert_eq!(a.cart(7, index, 3, &catalog), b.cart(7, index, 3, &catalog), "scenario {index}, cart 3");
        }
        assert_ne!(Scenario::draw(7, 0), Scenario::draw(8, 0), "another seed, other scenarios");
    }

    #[test]
    fn pri_1_the_scenarios_reach_term_ends_leap_days_and_a_terms_last_second() {
        let scenarios: Vec<Scenario> = (0..300).map(|i| Scenario::draw(20_261_207, i)).collect();
        let terms = || scenarios.iter().filter_map(|s| s.account.edition.as_ref().map(|t| (s, t)));
        let last_second = terms().filter(|(s, t)| t.expires_at - s.now == TimeDelta::seconds(1)).count();
        let on_the_end = terms().filter(|(s, t)| t.expires_at == s.now).count();
        let last_day =
            terms().filter(|(s, t)| t.expires_at > s.now && t.expires_at - s.now < TimeDelta::days(1)).count();
        let from_leap_day = terms()
            .filter(|(_, t)| {
                let (start, end) = (local_date(t.starts_at), local_date(t.expires_at));
                (start.month(), start.day()) == (2, 29) && (end.month(), end.day()) == (2, 28)
            })
            .count();
        let leap_now =
            scenarios.iter().filter(|s| (local_date(s.now).month(), local_date(s.now).day()) == (2, 29)).count();
        for (what, count) in [
            ("a term in its last second", last_second),
            ("a term ending at that very moment", on_the_end),
            ("a term on its last day", last_day),
            ("a term from 29 February to 28 February", from_leap_day),
            ("the clock on 29 February", leap_now),
        ] {
            assert!(count > 0, "300 scenarios include {what}");
        }
    }

    #[test]
    fn vou_2_carts_hold_vouchers_above_the_total_and_odd_amounts_that_must_round() {
        let catalog = catalog();
        let (mut capped, mut spread) = (0, 0);
        for index in 0..200 {
            let scenario = Scenario::draw(1, index);
            let buyer = Buyer {
                identity: domain::identity::Identity::Person { person_id: 1, first_purchase: false },
                account: scenario.account.clone(),
                balance: Money::yuan(0),
                vouchers: scenario.vouchers.clone(),
                sales_quotes: Vec::new(),
                cloud_account: None,
            };
            for n in 0..50 {
                let cart = scenario.cart(1, index, n, &catalog);
                let Answer::Quoted { quote } = answer(&catalog, &buyer, scenario.now, &cart) else { continue };
                let Some(voucher) = &quote.voucher else { continue };
                capped += usize::from(voucher.forfeited > Money::ZERO);
                spread += usize::from(quote.lines.iter().filter(|l| l.discount > Money::ZERO).count() > 1);
            }
        }
        assert!(capped > 0 && spread > 0, "capped vouchers {capped}, spread over lines {spread}");
    }
}
