/* SPDX-License-Identifier: MIT */
/*
 * The time-horizon runner shared by test_horizon (make check), soak_horizon
 * (make soak) and fuzz_api's machine mode: build an example machine on the
 * simulator with its start state placed next to a boundary, run one of the
 * example workloads on it, and load every CPU with hrtimers (every clock
 * base, relative and absolute, hard and soft, with slack, periodic ones
 * that forward themselves) and wheel timers (every kind, short and long
 * timeouts, some re-arming themselves), random cancels and clock reads of
 * every id, while the invariant checker (clockwork/check.h) watches. The
 * soak adds REALTIME steps (cw_timekeeping_settime, adjtimex offsets) and
 * random CPU hotplug.
 *
 * Everything is drawn from the engine's seeded generator: a failing case
 * prints its seed and reruns bit for bit.
 */
#ifndef CLOCKWORK_TESTS_HORIZON_H
#define CLOCKWORK_TESTS_HORIZON_H

#include <clockwork/clockwork.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HZN_NS_PER_MS 1000000ull
#define HZN_NS_PER_S  1000000000ull

/** Timers each machine carries (shared by its CPUs). */
#define HZN_HR 32
#define HZN_WT 32

struct hzn;

struct hzn_hr {
	struct cw_hrtimer t;
	struct hzn *h;
	uint64_t period_ns;
	int clock_id;
};

/* One per CPU: its callback, in the CPU's timer interrupt, makes the API calls. */
struct hzn_drv {
	struct cw_hrtimer t;
	struct hzn *h;
	unsigned cpu;
};

struct hzn_wt {
	struct cw_timer t;
	struct hzn *h;
	bool rearm;
};

/** What to run. */
struct hzn_opts {
	/** Machine file (examples/machines/...). */
	const char *machine_path;
	/** Workload file (examples/workloads/...), or NULL for none. */
	const char *workload_path;
	/** Workload text (used when workload_path is NULL), or NULL for none. */
	const char *workload_text;
	/** Text appended to the machine file (an extra counter section). */
	const char *extra_text;
	uint64_t seed;
	/** Start state (initial_jiffies, realtime_init_ns, clocksource_override, hz). */
	struct cw_system_config cfg;
	/** Counter (file order) whose wrap is placed wrap_after_ns after boot; -1: none. */
	int wrap_counter;
	uint64_t wrap_after_ns;
	/** Every counter starts where it would be after this much uptime (0: as the file says). */
	uint64_t uptime_ns;
	/** Virtual time to run. */
	uint64_t run_ns;
	/** Mean gap between API bursts on each CPU. */
	uint64_t op_gap_ns;
	/** The bursts start this long after boot (tick devices set up). */
	uint64_t warmup_ns;
	/** cw_check_verify() this often (0: only at the end). */
	uint64_t verify_every_ns;
	/** Soak extras: random REALTIME steps and CPU hotplug at these mean gaps (0: none). */
	uint64_t step_gap_ns;
	uint64_t hotplug_gap_ns;
	/** Longest wheel timeout armed, jiffies; longest hrtimer timeout, ns. */
	uint64_t max_wheel_jiffies;
	uint64_t max_hr_ns;
	/** Shortest period of a periodic hrtimer (0: 100 us). */
	uint64_t min_period_ns;
};

/** What happened. */
struct hzn_result {
	int status;
	char report[CW_SIM_ERR_MAX + 64];
	uint64_t sim_ns;
	double wall_s;
	uint64_t hr_fired, wt_fired, ops, steps, hotplugs;
	uint64_t counter_wraps;
	uint64_t jiffies_start, jiffies_end;
	int64_t real_start, real_end;
	char clocksource[32];
	struct cw_check_stats stats;
};

struct hzn {
	const struct hzn_opts *o;
	struct cw_sim *sim;
	struct cw_sim_machine *m;
	struct cw_system *sys;
	struct cw_sim_hw *hw;
	unsigned nr_cpus;
	struct hzn_hr hr[HZN_HR];
	struct hzn_wt wt[HZN_WT];
	struct cw_sim_event *op_ev;
	struct hzn_drv *drv;
	struct cw_sim_event verify_ev, step_ev, hp_ev;
	struct hzn_result *r;
	bool stopping;
};

static inline uint64_t hzn_rand(struct hzn *h, uint64_t bound)
{
	return cw_sim_random_below(h->sim, bound);
}

/* A timeout spread over orders of magnitude: short ones dominate. */
static inline uint64_t hzn_spread(struct hzn *h, uint64_t max)
{
	unsigned bits = 0;

	while ((max >> bits) > 1) {
		bits++;
	}
	return hzn_rand(h, (UINT64_C(1) << hzn_rand(h, bits + 1)) + 1);
}

static enum cw_hrtimer_restart hzn_hr_fn(struct cw_hrtimer *t)
{
	struct hzn_hr *x = (struct hzn_hr *)(void *)t;

	x->h->r->hr_fired++;
	if (x->period_ns && !x->h->stopping) {
		cw_hrtimer_forward_now(t, x->period_ns);
		return CW_HRTIMER_RESTART;
	}
	return CW_HRTIMER_NORESTART;
}

static void hzn_wt_fn(struct cw_timer *t)
{
	struct hzn_wt *x = (struct hzn_wt *)(void *)t;
	struct hzn *h = x->h;

	h->r->wt_fired++;
	if (x->rearm && !h->stopping) {
		cw_timer_mod(t,
			     cw_jiffies_get(h->sys) + 1 + hzn_spread(h, h->o->max_wheel_jiffies));
	}
}

static const int hzn_clock_ids[] = {
	CW_CLOCK_REALTIME,
	CW_CLOCK_MONOTONIC,
	CW_CLOCK_MONOTONIC_RAW,
	CW_CLOCK_REALTIME_COARSE,
	CW_CLOCK_MONOTONIC_COARSE,
	CW_CLOCK_BOOTTIME,
	CW_CLOCK_TAI,
	CW_CLOCK_BOOTTIME_COARSE,
	CW_CLOCK_TAI_COARSE,
	CW_CLOCK_MONOTONIC_RAW_COARSE,
};

/* One burst of API calls on the current CPU. */
static void hzn_burst(struct hzn *h)
{
	unsigned n = 1 + (unsigned)hzn_rand(h, 6);

	for (unsigned i = 0; i < n; i++) {
		unsigned what = (unsigned)hzn_rand(h, 10);

		h->r->ops++;
		if (what < 4) {
			struct hzn_hr *x = &h->hr[hzn_rand(h, HZN_HR)];
			uint64_t d = hzn_spread(h, h->o->max_hr_ns);
			uint64_t slack = hzn_rand(h, 4) == 0 ? hzn_rand(h, 50000) : 0;
			cw_ktime_t now = 0;

			/* Periodic ones: 100 us and up (a 1 us period would only burn CPU). */
			x->period_ns =
				hzn_rand(h, 4) == 0
					? (h->o->min_period_ns ? h->o->min_period_ns : 100000) +
						  hzn_spread(h, h->o->max_hr_ns)
					: 0;
			/*
			 * Periodic ones have no slack: forward moves a timer only once
			 * its hard expiry passed (as Linux's hrtimer_forward), so a
			 * callback running inside the slack window and returning
			 * RESTART would requeue an expiry that is already due, forever.
			 */
			slack = x->period_ns ? 0 : slack;
			if (hzn_rand(h, 2)) {
				cw_hrtimer_start_range_ns(&x->t, (cw_ktime_t)d, slack,
							  CW_HRTIMER_MODE_REL);
			} else {
				cw_clock_get_ns(h->sys, x->clock_id, &now);
				/* Absolute, sometimes already past: fires at once. */
				now = hzn_rand(h, 8) == 0 ? now - (cw_ktime_t)d
							  : (now > CW_KTIME_MAX - (cw_ktime_t)d
								     ? CW_KTIME_MAX
								     : now + (cw_ktime_t)d);
				cw_hrtimer_start_range_ns(&x->t, now, slack, CW_HRTIMER_MODE_ABS);
			}
		} else if (what < 7) {
			struct hzn_wt *x = &h->wt[hzn_rand(h, HZN_WT)];
			uint64_t j = cw_jiffies_get(h->sys);

			x->rearm = hzn_rand(h, 4) == 0;
			switch (hzn_rand(h, 3)) {
			case 0:
				cw_timer_mod(&x->t, j + hzn_spread(h, h->o->max_wheel_jiffies));
				break;
			case 1:
				cw_timer_reduce(&x->t, j + hzn_spread(h, h->o->max_wheel_jiffies));
				break;
			default:
				cw_timer_mod_ns(&x->t, hzn_spread(h, h->o->max_hr_ns));
				break;
			}
		} else if (what == 7) {
			cw_hrtimer_try_to_cancel(&h->hr[hzn_rand(h, HZN_HR)].t);
		} else if (what == 8) {
			cw_timer_del(&h->wt[hzn_rand(h, HZN_WT)].t);
		} else {
			for (size_t k = 0; k < sizeof(hzn_clock_ids) / sizeof(hzn_clock_ids[0]);
			     k++) {
				cw_ktime_t v;

				cw_clock_get_ns(h->sys, hzn_clock_ids[k], &v);
			}
		}
	}
}

/* The driver timer: a burst, then again after a random gap. */
static enum cw_hrtimer_restart hzn_drv_fn(struct cw_hrtimer *t)
{
	struct hzn_drv *d = (struct hzn_drv *)(void *)t;
	struct hzn *h = d->h;

	if (h->stopping) {
		return CW_HRTIMER_NORESTART;
	}
	hzn_burst(h);
	cw_hrtimer_forward_now(t, 1 + hzn_rand(h, 2 * h->o->op_gap_ns));
	return CW_HRTIMER_RESTART;
}

static void hzn_drv_start(void *arg)
{
	struct hzn_drv *d = arg;

	cw_hrtimer_start(&d->t, (cw_ktime_t)(1 + hzn_rand(d->h, d->h->o->op_gap_ns)),
			 CW_HRTIMER_MODE_REL | CW_HRTIMER_MODE_PINNED);
}

/* Start each CPU's driver timer on that CPU (an SMP function call, once). */
static void hzn_op_event(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct hzn *h = ev->data;
	unsigned cpu = ev->cpu;

	(void)sim;
	if (cw_cpu_online(h->sys, cpu)) {
		cw_sim_hw_run_on(h->hw, cpu, hzn_drv_start, &h->drv[cpu]);
	}
}

static void hzn_verify_event(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct hzn *h = ev->data;

	cw_check_verify(h->sys);
	cw_sim_event_schedule(sim, ev, cw_sim_now_ns(sim) + h->o->verify_every_ns);
}

static void hzn_step_event(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct hzn *h = ev->data;
	cw_ktime_t real = cw_ktime_get_real(h->sys);
	int64_t delta = (int64_t)hzn_rand(h, 20 * HZN_NS_PER_S) - 10 * (int64_t)HZN_NS_PER_S;

	if (hzn_rand(h, 2)) {
		if (real + delta > 0) {
			cw_timekeeping_settime(h->sys, real + delta);
		}
	} else {
		struct cw_timex tx;

		memset(&tx, 0, sizeof(tx));
		tx.modes = CW_ADJ_SETOFFSET | CW_ADJ_NANO;
		tx.time_sec = delta / (int64_t)HZN_NS_PER_S;
		tx.time_frac = delta % (int64_t)HZN_NS_PER_S;
		if (tx.time_frac < 0) {
			tx.time_sec--;
			tx.time_frac += (int64_t)HZN_NS_PER_S;
		}
		if (hzn_rand(h, 2)) {
			/* And a frequency change of up to +-100 ppm (a slew, not a step). */
			tx.modes |= CW_ADJ_FREQUENCY;
			tx.freq = ((int64_t)hzn_rand(h, 200) - 100) * 65536;
		}
		cw_adjtimex(h->sys, &tx);
	}
	h->r->steps++;
	cw_sim_event_schedule(sim, ev, cw_sim_now_ns(sim) + 1 + hzn_rand(h, 2 * h->o->step_gap_ns));
}

static void hzn_hotplug_event(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct hzn *h = ev->data;
	unsigned cpu = (unsigned)hzn_rand(h, h->nr_cpus);

	if (h->nr_cpus > 1) {
		int ret = cw_cpu_online(h->sys, cpu) ? cw_cpu_down(h->sys, cpu)
						     : cw_cpu_up(h->sys, cpu);

		if (ret == 0) {
			h->r->hotplugs++;
		}
	}
	cw_sim_event_schedule(sim, ev,
			      cw_sim_now_ns(sim) + 1 + hzn_rand(h, 2 * h->o->hotplug_gap_ns));
}

static char *hzn_read_file(const char *path, const char *extra)
{
	FILE *f = fopen(path, "rb");
	size_t extra_len = extra ? strlen(extra) : 0, n = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!f || !buf) {
		if (f) {
			fclose(f);
		}
		free(buf);
		return NULL;
	}
	for (;;) {
		size_t got;

		if (cap - n < 1024) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf) {
				fclose(f);
				return NULL;
			}
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		if (got == 0) {
			break;
		}
		n += got;
	}
	fclose(f);
	buf = realloc(buf, n + extra_len + 2);
	if (!buf) {
		return NULL;
	}
	buf[n++] = '\n';
	if (extra_len) {
		memcpy(buf + n, extra, extra_len);
	}
	buf[n + extra_len] = '\0';
	return buf;
}

/* Counter value after @ns of uptime (modulo its width). */
static inline uint64_t hzn_counter_after(const struct cw_sim_counter_params *p, uint64_t ns)
{
	unsigned __int128 v = (unsigned __int128)p->freq_hz * ns / HZN_NS_PER_S;
	uint64_t mask = p->width_bits >= 64 ? UINT64_MAX : (UINT64_C(1) << p->width_bits) - 1;

	return (uint64_t)v & mask;
}

static inline double hzn_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/**
 * Run one case. @return 0 if it ran and the checker found nothing;
 * otherwise r->report says why (setup errors too).
 */
static int hzn_run(const struct hzn_opts *o, struct hzn_result *r)
{
	struct cw_sim_machine_desc *d = NULL;
	struct cw_sim_workload_desc *w = NULL;
	struct hzn h;
	char err[CW_SIM_ERR_MAX];
	char *text;
	double t0 = hzn_wall_now();
	int ret = 0;

	memset(r, 0, sizeof(*r));
	memset(&h, 0, sizeof(h));
	h.o = o;
	h.r = r;
	text = hzn_read_file(o->machine_path, o->extra_text);
	if (!text) {
		snprintf(r->report, sizeof(r->report), "cannot read %s", o->machine_path);
		return r->status = CW_EIO;
	}
	ret = cw_sim_machine_desc_parse_mem(text, strlen(text), o->machine_path, &d, err,
					    sizeof(err));
	free(text);
	if (ret) {
		snprintf(r->report, sizeof(r->report), "machine: %s", err);
		return r->status = ret;
	}
	if (o->uptime_ns) {
		for (size_t i = 0; i < d->nr_counters; i++) {
			d->counters[i].params.start_value =
				hzn_counter_after(&d->counters[i].params, o->uptime_ns);
		}
	}
	if (o->wrap_counter >= 0) {
		ret = cw_sim_counter_start_for_wrap(
			&d->counters[o->wrap_counter].params, o->wrap_after_ns,
			&d->counters[o->wrap_counter].params.start_value);
		if (ret) {
			snprintf(r->report, sizeof(r->report), "start_for_wrap: %s",
				 cw_strerror(ret));
			cw_sim_machine_desc_free(d);
			return r->status = ret;
		}
	}
	if (o->workload_path) {
		ret = cw_sim_workload_parse_file(o->workload_path, &w, err, sizeof(err));
	} else if (o->workload_text) {
		ret = cw_sim_workload_parse_mem(o->workload_text, strlen(o->workload_text),
						"<soak workload>", &w, err, sizeof(err));
	}
	if (ret) {
		snprintf(r->report, sizeof(r->report), "workload: %s", err);
		cw_sim_machine_desc_free(d);
		return r->status = ret;
	}
	ret = cw_sim_create(o->seed, &h.sim);
	ret = ret ? ret : cw_sim_machine_create(h.sim, d, &o->cfg, NULL, NULL, &h.m);
	if (ret) {
		snprintf(r->report, sizeof(r->report), "machine create: %s", cw_strerror(ret));
		goto out;
	}
	h.sys = cw_sim_machine_system(h.m);
	h.hw = cw_sim_machine_hw(h.m);
	h.nr_cpus = cw_system_nr_cpus(h.sys);
	ret = cw_sim_machine_boot(h.m);
	if (ret) {
		snprintf(r->report, sizeof(r->report), "boot: %s", cw_strerror(ret));
		goto out;
	}
	if (w && (ret = cw_sim_machine_start_workload(h.m, w, err, sizeof(err))) != 0) {
		snprintf(r->report, sizeof(r->report), "workload start: %s", err);
		goto out;
	}
	if (!cw_check_enabled(h.sys)) {
		snprintf(r->report, sizeof(r->report), "the checker is off");
		ret = CW_EPERM;
		goto out;
	}
	cw_clocksource_current(h.sys, r->clocksource, sizeof(r->clocksource));
	r->jiffies_start = cw_jiffies_get(h.sys);
	r->real_start = cw_ktime_get_real(h.sys);
	for (unsigned i = 0; i < HZN_HR; i++) {
		static const int ids[4] = { CW_CLOCK_MONOTONIC, CW_CLOCK_REALTIME,
					    CW_CLOCK_BOOTTIME, CW_CLOCK_TAI };

		h.hr[i].h = &h;
		h.hr[i].clock_id = ids[i & 3];
		cw_hrtimer_setup(h.sys, &h.hr[i].t, hzn_hr_fn, h.hr[i].clock_id,
				 (i & 4) ? CW_HRTIMER_MODE_SOFT : 0);
	}
	for (unsigned i = 0; i < HZN_WT; i++) {
		static const unsigned flags[4] = { 0, 0, CW_TIMER_PINNED, CW_TIMER_DEFERRABLE };

		h.wt[i].h = &h;
		cw_timer_setup(&h.wt[i].t, h.sys, hzn_wt_fn, flags[i & 3]);
	}
	h.op_ev = calloc(h.nr_cpus, sizeof(*h.op_ev));
	h.drv = calloc(h.nr_cpus, sizeof(*h.drv));
	if (!h.op_ev || !h.drv) {
		ret = CW_ENOMEM;
		goto out;
	}
	for (unsigned c = 0; c < h.nr_cpus; c++) {
		h.drv[c].h = &h;
		h.drv[c].cpu = c;
		cw_hrtimer_setup(h.sys, &h.drv[c].t, hzn_drv_fn, CW_CLOCK_MONOTONIC,
				 CW_HRTIMER_MODE_HARD);
		cw_sim_event_init(&h.op_ev[c], hzn_op_event, &h);
		h.op_ev[c].cpu = c;
		cw_sim_event_schedule(h.sim, &h.op_ev[c],
				      cw_sim_now_ns(h.sim) + o->warmup_ns + 1 +
					      hzn_rand(&h, o->op_gap_ns));
	}
	if (o->verify_every_ns) {
		cw_sim_event_init(&h.verify_ev, hzn_verify_event, &h);
		cw_sim_event_schedule(h.sim, &h.verify_ev,
				      cw_sim_now_ns(h.sim) + o->verify_every_ns);
	}
	if (o->step_gap_ns) {
		cw_sim_event_init(&h.step_ev, hzn_step_event, &h);
		cw_sim_event_schedule(h.sim, &h.step_ev, cw_sim_now_ns(h.sim) + o->step_gap_ns);
	}
	if (o->hotplug_gap_ns) {
		cw_sim_event_init(&h.hp_ev, hzn_hotplug_event, &h);
		cw_sim_event_schedule(h.sim, &h.hp_ev, cw_sim_now_ns(h.sim) + o->hotplug_gap_ns);
	}
	cw_sim_run_for(h.sim, o->run_ns);
	r->sim_ns = o->run_ns;
	ret = cw_check_verify(h.sys);
	r->jiffies_end = cw_jiffies_get(h.sys);
	r->real_end = cw_ktime_get_real(h.sys);
	if (o->wrap_counter >= 0) {
		r->counter_wraps = cw_sim_counter_wraps(
			cw_sim_machine_counter_at(h.m, (size_t)o->wrap_counter));
	}
	cw_check_get_stats(h.sys, &r->stats);
	if (cw_check_report(h.sys, r->report, sizeof(r->report)) && !ret) {
		ret = CW_ERANGE;
	}
	/* Stop the timers before the machine goes (their storage is ours). */
	h.stopping = true;
	for (unsigned i = 0; i < HZN_HR; i++) {
		cw_hrtimer_cancel(&h.hr[i].t);
	}
	for (unsigned c = 0; c < h.nr_cpus; c++) {
		cw_hrtimer_cancel(&h.drv[c].t);
	}
	for (unsigned i = 0; i < HZN_WT; i++) {
		cw_timer_shutdown_sync(&h.wt[i].t);
	}
out:
	if (h.m) {
		cw_sim_machine_destroy(h.m);
	}
	if (h.sim) {
		cw_sim_destroy(h.sim);
	}
	free(h.op_ev);
	free(h.drv);
	cw_sim_machine_desc_free(d);
	cw_sim_workload_desc_free(w);
	r->wall_s = hzn_wall_now() - t0;
	return r->status = ret;
}

#endif /* CLOCKWORK_TESTS_HORIZON_H */
