use domain::Buyer;
use domain::identity::Membership;
use serde::{Deserialize, Serialize};

/// `POST /api/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignIn {
    pub login: String,
    pub password: String,
}

/// `PUT /api/session/identity` (ID-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SwitchIdentity {
    /// `null` to act as the person.
    pub enterprise_id: Option<i64>,
}

/// `GET /api/me`: the signed-in person, the enterprises they joined, the
/// acting identity and everything the rules need about the acting account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub person: PersonView,
    pub memberships: Vec<Membership>,
    /// `null` when acting as the person.
    pub acting_enterprise_id: Option<i64>,
    pub buyer: Buyer,
}

/// The signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonView {
    pub id: i64,
    pub login: String,
    pub name: String,
    /// Works in the operations console (refunds, deliveries that need a person).
    pub operator: bool,
    /// Works in the sales console (SAL-1).
    pub sales_manager: bool,
}

/// A demo person the sign-in page lists in development.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemoAccount {
    pub login: String,
    pub name: String,
    pub password: String,
    pub description: String,
}

/// A demo cloud account the cloud console's sign-in lists in development (CH-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemoCloudAccount {
    pub cloud_account: String,
    /// The demo person who signs in through it.
    pub login: String,
    pub name: String,
    /// The enterprise verified through this cloud account; `null` when none was.
    pub linked_enterprise: Option<String>,
}

/// `POST /api/dev/cloud-session`: sign in through a demo cloud account (CH-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CloudSignIn {
    pub cloud_account: String,
}
