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
 * the core back: measured, 955 ms for a lock whose holder needed 5 ms
 * (test_lock_posix), expiries up to 2 s late (docs/timers.md, W1-threads).
 * So the wait alternates:
 *
 *   1. LOCK_SPINS rounds of plain loads (a pause each, about a microsecond
 *      in all): a holder that runs is done by then;
 *   2. a back-off, cw_port_lock_backoff(round) with round 0, 1, 2, ...: the
 *      port's choice (include/clockwork/port.h). The core's default only
 *      pauses; the posix port yields for rounds 0-3 (a holder preempted on
 *      this core by a thread of the same class runs again) and then
 *      sleeps 10 us doubling to 200 us (the core is free for any holder,
 *      also one of a lower class than the waiter: a SCHED_FIFO CPU thread
 *      waiting for a normal application thread, for which a yield does
 *      nothing).
 *
 * The unlock stays one release store: no waiter is woken, a sleeping one
 * looks again after its nap. The cost is only on the contended path: a
 * waiter may take the lock up to one nap after it was released, and only
 * once it already waited a while. Fairness is not promised (as before):
 * the lock goes to whoever exchanges first.
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
 *   cw__spin_lock_patient()  brief tries with LOCK_PATIENT_NAPS back-offs
 *                            of round LOCK_PATIENT_ROUND between them (20 us
 *                            naps on posix, about 200 us in all), so a holder
 *                            preempted on the caller's core gets to finish;
 *
 * and, when they fail, leaves the work for its next tick.
 */
#include "lock.h"

#include <clockwork/port.h>

/* Rounds of spinning between two back-offs (and the length of a brief try). */
#define LOCK_SPINS         256u
/* cw__spin_lock_patient(): back-offs between its brief tries, and their round. */
#define LOCK_PATIENT_NAPS  8u
#define LOCK_PATIENT_ROUND 5u
/* The round passed on from here on (a port's back-off stops growing anyway). */
#define LOCK_ROUND_MAX     64u

/* The default back-off: a kernel's lock holder is not preempted by its waiter. */
__attribute__((weak)) void cw_port_lock_backoff(unsigned round)
{
	(void)round;
	cw_cpu_relax();
}

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

bool cw__spin_lock_patient(struct cw_spinlock *l)
{
	for (unsigned naps = 0;; naps++) {
		if (cw__spin_lock_brief(l)) {
			return true;
		}
		if (naps == LOCK_PATIENT_NAPS) {
			return false;
		}
		cw_port_lock_backoff(LOCK_PATIENT_ROUND);
	}
}

void cw__spin_lock_contended(struct cw_spinlock *l)
{
	unsigned spins = 0, round = 0;

	for (;;) {
		while (atomic_load_explicit(&l->locked, memory_order_relaxed)) {
			if (cw_likely(++spins < LOCK_SPINS)) {
				cw_cpu_relax();
				continue;
			}
			spins = 0;
			cw_port_lock_backoff(round);
			round += round < LOCK_ROUND_MAX;
		}
		if (!atomic_exchange_explicit(&l->locked, 1u, memory_order_acquire)) {
			cw__spin_set_owner(l);
			return;
		}
	}
}
