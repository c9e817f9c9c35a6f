//! BND-3: what a first personal purchase in the mini-program needs before
//! the order is placed: an enterprise name and a verified phone.

use crate::db::Tx;
use crate::repo::bindings as store;
use crate::repo::sessions::{Acting, Caller};
use crate::repo::verification;
use crate::{ApiError, AppState};
use api_types::PersonDetailsRequest;
use domain::identity::{Identity, PersonDetails, check_person_details, needs_person_details};
use domain::verification::Purpose;
use domain::{Channel, Instant};

/// BND-3, before the order's transaction: checks the code sent with the
/// details (a wrong code counts as a try even though the order fails). A
/// person already verified for this purpose is not asked again.
pub async fn check_details_code(
    state: &AppState,
    caller: &Caller,
    details: Option<&PersonDetailsRequest>,
) -> Result<(), ApiError> {
    let Some(code) = details.and_then(|d| d.phone_code.as_deref()) else { return Ok(()) };
    if !matches!(caller.acting, Acting::Person) {
        return Ok(());
    }
    let now = state.clock.now();
    {
        let mut conn = state.db.read.acquire().await?;
        if verification::is_verified(&mut conn, caller, Purpose::PersonDetails, now).await? {
            return Ok(());
        }
    }
    verification::check_code(&state.db, now, caller, Purpose::PersonDetails, code).await.map(|_| ())
}

/// BND-3, inside the order's transaction: a first personal purchase in the
/// mini-program needs an enterprise name and a verified phone
/// (`person_details_required`); the details given are kept.
pub async fn require_person_details(
    tx: &mut Tx,
    caller: &Caller,
    identity: &Identity,
    channel: Channel,
    details: Option<&PersonDetailsRequest>,
    now: Instant,
) -> Result<(), ApiError> {
    if !needs_person_details(identity, channel) {
        return Ok(());
    }
    let given = match details {
        None => None,
        Some(d) => Some(PersonDetails {
            enterprise_name: d.enterprise_name.trim().to_owned(),
            phone_verified: verification::is_verified(tx, caller, Purpose::PersonDetails, now).await?,
        }),
    };
    check_person_details(identity, channel, given.as_ref())?;
    if let Some(d) = given {
        let phone = verification::target_phone(tx, caller).await?;
        store::save_person_details(tx, caller.person_id, &d.enterprise_name, phone.as_str(), now).await?;
    }
    Ok(())
}
