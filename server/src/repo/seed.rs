//! Demo data for development: two verified enterprises with every role (each
//! linked to a cloud account, CH-3), an unverified one, a person who joined enterprise A and the unverified one,
//! a sales manager, balances and vouchers of every kind. Written once, into an empty database.

use crate::clock::to_ms;
use crate::db::Db;
use crate::db::Tx;
use crate::db::codec::format_roles;
use crate::password::hash_password;
use domain::identity::Role;
use domain::{AddOn, Instant, Product};

/// Every demo person's password.
pub const DEMO_PASSWORD: &str = "demo1234";

/// A demo cloud account for development's cloud sign-in (CH-3): the cloud
/// account and the demo person who signs in through it.
#[derive(Debug, Clone, Copy)]
pub struct DemoCloudAccount {
    pub cloud_account: &'static str,
    pub login: &'static str,
}

/// The cloud console's three cases: the account 杭州云签 was verified
/// through, one linked to no enterprise, and 上海合同宝's account with
/// 杭州云签's super admin signed in (another enterprise's).
pub const DEMO_CLOUD_ACCOUNTS: [DemoCloudAccount; 3] = [
    DemoCloudAccount { cloud_account: "cloud-100001", login: "a-admin" },
    DemoCloudAccount { cloud_account: "cloud-900001", login: "b-admin" },
    DemoCloudAccount { cloud_account: "cloud-200001", login: "a-admin" },
];

struct DemoEnterprise {
    name: &'static str,
    verified: bool,
    phone: &'static str,
    cloud: Option<&'static str>,
    balance_yuan: i64,
    members: &'static [(&'static str, &'static str, &'static [Role])],
}

const ENTERPRISES: [DemoEnterprise; 3] = [
    DemoEnterprise {
        name: "杭州云签科技有限公司",
        verified: true,
        phone: "13800000001",
        cloud: Some("cloud-100001"),
        balance_yuan: 200_000,
        members: &[
            ("a-legal", "王建国", &[Role::LegalRepresentative]),
            ("a-admin", "李娜", &[Role::SuperAdmin]),
            ("a-billing", "张伟", &[Role::BillingStaff]),
            ("a-staff", "刘洋", &[Role::Staff]),
        ],
    },
    DemoEnterprise {
        name: "上海合同宝网络有限公司",
        verified: true,
        phone: "13800000002",
        cloud: Some("cloud-200001"),
        balance_yuan: 50_000,
        members: &[
            ("b-legal", "赵敏", &[Role::LegalRepresentative]),
            ("b-admin", "孙丽", &[Role::SuperAdmin]),
            ("b-billing", "周杰", &[Role::BillingStaff]),
            ("b-staff", "吴磊", &[Role::Staff]),
        ],
    },
    DemoEnterprise {
        name: "深圳未来贸易有限公司（未认证）",
        verified: false,
        phone: "13800000003",
        cloud: None,
        balance_yuan: 0,
        members: &[],
    },
];

/// Seeds the demo data when the database has no accounts yet.
pub async fn seed_if_empty(db: &Db, now: Instant) -> Result<bool, crate::db::Error> {
    let accounts: i64 = crate::db::query_scalar("SELECT COUNT(*) FROM accounts").fetch_one(&db.read).await?;
    if accounts > 0 {
        return Ok(false);
    }
    let password = hash_password(DEMO_PASSWORD).map_err(|e| crate::db::Error::Encode(e.to_string().into()))?;
    let mut tx = db.begin().await?;
    let mut enterprise_ids = Vec::new();
    for (i, e) in ENTERPRISES.iter().enumerate() {
        let account = new_account(&mut tx, "enterprise", e.balance_yuan).await?;
        let id: i64 = crate::db::query_scalar(
            "INSERT INTO enterprises (account_id, name, verified, security_phone, linked_cloud_account) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(account)
        .bind(e.name)
        .bind(i64::from(e.verified))
        .bind(e.phone)
        .bind(e.cloud)
        .fetch_one(&mut *tx)
        .await?;
        enterprise_ids.push((id, account));
        for (n, (login, name, roles)) in e.members.iter().enumerate() {
            let person = new_person(&mut tx, login, name, &format!("1390000{i}{n:03}"), &password, 0).await?;
            join(&mut tx, person, id, roles).await?;
        }
        if i == 0 {
            voucher_set(&mut tx, account, now).await?;
        }
    }
    let (a, c) = (enterprise_ids[0].0, enterprise_ids[2].0);
    let chen = new_person(&mut tx, "p-chen", "陈静", "13912345678", &password, 10_000).await?;
    join(&mut tx, chen, a, &[Role::Staff]).await?;
    join(&mut tx, chen, c, &[Role::SuperAdmin]).await?;
    let chen_account: i64 = crate::db::query("SELECT account_id FROM persons WHERE id = $1")
        .bind(chen)
        .fetch_one(&mut *tx)
        .await?
        .try_get("account_id")?;
    voucher(&mut tx, "P-CHEN-100", chen_account, 100, None, None, now + chrono::TimeDelta::days(60)).await?;
    // SAL-1: the sales manager, a person with the flag (not an enterprise role).
    let sales = new_person(&mut tx, "sales", "黄磊（销售经理）", "13700000001", &password, 0).await?;
    crate::db::query("UPDATE persons SET sales_manager = 1 WHERE id = $1").bind(sales).execute(&mut *tx).await?;
    // ORD-1: an operator, who sees the money to return.
    let ops = new_person(&mut tx, "ops", "周敏（运营）", "13700000002", &password, 0).await?;
    crate::db::query("UPDATE persons SET operator = 1 WHERE id = $1").bind(ops).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(true)
}

async fn new_account(tx: &mut Tx, kind: &str, balance_yuan: i64) -> Result<i64, crate::db::Error> {
    crate::db::query_scalar("INSERT INTO accounts (kind, balance_fen) VALUES ($1, $2) RETURNING id")
        .bind(kind)
        .bind(balance_yuan * 100)
        .fetch_one(&mut **tx)
        .await
}

async fn new_person(
    tx: &mut Tx,
    login: &str,
    name: &str,
    phone: &str,
    password_hash: &str,
    balance_yuan: i64,
) -> Result<i64, crate::db::Error> {
    let account = new_account(tx, "person", balance_yuan).await?;
    crate::db::query_scalar(
        "INSERT INTO persons (account_id, login, name, phone, password_hash) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(account)
    .bind(login)
    .bind(name)
    .bind(phone)
    .bind(password_hash)
    .fetch_one(&mut **tx)
    .await
}

async fn join(tx: &mut Tx, person: i64, enterprise: i64, roles: &[Role]) -> Result<(), crate::db::Error> {
    crate::db::query("INSERT INTO memberships (person_id, enterprise_id, roles) VALUES ($1, $2, $3)")
        .bind(person)
        .bind(enterprise)
        .bind(format_roles(roles))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Enterprise A's vouchers: usable, expired, minimum-spend, scoped, and one that covers a pack in full.
async fn voucher_set(tx: &mut Tx, account: i64, now: Instant) -> Result<(), crate::db::Error> {
    let month = now + chrono::TimeDelta::days(30);
    voucher(tx, "A-500", account, 500, None, None, month).await?;
    voucher(tx, "A-EXPIRED-300", account, 300, None, None, now - chrono::TimeDelta::days(1)).await?;
    voucher(tx, "A-2000-OVER-20000", account, 2_000, Some(20_000), None, month).await?;
    let packs = [Product::AddOn(AddOn::ContractPack1k), Product::AddOn(AddOn::ContractPack10k)];
    voucher(tx, "A-PACKS-200", account, 200, None, Some(&packs), month).await?;
    // PAY-2: covers a 1,000-contract pack in full, so the order is ¥0.00 and completed by voucher.
    voucher(tx, "A-PACK-FULL-2000", account, 2_000, None, Some(&packs), month).await
}

async fn voucher(
    tx: &mut Tx,
    id: &str,
    account: i64,
    face_yuan: i64,
    min_spend_yuan: Option<i64>,
    scope: Option<&[Product]>,
    expires_at: Instant,
) -> Result<(), crate::db::Error> {
    crate::db::query(
        "INSERT INTO vouchers (id, account_id, face_fen, min_spend_fen, scope, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(account)
    .bind(face_yuan * 100)
    .bind(min_spend_yuan.map(|y| y * 100))
    .bind(scope.map(|s| serde_json::to_string(s).unwrap_or_default()))
    .bind(to_ms(expires_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
