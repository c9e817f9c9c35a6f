//! Who is buying (ID), through which channel (CH), and what their account
//! already holds.

use crate::error::{DomainError, ErrorCode};
use crate::money::Money;
use crate::product::{Edition, Product};
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// A member's role in an enterprise (ID-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    LegalRepresentative,
    SuperAdmin,
    /// Staff holding the billing permission (费用管理权限).
    BillingStaff,
    Staff,
}

/// One enterprise a person belongs to (ID-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Membership {
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub verified: bool,
    pub roles: Vec<Role>,
}

/// The identity a signed-in user acts as, one at a time (ID-1, ID-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "IdentityWire")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Identity {
    /// Buying personally, e.g. before the enterprise is verified.
    Person {
        person_id: i64,
        /// No paid order yet: the mini-program asks for details first (BND-3).
        first_purchase: bool,
    },
    /// Acting for an enterprise the person belongs to.
    Enterprise {
        person_id: i64,
        enterprise_id: i64,
        verified: bool,
        roles: Vec<Role>,
        /// The cloud account the enterprise was verified through, if any (CH-3).
        linked_cloud_account: Option<String>,
    },
}

/// An identity as the wire carries it: one object whose `kind` says which
/// fields it has. Read through this flat form rather than serde's internally
/// tagged enums, which buffer the whole object first and bring that
/// buffering's code into the app's first download.
#[derive(Deserialize)]
struct IdentityWire {
    kind: IdentityKind,
    person_id: i64,
    first_purchase: Option<bool>,
    enterprise_id: Option<i64>,
    verified: Option<bool>,
    roles: Option<Vec<Role>>,
    linked_cloud_account: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum IdentityKind {
    Person,
    Enterprise,
}

impl TryFrom<IdentityWire> for Identity {
    type Error = &'static str;

    fn try_from(wire: IdentityWire) -> Result<Self, Self::Error> {
        let IdentityWire { kind, person_id, first_purchase, enterprise_id, verified, roles, linked_cloud_account } =
            wire;
        match kind {
            IdentityKind::Person => Ok(Identity::Person {
                person_id,
                first_purchase: first_purchase.ok_or("missing field `first_purchase`")?,
            }),
            IdentityKind::Enterprise => Ok(Identity::Enterprise {
                person_id,
                enterprise_id: enterprise_id.ok_or("missing field `enterprise_id`")?,
                verified: verified.ok_or("missing field `verified`")?,
                roles: roles.ok_or("missing field `roles`")?,
                linked_cloud_account,
            }),
        }
    }
}

impl Identity {
    /// ID-4: act as the person, or as one enterprise among `memberships`.
    pub fn acting_as(
        person_id: i64,
        first_purchase: bool,
        memberships: &[Membership],
        enterprise_id: Option<i64>,
        linked_cloud_account: Option<String>,
    ) -> Result<Identity, DomainError> {
        let Some(wanted) = enterprise_id else {
            return Ok(Identity::Person { person_id, first_purchase });
        };
        let member =
            memberships.iter().find(|m| m.enterprise_id == wanted).ok_or(DomainError::new(ErrorCode::NotAMember))?;
        Ok(Identity::Enterprise {
            person_id,
            enterprise_id: member.enterprise_id,
            verified: member.verified,
            roles: member.roles.clone(),
            linked_cloud_account,
        })
    }

    /// True when acting as an enterprise holding one of `roles`.
    pub fn has_any_role(&self, roles: &[Role]) -> bool {
        match self {
            Identity::Person { .. } => false,
            Identity::Enterprise { roles: held, .. } => held.iter().any(|r| roles.contains(r)),
        }
    }

    /// True for the personal identity.
    pub fn is_person(&self) -> bool {
        matches!(self, Identity::Person { .. })
    }
}

/// Where the purchase is made (CH-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Channel {
    Web,
    MiniProgram,
    CloudConsole,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 3] = [Channel::Web, Channel::MiniProgram, Channel::CloudConsole];
}

/// The edition an account holds (or held), and for how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditionTerm {
    pub edition: Edition,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub starts_at: Instant,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Instant,
    /// A free trial (TRI-1), which does not count as an active edition for add-ons.
    pub trial: bool,
}

impl EditionTerm {
    /// Still running at `now`.
    pub fn is_active(&self, now: Instant) -> bool {
        self.expires_at > now
    }
}

/// What an account (enterprise or person) holds now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountState {
    pub edition: Option<EditionTerm>,
    /// Until when third-party integration runs, if it was ever bought.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub integration_until: Option<Instant>,
    /// TRI-1: the one trial has been started at some time.
    pub trial_used: bool,
}

impl AccountState {
    /// The paid edition running at `now` (a trial is not one: SEL-4).
    pub fn paid_edition(&self, now: Instant) -> Option<&EditionTerm> {
        self.edition.as_ref().filter(|t| !t.trial && t.is_active(now))
    }

    /// The running integration's end, if it runs at `now`.
    pub fn integration_running(&self, now: Instant) -> Option<Instant> {
        self.integration_until.filter(|until| *until > now)
    }
}

/// A voucher held by the account (VOU-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Voucher {
    pub id: String,
    pub face_value: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Instant,
    #[serde(default)]
    pub min_spend: Option<Money>,
    /// The products it applies to; `None` applies to every product.
    #[serde(default)]
    pub scope: Option<Vec<Product>>,
    #[serde(default)]
    pub used: bool,
}

/// A Flagship price issued by a sales manager (SAL-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SalesQuote {
    pub id: String,
    pub years: u8,
    pub price: Money,
    pub contracts: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Instant,
}

/// Everything the rules need to know about the buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Buyer {
    pub identity: Identity,
    pub account: AccountState,
    pub balance: Money,
    #[serde(default)]
    pub vouchers: Vec<Voucher>,
    #[serde(default)]
    pub sales_quotes: Vec<SalesQuote>,
    /// The cloud account the session came through, which the cloud console sells to (CH-3).
    #[serde(default)]
    pub cloud_account: Option<String>,
}

/// What a person adds before a first purchase in the mini-program (BND-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonDetails {
    pub enterprise_name: String,
    /// Set by the server once the phone code was checked (VER-1).
    pub phone_verified: bool,
}

/// The longest enterprise name accepted.
pub const ENTERPRISE_NAME_MAX_CHARS: usize = 100;

/// BND-3: whether this buyer must give [`PersonDetails`] before ordering here.
pub fn needs_person_details(identity: &Identity, channel: Channel) -> bool {
    channel == Channel::MiniProgram && matches!(identity, Identity::Person { first_purchase: true, .. })
}

/// BND-3: checks the details when they are needed.
pub fn check_person_details(
    identity: &Identity,
    channel: Channel,
    details: Option<&PersonDetails>,
) -> Result<(), DomainError> {
    if !needs_person_details(identity, channel) {
        return Ok(());
    }
    let details = details.ok_or(DomainError::new(ErrorCode::PersonDetailsRequired))?;
    let name = details.enterprise_name.trim();
    if name.is_empty() || name.chars().count() > ENTERPRISE_NAME_MAX_CHARS {
        return Err(DomainError::with_field(ErrorCode::PersonDetailsRequired, "enterprise_name"));
    }
    if !details.phone_verified {
        return Err(DomainError::with_field(ErrorCode::PersonDetailsRequired, "phone"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memberships() -> Vec<Membership> {
        vec![
            Membership { enterprise_id: 1, enterprise_name: "A".into(), verified: true, roles: vec![Role::Staff] },
            Membership {
                enterprise_id: 3,
                enterprise_name: "C".into(),
                verified: false,
                roles: vec![Role::SuperAdmin],
            },
        ]
    }

    #[test]
    fn id_1_an_identity_reads_back_what_it_wrote_and_refuses_a_kind_without_its_fields() {
        let person = Identity::Person { person_id: 7, first_purchase: true };
        let enterprise = Identity::Enterprise {
            person_id: 7,
            enterprise_id: 3,
            verified: false,
            roles: vec![Role::SuperAdmin, Role::BillingStaff],
            linked_cloud_account: Some("cloud-9".into()),
        };
        for identity in [person, enterprise] {
            let json = serde_json::to_string(&identity).expect("written");
            assert_eq!(serde_json::from_str::<Identity>(&json).expect("read"), identity, "{json}");
        }
        let unlinked: Identity =
            serde_json::from_str(r#"{"kind":"enterprise","person_id":7,"enterprise_id":3,"verified":true,"roles":[]}"#)
                .expect("no cloud account");
        assert!(matches!(unlinked, Identity::Enterprise { linked_cloud_account: None, .. }));
        let error = serde_json::from_str::<Identity>(r#"{"kind":"enterprise","person_id":7,"verified":true}"#)
            .expect_err("no enterprise");
        assert!(error.to_string().contains("enterprise_id"), "{error}");
        assert!(serde_json::from_str::<Identity>(r#"{"kind":"robot","person_id":7}"#).is_err());
    }

    #[test]
    fn id_1_a_buyer_is_either_an_enterprise_or_a_person() {
        let person = Identity::acting_as(7, true, &memberships(), None, None).expect("person");
        assert!(person.is_person());
        let enterprise = Identity::acting_as(7, true, &memberships(), Some(1), None).expect("member");
        assert!(matches!(enterprise, Identity::Enterprise { enterprise_id: 1, verified: true, .. }));
    }

    #[test]
    fn id_2_roles_are_carried_by_the_enterprise_identity() {
        let admin = Identity::acting_as(7, false, &memberships(), Some(3), None).expect("member");
        assert!(admin.has_any_role(&[Role::SuperAdmin]));
        assert!(!admin.has_any_role(&[Role::LegalRepresentative, Role::BillingStaff]));
        let person = Identity::acting_as(7, false, &memberships(), None, None).expect("person");
        assert!(!person.has_any_role(&[Role::SuperAdmin]), "a person holds no enterprise role");
    }

    #[test]
    fn id_3_a_person_may_join_several_enterprises_verified_or_not() {
        let joined = memberships();
        assert_eq!(joined.len(), 2);
        let unverified = Identity::acting_as(7, false, &joined, Some(3), None).expect("member");
        assert!(matches!(unverified, Identity::Enterprise { verified: false, .. }));
    }

    #[test]
    fn id_4_one_identity_at_a_time_and_only_among_joined_enterprises() {
        let err = Identity::acting_as(7, false, &memberships(), Some(2), None).expect_err("not joined");
        assert_eq!(err.code, ErrorCode::NotAMember);
    }

    #[test]
    fn bnd_3_a_first_personal_purchase_in_the_mini_program_needs_a_name_and_a_verified_phone() {
        let first = Identity::Person { person_id: 7, first_purchase: true };
        let code =
            |d: Option<&PersonDetails>| check_person_details(&first, Channel::MiniProgram, d).map_err(|e| e.code);
        assert_eq!(code(None), Err(ErrorCode::PersonDetailsRequired));
        let unverified =
            PersonDetails { enterprise_name: "杭州某某科技有限公司".into(), phone_verified: false };
        assert_eq!(code(Some(&unverified)), Err(ErrorCode::PersonDetailsRequired));
        let blank = PersonDetails { enterprise_name: "  ".into(), phone_verified: true };
        assert_eq!(code(Some(&blank)), Err(ErrorCode::PersonDetailsRequired));
        let complete = PersonDetails { phone_verified: true, ..unverified };
        assert_eq!(code(Some(&complete)), Ok(()));
        assert_eq!(check_person_details(&first, Channel::Web, None), Ok(()), "the web console does not ask");
        let returning = Identity::Person { person_id: 7, first_purchase: false };
        assert_eq!(check_person_details(&returning, Channel::MiniProgram, None), Ok(()), "only the first purchase");
    }

    #[test]
    fn ch_1_three_channels() {
        let names: Vec<String> = Channel::ALL.iter().map(|c| serde_json::to_string(c).expect("json")).collect();
        assert_eq!(names, ["\"web\"", "\"mini_program\"", "\"cloud_console\""]);
    }
}
