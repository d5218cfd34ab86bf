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
#include <stdbool.h>
#include <stdint.h>

/*
 * Lock ownership in debug builds (CW_CONFIG_DEBUG_CHECKS): a lock records
 * who holds it, a per-thread token (the address of a thread-local, never
 * 0) and the clockwork CPU that thread last ran as (noted by
 * cw__current_cpu(); CW_PORT_NO_CPU if it never did), so
 * cw_lockdep_assert_held() checks that the calling thread holds the lock
 * and a failing assertion names the owner. The sim runs every CPU on one
 * thread: there the check catches a lock that is not held at all. Release
 * builds keep the lock one word and the assertion compiles away.
 */
#if CW_CONFIG_DEBUG_CHECKS
/** The calling thread's token (debug builds). */
uintptr_t cw__lock_token(void);
/** The clockwork CPU the calling thread last ran as, or CW_PORT_NO_CPU (debug builds). */
unsigned cw__lock_cpu_hint(void);
/** Note that the calling thread runs as clockwork CPU @p cpu (debug builds). */
void cw__lock_note_cpu(unsigned cpu);
/** Abort: @p l is not held by the calling thread; names the owner, if any. */
_Noreturn void cw__lockdep_assert_failed(const void *l, uintptr_t owner, unsigned owner_cpu,
					 const char *expr, const char *file, int line);
#endif

/*
 * One-thread locks. A port whose CPUs all run on one host thread, with no
 * other thread calling into the system (the sim port: the engine's thread;
 * a single-core bare-metal port), says so in cw_port_ops::one_thread, and
 * the core initialises its hot locks (the wheel's and the hrtimers' base
 * locks) with cw_spin_init(l, true). Such a lock takes a plain load and
 * store instead of the atomic exchange, as Linux's spinlocks do without
 * CONFIG_SMP: nothing else can hold it, so there is nothing to wait for,
 * and no locked instruction (on x86 a full barrier that waits for the
 * earlier stores to cold lines) is paid. The compiler barriers
 * (signal fences) keep the critical section between the two stores, which
 * is all an interrupt handler on the same core needs; a handler that
 * takes the lock must still run with it free, as on any UP kernel.
 *
 * The mode is a bit of the lock word, set once at initialisation, so every
 * lock decides for itself and a lock left zeroed (every other lock of the
 * core) is an ordinary SMP lock. The SMP path pays one load of the line
 * the exchange writes anyway (a test-and-test-and-set's first test) and a
 * branch; its exchange and its contended wait (lock.c) are unchanged.
 *
 * Taking a one-thread lock that is held can only be the same thread taking
 * it twice (nothing else could release it): that aborts in every build
 * (cw_bug()) instead of spinning forever; an SMP lock taken twice by its
 * holder aborts in debug builds (the owner check). A trylock of a held
 * lock fails in both modes, as it must.
 */

/** Lock word bit: held. */
#define CW__SPIN_HELD       1u
/** Lock word bit: the lock is one-thread (cw_spin_init(l, true)); never changes. */
#define CW__SPIN_ONE_THREAD 2u

/**
 * Test-and-test-and-set spinlock. Zero-initialised means unlocked (an SMP
 * lock); cw_spin_init() chooses the mode explicitly. One word in release
 * builds; debug builds add the owner (see above).
 */
struct cw_spinlock {
	/** CW__SPIN_HELD, plus CW__SPIN_ONE_THREAD for a one-thread lock. */
	atomic_uint locked;
#if CW_CONFIG_DEBUG_CHECKS
	/** Token of the holding thread, 0 while free. Written by the holder. */
	_Atomic uintptr_t owner;
	/** CPU the holder last ran as (cw__lock_cpu_hint()) when it took the lock. */
	atomic_uint owner_cpu;
#endif
};

#if !CW_CONFIG_DEBUG_CHECKS
_Static_assert(sizeof(struct cw_spinlock) == sizeof(atomic_uint),
	       "a release-build spinlock is one word");
#endif

/**
 * Initialise @p l, free. @p one_thread: every thread that will ever take
 * it is one host thread (cw_port_ops::one_thread); it then takes a plain
 * load and store. Not while anyone may hold or take it.
 */
static inline void cw_spin_init(struct cw_spinlock *l, bool one_thread)
{
	atomic_store_explicit(&l->locked, one_thread ? CW__SPIN_ONE_THREAD : 0u,
			      memory_order_relaxed);
#if CW_CONFIG_DEBUG_CHECKS
	atomic_store_explicit(&l->owner, (uintptr_t)0, memory_order_relaxed);
	atomic_store_explicit(&l->owner_cpu, 0u, memory_order_relaxed);
#endif
}

/* Debug builds: record the new holder (relaxed: only the holder reads it as its own). */
static inline void cw__spin_set_owner(struct cw_spinlock *l)
{
#if CW_CONFIG_DEBUG_CHECKS
	atomic_store_explicit(&l->owner, cw__lock_token(), memory_order_relaxed);
	atomic_store_explicit(&l->owner_cpu, cw__lock_cpu_hint(), memory_order_relaxed);
#else
	(void)l;
#endif
}

/* Debug builds: the calling thread already holds @p l, which it is about to take. */
static inline bool cw__spin_held_by_me(const struct cw_spinlock *l)
{
#if CW_CONFIG_DEBUG_CHECKS
	return atomic_load_explicit(&l->owner, memory_order_relaxed) == cw__lock_token();
#else
	(void)l;
	return false;
#endif
}

/**
 * The contended path of cw_spin_lock() (src/core/lock.c): waits until @p l
 * is free and takes it. Out of line so the uncontended path stays small.
 * SMP locks only.
 */
void cw__spin_lock_contended(struct cw_spinlock *l);

/* A lock taken twice by one thread: a deadlock; abort (cold, out of line). */
static __attribute__((noinline, cold, unused)) void cw__spin_deadlock(const char *what)
{
	cw_bug(what);
}

/* A one-thread lock that is free: take it (plain store, compiler barrier). */
static inline void cw__spin_take_one_thread(struct cw_spinlock *l)
{
	atomic_store_explicit(&l->locked, CW__SPIN_ONE_THREAD | CW__SPIN_HELD,
			      memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	cw__spin_set_owner(l);
}

/**
 * Take @p l if it is free or freed within a brief spin (src/core/lock.c),
 * never sleeping. For a clockwork CPU that must not wait for a holder its
 * host preempted: it retries later instead. @return whether it took it.
 */
bool cw__spin_lock_brief(struct cw_spinlock *l);

/**
 * cw__spin_lock_brief(), and on a host with threads a few more tries
 * after short naps (about 200 us in all, src/core/lock.c) that let a
 * holder preempted on the caller's core finish. @return whether it took it.
 */
bool cw__spin_lock_patient(struct cw_spinlock *l);

/*
 * cw__spin_lock_brief() and cw__spin_lock_patient() for any lock: they
 * exchange the word, which a one-thread lock must never see (the exchange
 * would overwrite its mode bit); a one-thread lock cannot be freed by
 * waiting anyway (its holder is the caller's own thread), so it gets one
 * plain try. Callers use these, never the SMP-only functions directly.
 */
static inline bool cw_spin_lock_brief(struct cw_spinlock *l);
static inline bool cw_spin_lock_patient(struct cw_spinlock *l);

static inline void cw_spin_lock(struct cw_spinlock *l)
{
	unsigned v = atomic_load_explicit(&l->locked, memory_order_relaxed);

	if (v & CW__SPIN_ONE_THREAD) {
		if (cw_unlikely(v & CW__SPIN_HELD)) {
			cw__spin_deadlock("one-thread spinlock taken while held: the same "
					  "thread takes it twice (deadlock)");
		}
		cw__spin_take_one_thread(l);
		return;
	}
	if (cw_unlikely(cw__spin_held_by_me(l))) {
		cw__spin_deadlock("spinlock taken twice by its holder (deadlock)");
	}
	if (cw_likely(!atomic_exchange_explicit(&l->locked, CW__SPIN_HELD, memory_order_acquire))) {
		cw__spin_set_owner(l);
		return;
	}
	cw__spin_lock_contended(l);
}

static inline bool cw_spin_trylock(struct cw_spinlock *l)
{
	unsigned v = atomic_load_explicit(&l->locked, memory_order_relaxed);

	if (v & CW__SPIN_ONE_THREAD) {
		if (v & CW__SPIN_HELD) {
			return false;
		}
		cw__spin_take_one_thread(l);
		return true;
	}
	if (atomic_exchange_explicit(&l->locked, CW__SPIN_HELD, memory_order_acquire)) {
		return false;
	}
	cw__spin_set_owner(l);
	return true;
}

static inline bool cw_spin_lock_brief(struct cw_spinlock *l)
{
	if (atomic_load_explicit(&l->locked, memory_order_relaxed) & CW__SPIN_ONE_THREAD) {
		return cw_spin_trylock(l);
	}
	return cw__spin_lock_brief(l);
}

static inline bool cw_spin_lock_patient(struct cw_spinlock *l)
{
	if (atomic_load_explicit(&l->locked, memory_order_relaxed) & CW__SPIN_ONE_THREAD) {
		return cw_spin_trylock(l);
	}
	return cw__spin_lock_patient(l);
}

static inline void cw_spin_unlock(struct cw_spinlock *l)
{
	/* The holder's own word: besides HELD only the mode bit can be set (an
	 * SMP waiter's exchange writes HELD over HELD). The free word keeps it. */
	unsigned mode =
		atomic_load_explicit(&l->locked, memory_order_relaxed) & CW__SPIN_ONE_THREAD;

#if CW_CONFIG_DEBUG_CHECKS
	/* Cleared before the release store: the next holder's record comes after ours. */
	atomic_store_explicit(&l->owner, (uintptr_t)0, memory_order_relaxed);
#endif
	/* SMP: pairs with the acquire of the next holder's exchange. One-thread:
	 * a compiler barrier on x86, all that lock needs. */
	atomic_store_explicit(&l->locked, mode, memory_order_release);
}

static inline bool cw_spin_is_locked(const struct cw_spinlock *l)
{
	return (atomic_load_explicit(&l->locked, memory_order_relaxed) & CW__SPIN_HELD) != 0;
}

#if CW_CONFIG_DEBUG_CHECKS
static inline void cw__lockdep_assert_held(const struct cw_spinlock *l, const char *expr,
					   const char *file, int line)
{
	uintptr_t owner = atomic_load_explicit(&l->owner, memory_order_relaxed);

	if (cw_unlikely(!cw_spin_is_locked(l) || owner != cw__lock_token())) {
		cw__lockdep_assert_failed(l, cw_spin_is_locked(l) ? owner : 0,
					  atomic_load_explicit(&l->owner_cpu, memory_order_relaxed),
					  expr, file, line);
	}
}
/**
 * Debug check that the calling thread holds @p l (the first line of every
 * _locked function); a failure names the owner thread and its CPU.
 */
#define cw_lockdep_assert_held(l) cw__lockdep_assert_held((l), #l, __FILE__, __LINE__)
#else
#define cw_lockdep_assert_held(l) ((void)sizeof(l))
#endif

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
