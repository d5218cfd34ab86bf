/* SPDX-License-Identifier: MIT */
/*
 * High-resolution timers: per-CPU bases, start/cancel/forward, the expiry
 * loop, the high-resolution interrupt with its retry and hang logic, and
 * clock-was-set handling for absolute REALTIME/TAI/BOOTTIME timers.
 *
 * Bases. Each CPU has 8 clock bases (MONOTONIC, REALTIME, BOOTTIME, TAI,
 * each hard and soft) under one lock. A timer is stored with its expiry in
 * its own clock; converting to MONOTONIC for the hardware uses the
 * offsets timekeeping publishes, read fresh (one lockless read section)
 * every time the bases are evaluated, so a settime or a leap second is
 * seen at once and a REALTIME timer never fires early: it runs only when
 * its own clock has reached the expiry.
 *
 * Queue. src/core/timerqueue.h, a radix wheel with exact order (why: see there). The queue
 * is ordered by the hard expiry (the end of the slack window); a timer runs
 * once its soft expiry (the start) has passed, so timers with slack share
 * interrupts.
 *
 * Modes of a CPU. In low-resolution mode the tick calls
 * cw__hrtimer_run_queues() each jiffy and timers run at tick granularity.
 * Once the tick layer switched the CPU to high-resolution mode
 * (cw__hrtimer_switch_to_hres()), the tick device's handler is
 * cw__hrtimer_interrupt() and the bases program the device for their
 * earliest expiry.
 *
 * Locking rules:
 *   - cpu_base->lock protects the 8 queues, active_bases, expires_next
 *     and every queued timer's fields. Callbacks run with no lock held.
 *   - Moving a timer between CPUs holds both base locks, the lower CPU
 *     number first. timer->base changes only with both held, so
 *     lock_timer_base() (load, lock, re-check) always ends holding the
 *     right lock.
 *   - Order with the rest of the core: hrtimer base lock -> (clockevents
 *     programming takes no lock) -> log_lock. The base lock is never held
 *     while taking ce.lock, bc_lock or jiffies_lock.
 *
 * Lifetime rules: a timer may be freed once it is neither queued nor
 * running: after cw_hrtimer_cancel(), or by its own callback returning
 * NORESTART. "Running" lives in the base (base->running), not in the
 * timer, for that reason.
 *
 * Race 1, cancel against a running callback: the expiry sets
 * base->running and bumps cpu_base->seq before dequeuing, drops the lock,
 * runs the callback, retakes the lock, requeues if asked, bumps seq and
 * clears running. try_to_cancel under the lock sees running == timer and
 * returns -1; cancel spins until it is cleared. cw_hrtimer_active() reads
 * state and running locklessly between two reads of seq.
 *
 * Race 2, remote start: a timer queued on another CPU's base that becomes
 * its first timer needs that CPU's device reprogrammed, which only the CPU
 * itself may do: the starter sends it an IPI (CW_IPI_HRTIMER) and the
 * target re-evaluates its bases (cw__hrtimer_retrigger()).
 *
 * Lazy rearm (Linux 7.1's LAZY_REARM, here a per-system policy, the
 * default; cw_system_config::hrtimer_eager_rearm turns it off). When the
 * first timer of a CPU moves later (a cancel, a re-arm to a later time)
 * the device is left programmed for the old, earlier time: cb->expires_next
 * keeps that time, so it is "what the device will do", never later than
 * the first expiry. The interrupt then finds nothing due, runs nothing and
 * programs the right time, as it does after a remote cancel (where only
 * the owner may program). Nothing runs early (the expiry loop compares
 * each timer with the clock) and nothing late (the device fires no later
 * than before). It costs one interrupt where eager costs one programming
 * at once, and saves every programming when the first timer moves again,
 * or an earlier one is armed, before that interrupt: a server re-arming
 * connection timeouts, a tick stopped and restarted. Eager (Linux before
 * 7.1): a local cancel or re-arm of the first timer reprograms the device
 * at once (hrtimer_force_reprogram). Both policies:
 *   - a moved-earlier first timer programs at once (never late);
 *   - a remote cancel never programs (only the owner may);
 *   - no programming inside the interrupt or after a hang (its exit path,
 *     or the forced back-off, programs);
 *   - NO_HZ idle: the tick-stop path calls cw__hrtimer_settle(), which
 *     programs the true first expiry if the device is set earlier, so a
 *     CPU never sleeps towards an interrupt with nothing due (Linux 7.1
 *     keeps the sched_timer eager for the same reason: only hrtick is lazy);
 *     while the tick is stopped, changes are eager (nothing would settle
 *     them before the stale interrupt).
 */
#include <clockwork/hrtimer.h>
#include <clockwork/timekeeping.h>

#include "hrtimer-internal.h"
#include "system-internal.h"
#include "cpu-internal.h"
#include "tick-internal.h"
#include "timekeeping-internal.h"
#include "check-internal.h"

#include <stdlib.h>
#include <string.h>

/** Timer states (struct cw_hrtimer::state). */
#define HRTIMER_STATE_INACTIVE 0u
#define HRTIMER_STATE_ENQUEUED 1u

/** Clock of each base index modulo 4. */
static const int base_clock_ids[4] = {
	CW_CLOCK_MONOTONIC,
	CW_CLOCK_REALTIME,
	CW_CLOCK_BOOTTIME,
	CW_CLOCK_TAI,
};

/** MONOTONIC now and the offset of each base clock to it. */
struct hr_now {
	cw_ktime_t mono;
	int64_t offs[4];
};

static void hr_now_get(struct cw_system *sys, struct hr_now *n)
{
	n->offs[0] = 0;
	n->mono = cw__ktime_get_with_offsets(sys, &n->offs[1], &n->offs[2], &n->offs[3]);
}

/* @n, read on first use (*@have says whether it is): a start reads the clock only if it needs it.
 */
static inline const struct hr_now *hr_now_once(struct cw_system *sys, struct hr_now *n, bool *have)
{
	if (!*have) {
		hr_now_get(sys, n);
		*have = true;
	}
	return n;
}

static cw_ktime_t sat_add(cw_ktime_t a, int64_t b)
{
	if (b > 0 && a > CW_KTIME_MAX - b) {
		return CW_KTIME_MAX;
	}
	if (b < 0 && a < INT64_MIN - b) {
		return INT64_MIN;
	}
	return a + b;
}

static struct cw_hrtimer_cpu_base *cpu_base_of(struct cw_system *sys, unsigned cpu)
{
	return &sys->hrtimer_bases[cpu];
}

static unsigned clock_index(int clock_id)
{
	switch (clock_id) {
	case CW_CLOCK_MONOTONIC:
		return CW_HRTIMER_BASE_MONOTONIC;
	case CW_CLOCK_REALTIME:
		return CW_HRTIMER_BASE_REALTIME;
	case CW_CLOCK_BOOTTIME:
		return CW_HRTIMER_BASE_BOOTTIME;
	case CW_CLOCK_TAI:
		return CW_HRTIMER_BASE_TAI;
	default:
		return CW_HRTIMER_MAX_CLOCK_BASES;
	}
}

static struct cw_hrtimer *node_to_timer(struct cw_hrtimer_node *n)
{
	return (struct cw_hrtimer *)((char *)n - offsetof(struct cw_hrtimer, node));
}

/* ---------------------------------------------------------------------- */
/* Set-up and teardown */

/*
 * A clock was set (settime, leap second, resume, NTP step): absolute
 * REALTIME/TAI/BOOTTIME timers map to new MONOTONIC times. Every CPU in
 * high-resolution mode re-evaluates its bases (clock_was_set ->
 * retrigger_next_event); low-resolution CPUs look at their bases every
 * tick anyway, but one whose tick is stopped in NO_HZ idle is kicked to
 * re-plan its sleep (Linux skips only low-resolution systems without
 * NO_HZ).
 */
static void clock_was_set_fn(struct cw_clock_was_set_notifier *nb, unsigned bases)
{
	struct cw_system *sys =
		(struct cw_system *)((char *)nb - offsetof(struct cw_system, hrtimer_cws));

	(void)bases;
	for (unsigned cpu = 0; cpu < sys->nr_cpus; cpu++) {
		if (!cw_cpu_online(sys, cpu)) {
			continue;
		}
		if (cw__hrtimer_hres_active(sys, cpu)) {
			cw__cpu_send_ipi(sys, cpu, CW_IPI_HRTIMER);
		} else if (CW_READ_ONCE(sys->cpus[cpu].tick_stopped)) {
			/*
			 * Low resolution with the tick stopped in NO_HZ idle: its
			 * sleep was planned with the old offsets (a step forward may
			 * have made a timer due now). The kick re-plans it.
			 */
			cw__cpu_send_ipi(sys, cpu, CW_IPI_KICK);
		}
	}
}

int cw__hrtimer_init(struct cw_system *sys, bool lazy_rearm)
{
	size_t bytes = sizeof(struct cw_hrtimer_cpu_base) * sys->nr_cpus;

	bytes = (bytes + CW_CACHELINE_BYTES - 1) & ~(size_t)(CW_CACHELINE_BYTES - 1);
	sys->hrtimer_bases = aligned_alloc(CW_CACHELINE_BYTES, bytes);
	if (!sys->hrtimer_bases) {
		return CW_ENOMEM;
	}
	memset(sys->hrtimer_bases, 0, bytes);
	for (unsigned cpu = 0; cpu < sys->nr_cpus; cpu++) {
		struct cw_hrtimer_cpu_base *cb = &sys->hrtimer_bases[cpu];

		/* One host thread (the sim): a plain load and store per lock. */
		cw_spin_init(&cb->lock, sys->port->one_thread);
		cb->sys = sys;
		cb->cpu = cpu;
		cb->expires_next = CW_KTIME_MAX;
		cb->softirq_expires_next = CW_KTIME_MAX;
		cb->lazy_rearm = lazy_rearm;
#if CW_CONFIG_HRTIMER_QUEUE_WHEELS > 0
		cw_tq_pool_init(&cb->wheel_pool, cb->wheels, CW_CONFIG_HRTIMER_QUEUE_WHEELS);
#else
		cw_tq_pool_init(&cb->wheel_pool, NULL, 0);
#endif
		for (unsigned i = 0; i < CW_HRTIMER_MAX_CLOCK_BASES; i++) {
			cb->clock_base[i].cpu_base = cb;
			cb->clock_base[i].index = i;
			cb->clock_base[i].clock_id = base_clock_ids[i & 3];
			cw_tq_init(&cb->clock_base[i].queue, &cb->wheel_pool);
		}
	}
	sys->hrtimer_cws.fn = clock_was_set_fn;
	cw_timekeeping_notifier_register(sys, &sys->hrtimer_cws);
	return 0;
}

size_t cw__hrtimer_cpu_bytes(void)
{
	return sizeof(struct cw_hrtimer_cpu_base);
}

void cw__hrtimer_fini(struct cw_system *sys)
{
	if (sys->hrtimer_bases) {
		cw_timekeeping_notifier_unregister(sys, &sys->hrtimer_cws);
	}
	free(sys->hrtimer_bases);
	sys->hrtimer_bases = NULL;
}

int cw_hrtimer_setup(struct cw_system *sys, struct cw_hrtimer *timer, cw_hrtimer_fn fn,
		     int clock_id, unsigned mode)
{
	unsigned idx = clock_index(clock_id);
	unsigned cpu;

	if (!sys || !timer || !fn || idx == CW_HRTIMER_MAX_CLOCK_BASES) {
		return CW_EINVAL;
	}
	/*
	 * A relative REALTIME timer measures an interval: settime must not
	 * stretch or shrink it. Like Linux (__hrtimer_init), it lives on
	 * MONOTONIC.
	 */
	if (clock_id == CW_CLOCK_REALTIME && (mode & CW_HRTIMER_MODE_REL)) {
		clock_id = CW_CLOCK_MONOTONIC;
		idx = clock_index(clock_id);
	}
	/*
	 * Nothing of the old contents is read: the header does not ask for a
	 * zeroed timer, so a timer never set up holds whatever its memory held
	 * (an is_init test here read an uninitialised bool: UBSan). Setting up
	 * a queued timer is the caller's bug, as in Linux.
	 */
	memset(timer, 0, sizeof(*timer));
	if (mode & CW_HRTIMER_MODE_SOFT) {
		idx += CW_HRTIMER_BASE_MONOTONIC_SOFT;
		timer->is_soft = true;
	}
	/* The caller's home CPU: an application thread's is the port's choice. */
	cpu = cw__home_cpu(sys);
	if (cpu >= sys->nr_cpus) {
		cpu = 0;
	}
	timer->sys = sys;
	timer->function = fn;
	timer->clock_id = clock_id;
	timer->mode = mode;
	timer->base = &cpu_base_of(sys, cpu)->clock_base[idx];
	timer->is_init = true;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Locking a timer's base */

static struct cw_hrtimer_clock_base *lock_timer_base(const struct cw_hrtimer *timer)
{
	for (;;) {
		struct cw_hrtimer_clock_base *base = CW_READ_ONCE(timer->base);

		cw_spin_lock(&base->cpu_base->lock);
		if (cw_likely(base == CW_READ_ONCE(timer->base))) {
			return base;
		}
		/* Moved to another CPU while we waited: follow it. */
		cw_spin_unlock(&base->cpu_base->lock);
	}
}

static void unlock_base(struct cw_hrtimer_clock_base *base)
{
	cw_spin_unlock(&base->cpu_base->lock);
}

/* Lock two CPU bases in CPU order (the same one once). */
static void lock_two(struct cw_hrtimer_cpu_base *a, struct cw_hrtimer_cpu_base *b)
{
	if (a == b) {
		cw_spin_lock(&a->lock);
	} else if (a->cpu < b->cpu) {
		cw_spin_lock(&a->lock);
		cw_spin_lock(&b->lock);
	} else {
		cw_spin_lock(&b->lock);
		cw_spin_lock(&a->lock);
	}
}

static void unlock_two(struct cw_hrtimer_cpu_base *a, struct cw_hrtimer_cpu_base *b)
{
	cw_spin_unlock(&a->lock);
	if (a != b) {
		cw_spin_unlock(&b->lock);
	}
}

/* ---------------------------------------------------------------------- */
/* Queue operations (cpu_base->lock held) */

/* @return true if @timer is now the first timer of @base. */
static bool enqueue_locked(struct cw_hrtimer *timer, struct cw_hrtimer_clock_base *base)
{
	cw_lockdep_assert_held(&base->cpu_base->lock);
	/* Written under the lock, read locklessly by the tick (cw__hrtimer_run_queues). */
	CW_WRITE_ONCE(base->cpu_base->active_bases,
		      base->cpu_base->active_bases | (1u << base->index));
	CW_WRITE_ONCE(timer->state, HRTIMER_STATE_ENQUEUED);
	return cw_tq_add(&base->queue, &timer->node);
}

static void dequeue_locked(struct cw_hrtimer *timer, struct cw_hrtimer_clock_base *base)
{
	cw_lockdep_assert_held(&base->cpu_base->lock);
	if (cw_tq_del(&base->queue, &timer->node)) {
		CW_WRITE_ONCE(base->cpu_base->active_bases,
			      base->cpu_base->active_bases & ~(1u << base->index));
	}
	CW_WRITE_ONCE(timer->state, HRTIMER_STATE_INACTIVE);
}

/* Earliest MONOTONIC expiry among the bases in @mask. */
static cw_ktime_t next_event_locked(struct cw_hrtimer_cpu_base *cb, const struct hr_now *now,
				    unsigned mask)
{
	cw_ktime_t next = CW_KTIME_MAX;

	cw_lockdep_assert_held(&cb->lock);

	mask &= cb->active_bases;
	while (mask) {
		unsigned i = (unsigned)__builtin_ctz(mask);
		struct cw_hrtimer_node *first = cw_tq_first(&cb->clock_base[i].queue);
		/* CW_KTIME_MAX is "never", in every clock (also a saturated REALTIME). */
		cw_ktime_t mono = first->expires == CW_KTIME_MAX
					  ? CW_KTIME_MAX
					  : sat_add(first->expires, -now->offs[i & 3]);

		/*
		 * A REALTIME/TAI time before the clock's MONOTONIC origin (a
		 * past absolute time, a step forward) or a negative relative
		 * delta is before MONOTONIC 0: it is due, and 0 says so to the
		 * device programming, which takes no negative time (Linux
		 * clamps the same way in hrtimer_reprogram()).
		 */
		if (mono < 0) {
			mono = 0;
		}
		if (mono < next) {
			next = mono;
		}
		mask &= mask - 1;
	}
	return next;
}

/*
 * Recompute the soft and hard next expiry; the device must fire for the
 * earlier of the hard one and (unless already raised) the soft one.
 */
static cw_ktime_t update_next_locked(struct cw_hrtimer_cpu_base *cb, const struct hr_now *now)
{
	cw_ktime_t hard = next_event_locked(cb, now, CW_HRTIMER_ACTIVE_HARD);

	cw_lockdep_assert_held(&cb->lock);

	if (!cb->softirq_activated) {
		cb->softirq_expires_next = next_event_locked(cb, now, CW_HRTIMER_ACTIVE_SOFT);
		if (cb->softirq_expires_next < hard) {
			hard = cb->softirq_expires_next;
		}
	}
	return hard;
}

static struct cw_clock_event_device *tick_dev_of(struct cw_system *sys, unsigned cpu)
{
	return sys->cpus[cpu].td.evtdev;
}

/*
 * Program this CPU's device for @expires if it is earlier than what is
 * programmed (hrtimer_reprogram). Only on the base's own CPU, in high-res
 * mode, and not from inside the interrupt or after a hang (their exit path
 * programs the device).
 */
static void reprogram_locked(struct cw_hrtimer_cpu_base *cb, cw_ktime_t expires, bool force)
{
	struct cw_clock_event_device *dev;

	cw_lockdep_assert_held(&cb->lock);

	if (!cb->hres_active || cb->in_hrtirq || cb->hang_detected) {
		return;
	}
	if (!force && expires >= cb->expires_next) {
		return;
	}
	cb->expires_next = expires;
	dev = tick_dev_of(cb->sys, cb->cpu);
	if (dev) {
		cw_clockevents_program_event(dev, expires, true);
	}
}

/*
 * Whether a change that moves @cb's first expiry later may leave the
 * device programmed for the earlier time (see "Lazy rearm" above): the
 * policy, and not while the CPU sleeps with its tick stopped.
 */
static bool lazy_locked(const struct cw_hrtimer_cpu_base *cb)
{
	return cb->lazy_rearm && !CW_READ_ONCE(cb->sys->cpus[cb->cpu].tick_stopped);
}

/* ---------------------------------------------------------------------- */
/* Start, cancel */

/* cw_cpu_online() for a CPU known to exist, inline (the start path's recheck). */
static inline bool cpu_is_online(struct cw_system *sys, unsigned cpu)
{
	return atomic_load_explicit(&sys->cpus[cpu].online, memory_order_acquire);
}

/* Whether some CPU other than @base's is online (a target for its timers). */
static bool any_other_online(struct cw_system *sys, const struct cw_hrtimer_clock_base *base)
{
	for (unsigned cpu = 0; cpu < sys->nr_cpus; cpu++) {
		if (cpu != base->cpu_base->cpu && cw_cpu_online(sys, cpu)) {
			return true;
		}
	}
	return false;
}

static struct cw_hrtimer_clock_base *target_base(struct cw_hrtimer *timer,
						 struct cw_hrtimer_clock_base *cur)
{
	struct cw_system *sys = timer->sys;
	unsigned cpu = cw__home_cpu(sys);

	/*
	 * A running callback pins the timer to its CPU until it returns. The
	 * timer follows the CPU that starts it; a thread that is not a CPU
	 * counts as the home CPU its port names (cw__home_cpu(), so
	 * application threads spread over the bases). A thread that is no CPU
	 * and names none (or a CPU going offline) leaves the timer where it
	 * is, unless that base's CPU is offline: then the first online CPU
	 * takes it (Linux's offline-target handling), or it would wait for a
	 * CPU that may never come back.
	 */
	if (CW_READ_ONCE(cur->running) == timer) {
		return cur;
	}
	if (cpu >= sys->nr_cpus || !cw_cpu_online(sys, cpu)) {
		if (cw_cpu_online(sys, cur->cpu_base->cpu)) {
			return cur;
		}
		for (cpu = 0; cpu < sys->nr_cpus && !cw_cpu_online(sys, cpu); cpu++) {
		}
		if (cpu == sys->nr_cpus) {
			return cur;
		}
	}
	return &cpu_base_of(sys, cpu)->clock_base[cur->index];
}

/*
 * Start @timer (hrtimer_start_range_ns). With @user (an expiry a user
 * supplied, Linux 7.1), an expiry that has passed and would make the timer
 * the first of its CPU is not queued: @return CW_ETIME, and the caller
 * delivers the expiry. A passed expiry behind an earlier queued timer is
 * queued: that earlier timer is due too, so the interrupt that runs it is
 * programmed or under way and runs this one with it. @return 0 if queued.
 */
static int hr_start(struct cw_hrtimer *timer, cw_ktime_t tim, uint64_t delta_ns, unsigned mode,
		    bool user)
{
	struct cw_hrtimer_clock_base *base, *new_base;
	struct cw_hrtimer_cpu_base *cb;
	struct cw_system *sys = timer->sys;
	/* The clock of every base the timer can be on (no switch on clock_id). */
	unsigned idx = CW_READ_ONCE(timer->base)->index & 3u;
	struct hr_now now;
	bool first, was_first, have_now = false;

	CW_ASSERT(timer->is_init);
	/*
	 * The clock is read only where the start needs it: a relative or
	 * user expiry (before the lock, as the caller's "now"), and the
	 * offsets of a new first timer (under the lock). An absolute start
	 * that is not first reads no clock (Linux reads it only for REL).
	 */
	if (mode & CW_HRTIMER_MODE_REL) {
		hr_now_once(sys, &now, &have_now);
		tim = sat_add(tim, sat_add(now.mono, now.offs[idx]));
	}
	if (user) {
		hr_now_once(sys, &now, &have_now);
	}
	/* Both locks: the timer may move to this CPU. */
	for (;;) {
		base = CW_READ_ONCE(timer->base);
		new_base = target_base(timer, base);
		lock_two(base->cpu_base, new_base->cpu_base);
		/*
		 * Online is re-read under the target's lock: cw_cpu_down()
		 * clears it before the dying CPU migrates its timers under the
		 * same lock, so a timer queued after the migration is never left
		 * on the dead base.
		 */
		if (base == CW_READ_ONCE(timer->base) &&
		    (new_base == base || CW_READ_ONCE(base->running) != timer) &&
		    (cpu_is_online(sys, new_base->cpu_base->cpu) ||
		     CW_READ_ONCE(new_base->running) == timer ||
		     !any_other_online(sys, new_base))) {
			break;
		}
		unlock_two(base->cpu_base, new_base->cpu_base);
	}
	was_first = timer->state == HRTIMER_STATE_ENQUEUED &&
		    cw_tq_is_first(&base->queue, &timer->node);
	if (timer->state == HRTIMER_STATE_ENQUEUED) {
		dequeue_locked(timer, base);
		cw__check_hrtimer_cancel(timer);
	}
	cb = new_base->cpu_base;
	if (user && tim <= sat_add(now.mono, now.offs[idx]) &&
	    sat_add(tim, -now.offs[idx]) <
		    next_event_locked(cb, &now, CW_HRTIMER_ACTIVE_HARD | CW_HRTIMER_ACTIVE_SOFT)) {
		/*
		 * Already expired and it would be first: never program the past.
		 * The timer stays where it was, not queued (a previous arming
		 * is cancelled; its device moves on to the next timer, as in
		 * cw_hrtimer_try_to_cancel()).
		 */
		if (was_first && base->cpu_base->hres_active &&
		    base->cpu_base->cpu == cw__current_cpu(sys) && !lazy_locked(base->cpu_base)) {
			reprogram_locked(base->cpu_base, update_next_locked(base->cpu_base, &now),
					 true);
		}
		unlock_two(base->cpu_base, cb);
		return CW_ETIME;
	}
	timer->softexpires = tim;
	timer->node.expires =
		sat_add(tim, delta_ns > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)delta_ns);
	timer->is_rel = mode & CW_HRTIMER_MODE_REL;
	CW_WRITE_ONCE(timer->base, new_base);
	first = enqueue_locked(timer, new_base);
	if (cw_unlikely(sys->check != NULL)) {
		hr_now_once(sys, &now, &have_now);
		cw__check_hrtimer_arm(timer, now.mono, now.offs[new_base->index & 3u]);
	}
	if (base->cpu_base != cb) {
		cw_spin_unlock(&base->cpu_base->lock);
	}
	/* Only the CPU itself programs its device; everyone else sends an IPI
	 * (the CPU is looked up only when the first timer changed). */
	if (was_first && base->cpu_base == cb && cb->hres_active && !lazy_locked(cb) &&
	    cb->cpu == cw__current_cpu(sys)) {
		/*
		 * Eager: the first timer moved (later, or earlier): the device
		 * follows it now (Linux's force_local + hrtimer_force_reprogram,
		 * skipping an unchanged time). Lazy leaves a later time to the
		 * interrupt at the old one (see "Lazy rearm").
		 */
		cw_ktime_t next = update_next_locked(cb, hr_now_once(sys, &now, &have_now));

		if (next != cb->expires_next) {
			reprogram_locked(cb, next, true);
		}
	} else if (first) {
		/* Also refreshes the soft next expiry when a soft timer became first. */
		cw_ktime_t next = update_next_locked(cb, hr_now_once(sys, &now, &have_now));
		bool local = cb->cpu == cw__current_cpu(sys);

		if (local && cb->hres_active) {
			reprogram_locked(cb, next, false);
		} else if (cb->hres_active && next < cb->expires_next) {
			/* Only the owner may program its device (race 2). */
			cw_spin_unlock(&cb->lock);
			cw__cpu_send_ipi(sys, cb->cpu, CW_IPI_HRTIMER);
			return 0;
		} else if (!cb->hres_active && CW_READ_ONCE(sys->cpus[cb->cpu].tick_stopped)) {
			/*
			 * Low resolution, tick stopped in idle: wake it to re-plan
			 * its sleep; also from the CPU itself (code running as an
			 * idle CPU, such as a port's idle hook or a sim workload),
			 * whose device is programmed for the old sleep.
			 */
			cw_spin_unlock(&cb->lock);
			cw__cpu_send_ipi(sys, cb->cpu, CW_IPI_KICK);
			return 0;
		}
	}
	cw_spin_unlock(&cb->lock);
	return 0;
}

void cw_hrtimer_start_range_ns(struct cw_hrtimer *timer, cw_ktime_t tim, uint64_t delta_ns,
			       unsigned mode)
{
	hr_start(timer, tim, delta_ns, mode, false);
}

void cw_hrtimer_start(struct cw_hrtimer *timer, cw_ktime_t tim, unsigned mode)
{
	hr_start(timer, tim, 0, mode, false);
}

int cw_hrtimer_start_user(struct cw_hrtimer *timer, cw_ktime_t tim, uint64_t delta_ns,
			  unsigned mode)
{
	return hr_start(timer, tim, delta_ns, mode, true);
}

int cw_hrtimer_try_to_cancel(struct cw_hrtimer *timer)
{
	struct cw_hrtimer_clock_base *base;
	int ret = 0;

	/*
	 * Lockless fast path: neither queued nor running (Linux's
	 * hrtimer_active()). Two plain loads of state and running are not
	 * enough: a callback returning RESTART requeues its timer and then
	 * clears running, so "state read before the requeue, running read
	 * after the clear" would report a queued timer as stopped (seen: a
	 * POSIX timer set up again while queued). cw_hrtimer_active() retries
	 * across the expiry's sequence count. Its acquire on running makes a
	 * callback that just finished visible to the caller, as the lock would.
	 */
	if (!cw_hrtimer_active(timer)) {
		return 0;
	}
	base = lock_timer_base(timer);
	if (CW_READ_ONCE(base->running) == timer) {
		ret = -1;
	} else if (timer->state == HRTIMER_STATE_ENQUEUED) {
		struct cw_hrtimer_cpu_base *cb = base->cpu_base;
		bool was_first = cw_tq_is_first(&base->queue, &timer->node);

		dequeue_locked(timer, base);
		cw__check_hrtimer_cancel(timer);
		ret = 1;
		/*
		 * The device was programmed for it. Eager: move it to the next
		 * timer (hrtimer_force_reprogram). Lazy: leave it; the interrupt
		 * at the old time finds nothing due and programs the next one
		 * (see "Lazy rearm"). Only the owner programs its device; a
		 * remote cancel leaves one early interrupt either way.
		 */
		if (was_first && cb->hres_active && cb->cpu == cw__current_cpu(timer->sys) &&
		    !lazy_locked(cb)) {
			struct hr_now now;

			hr_now_get(timer->sys, &now);
			reprogram_locked(cb, update_next_locked(cb, &now), true);
		}
	}
	unlock_base(base);
	return ret;
}

int cw_hrtimer_cancel(struct cw_hrtimer *timer)
{
	struct cw_system *sys = timer->sys;
	int ret;

	while ((ret = cw_hrtimer_try_to_cancel(timer)) < 0) {
		struct cw_hrtimer_clock_base *base = CW_READ_ONCE(timer->base);

		/*
		 * Its own callback, on this CPU: waiting would never end. Only a
		 * CPU can be in its own callback; an application thread (not a
		 * CPU) always waits.
		 */
		if (CW_WARN_ON_ONCE(sys, base->cpu_base->cpu == cw__current_cpu(sys) &&
						 cw_in_irq(sys))) {
			return 0;
		}
		if (sys->port->cpu_relax) {
			sys->port->cpu_relax(sys->port_ctx);
		} else {
			cw_cpu_relax();
		}
	}
	return ret;
}

/* ---------------------------------------------------------------------- */
/* Accessors */

uint64_t cw_hrtimer_forward(struct cw_hrtimer *timer, cw_ktime_t now, uint64_t interval_ns)
{
	cw_ktime_t expires = timer->node.expires;
	int64_t delta, interval;
	uint64_t orun = 1;

	/* A very negative expiry (a saturated relative start) saturates the distance. */
	if (__builtin_sub_overflow(now, expires, &delta)) {
		delta = now > expires ? INT64_MAX : INT64_MIN;
	}
	if (delta < 0) {
		return 0;
	}
	if (CW_WARN_ON_ONCE(timer->sys, CW_READ_ONCE(timer->state) == HRTIMER_STATE_ENQUEUED)) {
		return 0;
	}
	interval = interval_ns < 1                     ? 1
		   : interval_ns > (uint64_t)INT64_MAX ? INT64_MAX
						       : (int64_t)interval_ns;
	if (delta >= interval) {
		int64_t n = delta / interval;

		orun = (uint64_t)n;
		timer->node.expires = sat_add(timer->node.expires, n * interval);
		timer->softexpires = sat_add(timer->softexpires, n * interval);
		if (timer->node.expires > now) {
			return orun;
		}
		orun++;
	}
	timer->node.expires = sat_add(timer->node.expires, interval);
	timer->softexpires = sat_add(timer->softexpires, interval);
	return orun;
}

cw_ktime_t cw_hrtimer_cb_get_time(const struct cw_hrtimer *timer)
{
	cw_ktime_t t;

	if (cw_clock_get_ns(timer->sys, timer->clock_id, &t)) {
		return 0;
	}
	return t;
}

uint64_t cw_hrtimer_forward_now(struct cw_hrtimer *timer, uint64_t interval_ns)
{
	return cw_hrtimer_forward(timer, cw_hrtimer_cb_get_time(timer), interval_ns);
}

cw_ktime_t cw_hrtimer_get_expires(const struct cw_hrtimer *timer)
{
	return CW_READ_ONCE(timer->node.expires);
}

cw_ktime_t cw_hrtimer_get_softexpires(const struct cw_hrtimer *timer)
{
	return CW_READ_ONCE(timer->softexpires);
}

void cw_hrtimer_set_expires_range_ns(struct cw_hrtimer *timer, cw_ktime_t tim, uint64_t delta_ns)
{
	timer->softexpires = tim;
	timer->node.expires =
		sat_add(tim, delta_ns > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)delta_ns);
}

cw_ktime_t cw_hrtimer_get_remaining(const struct cw_hrtimer *timer)
{
	return sat_add(cw_hrtimer_get_expires(timer), -cw_hrtimer_cb_get_time(timer));
}

bool cw_hrtimer_is_queued(const struct cw_hrtimer *timer)
{
	return CW_READ_ONCE(timer->state) == HRTIMER_STATE_ENQUEUED;
}

bool cw_hrtimer_callback_running(const struct cw_hrtimer *timer)
{
	return CW_READ_ONCE(CW_READ_ONCE(timer->base)->running) == timer;
}

bool cw_hrtimer_active(const struct cw_hrtimer *timer)
{
	struct cw_hrtimer_clock_base *base;
	unsigned seq;

	do {
		base = CW_READ_ONCE(timer->base);
		/* Pairs with the release increments in run_timer(). */
		seq = atomic_load_explicit(&base->cpu_base->seq, memory_order_acquire);
		if (CW_READ_ONCE(timer->state) == HRTIMER_STATE_ENQUEUED ||
		    __atomic_load_n(&base->running, __ATOMIC_ACQUIRE) == timer) {
			return true;
		}
		atomic_thread_fence(memory_order_acquire);
	} while (seq != atomic_load_explicit(&base->cpu_base->seq, memory_order_relaxed) ||
		 base != CW_READ_ONCE(timer->base));
	return false;
}

int cw_hrtimer_get_cpu_stats(struct cw_system *sys, unsigned cpu, struct cw_hrtimer_cpu_stats *out)
{
	struct cw_hrtimer_cpu_base *cb;

	if (!sys || cpu >= sys->nr_cpus || !out) {
		return CW_EINVAL;
	}
	cb = cpu_base_of(sys, cpu);
	cw_spin_lock(&cb->lock);
	*out = cb->stats;
	out->hres_active = cb->hres_active;
	cw_spin_unlock(&cb->lock);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Expiry */

/* Run one expired timer: lock held on entry and exit, dropped around the callback. */
static void run_timer(struct cw_hrtimer_cpu_base *cb, struct cw_hrtimer_clock_base *base,
		      struct cw_hrtimer *timer)
{
	enum cw_hrtimer_restart restart;
	cw_hrtimer_fn fn = timer->function;

	CW_WRITE_ONCE(base->running, timer);
	/* Pairs with the acquire in cw_hrtimer_active(): running is seen before dequeued. */
	atomic_fetch_add_explicit(&cb->seq, 1, memory_order_release);
	dequeue_locked(timer, base);
	cb->stats.expired++;
	cw_spin_unlock(&cb->lock);
	restart = fn(timer);
	cw_spin_lock(&cb->lock);
	/* Requeue unless the callback (or another CPU) already restarted it. */
	if (restart != CW_HRTIMER_NORESTART && timer->state == HRTIMER_STATE_INACTIVE &&
	    CW_READ_ONCE(timer->base) == base) {
		enqueue_locked(timer, base);
		cw__check_hrtimer_rearm(timer);
	}
	atomic_fetch_add_explicit(&cb->seq, 1, memory_order_release);
	/* Release: pairs with the acquire in try_to_cancel's lockless path (see there). */
	__atomic_store_n(&base->running, NULL, __ATOMIC_RELEASE);
}

/*
 * Run every due timer of the bases in @mask (__hrtimer_run_queues).
 * @return whether a due timer queued during this pass was left for the
 * next pass (and with it every timer of its base behind it).
 */
static bool run_queues_locked(struct cw_hrtimer_cpu_base *cb, const struct hr_now *now,
			      unsigned mask)
{
	bool held_back = false;

	cw_lockdep_assert_held(&cb->lock);

	mask &= cb->active_bases;
	while (mask) {
		unsigned i = (unsigned)__builtin_ctz(mask);
		struct cw_hrtimer_clock_base *base = &cb->clock_base[i];
		cw_ktime_t basenow = sat_add(now->mono, now->offs[i & 3]);
		/* Queue insertions from here on have this sequence number or a later one. */
		uint64_t queued_before = base->queue.next_seq;
		struct cw_hrtimer_node *n;

		while ((n = cw_tq_first(&base->queue)) != NULL) {
			struct cw_hrtimer *timer = node_to_timer(n);

			/*
			 * Ordered by hard expiry; run as soon as the soft one
			 * passed. An expiry of CW_KTIME_MAX never passes, not
			 * even when a clock saturated there.
			 */
			if (basenow < timer->softexpires || timer->softexpires == CW_KTIME_MAX) {
				break;
			}
			/*
			 * (Re)armed by a callback of this pass with a passed
			 * expiry: it runs in the next pass (the interrupt's retry
			 * loop, or the next interrupt), not in this one. A
			 * callback re-arming a timer in the past for ever would
			 * otherwise keep this loop, and the CPU, in the interrupt
			 * (Linux loops here; a caller's bug, but one that must not
			 * stop the interrupt from returning).
			 */
			if (n->seq >= queued_before) {
				held_back = true;
				break;
			}
			cw__check_hrtimer_expire(timer, now->mono, now->offs[i & 3u]);
			run_timer(cb, base, timer);
		}
		mask &= mask - 1;
	}
	return held_back;
}

/* Raise soft expiry if it is due. */
static void maybe_raise_soft_locked(struct cw_hrtimer_cpu_base *cb, const struct hr_now *now)
{
	cw_lockdep_assert_held(&cb->lock);
	if (!cb->softirq_activated && now->mono >= cb->softirq_expires_next) {
		cb->softirq_activated = true;
		cw__cpu_raise_softirq(cb->sys, cb->cpu, CW_SOFTIRQ_HRTIMER);
	}
}

void cw__hrtimer_run_queues(struct cw_system *sys, unsigned cpu)
{
	struct cw_hrtimer_cpu_base *cb = cpu_base_of(sys, cpu);
	struct hr_now now;

	if (CW_READ_ONCE(cb->hres_active) || !CW_READ_ONCE(cb->active_bases)) {
		return;
	}
	hr_now_get(sys, &now);
	cw_spin_lock(&cb->lock);
	update_next_locked(cb, &now);
	maybe_raise_soft_locked(cb, &now);
	/*
	 * A callback that queued a timer in the past left it, and every timer
	 * of its base behind it, for the next pass: make it now, as the high
	 * resolution interrupt's retries do (at most CW_HRTIMER_MAX_RETRIES
	 * passes in all), instead of a tick later. Linux's single pass runs
	 * such a timer at once.
	 */
	for (int pass = 1;
	     run_queues_locked(cb, &now, CW_HRTIMER_ACTIVE_HARD) && pass < CW_HRTIMER_MAX_RETRIES;
	     pass++) {
		hr_now_get(sys, &now);
	}
	cw_spin_unlock(&cb->lock);
}

void cw__hrtimer_run_softirq(struct cw_system *sys, unsigned cpu)
{
	struct cw_hrtimer_cpu_base *cb = cpu_base_of(sys, cpu);
	struct hr_now now;
	cw_ktime_t next;

	hr_now_get(sys, &now);
	cw_spin_lock(&cb->lock);
	/* Further passes for soft timers queued in the past by a callback, as at the tick. */
	for (int pass = 1;
	     run_queues_locked(cb, &now, CW_HRTIMER_ACTIVE_SOFT) && pass < CW_HRTIMER_MAX_RETRIES;
	     pass++) {
		hr_now_get(sys, &now);
	}
	cb->softirq_activated = false;
	next = update_next_locked(cb, &now);
	/* A soft timer may now be the earliest event: program for it. */
	reprogram_locked(cb, next, false);
	cw_spin_unlock(&cb->lock);
}

void cw__hrtimer_interrupt(struct cw_clock_event_device *dev)
{
	struct cw_system *sys = dev->sys;
	unsigned cpu = cw__this_cpu(sys);
	struct cw_hrtimer_cpu_base *cb = cpu_base_of(sys, cpu);
	cw_ktime_t entry, expires_next;
	struct hr_now now;
	int retries = 0;

	CW_WRITE_ONCE(dev->next_event_ns, CW_KTIME_MAX);
	cw_spin_lock(&cb->lock);
	cb->stats.events++;
	hr_now_get(sys, &now);
	entry = now.mono;
	for (;;) {
		cb->in_hrtirq = true;
		cb->expires_next = CW_KTIME_MAX;
		maybe_raise_soft_locked(cb, &now);
		run_queues_locked(cb, &now, CW_HRTIMER_ACTIVE_HARD);
		expires_next = update_next_locked(cb, &now);
		cb->expires_next = expires_next;
		cb->in_hrtirq = false;
		/* Programming fails only when expires_next already passed. */
		if (cw_clockevents_program_event(dev, expires_next, false) == 0) {
			cb->hang_detected = false;
			cw_spin_unlock(&cb->lock);
			return;
		}
		hr_now_get(sys, &now);
		cb->stats.retries++;
		if (++retries >= CW_HRTIMER_MAX_RETRIES) {
			break;
		}
	}
	/*
	 * Hang: callbacks took longer than the gap to the next expiry three
	 * times in a row. Force a gap of what this interrupt took (at most
	 * 100 ms) so the system gets on, instead of looping here forever.
	 */
	{
		uint64_t delta = (uint64_t)(now.mono - entry);
		/* Warn once per CPU (Linux: pr_warn_once); the count is in the statistics. */
		bool first_hang = cb->stats.hangs == 0;

		cb->stats.hangs++;
		cb->hang_detected = true;
		if (delta > cb->stats.max_hang_ns) {
			cb->stats.max_hang_ns = delta;
		}
		if (delta > CW_HRTIMER_HANG_MAX_NS) {
			delta = CW_HRTIMER_HANG_MAX_NS;
		}
		cb->expires_next = now.mono + (cw_ktime_t)delta;
		cw_spin_unlock(&cb->lock);
		cw_clockevents_program_event(dev, now.mono + (cw_ktime_t)delta, true);
		if (first_hang) {
			cw__log(sys, CW_LOG_WARNING, "hrtimer: CPU%u: interrupt took %llu ns", cpu,
				(unsigned long long)(now.mono - entry));
		}
	}
}

void cw__hrtimer_retrigger(struct cw_system *sys, unsigned cpu)
{
	struct cw_hrtimer_cpu_base *cb = cpu_base_of(sys, cpu);
	struct hr_now now;

	if (!CW_READ_ONCE(cb->hres_active)) {
		return;
	}
	hr_now_get(sys, &now);
	cw_spin_lock(&cb->lock);
	reprogram_locked(cb, update_next_locked(cb, &now), true);
	cw_spin_unlock(&cb->lock);
}

void cw__hrtimer_settle(struct cw_system *sys, unsigned cpu)
{
	struct cw_hrtimer_cpu_base *cb = cpu_base_of(sys, cpu);
	struct hr_now now;
	cw_ktime_t next;

	if (!CW_READ_ONCE(cb->hres_active)) {
		return;
	}
	hr_now_get(sys, &now);
	cw_spin_lock(&cb->lock);
	next = update_next_locked(cb, &now);
	/* Only an event set earlier than needed: a later one is never left behind. */
	if (next > cb->expires_next) {
		reprogram_locked(cb, next, true);
	}
	cw_spin_unlock(&cb->lock);
}

void cw__hrtimer_switch_to_hres(struct cw_system *sys, unsigned cpu)
{
	struct cw_hrtimer_cpu_base *cb = cpu_base_of(sys, cpu);
	struct cw_clock_event_device *dev = tick_dev_of(sys, cpu);
	struct hr_now now;

	if (!dev || cb->hres_active) {
		return;
	}
	CW_WRITE_ONCE(dev->event_handler, cw__hrtimer_interrupt);
	hr_now_get(sys, &now);
	cw_spin_lock(&cb->lock);
	CW_WRITE_ONCE(cb->hres_active, true);
	cb->hang_detected = false;
	reprogram_locked(cb, update_next_locked(cb, &now), true);
	cw_spin_unlock(&cb->lock);
}

bool cw__hrtimer_hres_active(struct cw_system *sys, unsigned cpu)
{
	return CW_READ_ONCE(cpu_base_of(sys, cpu)->hres_active);
}

cw_ktime_t cw__hrtimer_next_event(struct cw_system *sys, unsigned cpu)
{
	struct cw_hrtimer_cpu_base *cb = cpu_base_of(sys, cpu);
	struct hr_now now;
	cw_ktime_t next;

	hr_now_get(sys, &now);
	cw_spin_lock(&cb->lock);
	next = next_event_locked(cb, &now, CW_HRTIMER_ACTIVE_HARD | CW_HRTIMER_ACTIVE_SOFT);
	cw_spin_unlock(&cb->lock);
	return next;
}

void cw__hrtimer_cpu_dying(struct cw_system *sys, unsigned cpu)
{
	struct cw_hrtimer_cpu_base *old = cpu_base_of(sys, cpu), *new;
	unsigned target = 0;
	bool kick;

	while (target < sys->nr_cpus && (target == cpu || !cw_cpu_online(sys, target))) {
		target++;
	}
	CW_WRITE_ONCE(old->hres_active, false);
	if (target == sys->nr_cpus) {
		return;
	}
	new = cpu_base_of(sys, target);
	lock_two(old, new);
	for (unsigned i = 0; i < CW_HRTIMER_MAX_CLOCK_BASES; i++) {
		struct cw_hrtimer_clock_base *from = &old->clock_base[i], *to = &new->clock_base[i];
		struct cw_hrtimer_node *n;

		while ((n = cw_tq_first(&from->queue)) != NULL) {
			struct cw_hrtimer *timer = node_to_timer(n);

			dequeue_locked(timer, from);
			CW_WRITE_ONCE(timer->base, to);
			enqueue_locked(timer, to);
		}
	}
	old->expires_next = CW_KTIME_MAX;
	old->softirq_activated = false;
	kick = new->active_bases != 0;
	unlock_two(old, new);
	if (kick) {
		/* The target re-evaluates its bases (and, in low resolution, its sleep). */
		cw__cpu_send_ipi(sys, target,
				 CW_READ_ONCE(new->hres_active) ? CW_IPI_HRTIMER : CW_IPI_KICK);
	}
}
