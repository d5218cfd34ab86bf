/* SPDX-License-Identifier: MIT */
/*
 * The contended path of the core spinlock (lock.h). The uncontended path is
 * one exchange, inlined at every call site; a caller that finds the lock
 * held comes here and waits with plain loads (test-and-test-and-set), so
 * waiters do not bounce the line while the holder works.
 */
#include "lock.h"

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
