//! Wakes agents' long polls when jobs may be ready. A new job wakes one waiting poll, not all of
//! them: with 16 idle slots, waking every poll for every job cost 16 store transactions per job,
//! which was most of the control plane's CPU at a few hundred jobs per second.
//!
//! A poll woken for a job it cannot take (another poll was quicker, or the job needs labels,
//! capabilities or bot capacity this agent lacks) wakes every poll once, so the job still
//! reaches an agent that can run it. A poll woken that way does not pass it on again, so a
//! job nobody can take does not keep the polls spinning.

use tokio::sync::Notify;
use tokio::time::Instant;

#[derive(Default)]
pub(crate) struct WorkSignal {
    one: Notify,
    all: Notify,
}

/// Why a waiting poll woke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wake {
    /// Woken for one new job; if the poll finds nothing, it should call [`WorkSignal::missed`].
    One,
    /// Woken with every other poll.
    All,
    /// The poll's time is up.
    Deadline,
}

/// Wakes at most this many polls one by one; a larger burst wakes them all.
const WAKE_ONE_BY_ONE: usize = 64;

impl WorkSignal {
    /// `count` jobs became ready: wake as many waiting polls.
    pub(crate) fn jobs_ready(&self, count: usize) {
        if count > WAKE_ONE_BY_ONE {
            self.all.notify_waiters();
            return;
        }
        for _ in 0..count {
            self.one.notify_one();
        }
    }

    /// Something may let any queued job go (a raised bot limit, a new trigger): wake every poll.
    pub(crate) fn anything_changed(&self) {
        self.all.notify_waiters();
    }

    /// Registers interest, runs `look` (which sees every job added after this call starts),
    /// and if it found nothing, waits for a wake or the deadline. `woken` is how the caller
    /// woke before this look: a [`Wake::One`] that found nothing is passed on to every poll.
    pub(crate) async fn look_then_wait<T, E, F>(
        &self,
        woken: Wake,
        deadline: Instant,
        look: impl FnOnce() -> F,
    ) -> Result<Result<T, Wake>, E>
    where
        F: std::future::Future<Output = Result<Option<T>, E>>,
    {
        let one = self.one.notified();
        let all = self.all.notified();
        tokio::pin!(one, all);
        // Registered before looking, so a job added while we look still wakes us.
        one.as_mut().enable();
        all.as_mut().enable();
        if let Some(found) = look().await? {
            return Ok(Ok(found));
        }
        if woken == Wake::One {
            // The job we were woken for went to a quicker poll or needs another agent.
            self.all.notify_waiters();
        }
        let wake = tokio::select! {
            () = &mut one => Wake::One,
            () = &mut all => Wake::All,
            () = tokio::time::sleep_until(deadline) => Wake::Deadline,
        };
        Ok(Err(wake))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    /// A poll that finds nothing the first time it looks, then what `jobs` holds.
    async fn poll(
        signal: Arc<WorkSignal>,
        jobs: Arc<AtomicUsize>,
        looks: Arc<AtomicUsize>,
    ) -> Wake {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut woken = Wake::All;
        loop {
            let look = || async {
                looks.fetch_add(1, Ordering::SeqCst);
                let taken = jobs
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                Ok::<_, ()>(taken.then_some(()))
            };
            match signal.look_then_wait(woken, deadline, look).await.unwrap() {
                Ok(()) => return woken,
                Err(Wake::Deadline) => return Wake::Deadline,
                Err(wake) => woken = wake,
            }
        }
    }

    #[tokio::test]
    async fn one_job_wakes_one_poll_and_a_miss_wakes_the_rest() {
        let signal = Arc::new(WorkSignal::default());
        let jobs = Arc::new(AtomicUsize::new(0));
        let looks = Arc::new(AtomicUsize::new(0));
        let polls: Vec<_> = (0..4)
            .map(|_| tokio::spawn(poll(signal.clone(), jobs.clone(), looks.clone())))
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(looks.load(Ordering::SeqCst), 4, "each poll looked once");

        jobs.store(1, Ordering::SeqCst);
        signal.jobs_ready(1);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(looks.load(Ordering::SeqCst), 5, "one job, one more look");
        assert_eq!(polls.iter().filter(|poll| poll.is_finished()).count(), 1);

        // A wake for a job another poll already took: the woken poll passes it on to all.
        signal.jobs_ready(1);
        tokio::time::sleep(Duration::from_millis(50)).await;
        let after_miss = looks.load(Ordering::SeqCst);
        assert!(
            after_miss >= 5 + 3,
            "every waiting poll looked again: {after_miss}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            looks.load(Ordering::SeqCst),
            after_miss,
            "and then they rest"
        );
        for poll in polls {
            poll.abort();
        }
    }
}
