//! Who is asking: the person and the identity they act as (ID-4), as a
//! session stands for them. Apart from `sessions` so that the session cache
//! can hold callers without reaching back into the repository that reads them.

use domain::identity::{Identity, Role};

/// Who is asking, and as which identity.
#[derive(Debug, Clone)]
pub struct Caller {
    pub person_id: i64,
    pub person_account_id: i64,
    pub acting: Acting,
    /// The cloud account the session was opened through (CH-3); `None` for a web sign-in.
    pub cloud_account: Option<String>,
}

/// The identity the caller acts as.
#[derive(Debug, Clone)]
pub enum Acting {
    Person,
    Enterprise {
        enterprise_id: i64,
        account_id: i64,
        verified: bool,
        roles: Vec<Role>,
        linked_cloud_account: Option<String>,
    },
}

impl Caller {
    /// The account whose data this request may read and change.
    pub fn account_id(&self) -> i64 {
        match &self.acting {
            Acting::Person => self.person_account_id,
            Acting::Enterprise { account_id, .. } => *account_id,
        }
    }

    /// The domain identity; `first_purchase` matters only for a person (BND-3).
    pub fn identity(&self, first_purchase: bool) -> Identity {
        match &self.acting {
            Acting::Person => Identity::Person { person_id: self.person_id, first_purchase },
            Acting::Enterprise { enterprise_id, verified, roles, linked_cloud_account, .. } => Identity::Enterprise {
                person_id: self.person_id,
                enterprise_id: *enterprise_id,
                verified: *verified,
                roles: roles.clone(),
                linked_cloud_account: linked_cloud_account.clone(),
            },
        }
    }
}
