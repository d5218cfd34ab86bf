/* SPDX-License-Identifier: MIT */
/*
 * Clockevents core: configuration from frequency and tick limits, the
 * delta conversion, the state machine, programming with clamping and the
 * min-delta retry (with and without adjustment), registration checks, and
 * unregistering. The devices here are fakes that record what the core asks
 * of them; time comes from a sim counter so it is virtual and exact.
 */
#include "cw_test.h"

#include <clockwork/driver/clockevent.h>
#include <clockwork/driver/init.h>

#include "core/system-internal.h"
#include "core/clockevents-internal.h"

/** A fake device: counts callbacks, records the last delta, fails on demand. */
struct fake_ce {
	struct cw_clock_event_device dev;
	unsigned shutdowns, periodics, oneshots, stops;
	uint64_t last_cycles;
	cw_ktime_t last_ktime;
	unsigned programs;
	/** set_next_event fails this many more times (UINT32_MAX: always). */
	unsigned fail_next;
	/** State callbacks return this. */
	int state_ret;
	uint64_t cycles_log[64];
};

#define FAKE(d) ((struct fake_ce *)(d))

static int fake_set_next_event(uint64_t cycles, struct cw_clock_event_device *d)
{
	struct fake_ce *f = FAKE(d);

	if (f->programs < 64) {
		f->cycles_log[f->programs] = cycles;
	}
	f->programs++;
	f->last_cycles = cycles;
	if (f->fail_next) {
		if (f->fail_next != UINT32_MAX) {
			f->fail_next--;
		}
		return CW_ETIME;
	}
	return 0;
}

static int fake_set_next_ktime(cw_ktime_t t, struct cw_clock_event_device *d)
{
	FAKE(d)->last_ktime = t;
	FAKE(d)->programs++;
	return 0;
}

static int fake_shutdown(struct cw_clock_event_device *d)
{
	FAKE(d)->shutdowns++;
	return FAKE(d)->state_ret;
}

static int fake_periodic(struct cw_clock_event_device *d)
{
	FAKE(d)->periodics++;
	return FAKE(d)->state_ret;
}

static int fake_oneshot(struct cw_clock_event_device *d)
{
	FAKE(d)->oneshots++;
	return FAKE(d)->state_ret;
}

static int fake_oneshot_stopped(struct cw_clock_event_device *d)
{
	FAKE(d)->stops++;
	return FAKE(d)->state_ret;
}

static void fake_init(struct fake_ce *f, const char *name, unsigned features)
{
	memset(f, 0, sizeof(*f));
	f->dev.name = name;
	f->dev.features = features;
	f->dev.rating = 100;
	f->dev.irq = -1;
	f->dev.cpu = 0;
	f->dev.set_next_event = fake_set_next_event;
	f->dev.set_next_ktime = fake_set_next_ktime;
	f->dev.set_state_shutdown = fake_shutdown;
	f->dev.set_state_periodic = fake_periodic;
	f->dev.set_state_oneshot = fake_oneshot;
	f->dev.set_state_oneshot_stopped = fake_oneshot_stopped;
}

/*
 * A device configured at @freq with @min/@max ticks but not registered:
 * the tests drive the core's functions on it directly, so no tick layer
 * decision interferes. Time comes from @t's system.
 */
static void fake_attach(struct fake_ce *f, struct cwt *t, uint64_t freq, uint64_t min, uint64_t max)
{
	f->dev.min_delta_ticks = min;
	f->dev.max_delta_ticks = max;
	cw__clockevents_config(&f->dev, freq);
	f->dev.sys = t->sys;
	f->dev.next_event_ns = CW_KTIME_MAX;
	f->dev.state_use_accessors = CW_CLOCKEVENT_STATE_DETACHED;
}

/*
 * Cycles the core programs for @ns: the exact product rounded up plus one
 * cycle for the device counter's phase, so the interrupt is never early.
 */
static uint64_t expect_cycles(const struct cw_clock_event_device *d, uint64_t ns)
{
	unsigned __int128 p = (unsigned __int128)ns * d->mult;

	return (uint64_t)((p >> d->shift) + ((p & ((((unsigned __int128)1) << d->shift) - 1)) != 0) + 1);
}

static void setup_time(struct cwt *t, unsigned hz)
{
	cwt_init(t, hz);
	cwt_counter(t, "ctr", 64, 100000000, 0, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	assert_int_equal(cw_system_boot(t->sys), 0);
	/* Start 1 s in, so that "now - x" is a valid past time. */
	cw_sim_run_for(t->sim, SEC(1));
}

/* ---------------------------------------------------------------------- */

static void test_config_converts_ticks_to_ns_with_rounding_and_floor(void **state)
{
	struct fake_ce f;
	struct cwt t;

	(void)state;
	setup_time(&t, 1000);
	fake_init(&f, "f1", CW_CLOCKEVENT_FEAT_ONESHOT);
	f.dev.rating = -1;
	fake_attach(&f, &t, 32768, 3, 0xffffffffu);
	/* 3 cycles at 32768 Hz = 91552.73 ns: a minimum rounds up, so it converts back to >= 3. */
	assert_true(f.dev.min_delta_ns >= 91552 && f.dev.min_delta_ns <= 91554);
	assert_true((((unsigned __int128)f.dev.min_delta_ns * f.dev.mult) >> f.dev.shift) >= 3);
	/*
	 * 2^32-1 cycles = 131072 s. mult is rounded (a relative error of a few
	 * ppm at this frequency, as in Linux), so the maximum is within that
	 * of the exact value and never converts back to more than the limit.
	 */
	assert_true(f.dev.max_delta_ns > 131071000000000ULL &&
		    f.dev.max_delta_ns < 131073000000000ULL);
	assert_true((((unsigned __int128)f.dev.max_delta_ns * f.dev.mult) >> f.dev.shift) <= 0xffffffffu);
	/* ns -> cycles: one second is 32768 cycles within rounding of mult. */
	{
		unsigned __int128 c = ((unsigned __int128)1000000000ULL * f.dev.mult) >> f.dev.shift;

		assert_true(c >= 32767 && c <= 32768);
	}
	/* 1 cycle at 1 GHz is 1 ns: the 1 us floor applies. */
	fake_init(&f, "f2", CW_CLOCKEVENT_FEAT_ONESHOT);
	f.dev.rating = -1;
	fake_attach(&f, &t, 1000000000, 1, 1000);
	assert_int_equal(f.dev.min_delta_ns, CW_CLOCKEVENT_MIN_DELTA_FLOOR_NS);
	cwt_fini(&t);
}

static void test_max_delta_never_exceeds_hardware_limit_above_1ghz(void **state)
{
	struct cw_clock_event_device d = { 0 };

	(void)state;
	/* 3 GHz: mult/shift for ns->cycles with mult > 2^shift. */
	d.mult = 3221225472u; /* 3 * 2^30 */
	d.shift = 30;
	/* From 3000 cycles = 1 us on: below, the 1 us floor applies. */
	for (uint64_t latch = 3000; latch < 1000000; latch = latch * 3 + 7) {
		uint64_t ns = cw_clockevent_delta_to_ns(latch, &d, false);
		unsigned __int128 back = ((unsigned __int128)ns * d.mult) >> d.shift;

		assert_true(back <= latch);
		/* And the minimum converts back to at least the latch. */
		ns = cw_clockevent_delta_to_ns(latch, &d, true);
		back = ((unsigned __int128)ns * d.mult) >> d.shift;
		assert_true(back >= latch);
	}
	/* Saturation instead of overflow. */
	d.mult = 1;
	d.shift = 32;
	assert_int_equal(cw_clockevent_delta_to_ns(UINT64_MAX, &d, false), INT64_MAX);
}

static void test_state_machine_allows_only_legal_transitions(void **state)
{
	struct fake_ce f;
	struct cwt t;

	(void)state;
	setup_time(&t, 250);
	fake_init(&f, "sm", CW_CLOCKEVENT_FEAT_ONESHOT);
	f.dev.rating = -1;
	fake_attach(&f, &t, 1000000, 1, 0xffffffffu);

	/* No periodic feature: ENOSYS, state unchanged, driver not called. */
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_PERIODIC),
			 CW_ENOSYS);
	assert_int_equal(cw_clockevent_get_state(&f.dev), CW_CLOCKEVENT_STATE_DETACHED);
	assert_int_equal(f.periodics, 0);
	/* ONESHOT_STOPPED only from ONESHOT. */
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT_STOPPED),
			 CW_EINVAL);
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_SHUTDOWN), 0);
	assert_int_equal(f.shutdowns, 1);
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT), 0);
	assert_int_equal(f.oneshots, 1);
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT_STOPPED),
			 0);
	assert_int_equal(f.stops, 1);
	assert_int_equal(cw_clockevent_get_state(&f.dev), CW_CLOCKEVENT_STATE_ONESHOT_STOPPED);
	/* A failing driver callback leaves the state as it was. */
	f.state_ret = CW_EIO;
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_SHUTDOWN),
			 CW_EIO);
	assert_int_equal(cw_clockevent_get_state(&f.dev), CW_CLOCKEVENT_STATE_ONESHOT_STOPPED);
	/* Without a stop callback ONESHOT_STOPPED is not available. */
	f.state_ret = 0;
	f.dev.set_state_oneshot_stopped = NULL;
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT), 0);
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT_STOPPED),
			 CW_ENOSYS);
	assert_string_equal(cw_clockevent_state_name(CW_CLOCKEVENT_STATE_ONESHOT_STOPPED),
			    "oneshot-stopped");
	cwt_fini(&t);
}

static void test_dummy_device_switches_without_driver_calls(void **state)
{
	struct fake_ce f;
	struct cwt t;

	(void)state;
	setup_time(&t, 250);
	fake_init(&f, "dummy",
		  CW_CLOCKEVENT_FEAT_DUMMY | CW_CLOCKEVENT_FEAT_ONESHOT |
			  CW_CLOCKEVENT_FEAT_PERIODIC);
	f.dev.sys = t.sys;
	f.state_ret = CW_EIO; /* would fail if called */
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_PERIODIC), 0);
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_SHUTDOWN), 0);
	assert_int_equal(f.periodics + f.shutdowns, 0);
	cwt_fini(&t);
}

static void test_program_event_clamps_delta_to_device_limits(void **state)
{
	struct fake_ce f;
	struct cwt t;
	cw_ktime_t now;

	(void)state;
	setup_time(&t, 1000);
	fake_init(&f, "clamp", CW_CLOCKEVENT_FEAT_ONESHOT);
	f.dev.rating = -1;
	fake_attach(&f, &t, 1000000, 50, 100000); /* 1 MHz: 50 us .. 100 ms */
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT), 0);
	now = cw_ktime_get(t.sys);

	/*
	 * Clamped to 50 us (min) and 100 ms (max); never early: 1-2 cycles
	 * more, except at the maximum, which the hardware cannot exceed (a
	 * register of that width would wrap the excess to a tiny delta).
	 */
	assert_int_equal(cw_clockevents_program_event(&f.dev, now + 1000, false), 0);
	assert_int_equal(f.last_cycles, expect_cycles(&f.dev, f.dev.min_delta_ns));
	assert_true(f.last_cycles >= 51 && f.last_cycles <= 52);
	assert_int_equal(cw_clockevents_program_event(&f.dev, now + (cw_ktime_t)SEC(5), false), 0);
	print_message("max: %llu cycles programmed, max_delta_ticks %llu (unclamped %llu)\n",
		      (unsigned long long)f.last_cycles, (unsigned long long)f.dev.max_delta_ticks,
		      (unsigned long long)expect_cycles(&f.dev, f.dev.max_delta_ns));
	assert_int_equal(f.last_cycles, f.dev.max_delta_ticks);
	assert_int_equal(f.dev.next_event_ns, now + (cw_ktime_t)SEC(5));
	assert_int_equal(cw_clockevents_program_event(&f.dev, now + 12345000, false), 0);
	assert_int_equal(f.last_cycles, expect_cycles(&f.dev, 12345000));
	assert_true(f.last_cycles >= 12346 && f.last_cycles <= 12347);
	cwt_fini(&t);
}

/* A 32-bit counter at 12.5 MHz (a TMU channel): never more than 2^32 - 1 cycles, at any delta. */
static void test_program_event_never_exceeds_max_delta_ticks(void **state)
{
	static const uint64_t deltas[] = { 1000000, 1000000000, 343597378481ull, 600000000000ull };
	struct fake_ce f;
	struct cwt t;

	(void)state;
	setup_time(&t, 1000);
	fake_init(&f, "tmu32", CW_CLOCKEVENT_FEAT_ONESHOT);
	f.dev.rating = -1;
	fake_attach(&f, &t, 12500000, 0x300, 0xffffffffu);
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT), 0);
	for (unsigned i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
		cw_ktime_t now = cw_ktime_get(t.sys);

		assert_int_equal(
			cw_clockevents_program_event(&f.dev, now + (cw_ktime_t)deltas[i], false),
			0);
		print_message("delta %llu ns: %llu cycles (max_delta_ns %llu)\n",
			      (unsigned long long)deltas[i], (unsigned long long)f.last_cycles,
			      (unsigned long long)f.dev.max_delta_ns);
		assert_true(f.last_cycles <= 0xffffffffu);
		/* Never early below the maximum; at least the maximum above it. */
		if (deltas[i] < f.dev.max_delta_ns) {
			assert_int_equal(f.last_cycles, expect_cycles(&f.dev, deltas[i]));
		} else {
			assert_int_equal(f.last_cycles, 0xffffffffu);
		}
	}
	cwt_fini(&t);
}

static void test_program_event_in_the_past_fails_unless_forced(void **state)
{
	struct fake_ce f;
	struct cwt t;
	cw_ktime_t now;

	(void)state;
	setup_time(&t, 1000);
	cw_sim_run_for(t.sim, MS(10));
	fake_init(&f, "past", CW_CLOCKEVENT_FEAT_ONESHOT);
	f.dev.rating = -1;
	fake_attach(&f, &t, 1000000, 2, 0xffffffffu);
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT), 0);
	now = cw_ktime_get(t.sys);
	assert_int_equal(cw_clockevents_program_event(&f.dev, now - 1, false), CW_ETIME);
	assert_int_equal(f.programs, 0);
	assert_int_equal(cw_clockevents_program_event(&f.dev, now - 1, true), 0);
	assert_int_equal(f.programs, 1);
	/* Forced: now + min_delta (2 us = 2 cycles, programmed as 3-4). */
	assert_int_equal(f.last_cycles, expect_cycles(&f.dev, f.dev.min_delta_ns));
	assert_int_equal(f.dev.next_event_ns, now + (cw_ktime_t)f.dev.min_delta_ns);
	assert_int_equal(f.dev.retries, 1);
	cwt_fini(&t);
}

/*
 * The forced-event latch: a forced programming of a past (or negative)
 * time latches the device; further programming is skipped (counted) until
 * it interrupts; every state change, a stop with CW_KTIME_MAX, a
 * frequency update and an exchange clear it.
 */
static void test_forced_programming_latches_until_interrupt_or_state_change(void **state)
{
	struct fake_ce f, other;
	struct cwt t;
	cw_ktime_t now;

	(void)state;
	setup_time(&t, 1000);
	fake_init(&f, "latch", CW_CLOCKEVENT_FEAT_ONESHOT);
	f.dev.rating = -1;
	fake_attach(&f, &t, 1000000, 2, 0xffffffffu);
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT), 0);
	now = cw_ktime_get(t.sys);
	/* A negative time is past: not refused, forced to now + min_delta. */
	assert_int_equal(cw_clockevents_program_event(&f.dev, -5, false), CW_ETIME);
	assert_false(f.dev.next_event_forced);
	assert_int_equal(cw_clockevents_program_event(&f.dev, -5, true), 0);
	assert_true(f.dev.next_event_forced);
	assert_int_equal(f.dev.next_event_ns, now + (cw_ktime_t)f.dev.min_delta_ns);
	assert_int_equal(f.programs, 1);
	/* Latched: later and past times alike change nothing. */
	assert_int_equal(cw_clockevents_program_event(&f.dev, now + (cw_ktime_t)MS(5), false), 0);
	assert_int_equal(cw_clockevents_program_event(&f.dev, now - 1, true), 0);
	assert_int_equal(f.programs, 1);
	assert_int_equal(f.dev.forced_skips, 2);
	assert_int_equal(f.dev.next_event_ns, now + (cw_ktime_t)f.dev.min_delta_ns);
	/* The interrupt clears it (no handler installed: the call is otherwise ignored). */
	cw_clockevents_handle_irq(&f.dev);
	assert_false(f.dev.next_event_forced);
	assert_int_equal(cw_clockevents_program_event(&f.dev, now + (cw_ktime_t)MS(5), false), 0);
	assert_int_equal(f.programs, 2);
	assert_int_equal(f.dev.next_event_ns, now + (cw_ktime_t)MS(5));
	/* Stopping with CW_KTIME_MAX (oneshot-stopped) clears it. */
	assert_int_equal(cw_clockevents_program_event(&f.dev, now - 1, true), 0);
	assert_true(f.dev.next_event_forced);
	assert_int_equal(cw_clockevents_program_event(&f.dev, CW_KTIME_MAX, false), 0);
	assert_int_equal(cw_clockevent_get_state(&f.dev), CW_CLOCKEVENT_STATE_ONESHOT_STOPPED);
	assert_false(f.dev.next_event_forced);
	/* A state change (shutdown and back) clears it. */
	assert_int_equal(cw_clockevents_program_event(&f.dev, now - 1, true), 0);
	assert_true(f.dev.next_event_forced);
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_SHUTDOWN), 0);
	assert_false(f.dev.next_event_forced);
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT), 0);
	/* A frequency update clears it and reprograms the pending time at the new rate. */
	assert_int_equal(cw_clockevents_program_event(&f.dev, now - 1, true), 0);
	assert_int_equal(cw_clockevents_update_freq(&f.dev, 2000000), 0);
	assert_false(f.dev.next_event_forced);
	assert_int_equal(f.programs, 6);
	/* Exchange: the released device and the new one both start unlatched. */
	fake_init(&other, "other", CW_CLOCKEVENT_FEAT_ONESHOT);
	fake_attach(&other, &t, 1000000, 2, 0xffffffffu);
	other.dev.next_event_forced = true;
	cw__clockevents_exchange_device(t.sys, &f.dev, &other.dev);
	assert_false(f.dev.next_event_forced);
	assert_false(other.dev.next_event_forced);
	assert_int_equal(cw_clockevent_get_state(&f.dev), CW_CLOCKEVENT_STATE_DETACHED);
	cwt_fini(&t);
}

/* Reference model of the min-delta raises: 5 us, then x1.5, capped at one jiffy. */
static unsigned expected_raises(uint64_t min_ns, uint64_t limit, uint64_t *final_ns)
{
	unsigned n = 0;

	while (min_ns < limit) {
		min_ns = min_ns < 5000 ? 5000 : min_ns + (min_ns >> 1);
		if (min_ns > limit) {
			min_ns = limit;
		}
		n++;
	}
	*final_ns = min_ns;
	return n;
}

static void test_min_delta_retry_raises_min_delta_and_gives_up_at_one_jiffy(void **state)
{
	struct fake_ce f;
	struct cwt t;
	uint64_t final_ns;
	unsigned raises;

	(void)state;
	setup_time(&t, 1000);
	fake_init(&f, "broken", CW_CLOCKEVENT_FEAT_ONESHOT);
	f.dev.rating = -1;
	fake_attach(&f, &t, 1000000000, 1, 0xffffffffu); /* min 1 us */
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT), 0);
	f.fail_next = UINT32_MAX;
	raises = expected_raises(f.dev.min_delta_ns, SEC(1) / 1000, &final_ns);

	assert_int_equal(cw_clockevents_program_event(&f.dev, cw_ktime_get(t.sys) - 5, true),
			 CW_ETIME);
	assert_int_equal(f.dev.min_delta_raises, raises);
	assert_int_equal(f.dev.min_delta_ns, final_ns);
	assert_int_equal(final_ns, 1000000);
	/* Three tries at each min_delta value: the start, each raise, then give up. */
	assert_int_equal(f.dev.retries, 3 * (raises + 1));
	assert_int_equal(f.dev.next_event_ns, CW_KTIME_MAX);
	assert_true(cw_log_contains(t.sys, "CE: broken increased min_delta_ns to 5000 nsec"));
	assert_true(cw_log_contains(t.sys, "CE: Reprogramming failure. Giving up"));
	cwt_fini(&t);
}

static void test_min_delta_retry_succeeding_on_fourth_try_raises_once(void **state)
{
	struct fake_ce f;
	struct cwt t;

	(void)state;
	setup_time(&t, 1000);
	fake_init(&f, "flaky", CW_CLOCKEVENT_FEAT_ONESHOT);
	f.dev.rating = -1;
	fake_attach(&f, &t, 1000000000, 1, 0xffffffffu);
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT), 0);
	/* The first program fails too (driver says ETIME), then 3 forced tries fail. */
	f.fail_next = 4;
	assert_int_equal(cw_clockevents_program_event(&f.dev, cw_ktime_get(t.sys) + 10000, true),
			 0);
	assert_int_equal(f.dev.min_delta_raises, 1);
	assert_int_equal(f.dev.min_delta_ns, 5000);
	assert_int_equal(f.last_cycles, expect_cycles(&f.dev, 5000));
	/* Two failures only: no raise. */
	f.fail_next = 2;
	f.dev.min_delta_raises = 0;
	assert_int_equal(cw_clockevents_program_event(&f.dev, cw_ktime_get(t.sys) - 1, true), 0);
	assert_int_equal(f.dev.min_delta_raises, 0);
	cwt_fini(&t);
}

static void test_min_delta_without_adjust_tries_ten_growing_deltas(void **state)
{
	struct fake_ce f;
	struct cwt t;

	(void)state;
	setup_time(&t, 1000);
	t.sys->ce.min_adjust = false;
	fake_init(&f, "linear", CW_CLOCKEVENT_FEAT_ONESHOT);
	f.dev.rating = -1;
	fake_attach(&f, &t, 1000000, 3, 0xffffffffu); /* 1 MHz, min 3 us */
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT), 0);
	f.fail_next = UINT32_MAX;
	assert_int_equal(cw_clockevents_program_event(&f.dev, cw_ktime_get(t.sys) - 1, true),
			 CW_ETIME);
	assert_int_equal(f.programs, 10);
	/* Linearly growing: k * min_delta_ns for k = 1..10, min_delta_ns never raised. */
	for (unsigned k = 0; k < 10; k++) {
		uint64_t ns = (k + 1) * f.dev.min_delta_ns;

		assert_int_equal(f.cycles_log[k], expect_cycles(&f.dev, ns));
		assert_true(f.cycles_log[k] > 3 * (k + 1));
	}
	assert_true(f.dev.min_delta_ns >= 3000 && f.dev.min_delta_ns <= 3001);
	cwt_fini(&t);
}

static void test_ktime_device_gets_absolute_expiry(void **state)
{
	struct fake_ce f;
	struct cwt t;

	(void)state;
	setup_time(&t, 100);
	fake_init(&f, "kt", CW_CLOCKEVENT_FEAT_ONESHOT | CW_CLOCKEVENT_FEAT_KTIME);
	f.dev.sys = t.sys;
	f.dev.next_event_ns = CW_KTIME_MAX;
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT), 0);
	assert_int_equal(cw_clockevents_program_event(&f.dev, 123456789, false), 0);
	assert_int_equal(f.last_ktime, 123456789);
	cwt_fini(&t);
}

static void test_program_ktime_max_stops_and_next_program_restarts(void **state)
{
	struct fake_ce f;
	struct cwt t;

	(void)state;
	setup_time(&t, 100);
	fake_init(&f, "stopper", CW_CLOCKEVENT_FEAT_ONESHOT);
	f.dev.rating = -1;
	fake_attach(&f, &t, 1000000, 1, 0xffffffffu);
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT), 0);
	assert_int_equal(cw_clockevents_program_event(&f.dev, CW_KTIME_MAX, false), 0);
	assert_int_equal(cw_clockevent_get_state(&f.dev), CW_CLOCKEVENT_STATE_ONESHOT_STOPPED);
	assert_int_equal(f.programs, 0);
	assert_int_equal(cw_clockevents_program_event(&f.dev, cw_ktime_get(t.sys) + 50000, false),
			 0);
	assert_int_equal(cw_clockevent_get_state(&f.dev), CW_CLOCKEVENT_STATE_ONESHOT);
	assert_int_equal(f.oneshots, 2);
	assert_int_equal(f.programs, 1);
	cwt_fini(&t);
}

static void test_register_rejects_malformed_devices(void **state)
{
	struct fake_ce a, b;
	struct cwt t;

	(void)state;
	setup_time(&t, 250);
	fake_init(&a, NULL, CW_CLOCKEVENT_FEAT_ONESHOT);
	assert_int_equal(cw_clockevents_config_and_register(t.sys, &a.dev, 1000000, 1, 1000),
			 CW_EINVAL);
	fake_init(&a, "x", CW_CLOCKEVENT_FEAT_ONESHOT);
	a.dev.cpu = 4; /* the system has 4 CPUs: 0..3 */
	assert_int_equal(cw_clockevents_config_and_register(t.sys, &a.dev, 1000000, 1, 1000),
			 CW_EINVAL);
	a.dev.cpu = CW_CLOCKEVENT_ANY_CPU;
	a.dev.features |= CW_CLOCKEVENT_FEAT_PERCPU;
	assert_int_equal(cw_clockevents_config_and_register(t.sys, &a.dev, 1000000, 1, 1000),
			 CW_EINVAL);
	fake_init(&a, "x", CW_CLOCKEVENT_FEAT_ONESHOT);
	a.dev.set_next_event = NULL;
	assert_int_equal(cw_clockevents_config_and_register(t.sys, &a.dev, 1000000, 1, 1000),
			 CW_EINVAL);
	fake_init(&a, "x", CW_CLOCKEVENT_FEAT_PERIODIC);
	a.dev.set_state_periodic = NULL;
	assert_int_equal(cw_clockevents_config_and_register(t.sys, &a.dev, 1000000, 1, 1000),
			 CW_EINVAL);
	fake_init(&a, "x", CW_CLOCKEVENT_FEAT_ONESHOT);
	assert_int_equal(cw_clockevents_config_and_register(t.sys, &a.dev, 0, 1, 1000), CW_EINVAL);
	assert_int_equal(cw_clockevents_config_and_register(t.sys, &a.dev, 1000, 10, 5), CW_EINVAL);
	/* A good one, then a second registration and a duplicate name. */
	a.dev.rating = 1;
	assert_int_equal(cw_clockevents_config_and_register(t.sys, &a.dev, 1000000, 1, 1000), 0);
	assert_int_equal(cw_clockevents_register(t.sys, &a.dev), CW_EBUSY);
	fake_init(&b, "x", CW_CLOCKEVENT_FEAT_ONESHOT);
	assert_int_equal(cw_clockevents_config_and_register(t.sys, &b.dev, 1000000, 1, 1000),
			 CW_EINVAL);
	assert_true(cw_log_contains(t.sys, "clockevents: registered x (CPU0, oneshot, rating 1"));
	cwt_fini(&t);
}

static void test_unregister_needs_a_replacement_and_removes_unused_devices(void **state)
{
	struct fake_ce cur, spare;
	struct cwt t;

	(void)state;
	setup_time(&t, 250);
	/* CPU2's only device is its tick device: it cannot go. */
	fake_init(&cur, "cur", CW_CLOCKEVENT_FEAT_ONESHOT | CW_CLOCKEVENT_FEAT_PERCPU);
	cur.dev.cpu = 2;
	cur.dev.rating = 300;
	assert_int_equal(cw_clockevents_config_and_register(t.sys, &cur.dev, 1000000, 1, 1000), 0);
	assert_ptr_equal(cw_tick_device(t.sys, 2), &cur.dev);
	assert_int_equal(cw_clockevents_unregister(t.sys, &cur.dev), CW_EBUSY);
	/* A worse one stays unused (a per-CPU device is never broadcast) and goes cleanly. */
	fake_init(&spare, "spare", CW_CLOCKEVENT_FEAT_ONESHOT | CW_CLOCKEVENT_FEAT_PERCPU);
	spare.dev.cpu = 2;
	spare.dev.rating = 100;
	assert_int_equal(cw_clockevents_config_and_register(t.sys, &spare.dev, 1000000, 1, 1000),
			 0);
	assert_int_equal(cw_clockevent_get_state(&spare.dev), CW_CLOCKEVENT_STATE_DETACHED);
	assert_int_equal(cw_clockevents_unregister(t.sys, &spare.dev), 0);
	assert_null(spare.dev.sys);
	assert_int_equal(cw_clockevents_unregister(t.sys, &spare.dev), CW_EINVAL);
	assert_int_equal(cw_clockevents_register(t.sys, &spare.dev), 0);
	assert_int_equal(cw_clockevent_get_state(&spare.dev), CW_CLOCKEVENT_STATE_DETACHED);
	/* Now the tick device can go: the spare replaces it. */
	assert_int_equal(cw_clockevents_unregister(t.sys, &cur.dev), 0);
	assert_ptr_equal(cw_tick_device(t.sys, 2), &spare.dev);
	assert_int_equal(cw_clockevent_get_state(&cur.dev), CW_CLOCKEVENT_STATE_DETACHED);
	assert_null(cur.dev.sys);
	cwt_fini(&t);
}

static void test_update_freq_reconfigures_and_reprograms(void **state)
{
	struct fake_ce f;
	struct cwt t;
	cw_ktime_t when;

	(void)state;
	setup_time(&t, 1000);
	fake_init(&f, "rescale", CW_CLOCKEVENT_FEAT_ONESHOT);
	f.dev.rating = -1;
	fake_attach(&f, &t, 1000000, 1, 0xffffffffu);
	assert_int_equal(cw__clockevents_switch_state(&f.dev, CW_CLOCKEVENT_STATE_ONESHOT), 0);
	when = cw_ktime_get(t.sys) + (cw_ktime_t)MS(1);
	assert_int_equal(cw_clockevents_program_event(&f.dev, when, false), 0);
	/* 1 ms at 1 MHz: 1000 cycles, plus up to 2 so that it is never early. */
	assert_int_equal(f.last_cycles, expect_cycles(&f.dev, MS(1)));
	assert_true(f.last_cycles >= 1001 && f.last_cycles <= 1002);
	assert_int_equal(cw_clockevents_update_freq(&f.dev, 2000000), 0);
	assert_true(f.last_cycles >= 2001 && f.last_cycles <= 2002);
	assert_int_equal(f.dev.next_event_ns, when);
	assert_int_equal(cw_clockevents_update_freq(&f.dev, 0), CW_EINVAL);
	cwt_fini(&t);
}

/* ---------------------------------------------------------------------- */
/* Boot */

static char boot_trace[512];

static void trace(const char *what)
{
	strncat(boot_trace, what, sizeof(boot_trace) - strlen(boot_trace) - 1);
	strncat(boot_trace, ";", sizeof(boot_trace) - strlen(boot_trace) - 1);
}

static int probe_generic(struct cw_system *sys, void *hw)
{
	(void)sys;
	trace(hw);
	return 0;
}

static int probe_fails(struct cw_system *sys, void *hw)
{
	(void)sys;
	trace(hw);
	return CW_EIO;
}

static void hook_early(struct cw_system *s, void *c)
{
	(void)s;
	(void)c;
	trace("init_early");
}
static void hook_irq(struct cw_system *s, void *c)
{
	(void)s;
	(void)c;
	trace("init_irq");
}
static void hook_time(struct cw_system *s, void *c)
{
	(void)s;
	(void)c;
	trace("init_time");
}
static void hook_machine(struct cw_system *s, void *c)
{
	(void)s;
	(void)c;
	trace("init_machine");
}

static const struct cw_machine_ops test_machine = {
	.name = "test-board",
	.init_early = hook_early,
	.init_irq = hook_irq,
	.init_time = hook_time,
	.init_machine = hook_machine,
};

static CW_DRIVER_DEFINE(drv_late, .name = "late-drv", .level = CW_INIT_LATE,
			.probe = probe_generic);
static CW_DRIVER_DEFINE(drv_core, .name = "core-drv", .level = CW_INIT_CORE,
			.probe = probe_generic);
static CW_DRIVER_DEFINE(drv_arch, .name = "arch-drv", .level = CW_INIT_ARCH,
			.probe = probe_generic);
static CW_DRIVER_DEFINE(drv_fail, .name = "bad-drv", .level = CW_INIT_DEVICE, .probe = probe_fails);
static CW_DRIVER_DEFINE(drv_hw, .name = "timer-drv", .compatible = "test,timer",
			.level = CW_INIT_DEVICE, .probe = probe_generic);

static void test_boot_runs_machine_hooks_then_levels_in_order(void **state)
{
	struct cwt t;

	(void)state;
	boot_trace[0] = 0;
	cwt_init(&t, 250);
	assert_int_equal(cw_system_set_machine(t.sys, &test_machine, NULL), 0);
	assert_int_equal(cw_system_add_driver(t.sys, &drv_late, "late"), 0);
	assert_int_equal(cw_system_add_driver(t.sys, &drv_fail, "bad"), 0);
	assert_int_equal(cw_system_add_driver(t.sys, &drv_arch, "arch"), 0);
	assert_int_equal(cw_system_add_driver(t.sys, &drv_core, "core"), 0);
	assert_int_equal(cw_system_boot(t.sys), 0);
	assert_string_equal(boot_trace,
			    "init_early;init_irq;init_time;core;arch;init_machine;bad;late;");
	assert_true(cw_log_contains(t.sys, "Machine model: test-board"));
	assert_true(cw_log_contains(t.sys, "init: level 6 (device)"));
	assert_true(cw_log_contains(t.sys, "init: bad-drv: probe failed: CW_EIO"));
	assert_int_equal(cw_system_add_driver(t.sys, &drv_core, NULL), CW_EBUSY);
	assert_int_equal(cw_system_set_machine(t.sys, NULL, NULL), CW_EBUSY);
	assert_int_equal(cw_system_boot(t.sys), CW_EBUSY);
	cwt_fini(&t);
}

/* A port whose hardware is two "test,timer" nodes. */
static const char *hw_nodes[] = { "hw0", "hw1" };

static int test_hw_match(void *ctx, const char *compatible, unsigned index, void **hw)
{
	(void)ctx;
	if (strcmp(compatible, "test,timer") || index >= 2) {
		return CW_ENODEV;
	}
	*hw = (void *)hw_nodes[index];
	return 0;
}

static void test_boot_probes_compatible_driver_once_per_matching_node(void **state)
{
	static const struct cw_driver *const table[] = { &drv_hw, &drv_core };
	struct cw_port_ops ops = { .name = "test", .hw_match = test_hw_match };
	struct cw_system_config cfg = { .nr_cpus = 1, .port = &ops };
	struct cw_system *sys;

	(void)state;
	boot_trace[0] = 0;
	assert_int_equal(cw_system_create(&cfg, &sys), 0);
	assert_int_equal(cw_system_set_port_drivers(sys, table, 2, "port-ctx"), 0);
	assert_int_equal(cw_system_add_driver(sys, &drv_hw, NULL), 0);
	assert_int_equal(cw_system_boot(sys), 0);
	/* core-drv (no compatible) gets the port context; timer-drv runs per node, twice. */
	assert_string_equal(boot_trace, "port-ctx;hw0;hw1;hw0;hw1;");
	assert_true(cw_log_contains(sys, "init: timer-drv: probing \"test,timer\" #1"));
	cw_system_destroy(sys);
}

static void test_driver_tables_reject_malformed_entries(void **state)
{
	static const struct cw_driver bad = { .name = "noprobe", .level = CW_INIT_CORE };
	static const struct cw_driver *const table[] = { &bad };
	struct cwt t;

	(void)state;
	cwt_init(&t, 250);
	assert_int_equal(cw_system_add_driver(t.sys, &bad, NULL), CW_EINVAL);
	assert_int_equal(cw_system_add_driver(t.sys, NULL, NULL), CW_EINVAL);
	assert_int_equal(cw_system_set_port_drivers(t.sys, table, 1, NULL), CW_EINVAL);
	assert_int_equal(cw_system_set_port_drivers(t.sys, NULL, 1, NULL), CW_EINVAL);
	for (unsigned i = 0; i < CW_MAX_ADDED_DRIVERS; i++) {
		assert_int_equal(cw_system_add_driver(t.sys, &drv_core, NULL), 0);
	}
	assert_int_equal(cw_system_add_driver(t.sys, &drv_core, NULL), CW_ENOMEM);
	assert_string_equal(cw_init_level_name(CW_INIT_POSTCORE), "postcore");
	assert_string_equal(cw_init_level_name(CW_INIT_NR_LEVELS), "invalid");
	cwt_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_converts_ticks_to_ns_with_rounding_and_floor),
		cmocka_unit_test(test_max_delta_never_exceeds_hardware_limit_above_1ghz),
		cmocka_unit_test(test_state_machine_allows_only_legal_transitions),
		cmocka_unit_test(test_dummy_device_switches_without_driver_calls),
		cmocka_unit_test(test_program_event_clamps_delta_to_device_limits),
		cmocka_unit_test(test_program_event_never_exceeds_max_delta_ticks),
		cmocka_unit_test(test_program_event_in_the_past_fails_unless_forced),
		cmocka_unit_test(test_forced_programming_latches_until_interrupt_or_state_change),
		cmocka_unit_test(test_min_delta_retry_raises_min_delta_and_gives_up_at_one_jiffy),
		cmocka_unit_test(test_min_delta_retry_succeeding_on_fourth_try_raises_once),
		cmocka_unit_test(test_min_delta_without_adjust_tries_ten_growing_deltas),
		cmocka_unit_test(test_ktime_device_gets_absolute_expiry),
		cmocka_unit_test(test_program_ktime_max_stops_and_next_program_restarts),
		cmocka_unit_test(test_register_rejects_malformed_devices),
		cmocka_unit_test(test_unregister_needs_a_replacement_and_removes_unused_devices),
		cmocka_unit_test(test_update_freq_reconfigures_and_reprograms),
		cmocka_unit_test(test_boot_runs_machine_hooks_then_levels_in_order),
		cmocka_unit_test(test_boot_probes_compatible_driver_once_per_matching_node),
		cmocka_unit_test(test_driver_tables_reject_malformed_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
