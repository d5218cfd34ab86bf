/* SPDX-License-Identifier: MIT */
/*
 * The contended path of the core spinlock (lock.h). The uncontended path is
 * one exchange, inlined at every call site; a caller that finds the lock
 * held comes here and waits with plain loads (test-and-test-and-set), so
 * waiters do not bounce the line while the holder works.
 *
 * On a kernel (the template port, bare metal) a lock holder is never
 * preempted by a waiter of the same CPU: it runs with interrupts held off,
 * so a waiter spins for the length of one critical section and nothing
 * else. On a host with threads (the posix port) both are host threads: the
 * holder may be preempted in the middle of its critical section (an
 * application thread arming a timer loses its time slice; a clockwork CPU
 * thread at SCHED_FIFO wakes up on the holder's core and takes the core
 * from it). A waiter that only spins then burns its whole slice, and one
 * at SCHED_FIFO that shares the holder's core spins until the kernel's
 * real-time throttling (by default 50 ms of every second) gives the holder
 * the core back: measured, expiries 1 s late (docs/timers.md, W1-threads).
 * So on Linux the wait has three phases:
 *
 *   1. spin with plain loads for LOCK_SPINS rounds (a few microseconds,
 *      some tens of critical sections): a holder that runs is done by then;
 *   2. sched_yield() LOCK_YIELDS times: a holder preempted on this core by
 *      a thread of the same class (two application threads sharing a core)
 *      runs again;
 *   3. sleep, LOCK_NAP_MIN_NS doubling up to LOCK_NAP_MAX_NS: the core is
 *      free for any holder, also one of a lower class than the waiter (a
 *      SCHED_FIFO CPU thread waiting for a normal application thread,
 *      for which sched_yield() does nothing).
 *
 * The unlock stays one release store: no waiter is woken, a sleeping one
 * looks again after its nap. The cost is only on the contended path: a
 * waiter may take the lock up to one nap (LOCK_NAP_MAX_NS) after it was
 * released, and only once it already waited phases 1 and 2. Fairness is
 * not promised (as before): the lock goes to whoever exchanges first.
 *
 * A thread that keeps re-taking a lock (an application thread arming and
 * cancelling in a loop holds its base's lock most of the time) and that a
 * waiter preempts on its own core is inside its critical section at most
 * of the waiter's looks: such a waiter may nap many times. A clockwork CPU
 * therefore never waits like this for the global and deferrable bases on
 * its tick and idle paths (timer.c, "The CPU does not wait for an arming
 * thread"; docs/timers.md, "Lateness on posix"): it tries them with
 *
 *   cw__spin_lock_brief()    LOCK_SPINS exchanges, a pause between two.
 *                            Exchanges, not loads: a holder on another core
 *                            that re-takes the lock a few ns after releasing
 *                            it can win most races against a waiter that
 *                            must first see the word clear; an exchange
 *                            takes the word the moment it is released;
 *   cw__spin_lock_patient()  on Linux, brief tries between LOCK_PATIENT_NAPS
 *                            naps of LOCK_PATIENT_NAP_NS (about 200 us in
 *                            all), so a holder preempted on the caller's core
 *                            gets to finish; elsewhere one brief try;
 *
 * and, when they fail, leaves the work for its next tick.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
/* nanosleep() under -std=c11 (the library itself builds with _GNU_SOURCE). */
#define _POSIX_C_SOURCE 200809L
#endif

#include "lock.h"

#if defined(__linux__)
#include <sched.h>
#include <time.h>
#endif

/* Phase 1: rounds of plain loads (a pause each) before the first yield. */
#define LOCK_SPINS 256u

bool cw__spin_lock_brief(struct cw_spinlock *l)
{
	for (unsigned spins = 0; spins < LOCK_SPINS; spins++) {
		if (!atomic_exchange_explicit(&l->locked, 1u, memory_order_acquire)) {
			cw__spin_set_owner(l);
			return true;
		}
		cw_cpu_relax();
	}
	return false;
}

#if defined(__linux__)

/* cw__spin_lock_patient(): naps between its brief tries, and their length. */
#define LOCK_PATIENT_NAPS   8u
#define LOCK_PATIENT_NAP_NS 20000L

bool cw__spin_lock_patient(struct cw_spinlock *l)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = LOCK_PATIENT_NAP_NS };

	for (unsigned naps = 0;; naps++) {
		if (cw__spin_lock_brief(l)) {
			return true;
		}
		if (naps == LOCK_PATIENT_NAPS) {
			return false;
		}
		nanosleep(&ts, NULL);
	}
}

/* Phase 2: yields before the first nap. */
#define LOCK_YIELDS     4u
/* Phase 3: the first nap and the longest, in ns. */
#define LOCK_NAP_MIN_NS 10000L
#define LOCK_NAP_MAX_NS 200000L

/* Wait a little longer after @p round fruitless rounds of phase 1. */
static void lock_back_off(unsigned round, long *nap_ns)
{
	struct timespec ts;

	if (round <= LOCK_YIELDS) {
		sched_yield();
		return;
	}
	ts.tv_sec = 0;
	ts.tv_nsec = *nap_ns;
	nanosleep(&ts, NULL);
	if (*nap_ns < LOCK_NAP_MAX_NS) {
		*nap_ns = *nap_ns * 2 > LOCK_NAP_MAX_NS ? LOCK_NAP_MAX_NS : *nap_ns * 2;
	}
}

void cw__spin_lock_contended(struct cw_spinlock *l)
{
	long nap_ns = LOCK_NAP_MIN_NS;
	unsigned spins = 0, rounds = 0;

	for (;;) {
		while (atomic_load_explicit(&l->locked, memory_order_relaxed)) {
			if (cw_likely(++spins < LOCK_SPINS)) {
				cw_cpu_relax();
				continue;
			}
			spins = 0;
			rounds += rounds < LOCK_YIELDS + 1u;
			lock_back_off(rounds, &nap_ns);
		}
		if (!atomic_exchange_explicit(&l->locked, 1u, memory_order_acquire)) {
			cw__spin_set_owner(l);
			return;
		}
	}
}

#else /* !__linux__: a kernel's waiter spins; its holder is not preempted */

bool cw__spin_lock_patient(struct cw_spinlock *l)
{
	return cw__spin_lock_brief(l);
}

void cw__spin_lock_contended(struct cw_spinlock *l)
{
	for (;;) {
		while (atomic_load_explicit(&l->locked, memory_order_relaxed)) {
			cw_cpu_relax();
		}
		if (!atomic_exchange_explicit(&l->locked, 1u, memory_order_acquire)) {
			cw__spin_set_owner(l);
			return;
		}
	}
}

#endif
