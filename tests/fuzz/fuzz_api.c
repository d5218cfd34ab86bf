// SPDX-License-Identifier: MIT
/*
 * libFuzzer target over the timer API on a simulated machine (issue 9,
 * section 3): the input is a sequence of operations run on a 3-CPU machine
 * (per-CPU oneshot timers, a broadcast timer, deep idle with C3STOP,
 * interrupt and IPI latency) with the invariant checker on in abort mode:
 * hrtimer start (every clock base, relative and absolute, past and future,
 * slack, hard and soft, pinned), start_user, cancel, forward, periodic
 * callbacks; wheel mod, mod_pending, reduce, add_on, mod_ns, del,
 * shutdown and re-setup, re-arming callbacks; REALTIME settime,
 * adjtimex offsets and frequency changes; CPU hotplug down and up; idle
 * periods; and time advancing by small and large steps. Any violation the
 * checker finds (a timer early, late, twice or never; a clock stepping
 * back; an armed device that never interrupts) aborts with the report.
 *
 * Built with clang (-fsanitize=fuzzer,address,undefined) when clang is
 * installed; ctest runs it briefly (test_api_fuzz). Run longer by hand:
 *   build/tests/fuzz/fuzz_api -max_total_time=600 [corpus_dir]
 */
#include <clockwork/check.h>
#include <clockwork/clockwork.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>

#include "cwt_machine.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NHR   12u
#define NWT   12u
#define NCPUS 3u
#define MS    1000000ll

static const char machine_text[] =
	"[machine]\n"
	"name = fuzzbox\n" CWT_MACHINE_DEEPIDLE_CPUS_COUNTER "[counter slow]\n"
	"width = 24\n"
	"freq = 3579545Hz\n"
	"rating = 200\n"
	"flags = continuous\n" CWT_MACHINE_DEEPIDLE_DEVICES;

/* CPUs alternate busy and idle periods, long idles in the deep (C3STOP) state. */
static const char workload_text[] = "[workload]\n"
				    "name = fuzz\n"
				    "busy = exponential 1ms\n"
				    "idle = exponential 20ms\n"
				    "idle_state = by_length\n"
				    "deep_after = 5ms\n";

struct fhr {
	struct cw_hrtimer t;
	uint64_t period_ns;
	bool live;
};

struct fwt {
	struct cw_timer t;
	bool rearm;
	bool shut;
};

static struct cw_sim_machine_desc *desc;
static struct cw_sim_workload_desc *wl;
static struct fhr hrs[NHR];
static struct fwt wts[NWT];
static struct cw_system *sys;
static struct cw_sim *sim;
static struct cw_sim_hw *hw;

struct cursor {
	const uint8_t *p, *end;
};

static uint64_t rd(struct cursor *c, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && c->p < c->end; i++) {
		v = (v << 8) | *c->p++;
	}
	return v;
}

static enum cw_hrtimer_restart hr_fn(struct cw_hrtimer *t)
{
	struct fhr *f = (struct fhr *)(void *)t;

	if (f->period_ns) {
		cw_hrtimer_forward_now(t, f->period_ns);
		return CW_HRTIMER_RESTART;
	}
	return CW_HRTIMER_NORESTART;
}

static void wt_fn(struct cw_timer *t)
{
	struct fwt *f = (struct fwt *)(void *)t;

	if (f->rearm) {
		cw_timer_mod(t, cw_jiffies_get(sys) + 3);
	}
}

/* One operation, run as a CPU (an SMP function call). */
struct op {
	struct cursor *c;
	unsigned kind;
};

static const int hr_clocks[4] = { CW_CLOCK_MONOTONIC, CW_CLOCK_REALTIME, CW_CLOCK_BOOTTIME,
				  CW_CLOCK_TAI };

static void run_op(void *arg)
{
	struct op *o = arg;
	struct cursor *c = o->c;
	unsigned i = (unsigned)rd(c, 1);

	switch (o->kind) {
	case 0: { /* hrtimer start */
		struct fhr *f = &hrs[i % NHR];
		unsigned mode = (unsigned)rd(c, 1);
		int64_t d = (int64_t)(rd(c, 3) << (rd(c, 1) % 24));
		uint64_t slack = rd(c, 1) * 1000;
		cw_ktime_t now = 0;

		f->period_ns = (mode & 0x10) ? 50000 + (uint64_t)(d % (200 * MS)) : 0;
		if (f->period_ns) {
			/* Forward moves only past the hard expiry: periodic timers take no slack.
			 */
			slack = 0;
		}
		if (mode & 1) {
			cw_hrtimer_start_range_ns(
				&f->t, d, slack,
				CW_HRTIMER_MODE_REL | ((mode & 2) ? CW_HRTIMER_MODE_PINNED : 0));
		} else {
			cw_clock_get_ns(sys, hr_clocks[(i / NHR) & 3], &now);
			/* Absolute: in the future or, with bit 2, already past. */
			now = (mode & 4) ? now - d : now + d;
			if (mode & 8) {
				(void)cw_hrtimer_start_user(&f->t, now, slack, CW_HRTIMER_MODE_ABS);
			} else {
				cw_hrtimer_start_range_ns(&f->t, now, slack, CW_HRTIMER_MODE_ABS);
			}
		}
		break;
	}
	case 1:
		cw_hrtimer_try_to_cancel(&hrs[i % NHR].t);
		break;
	case 2: { /* wheel arm, one of five ways */
		struct fwt *f = &wts[i % NWT];
		uint64_t how = rd(c, 1), j = cw_jiffies_get(sys);
		uint64_t d = rd(c, 2) << (how % 12);

		if (f->shut) {
			cw_timer_setup(&f->t, sys, wt_fn, (i / NWT) & 1 ? CW_TIMER_PINNED : 0);
			f->shut = false;
		}
		f->rearm = (how & 0x80) != 0;
		switch ((how >> 4) % 5) {
		case 0:
			cw_timer_mod(&f->t, j + d);
			break;
		case 1:
			cw_timer_mod_pending(&f->t, j + d);
			break;
		case 2:
			cw_timer_reduce(&f->t, j + d);
			break;
		case 3:
			cw_timer_add_on(&f->t, j + d, (unsigned)(how % NCPUS));
			break;
		default:
			cw_timer_mod_ns(&f->t, d * 1000);
			break;
		}
		break;
	}
	case 3:
		if (i & 0x80) {
			cw_timer_shutdown(&wts[i % NWT].t);
			wts[i % NWT].shut = true;
		} else {
			cw_timer_del(&wts[i % NWT].t);
		}
		break;
	default: { /* clock reads of every id */
		static const int ids[] = { 0, 1, 4, 5, 6, 7, 11 };

		for (unsigned k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
			cw_ktime_t v;

			cw_clock_get_ns(sys, ids[k], &v);
		}
		break;
	}
	}
}

static void die(const char *what)
{
	char report[512];

	cw_check_report(sys, report, sizeof(report));
	fprintf(stderr, "fuzz_api: %s: %s\n", what, report);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[CW_SIM_ERR_MAX];

	(void)argc;
	(void)argv;
	if (cw_sim_machine_desc_parse_mem(machine_text, strlen(machine_text), "fuzzbox.ini", &desc,
					  err, sizeof(err))) {
		fprintf(stderr, "fuzz_api: %s\n", err);
		abort();
	}
	if (cw_sim_workload_parse_mem(workload_text, strlen(workload_text), "fuzz.ini", &wl, err,
				      sizeof(err))) {
		fprintf(stderr, "fuzz_api: %s\n", err);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = { data, data + size };
	struct cw_sim_machine *m;
	struct cw_system_config cfg;
	uint64_t budget_ns = 5ull * 1000 * MS;

	memset(&cfg, 0, sizeof(cfg));
	cfg.check = CW_CHECK_ABORT;
	/* The start state comes from the input too: near a jiffies wrap, 2038, 2106. */
	switch (rd(&c, 1) % 4) {
	case 0:
		cfg.realtime_init_ns = 1767225600ll * 1000 * MS;
		break;
	case 1:
		cfg.initial_jiffies = (1ull << 32) - 20;
		cfg.realtime_init_ns = 1767225600ll * 1000 * MS;
		break;
	case 2:
		cfg.realtime_init_ns = (1ll << 31) * 1000 * MS - 50 * MS;
		break;
	default:
		cfg.realtime_init_ns = (1ll << 32) * 1000 * MS - 50 * MS;
		break;
	}
	if (cw_sim_create(1, &sim) || cw_sim_machine_create(sim, desc, &cfg, NULL, NULL, &m)) {
		abort();
	}
	sys = cw_sim_machine_system(m);
	hw = cw_sim_machine_hw(m);
	if (cw_sim_machine_boot(m) || cw_sim_machine_start_workload(m, wl, NULL, 0)) {
		abort();
	}
	cw_sim_run_for(sim, 5 * MS);
	for (unsigned i = 0; i < NHR; i++) {
		memset(&hrs[i], 0, sizeof(hrs[i]));
		cw_hrtimer_setup(sys, &hrs[i].t, hr_fn, hr_clocks[(i / 3) & 3],
				 (i % 3) == 2 ? CW_HRTIMER_MODE_SOFT : 0);
	}
	for (unsigned i = 0; i < NWT; i++) {
		memset(&wts[i], 0, sizeof(wts[i]));
		cw_timer_setup(&wts[i].t, sys, wt_fn, (i & 1) ? CW_TIMER_PINNED : 0);
	}
	while (c.p < c.end && budget_ns) {
		unsigned op = (unsigned)rd(&c, 1);
		unsigned kind = op % 10;

		if (kind <= 4) {
			struct op o = { &c, kind };
			unsigned cpu = (op >> 4) % NCPUS;

			if (cw_cpu_online(sys, cpu)) {
				cw_sim_hw_run_on(hw, cpu, run_op, &o);
			}
		} else if (kind <= 6) {
			/* Advance: 1 us .. ~4 s, log-distributed; the total is bounded. */
			uint64_t d = (rd(&c, 2) + 1) << (rd(&c, 1) % 16);

			d = d > budget_ns ? budget_ns : d;
			budget_ns -= d;
			cw_sim_run_for(sim, d);
		} else if (kind == 7) {
			/* A REALTIME step: settime, or an adjtimex offset and frequency. */
			int64_t delta = ((int64_t)rd(&c, 3) - 0x800000) * 1000;
			struct cw_timex tx;

			if (op & 0x10) {
				cw_ktime_t now = cw_ktime_get_real(sys);

				if (now + delta > 0) {
					cw_timekeeping_settime(sys, now + delta);
				}
			} else {
				memset(&tx, 0, sizeof(tx));
				tx.modes = CW_ADJ_SETOFFSET | CW_ADJ_NANO | CW_ADJ_FREQUENCY;
				tx.time_sec = delta >= 0 ? 0 : -1;
				tx.time_frac = delta >= 0 ? delta : delta + 1000 * MS;
				tx.freq = ((int64_t)(op >> 4) - 8) * 65536 * 40;
				cw_adjtimex(sys, &tx);
			}
		} else if (kind == 8) {
			unsigned cpu = (op >> 4) % NCPUS;

			if (cw_cpu_online(sys, cpu)) {
				cw_cpu_down(sys, cpu);
			} else {
				cw_cpu_up(sys, cpu);
			}
		} else if (cw_check_verify(sys)) {
			die("verify");
		}
	}
	/* Let every armed timer come due, then judge. */
	for (unsigned cpu = 0; cpu < NCPUS; cpu++) {
		if (!cw_cpu_online(sys, cpu)) {
			cw_cpu_up(sys, cpu);
		}
	}
	cw_sim_run_for(sim, 300 * MS);
	if (cw_check_verify(sys)) {
		die("verify at the end");
	}
	for (unsigned i = 0; i < NHR; i++) {
		hrs[i].period_ns = 0;
		cw_hrtimer_cancel(&hrs[i].t);
	}
	for (unsigned i = 0; i < NWT; i++) {
		cw_timer_shutdown_sync(&wts[i].t);
	}
	cw_sim_machine_destroy(m);
	cw_sim_destroy(sim);
	sys = NULL;
	return 0;
}
