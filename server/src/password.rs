//! Password hashes: argon2id at OWASP's 7 MiB, five-pass setting (as strong
//! as the crate's 19 MiB, two-pass default, in a third of the memory).
//! Hashes are checked one at a time on a thread of their own: a burst of
//! sign-ins waits its turn instead of stalling the async workers, and only
//! that thread's memory ever holds a hash's working blocks, so a burst does
//! not leave a block resident per thread. Stored hashes carry their own
//! parameters, so older ones still verify.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::LazyLock;
use std::sync::mpsc::{Sender, channel};

type Job = Box<dyn FnOnce() + Send>;

static CHECKER: LazyLock<Option<Sender<Job>>> = LazyLock::new(|| {
    let (jobs, queue) = channel::<Job>();
    std::thread::Builder::new()
        .name("password-check".into())
        .spawn(move || queue.into_iter().for_each(|job| job()))
        .ok()?;
    Some(jobs)
});

/// Checked when the login is unknown, so that an unknown login takes as long
/// as a wrong password and the answer's timing does not reveal who exists.
static STAND_IN: LazyLock<String> = LazyLock::new(|| hash_password("stand-in").unwrap_or_default());

fn argon2() -> Result<Argon2<'static>, argon2::password_hash::Error> {
    let params = Params::new(7 * 1024, 5, 1, None)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A PHC-format argon2id hash of `password`.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2()?.hash_password(password.as_bytes(), &salt)?.to_string())
}

/// True when `password` matches the stored hash; with no stored hash (an
/// unknown login) false, after the same work.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    let known = stored.is_some();
    let (answer, answered) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let hash = stored.unwrap_or_else(|| STAND_IN.clone());
        let _ = answer.send(BLOCKS.with_borrow_mut(|blocks| matches(&password, &hash, blocks)));
    });
    let Some(checker) = CHECKER.as_ref() else { return false };
    checker.send(job).is_ok() && answered.await.unwrap_or(false) && known
}

thread_local! {
    /// The checker thread's working memory, kept from one check to the next.
    static BLOCKS: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn matches(password: &str, hash: &str, blocks: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else { return false };
    let mut salt_bytes = [0u8; 64];
    let (Ok(params), Ok(algorithm), Ok(salt)) =
        (Params::try_from(&parsed), Algorithm::try_from(parsed.algorithm), salt.decode_b64(&mut salt_bytes))
    else {
        return false;
    };
    let version = parsed.version.and_then(|v| Version::try_from(v).ok()).unwrap_or_default();
    if blocks.len() < params.block_count() {
        blocks.resize(params.block_count(), Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut blocks[..])
        .is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == expected)
}
