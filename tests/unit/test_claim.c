/* SPDX-License-Identifier: MIT */
/*
 * Claimed timer channels (include/clockwork/claim.h) on the tick test port
 * with fake devices, in virtual time: capability matching field by field
 * with the best fit and its tie-break, the three errors, release and
 * reuse, callbacks on the target CPU, set-rate errors and achieved rates,
 * the hrtimer fallback's achieved properties, and the per-CPU pool through
 * hotplug with a dry pool. After every step no claimed device is a tick or
 * the broadcast device.
 */
#include "cwt_tick.h"

#include <clockwork/claim.h>

#define F_P    CW_CLOCKEVENT_FEAT_PERIODIC
#define F_O    CW_CLOCKEVENT_FEAT_ONESHOT
#define F_PCPU CW_CLOCKEVENT_FEAT_PERCPU

/* The claimed device of @c is used by no CPU and is not the broadcast device. */
static void assert_not_in_tick_layer(struct cwt_tick *t, const struct cw_claim *c)
{
	if (!c->dev) {
		return;
	}
	for (unsigned cpu = 0; cpu < t->nr_cpus; cpu++) {
		assert_ptr_not_equal(cw_tick_device(t->sys, cpu), c->dev);
	}
	assert_ptr_not_equal(cw_tick_broadcast_device(t->sys), c->dev);
	assert_int_equal(cw_clockevent_get_state(c->dev), CW_CLOCKEVENT_STATE_RESERVED);
}

static const char *claim_name(const struct cw_claim *c)
{
	return c->dev ? c->dev->name : CW_CLAIM_FALLBACK_NAME;
}

/* Claim with @req and expect the device @want (NULL: expect @err). */
static void expect_claim(struct cwt_tick *t, const struct cw_claim_request *req, const char *want,
			 int err)
{
	struct cw_claim c;
	int ret;

	memset(&c, 0, sizeof(c));
	ret = cw_claim_timer(t->sys, req, &c);
	if (!want) {
		assert_int_equal(ret, err);
		return;
	}
	assert_int_equal(ret, 0);
	assert_string_equal(claim_name(&c), want);
	assert_not_in_tick_layer(t, &c);
	assert_int_equal(cw_claim_release(&c), 0);
}

/*
 * A machine with spare channels of every kind: 2 CPUs with local timers
 * (l0, l1), a broadcast device (gbc) and spares: po (periodic only), os
 * (oneshot only, 50 ppm), both1/both2 (identical), coarse (1 MHz, 2 us
 * shortest delta), l1b (a second local timer of CPU1).
 */
static void spare_machine(struct cwt_tick *t)
{
	struct cwt_ced *coarse;

	cwt_tick_init(t, 2, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(t);
	cwt_ced_add(t, "l0", 0, F_O | F_P | F_PCPU, 300);
	cwt_ced_add(t, "l1", 1, F_O | F_P | F_PCPU, 300);
	cwt_ced_add(t, "gbc", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 250);
	cwt_ced_add(t, "po", CW_CLOCKEVENT_ANY_CPU, F_P, 200);
	cwt_ced_add(t, "os", CW_CLOCKEVENT_ANY_CPU, F_O, 150)->dev.accuracy_ppb = 50000;
	cwt_ced_add(t, "both1", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 120);
	cwt_ced_add(t, "both2", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 120);
	cwt_ced_add(t, "l1b", 1, F_O | F_P | F_PCPU, 100);
	/* Registered at 1 GHz like every fake, then reconfigured to 1 MHz, 2..2^20 cycles. */
	coarse = cwt_ced_add(t, "coarse", CW_CLOCKEVENT_ANY_CPU, F_O, 50);
	coarse->dev.min_delta_ticks = 2;
	coarse->dev.max_delta_ticks = UINT64_C(1) << 20;
	assert_int_equal(cw_clockevents_update_freq(&coarse->dev, 1000000), 0);
	assert_ptr_equal(cw_tick_broadcast_device(t->sys), &t->devs[2]->dev);
	for (unsigned i = 3; i < t->nr_devs; i++) {
		assert_int_equal(cw_clockevent_get_state(&t->devs[i]->dev),
				 CW_CLOCKEVENT_STATE_DETACHED);
	}
}

static void test_claim_matches_every_capability_and_picks_the_best_fit(void **state)
{
	struct cwt_tick t;
	struct cw_claim_request r;

	(void)state;
	spare_machine(&t);
	/* Modes: a oneshot-only channel before the ones that could also do periodic. */
	r = (struct cw_claim_request){ .owner = "a",
				       .modes = CW_CLAIM_ONESHOT,
				       .target_cpu = CW_CLAIM_ANY_CPU };
	expect_claim(&t, &r, "coarse", 0);
	/* Resolution: coarse's 1 us cycle is too coarse for 10 ns. */
	r.max_resolution_ns = 10;
	expect_claim(&t, &r, "os", 0);
	/* Accuracy: os's 50 ppm is too much; of the identical pair the first registered. */
	r.max_error_ppb = 1000;
	expect_claim(&t, &r, "both1", 0);
	/* Periodic at HZ: the periodic-only channel. */
	r = (struct cw_claim_request){ .owner = "a",
				       .modes = CW_CLAIM_PERIODIC,
				       .min_rate_hz = 1000,
				       .max_rate_hz = 1000,
				       .target_cpu = CW_CLAIM_ANY_CPU };
	expect_claim(&t, &r, "po", 0);
	/* Above HZ: po cannot; lowest rating among those with one extra mode is coarse. */
	r.max_rate_hz = 2000;
	expect_claim(&t, &r, "coarse", 0);
	/* Rate: coarse's 2 us shortest delta stops at 500 kHz. */
	r.max_rate_hz = 600000;
	expect_claim(&t, &r, "both1", 0);
	/* Rating floor. */
	r.min_rating = 130;
	expect_claim(&t, &r, "os", 0);
	/* Nothing reaches 2 MHz (1 us shortest delta): no device fits. */
	r.max_rate_hz = 2000000;
	expect_claim(&t, &r, NULL, CW_ENODEV);
	/* Per-CPU: CPU1's spare local timer; CPU0's only one is its tick device. */
	r = (struct cw_claim_request){
		.owner = "a", .modes = CW_CLAIM_ONESHOT, .percpu = true, .target_cpu = 1
	};
	expect_claim(&t, &r, "l1b", 0);
	r.target_cpu = 0;
	expect_claim(&t, &r, NULL, CW_EBUSY);
	/* Bad requests. */
	r = (struct cw_claim_request){ .owner = NULL, .modes = CW_CLAIM_ONESHOT };
	expect_claim(&t, &r, NULL, CW_EINVAL);
	r = (struct cw_claim_request){ .owner = "a", .modes = 0 };
	expect_claim(&t, &r, NULL, CW_EINVAL);
	r = (struct cw_claim_request){ .owner = "a", .modes = 4 };
	expect_claim(&t, &r, NULL, CW_EINVAL);
	r = (struct cw_claim_request){
		.owner = "a", .modes = CW_CLAIM_PERIODIC, .min_rate_hz = 10, .max_rate_hz = 5
	};
	expect_claim(&t, &r, NULL, CW_EINVAL);
	r = (struct cw_claim_request){ .owner = "a", .modes = CW_CLAIM_ONESHOT, .target_cpu = 2 };
	expect_claim(&t, &r, NULL, CW_EINVAL);
	r = (struct cw_claim_request){ .owner = "a",
				       .modes = CW_CLAIM_ONESHOT,
				       .percpu = true,
				       .target_cpu = CW_CLAIM_ANY_CPU };
	expect_claim(&t, &r, NULL, CW_EINVAL);
	cwt_tick_fini(&t);
}

/*
 * A global channel whose interrupt cannot be routed serves only requests
 * that name no CPU; its callbacks run wherever the interrupt goes (cpu -1).
 */
static void test_unroutable_channel_serves_only_untargeted_requests(void **state)
{
	struct cwt_tick t;
	struct cwt_ced *fixed;
	struct cw_claim c;
	struct cw_claim_info info;
	struct cw_claim_request r = { .owner = "prof", .modes = CW_CLAIM_ONESHOT, .target_cpu = 1 };

	(void)state;
	cwt_tick_init(&t, 2, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	cwt_ced_add(&t, "l0", 0, F_O | F_P | F_PCPU, 300);
	cwt_ced_add(&t, "l1", 1, F_O | F_P | F_PCPU, 300);
	cwt_ced_add(&t, "gbc", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 250);
	fixed = cwt_ced_add(&t, "fixed", CW_CLOCKEVENT_ANY_CPU, F_O, 100);
	fixed->dev.set_irq_affinity = NULL;
	memset(&c, 0, sizeof(c));
	/* gbc could be routed to CPU1 but is the broadcast device; fixed cannot be routed. */
	assert_int_equal(cw_claim_timer(t.sys, &r, &c), CW_EBUSY);
	r.target_cpu = CW_CLAIM_ANY_CPU;
	assert_int_equal(cw_claim_timer(t.sys, &r, &c), 0);
	assert_string_equal(claim_name(&c), "fixed");
	assert_int_equal(cw_claim_get_info(&c, &info), 0);
	assert_int_equal(info.cpu, -1);
	assert_int_equal(cw_claim_release(&c), 0);
	cwt_tick_fini(&t);
}

static void test_claims_are_exclusive_busy_then_fallback_and_released_ones_reused(void **state)
{
	struct cwt_tick t;
	struct cw_claim c[5];
	struct cw_claim_request r = { .owner = "drv",
				      .modes = CW_CLAIM_ONESHOT,
				      .min_rating = 120,
				      .target_cpu = CW_CLAIM_ANY_CPU };
	struct cw_claim_info info[8];

	(void)state;
	spare_machine(&t);
	memset(c, 0, sizeof(c));
	assert_int_equal(cw_claim_timer(t.sys, &r, &c[0]), 0);
	assert_int_equal(cw_claim_timer(t.sys, &r, &c[0]), CW_EINVAL); /* already claimed */
	assert_int_equal(cw_claim_timer(t.sys, &r, &c[1]), 0);
	assert_int_equal(cw_claim_timer(t.sys, &r, &c[2]), 0);
	assert_string_equal(claim_name(&c[0]), "os");
	assert_string_equal(claim_name(&c[1]), "both1");
	assert_string_equal(claim_name(&c[2]), "both2");
	/* gbc fits but is the broadcast device; l0/l1 are per-CPU. */
	assert_int_equal(cw_claim_timer(t.sys, &r, &c[3]), CW_EBUSY);
	assert_true(cw_log_contains(t.sys, "claim: drv: every fitting timer is in use"));
	r.allow_fallback = true;
	assert_int_equal(cw_claim_timer(t.sys, &r, &c[3]), 0);
	assert_null(c[3].dev);
	assert_int_equal(cw_claim_list(t.sys, info, 8), 4);
	assert_string_equal(info[1].device, "both1");
	assert_true(info[3].fallback);
	assert_string_equal(info[3].device, CW_CLAIM_FALLBACK_NAME);
	for (unsigned i = 0; i < 3; i++) {
		assert_not_in_tick_layer(&t, &c[i]);
	}
	/* Released, both1 is free again and the next claim gets it. */
	assert_int_equal(cw_claim_release(&c[1]), 0);
	assert_int_equal(cw_claim_release(&c[1]), CW_EINVAL);
	assert_int_equal(cw_claim_timer(t.sys, &r, &c[4]), 0);
	assert_string_equal(claim_name(&c[4]), "both1");
	assert_int_equal(cw_claim_list(t.sys, info, 8), 4);
	assert_int_equal(cw_claim_release(&c[0]), 0);
	assert_int_equal(cw_claim_release(&c[2]), 0);
	assert_int_equal(cw_claim_release(&c[3]), 0);
	assert_int_equal(cw_claim_release(&c[4]), 0);
	assert_int_equal(cw_claim_list(t.sys, NULL, 0), 0);
	cwt_tick_fini(&t);
}

/** What a callback saw. */
struct seen {
	struct cwt_tick *t;
	unsigned fires;
	unsigned wrong_cpu;
	unsigned want_cpu;
	unsigned early;
	uint64_t max_late_ns;
	struct cw_claim *c;
	cw_ktime_t due;
};

static void seen_cb(struct cw_claim *c, void *arg)
{
	struct seen *s = arg;
	cw_ktime_t now = cw_ktime_get(s->t->sys);

	s->fires++;
	if (cw_sim_current_cpu(s->t->sim) != s->want_cpu) {
		s->wrong_cpu++;
	}
	if (now < s->due) {
		s->early++;
	} else if ((uint64_t)(now - s->due) > s->max_late_ns) {
		s->max_late_ns = (uint64_t)(now - s->due);
	}
	/* The next due time (periodic): one period on. */
	s->due += (cw_ktime_t)c->period_ns;
}

static void test_claimed_channel_runs_callbacks_on_target_cpu_and_sets_rates(void **state)
{
	struct cwt_tick t;
	struct cw_claim c;
	struct cw_claim_request r = { .owner = "nic",
				      .modes = CW_CLAIM_PERIODIC | CW_CLAIM_ONESHOT,
				      .target_cpu = 1 };
	struct seen s = { .t = &t, .want_cpu = 1 };
	struct cw_claim_info info;
	uint64_t hz = 0, rem = 0;

	(void)state;
	spare_machine(&t);
	cw_sim_run_until(t.sim, MS(10));
	memset(&c, 0, sizeof(c));
	assert_int_equal(cw_claim_timer(t.sys, &r, &c), 0);
	assert_string_equal(claim_name(&c), "coarse");
	assert_int_equal(cw_claim_release(&c), 0);
	r.max_resolution_ns = 1;
	assert_int_equal(cw_claim_timer(t.sys, &r, &c), 0);
	assert_string_equal(claim_name(&c), "both1");

	/* 10 kHz for 100 ms: 1000 callbacks on CPU1, never early, at most 2 cycles late. */
	s.due = cw_ktime_get(t.sys) + US(100);
	assert_int_equal(cw_claim_start_periodic(&c, 10000, seen_cb, &s), 0);
	assert_int_equal(cw_claim_get_remaining(&c, &rem), 0);
	assert_int_equal(rem, US(100));
	cw_sim_run_until(t.sim, MS(110) + US(50));
	print_message("10 kHz: %u callbacks, late at most %llu ns\n", s.fires,
		      (unsigned long long)s.max_late_ns);
	assert_int_equal(s.fires, 1000);
	assert_int_equal(s.wrong_cpu, 0);
	assert_int_equal(s.early, 0);
	assert_true(s.max_late_ns <= 2);
	assert_not_in_tick_layer(&t, &c);
	assert_int_equal(cw_claim_get_info(&c, &info), 0);
	assert_int_equal(info.rate_hz, 10000);
	assert_int_equal(info.fires, 1000);

	/* Rates: 1 MHz is the 1 us shortest delta; 2 MHz is not possible. 3 kHz is 333,333 ns. */
	assert_int_equal(cw_claim_set_rate(&c, 2000000, &hz), CW_ERANGE);
	assert_int_equal(cw_claim_set_rate(&c, 3000, &hz), 0);
	assert_int_equal(hz, 3000);
	assert_int_equal(cw_claim_get_info(&c, &info), 0);
	assert_int_equal(info.period_ns, 333333);
	assert_int_equal(cw_claim_stop(&c), 0);
	assert_int_equal(cw_claim_get_remaining(&c, &rem), CW_ENOENT);
	s.fires = 0;
	cw_sim_run_until(t.sim, MS(200));
	assert_int_equal(s.fires, 0);

	/* Oneshot: once, after its delay; remaining time counts down. */
	s.due = cw_ktime_get(t.sys) + US(250);
	assert_int_equal(cw_claim_start_oneshot(&c, US(250), seen_cb, &s), 0);
	cw_sim_run_until(t.sim, MS(200) + US(100));
	assert_int_equal(cw_claim_get_remaining(&c, &rem), 0);
	assert_int_equal(rem, US(150));
	cw_sim_run_until(t.sim, MS(300));
	assert_int_equal(s.fires, 1);
	assert_int_equal(s.early, 0);
	assert_int_equal(cw_claim_start_oneshot(&c, UINT64_C(1) << 50, seen_cb, &s), CW_ERANGE);

	/* Hotplug of both CPUs' neighbours does not give the channel to the tick layer. */
	assert_int_equal(cw_cpu_down(t.sys, 1), 0);
	assert_not_in_tick_layer(&t, &c);
	assert_int_equal(cw_cpu_up(t.sys, 1), 0);
	assert_not_in_tick_layer(&t, &c);
	assert_int_equal(cw_claim_release(&c), 0);

	/* A periodic-only channel runs at HZ and nothing else. */
	r = (struct cw_claim_request){ .owner = "prof",
				       .modes = CW_CLAIM_PERIODIC,
				       .min_rate_hz = 1000,
				       .max_rate_hz = 1000,
				       .target_cpu = CW_CLAIM_ANY_CPU };
	assert_int_equal(cw_claim_timer(t.sys, &r, &c), 0);
	assert_string_equal(claim_name(&c), "po");
	assert_int_equal(cw_claim_start_oneshot(&c, US(10), seen_cb, &s), CW_ENOSYS);
	assert_int_equal(cw_claim_set_rate(&c, 999, &hz), CW_ERANGE);
	assert_int_equal(cw_claim_set_rate(&c, 1000, &hz), 0);
	assert_int_equal(hz, 1000);
	assert_int_equal(cw_claim_release(&c), 0);
	cwt_tick_fini(&t);
}

static void test_fallback_reports_achieved_resolution_and_latency(void **state)
{
	struct cwt_tick t;
	struct cw_claim c;
	struct cw_claim_request r = { .owner = "nic",
				      .modes = CW_CLAIM_PERIODIC,
				      .max_rate_hz = 100000,
				      .max_resolution_ns = 1,
				      .target_cpu = 1,
				      .min_rating = 1000 };
	struct seen s = { .t = &t, .want_cpu = 1 };
	struct cw_claim_info info;

	(void)state;
	spare_machine(&t);
	/* Let the CPUs switch to high resolution. */
	cw_sim_run_until(t.sim, MS(50));
	memset(&c, 0, sizeof(c));
	assert_int_equal(cw_claim_timer(t.sys, &r, &c), CW_ENODEV);
	r.allow_fallback = true;
	assert_int_equal(cw_claim_timer(t.sys, &r, &c), 0);
	assert_int_equal(cw_claim_get_info(&c, &info), 0);
	print_message("fallback: resolution %llu ns, latency %llu ns, rates %llu..%llu Hz\n",
		      (unsigned long long)info.resolution_ns, (unsigned long long)info.latency_ns,
		      (unsigned long long)info.min_rate_hz, (unsigned long long)info.max_rate_hz);
	assert_true(info.fallback);
	assert_int_equal(info.cpu, 1);
	assert_int_equal(info.resolution_ns, 1);
	/* CPU1's tick device l1: 1 us shortest delta plus two 1 ns cycles. */
	assert_int_equal(info.latency_ns, US(1) + 2);

	s.due = cw_ktime_get(t.sys) + US(100);
	assert_int_equal(cw_claim_start_periodic(&c, 10000, seen_cb, &s), 0);
	cw_sim_run_until(t.sim, MS(150) + US(50));
	print_message("fallback 10 kHz: %u callbacks, late at most %llu ns\n", s.fires,
		      (unsigned long long)s.max_late_ns);
	assert_int_equal(s.fires, 1000);
	assert_int_equal(s.wrong_cpu, 0);
	assert_int_equal(s.early, 0);
	assert_true(s.max_late_ns <= info.latency_ns);
	assert_int_equal(cw_claim_release(&c), 0);
	s.fires = 0;
	cw_sim_run_until(t.sim, MS(200));
	assert_int_equal(s.fires, 0);
	cwt_tick_fini(&t);
}

/*
 * Right after boot the CPUs run periodic low-resolution ticks: the fallback
 * has a tick's resolution and cannot serve a 1 ns request; once the CPUs
 * switched to high resolution it can.
 */
static void test_fallback_in_low_resolution_reports_a_tick(void **state)
{
	struct cwt_tick t;
	struct cw_claim c;
	struct cw_claim_request r = { .owner = "nic",
				      .modes = CW_CLAIM_ONESHOT,
				      .target_cpu = 0,
				      .min_rating = 1000,
				      .allow_fallback = true };
	struct cw_claim_info info;

	(void)state;
	spare_machine(&t);
	memset(&c, 0, sizeof(c));
	assert_int_equal(cw_tick_mode(t.sys, 0), CW_TICK_MODE_PERIODIC);
	assert_int_equal(cw_claim_timer(t.sys, &r, &c), 0);
	assert_int_equal(cw_claim_get_info(&c, &info), 0);
	assert_true(info.fallback);
	assert_int_equal(info.resolution_ns, cw_system_tick_nsec(t.sys));
	assert_int_equal(info.latency_ns, cw_system_tick_nsec(t.sys));
	assert_int_equal(info.max_rate_hz, cw_system_hz(t.sys));
	assert_int_equal(cw_claim_release(&c), 0);
	r.max_resolution_ns = 1;
	assert_int_equal(cw_claim_timer(t.sys, &r, &c), CW_ENODEV);
	cw_sim_run_until(t.sim, MS(50));
	assert_int_equal(cw_claim_timer(t.sys, &r, &c), 0);
	assert_int_equal(cw_claim_release(&c), 0);
	cwt_tick_fini(&t);
}

/*
 * The per-CPU pool: 3 CPUs without local timers, 5 global channels. Each
 * CPU gets one, the fourth is the broadcast device, the fifth is spare.
 * Two drivers claim the spare and the channel CPU2 gave back when it went
 * down; CPU2 comes back to a dry pool and runs on its dummy, ticked by the
 * broadcast device. A release refills it; its going down returns the
 * channel to the pool.
 */
static void test_pool_gives_cpus_channels_falls_back_to_dummy_and_refills(void **state)
{
	struct cwt_tick t;
	struct cw_claim a, b, d;
	struct cw_claim_request r = { .owner = "drv-a",
				      .modes = CW_CLAIM_ONESHOT,
				      .target_cpu = CW_CLAIM_ANY_CPU };
	struct cw_clock_event_device *dev2;
	uint64_t t0;
	char name[8];

	(void)state;
	cwt_tick_init(&t, 3, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	for (unsigned i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "tmu%u", i);
		cwt_ced_add(&t, name, CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 200);
	}
	for (unsigned cpu = 0; cpu < 3; cpu++) {
		assert_ptr_equal(cw_tick_device(t.sys, cpu), &t.devs[cpu]->dev);
	}
	assert_ptr_equal(cw_tick_broadcast_device(t.sys), &t.devs[3]->dev);
	cw_sim_run_until(t.sim, MS(100));

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&d, 0, sizeof(d));
	assert_int_equal(cw_claim_timer(t.sys, &r, &a), 0);
	assert_string_equal(claim_name(&a), "tmu4");
	assert_int_equal(cw_cpu_down(t.sys, 2), 0);
	r.owner = "drv-b";
	assert_int_equal(cw_claim_timer(t.sys, &r, &b), 0);
	assert_string_equal(claim_name(&b), "tmu2");
	r.owner = "drv-c";
	assert_int_equal(cw_claim_timer(t.sys, &r, &d), CW_EBUSY);

	/* Dry pool: CPU2 comes up on its dummy and the broadcast device ticks it. */
	assert_int_equal(cw_cpu_up(t.sys, 2), 0);
	dev2 = cw_tick_device(t.sys, 2);
	assert_non_null(dev2);
	assert_true(dev2->features & CW_CLOCKEVENT_FEAT_DUMMY);
	assert_true(cw_log_contains(t.sys, "claim: CPU2: no free channel, dummy + broadcast"));
	t0 = cwt_stats(&t, 2).ticks;
	cw_sim_run_until(t.sim, MS(1100));
	print_message("CPU2 on its dummy: %llu ticks in 1 s\n",
		      (unsigned long long)(cwt_stats(&t, 2).ticks - t0));
	assert_true(cwt_stats(&t, 2).ticks - t0 >= 990);
	assert_not_in_tick_layer(&t, &a);
	assert_not_in_tick_layer(&t, &b);

	/* A release refills CPU2 with the freed channel. */
	assert_int_equal(cw_claim_release(&a), 0);
	assert_ptr_equal(cw_tick_device(t.sys, 2), &t.devs[4]->dev);
	assert_int_equal(t.devs[4]->target_cpu, 2);
	t0 = cwt_stats(&t, 2).ticks;
	cw_sim_run_until(t.sim, MS(2100));
	assert_true(cwt_stats(&t, 2).ticks - t0 >= 990);

	/* CPU2 goes down: tmu4 goes back to the pool, and a claim gets it. */
	assert_int_equal(cw_cpu_down(t.sys, 2), 0);
	assert_int_equal(cw_clockevent_get_state(&t.devs[4]->dev), CW_CLOCKEVENT_STATE_DETACHED);
	assert_int_equal(cw_claim_timer(t.sys, &r, &d), 0);
	assert_string_equal(claim_name(&d), "tmu4");
	/* And CPU2 comes back to a dry pool again; releasing b refills it. */
	assert_int_equal(cw_cpu_up(t.sys, 2), 0);
	assert_true(cw_tick_device(t.sys, 2)->features & CW_CLOCKEVENT_FEAT_DUMMY);
	assert_int_equal(cw_claim_release(&b), 0);
	assert_ptr_equal(cw_tick_device(t.sys, 2), &t.devs[2]->dev);
	assert_int_equal(cw_claim_release(&d), 0);
	cw_sim_run_until(t.sim, MS(2500));
	cwt_tick_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim_matches_every_capability_and_picks_the_best_fit),
		cmocka_unit_test(test_unroutable_channel_serves_only_untargeted_requests),
		cmocka_unit_test(
			test_claims_are_exclusive_busy_then_fallback_and_released_ones_reused),
		cmocka_unit_test(test_claimed_channel_runs_callbacks_on_target_cpu_and_sets_rates),
		cmocka_unit_test(test_fallback_reports_achieved_resolution_and_latency),
		cmocka_unit_test(test_fallback_in_low_resolution_reports_a_tick),
		cmocka_unit_test(test_pool_gives_cpus_channels_falls_back_to_dummy_and_refills),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
