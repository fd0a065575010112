//! The hashing queue: bounded, and fair between source addresses.
//!
//! A hash is slow on purpose (≈ 15 ms of a core), so a login flood cannot be served as
//! fast as it arrives; when the queue had no bound, it grew until real logins waited
//! seconds behind junk. Here the jobs waiting for a hashing thread (not counting those
//! being hashed) are bounded, in total and per source, and a job that finds its bound
//! reached is refused at once (the caller answers 503 with `Retry-After`) rather than
//! making everyone wait longer. When the whole queue is full, a job from a source with
//! fewer jobs waiting than the source with the most takes the place of that source's
//! newest job, which is refused instead ("longest queue drop"): a few addresses cannot
//! keep the queue full against everyone else. The hashing threads take the waiting jobs
//! round-robin between sources, one job of each source in turn, so a login from an
//! address with nothing waiting is hashed after at most one job of each other address,
//! however many jobs a flood keeps queued.
//!
//! A source is the request's IPv4 address, its IPv6 /64 (what one subscriber usually
//! holds, so a flood cannot take a new queue per address of its /64), or none (the
//! operator's commands).

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// How many jobs may wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimits {
    /// Jobs waiting in all, from every source (at least one).
    pub total: usize,
    /// Jobs waiting from one source (at least one).
    pub per_source: usize,
}

/// Why a job was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Full {
    /// The queue holds `total` jobs.
    Total,
    /// The queue holds `per_source` jobs of this source.
    Source,
}

/// Whose turn a job waits for.
type Source = Option<IpAddr>;

/// The source of a request from `address`: an IPv4 address (also when written as an
/// IPv4-mapped IPv6 address), or an IPv6 address's /64.
pub(super) fn source(address: Option<IpAddr>) -> Source {
    address.map(|ip| match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        v4 => v4,
    })
}

/// Jobs waiting, per source, and the order in which sources take turns.
#[derive(Debug)]
pub(super) struct FairQueue<J> {
    state: Mutex<State<J>>,
    ready: Condvar,
    limits: QueueLimits,
}

#[derive(Debug)]
struct State<J> {
    waiting: HashMap<Source, VecDeque<J>>,
    /// Each source with waiting jobs, once, in the order of their turns.
    turns: VecDeque<Source>,
    len: usize,
    closed: bool,
}

impl<J> FairQueue<J> {
    pub(super) fn new(limits: QueueLimits) -> Self {
        Self {
            state: Mutex::new(State {
                waiting: HashMap::new(),
                turns: VecDeque::new(),
                len: 0,
                closed: false,
            }),
            ready: Condvar::new(),
            limits: QueueLimits {
                total: limits.total.max(1),
                per_source: limits.per_source.max(1),
            },
        }
    }

    fn state(&self) -> MutexGuard<'_, State<J>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `job` behind `source`'s other jobs, unless a bound is reached. When the
    /// queue is full and another source has at least two more jobs waiting than
    /// `source`, that source's newest job is taken out to make room and returned: the
    /// caller must refuse it.
    pub(super) fn push(&self, source: Source, job: J) -> Result<Option<J>, Full> {
        let mut state = self.state();
        let mine = state.waiting.get(&source).map_or(0, VecDeque::len);
        if mine >= self.limits.per_source {
            return Err(Full::Source);
        }
        let mut evicted = None;
        if state.len >= self.limits.total {
            evicted = state.evict_for(mine);
            if evicted.is_none() {
                return Err(Full::Total);
            }
        }
        let jobs = state.waiting.entry(source).or_default();
        jobs.push_back(job);
        if jobs.len() == 1 {
            state.turns.push_back(source);
        }
        state.len += 1;
        drop(state);
        self.ready.notify_one();
        Ok(evicted)
    }

    /// The next job, in turn: waits while there is none. `None` once the queue is closed.
    pub(super) fn pop(&self) -> Option<J> {
        let mut state = self.state();
        loop {
            if state.closed {
                return None;
            }
            if let Some(job) = state.take_turn() {
                return Some(job);
            }
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Wakes every waiting [`FairQueue::pop`], which returns `None` from now on.
    pub(super) fn close(&self) {
        self.state().closed = true;
        self.ready.notify_all();
    }
}

impl<J> State<J> {
    /// The newest job of the source with the most jobs waiting, taken out, if it has at
    /// least two more than `mine`.
    fn evict_for(&mut self, mine: usize) -> Option<J> {
        let jobs = self
            .waiting
            .values_mut()
            .max_by_key(|jobs| jobs.len())
            .filter(|jobs| jobs.len() > mine + 1)?;
        let job = jobs.pop_back();
        self.len -= usize::from(job.is_some());
        job
    }

    /// The first job of the source whose turn it is; the source goes to the back of the
    /// turns if it has more.
    fn take_turn(&mut self) -> Option<J> {
        let source = self.turns.pop_front()?;
        let jobs = self.waiting.get_mut(&source)?;
        let job = jobs.pop_front();
        if jobs.is_empty() {
            self.waiting.remove(&source);
        } else {
            self.turns.push_back(source);
        }
        self.len -= usize::from(job.is_some());
        job
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn ip(text: &str) -> Source {
        Some(text.parse().unwrap())
    }

    fn limits(total: usize, per_source: usize) -> QueueLimits {
        QueueLimits { total, per_source }
    }

    #[test]
    fn sources_take_turns_one_job_each() {
        let queue = FairQueue::new(limits(10, 10));
        for n in 1..=4 {
            queue.push(ip("192.0.2.1"), format!("flood {n}")).unwrap();
        }
        queue.push(ip("198.51.100.7"), "real".to_owned()).unwrap();
        queue.push(None, "operator".to_owned()).unwrap();
        let order: Vec<_> = (0..6).map(|_| queue.pop().unwrap()).collect();
        assert_eq!(
            order,
            [
                "flood 1", "real", "operator", "flood 2", "flood 3", "flood 4"
            ]
        );
    }

    #[test]
    fn one_source_cannot_fill_the_queue() {
        let queue = FairQueue::new(limits(4, 2));
        assert_eq!(queue.push(ip("192.0.2.1"), 1), Ok(None));
        assert_eq!(queue.push(ip("192.0.2.1"), 2), Ok(None));
        assert_eq!(queue.push(ip("192.0.2.1"), 3), Err(Full::Source));
        assert_eq!(queue.push(ip("192.0.2.2"), 4), Ok(None));
        assert_eq!(queue.push(ip("192.0.2.3"), 5), Ok(None));
        // Full: the first source's newest job makes room for a source with none.
        assert_eq!(queue.push(ip("192.0.2.4"), 6), Ok(Some(2)));
        // Every source holds one now: full for everyone.
        assert_eq!(queue.push(ip("192.0.2.5"), 7), Err(Full::Total));
        assert_eq!(queue.push(ip("192.0.2.1"), 7), Err(Full::Total));
        assert_eq!(queue.pop(), Some(1));
        assert_eq!(queue.push(ip("192.0.2.5"), 7), Ok(None));
    }

    #[test]
    fn when_full_a_newcomer_takes_the_place_of_the_longest_queues_newest_job() {
        let queue = FairQueue::new(limits(4, 3));
        for job in 1..=3 {
            queue.push(ip("192.0.2.1"), job).unwrap();
        }
        queue.push(ip("192.0.2.2"), 10).unwrap();
        assert_eq!(queue.push(ip("198.51.100.7"), 20), Ok(Some(3)));
        assert_eq!(queue.push(ip("198.51.100.8"), 30), Ok(Some(2)));
        // Now every source holds one: a fifth one is refused.
        assert_eq!(queue.push(ip("198.51.100.9"), 40), Err(Full::Total));
        let order: Vec<_> = (0..4).map(|_| queue.pop().unwrap()).collect();
        assert_eq!(order, [1, 10, 20, 30]);
    }

    #[test]
    fn an_ipv6_64_is_one_source_and_mapped_ipv4_is_ipv4() {
        assert_eq!(
            source(ip("2001:db8:1:2:aaaa::1")),
            source(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"))
        );
        assert_ne!(source(ip("2001:db8:1:2::1")), source(ip("2001:db8:1:3::1")));
        assert_eq!(source(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(source(None), None);
    }

    #[test]
    fn closing_wakes_the_threads_waiting_for_a_job() {
        let queue = Arc::new(FairQueue::<u32>::new(limits(4, 4)));
        let waiting = {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || queue.pop())
        };
        std::thread::sleep(std::time::Duration::from_millis(20));
        queue.close();
        assert_eq!(waiting.join().unwrap(), None);
    }

    /// Several threads pushing from several sources while another pops: every job
    /// accepted comes out exactly once (popped, or evicted to its pusher), the bounds
    /// hold at every moment, and nothing is left. Run 200 times (interleavings differ from run to run).
    #[test]
    fn concurrent_pushes_and_pops_lose_nothing_and_keep_the_bounds() {
        for _ in 0..200 {
            let queue = Arc::new(FairQueue::new(limits(8, 3)));
            let pushers: Vec<_> = (0..4u8)
                .map(|source| {
                    let queue = Arc::clone(&queue);
                    std::thread::spawn(move || {
                        let address = Some(IpAddr::from([192, 0, 2, source]));
                        let mut accepted = Vec::new();
                        let mut evicted = Vec::new();
                        for n in 0..50u32 {
                            let job = u32::from(source) * 1000 + n;
                            if let Ok(out) = queue.push(address, job) {
                                accepted.push(job);
                                evicted.extend(out);
                            }
                        }
                        (accepted, evicted)
                    })
                })
                .collect();
            let popper = {
                let queue = Arc::clone(&queue);
                std::thread::spawn(move || {
                    let mut seen = Vec::new();
                    while let Some(job) = queue.pop() {
                        seen.push(job);
                        let state = queue.state();
                        assert!(state.len <= 8);
                        assert!(state.waiting.values().all(|jobs| jobs.len() <= 3));
                        assert_eq!(
                            state.len,
                            state.waiting.values().map(VecDeque::len).sum::<usize>()
                        );
                        assert_eq!(state.turns.len(), state.waiting.len());
                    }
                    seen
                })
            };
            let (mut accepted, mut evicted) = (Vec::new(), Vec::new());
            for pusher in pushers {
                let (a, e) = pusher.join().unwrap();
                accepted.extend(a);
                evicted.extend(e);
            }
            while queue.state().len > 0 {
                std::thread::yield_now();
            }
            queue.close();
            let mut out = popper.join().unwrap();
            out.extend(evicted);
            out.sort_unstable();
            accepted.sort_unstable();
            assert_eq!(
                out, accepted,
                "every accepted job comes out once, hashed or evicted"
            );
        }
    }
}
