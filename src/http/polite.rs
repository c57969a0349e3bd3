//! Politeness: per-host limits on requests in flight and a least delay between them.
//!
//! Each host gets a semaphore with `per_host_concurrency` permits and the earliest time
//! its next request may start; a request waits for both. The global limit is applied by
//! the caller (the poll cycle runs at most `global_concurrency` fetches at once).
//!
//! governor (GCRA rate limiting) was considered: it limits a rate of request starts,
//! whereas politeness here needs a concurrency limit and a delay counted from the end of
//! the previous request, which a semaphore and a timestamp express directly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Per-host slots.
pub struct HostLimiter {
    per_host: usize,
    delay: Duration,
    hosts: Mutex<HashMap<String, Arc<Slot>>>,
}

struct Slot {
    sem: Arc<Semaphore>,
    next_start: Mutex<Instant>,
    /// A longer delay asked by robots.txt `Crawl-delay`.
    delay: Mutex<Duration>,
}

/// Held while a request to a host is in flight; on drop the host's next request is
/// held back by the delay.
pub struct HostPermit {
    slot: Arc<Slot>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for HostPermit {
    fn drop(&mut self) {
        let delay = *self.slot.delay.lock().expect("delay lock");
        let mut next = self.slot.next_start.lock().expect("slot lock");
        *next = (*next).max(Instant::now() + delay);
    }
}

impl HostLimiter {
    /// A limiter allowing `per_host` requests at once per host, `delay` apart.
    pub fn new(per_host: usize, delay: Duration) -> HostLimiter {
        HostLimiter {
            per_host: per_host.max(1),
            delay,
            hosts: Mutex::default(),
        }
    }

    fn slot(&self, host: &str) -> Arc<Slot> {
        let mut hosts = self.hosts.lock().expect("hosts lock");
        hosts
            .entry(host.to_string())
            .or_insert_with(|| {
                Arc::new(Slot {
                    sem: Arc::new(Semaphore::new(self.per_host)),
                    next_start: Mutex::new(Instant::now()),
                    delay: Mutex::new(self.delay),
                })
            })
            .clone()
    }

    /// Raises the delay of `host` to `delay` when that is longer (robots.txt
    /// `Crawl-delay`), capped at 60 s.
    pub fn set_crawl_delay(&self, host: &str, delay: Duration) {
        let slot = self.slot(host);
        let mut d = slot.delay.lock().expect("delay lock");
        *d = (*d).max(delay.min(Duration::from_secs(60)));
    }

    /// Waits until a request to `host` may start.
    pub async fn acquire(&self, host: &str) -> HostPermit {
        let slot = self.slot(host);
        let permit = slot
            .sem
            .clone()
            .acquire_owned()
            .await
            .expect("never closed");
        loop {
            let at = *slot.next_start.lock().expect("slot lock");
            if at <= Instant::now() {
                break;
            }
            tokio::time::sleep_until(at).await;
        }
        {
            let delay = *slot.delay.lock().expect("delay lock");
            let mut next = slot.next_start.lock().expect("slot lock");
            *next = (*next).max(Instant::now() + delay);
        }
        HostPermit {
            slot,
            _permit: permit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn requests_to_one_host_are_spaced_by_the_delay() {
        let l = HostLimiter::new(1, Duration::from_millis(50));
        let t0 = Instant::now();
        drop(l.acquire("a").await);
        drop(l.acquire("a").await);
        assert!(Instant::now() - t0 >= Duration::from_millis(50));
        // Another host is not held back.
        let t1 = Instant::now();
        drop(l.acquire("b").await);
        assert!(Instant::now() - t1 < Duration::from_millis(40));
    }
}
