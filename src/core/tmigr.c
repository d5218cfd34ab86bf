// SPDX-License-Identifier: MIT
/*
 * Timer migration: the hierarchical pull model (Linux's timer_migration.c
 * since 6.9, with the 6.19 NUMA and isolation changes; reference section 7;
 * our own implementation).
 *
 * Model
 * -----
 * Wheel timers are always queued on the arming CPU. Pinned ones sit on its
 * LOCAL base and are always expired there; the others sit on its GLOBAL
 * base and may be expired by any CPU. A busy CPU expires both. A CPU going
 * idle (cw__tmigr_cpu_deactivate(), from the NO_HZ stop path) arms for its
 * first local event and hands its first global event up the hierarchy only
 * when it comes before the local one. A busy CPU that is the "migrator" of
 * a group checks from its tick (cw__tmigr_requires_handle_remote(), a few
 * relaxed loads) whether an idle child's event is due, and then pulls it
 * in its soft work (cw__tmigr_handle_remote()): it runs that CPU's GLOBAL
 * base here and requeues the CPU's next global event. The last CPU to go
 * idle gets the system's first global event back and arms for it, so no
 * event is lost when nobody is busy.
 *
 * Topology
 * --------
 * Groups of 8 children. Level 0 groups hold CPUs; a group of level n > 0
 * holds groups of level n - 1. The number of levels is fixed at creation
 * from the topology the system was created with (every possible CPU and
 * its NUMA node): ceil(log8(CPUs of the largest node)) levels per node,
 * then ceil(log8(nodes)) cross-node levels; the cross-node level is the
 * first whose groups mix nodes. Groups are created when their first CPU
 * comes up (cpu_prepare) and never destroyed; every CPU's chain reaches
 * the single top group, so the tree is balanced whichever node's CPU comes
 * first (Linux 6.19's "imbalanced NUMA trees" fix).
 *
 * Group state
 * -----------
 * One 32-bit atomic word per group: the bitmap of active children, the
 * migrator (one child's bit, or NONE) and a 16-bit sequence number. It is
 * changed by compare-and-swap only, and every change increments seq. The
 * sequence number prevents a lost update: a CPU going idle reads the parent
 * word and its child group's word (idle), then a CPU of that child group
 * activates and sets the child's bit in the parent, which was already set
 * (the word's value does not change but for seq); without seq the idle
 * CPU's CAS would succeed on the stale value and clear the bit of a group
 * that is active again (tests/unit/test_tmigr.c drives this step by step).
 *
 * Events
 * ------
 * Every child owns one event (a CPU its cpuevt, a group its groupevt) that
 * sits in its parent's slot array (the group's queue of at most 8). An
 * event's expiry is written under the parent group's lock; "ignore" is set
 * without a lock by a child that becomes active, so the busy path takes no
 * lock at all, and an ignored event is dropped the next time the queue is
 * read under the lock. group->next_expiry caches the first non-ignored
 * event; it is read locklessly by the tick's test (stale early at worst:
 * the soft work then finds nothing due).
 *
 * Walks
 * -----
 * Activation goes up while the child becomes a group's migrator (lock-free).
 * Deactivation clears the child's bit and, where it was the migrator, hands
 * the role to the lowest active bit; it goes up only while a group is left
 * with no active child, updating each group's events on the way (child lock
 * then parent lock). A new global timer on an idle CPU (the wheel's global
 * hook) and the requeue after a remote expiry update the events upwards
 * until a group that has a migrator. A walk that reaches an idle top group
 * returns the system's first event: the duty of the last idle CPU.
 *
 * Locking rules
 * -------------
 *  1. Order: wheel base locks (LOCAL, GLOBAL of one CPU) -> tmc->lock ->
 *     group locks, child before parent. Nothing here takes a base lock.
 *  2. tmc->lock covers a CPU's idle/available/remote flags; cpuevt's
 *     expiry is also written under its level-0 group's lock.
 *  3. The state words take no lock; the slot arrays, next_expiry (writes)
 *     and the events' expiries are under the group's lock.
 *  4. The group tree changes only under tm->setup_lock, from the hotplug
 *     prepare step (one controlling thread); a new group is linked into its
 *     parent's slots under the parent's lock and reached only from there
 *     or from its CPU, which is not online yet.
 *
 * Hotplug and isolation
 * ---------------------
 * A CPU going down leaves the hierarchy on itself (cpu_dying): it becomes
 * unavailable and inactive; if that made it the last one and global events
 * remain, it kicks an available online CPU, which wakes, activates and on
 * its next idle entry takes the duty. The wheel's dead step then moves the
 * CPU's timers to a live CPU (the global hook sees them there). Isolated
 * CPUs (cw_system_config.cpu_isolated) never join: their global timers run
 * where they are queued, and they never pull anyone's.
 */
#include <clockwork/tmigr.h>

#include <clockwork/cpu.h>
#include <clockwork/system.h>
#include <clockwork/timer.h>

#include "system-internal.h"
#include "cpu-internal.h"
#include "timer-internal.h"
#include "tmigr-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHILDREN CW_TMIGR_CHILDREN_PER_GROUP
#define NONE     CW_TMIGR_NONE
#define NO_EVENT CW_TIMER_NEXT_NONE
#define NO_NODE  UINT32_MAX
#define NO_CPU   UINT32_MAX

CW_BUILD_ASSERT((CHILDREN & (CHILDREN - 1u)) == 0 && CHILDREN <= 8u,
		"children per group: a power of two that fits the 8-bit maps");

/** A child's event in its parent's queue. */
struct tmigr_event {
	/** First global expiry (jiffies), or NO_EVENT; written under the parent's lock. */
	_Atomic uint64_t expires;
	/** The child is active: skip (and drop) this event. Set locklessly. */
	_Atomic bool ignore;
	/** CPU whose global base holds that first timer. */
	_Atomic unsigned cpu;
};

struct tmigr_group {
	/** Active bitmap, migrator, seq (see the file comment). */
	_Alignas(CW_CACHELINE_BYTES) _Atomic uint32_t state;
	/** Lowest non-ignored expiry among the slots, or NO_EVENT (lockless reads). */
	_Atomic uint64_t next_expiry;
	struct cw_spinlock lock;
	/** Parent group, NULL for the top. Fixed at creation. */
	struct tmigr_group *parent;
	/** This group's bit in the parent's words. */
	unsigned childmask;
	unsigned level;
	/** NUMA node, or NO_NODE at and above the cross-node level. */
	uint32_t node;
	/** Capacity class of its tree (0 unless one hierarchy per class). */
	unsigned klass;
	/** Children linked so far (under the lock). */
	unsigned num_children;
	/** This group's event in its parent's queue. */
	struct tmigr_event groupevt;
	/** The children's events: the group's queue, under the lock. */
	struct tmigr_event *slot[CHILDREN];
	/** The child groups (level > 0) or NULL; for the tree and the checker. */
	struct tmigr_group *child_group[CHILDREN];
	/** The child CPUs (level 0). */
	unsigned child_cpu[CHILDREN];
	/** Creation index (tree output). */
	unsigned index;
	/** Copy of cw_system_config.tmigr_one_duty_holder. */
	bool one_holder;
	/** Next group of the same level (creation order). */
	struct tmigr_group *next;
	/**
	 * Top group only, under its lock: the idle CPU that armed for the
	 * tree's first event as the last idle CPU (NO_CPU: none), and that
	 * event. Another CPU going idle last takes the duty only for an earlier
	 * event, so the idle CPUs do not all keep waking for the same events.
	 */
	unsigned duty_cpu;
	uint64_t duty_exp;
};

struct tmigr_cpu {
	_Alignas(CW_CACHELINE_BYTES) struct cw_spinlock lock;
	unsigned id;
	/** In the hierarchy: online and not isolated. */
	bool available;
	/** Deactivated (idle as far as the hierarchy knows). */
	bool idle;
	/** A migrator is running this CPU's global base right now. */
	bool remote;
	bool isolated;
	/** Groups exist for it. */
	bool set_up;
	/** Level-0 group and this CPU's bit in it. */
	struct tmigr_group *group;
	unsigned childmask;
	uint32_t node;
	/** Capacity class (its tree, with one hierarchy per class). */
	unsigned klass;
	/** Jiffy the CPU must wake for as the last idle CPU, or NO_EVENT. */
	_Atomic uint64_t wakeup;
	/**
	 * Jiffy its last idle entry told the tick layer to wake at (it wakes
	 * no later), or NO_EVENT (awake, or nothing): for the checker, which
	 * counts a global timer not handed up as covered by it.
	 */
	_Atomic uint64_t armed;
	/**
	 * Kicked to take the last idle CPU's duty (the IPI may be in flight);
	 * cleared when it next enters or leaves idle. For the checker: such a
	 * CPU is about to wake and re-plan its sleep.
	 */
	_Atomic bool kicked;
	/** Its top group names it as the duty holder (under tmc->lock). */
	bool holds_duty;
	/** Copy of cw_system_config.tmigr_one_duty_holder. */
	bool one_holder;
	/** Top group of its tree. */
	struct tmigr_group *top;
	struct tmigr_event cpuevt;
};

struct cw_tmigr {
	unsigned nr_cpus;
	unsigned levels;
	unsigned crossnode_level;
	unsigned nr_nodes;
	unsigned nr_isolated;
	/** Separate trees (capacity classes with cw_system_config.tmigr_per_class; else 1). */
	unsigned nr_trees;
	/** cw_system_config.tmigr_one_duty_holder: top groups keep their duty holder. */
	bool one_duty_holder;
	unsigned nr_groups;
	struct tmigr_cpu *cpus;
	/** First group of each level (levels entries). */
	struct tmigr_group **level_first;
	struct cw_spinlock setup_lock;
	_Atomic uint64_t deactivations, activations, remote_runs, duties, new_timer_updates, kicks;
};

static inline struct cw_tmigr *tm_of(struct cw_system *sys)
{
	return sys->tmigr;
}

static inline void stat_inc(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* The earlier of two events (NO_EVENT: none), wrap-safe. */
static inline uint64_t earlier(uint64_t a, uint64_t b)
{
	if (a == NO_EVENT) {
		return b;
	}
	if (b == NO_EVENT) {
		return a;
	}
	return cw_time_before_eq64(a, b) ? a : b;
}

static inline bool is_due(uint64_t exp, uint64_t now)
{
	return exp != NO_EVENT && cw_time_after_eq64(now, exp);
}

/* ------------------------------------------------------------------------
 * The group state word (pure functions; the unit tests drive them)
 */

uint32_t cw__tmigr_state_activate(uint32_t cur, unsigned mask, bool *walk_on)
{
	unsigned active = cw__tmigr_active(cur) | mask;
	unsigned migr = cw__tmigr_migrator(cur);

	*walk_on = false;
	if (migr == NONE) {
		migr = mask;
		*walk_on = true;
	}
	return cw__tmigr_state(active, migr, cw__tmigr_seq(cur) + 1u);
}

uint32_t cw__tmigr_state_deactivate(uint32_t cur, unsigned mask, bool child_active, bool *walk_on)
{
	unsigned active = cw__tmigr_active(cur);
	unsigned migr = cw__tmigr_migrator(cur);

	*walk_on = false;
	if (!child_active) {
		active &= ~mask;
		if (migr == mask) {
			if (active) {
				migr = active & -active;
			} else {
				migr = NONE;
				*walk_on = true;
			}
		}
	}
	return cw__tmigr_state(active, migr, cw__tmigr_seq(cur) + 1u);
}

/* ------------------------------------------------------------------------
 * Event queues (group locks)
 */

/*
 * First non-ignored event of @g (locked): drops ignored events (the lazy
 * removal), refreshes next_expiry, and returns the expiry and its CPU.
 */
static uint64_t group_first_locked(struct tmigr_group *g, unsigned *cpu)
{
	uint64_t first = NO_EVENT;
	unsigned first_cpu = 0;

	cw_lockdep_assert_held(&g->lock);
	for (unsigned i = 0; i < g->num_children; i++) {
		struct tmigr_event *e = g->slot[i];
		uint64_t x;

		if (atomic_load_explicit(&e->ignore, memory_order_acquire)) {
			atomic_store_explicit(&e->expires, NO_EVENT, memory_order_relaxed);
			continue;
		}
		x = atomic_load_explicit(&e->expires, memory_order_relaxed);
		if (x != NO_EVENT && (first == NO_EVENT || cw_time_before64(x, first))) {
			first = x;
			first_cpu = atomic_load_explicit(&e->cpu, memory_order_relaxed);
		}
	}
	atomic_store_explicit(&g->next_expiry, first, memory_order_relaxed);
	if (cpu) {
		*cpu = first_cpu;
	}
	return first;
}

/* Write event @e (in a queue whose lock is held): @exp, or ignored when NO_EVENT. */
static void set_event_locked(struct tmigr_event *e, uint64_t exp, unsigned cpu)
{
	atomic_store_explicit(&e->cpu, cpu, memory_order_relaxed);
	atomic_store_explicit(&e->expires, exp, memory_order_relaxed);
	atomic_store_explicit(&e->ignore, exp == NO_EVENT, memory_order_release);
}

/*
 * Propagate one level: the child's event (the CPU's @exp when @child is
 * NULL, else @child's first event) into @g's queue. Returns true when the
 * walk stops here: @child became active again, or @g has a migrator (it
 * handles its queue), or @g is the top. An idle top group's first event is
 * stored in *@duty (the last idle CPU's wakeup).
 */
/* A walk's result: the duty (the tree's first event) for @claimer, or NO_EVENT. */
struct walk {
	/** CPU that will arm for a duty, or NO_CPU (only report it). */
	unsigned claimer;
	/** Keep one holder per top group (cw_system_config.tmigr_one_duty_holder). */
	bool one_holder;
	uint64_t duty;
};

/*
 * The top group @g (locked) is idle: decide the duty. A holder other than
 * the claimer already armed no later than the first event keeps it.
 */
static void top_duty_locked(struct tmigr_group *g, struct walk *w)
{
	uint64_t first = atomic_load_explicit(&g->next_expiry, memory_order_relaxed);

	if (first == NO_EVENT) {
		return;
	}
	if (w->one_holder && g->duty_cpu != NO_CPU && g->duty_cpu != w->claimer &&
	    cw_time_before_eq64(g->duty_exp, first)) {
		return;
	}
	if (w->one_holder && w->claimer != NO_CPU) {
		g->duty_cpu = w->claimer;
		g->duty_exp = first;
	}
	w->duty = first;
}

static bool update_events(struct tmigr_group *g, struct tmigr_group *child, struct tmigr_cpu *tmc,
			  uint64_t exp, struct walk *w)
{
	uint32_t gs;
	unsigned cpu;

	if (child) {
		cw_spin_lock(&child->lock);
		cw_spin_lock(&g->lock);
		if (cw__tmigr_active(atomic_load_explicit(&child->state, memory_order_acquire))) {
			cw_spin_unlock(&g->lock);
			cw_spin_unlock(&child->lock);
			return true;
		}
		exp = group_first_locked(child, &cpu);
		set_event_locked(&child->groupevt, exp, cpu);
	} else {
		cw_spin_lock(&g->lock);
		set_event_locked(&tmc->cpuevt, exp, tmc->id);
	}
	group_first_locked(g, NULL);
	gs = atomic_load_explicit(&g->state, memory_order_acquire);
	if (!g->parent && cw__tmigr_migrator(gs) == NONE) {
		top_duty_locked(g, w);
	}
	cw_spin_unlock(&g->lock);
	if (child) {
		cw_spin_unlock(&child->lock);
	}
	return !g->parent || cw__tmigr_migrator(gs) != NONE;
}

/* ------------------------------------------------------------------------
 * Walks
 */

/* @tmc becomes active: lock-free, up while it takes the migrator role. */
static void activate_walk(struct tmigr_cpu *tmc)
{
	struct tmigr_group *g = tmc->group;
	unsigned mask = tmc->childmask;

	while (g) {
		uint32_t cur = atomic_load_explicit(&g->state, memory_order_relaxed), new;
		bool walk_on;

		do {
			new = cw__tmigr_state_activate(cur, mask, &walk_on);
		} while (!atomic_compare_exchange_weak_explicit(
			&g->state, &cur, new, memory_order_acq_rel, memory_order_relaxed));
		/* Its queued event in the parent is now handled by its own migrator. */
		atomic_store_explicit(&g->groupevt.ignore, true, memory_order_release);
		if (!walk_on) {
			break;
		}
		mask = g->childmask;
		g = g->parent;
	}
}

/*
 * @tmc (lock held) goes idle with global event @exp: clear its bit up the
 * tree while groups are left without an active child, updating the events
 * of each level. Returns the duty (the system's first event) or NO_EVENT.
 */
static uint64_t deactivate_walk(struct tmigr_cpu *tmc, uint64_t exp, unsigned claimer)
{
	struct tmigr_group *g = tmc->group, *child = NULL;
	unsigned mask = tmc->childmask;
	struct walk w = { claimer, tmc->one_holder, NO_EVENT };

	while (g) {
		uint32_t cur = atomic_load_explicit(&g->state, memory_order_acquire), new;
		bool walk_on;

		for (;;) {
			bool child_active =
				child && cw__tmigr_active(atomic_load_explicit(
						 &child->state, memory_order_acquire)) != 0;

			new = cw__tmigr_state_deactivate(cur, mask, child_active, &walk_on);
			if (atomic_compare_exchange_weak_explicit(&g->state, &cur, new,
								  memory_order_acq_rel,
								  memory_order_acquire)) {
				break;
			}
			/* Someone changed the word (seq moved): read the child again. */
			atomic_thread_fence(memory_order_seq_cst);
		}
		if (update_events(g, child, tmc, exp, &w) && !walk_on) {
			break;
		}
		if (!walk_on) {
			break;
		}
		child = g;
		mask = g->childmask;
		g = g->parent;
	}
	return w.duty;
}

/*
 * @tmc (lock held) is idle and its first global event is now @exp:
 * propagate upwards until a group with a migrator. Returns the duty when
 * the whole hierarchy is idle.
 */
static uint64_t new_timer_walk(struct tmigr_cpu *tmc, uint64_t exp, unsigned claimer)
{
	struct tmigr_group *g = tmc->group, *child = NULL;
	struct walk w = { claimer, tmc->one_holder, NO_EVENT };

	while (g) {
		if (update_events(g, child, tmc, exp, &w)) {
			break;
		}
		child = g;
		g = g->parent;
	}
	return w.duty;
}

/* @tmc (lock held) no longer arms for its tree's duty: forget it as the holder. */
static void drop_duty(struct tmigr_cpu *tmc)
{
	if (!tmc->holds_duty) {
		return;
	}
	cw_spin_lock(&tmc->top->lock);
	if (tmc->top->duty_cpu == tmc->id) {
		tmc->top->duty_cpu = NO_CPU;
	}
	cw_spin_unlock(&tmc->top->lock);
	tmc->holds_duty = false;
}

/* ------------------------------------------------------------------------
 * Entry points from the tick layer
 */

bool cw__tmigr_cpu_available(struct cw_system *sys, unsigned cpu)
{
	struct cw_tmigr *tm = tm_of(sys);
	bool avail;

	if (!tm) {
		return false;
	}
	cw_spin_lock(&tm->cpus[cpu].lock);
	avail = tm->cpus[cpu].available;
	cw_spin_unlock(&tm->cpus[cpu].lock);
	return avail;
}

uint64_t cw__tmigr_cpu_deactivate(struct cw_system *sys, unsigned cpu, uint64_t next_local,
				  uint64_t next_global)
{
	struct cw_tmigr *tm = tm_of(sys);
	struct tmigr_cpu *tmc;
	uint64_t hand_up, duty, ret;

	if (!tm) {
		return earlier(next_local, next_global);
	}
	tmc = &tm->cpus[cpu];
	cw_spin_lock(&tmc->lock);
	if (!tmc->available) {
		/* Outside the hierarchy: its global timers run where they are queued. */
		CW_WRITE_ONCE(tmc->idle, true);
		cw_spin_unlock(&tmc->lock);
		return earlier(next_local, next_global);
	}
	/* The global event goes up only when it comes before the local one. */
	hand_up = next_global;
	if (next_local != NO_EVENT && hand_up != NO_EVENT &&
	    cw_time_before_eq64(next_local, hand_up)) {
		hand_up = NO_EVENT;
	}
	if (tmc->idle) {
		/* Re-entry while idle (woken by something else): refresh the event. */
		duty = new_timer_walk(tmc, hand_up, tmc->id);
	} else {
		CW_WRITE_ONCE(tmc->idle, true);
		stat_inc(&tm->deactivations);
		duty = deactivate_walk(tmc, hand_up, tmc->id);
	}
	atomic_store_explicit(&tmc->wakeup, duty, memory_order_relaxed);
	if (duty != NO_EVENT) {
		tmc->holds_duty = true;
	} else {
		drop_duty(tmc);
	}
	if (duty != NO_EVENT) {
		stat_inc(&tm->duties);
	}
	ret = earlier(next_local, duty);
	if (hand_up == NO_EVENT) {
		ret = earlier(ret, next_global);
	}
	atomic_store_explicit(&tmc->armed, ret, memory_order_relaxed);
	atomic_store_explicit(&tmc->kicked, false, memory_order_relaxed);
	cw_spin_unlock(&tmc->lock);
	return ret;
}

void cw__tmigr_cpu_activate(struct cw_system *sys, unsigned cpu)
{
	struct cw_tmigr *tm = tm_of(sys);
	struct tmigr_cpu *tmc;

	if (!tm) {
		return;
	}
	tmc = &tm->cpus[cpu];
	cw_spin_lock(&tmc->lock);
	if (!tmc->idle) {
		cw_spin_unlock(&tmc->lock);
		return;
	}
	CW_WRITE_ONCE(tmc->idle, false);
	atomic_store_explicit(&tmc->wakeup, NO_EVENT, memory_order_relaxed);
	atomic_store_explicit(&tmc->armed, NO_EVENT, memory_order_relaxed);
	atomic_store_explicit(&tmc->kicked, false, memory_order_relaxed);
	drop_duty(tmc);
	if (tmc->available) {
		atomic_store_explicit(&tmc->cpuevt.ignore, true, memory_order_release);
		stat_inc(&tm->activations);
		activate_walk(tmc);
	}
	cw_spin_unlock(&tmc->lock);
}

bool cw__tmigr_requires_handle_remote(struct cw_system *sys, unsigned cpu, uint64_t now_jiffies)
{
	struct cw_tmigr *tm = tm_of(sys);
	struct tmigr_cpu *tmc;
	struct tmigr_group *g;
	unsigned mask;

	if (!tm) {
		return false;
	}
	tmc = &tm->cpus[cpu];
	/* Own flags: written by this CPU (or its hotplug steps), read racily. */
	if (!CW_READ_ONCE(tmc->available)) {
		return false;
	}
	if (CW_READ_ONCE(tmc->idle)) {
		return is_due(atomic_load_explicit(&tmc->wakeup, memory_order_relaxed),
			      now_jiffies);
	}
	for (g = tmc->group, mask = tmc->childmask; g; mask = g->childmask, g = g->parent) {
		unsigned migr =
			cw__tmigr_migrator(atomic_load_explicit(&g->state, memory_order_relaxed));

		if (migr != mask && migr != NONE) {
			break;
		}
		if (is_due(atomic_load_explicit(&g->next_expiry, memory_order_relaxed),
			   now_jiffies)) {
			return true;
		}
	}
	return false;
}

struct requeue {
	struct tmigr_cpu *tmc;
	/** The CPU running the pull (it arms for a duty that comes back). */
	unsigned self;
	uint64_t duty;
};

/* Under @cpu's LOCAL and GLOBAL base locks: its next global event goes up again. */
static void requeue_locked(struct cw_system *sys, unsigned cpu, const struct cw_timer_next *n,
			   void *arg)
{
	struct requeue *rq = arg;
	struct tmigr_cpu *tmc = rq->tmc;
	uint64_t hand_up = n->global;

	(void)sys;
	(void)cpu;
	if (n->local != NO_EVENT && hand_up != NO_EVENT && cw_time_before_eq64(n->local, hand_up)) {
		hand_up = NO_EVENT;
	}
	cw_spin_lock(&tmc->lock);
	if (tmc->idle && tmc->available) {
		/* Done even with no new event, so events of idle groups are not lost. */
		rq->duty = new_timer_walk(tmc, hand_up, rq->self);
	}
	tmc->remote = false;
	cw_spin_unlock(&tmc->lock);
}

/*
 * Pull @cpu's due global timers onto the calling CPU @self. Returns the
 * system's first event when the requeue found the whole hierarchy idle
 * (@self handles interrupts as the last idle CPU), else NO_EVENT.
 */
static uint64_t handle_remote_cpu(struct cw_system *sys, struct cw_tmigr *tm, unsigned cpu,
				  unsigned self, uint64_t now)
{
	struct tmigr_cpu *tmc = &tm->cpus[cpu];
	struct requeue rq = { tmc, self, NO_EVENT };

	cw_spin_lock(&tmc->lock);
	if (!tmc->available || !tmc->idle || tmc->remote ||
	    atomic_load_explicit(&tmc->cpuevt.ignore, memory_order_acquire) ||
	    !is_due(atomic_load_explicit(&tmc->cpuevt.expires, memory_order_relaxed), now)) {
		cw_spin_unlock(&tmc->lock);
		return NO_EVENT;
	}
	tmc->remote = true;
	cw_spin_unlock(&tmc->lock);

	stat_inc(&tm->remote_runs);
	cw__timer_expire_remote(sys, cpu, now);
	cw__timer_next_remote(sys, cpu, now, requeue_locked, &rq);
	return rq.duty;
}

/* Find one due event of @g (locked): its CPU and child group; false if none. */
static bool pop_due_locked(struct tmigr_group *g, uint64_t now, unsigned *cpu,
			   struct tmigr_group **child)
{
	group_first_locked(g, NULL);
	for (unsigned i = 0; i < g->num_children; i++) {
		struct tmigr_event *e = g->slot[i];

		if (atomic_load_explicit(&e->ignore, memory_order_acquire) ||
		    !is_due(atomic_load_explicit(&e->expires, memory_order_relaxed), now)) {
			continue;
		}
		*cpu = atomic_load_explicit(&e->cpu, memory_order_relaxed);
		*child = g->child_group[i];
		/* It stays queued: the handled CPU's requeue (through every idle group
		 * up to this one), or the refresh, rewrites it with what is left. */
		return true;
	}
	return false;
}

/* Recompute @child's event in @g after a pop (no-op when @child is active again). */
static uint64_t refresh_child(struct tmigr_group *g, struct tmigr_group *child, unsigned self)
{
	struct walk w = { self, g->one_holder, NO_EVENT };

	update_events(g, child, NULL, NO_EVENT, &w);
	return w.duty;
}

void cw__tmigr_handle_remote_at(struct cw_system *sys, unsigned cpu, uint64_t now)
{
	struct cw_tmigr *tm = tm_of(sys);
	struct tmigr_cpu *tmc;
	struct tmigr_group *g;
	uint64_t duty = NO_EVENT;
	unsigned mask;

	if (!tm) {
		return;
	}
	tmc = &tm->cpus[cpu];
	if (!CW_READ_ONCE(tmc->available)) {
		return;
	}
	for (g = tmc->group, mask = tmc->childmask; g; mask = g->childmask, g = g->parent) {
		unsigned migr =
			cw__tmigr_migrator(atomic_load_explicit(&g->state, memory_order_acquire));
		unsigned target;
		struct tmigr_group *child;

		if (migr != mask && migr != NONE) {
			break;
		}
		/* At most one pass per child slot per level: bounded even if events reappear. */
		for (unsigned n = 0; n < 2u * CHILDREN; n++) {
			bool got;

			if (!is_due(atomic_load_explicit(&g->next_expiry, memory_order_relaxed),
				    now)) {
				break;
			}
			cw_spin_lock(&g->lock);
			got = pop_due_locked(g, now, &target, &child);
			cw_spin_unlock(&g->lock);
			if (!got) {
				break;
			}
			duty = earlier(duty, handle_remote_cpu(sys, tm, target, cpu, now));
			if (child) {
				duty = earlier(duty, refresh_child(g, child, cpu));
			}
		}
	}
	if (duty != NO_EVENT) {
		/*
		 * The whole hierarchy sleeps and this CPU handled the events as
		 * the last idle one: it keeps the duty for what is left (it
		 * re-plans its sleep on its way back to idle).
		 */
		cw_spin_lock(&tmc->lock);
		atomic_store_explicit(
			&tmc->wakeup,
			earlier(duty, atomic_load_explicit(&tmc->wakeup, memory_order_relaxed)),
			memory_order_relaxed);
		tmc->holds_duty = true;
		cw_spin_unlock(&tmc->lock);
	}
}

void cw__tmigr_handle_remote(struct cw_system *sys, unsigned cpu)
{
	cw__tmigr_handle_remote_at(sys, cpu, cw_jiffies_get(sys));
}

/* The wheel's global hook: a new first global timer on idle @cpu's base (base lock held). */
static void global_hook(struct cw_system *sys, unsigned cpu, uint64_t expiry)
{
	unsigned target = cpu;
	struct cw_tmigr *tm = tm_of(sys);
	struct tmigr_cpu *tmc = &tm->cpus[cpu];
	uint64_t duty;
	bool kick = false;

	cw_spin_lock(&tmc->lock);
	if (tmc->remote) {
		/* The migrator running this base requeues its next event afterwards. */
	} else if (!tmc->available || !tmc->idle) {
		/* Outside the hierarchy, or not yet deactivated: the CPU re-evaluates. */
		kick = true;
	} else {
		uint64_t cur =
			atomic_load_explicit(&tmc->cpuevt.ignore, memory_order_relaxed)
				? NO_EVENT
				: atomic_load_explicit(&tmc->cpuevt.expires, memory_order_relaxed);

		if (cur == NO_EVENT || cw_time_before64(expiry, cur)) {
			stat_inc(&tm->new_timer_updates);
			duty = new_timer_walk(tmc, expiry, NO_CPU);
			/*
			 * Everybody sleeps and this may be the new first event: someone
			 * must wake for it. The arming CPU, if it is one of this tree,
			 * gets the kick (it runs anyway; the interrupt makes it re-plan
			 * its sleep as the last idle CPU), so the sleeping owner of the
			 * timer stays asleep; any other thread kicks the owner.
			 */
			kick = duty != NO_EVENT && cw_time_before_eq64(duty, expiry);
			if (kick) {
				unsigned self = cw__current_cpu(sys);

				stat_inc(&tm->kicks);
				if (self < tm->nr_cpus && tm->cpus[self].klass == tmc->klass &&
				    CW_READ_ONCE(tm->cpus[self].available)) {
					target = self;
				}
			}
		}
	}
	cw_spin_unlock(&tmc->lock);
	if (kick) {
		atomic_store_explicit(&tm->cpus[target].kicked, true, memory_order_relaxed);
		cw__cpu_send_ipi(sys, target, CW_IPI_KICK);
	}
}

/* ------------------------------------------------------------------------
 * Topology: groups created as CPUs come up, never destroyed
 */

static struct tmigr_group *new_group(struct cw_tmigr *tm, unsigned level, uint32_t node,
				     unsigned klass);

/* A group of @level for @node (and class) with a free slot, created (and linked) if needed. */
static struct tmigr_group *group_with_room(struct cw_tmigr *tm, unsigned level, uint32_t node,
					   unsigned klass)
{
	if (level >= tm->crossnode_level) {
		node = NO_NODE;
	}
	for (struct tmigr_group *g = tm->level_first[level]; g; g = g->next) {
		if (g->node == node && g->klass == klass &&
		    CW_READ_ONCE(g->num_children) < CHILDREN) {
			return g;
		}
	}
	return new_group(tm, level, node, klass);
}

/* Link @evt (a CPU's or a group's event) into @parent's next slot. Returns the bit. */
static unsigned link_child(struct tmigr_group *parent, struct tmigr_event *evt,
			   struct tmigr_group *child, unsigned cpu)
{
	unsigned i;

	cw_spin_lock(&parent->lock);
	i = parent->num_children;
	parent->slot[i] = evt;
	parent->child_group[i] = child;
	parent->child_cpu[i] = cpu;
	CW_WRITE_ONCE(parent->num_children, i + 1u);
	cw_spin_unlock(&parent->lock);
	return 1u << i;
}

static struct tmigr_group *new_group(struct cw_tmigr *tm, unsigned level, uint32_t node,
				     unsigned klass)
{
	struct tmigr_group *g = calloc(1, sizeof(*g)), **pp;

	if (!g) {
		return NULL;
	}
	g->level = level;
	g->one_holder = tm->one_duty_holder;
	g->duty_cpu = NO_CPU;
	g->node = node;
	g->klass = klass;
	atomic_init(&g->state, cw__tmigr_state(0, NONE, 0));
	atomic_init(&g->next_expiry, NO_EVENT);
	atomic_init(&g->groupevt.expires, NO_EVENT);
	atomic_init(&g->groupevt.ignore, true);
	if (level + 1u < tm->levels) {
		struct tmigr_group *parent = group_with_room(tm, level + 1u, node, klass);

		if (!parent) {
			free(g);
			return NULL;
		}
		g->parent = parent;
		g->childmask = link_child(parent, &g->groupevt, g, 0);
	}
	g->index = tm->nr_groups++;
	for (pp = &tm->level_first[level]; *pp; pp = &(*pp)->next) {
	}
	*pp = g;
	return g;
}

/* Create @cpu's chain of groups (the prepare step). @return 0 or CW_ENOMEM. */
static int setup_cpu(struct cw_tmigr *tm, unsigned cpu)
{
	struct tmigr_cpu *tmc = &tm->cpus[cpu];
	struct tmigr_group *g;
	int ret = 0;

	cw_spin_lock(&tm->setup_lock);
	if (!tmc->set_up && !tmc->isolated) {
		g = group_with_room(tm, 0, tmc->node, tmc->klass);
		if (g) {
			tmc->group = g;
			tmc->childmask = link_child(g, &tmc->cpuevt, NULL, cpu);
			while (g->parent) {
				g = g->parent;
			}
			tmc->top = g;
			tmc->set_up = true;
		} else {
			ret = CW_ENOMEM;
		}
	}
	cw_spin_unlock(&tm->setup_lock);
	return ret;
}

/* Smallest k >= @min with 8^k >= n. */
static unsigned log8_ceil(unsigned n, unsigned min)
{
	unsigned k = 0;
	uint64_t cap = 1;

	while (cap < n) {
		cap *= CHILDREN;
		k++;
	}
	return k < min ? min : k;
}

/* ------------------------------------------------------------------------
 * Component row
 */

void cw__tmigr_cpu_prepare(struct cw_system *sys, unsigned cpu)
{
	struct cw_tmigr *tm = tm_of(sys);

	if (tm && setup_cpu(tm, cpu)) {
		cw__log(sys, CW_LOG_ERR, "tmigr: no memory for CPU %u's groups; it stays out", cpu);
	}
}

void cw__tmigr_cpu_online(struct cw_system *sys, unsigned cpu)
{
	struct cw_tmigr *tm = tm_of(sys);
	struct tmigr_cpu *tmc;

	if (!tm) {
		return;
	}
	tmc = &tm->cpus[cpu];
	cw_spin_lock(&tmc->lock);
	if (tmc->set_up && !tmc->available) {
		CW_WRITE_ONCE(tmc->available, true);
		if (!tmc->idle) {
			atomic_store_explicit(&tmc->cpuevt.ignore, true, memory_order_release);
			activate_walk(tmc);
		}
	}
	cw_spin_unlock(&tmc->lock);
}

void cw__tmigr_cpu_dying(struct cw_system *sys, unsigned cpu)
{
	struct cw_tmigr *tm = tm_of(sys);
	struct tmigr_cpu *tmc;
	uint64_t duty = NO_EVENT;

	if (!tm) {
		return;
	}
	tmc = &tm->cpus[cpu];
	cw_spin_lock(&tmc->lock);
	if (tmc->available) {
		/* It handles its own timers until the wheel's dead step moves them. */
		if (!tmc->idle) {
			duty = deactivate_walk(tmc, NO_EVENT, NO_CPU);
		}
		drop_duty(tmc);
		CW_WRITE_ONCE(tmc->available, false);
		atomic_store_explicit(&tmc->wakeup, NO_EVENT, memory_order_relaxed);
	}
	cw_spin_unlock(&tmc->lock);
	if (duty == NO_EVENT) {
		return;
	}
	/* It was the last active CPU and events remain: hand the duty on. */
	for (unsigned i = 0; i < tm->nr_cpus; i++) {
		/* A CPU of the same tree (capacity class) can take its duty. */
		if (i != cpu && tm->cpus[i].klass == tmc->klass && cw_cpu_online(sys, i) &&
		    cw__tmigr_cpu_available(sys, i)) {
			stat_inc(&tm->kicks);
			atomic_store_explicit(&tm->cpus[i].kicked, true, memory_order_relaxed);
			cw__cpu_send_ipi(sys, i, CW_IPI_KICK);
			return;
		}
	}
}

size_t cw__tmigr_cpu_bytes(void)
{
	return sizeof(struct tmigr_cpu);
}

int cw__tmigr_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	struct cw_tmigr *tm;
	unsigned nr = sys->nr_cpus, max_node = 0, max_per_node = 0, nr_classes = 1, max_nodes = 0;
	unsigned *per_node, *nodes_of_class;

	sys->tmigr = NULL;
	if (cfg->tmigr_off || nr < 2) {
		return 0;
	}
	for (unsigned i = 0; cfg->cpu_node && i < nr; i++) {
		if (cfg->cpu_node[i] > max_node) {
			max_node = cfg->cpu_node[i];
		}
	}
	for (unsigned i = 0; cfg->tmigr_per_class && cfg->cpu_capacity_class && i < nr; i++) {
		if (cfg->cpu_capacity_class[i] + 1u > nr_classes) {
			nr_classes = cfg->cpu_capacity_class[i] + 1u;
		}
	}
	tm = calloc(1, sizeof(*tm));
	/* CPUs per (node, class), and nodes per class. */
	per_node = calloc((size_t)(max_node + 1u) * nr_classes, sizeof(*per_node));
	nodes_of_class = calloc(nr_classes, sizeof(*nodes_of_class));
	if (!tm || !per_node || !nodes_of_class) {
		free(tm);
		free(per_node);
		free(nodes_of_class);
		return CW_ENOMEM;
	}
	tm->cpus = aligned_alloc(CW_CACHELINE_BYTES, nr * sizeof(*tm->cpus));
	if (!tm->cpus) {
		free(tm);
		free(per_node);
		free(nodes_of_class);
		return CW_ENOMEM;
	}
	memset(tm->cpus, 0, nr * sizeof(*tm->cpus));
	tm->nr_cpus = nr;
	tm->one_duty_holder = cfg->tmigr_one_duty_holder;
	for (unsigned i = 0; i < nr; i++) {
		struct tmigr_cpu *tmc = &tm->cpus[i];
		size_t k;

		tmc->id = i;
		tmc->one_holder = cfg->tmigr_one_duty_holder;
		tmc->node = cfg->cpu_node ? cfg->cpu_node[i] : 0;
		tmc->klass = nr_classes > 1 ? cfg->cpu_capacity_class[i] : 0;
		tmc->isolated = cfg->cpu_isolated && cfg->cpu_isolated[i];
		atomic_init(&tmc->wakeup, NO_EVENT);
		atomic_init(&tmc->armed, NO_EVENT);
		atomic_init(&tmc->kicked, false);
		atomic_init(&tmc->cpuevt.expires, NO_EVENT);
		atomic_init(&tmc->cpuevt.ignore, true);
		atomic_init(&tmc->cpuevt.cpu, i);
		if (tmc->isolated) {
			tm->nr_isolated++;
			continue;
		}
		k = (size_t)tmc->node * nr_classes + tmc->klass;
		if (per_node[k]++ == 0) {
			nodes_of_class[tmc->klass]++;
			if (nodes_of_class[tmc->klass] == 1) {
				tm->nr_trees++;
			}
		}
		if (per_node[k] > max_per_node) {
			max_per_node = per_node[k];
		}
	}
	for (unsigned c = 0; c < nr_classes; c++) {
		max_nodes = nodes_of_class[c] > max_nodes ? nodes_of_class[c] : max_nodes;
	}
	for (unsigned n = 0; n <= max_node; n++) {
		for (unsigned c = 0; c < nr_classes; c++) {
			if (per_node[(size_t)n * nr_classes + c]) {
				tm->nr_nodes++;
				break;
			}
		}
	}
	free(per_node);
	free(nodes_of_class);
	if (tm->nr_nodes == 0) {
		/* Every CPU isolated: nothing to migrate. */
		free(tm->cpus);
		free(tm);
		return 0;
	}
	tm->crossnode_level = log8_ceil(max_per_node, 1);
	tm->levels = tm->crossnode_level + log8_ceil(max_nodes, 0);
	tm->level_first = calloc(tm->levels, sizeof(*tm->level_first));
	if (!tm->level_first) {
		free(tm->cpus);
		free(tm);
		return CW_ENOMEM;
	}
	sys->tmigr = tm;
	/* The CPUs online at creation come up in order, as hotplug would bring them. */
	for (unsigned i = 0; i < nr; i++) {
		if (!cw_cpu_online(sys, i)) {
			continue;
		}
		if (setup_cpu(tm, i)) {
			cw__tmigr_fini(sys);
			return CW_ENOMEM;
		}
		cw__tmigr_cpu_online(sys, i);
	}
	cw__timer_set_global_hook(sys, global_hook);
	cw__log(sys, CW_LOG_INFO,
		"Timer migration: %u hierarchy levels; %u children per group; %u crossnode level",
		tm->levels, CHILDREN, tm->crossnode_level);
	return 0;
}

void cw__tmigr_fini(struct cw_system *sys)
{
	struct cw_tmigr *tm = tm_of(sys);

	if (!tm) {
		return;
	}
	cw__timer_set_global_hook(sys, NULL);
	for (unsigned l = 0; l < tm->levels; l++) {
		struct tmigr_group *g = tm->level_first[l];

		while (g) {
			struct tmigr_group *next = g->next;

			free(g);
			g = next;
		}
	}
	free(tm->level_first);
	free(tm->cpus);
	free(tm);
	sys->tmigr = NULL;
}

/* ------------------------------------------------------------------------
 * Public reads: info, stats, tree, checker
 */

int cw_tmigr_get_info(struct cw_system *sys, struct cw_tmigr_info *out)
{
	struct cw_tmigr *tm = tm_of(sys);

	if (!tm) {
		return CW_ENODEV;
	}
	cw_spin_lock(&tm->setup_lock);
	out->levels = tm->levels;
	out->children_per_group = CHILDREN;
	out->crossnode_level = tm->crossnode_level;
	out->nr_groups = tm->nr_groups;
	out->nr_nodes = tm->nr_nodes;
	out->nr_isolated = tm->nr_isolated;
	out->nr_trees = tm->nr_trees;
	cw_spin_unlock(&tm->setup_lock);
	return 0;
}

int cw_tmigr_get_stats(struct cw_system *sys, struct cw_tmigr_stats *out)
{
	struct cw_tmigr *tm = tm_of(sys);

	if (!tm) {
		return CW_ENODEV;
	}
	out->deactivations = atomic_load_explicit(&tm->deactivations, memory_order_relaxed);
	out->activations = atomic_load_explicit(&tm->activations, memory_order_relaxed);
	out->remote_runs = atomic_load_explicit(&tm->remote_runs, memory_order_relaxed);
	out->last_idle_duties = atomic_load_explicit(&tm->duties, memory_order_relaxed);
	out->new_timer_updates = atomic_load_explicit(&tm->new_timer_updates, memory_order_relaxed);
	out->kicks = atomic_load_explicit(&tm->kicks, memory_order_relaxed);
	return 0;
}

struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->pos < o->len ? o->buf + o->pos : NULL,
		      o->pos < o->len ? o->len - o->pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0) {
		o->pos += (size_t)n;
	}
}

static void put_group(struct out *o, struct cw_tmigr *tm, const struct tmigr_group *g)
{
	uint32_t s = atomic_load_explicit(&g->state, memory_order_relaxed);
	uint64_t next = atomic_load_explicit(&g->next_expiry, memory_order_relaxed);
	unsigned n = CW_READ_ONCE(g->num_children);

	put(o, "%*sL%u group %u", (int)(2u * (tm->levels - 1u - g->level)), "", g->level, g->index);
	if (g->node == NO_NODE) {
		put(o, " node -");
	} else {
		put(o, " node %u", (unsigned)g->node);
	}
	if (cw__tmigr_migrator(s) == NONE) {
		put(o, " migrator none");
	} else {
		put(o, " migrator %u", (unsigned)__builtin_ctz(cw__tmigr_migrator(s)));
	}
	put(o, " active 0x%02x seq %u", cw__tmigr_active(s), cw__tmigr_seq(s));
	if (next == NO_EVENT) {
		put(o, " next -");
	} else {
		put(o, " next %llu", (unsigned long long)next);
	}
	if (g->level == 0) {
		put(o, " cpus");
		for (unsigned i = 0; i < n; i++) {
			put(o, " %u", g->child_cpu[i]);
		}
	}
	put(o, "\n");
	for (unsigned i = 0; g->level > 0 && i < n; i++) {
		put_group(o, tm, g->child_group[i]);
	}
}

int cw_tmigr_format_tree(struct cw_system *sys, char *buf, size_t len)
{
	struct cw_tmigr *tm = tm_of(sys);
	struct out o = { buf, len, 0 };

	if (!tm) {
		return CW_ENODEV;
	}
	if (len) {
		buf[0] = '\0';
	}
	cw_spin_lock(&tm->setup_lock);
	put(&o, "Timer migration: %u hierarchy levels; %u children per group; crossnode level %u\n",
	    tm->levels, CHILDREN, tm->crossnode_level);
	for (const struct tmigr_group *g = tm->level_first[tm->levels - 1u]; g; g = g->next) {
		if (tm->nr_trees > 1) {
			put(&o, "capacity class %u:\n", g->klass);
		}
		put_group(&o, tm, g);
	}
	for (unsigned i = 0; i < tm->nr_cpus; i++) {
		if (tm->cpus[i].isolated) {
			put(&o, "isolated: CPU %u\n", i);
		}
	}
	cw_spin_unlock(&tm->setup_lock);
	return (int)o.pos;
}

static int fail(char *report, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *report, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (report && len) {
		vsnprintf(report, len, fmt, ap);
	}
	va_end(ap);
	return CW_EINVAL;
}

/* Whether child @i of @g is active, recomputed from the CPUs / child states. */
static bool child_active(struct cw_tmigr *tm, const struct tmigr_group *g, unsigned i)
{
	if (g->level == 0) {
		const struct tmigr_cpu *c = &tm->cpus[g->child_cpu[i]];

		return c->available && !c->idle;
	}
	return cw__tmigr_active(
		       atomic_load_explicit(&g->child_group[i]->state, memory_order_relaxed)) != 0;
}

/* First non-ignored event recorded in @g's slots. */
static uint64_t recorded_first(const struct tmigr_group *g)
{
	uint64_t first = NO_EVENT;

	for (unsigned i = 0; i < g->num_children; i++) {
		if (!atomic_load_explicit(&g->slot[i]->ignore, memory_order_relaxed)) {
			first = earlier(first, atomic_load_explicit(&g->slot[i]->expires,
								    memory_order_relaxed));
		}
	}
	return first;
}

/* Descend migrator bits from @g: must end at an active CPU. */
static bool migrator_chain_ok(struct cw_tmigr *tm, const struct tmigr_group *g)
{
	for (;;) {
		unsigned m =
			cw__tmigr_migrator(atomic_load_explicit(&g->state, memory_order_relaxed));
		unsigned i;

		if (m == NONE) {
			return false;
		}
		i = (unsigned)__builtin_ctz(m);
		if (i >= g->num_children || !child_active(tm, g, i)) {
			return false;
		}
		if (g->level == 0) {
			return true;
		}
		g = g->child_group[i];
	}
}

int cw_tmigr_check(struct cw_system *sys, char *report, size_t len)
{
	struct cw_tmigr *tm = tm_of(sys);
	uint64_t now = cw_jiffies_get(sys);

	if (!tm) {
		return CW_ENODEV;
	}
	/* 1. Every group's state word against its children. */
	for (unsigned l = 0; l < tm->levels; l++) {
		for (const struct tmigr_group *g = tm->level_first[l]; g; g = g->next) {
			uint32_t s = atomic_load_explicit(&g->state, memory_order_relaxed);
			unsigned want = 0, m = cw__tmigr_migrator(s);

			for (unsigned i = 0; i < g->num_children; i++) {
				want |= child_active(tm, g, i) ? 1u << i : 0u;
			}
			if (cw__tmigr_active(s) != want) {
				return fail(report, len,
					    "tmigr: L%u group %u: active bits 0x%02x, children say "
					    "0x%02x",
					    l, g->index, cw__tmigr_active(s), want);
			}
			if (want == 0 ? m != NONE : (m == NONE || (m & (m - 1u)) || !(m & want))) {
				return fail(
					report, len,
					"tmigr: L%u group %u: migrator 0x%02x with active 0x%02x",
					l, g->index, m, want);
			}
			/* 2. An idle child group's event is recorded, no later than its first. */
			for (unsigned i = 0; l > 0 && i < g->num_children; i++) {
				const struct tmigr_group *c = g->child_group[i];
				uint64_t cf = recorded_first(c), rec;

				if (child_active(tm, g, i) || cf == NO_EVENT) {
					continue;
				}
				rec = atomic_load_explicit(&c->groupevt.ignore,
							   memory_order_relaxed)
					      ? NO_EVENT
					      : atomic_load_explicit(&c->groupevt.expires,
								     memory_order_relaxed);
				if (rec == NO_EVENT || cw_time_after64(rec, cf)) {
					return fail(
						report, len,
						"tmigr: L%u group %u: idle child group %u has first "
						"event %llu, recorded %s%llu",
						l, g->index, c->index, (unsigned long long)cf,
						rec == NO_EVENT ? "none " : "",
						(unsigned long long)(rec == NO_EVENT ? 0 : rec));
				}
			}
			/* 3. The cached first event is never later than the queue's. */
			if (cw_time_after64(
				    atomic_load_explicit(&g->next_expiry, memory_order_relaxed),
				    recorded_first(g)) &&
			    recorded_first(g) != NO_EVENT) {
				return fail(
					report, len,
					"tmigr: L%u group %u: next_expiry %llu after first event "
					"%llu",
					l, g->index,
					(unsigned long long)atomic_load_explicit(
						&g->next_expiry, memory_order_relaxed),
					(unsigned long long)recorded_first(g));
			}
		}
	}
	/* 4. A top group's duty holder sleeps armed for no later than its duty. */
	for (const struct tmigr_group *g = tm->level_first[tm->levels - 1u]; g; g = g->next) {
		const struct tmigr_cpu *h;
		uint64_t w;

		if (g->duty_cpu == NO_CPU) {
			continue;
		}
		h = &tm->cpus[g->duty_cpu];
		w = atomic_load_explicit(&h->wakeup, memory_order_relaxed);
		if (!h->idle || !h->available || !h->holds_duty || w == NO_EVENT ||
		    cw_time_after64(w, g->duty_exp)) {
			return fail(report, len,
				    "tmigr: top group %u: duty holder CPU %u (duty %llu) is %s, "
				    "wakeup %lld",
				    g->index, g->duty_cpu, (unsigned long long)g->duty_exp,
				    !h->idle        ? "awake"
				    : !h->available ? "unavailable"
						    : "idle",
				    w == NO_EVENT ? -1LL : (long long)w);
		}
	}
	/* 5. Every idle CPU's first global timer is covered. */
	for (unsigned cpu = 0; cpu < tm->nr_cpus; cpu++) {
		struct tmigr_cpu *tmc = &tm->cpus[cpu];
		struct cw_timer_next n;
		const struct tmigr_group *g;
		uint64_t rec;
		bool covered = false;

		if (!tmc->available || !tmc->idle) {
			continue;
		}
		cw__timer_next_expiry(sys, cpu, now, &n);
		if (n.global == NO_EVENT ||
		    (n.local != NO_EVENT && cw_time_before_eq64(n.local, n.global))) {
			continue;
		}
		/*
		 * Its own wakeup covers it: the global event was not handed up at
		 * idle entry (the local one came first), and that local timer has
		 * since run, moved or gone while the CPU sleeps on towards it (a
		 * CPU does not re-plan its sleep when a timer is deleted).
		 */
		rec = atomic_load_explicit(&tmc->armed, memory_order_relaxed);
		if (rec != NO_EVENT && cw_time_before_eq64(rec, n.global)) {
			continue;
		}
		rec = atomic_load_explicit(&tmc->cpuevt.ignore, memory_order_relaxed)
			      ? NO_EVENT
			      : atomic_load_explicit(&tmc->cpuevt.expires, memory_order_relaxed);
		if (rec == NO_EVENT || cw_time_after64(rec, n.global)) {
			return fail(report, len,
				    "tmigr: idle CPU %u: first global timer at %llu (local %lld), "
				    "its event %s%llu",
				    cpu, (unsigned long long)n.global,
				    n.local == NO_EVENT ? -1LL : (long long)n.local,
				    rec == NO_EVENT ? "none " : "",
				    (unsigned long long)(rec == NO_EVENT ? 0 : rec));
		}
		for (g = tmc->group; g; g = g->parent) {
			if (cw__tmigr_active(
				    atomic_load_explicit(&g->state, memory_order_relaxed))) {
				if (!migrator_chain_ok(tm, g)) {
					return fail(
						report, len,
						"tmigr: L%u group %u: migrator chain ends at no "
						"active CPU",
						g->level, g->index);
				}
				covered = true;
				break;
			}
		}
		for (unsigned d = 0; !covered && d < tm->nr_cpus; d++) {
			uint64_t w =
				atomic_load_explicit(&tm->cpus[d].wakeup, memory_order_relaxed);

			covered = (tm->cpus[d].idle && w != NO_EVENT &&
				   cw_time_before_eq64(w, n.global)) ||
				  atomic_load_explicit(&tm->cpus[d].kicked, memory_order_relaxed);
		}
		if (!covered) {
			return fail(
				report, len,
				"tmigr: idle CPU %u: global timer at %llu: every group above it "
				"is idle and no idle CPU wakes for it",
				cpu, (unsigned long long)n.global);
		}
	}
	return 0;
}

bool cw__tmigr_test_flip_active(struct cw_system *sys, unsigned cpu)
{
	struct cw_tmigr *tm = tm_of(sys);
	struct tmigr_cpu *tmc;

	if (!tm || cpu >= tm->nr_cpus || !tm->cpus[cpu].group) {
		return false;
	}
	tmc = &tm->cpus[cpu];
	/* No sequence increment: a corruption the protocol never makes. */
	atomic_fetch_xor_explicit(&tmc->group->state, tmc->childmask, memory_order_relaxed);
	return true;
}
