/* SPDX-License-Identifier: MIT */
/*
 * Tests of workload files and workload runs: a file using every key
 * parses, overrides resolve per CPU, the built-in default matches the
 * shipped example, malformed inputs give exact "file:line:" messages, and
 * runs on a machine are deterministic, keep CPUs idle for the share the
 * distributions ask for and apply hotplug events.
 */
#include <clockwork/sim.h>
#include <clockwork/check.h>
#include <clockwork/cpu.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/hrtimer.h>
#include <clockwork/sim_hw.h>
#include <clockwork/system.h>
#include <clockwork/tick.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#ifndef CW_SOURCE_DIR
#error "CW_SOURCE_DIR must name the source tree"
#endif

#define NS_PER_MS 1000000ull

static struct cw_sim_workload_desc *wl_ok(const char *text)
{
	struct cw_sim_workload_desc *w = NULL;
	char err[CW_SIM_ERR_MAX];

	if (cw_sim_workload_parse_mem(text, strlen(text), "w.ini", &w, err, sizeof(err))) {
		fail_msg("unexpected workload error: %s", err);
	}
	return w;
}

static const char every_key[] = "[workload]\n"
				"name = every-key\n"
				"busy = exponential 2ms\n"
				"idle = uniform 1ms 9ms\n"
				"idle_state = by_length\n"
				"deep_after = 4ms\n"
				"start = idle\n"
				"[cpu 1-2]   # override\n"
				"busy = normal 3ms 500us\n"
				"idle_state = deep\n"
				"[cpu 2]\n"
				"idle = none\n"
				"start = busy\n"
				"[cpu 3]\n"
				"busy = fixed 1ms\n"
				"idle_state = c3\n"
				"[hotplug]\n"
				"online = 3 2s\n"
				"offline = 3 1s\n"
				"offline = 1 1s\n";

static void test_workload_every_key_parses_and_overrides_resolve_per_cpu(void **state)
{
	struct cw_sim_workload_desc *w = wl_ok(every_key);
	struct cw_sim_workload_cpu c;

	(void)state;
	assert_string_equal(w->name, "every-key");
	assert_int_equal(w->defaults.busy.kind, CW_SIM_DIST_EXPONENTIAL);
	assert_int_equal(w->defaults.busy.a_ns, 2 * NS_PER_MS);
	assert_int_equal(w->defaults.idle.kind, CW_SIM_DIST_UNIFORM);
	assert_int_equal(w->defaults.idle.b_ns, 9 * NS_PER_MS);
	assert_int_equal(w->nr_overrides, 3);
	cw_sim_workload_cpu_config(w, 0, &c);
	assert_int_equal(c.idle_choice, CW_SIM_IDLE_BY_LENGTH);
	assert_int_equal(c.deep_after_ns, 4 * NS_PER_MS);
	assert_true(c.start_idle);
	cw_sim_workload_cpu_config(w, 1, &c);
	assert_int_equal(c.busy.kind, CW_SIM_DIST_NORMAL);
	assert_int_equal(c.busy.b_ns, 500000);
	assert_int_equal(c.idle_choice, CW_SIM_IDLE_DEEP);
	assert_int_equal(c.idle.kind, CW_SIM_DIST_UNIFORM);
	cw_sim_workload_cpu_config(w, 2, &c);
	assert_int_equal(c.busy.kind, CW_SIM_DIST_NORMAL);
	assert_int_equal(c.idle.kind, CW_SIM_DIST_NONE);
	assert_false(c.start_idle);
	cw_sim_workload_cpu_config(w, 3, &c);
	assert_int_equal(c.busy.kind, CW_SIM_DIST_FIXED);
	assert_int_equal(c.idle_choice, CW_SIM_IDLE_NAMED);
	assert_string_equal(c.state_name, "c3");
	/* Hotplug events are kept in time order, file order for equal times. */
	assert_int_equal(w->nr_hotplug, 3);
	assert_int_equal(w->hotplug[0].cpu, 3);
	assert_false(w->hotplug[0].online);
	assert_int_equal(w->hotplug[1].cpu, 1);
	assert_int_equal(w->hotplug[2].at_ns, 2000 * NS_PER_MS);
	assert_true(w->hotplug[2].online);
	assert_int_equal(w->hotplug[2].line, 18);
	cw_sim_workload_desc_free(w);
}

static void test_workload_default_text_matches_shipped_example(void **state)
{
	char path[512], *text;
	size_t n;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/examples/workloads/default.ini", CW_SOURCE_DIR);
	f = fopen(path, "rb");
	assert_non_null(f);
	text = calloc(1, 65536);
	assert_non_null(text);
	n = fread(text, 1, 65535, f);
	fclose(f);
	assert_int_equal(n, strlen(cw_sim_workload_default_text()));
	assert_string_equal(text, cw_sim_workload_default_text());
	free(text);
	cw_sim_workload_desc_free(wl_ok(cw_sim_workload_default_text()));
}

static void test_workload_every_example_parses(void **state)
{
	static const char *const files[] = { "default.ini", "deep-idle.ini", "hotplug.ini",
					     "busy.ini",    "server.ini",    "nic.ini",
					     "nic-deep.ini" };

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct cw_sim_workload_desc *w = NULL;
		char path[512], err[CW_SIM_ERR_MAX];

		snprintf(path, sizeof(path), "%s/examples/workloads/%s", CW_SOURCE_DIR, files[i]);
		if (cw_sim_workload_parse_file(path, &w, err, sizeof(err))) {
			fail_msg("%s: %s", files[i], err);
		}
		cw_sim_workload_desc_free(w);
	}
}

struct wl_bad {
	const char *text;
	unsigned line;
	const char *msg;
};

#define WL "[workload]\nbusy = fixed 1ms\nidle = fixed 1ms\n" /* lines 1-3 */

static const struct wl_bad bad[] = {
	{ "", 1, "expected a [workload] section (got none)" },
	{ "busy = fixed 1ms\n", 1,
	  "expected a section header such as [workload] before the first key (got 'busy')" },
	{ "[workload]\nbusy = fixed 1ms\n", 1,
	  "expected keys 'busy' and 'idle' in [workload] (got no idle)" },
	{ WL "busy = fixed 2ms\n", 4,
	  "expected key 'busy' once in this section (got it again; the first is at line 2)" },
	{ WL "bsy = 1\n", 4,
	  "expected a key of [workload]: name, busy, idle, idle_state, deep_after, start "
	  "(got 'bsy')" },
	{ WL "[cpu 0]\nname = x\n", 5,
	  "expected a key of [cpu LIST]: busy, idle, idle_state, deep_after, start (got 'name')" },
	{ "[workload]\nbusy = poisson 1ms\n", 2,
	  "expected a distribution: fixed T, uniform LO HI, exponential MEAN or normal MEAN SD "
	  "(got 'poisson 1ms')" },
	{ "[workload]\nbusy = none\n", 2,
	  "expected a distribution: fixed T, uniform LO HI, exponential MEAN or normal MEAN SD "
	  "(got 'none')" },
	{ "[workload]\nbusy = uniform 5ms 1ms\n", 2,
	  "expected uniform LO HI with LO <= HI (got 'uniform 5ms 1ms')" },
	{ "[workload]\nbusy = uniform 5ms\n", 2, "expected a distribution: fixed T" },
	{ "[workload]\nbusy = fixed 5\n", 2,
	  "expected times such as 2ms or 150us in the distribution (got 'fixed 5')" },
	{ "[workload]\nbusy = exponential 0ms\n", 2,
	  "expected an exponential mean above 0 (got 'exponential 0ms')" },
	{ WL "idle_state = c 3\n", 4,
	  "expected shallow, deep, by_length or a state name (got 'c 3')" },
	{ WL "deep_after = soon\n", 4, "expected a time such as 5ms (got 'soon')" },
	{ WL "start = later\n", 4, "expected busy or idle (got 'later')" },
	{ WL "[cpu]\n", 4, "expected a CPU or CPU range: [cpu N] or [cpu N-M] (CPUs 0..4095)" },
	{ WL "[cpu 3-1]\n", 4, "expected a CPU range written low-high (got '[cpu 3-1]')" },
	{ WL "[cpu 9999]\n", 4, "expected a CPU or CPU range" },
	{ WL "[hotplug]\noffline = 1\n", 5, "expected 'CPU TIME' such as '2 1.5s' (got '1')" },
	{ WL "[hotplug]\nreboot = 1 1s\n", 5,
	  "expected a key of [hotplug]: offline, online (got 'reboot')" },
	{ WL "[hotplug]\n[hotplug]\n", 5,
	  "expected one [hotplug] section (got a second; the first is at line 4)" },
	{ WL "[workload]\n", 4,
	  "expected one [workload] section (got a second; the first is at line 1)" },
	{ WL "[load]\n", 4,
	  "expected a section [workload], [cpu LIST], [hotplug], [server], [idle-server], [proxy] or [nic] (got '[load]')" },
	{ WL "[cpu 1\n", 4, "expected a section header ending in ']' (got '[cpu 1')" },
	{ WL "busy\n", 4, "expected 'key = value', '[section]' or a comment (got 'busy')" },
	{ WL "idle =\n", 4, "expected a value for 'idle' (got nothing)" },
	/* Periods that cannot advance virtual time (the run would never end). */
	{ "[workload]\nbusy = fixed 0ns\nidle = fixed 0ns\n", 3,
	  "expected busy or idle periods longer than 0 on every CPU (got busy = fixed 0ns at "
	  "line 2 and idle = fixed 0ns at line 3: the CPU would switch between them forever "
	  "without virtual time advancing)" },
	{ "[workload]\nidle = none\nbusy = uniform 0s 0ms\n", 3,
	  "(got busy = uniform 0ns 0ns at line 3 and idle = none at line 2" },
	{ "[workload]\nbusy = normal 0ms 0ms\nidle = fixed 0ns\n", 3,
	  "(got busy = normal 0ns 0ns at line 2 and idle = fixed 0ns at line 3" },
	{ WL "[cpu 2-3]\nbusy = fixed 0ns\n[cpu 3]\nidle = none\n", 7,
	  "expected busy or idle periods longer than 0 on every CPU (got on CPU 3 busy = fixed "
	  "0ns at line 5 and idle = none at line 7" },
	/* Periods so short that a simulated second takes billions of events. */
	{ "[workload]\nbusy = fixed 0ns\nidle = uniform 0ns 2ns\n", 3,
	  "expected busy and idle periods of at least 1us per cycle on average on every CPU "
	  "(got busy = fixed 0ns at line 2 and idle = uniform 0ns 2ns at line 3: 1 ns per "
	  "cycle, 1000000000 cycles per simulated second)" },
	{ WL "[cpu 1]\nbusy = fixed 100ns\nidle = none\n", 6,
	  "(got on CPU 1 busy = fixed 100ns at line 5 and idle = none at line 6: 100 ns per "
	  "cycle, 10000000 cycles per simulated second)" },
	/* [server] (issue 15). */
	{ WL "[server]\ntimers = 0\n", 5, "expected a number of timers per CPU, 1..1000000" },
	{ WL "[server]\ntimeout = 0ms\n", 5, "expected a time above 0 such as 30ms" },
	{ WL "[server]\nconns = 4\n", 5,
	  "expected a key of [server]: timers, requests, timeout, close_every (got 'conns')" },
	{ WL "[server]\ntimers = 4\ntimers = 5\n", 6, "expected key 'timers' once" },
	{ WL "[server]\ntimers = 4\ntimeout = 2ms\n[server]\n", 7,
	  "expected one [server] section (got a second; the first is at line 4)" },
	{ WL "[server]\ntimers = 4\ntimeout = 2ms\n", 4,
	  "expected keys 'timers', 'timeout' and 'requests'" },
	{ WL "[server]\ntimers = 4\ntimeout = 2ms\nrequests = fixed 10ns\n", 4,
	  "expected keys 'timers', 'timeout' and 'requests' (at least 1us apart on average)" },
};

static void test_workload_malformed_inputs_give_file_line_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cw_sim_workload_desc *w = (void *)1;
		char err[CW_SIM_ERR_MAX], prefix[32];
		int ret = cw_sim_workload_parse_mem(bad[i].text, strlen(bad[i].text), "bad.ini", &w,
						    err, sizeof(err));

		snprintf(prefix, sizeof(prefix), "bad.ini:%u: ", bad[i].line);
		if (ret != CW_EINVAL || strncmp(err, prefix, strlen(prefix)) != 0 ||
		    !strstr(err, bad[i].msg)) {
			fail_msg("case %zu: ret %d, message\n  '%s'\nwanted '%s' and\n  '%s'", i,
				 ret, err, prefix, bad[i].msg);
		}
		assert_null(w);
	}
}

static const char machine_text[] = "[machine]\n"
				   "name = wl\n"
				   "cpus = 4\n"
				   "[counter sys]\n"
				   "width = 64\n"
				   "freq = 24MHz\n"
				   "rating = 300\n"
				   "flags = continuous\n"
				   "[arch_timer local]\n"
				   "freq = 24MHz\n"
				   "irq = 30\n"
				   "c3stop = yes\n"
				   "[hpet hpet]\n"
				   "freq = 14.31818MHz\n"
				   "irq = 2\n"
				   "[idle]\n"
				   "state = wfi shallow 1us\n"
				   "state = c3 deep 50us\n";

/** One machine with a workload, run for @duration_ns. */
struct wl_run {
	struct cw_sim *sim;
	struct cw_sim_machine *m;
};

static void wl_run_start_cfg(struct wl_run *r, const char *workload, uint64_t seed,
			     uint64_t duration_ns, const struct cw_system_config *cfg);

static void wl_run_start(struct wl_run *r, const char *workload, uint64_t seed,
			 uint64_t duration_ns)
{
	wl_run_start_cfg(r, workload, seed, duration_ns, NULL);
}

static void wl_run_start_cfg(struct wl_run *r, const char *workload, uint64_t seed,
			     uint64_t duration_ns, const struct cw_system_config *cfg)
{
	struct cw_sim_machine_desc *d = NULL;
	struct cw_sim_workload_desc *w = wl_ok(workload);
	char err[CW_SIM_ERR_MAX];

	assert_int_equal(cw_sim_create(seed, &r->sim), 0);
	assert_int_equal(cw_sim_machine_desc_parse_mem(machine_text, strlen(machine_text), "m.ini",
						       &d, err, sizeof(err)),
			 0);
	assert_int_equal(cw_sim_machine_create(r->sim, d, cfg, NULL, NULL, &r->m), 0);
	cw_sim_machine_desc_free(d);
	assert_int_equal(cw_sim_machine_boot(r->m), 0);
	if (cw_sim_machine_start_workload(r->m, w, err, sizeof(err))) {
		fail_msg("workload refused: %s", err);
	}
	assert_int_equal(cw_sim_machine_start_workload(r->m, w, err, sizeof(err)), CW_EBUSY);
	cw_sim_workload_desc_free(w);
	cw_sim_run_until(r->sim, duration_ns);
}

static void wl_run_end(struct wl_run *r)
{
	cw_sim_machine_destroy(r->m);
	cw_sim_destroy(r->sim);
}

static uint64_t idle_ns_of(struct wl_run *r, unsigned cpu)
{
	struct cw_sim_hw_cpu_stats st;
	uint64_t sum = 0;

	assert_int_equal(cw_sim_hw_cpu_get_stats(cw_sim_machine_hw(r->m), cpu, &st), 0);
	for (unsigned i = 0; i < CW_SIM_HW_MAX_IDLE_STATES; i++) {
		sum += st.idle_ns[i];
	}
	return sum;
}

static void test_workload_idle_share_follows_the_distributions(void **state)
{
	static const char text[] = "[workload]\n"
				   "busy = fixed 1ms\n"
				   "idle = fixed 3ms\n"
				   "idle_state = shallow\n"
				   "[cpu 3]\n"
				   "idle = none\n";
	struct cw_sim_workload_cpu_stats ws;
	struct wl_run r;

	(void)state;
	wl_run_start(&r, text, 1, 2000 * NS_PER_MS);
	/* 3 ms of every 4 ms idle: 75 %, give or take the last period. */
	for (unsigned cpu = 0; cpu < 3; cpu++) {
		uint64_t idle = idle_ns_of(&r, cpu);

		if (idle < 1490 * NS_PER_MS || idle > 1510 * NS_PER_MS) {
			fail_msg("CPU%u idle %llu ns, want 1.5 s +- 10 ms", cpu,
				 (unsigned long long)idle);
		}
		assert_int_equal(cw_sim_machine_workload_stats(r.m, cpu, &ws), 0);
		/* The 501st busy period begins at exactly 2 s, the end of the run. */
		assert_in_range(ws.busy_periods, 500, 501);
		assert_int_equal(ws.idle_periods, 500);
		assert_int_equal(ws.deep_requests, 0);
	}
	assert_int_equal(idle_ns_of(&r, 3), 0);
	assert_int_equal(cw_sim_machine_workload_stats(r.m, 9, &ws), CW_EINVAL);
	wl_run_end(&r);
}

static void test_workload_by_length_uses_deep_for_long_periods(void **state)
{
	static const char text[] = "[workload]\n"
				   "busy = fixed 1ms\n"
				   "idle = uniform 1ms 9ms\n"
				   "idle_state = by_length\n"
				   "deep_after = 5ms\n";
	struct cw_sim_workload_cpu_stats ws;
	struct wl_run r;

	(void)state;
	wl_run_start(&r, text, 7, 2000 * NS_PER_MS);
	assert_int_equal(cw_sim_machine_workload_stats(r.m, 1, &ws), 0);
	/* About half the periods (5..9 ms of 1..9 ms) are deep. */
	if (ws.deep_requests * 10 < ws.idle_periods * 4 ||
	    ws.deep_requests * 10 > ws.idle_periods * 6) {
		fail_msg("deep %llu of %llu periods", (unsigned long long)ws.deep_requests,
			 (unsigned long long)ws.idle_periods);
	}
	wl_run_end(&r);
}

static void test_workload_same_seed_same_run_other_seed_other_run(void **state)
{
	uint64_t idle[3];

	(void)state;
	for (int i = 0; i < 3; i++) {
		struct wl_run r;

		wl_run_start(&r, cw_sim_workload_default_text(), i < 2 ? 42 : 43, 500 * NS_PER_MS);
		idle[i] = idle_ns_of(&r, 2);
		wl_run_end(&r);
	}
	assert_int_equal(idle[0], idle[1]);
	assert_int_not_equal(idle[0], idle[2]);
}

static void test_workload_hotplug_events_take_cpus_down_and_up(void **state)
{
	static const char text[] = "[workload]\n"
				   "busy = fixed 1s\n"
				   "idle = none\n"
				   "[hotplug]\n"
				   "offline = 2 100ms\n"
				   "online = 2 300ms\n"
				   "offline = 1 400ms\n";
	struct cw_sim_workload_cpu_stats ws;
	struct wl_run r;

	(void)state;
	wl_run_start(&r, text, 1, 500 * NS_PER_MS);
	assert_true(cw_cpu_online(cw_sim_machine_system(r.m), 2));
	assert_false(cw_cpu_online(cw_sim_machine_system(r.m), 1));
	assert_int_equal(cw_sim_hw_cpu_state(cw_sim_machine_hw(r.m), 1), CW_SIM_HW_CPU_OFFLINE);
	assert_int_equal(cw_sim_machine_workload_stats(r.m, 2, &ws), 0);
	assert_int_equal(ws.hotplug_events, 2);
	assert_int_equal(ws.hotplug_failures, 0);
	wl_run_end(&r);
}

/*
 * [server]: connection timeouts are re-armed, cancelled and expire on every
 * CPU, also across a hotplug (a CPU's timers move), with the invariant
 * checker clean; the run stops with timers still queued (ASan: none is
 * touched after the run frees them).
 */
static void test_workload_server_timers_rearm_cancel_and_expire(void **state)
{
	static const char text[] = "[workload]\n"
				   "busy = exponential 20ms\n"
				   "idle = exponential 2ms\n"
				   "idle_state = shallow\n"
				   "[server]\n"
				   "timers = 8\n"
				   "requests = exponential 50us\n"
				   "timeout = 2ms\n"
				   "close_every = 16\n"
				   "[hotplug]\n"
				   "offline = 2 200ms\n"
				   "online = 2 300ms\n";
	struct cw_check_stats cs;
	struct wl_run r;
	uint64_t expired = 0;
	char report[256];

	(void)state;
	wl_run_start(&r, text, 1, 500 * NS_PER_MS);
	assert_int_equal(cw_check_get_stats(cw_sim_machine_system(r.m), &cs), 0);
	assert_int_equal(cw_check_report(cw_sim_machine_system(r.m), report, sizeof(report)), 0);
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		struct cw_hrtimer_cpu_stats hs;

		assert_int_equal(cw_hrtimer_get_cpu_stats(cw_sim_machine_system(r.m), cpu, &hs), 0);
		expired += hs.expired;
	}
	/* 4 CPUs x ~10000 requests in 0.5 s (the checker counts a re-arm of a queued timer as a
	 * cancel too). */
	assert_true(cs.hrtimer_arms > 20000);
	assert_true(cs.hrtimer_cancels > 1000);
	/* Ticks (HZ=1000 on busy CPUs) and connection timeouts. */
	assert_true(expired == cs.hrtimer_expiries);
	assert_true(expired > 1000);
	print_message("server: %llu arms, %llu cancels, %llu expiries, latest %llu ns late\n",
		      (unsigned long long)cs.hrtimer_arms, (unsigned long long)cs.hrtimer_cancels,
		      (unsigned long long)cs.hrtimer_expiries,
		      (unsigned long long)cs.hrtimer_max_late_ns);
	wl_run_end(&r);
}

/* Programmings of the per-CPU devices and expired hrtimers of a run. */
static void programs_per_expiry(struct wl_run *r, uint64_t *programs, uint64_t *expired)
{
	*programs = 0;
	*expired = 0;
	for (size_t i = 0; i < cw_sim_machine_nr_timers(r->m); i++) {
		struct cw_sim_hw_timer *t = cw_sim_machine_timer_at(r->m, i);

		for (unsigned d = 0; d < cw_sim_hw_timer_nr_devices(t); d++) {
			struct cw_clock_event_device *dev = cw_sim_hw_timer_device(t, d);
			struct cw_sim_hw_timer_stats st;

			if (dev && !dev->is_broadcast) {
				assert_int_equal(cw_sim_hw_timer_get_stats(t, d, &st), 0);
				*programs += st.programs;
			}
		}
	}
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		struct cw_hrtimer_cpu_stats hs;

		assert_int_equal(cw_hrtimer_get_cpu_stats(cw_sim_machine_system(r->m), cpu, &hs),
				 0);
		*expired += hs.expired;
	}
}

/*
 * Issue 15: with connection timeouts as the CPUs' first timers (HZ=100),
 * lazy rearm programs the per-CPU devices at most 0.6 times as often per
 * expired hrtimer as eager (0.46-0.50 measured on the shipped machines).
 */
static void test_workload_server_lazy_rearm_programs_less_than_eager(void **state)
{
	static const char text[] = "[workload]\n"
				   "busy = exponential 20ms\n"
				   "idle = exponential 2ms\n"
				   "idle_state = shallow\n"
				   "[server]\n"
				   "timers = 8\n"
				   "requests = exponential 50us\n"
				   "timeout = 2ms\n"
				   "close_every = 16\n";
	double per[2];

	(void)state;
	for (int eager = 0; eager < 2; eager++) {
		struct cw_system_config cfg = { .hz = 100, .hrtimer_eager_rearm = eager };
		uint64_t programs, expired;
		struct wl_run r;

		wl_run_start_cfg(&r, text, 1, 500 * NS_PER_MS, &cfg);
		programs_per_expiry(&r, &programs, &expired);
		assert_true(expired > 100);
		per[eager] = (double)programs / (double)expired;
		print_message("%s: %llu programmings for %llu expiries: %.3f\n",
			      eager ? "eager" : "lazy", (unsigned long long)programs,
			      (unsigned long long)expired, per[eager]);
		wl_run_end(&r);
	}
	assert_true(per[0] < 0.6 * per[1]);
}

/*
 * A description built by hand skips the parser: starting it is refused as
 * well, instead of running a CPU that never lets virtual time advance.
 */
static void test_workload_zero_length_periods_are_refused_at_start(void **state)
{
	struct cw_sim_machine_desc *d = NULL;
	struct cw_sim_workload_desc *w;
	struct cw_sim_machine *m = NULL;
	struct cw_sim *sim = NULL;
	char err[CW_SIM_ERR_MAX];

	(void)state;
	/* Before the fix this hung: the run fails by SIGALRM instead of hanging. */
	alarm(60);
	assert_int_equal(cw_sim_create(1, &sim), 0);
	assert_int_equal(cw_sim_machine_desc_parse_mem(machine_text, strlen(machine_text), "m.ini",
						       &d, err, sizeof(err)),
			 0);
	assert_int_equal(cw_sim_machine_create(sim, d, NULL, NULL, NULL, &m), 0);
	assert_int_equal(cw_sim_machine_boot(m), 0);
	w = wl_ok("[workload]\nbusy = fixed 1ms\nidle = fixed 1ms\n");
	w->overrides[0] = w->defaults;
	w->overrides[0].first_cpu = 2;
	w->overrides[0].last_cpu = 2;
	w->overrides[0].busy.a_ns = 0;
	w->overrides[0].idle.kind = CW_SIM_DIST_NONE;
	w->nr_overrides = 1;
	assert_int_equal(cw_sim_machine_start_workload(m, w, err, sizeof(err)), CW_EINVAL);
	assert_non_null(strstr(err,
			       "workload 'unnamed': CPU2: expected busy or idle periods longer "
			       "than 0 (got busy = fixed 0ns and idle = none"));
	assert_int_equal(
		cw_sim_machine_workload_stats(m, 0, &(struct cw_sim_workload_cpu_stats){ 0 }),
		CW_ENODEV);
	/* The same workload with CPU 2 fixed runs and time advances. */
	w->overrides[0].busy.a_ns = 1000;
	assert_int_equal(cw_sim_machine_start_workload(m, w, err, sizeof(err)), 0);
	cw_sim_run_until(sim, 100 * NS_PER_MS);
	assert_int_equal(cw_sim_now_ns(sim), 100 * NS_PER_MS);
	cw_sim_workload_desc_free(w);
	cw_sim_machine_desc_free(d);
	cw_sim_machine_destroy(m);
	cw_sim_destroy(sim);
	alarm(0);
}

static void test_workload_naming_a_missing_state_or_cpu_is_refused(void **state)
{
	struct cw_sim_machine_desc *d = NULL;
	struct cw_sim_workload_desc *w;
	struct cw_sim_machine *m = NULL;
	struct cw_sim *sim = NULL;
	char err[CW_SIM_ERR_MAX];

	(void)state;
	assert_int_equal(cw_sim_create(1, &sim), 0);
	assert_int_equal(cw_sim_machine_desc_parse_mem(machine_text, strlen(machine_text), "m.ini",
						       &d, err, sizeof(err)),
			 0);
	assert_int_equal(cw_sim_machine_create(sim, d, NULL, NULL, NULL, &m), 0);
	assert_int_equal(cw_sim_machine_boot(m), 0);
	w = wl_ok("[workload]\nbusy = fixed 1ms\nidle = fixed 1ms\nidle_state = c6\n");
	assert_int_equal(cw_sim_machine_start_workload(m, w, err, sizeof(err)), CW_EINVAL);
	assert_non_null(strstr(err, "uses idle state 'c6', which the machine does not have"));
	cw_sim_workload_desc_free(w);
	w = wl_ok("[workload]\nbusy = fixed 1ms\nidle = fixed 1ms\n[hotplug]\noffline = 4 1s\n");
	assert_int_equal(cw_sim_machine_start_workload(m, w, err, sizeof(err)), CW_EINVAL);
	assert_non_null(strstr(err, "line 5: hotplug of CPU4 but the machine has CPUs 0..3"));
	cw_sim_workload_desc_free(w);
	assert_int_equal(
		cw_sim_machine_workload_stats(m, 0, &(struct cw_sim_workload_cpu_stats){ 0 }),
		CW_ENODEV);
	cw_sim_machine_desc_free(d);
	cw_sim_machine_destroy(m);
	cw_sim_destroy(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workload_every_key_parses_and_overrides_resolve_per_cpu),
		cmocka_unit_test(test_workload_default_text_matches_shipped_example),
		cmocka_unit_test(test_workload_every_example_parses),
		cmocka_unit_test(test_workload_malformed_inputs_give_file_line_errors),
		cmocka_unit_test(test_workload_idle_share_follows_the_distributions),
		cmocka_unit_test(test_workload_by_length_uses_deep_for_long_periods),
		cmocka_unit_test(test_workload_same_seed_same_run_other_seed_other_run),
		cmocka_unit_test(test_workload_hotplug_events_take_cpus_down_and_up),
		cmocka_unit_test(test_workload_naming_a_missing_state_or_cpu_is_refused),
		cmocka_unit_test(test_workload_zero_length_periods_are_refused_at_start),
		cmocka_unit_test(test_workload_server_timers_rearm_cancel_and_expire),
		cmocka_unit_test(test_workload_server_lazy_rearm_programs_less_than_eager),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
