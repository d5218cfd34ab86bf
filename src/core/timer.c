// SPDX-License-Identifier: MIT
/*
 * The timer wheel: per-CPU bases of coarse jiffy timers with O(1) arm and
 * cancel, no cascading and a bounded lateness (Linux's timer wheel since
 * 4.8; this is our own implementation of the same geometry).
 *
 * Geometry
 * --------
 * A base has LVL_DEPTH levels of 64 buckets. Level n has a granularity of
 * 8^n jiffies: its clock is the base clock shifted right by 3n. A timer goes
 * into the level that covers its delta (expiry - base clock) and into the
 * bucket of its expiry rounded *up* to that level's granularity, so it never
 * fires early; it stays there until it expires (no cascading). Level n
 * covers deltas from 63 * 8^(n-1) on, so the rounding costs at most
 * 8^n / (63 * 8^(n-1)) = 12.7 % of the timeout. Level 0 rounds E up to E+1:
 * a timer armed for jiffy E runs in the expiry of jiffy E+1 (the tick after
 * E), exact to one jiffy.
 *
 *   level  granularity   deltas (jiffies)      HZ=1000      HZ=250
 *     0        1          0 ..        62        1 ms         4 ms
 *     1        8         63 ..       503        8 ms        32 ms
 *     2       64        504 ..      4031       64 ms       256 ms
 *     3      512       4032 ..     32255      512 ms      2.05 s
 *     4     4096      32256 ..    258047      4.10 s      16.4 s
 *     5    32768     258048 ..   2064383      32.8 s       131 s
 *     6   262144    2064384 ..  16515071       262 s      17.5 min
 *     7  2097152   16515072 .. 132120575      35.0 min    2.33 h
 *     8 16777216  132120576 .. 1056964607      4.66 h    18.6 h
 *
 * LVL_DEPTH is 9 for HZ > 100 and 8 otherwise; a delta beyond the last level
 * is clamped to the wheel's range (about 12 days at HZ=1000, 48 days at
 * HZ=250, 15 days at HZ=100). A bitmap with one bit per bucket says which
 * buckets hold timers; next_expiry caches the first bucket expiry, so the
 * expiry jumps straight to it: its cost is the timers expired plus the
 * buckets scanned, never the jiffies elapsed.
 *
 * Expiry at base clock c takes the bucket c & 63 of level 0, and moves up a
 * level only while the level clock's low 3 bits are zero (a level n bucket
 * is due only at multiples of 8^n). The collected timers stay linked into a
 * local list head (still "pending"), and each is detached under the lock
 * just before its callback runs with the lock dropped; a concurrent
 * cw_timer_del() of a collected timer therefore still cancels it.
 *
 * Bases
 * -----
 * Each CPU has three bases: LOCAL (pinned timers, expired on that CPU),
 * GLOBAL (other timers, which the migration hierarchy may later expire
 * remotely) and DEF (deferrable timers, left out of the NO_HZ sleep length).
 * A timer is armed on the base of its kind on the arming CPU, or on the CPU
 * cw_timer_add_on() names. Its flags word holds that CPU, its kind, the
 * bucket index and the MIGRATING bit.
 *
 * Locking rules
 * -------------
 * Each base has its own spinlock; it protects the buckets, the bitmap, clk,
 * next_expiry and the timers queued on it. A timer's base is found from
 * its flags: lock_timer_base() reads them, locks that base and re-checks
 * them. A timer moving between bases carries MIGRATING while no lock covers
 * it: the old base lock is dropped before the new one is taken, so two base
 * locks are never held together except by cw__timer_next_expiry() and
 * cw__timer_idle_enter(), which take one CPU's bases in enum order (LOCAL,
 * GLOBAL, DEF), and by the hotplug dead step (Hotplug rule 3). Callbacks
 * run with no lock held. The base locks nest inside nothing of the rest of
 * the core and take only log_lock inside them (for warnings). The kick
 * hook runs under a base lock.
 *
 * Time spans
 * ----------
 * jiffies may start anywhere (cw_system_config.initial_jiffies) and cross
 * 2^32, 2^63 and 2^64: every comparison of two jiffies values uses the
 * signed distance (cw_time_after64() and friends), right while they lie
 * less than 2^63 apart. Everything else is arithmetic modulo 2^64: level
 * clocks (clk >> 3n) and the bucket expiries shifted back from them wrap
 * together, since 2^(64-3n) is a multiple of the 64 buckets. No jiffies
 * value can mean "none": an empty base has timers_pending false and
 * next_expiry = clk + NEXT_NONE_DELTA, which keeps the lockless due tests
 * false; CW_TIMER_NEXT_NONE is only the "no event" answer of the NO_HZ
 * queries (a real event at 2^64 - 1 is reported one jiffy early).
 *
 * The arm path's now
 * ------------------
 * Arming reads no clock. The base clock is forwarded to the freshest
 * jiffies value the system already knows (cw__jiffies_seen()): jiffies64
 * as the tick left it, or the value cw_jiffies_get() last counted past a
 * stale jiffies64 (every CPU idle with its tick stopped, or a jiffy
 * boundary whose tick has not run yet), which that reader publishes. That
 * value is never ahead of the true jiffies, so a timer is never placed
 * early (the placement is relative to the base clock in any case), and it
 * is at or after every jiffies value the arming thread got from the
 * system: for the idiom cw_timer_mod(t, cw_jiffies_get(sys) + timeout) and
 * for cw_timer_mod_ms()/_ns() (which read the clock once), the base is
 * forwarded to at least the caller's now, and the timer lands on the level
 * of its timeout, late by at most that level's granularity. An expiry
 * computed from an older jiffies value (a deadline saved long ago, armed
 * while the machine sleeps) is placed against a base clock at or after that
 * older value: late by at most the granularity of the timeout counted from
 * it, never more. Linux forwards with the jiffies variable, which is
 * current because the arming CPU is awake; here the arming thread may be
 * no CPU at all, and the reader it used is what is current.
 *
 * The CPU does not wait for an arming thread
 * ------------------------------------------
 * Application threads on a host (the posix port) arm on their home CPU's
 * global and deferrable bases, and the host may preempt one in the middle
 * of its critical section, for milliseconds. So a CPU's own tick and idle
 * paths never wait for such a lock beyond a brief spin (lock.c): the
 * expiry takes a global or deferrable base with cw_spin_lock_patient()
 * and leaves it due for the next tick when that fails; idle entry takes
 * them with cw_spin_lock_brief() and, when one is busy, reports an event
 * at the next jiffy (the tick stays, no base is marked idle); idle exit
 * clears the idle marks without the lock when one is busy (as Linux does:
 * a thread that still reads one set kicks the CPU once for nothing); the
 * migration hierarchy's remote expiry and requeue hand up "the next jiffy"
 * for a busy global base. The local base (pinned timers, armed by the CPU
 * itself in practice) is always taken, so pinned timers keep their bound
 * (docs/timers.md, "Lateness on posix"). Whatever was not done stays due
 * and is covered from the next jiffy on: the CPU keeps its tick (or, tick
 * stopped, wakes at the next jiffy for its "local" event), and the
 * hierarchy holds "the next jiffy" for the busy global base, so the
 * migration checker's "every idle CPU's first global timer is covered"
 * holds one jiffy later than with the lock. On the sim (one thread) no
 * lock is ever found held and these paths never run; on a kernel port a
 * holder is not preempted and a brief spin sees it done.
 *
 * Hotplug rules
 * -------------
 *  1. cw_timer_add_on() refuses a CPU that is offline (or out of range):
 *     Linux would queue there and strand the timer until the CPU returns.
 *  2. cw__timer_cpu_dead() moves every timer of a dead CPU's bases to an
 *     online CPU and marks the bases offline under their locks. An arming
 *     call that finds its chosen base offline under the lock (it raced
 *     with the CPU going down, or its default CPU is down) moves on to an
 *     online CPU: no timer is ever queued on an offline base.
 *  3. The dead step holds two base locks: the target's, then the dead
 *     CPU's base of the same kind. Nothing holds a dead CPU's base lock
 *     while taking another CPU's, so this cannot deadlock with the NO_HZ
 *     queries (one CPU's bases in order) or another dead step.
 *
 * Lifetime rules
 * --------------
 * A timer's callback may free the timer: after the callback the expiry
 * touches only the base (running is cleared there), never the timer. So
 * cw_timer_del_sync() finds a running callback through the base:
 *  1. The timer's current base has running == timer: spin until it changes,
 *     then look again (the callback may have re-armed it).
 *  2. cw_timer_add_on() moved the timer off a base while its callback ran
 *     there (a callback re-arming itself on another CPU): the move sets
 *     RUNMIG, and delete_sync then also waits on every base of the timer's
 *     kind. cw_timer_mod() and friends never move a running timer, which
 *     also keeps a timer's callbacks from ever overlapping.
 */
#include <clockwork/timer.h>

#include <clockwork/cpu.h>

#include "system-internal.h"
#include "cpu-internal.h"
#include "check-internal.h"
#include "timer-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Geometry. */
#define LVL_CLK_SHIFT 3u
#define LVL_CLK_DIV   (1u << LVL_CLK_SHIFT)
#define LVL_CLK_MASK  (LVL_CLK_DIV - 1u)
#define LVL_BITS      6u
#define LVL_SIZE      (1u << LVL_BITS)
#define LVL_MASK      (LVL_SIZE - 1u)
#define LVL_DEPTH_MAX 9u
#define LVL_SHIFT(n)  ((n)*LVL_CLK_SHIFT)
#define LVL_GRAN(n)   (UINT64_C(1) << LVL_SHIFT(n))
#define LVL_OFFS(n)   ((n)*LVL_SIZE)
/* First delta of level n >= 1: 63 * 8^(n-1). */
#define LVL_START(n)  ((uint64_t)(LVL_SIZE - 1u) << (((n)-1u) * LVL_CLK_SHIFT))
#define WHEEL_SIZE    (LVL_SIZE * LVL_DEPTH_MAX)
#define MAP_WORDS     (WHEEL_SIZE / 64u)

/* Timer flags word: CPU, kind bits (public values), migration, bucket index. */
#define TF_CPU_MASK   0x0000ffffu
#define TF_PINNED     CW_TIMER_PINNED
#define TF_DEFERRABLE CW_TIMER_DEFERRABLE
#define TF_MIGRATING  0x00040000u
#define TF_RUNMIG     0x00080000u
#define TF_IDX_SHIFT  20u
#define TF_IDX_MASK   (0x3ffu << TF_IDX_SHIFT)
/* Bits that name the base; lock_timer_base() re-checks them. */
#define TF_BASEMASK   (TF_CPU_MASK | TF_PINNED | TF_DEFERRABLE | TF_MIGRATING)
#define TF_USER_FLAGS (TF_PINNED | TF_DEFERRABLE)

#define TIMER_MAGIC 0x7431eeb5u

/*
 * next_expiry of a base without timers: this far after its clk, beyond any
 * bucket expiry (a bucket is at most 2^30 - 1 jiffies after clk), so the
 * lockless due tests stay false for 2^31 jiffies of an unforwarded clock;
 * run_base() forwards an empty base that comes due anyway.
 */
#define NEXT_NONE_DELTA ((UINT64_C(1) << 31) - 1u)
/*
 * Relative timeouts (cw_timer_mod_ns()) are cut to this many jiffies before
 * they are added to now, so the sum stays after now in the wrap-safe sense;
 * the wheel clamps them much earlier anyway.
 */
#define REL_MAX_JIFFIES (UINT64_C(1) << 62)

/* Arming modes of mod_timer(). */
#define MOD_PENDING_ONLY 0x1u
#define MOD_REDUCE       0x2u
#define MOD_ON_CPU       0x4u

CW_BUILD_ASSERT(sizeof(void *) != 8 || sizeof(struct cw_timer) <= 48,
		"struct cw_timer must stay within 48 bytes on 64-bit targets");
CW_BUILD_ASSERT(CW_MAX_CPUS - 1 <= TF_CPU_MASK, "CPU index must fit the flags word");
CW_BUILD_ASSERT(WHEEL_SIZE - 1 <= (TF_IDX_MASK >> TF_IDX_SHIFT), "bucket index must fit");
CW_BUILD_ASSERT(WHEEL_SIZE % 64u == 0, "bitmap words");

/**
 * One wheel base. Everything below the lock is protected by it, except
 * running (written under the lock, read locklessly by delete_sync's wait)
 * and next_expiry (written under the lock, read locklessly by
 * cw__timer_pending_due()).
 */
struct cw_timer_base {
	struct cw_spinlock lock;
	/** Timer whose callback runs right now on this base, or NULL. */
	struct cw_timer *_Atomic running;
	/** Next jiffy the expiry processes; bucket expiries are at or after clk. */
	uint64_t clk;
	/**
	 * First bucket expiry (a lower bound while next_expiry_recalc), or
	 * clk + NEXT_NONE_DELTA while no timer is queued (timers_pending).
	 */
	uint64_t next_expiry;
	unsigned cpu;
	unsigned kind;
	unsigned depth;
	bool next_expiry_recalc;
	/** Some timer is queued (stale "true" only while next_expiry_recalc). */
	bool timers_pending;
	bool is_idle;
	/** The CPU is offline: the base is empty and arming goes elsewhere. */
	bool offline;
	uint64_t pending_map[MAP_WORDS];
	struct cw_timer *vectors[WHEEL_SIZE];
};

/** The bases of one CPU, each on its own cache lines. */
struct cw_timer_cpu {
	_Alignas(CW_CACHELINE_BYTES) struct cw_timer_base bases[CW_TIMER_NR_BASES];
};

/** The wheel of a system (sys->timer_wheel). */
struct cw_timer_wheel {
	unsigned nr_cpus;
	unsigned depth;
	uint64_t max_timeout;
	uint64_t cutoff;
	cw_timer_kick_fn _Atomic kick;
	/** Timer migration's hook for a new first event on an idle CPU's global base. */
	cw_timer_global_hook_fn _Atomic global_hook;
	_Atomic bool test_clock;
	_Atomic uint64_t test_jiffies;
	struct cw_timer_cpu *cpus;
};

/* The callback this thread is running (self-deadlock detection). */
static _Thread_local const struct cw_timer *current_callback;

/* ------------------------------------------------------------------------
 * Small helpers
 */

static inline uint32_t tflags(const struct cw_timer *t)
{
	return __atomic_load_n(&t->flags, __ATOMIC_ACQUIRE);
}

static inline void set_tflags(struct cw_timer *t, uint32_t f)
{
	/* Pairs with the acquire load in lock_timer_base(). */
	__atomic_store_n(&t->flags, f, __ATOMIC_RELEASE);
}

static inline unsigned kind_of(uint32_t f)
{
	if (f & TF_DEFERRABLE) {
		return CW_TIMER_BASE_DEF;
	}
	return (f & TF_PINNED) ? CW_TIMER_BASE_LOCAL : CW_TIMER_BASE_GLOBAL;
}

static inline struct cw_timer_base *get_base(struct cw_timer_wheel *w, unsigned cpu, unsigned kind)
{
	return &w->cpus[cpu].bases[kind];
}

static inline struct cw_timer_base *base_of(struct cw_timer_wheel *w, uint32_t f)
{
	return get_base(w, f & TF_CPU_MASK, kind_of(f));
}

static inline unsigned timer_idx(const struct cw_timer *t)
{
	return (t->flags & TF_IDX_MASK) >> TF_IDX_SHIFT;
}

/* pprev is read locklessly (pending tests): every store is a relaxed atomic. */
static inline void set_pprev(struct cw_timer *t, struct cw_timer **pprev)
{
	__atomic_store_n(&t->pprev, pprev, __ATOMIC_RELAXED);
}

static inline bool pending_once(const struct cw_timer *t)
{
	return __atomic_load_n(&t->pprev, __ATOMIC_RELAXED) != NULL;
}

/*
 * A link (a timer's next, or a bucket or list head *pprev points at) is
 * read locklessly by prefetch_links(): every store to one through pprev or
 * to a timer's next is a relaxed atomic (a plain store on every target).
 */
static inline void set_next(struct cw_timer **link, struct cw_timer *t)
{
	__atomic_store_n(link, t, __ATOMIC_RELAXED);
}

/*
 * Before a cancel (or the re-arm of a pending timer) takes the base lock:
 * start fetching the lines its unlink will write (the previous timer's
 * next, the next timer's pprev). The lock's atomic exchange is a full
 * barrier on x86 and waits for those stores to complete at the next lock,
 * so with N timers out of cache the misses would otherwise be paid one
 * after the other. A hint read without the lock: a stale pointer only
 * prefetches the wrong line.
 */
static inline void prefetch_links(const struct cw_timer *t)
{
	struct cw_timer **pprev = __atomic_load_n(&t->pprev, __ATOMIC_RELAXED);
	struct cw_timer *next = __atomic_load_n(&t->next, __ATOMIC_RELAXED);

	if (pprev) {
		__builtin_prefetch(pprev, 1);
		if (next) {
			__builtin_prefetch(&next->pprev, 1);
		}
	}
}

/*
 * The CPU whose bases the caller arms on: the calling CPU, or for a thread
 * that is not a CPU the one its port names (cw__home_cpu(): the CPU of its
 * host core, or the one it was bound to), so application threads do not
 * all share CPU 0's base lock; CPU 0 if the port names none. 0 on a
 * one-CPU system without asking the port.
 */
static inline unsigned this_cpu(struct cw_system *sys, const struct cw_timer_wheel *w)
{
	unsigned cpu;

	if (w->nr_cpus == 1) {
		return 0;
	}
	cpu = cw__home_cpu(sys);
	/* A thread that is no CPU and names none: CPU 0. */
	return cpu < w->nr_cpus ? cpu : 0;
}

/* The arm path's now: no clock read (see "The arm path's now"). */
static inline uint64_t wheel_now_seen(struct cw_system *sys, const struct cw_timer_wheel *w)
{
	if (cw_unlikely(atomic_load_explicit(&w->test_clock, memory_order_relaxed))) {
		return atomic_load_explicit(&w->test_jiffies, memory_order_relaxed);
	}
	return cw__jiffies_seen(sys);
}

/* The current jiffies (a clock read on a tickless system), for the expiry and hotplug paths. */
static uint64_t wheel_now(struct cw_system *sys)
{
	struct cw_timer_wheel *w = sys->timer_wheel;

	if (atomic_load_explicit(&w->test_clock, memory_order_relaxed)) {
		return atomic_load_explicit(&w->test_jiffies, memory_order_relaxed);
	}
	return cw_jiffies_get(sys);
}

static inline void map_set(struct cw_timer_base *b, unsigned idx)
{
	b->pending_map[idx / 64u] |= UINT64_C(1) << (idx % 64u);
}

static inline void map_clear(struct cw_timer_base *b, unsigned idx)
{
	b->pending_map[idx / 64u] &= ~(UINT64_C(1) << (idx % 64u));
}

static inline bool map_test(const struct cw_timer_base *b, unsigned idx)
{
	return (b->pending_map[idx / 64u] >> (idx % 64u)) & 1u;
}

/* ------------------------------------------------------------------------
 * Bucket arithmetic
 */

/* Bucket of @expires at level @lvl: rounded up to the level granularity. */
static inline unsigned calc_index(uint64_t expires, unsigned lvl, uint64_t *bucket_expiry)
{
	uint64_t e = (expires >> LVL_SHIFT(lvl)) + 1u;

	*bucket_expiry = e << LVL_SHIFT(lvl);
	return LVL_OFFS(lvl) + (unsigned)(e & LVL_MASK);
}

static unsigned calc_wheel_index(const struct cw_timer_wheel *w, uint64_t expires, uint64_t clk,
				 uint64_t *bucket_expiry)
{
	unsigned lvl;
	uint64_t delta;

	if (cw_time_before64(expires, clk)) {
		/* Already due: the bucket the expiry processes next. */
		*bucket_expiry = clk;
		return clk & LVL_MASK;
	}
	delta = expires - clk;
	if (delta < LVL_START(1)) {
		return calc_index(expires, 0, bucket_expiry);
	}
	if (delta >= w->cutoff) {
		expires = clk + w->max_timeout;
		delta = w->max_timeout;
	}
	/* Level n holds 63 * 8^(n-1) <= delta < 63 * 8^n, that is
	 * 3(n-1) <= log2(delta / 63) < 3n: branch-free, since random
	 * timeouts make a compare loop mispredict. */
	lvl = 1u + cw_ilog2_u64(delta / (LVL_SIZE - 1u)) / LVL_CLK_SHIFT;
	if (lvl > w->depth - 1u) {
		lvl = w->depth - 1u;
	}
	return calc_index(expires, lvl, bucket_expiry);
}

/*
 * Distance from position @clk (0..63) to the next set bit of the level
 * starting at bitmap bit @offs, wrapping around; -1 if the level is empty.
 * Levels are 64 bits wide and 64-aligned, so a level is one bitmap word.
 */
static inline int next_pending_bucket(const struct cw_timer_base *b, unsigned offs, unsigned clk)
{
	uint64_t word = b->pending_map[offs / 64u];
	uint64_t ahead;

	if (!word) {
		return -1;
	}
	ahead = word >> clk;
	if (ahead) {
		return __builtin_ctzll(ahead);
	}
	return (int)(LVL_SIZE - clk) + __builtin_ctzll(word);
}

/*
 * Recompute next_expiry: per level, the first pending bucket from the level
 * clock on, converted back to jiffies; the minimum wins. A level's clock is
 * the lower one shifted right by 3, plus 1 if the lower one had low bits set
 * (its current bucket was then already processed). Once a hit comes before
 * the next level's clock edge, no higher level can be earlier.
 */
static void recalc_next_expiry(struct cw_timer_base *b)
{
	uint64_t next = b->clk + NEXT_NONE_DELTA;
	uint64_t clk = b->clk;
	bool found = false;

	cw_lockdep_assert_held(&b->lock);
	for (unsigned lvl = 0; lvl < b->depth; lvl++) {
		int pos = next_pending_bucket(b, LVL_OFFS(lvl), (unsigned)(clk & LVL_MASK));
		unsigned lvl_clk = (unsigned)(clk & LVL_CLK_MASK);

		if (pos >= 0) {
			/* Modulo 2^64 throughout: a level clock that wrapped
			 * shifts back to the wrapped jiffy. */
			uint64_t tmp = (clk + (unsigned)pos) << LVL_SHIFT(lvl);

			if (!found || cw_time_before64(tmp, next)) {
				next = tmp;
				found = true;
			}
			if ((unsigned)pos <= ((LVL_CLK_DIV - lvl_clk) & LVL_CLK_MASK)) {
				break;
			}
		}
		clk = (clk >> LVL_CLK_SHIFT) + (lvl_clk ? 1u : 0u);
	}
	__atomic_store_n(&b->next_expiry, next, __ATOMIC_RELAXED);
	b->timers_pending = found;
	b->next_expiry_recalc = false;
}

static inline void update_next_expiry(struct cw_timer_base *b)
{
	if (b->next_expiry_recalc) {
		recalc_next_expiry(b);
	}
}

/* Move clk forward to @now when nothing is due before it (never backwards). */
static void forward_base(struct cw_timer_base *b, uint64_t now)
{
	cw_lockdep_assert_held(&b->lock);
	if (!cw_time_after64(now, b->clk)) {
		return;
	}
	if (!b->timers_pending) {
		/* Empty: follow now, and keep the lockless due tests false. */
		b->clk = now;
		__atomic_store_n(&b->next_expiry, now + NEXT_NONE_DELTA, __ATOMIC_RELAXED);
	} else if (cw_time_after64(b->next_expiry, now)) {
		b->clk = now;
	} else if (cw_time_after64(b->next_expiry, b->clk)) {
		b->clk = b->next_expiry;
	}
}

/* ------------------------------------------------------------------------
 * Queueing
 */

static void check_base_or_die(struct cw_system *sys, struct cw_timer_base *b);

/*
 * A timer became the first event of an idle CPU's local or global base
 * (@b locked): a global one goes to the migration hierarchy when it has a
 * hook installed (the CPU sleeps on), anything else kicks the CPU.
 */
static __attribute__((noinline)) void
idle_base_new_first(struct cw_system *sys, struct cw_timer_base *b, uint64_t bucket_expiry)
{
	struct cw_timer_wheel *w = sys->timer_wheel;
	cw_timer_global_hook_fn hook = atomic_load_explicit(&w->global_hook, memory_order_relaxed);
	cw_timer_kick_fn kick;

	if (b->kind == CW_TIMER_BASE_GLOBAL && hook) {
		hook(sys, b->cpu, bucket_expiry);
		return;
	}
	kick = atomic_load_explicit(&w->kick, memory_order_relaxed);
	if (kick) {
		kick(sys, b->cpu);
	}
}

static inline __attribute__((always_inline)) void enqueue_timer(struct cw_system *sys,
								struct cw_timer_base *b,
								struct cw_timer *t, unsigned idx,
								uint64_t bucket_expiry)
{
	struct cw_timer **head = &b->vectors[idx];

	cw_lockdep_assert_held(&b->lock);
	set_next(&t->next, *head);
	if (t->next) {
		set_pprev(t->next, &t->next);
	}
	set_pprev(t, head);
	*head = t;
	map_set(b, idx);
	set_tflags(t, (t->flags & ~TF_IDX_MASK) | ((uint32_t)idx << TF_IDX_SHIFT));
	if (!b->timers_pending || cw_time_before64(bucket_expiry, b->next_expiry)) {
		/* A new first event (also the true minimum if a recalc was due:
		 * a stale next_expiry is never later than the real one). */
		__atomic_store_n(&b->next_expiry, bucket_expiry, __ATOMIC_RELAXED);
		b->timers_pending = true;
		b->next_expiry_recalc = false;
		if (__atomic_load_n(&b->is_idle, __ATOMIC_RELAXED) &&
		    b->kind != CW_TIMER_BASE_DEF) {
			idle_base_new_first(sys, b, bucket_expiry);
		}
	}
}

/* Unlink @t from whatever list holds it (a bucket or an expiry list). */
static inline void unlink_timer(struct cw_timer *t)
{
	struct cw_timer **pprev = t->pprev;

	set_next(pprev, t->next);
	if (t->next) {
		set_pprev(t->next, pprev);
	}
	set_next(&t->next, NULL);
	set_pprev(t, NULL);
}

static inline __attribute__((always_inline)) int detach_if_pending(struct cw_timer_base *b,
								   struct cw_timer *t)
{
	unsigned idx;

	cw_lockdep_assert_held(&b->lock);
	if (!t->pprev) {
		return 0;
	}
	idx = timer_idx(t);
	/* The only timer of its bucket (and not on an expiry list): the
	 * bucket empties; next_expiry may have been its expiry. */
	if (t->pprev == &b->vectors[idx] && !t->next) {
		map_clear(b, idx);
		b->next_expiry_recalc = true;
	}
	unlink_timer(t);
	cw__check_wheel_cancel(t);
	return 1;
}

/*
 * Lock the base @t is queued on (or was last queued on). A timer moving
 * between bases has MIGRATING set and no base: wait for the move to end.
 */
static __attribute__((noinline)) struct cw_timer_base *lock_timer_base_slow(struct cw_timer *t)
{
	struct cw_timer_wheel *w = t->sys->timer_wheel;

	for (;;) {
		uint32_t f = tflags(t);

		if (!(f & TF_MIGRATING)) {
			struct cw_timer_base *b = base_of(w, f);

			cw_spin_lock(&b->lock);
			if ((__atomic_load_n(&t->flags, __ATOMIC_RELAXED) & TF_BASEMASK) ==
			    (f & TF_BASEMASK)) {
				return b;
			}
			cw_spin_unlock(&b->lock);
		}
		cw_cpu_relax();
	}
}

/* The same; its first attempt inline (the timer is not moving, the lock is free). */
static inline __attribute__((always_inline)) struct cw_timer_base *
lock_timer_base(struct cw_timer *t)
{
	uint32_t f = tflags(t);

	if (cw_likely(!(f & TF_MIGRATING))) {
		struct cw_timer_base *b = base_of(t->sys->timer_wheel, f);

		if (cw_likely(cw_spin_trylock(&b->lock))) {
			if (cw_likely((__atomic_load_n(&t->flags, __ATOMIC_RELAXED) &
				       TF_BASEMASK) == (f & TF_BASEMASK))) {
				return b;
			}
			cw_spin_unlock(&b->lock);
		}
	}
	return lock_timer_base_slow(t);
}

static inline void unlock_base(struct cw_system *sys, struct cw_timer_base *b)
{
	if (CW_ENABLED(CW_CONFIG_DEBUG_INVARIANTS)) {
		check_base_or_die(sys, b);
	}
	cw_spin_unlock(&b->lock);
}

static inline void assert_timer_ready(const struct cw_timer *t)
{
	CW_ASSERT(t && t->magic == TIMER_MAGIC);
	(void)t;
}

/* ------------------------------------------------------------------------
 * Arming
 */

/*
 * Move the detached timer @t from locked @base to @new_base and return it
 * locked. No lock covers @t between the two: MIGRATING makes
 * lock_timer_base() wait meanwhile.
 */
static struct cw_timer_base *switch_base(struct cw_timer *t, struct cw_timer_base *base,
					 struct cw_timer_base *new_base, bool running)
{
	uint32_t f = t->flags;
	uint32_t keep = f & ~(TF_CPU_MASK | TF_MIGRATING);

	if (running) {
		keep |= TF_RUNMIG;
	}
	set_tflags(t, f | TF_MIGRATING);
	cw_spin_unlock(&base->lock);
	cw_spin_lock(&new_base->lock);
	set_tflags(t, keep | new_base->cpu);
	return new_base;
}

/* An online CPU other than @avoid for timers that cannot stay (@avoid if none). */
static unsigned live_cpu(struct cw_system *sys, unsigned avoid)
{
	for (unsigned cpu = 0; cpu < sys->nr_cpus; cpu++) {
		if (cpu != avoid && cw_cpu_online(sys, cpu)) {
			return cpu;
		}
	}
	return avoid;
}

/*
 * The slow part of mod_timer(): @t, detached, goes from locked @base to
 * @new_base (another CPU, or a base that went offline). Returns the base
 * it is to be queued on, locked.
 */
static __attribute__((noinline)) struct cw_timer_base *move_base(struct cw_timer *t,
								 struct cw_timer_base *base,
								 struct cw_timer_base *new_base,
								 unsigned mode)
{
	struct cw_system *sys = t->sys;
	struct cw_timer_wheel *w = sys->timer_wheel;

	for (;;) {
		if (base != new_base) {
			bool running =
				atomic_load_explicit(&base->running, memory_order_relaxed) == t;

			/* A running callback keeps its timer on its base (callbacks
			 * never overlap) unless the caller named the CPU or the base
			 * went offline; then delete_sync must also look at the old
			 * base (Lifetime rule 2). */
			if (!running || (mode & MOD_ON_CPU) || base->offline) {
				base = switch_base(t, base, new_base, running);
			}
		}
		if (!base->offline) {
			return base;
		}
		/* Hotplug rule 2: the chosen CPU is (going) offline. */
		new_base = get_base(w, live_cpu(sys, base->cpu), base->kind);
		if (new_base == base) {
			/* No CPU is online: cannot happen, the last one never goes down. */
			return base;
		}
	}
}

/*
 * Arm @t at @expires on the calling CPU (or on @cpu with MOD_ON_CPU).
 * Returns whether it was pending. The same-expiry and same-bucket cases of
 * a pending timer return early: the networking fast path.
 */
static inline __attribute__((always_inline)) int mod_timer(struct cw_timer *t, uint64_t expires,
							   unsigned mode, unsigned cpu)
{
	struct cw_system *sys = t->sys;
	struct cw_timer_wheel *w = sys->timer_wheel;
	struct cw_timer_base *base, *new_base;
	uint64_t now, bucket_expiry = 0, clk = 0;
	unsigned idx = WHEEL_SIZE;
	uint32_t f;
	int ret;

	assert_timer_ready(t);
	if (!(mode & MOD_ON_CPU) && pending_once(t)) {
		uint64_t cur = __atomic_load_n(&t->expires, __ATOMIC_RELAXED);

		/* Racy by design: a concurrent change makes either order valid. */
		if (cur == expires || ((mode & MOD_REDUCE) && cw_time_before_eq64(cur, expires))) {
			return 1;
		}
		now = wheel_now_seen(sys, w);
		prefetch_links(t);
		base = lock_timer_base(t);
		if (t->pprev && t->fn) {
			if ((mode & MOD_REDUCE) && cw_time_before_eq64(t->expires, expires)) {
				cw_spin_unlock(&base->lock);
				return 1;
			}
			forward_base(base, now);
			clk = base->clk;
			idx = calc_wheel_index(w, expires, clk, &bucket_expiry);
			/* Same bucket: only the expiry changes. Not while the base
			 * runs callbacks: the timer may sit on an expiry list whose
			 * bucket index equals the new one a rotation later. */
			if (idx == timer_idx(t) &&
			    !atomic_load_explicit(&base->running, memory_order_relaxed)) {
				__atomic_store_n(&t->expires, expires, __ATOMIC_RELAXED);
				cw__check_wheel_arm(t, now);
				unlock_base(sys, base);
				return 1;
			}
		}
	} else {
		if ((mode & MOD_PENDING_ONLY) && !pending_once(t)) {
			return 0;
		}
		now = wheel_now_seen(sys, w);
		base = lock_timer_base(t);
	}

	if (!t->fn || ((mode & MOD_PENDING_ONLY) && !t->pprev)) {
		/* Shut down (re-arms are discarded), or no longer pending. */
		cw_spin_unlock(&base->lock);
		return 0;
	}
	ret = detach_if_pending(base, t);

	f = t->flags;
	if (!(mode & MOD_ON_CPU)) {
		cpu = this_cpu(sys, w);
	}
	/* Re-armed on the CPU it is queued on (the usual case): the base is
	 * the one locked (same CPU, and the kind bits never change). */
	new_base = (f & TF_CPU_MASK) == cpu ? base : get_base(w, cpu, kind_of(f));
	if (cw_unlikely(base != new_base || base->offline)) {
		base = move_base(t, base, new_base, mode);
		idx = WHEEL_SIZE;
	}

	forward_base(base, now);
	if (idx == WHEEL_SIZE || clk != base->clk) {
		idx = calc_wheel_index(w, expires, base->clk, &bucket_expiry);
	}
	__atomic_store_n(&t->expires, expires, __ATOMIC_RELAXED);
	enqueue_timer(sys, base, t, idx, bucket_expiry);
	cw__check_wheel_arm(t, now);
	unlock_base(sys, base);
	return ret;
}

/*
 * Whether @t, about to be set up for @sys, is in use: set up and pending,
 * or its callback running on its base on another thread. Reads only the
 * timer's own memory, and a base of @sys when the timer belongs to it.
 */
static bool timer_in_use(const struct cw_timer *t, struct cw_system *sys)
{
	struct cw_timer_wheel *w = sys->timer_wheel;
	uint32_t f;

	if (__atomic_load_n(&t->magic, __ATOMIC_RELAXED) != TIMER_MAGIC) {
		return false;
	}
	if (pending_once(t)) {
		return true;
	}
	f = tflags(t);
	if (t->sys != sys || (f & TF_CPU_MASK) >= w->nr_cpus || current_callback == t) {
		return false;
	}
	if (f & TF_RUNMIG) {
		/* Its callback may run on a base it was moved off (Lifetime rule 2). */
		for (unsigned cpu = 0; cpu < w->nr_cpus; cpu++) {
			if (atomic_load_explicit(&get_base(w, cpu, kind_of(f))->running,
						 memory_order_relaxed) == t) {
				return true;
			}
		}
	}
	return atomic_load_explicit(&base_of(w, f)->running, memory_order_relaxed) == t;
}

int cw_timer_setup(struct cw_timer *timer, struct cw_system *sys, cw_timer_fn fn, unsigned flags)
{
	if (!timer || !sys || !fn || (flags & ~TF_USER_FLAGS) != 0) {
		return CW_EINVAL;
	}
	if (timer_in_use(timer, sys)) {
		/* Zeroing it would unlink it from its bucket behind the wheel's back. */
		return CW_EBUSY;
	}
	memset(timer, 0, sizeof(*timer));
	timer->sys = sys;
	timer->fn = fn;
	timer->expires = CW_TIMER_NEVER;
	timer->flags = (flags & TF_USER_FLAGS) | this_cpu(sys, sys->timer_wheel);
	timer->magic = TIMER_MAGIC;
	return 0;
}

/*
 * mod_timer() is inline in cw_timer_mod(), the hot call (its mode is known
 * there, and the call and register saves go); the other entry points share
 * this one out-of-line copy, to keep the code size.
 */
static __attribute__((noinline)) int mod_timer_outline(struct cw_timer *t, uint64_t expires,
						       unsigned mode, unsigned cpu)
{
	return mod_timer(t, expires, mode, cpu);
}

int cw_timer_mod(struct cw_timer *timer, uint64_t expires_jiffies)
{
	return mod_timer(timer, expires_jiffies, 0, 0);
}

int cw_timer_mod_pending(struct cw_timer *timer, uint64_t expires_jiffies)
{
	return mod_timer_outline(timer, expires_jiffies, MOD_PENDING_ONLY, 0);
}

int cw_timer_reduce(struct cw_timer *timer, uint64_t expires_jiffies)
{
	return mod_timer_outline(timer, expires_jiffies, MOD_REDUCE, 0);
}

int cw_timer_add_on(struct cw_timer *timer, uint64_t expires_jiffies, unsigned cpu)
{
	assert_timer_ready(timer);
	/* Checked in every build: a bad CPU would index past the bases. An
	 * offline one would strand the timer (Hotplug rule 1). */
	if (cpu >= timer->sys->timer_wheel->nr_cpus || !cw_cpu_online(timer->sys, cpu)) {
		return CW_EINVAL;
	}
	return mod_timer_outline(timer, expires_jiffies, MOD_ON_CPU, cpu);
}

int cw_timer_mod_ns(struct cw_timer *timer, uint64_t delay_ns)
{
	uint64_t tick = timer->sys->tick_nsec;
	uint64_t j = delay_ns / tick + (delay_ns % tick != 0);

	assert_timer_ready(timer);
	if (j > REL_MAX_JIFFIES) {
		j = REL_MAX_JIFFIES;
	}
	return mod_timer_outline(timer, wheel_now(timer->sys) + j, 0, 0);
}

int cw_timer_mod_ms(struct cw_timer *timer, uint64_t delay_ms)
{
	uint64_t ns =
		delay_ms > UINT64_MAX / CW_NSEC_PER_MSEC ? UINT64_MAX : delay_ms * CW_NSEC_PER_MSEC;

	return cw_timer_mod_ns(timer, ns);
}

/* ------------------------------------------------------------------------
 * Deleting
 */

static int delete_timer(struct cw_timer *t, bool shutdown)
{
	struct cw_timer_base *base;
	int ret;

	assert_timer_ready(t);
	if (!shutdown && !pending_once(t)) {
		return 0;
	}
	prefetch_links(t);
	base = lock_timer_base(t);
	ret = detach_if_pending(base, t);
	if (shutdown) {
		t->fn = NULL;
	}
	unlock_base(t->sys, base);
	return ret;
}

int cw_timer_del(struct cw_timer *timer)
{
	return delete_timer(timer, false);
}

int cw_timer_shutdown(struct cw_timer *timer)
{
	return delete_timer(timer, true);
}

static void wait_not_running(struct cw_timer_base *b, const struct cw_timer *t)
{
	/* Pairs with the release store of running after the callback. */
	while (atomic_load_explicit(&b->running, memory_order_acquire) == t) {
		cw_cpu_relax();
	}
}

/* Lifetime rule 2: the callback may still run on a base it was moved off. */
static void wait_all_bases(struct cw_timer_wheel *w, const struct cw_timer *t, unsigned kind)
{
	for (unsigned cpu = 0; cpu < w->nr_cpus; cpu++) {
		wait_not_running(get_base(w, cpu, kind), t);
	}
}

static int delete_sync(struct cw_timer *t, bool shutdown)
{
	struct cw_timer_wheel *w = t->sys->timer_wheel;
	int ret = 0;

	assert_timer_ready(t);
	for (;;) {
		struct cw_timer_base *base = lock_timer_base(t);
		bool running, runmig;

		ret |= detach_if_pending(base, t);
		if (shutdown) {
			t->fn = NULL;
		}
		running = atomic_load_explicit(&base->running, memory_order_relaxed) == t;
		runmig = (t->flags & TF_RUNMIG) != 0;
		if (runmig && !running) {
			set_tflags(t, t->flags & ~TF_RUNMIG);
		}
		unlock_base(t->sys, base);
		if (current_callback == t) {
			/* Called from its own callback: waiting would never end. */
			CW_WARN_ON_ONCE(t->sys, current_callback == t);
			return ret;
		}
		if (runmig) {
			wait_all_bases(w, t, kind_of(t->flags));
		}
		if (!running) {
			return ret;
		}
		wait_not_running(base, t);
	}
}

int cw_timer_del_sync(struct cw_timer *timer)
{
	return delete_sync(timer, false);
}

int cw_timer_shutdown_sync(struct cw_timer *timer)
{
	return delete_sync(timer, true);
}

bool cw_timer_pending(const struct cw_timer *timer)
{
	return pending_once(timer);
}

uint64_t cw_timer_expires(const struct cw_timer *timer)
{
	return __atomic_load_n(&timer->expires, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------------
 * Expiry
 */

/*
 * Move every bucket due at base->clk onto the expiry lists @heads (the
 * timers stay "pending", linked to the list head). Returns the count.
 */
static unsigned collect_expired(struct cw_timer_base *b, struct cw_timer **heads)
{
	uint64_t clk = b->clk;
	unsigned levels = 0;

	for (unsigned lvl = 0; lvl < b->depth; lvl++) {
		unsigned idx = (unsigned)(clk & LVL_MASK) + LVL_OFFS(lvl);

		if (map_test(b, idx)) {
			struct cw_timer *first = b->vectors[idx];

			map_clear(b, idx);
			b->vectors[idx] = NULL;
			heads[levels] = first;
			set_pprev(first, &heads[levels]);
			levels++;
		}
		/* Level lvl+1 is due only when this level's clock is a multiple of 8. */
		if (clk & LVL_CLK_MASK) {
			break;
		}
		clk >>= LVL_CLK_SHIFT;
	}
	return levels;
}

static void expire_list(struct cw_timer_base *b, struct cw_timer **head, uint64_t now)
{
	struct cw_timer *t;

	while ((t = *head) != NULL) {
		cw_timer_fn fn = t->fn;

		atomic_store_explicit(&b->running, t, memory_order_relaxed);
		unlink_timer(t);
		cw_spin_unlock(&b->lock);

		current_callback = t;
		cw__check_wheel_expire(t, now);
		fn(t);
		current_callback = NULL;

		cw_spin_lock(&b->lock);
		/* The timer may be gone: only the base is touched from here.
		 * Pairs with the acquire load in wait_not_running(). */
		atomic_store_explicit(&b->running, NULL, memory_order_release);
	}
}

/*
 * Expire what is due on @b at @now. A global or deferrable base whose lock
 * stays held beyond a brief spin (the holder may be an application thread
 * its host preempted; see the top) is left as it is: its timers stay
 * due, and the next tick (or the migration hierarchy's next pass) runs it.
 */
static void run_base(struct cw_system *sys, struct cw_timer_base *b, uint64_t now)
{
	struct cw_timer *heads[LVL_DEPTH_MAX];

	if (cw_time_before64(now, __atomic_load_n(&b->next_expiry, __ATOMIC_RELAXED))) {
		return;
	}
	if (b->kind == CW_TIMER_BASE_LOCAL) {
		cw_spin_lock(&b->lock);
	} else if (!cw_spin_lock_patient(&b->lock)) {
		return;
	}
	update_next_expiry(b);
	if (!b->timers_pending) {
		/* Empty, its clock left 2^31 jiffies behind: catch up. */
		forward_base(b, now);
	}
	while (b->timers_pending && cw_time_after_eq64(now, b->next_expiry)) {
		unsigned levels;

		/* Jump over the empty stretch: next_expiry >= clk always. */
		b->clk = b->next_expiry;
		levels = collect_expired(b, heads);
		b->clk++;
		recalc_next_expiry(b);
		while (levels--) {
			expire_list(b, &heads[levels], now);
		}
		update_next_expiry(b);
	}
	unlock_base(sys, b);
}

void cw__timer_run_at(struct cw_system *sys, unsigned cpu, uint64_t now_jiffies)
{
	struct cw_timer_wheel *w = sys->timer_wheel;

	CW_ASSERT(cpu < w->nr_cpus);
	/* The common tick: nothing due on any base (three relaxed loads). */
	if (!cw__timer_pending_due(sys, cpu, now_jiffies)) {
		return;
	}
	for (unsigned k = 0; k < CW_TIMER_NR_BASES; k++) {
		run_base(sys, get_base(w, cpu, k), now_jiffies);
	}
}

void cw__timer_run_local(struct cw_system *sys, unsigned cpu)
{
	cw__timer_run_at(sys, cpu, wheel_now(sys));
}

void cw__timer_expire_remote(struct cw_system *sys, unsigned cpu, uint64_t now_jiffies)
{
	run_base(sys, get_base(sys->timer_wheel, cpu, CW_TIMER_BASE_GLOBAL), now_jiffies);
}

bool cw__timer_pending_due(struct cw_system *sys, unsigned cpu, uint64_t now_jiffies)
{
	struct cw_timer_wheel *w = sys->timer_wheel;

	for (unsigned k = 0; k < CW_TIMER_NR_BASES; k++) {
		if (cw_time_after_eq64(
			    now_jiffies,
			    __atomic_load_n(&get_base(w, cpu, k)->next_expiry, __ATOMIC_RELAXED))) {
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------------------
 * NO_HZ support
 */

static uint64_t next_locked(struct cw_timer_base *b, uint64_t basej)
{
	uint64_t next;

	cw_lockdep_assert_held(&b->lock);

	update_next_expiry(b);
	if (!b->timers_pending) {
		return CW_TIMER_NEXT_NONE;
	}
	next = cw_time_before64(b->next_expiry, basej) ? basej : b->next_expiry;
	/* A real event at jiffy 2^64 - 1 would read as "none": report it one
	 * jiffy early (an early wakeup that finds it not yet due is harmless). */
	return next == CW_TIMER_NEXT_NONE ? next - 1u : next;
}

/* The earlier of two reported events (CW_TIMER_NEXT_NONE: none). */
static uint64_t earlier_event(uint64_t a, uint64_t b)
{
	if (a == CW_TIMER_NEXT_NONE) {
		return b;
	}
	if (b == CW_TIMER_NEXT_NONE) {
		return a;
	}
	return cw_time_before_eq64(a, b) ? a : b;
}

/*
 * The idle entry or exit of @cpu found a global or deferrable base locked
 * beyond a brief spin ("The CPU does not wait for an arming thread").
 * Entry: report an event at the next jiffy, so the CPU keeps its tick and
 * looks again then; no base is marked idle. Exit: only the idle marks must
 * go, and they may go without the lock (a thread that still reads one set
 * kicks the CPU once for nothing); the bases' clocks move forward when
 * they are next armed or run.
 */
static uint64_t idle_busy(struct cw_system *sys, unsigned cpu, uint64_t basej,
			  struct cw_timer_next *out, int idle)
{
	struct cw_timer_wheel *w = sys->timer_wheel;

	if (idle == 0) {
		for (unsigned k = 0; k < CW_TIMER_NR_BASES; k++) {
			__atomic_store_n(&get_base(w, cpu, k)->is_idle, false, __ATOMIC_RELAXED);
		}
		return CW_TIMER_NEXT_NONE;
	}
	if (out) {
		out->local = basej + 1u;
		out->global = out->deferrable = CW_TIMER_NEXT_NONE;
	}
	return basej + 1u;
}

static uint64_t next_expiry_common(struct cw_system *sys, unsigned cpu, uint64_t basej,
				   struct cw_timer_next *out, int idle)
{
	struct cw_timer_wheel *w = sys->timer_wheel;
	struct cw_timer_next n;

	CW_ASSERT(cpu < w->nr_cpus);
	/* Lock order: LOCAL, GLOBAL, DEF of one CPU. */
	for (unsigned k = 0; k < CW_TIMER_NR_BASES; k++) {
		struct cw_spinlock *l = &get_base(w, cpu, k)->lock;

		if (idle < 0 || k == CW_TIMER_BASE_LOCAL) {
			cw_spin_lock(l);
		} else if (!cw_spin_lock_brief(l)) {
			/* An arming thread holds it (see "The CPU does not wait..."): tick on. */
			while (k-- > 0) {
				cw_spin_unlock(&get_base(w, cpu, k)->lock);
			}
			return idle_busy(sys, cpu, basej, out, idle);
		}
	}
	for (unsigned k = 0; k < CW_TIMER_NR_BASES; k++) {
		struct cw_timer_base *b = get_base(w, cpu, k);

		update_next_expiry(b);
		if (idle >= 0) {
			forward_base(b, basej);
			if (k != CW_TIMER_BASE_DEF) {
				__atomic_store_n(&b->is_idle, idle != 0, __ATOMIC_RELAXED);
			}
		}
	}
	n.local = next_locked(get_base(w, cpu, CW_TIMER_BASE_LOCAL), basej);
	n.global = next_locked(get_base(w, cpu, CW_TIMER_BASE_GLOBAL), basej);
	n.deferrable = next_locked(get_base(w, cpu, CW_TIMER_BASE_DEF), basej);
	for (unsigned k = CW_TIMER_NR_BASES; k-- > 0;) {
		unlock_base(sys, get_base(w, cpu, k));
	}
	if (out) {
		*out = n;
	}
	return earlier_event(n.local, n.global);
}

uint64_t cw__timer_next_expiry(struct cw_system *sys, unsigned cpu, uint64_t basej,
			       struct cw_timer_next *out)
{
	return next_expiry_common(sys, cpu, basej, out, -1);
}

uint64_t cw__timer_idle_enter(struct cw_system *sys, unsigned cpu, uint64_t basej,
			      struct cw_timer_next *out)
{
	return next_expiry_common(sys, cpu, basej, out, 1);
}

void cw__timer_idle_exit(struct cw_system *sys, unsigned cpu, uint64_t now_jiffies)
{
	next_expiry_common(sys, cpu, now_jiffies, NULL, 0);
}

void cw__timer_forward(struct cw_system *sys, unsigned cpu, uint64_t now_jiffies)
{
	struct cw_timer_wheel *w = sys->timer_wheel;

	for (unsigned k = 0; k < CW_TIMER_NR_BASES; k++) {
		struct cw_timer_base *b = get_base(w, cpu, k);

		cw_spin_lock(&b->lock);
		update_next_expiry(b);
		forward_base(b, now_jiffies);
		unlock_base(sys, b);
	}
}

/* ------------------------------------------------------------------------
 * CPU hotplug
 */

/*
 * Move every timer of @old (the dead CPU's base) to @new (both locked),
 * keeping its expiry: each is queued anew relative to @new's clock, so one
 * that came due meanwhile runs at @new's next expiry, never early.
 */
static void migrate_base(struct cw_system *sys, struct cw_timer_base *old,
			 struct cw_timer_base *new, uint64_t now)
{
	struct cw_timer_wheel *w = sys->timer_wheel;
	struct cw_timer *running = atomic_load_explicit(&old->running, memory_order_relaxed);

	update_next_expiry(new);
	forward_base(new, now);
	for (unsigned idx = 0; idx < WHEEL_SIZE; idx++) {
		struct cw_timer *t;

		while ((t = old->vectors[idx]) != NULL) {
			uint32_t f = t->flags & ~(TF_CPU_MASK | TF_IDX_MASK);
			uint64_t bucket_expiry;
			unsigned nidx;

			unlink_timer(t);
			if (t == running) {
				/* Its callback still runs there (Lifetime rule 2). */
				f |= TF_RUNMIG;
			}
			/* Both locks are held: lock_timer_base() re-checks the flags. */
			set_tflags(t, f | new->cpu);
			nidx = calc_wheel_index(w, t->expires, new->clk, &bucket_expiry);
			enqueue_timer(sys, new, t, nidx, bucket_expiry);
		}
	}
	memset(old->pending_map, 0, sizeof(old->pending_map));
	old->timers_pending = false;
	old->next_expiry_recalc = false;
	__atomic_store_n(&old->is_idle, false, __ATOMIC_RELAXED);
	__atomic_store_n(&old->next_expiry, old->clk + NEXT_NONE_DELTA, __ATOMIC_RELAXED);
}

void cw__timer_cpu_dead(struct cw_system *sys, unsigned cpu)
{
	struct cw_timer_wheel *w = sys->timer_wheel;
	uint64_t now = wheel_now(sys);

	for (unsigned k = 0; k < CW_TIMER_NR_BASES; k++) {
		struct cw_timer_base *old = get_base(w, cpu, k), *new;

		/* Hotplug rule 3: lock the target first, and never an offline one. */
		for (;;) {
			unsigned target = live_cpu(sys, cpu);

			if (target == cpu) {
				return;
			}
			new = get_base(w, target, k);
			cw_spin_lock(&new->lock);
			if (!new->offline) {
				break;
			}
			cw_spin_unlock(&new->lock);
			cw_cpu_relax();
		}
		cw_spin_lock(&old->lock);
		migrate_base(sys, old, new, now);
		old->offline = true;
		unlock_base(sys, old);
		unlock_base(sys, new);
	}
}

void cw__timer_cpu_up(struct cw_system *sys, unsigned cpu)
{
	struct cw_timer_wheel *w = sys->timer_wheel;
	uint64_t now = wheel_now(sys);

	for (unsigned k = 0; k < CW_TIMER_NR_BASES; k++) {
		struct cw_timer_base *b = get_base(w, cpu, k);

		cw_spin_lock(&b->lock);
		b->offline = false;
		__atomic_store_n(&b->is_idle, false, __ATOMIC_RELAXED);
		update_next_expiry(b);
		forward_base(b, now);
		unlock_base(sys, b);
	}
}

void cw__timer_set_kick(struct cw_system *sys, cw_timer_kick_fn kick)
{
	atomic_store_explicit(&sys->timer_wheel->kick, kick, memory_order_relaxed);
}

void cw__timer_set_global_hook(struct cw_system *sys, cw_timer_global_hook_fn hook)
{
	atomic_store_explicit(&sys->timer_wheel->global_hook, hook, memory_order_relaxed);
}

void cw__timer_next_remote(struct cw_system *sys, unsigned cpu, uint64_t basej, cw_timer_next_fn fn,
			   void *arg)
{
	struct cw_timer_wheel *w = sys->timer_wheel;
	struct cw_timer_base *local = get_base(w, cpu, CW_TIMER_BASE_LOCAL);
	struct cw_timer_base *global = get_base(w, cpu, CW_TIMER_BASE_GLOBAL);
	struct cw_timer_next n;

	CW_ASSERT(cpu < w->nr_cpus);
	/* Lock order: LOCAL, then GLOBAL of one CPU (as next_expiry_common()). */
	cw_spin_lock(&local->lock);
	n.local = next_locked(local, basej);
	n.deferrable = CW_TIMER_NEXT_NONE;
	if (!cw_spin_lock_brief(&global->lock)) {
		/* An arming thread holds it (see the top). Report the earliest
		 * event it can still have, the next jiffy, so the hierarchy looks
		 * again then; an arm that slips in meanwhile finds the pull in
		 * progress and leaves its event to that next look. */
		n.global = basej + 1u;
		fn(sys, cpu, &n, arg);
		unlock_base(sys, local);
		return;
	}
	n.global = next_locked(global, basej);
	fn(sys, cpu, &n, arg);
	unlock_base(sys, global);
	unlock_base(sys, local);
}

void cw__timer_test_set_jiffies(struct cw_system *sys, uint64_t now_jiffies)
{
	struct cw_timer_wheel *w = sys->timer_wheel;

	atomic_store_explicit(&w->test_jiffies, now_jiffies, memory_order_relaxed);
	if (atomic_exchange_explicit(&w->test_clock, true, memory_order_relaxed)) {
		return;
	}
	/* The first call starts the test clock anywhere, also before the
	 * system's jiffies: empty bases start there (clocks never move back
	 * otherwise). */
	for (unsigned cpu = 0; cpu < w->nr_cpus; cpu++) {
		for (unsigned k = 0; k < CW_TIMER_NR_BASES; k++) {
			struct cw_timer_base *b = get_base(w, cpu, k);

			cw_spin_lock(&b->lock);
			update_next_expiry(b);
			if (!b->timers_pending) {
				b->clk = now_jiffies;
				__atomic_store_n(&b->next_expiry, now_jiffies + NEXT_NONE_DELTA,
						 __ATOMIC_RELAXED);
			}
			cw_spin_unlock(&b->lock);
		}
	}
}

unsigned cw__timer_base_cpu(const struct cw_timer *t)
{
	return t->flags & TF_CPU_MASK;
}

uint64_t cw__timer_level_gran(unsigned lvl)
{
	return LVL_GRAN(lvl);
}

unsigned cw__timer_levels(unsigned hz)
{
	return hz > 100 ? 9u : 8u;
}

uint64_t cw__timer_max_timeout(unsigned hz)
{
	unsigned depth = cw__timer_levels(hz);

	return LVL_START(depth) - LVL_GRAN(depth - 1);
}

uint64_t cw__timer_base_clk(struct cw_system *sys, unsigned cpu, enum cw_timer_base_kind kind)
{
	struct cw_timer_base *b = get_base(sys->timer_wheel, cpu, kind);
	uint64_t clk;

	cw_spin_lock(&b->lock);
	clk = b->clk;
	cw_spin_unlock(&b->lock);
	return clk;
}

/* ------------------------------------------------------------------------
 * Checker
 */

static int report_fail(char *report, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int report_fail(char *report, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (report && len) {
		va_start(ap, fmt);
		vsnprintf(report, len, fmt, ap);
		va_end(ap);
	}
	return CW_EINVAL;
}

/* When bucket @idx is next collected: the first j >= clk with j a multiple
 * of the level granularity and (j >> shift) & 63 == the bucket's slot. */
static uint64_t bucket_due(const struct cw_timer_base *b, unsigned idx)
{
	unsigned lvl = idx / LVL_SIZE, slot = idx % LVL_SIZE;
	uint64_t gran = LVL_GRAN(lvl);
	uint64_t lc = (b->clk + gran - 1) >> LVL_SHIFT(lvl);
	uint64_t k = lc + ((slot - (unsigned)(lc & LVL_MASK)) & LVL_MASK);

	return k << LVL_SHIFT(lvl);
}

static int check_bucket(const struct cw_timer_base *b, unsigned idx, char *report, size_t len)
{
	struct cw_timer *const *link = &b->vectors[idx];
	unsigned n = 0;

	for (struct cw_timer *t = *link; t; link = &t->next, t = t->next) {
		uint32_t f = t->flags;

		if (t->pprev != link) {
			return report_fail(report, len,
					   "cpu %u base %u bucket %u: bad pprev of timer %u",
					   b->cpu, b->kind, idx, n);
		}
		if (timer_idx(t) != idx || (f & TF_CPU_MASK) != b->cpu || kind_of(f) != b->kind ||
		    (f & TF_MIGRATING)) {
			return report_fail(
				report, len,
				"cpu %u base %u bucket %u: timer flags 0x%x do not match", b->cpu,
				b->kind, idx, (unsigned)f);
		}
		if (!t->fn || t->magic != TIMER_MAGIC) {
			return report_fail(
				report, len,
				"cpu %u base %u bucket %u: queued timer shut down or not set up",
				b->cpu, b->kind, idx);
		}
		if (++n > 100000000u) {
			return report_fail(report, len, "cpu %u base %u bucket %u: loop", b->cpu,
					   b->kind, idx);
		}
	}
	return 0;
}

static int check_base_locked(const struct cw_timer_base *b, char *report, size_t len)
{
	uint64_t first = 0;
	bool found = false;
	int ret;

	cw_lockdep_assert_held(&b->lock);

	for (unsigned idx = 0; idx < WHEEL_SIZE; idx++) {
		bool has = b->vectors[idx] != NULL;

		if (has != map_test(b, idx)) {
			return report_fail(report, len,
					   "cpu %u base %u: bitmap bit %u is %d, bucket %s", b->cpu,
					   b->kind, idx, map_test(b, idx), has ? "full" : "empty");
		}
		if (has && idx >= LVL_OFFS(b->depth)) {
			return report_fail(report, len, "cpu %u base %u: bucket %u beyond depth %u",
					   b->cpu, b->kind, idx, b->depth);
		}
		if (has && b->offline) {
			return report_fail(report, len, "cpu %u base %u: offline base holds timers",
					   b->cpu, b->kind);
		}
		if (!has) {
			continue;
		}
		ret = check_bucket(b, idx, report, len);
		if (ret) {
			return ret;
		}
		/* Bucket expiries lie within 2^30 jiffies after clk: wrap-safe order. */
		if (!found || cw_time_before64(bucket_due(b, idx), first)) {
			first = bucket_due(b, idx);
			found = true;
		}
	}
	if (!found) {
		if (!b->next_expiry_recalc && b->timers_pending) {
			return report_fail(report, len,
					   "cpu %u base %u: timers_pending set on an empty base",
					   b->cpu, b->kind);
		}
		return 0;
	}
	if (!b->timers_pending || (b->next_expiry_recalc ? cw_time_after64(b->next_expiry, first)
							 : b->next_expiry != first)) {
		return report_fail(
			report, len,
			"cpu %u base %u: next_expiry %llu (pending %d), slow scan %llu (recalc %d, clk %llu)",
			b->cpu, b->kind, (unsigned long long)b->next_expiry, b->timers_pending,
			(unsigned long long)first, b->next_expiry_recalc,
			(unsigned long long)b->clk);
	}
	return 0;
}

static void check_base_or_die(struct cw_system *sys, struct cw_timer_base *b)
{
	char report[160];

	if (check_base_locked(b, report, sizeof(report))) {
		cw__log(sys, CW_LOG_ERR, "timer: corrupt wheel: %s", report);
		cw_bug("timer wheel check failed");
	}
}

int cw__timer_check_base(struct cw_system *sys, unsigned cpu, enum cw_timer_base_kind kind,
			 char *report, size_t len)
{
	struct cw_timer_base *b = get_base(sys->timer_wheel, cpu, kind);
	int ret;

	cw_spin_lock(&b->lock);
	ret = check_base_locked(b, report, len);
	cw_spin_unlock(&b->lock);
	return ret;
}

int cw_timer_check(struct cw_system *sys, char *report, size_t len)
{
	for (unsigned cpu = 0; cpu < sys->timer_wheel->nr_cpus; cpu++) {
		for (unsigned k = 0; k < CW_TIMER_NR_BASES; k++) {
			int ret = cw__timer_check_base(sys, cpu, k, report, len);

			if (ret) {
				return ret;
			}
		}
	}
	if (report && len) {
		report[0] = '\0';
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Setup
 */

int cw__timer_init(struct cw_system *sys)
{
	struct cw_timer_wheel *w = calloc(1, sizeof(*w));
	size_t bytes = sizeof(struct cw_timer_cpu) * sys->nr_cpus;

	if (!w) {
		return CW_ENOMEM;
	}
	w->cpus = aligned_alloc(CW_CACHELINE_BYTES, bytes);
	if (!w->cpus) {
		free(w);
		return CW_ENOMEM;
	}
	memset(w->cpus, 0, bytes);
	w->nr_cpus = sys->nr_cpus;
	w->depth = cw__timer_levels(sys->hz);
	w->cutoff = LVL_START(w->depth);
	w->max_timeout = cw__timer_max_timeout(sys->hz);
	for (unsigned cpu = 0; cpu < w->nr_cpus; cpu++) {
		for (unsigned k = 0; k < CW_TIMER_NR_BASES; k++) {
			struct cw_timer_base *b = get_base(w, cpu, k);

			/* One host thread (the sim): a plain load and store per lock. */
			cw_spin_init(&b->lock, sys->port->one_thread);
			b->cpu = cpu;
			b->kind = k;
			b->depth = w->depth;
			/* Start at the system's jiffies (wherever the configuration
			 * placed them): the clocks are compared wrap-safely. */
			b->clk = cw__jiffies_raw(sys);
			b->next_expiry = b->clk + NEXT_NONE_DELTA;
		}
	}
	sys->timer_wheel = w;
	return 0;
}

size_t cw__timer_cpu_bytes(void)
{
	return sizeof(struct cw_timer_cpu);
}

void cw__timer_fini(struct cw_system *sys)
{
	struct cw_timer_wheel *w = sys->timer_wheel;

	if (!w) {
		return;
	}
	free(w->cpus);
	free(w);
	sys->timer_wheel = NULL;
}
