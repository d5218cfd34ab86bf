/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel's clockwork-bare row reaches the wheel's queue code here: this
 * file compiles src/core/timer.c a second time (CW_BUILDING_LIBRARY, as the
 * tests build) and adds a few entry points around its static queueing
 * functions. bench/CMakeLists.txt then makes every symbol of this object
 * local except bench_wheel_bare_* (objcopy --keep-global-symbol), so the
 * copy cannot clash with the library's timer.c, which the rest of the
 * program (and the timers' set-up) uses. The struct layouts are the same
 * source, so both copies read the same bases. This is the benchmarks' only
 * use of library internals besides the hrtimer queue header.
 *
 * What the entry points do is exactly the queue part of mod_timer() and
 * cw_timer_del(): forward the base clock to the given now, the same-bucket
 * shortcut, unlink, bucket index, link. What they leave out is the API
 * around it: no base lock per call (the bench holds the base lock for the
 * whole run, so the library's lock-held assertions pass in debug builds),
 * no CPU lookup, no clock read (now is the benchmark's virtual tick), no
 * shutdown or migration checks.
 */
#include "../src/core/timer.c"

struct cw_timer_base *bench_wheel_bare_base(struct cw_system *sys);
void bench_wheel_bare_hold(struct cw_timer_base *b);
void bench_wheel_bare_release(struct cw_timer_base *b);
void bench_wheel_bare_arm(struct cw_system *sys, struct cw_timer_base *b, struct cw_timer *t,
			  uint64_t expires, uint64_t now);
void bench_wheel_bare_del(struct cw_timer_base *b, struct cw_timer *t);

/* The base a non-pinned timer of a one-CPU system is queued on. */
struct cw_timer_base *bench_wheel_bare_base(struct cw_system *sys)
{
	return get_base(sys->timer_wheel, 0, CW_TIMER_BASE_GLOBAL);
}

void bench_wheel_bare_hold(struct cw_timer_base *b)
{
	cw_spin_lock(&b->lock);
}

void bench_wheel_bare_release(struct cw_timer_base *b)
{
	cw_spin_unlock(&b->lock);
}

void bench_wheel_bare_arm(struct cw_system *sys, struct cw_timer_base *b, struct cw_timer *t,
			  uint64_t expires, uint64_t now)
{
	uint64_t bucket_expiry;
	unsigned idx;

	forward_base(b, now);
	idx = calc_wheel_index(sys->timer_wheel, expires, b->clk, &bucket_expiry);
	if (t->pprev && idx == timer_idx(t)) {
		t->expires = expires;
		return;
	}
	detach_if_pending(b, t);
	t->expires = expires;
	enqueue_timer(sys, b, t, idx, bucket_expiry);
}

void bench_wheel_bare_del(struct cw_timer_base *b, struct cw_timer *t)
{
	detach_if_pending(b, t);
}
