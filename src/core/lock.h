/* SPDX-License-Identifier: MIT */
/*
 * Core synchronisation primitives built on C11 atomics: a spinlock for the
 * short writer-side critical sections, and the sequence counter that lets
 * timekeeping readers run without any lock.
 *
 * Sequence counter protocol (written once, used by every lockless reader):
 *   writer: seq++ (odd, an acq_rel read-modify-write), stores
 *           (CW_WRITE_ONCE), seq++ (even, store-release).
 *   reader: s = load-acquire(seq), wait while odd, loads (CW_READ_ONCE),
 *           acquire fence, retry if seq != s.
 * Writers are serialised by a spinlock; the write section only copies a few
 * cache lines, so a reader that sees an odd count spins for nanoseconds.
 */
#ifndef CLOCKWORK_SRC_CORE_LOCK_H
#define CLOCKWORK_SRC_CORE_LOCK_H

#include "compiler.h"

#include <stdatomic.h>

/** Test-and-test-and-set spinlock. Zero-initialised means unlocked. */
struct cw_spinlock {
	atomic_uint locked;
};

static inline void cw_spin_lock(struct cw_spinlock *l)
{
	for (;;) {
		if (!atomic_exchange_explicit(&l->locked, 1u, memory_order_acquire)) {
			return;
		}
		while (atomic_load_explicit(&l->locked, memory_order_relaxed)) {
			cw_cpu_relax();
		}
	}
}

static inline bool cw_spin_trylock(struct cw_spinlock *l)
{
	return !atomic_exchange_explicit(&l->locked, 1u, memory_order_acquire);
}

static inline void cw_spin_unlock(struct cw_spinlock *l)
{
	atomic_store_explicit(&l->locked, 0u, memory_order_release);
}

static inline bool cw_spin_is_locked(struct cw_spinlock *l)
{
	return atomic_load_explicit(&l->locked, memory_order_relaxed) != 0;
}

/* Debug check that the caller holds @l (it cannot tell who holds it). */
#define cw_lockdep_assert_held(l) CW_ASSERT(cw_spin_is_locked(l))

/** Sequence counter; see the protocol above. */
struct cw_seqcount {
	atomic_uint seq;
};

static inline unsigned cw_read_seqbegin(const struct cw_seqcount *s)
{
	unsigned v;

	/* Pairs with the store-release in cw_write_seqend(). */
	while ((v = atomic_load_explicit(&s->seq, memory_order_acquire)) & 1u) {
		cw_cpu_relax();
	}
	return v;
}

#if defined(__SANITIZE_THREAD__)
#define CW_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CW_TSAN 1
#endif
#endif

static inline bool cw_read_seqretry(const struct cw_seqcount *s, unsigned start)
{
#ifdef CW_TSAN
	/*
	 * ThreadSanitizer does not model fences. An acq_rel read-modify-write
	 * of the count gives it (and the hardware) the same ordering; it is
	 * too slow for the real reader, where every reader would write the
	 * shared line.
	 */
	return atomic_fetch_add_explicit((atomic_uint *)&s->seq, 0u, memory_order_acq_rel) != start;
#else
	/* Orders the data loads before the re-check; pairs with the ordering
	 * of the odd count in cw_write_seqbegin(). */
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&s->seq, memory_order_relaxed) != start;
#endif
}

static inline void cw_write_seqbegin(struct cw_seqcount *s)
{
	/* Odd count visible before any data store: the acq_rel RMW keeps the
	 * later stores after it (a full barrier on x86, rare on this path). */
	atomic_fetch_add_explicit(&s->seq, 1u, memory_order_acq_rel);
}

static inline void cw_write_seqend(struct cw_seqcount *s)
{
	unsigned v = atomic_load_explicit(&s->seq, memory_order_relaxed);

	/* Pairs with the load-acquire in cw_read_seqbegin(). */
	atomic_store_explicit(&s->seq, v + 1u, memory_order_release);
}

#endif /* CLOCKWORK_SRC_CORE_LOCK_H */
