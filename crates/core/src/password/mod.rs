//! Password hashing with argon2id, off the async runtime, at most one hash per core,
//! behind a bounded queue that is fair between source addresses (see [`queue`]).

mod pace;
mod queue;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use aws_lc_rs::constant_time;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use tokio::sync::oneshot;

use self::pace::Pace;
pub use self::queue::QueueLimits;
use self::queue::{FairQueue, Full};
use crate::ids::random_bytes;
use crate::secret::Password;
use crate::{Error, Result};

/// argon2id memory per hash in KiB. OWASP's password storage cheat sheet lists
/// configurations of equal strength that trade memory for passes (46 MiB × 1, 19 MiB × 2,
/// 12 MiB × 3, 9 MiB × 4, 7 MiB × 5); 12 MiB × 3 takes about the time of 19 MiB × 2 and
/// leaves 7 MiB less resident per hashing thread, which keeps the service under 64 MiB.
pub const MEMORY_KIB: u32 = 12_288;
/// argon2id passes over the memory.
pub const PASSES: u32 = 3;
/// argon2id lanes (one: each hash on one core, hashes side by side on the others).
pub const LANES: u32 = 1;

fn unexpected(what: &'static str) -> impl FnOnce(argon2::Error) -> Error {
    move |e| Error::Unexpected(anyhow::anyhow!("{what}: {e}"))
}

fn params() -> Result<Params> {
    Params::new(MEMORY_KIB, PASSES, LANES, None).map_err(unexpected("argon2 parameters"))
}

/// The argon2 working memory (12 MiB) of one hash at a time. Each hashing thread keeps
/// its own and reuses it: allocating it per hash makes the allocator keep a copy per
/// thread arena (hundreds of MiB after a login flood instead of 2 × 12).
type Memory = Vec<Block>;

/// Runs `hash` with working memory for `params`: the thread's own for today's parameters;
/// for a stored hash made with more memory (older settings), a block allocated for that
/// one hash and freed after it, so that the thread's resident memory stays bounded.
fn with_memory<T>(memory: &mut Memory, params: &Params, hash: impl FnOnce(&mut [Block]) -> T) -> T {
    let blocks = params.block_count();
    let own = self::params().map_or(blocks, |p| p.block_count());
    if blocks > own {
        return hash(&mut vec![Block::default(); blocks]);
    }
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    hash(&mut memory[..blocks])
}

fn hash_with(memory: &mut Memory, password: &str) -> Result<String> {
    let salt = random_bytes::<16>()?;
    let params = params()?;
    let mut output = [0u8; 32];
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    with_memory(memory, &params, |blocks| {
        argon2.hash_password_into_with_memory(password.as_bytes(), &salt, &mut output, blocks)
    })
    .map_err(unexpected("argon2 hashing"))?;
    Ok(format!(
        "$argon2id$v=19$m={MEMORY_KIB},t={PASSES},p={LANES}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(output)
    ))
}

fn verify_with(memory: &mut Memory, password: &str, stored: &str) -> Result<bool> {
    let corrupt = |what: &str| Error::Unexpected(anyhow::anyhow!("stored password hash: {what}"));
    let parsed = PasswordHash::new(stored).map_err(|_| corrupt("not a PHC string"))?;
    // The parameters come from the stored hash, so hashes made with older settings still verify.
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|_| corrupt("algorithm"))?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).map_err(|_| corrupt("version"))?,
        None => Version::V0x13,
    };
    let params = Params::try_from(&parsed).map_err(|_| corrupt("parameters"))?;
    let mut salt = [0u8; 64];
    let salt = parsed
        .salt
        .ok_or_else(|| corrupt("no salt"))?
        .decode_b64(&mut salt)
        .map_err(|_| corrupt("salt"))?;
    let expected = parsed.hash.ok_or_else(|| corrupt("no hash"))?;
    let mut output = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    with_memory(memory, &params, |blocks| {
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut output, blocks)
    })
    .map_err(unexpected("argon2 hashing"))?;
    Ok(constant_time::verify_slices_are_equal(&output, expected.as_bytes()).is_ok())
}

/// How long a caller refused by a full queue is asked to wait, in seconds: a full queue
/// drains in well under that at full speed (see [`QueueLimits`]'s defaults).
pub const RETRY_AFTER_SECONDS: u64 = 1;

fn busy(full: Full) -> Error {
    Error::Busy {
        reason: match full {
            Full::Total => "too many password checks are waiting",
            Full::Source => "too many password checks from your address are waiting",
        },
        retry_after: RETRY_AFTER_SECONDS,
    }
}

/// Hashes and verifies passwords.
///
/// Each hash takes ≈17 ms of one core and 12 MiB of memory. Hashes run on `concurrency`
/// dedicated threads, each with its own working memory allocated once, so a login flood
/// queues here instead of exhausting memory; the queue is bounded in total and per source
/// address, and served round-robin between sources ([`queue`]), so a flood is refused
/// early and cannot hold back a login from elsewhere. The threads run at the lowest CPU priority
/// (`SCHED_IDLE` on Linux, else nice 19): when token grants and password hashes compete
/// for the cores, the grants win and logins take the rest, so a login flood cannot starve
/// the token endpoints; on an otherwise idle machine, logins still use every core. While
/// hashes run much slower than their fastest (other work wants the cores), only half the
/// threads take jobs (see [`pace`]).
#[derive(Clone)]
pub struct PasswordHasher {
    jobs: Arc<Jobs>,
    dummy_hash: Arc<str>,
}

/// A hashing job: called with a hashing thread's memory, or with `None` when it was
/// evicted from the queue (it then answers its caller [`Error::Busy`]).
type Job = Box<dyn FnOnce(Option<&mut Memory>) + Send>;

/// The queue, closed (which stops the hashing threads) when the last hasher is dropped.
struct Jobs(Arc<FairQueue<Job>>);

impl Drop for Jobs {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// One hashing thread: takes jobs from the shared queue until the hasher is dropped. A
/// thread that `yields` pauses before each job while the cores are contended.
fn hashing_thread(queue: &FairQueue<Job>, pace: &Pace, yields: bool) {
    lower_priority();
    let mut memory = Memory::new();
    loop {
        if yields && pace.contended() {
            std::thread::sleep(pace::YIELD_PAUSE);
        }
        let Some(job) = queue.pop() else { return };
        let started = Instant::now();
        job(Some(&mut memory));
        pace.record(started.elapsed());
    }
}

/// Puts the calling (hashing) thread below everything else: on Linux `SCHED_IDLE`, which
/// runs only on a core that nothing else wants and gives way at once to any waking
/// request thread; elsewhere, or if refused, the lowest nice level.
fn lower_priority() {
    use thread_priority::{ThreadPriority, set_current_thread_priority};
    #[cfg(target_os = "linux")]
    {
        use thread_priority::unix::{
            NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
            thread_native_id,
        };
        let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
        if set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, idle).is_ok() {
            return;
        }
    }
    if set_current_thread_priority(ThreadPriority::Min).is_err() {
        tracing::debug!("could not lower the priority of a password-hashing thread");
    }
}

impl PasswordHasher {
    /// A hasher running at most `concurrency` hashes at once (at least one), with at
    /// most `limits` jobs waiting.
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] if a hashing thread cannot start or the dummy hash, used to
    /// make unknown accounts cost as much as known ones, cannot be computed.
    pub fn new(concurrency: usize, limits: QueueLimits) -> Result<Self> {
        let queue = Arc::new(FairQueue::new(limits));
        let jobs = Arc::new(Jobs(Arc::clone(&queue)));
        let pace = Arc::new(Pace::new());
        let started = Instant::now();
        let dummy = hash_with(&mut Memory::new(), "latchkey dummy password, never matches")?;
        pace.record(started.elapsed());
        let threads = concurrency.max(1);
        for n in 0..threads {
            let queue = Arc::clone(&queue);
            let pace = Arc::clone(&pace);
            let yields = n >= Pace::steady(threads);
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || hashing_thread(&queue, &pace, yields))
                .context("cannot start a password-hashing thread")
                .map_err(Error::Unexpected)?;
        }
        Ok(Self {
            jobs,
            dummy_hash: dummy.into(),
        })
    }

    /// Runs `job` on a hashing thread, in `source`'s turn; refused at once with
    /// [`Error::Busy`] if the queue is full (in total, or for this source).
    async fn run<T: Send + 'static>(
        &self,
        source: Option<IpAddr>,
        job: impl FnOnce(&mut Memory) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let answer = match memory {
                // The caller went away (its client hung up): nobody needs this hash.
                Some(_) if done.is_closed() => return,
                Some(memory) => job(memory),
                None => Err(busy(Full::Total)),
            };
            let _ = done.send(answer);
        });
        let evicted = self.jobs.0.push(queue::source(source), job).map_err(busy)?;
        if let Some(evicted) = evicted {
            evicted(None);
        }
        result
            .await
            .context("a hashing job failed")
            .map_err(Error::Unexpected)?
    }

    /// Hashes a new password into a PHC string, for a request from `source`.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] if too many hashes are waiting, [`Error::Unexpected`] if hashing
    /// fails.
    pub async fn hash(&self, password: &Password, source: Option<IpAddr>) -> Result<String> {
        let password = password.expose().to_owned();
        self.run(source, move |memory| hash_with(memory, &password))
            .await
    }

    /// Checks a password against a stored hash, or against a dummy hash when there is no
    /// account, so that both cases cost the same time; for a request from `source`.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] if too many hashes are waiting, [`Error::Unexpected`] if the
    /// stored hash is corrupt or hashing fails.
    pub async fn verify(
        &self,
        password: &Password,
        stored: Option<&str>,
        source: Option<IpAddr>,
    ) -> Result<bool> {
        let found = stored.is_some();
        let hash = stored.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let password = password.expose().to_owned();
        let matched = self
            .run(source, move |memory| verify_with(memory, &password, &hash))
            .await?;
        Ok(found && matched)
    }
}

#[cfg(test)]
mod tests;
