/* SPDX-License-Identifier: MIT */
/*
 * The [proxy] part of a workload run (issue 12, section 3;
 * docs/proxy-tick.md): what the proxy tick device buys, measured on a
 * modelled machine in one run and one seed.
 *
 * On each CPU of the section, the in-band stage runs masked sections
 * (cw_sim_hw_inband_stall()) of a drawn length, a drawn time apart; a
 * control loop runs at oob_hz; an in-band probe hrtimer runs at inband_hz.
 * Before install_at the control loop is a pinned hard hrtimer: its
 * interrupt is an in-band one and waits out a masked section. At
 * install_at the proxy tick device is installed on the section's CPUs
 * with the out-of-band timer layer (cw_tick_proxy_setup_oob_timers()) and
 * the loop becomes an out-of-band timer on the same grid of expiries
 * (oob_hz = 0: there is no loop, the proxy carries only the in-band
 * timing: the erratum-740657 scenarios, where nothing oob moves the
 * comparator after a relayed tick); the
 * in-band probe keeps running through the proxy. reinstall_every
 * uninstalls and reinstalls the proxy under load; uninstall_at ends it and
 * the loop goes back in-band. Each timer run records its latency (run time
 * minus expiry, MONOTONIC), per CPU and phase; the real device's
 * interrupts are counted per phase from its model's statistics.
 *
 * The checker's lateness bound grows by twice the longest masked section:
 * an in-band timer may wait out one, and the interrupt its replay leads to
 * (an IPI, the device reprogrammed) one more when the next follows closely.
 *
 * Lifetime: the workload run owns the demo (cw__sim_proxy_demo_start() /
 * _stop()); stop cancels every event and timer and uninstalls the proxy.
 */
#include <clockwork/check.h>
#include <clockwork/cpu.h>
#include <clockwork/hrtimer.h>
#include <clockwork/proxy.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/system.h>
#include <clockwork/tick.h>
#include <clockwork/timekeeping.h>

#include "port/sim/sim-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** Samples kept per timer and phase (percentiles over these). */
#define PD_MAX_SAMPLES (1u << 20)

/** Latency samples of one timer in one phase. */
struct pd_samples {
	uint32_t *v;
	size_t n;
	size_t cap;
	uint64_t count;
	uint64_t min_ns;
	uint64_t max_ns;
};

struct pd_phase {
	struct pd_samples loop;
	struct pd_samples inband;
	uint64_t missed;
	uint64_t masked;
	uint64_t masked_ns;
	uint64_t masked_max_ns;
	uint64_t reinstalls;
	uint64_t start_ns;
	uint64_t duration_ns;
	uint64_t irqs_start;
	uint64_t real_irqs;
};

struct cw__sim_proxy_demo;

/** One CPU of the section. */
struct pd_cpu {
	struct cw__sim_proxy_demo *d;
	unsigned cpu;
	/** Starts and ends masked sections. */
	struct cw_sim_event stall_ev;
	bool stalled;
	uint64_t stall_start_ns;
	/** The control loop: in-band hrtimer, or out-of-band timer while proxied. */
	struct cw_hrtimer loop_hr;
	struct cw_oob_timer loop_oob;
	/** The in-band probe. */
	struct cw_hrtimer probe;
	/** Next loop expiry across a reinstall. */
	cw_ktime_t resume_ns;
	/** Model and device index of the real device (NULL: not found). */
	struct cw_sim_hw_timer *hwt;
	unsigned hw_index;
	struct pd_phase ph[CW_SIM_PROXY_NR_PHASES];
};

struct cw__sim_proxy_demo {
	struct cw_sim_machine *machine;
	struct cw_sim *sim;
	struct cw_system *sys;
	struct cw_sim_hw *hw;
	struct cw_sim_proxy_desc p;
	enum cw_sim_proxy_phase phase;
	/** Install, reinstall cycles, uninstall. */
	struct cw_sim_event phase_ev;
	uint64_t mask[(CW_MAX_CPUS + 63) / 64];
	unsigned nr;
	struct pd_cpu *cpus;
};

static uint64_t pd_now(const struct cw__sim_proxy_demo *d)
{
	return cw_sim_now_ns(d->sim);
}

static void pd_sample(struct pd_samples *s, uint64_t ns)
{
	if (s->count == 0 || ns < s->min_ns) {
		s->min_ns = ns;
	}
	if (ns > s->max_ns) {
		s->max_ns = ns;
	}
	s->count++;
	if (s->n == s->cap && s->cap < PD_MAX_SAMPLES) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint32_t *v = realloc(s->v, cap * sizeof(*v));

		if (v) {
			s->v = v;
			s->cap = cap;
		}
	}
	if (s->n < s->cap) {
		s->v[s->n++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
	}
}

static struct pd_phase *pd_ph(struct pd_cpu *c)
{
	return &c->ph[c->d->phase];
}

/* ---- timers ---- */

static enum cw_hrtimer_restart pd_loop_hr(struct cw_hrtimer *t)
{
	struct pd_cpu *c = (struct pd_cpu *)((char *)t - offsetof(struct pd_cpu, loop_hr));
	cw_ktime_t now = cw_ktime_get(c->d->sys);

	pd_sample(&pd_ph(c)->loop, (uint64_t)(now - cw_hrtimer_get_expires(t)));
	cw_hrtimer_forward(t, now, c->d->p.oob_period_ns);
	return CW_HRTIMER_RESTART;
}

static void pd_loop_oob(struct cw_oob_timer *t, cw_ktime_t now)
{
	struct pd_cpu *c = t->data;

	pd_sample(&pd_ph(c)->loop, (uint64_t)(now - t->expires_ns));
}

static enum cw_hrtimer_restart pd_probe(struct cw_hrtimer *t)
{
	struct pd_cpu *c = (struct pd_cpu *)((char *)t - offsetof(struct pd_cpu, probe));
	cw_ktime_t now = cw_ktime_get(c->d->sys);
	uint64_t n;

	pd_sample(&pd_ph(c)->inband, (uint64_t)(now - cw_hrtimer_get_expires(t)));
	n = cw_hrtimer_forward(t, now, c->d->p.inband_period_ns);
	if (n > 1) {
		pd_ph(c)->missed += n - 1;
	}
	return CW_HRTIMER_RESTART;
}

/* On the CPU: start the in-band loop at @at (absolute MONOTONIC). */
struct pd_start {
	struct pd_cpu *c;
	cw_ktime_t at;
};

static void pd_start_loop_hr(void *arg)
{
	struct pd_start *s = arg;

	cw_hrtimer_start(&s->c->loop_hr, s->at,
			 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED | CW_HRTIMER_MODE_HARD);
}

static void pd_start_loop_oob(void *arg)
{
	struct pd_start *s = arg;
	struct pd_cpu *c = s->c;

	cw_oob_timer_start(c->d->sys, c->cpu, &c->loop_oob, s->at, c->d->p.oob_period_ns);
}

static void pd_start_probe(void *arg)
{
	struct pd_start *s = arg;

	cw_hrtimer_start(&s->c->probe, s->at,
			 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED | CW_HRTIMER_MODE_HARD);
}

static void pd_cancel_loop_oob(void *arg)
{
	struct pd_cpu *c = arg;

	cw_oob_timer_cancel(c->d->sys, c->cpu, &c->loop_oob);
}

static void pd_run_on(struct pd_cpu *c, void (*fn)(void *), cw_ktime_t at)
{
	struct pd_start s = { c, at };

	cw_sim_hw_run_on(c->d->hw, c->cpu, fn, &s);
}

/* ---- masked sections ---- */

static void pd_stall_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct pd_cpu *c = ev->data;
	struct cw__sim_proxy_demo *d = c->d;
	uint64_t now = cw_sim_now_ns(sim);

	if (c->stalled) {
		struct pd_phase *ph = pd_ph(c);
		uint64_t len = now - c->stall_start_ns;

		cw_sim_hw_inband_unstall(d->hw, c->cpu);
		c->stalled = false;
		ph->masked_ns += len;
		if (len > ph->masked_max_ns) {
			ph->masked_max_ns = len;
		}
		cw_sim_event_schedule(sim, ev, now + cw__sim_dist_draw(sim, &d->p.gap) + 1);
		return;
	}
	if (cw_sim_hw_inband_stall(d->hw, c->cpu) == 0) {
		c->stalled = true;
		c->stall_start_ns = now;
		pd_ph(c)->masked++;
		cw_sim_event_schedule(sim, ev, now + cw__sim_dist_draw(sim, &d->p.masked));
		return;
	}
	/* Offline: try again later. */
	cw_sim_event_schedule(sim, ev, now + cw__sim_dist_draw(sim, &d->p.gap) + 1);
}

/* ---- phases ---- */

static uint64_t pd_irqs(struct pd_cpu *c)
{
	struct cw_sim_hw_timer_stats st;

	if (!c->hwt || cw_sim_hw_timer_get_stats(c->hwt, c->hw_index, &st)) {
		return 0;
	}
	return st.interrupts;
}

static void pd_phase_end(struct cw__sim_proxy_demo *d)
{
	for (unsigned i = 0; i < d->nr; i++) {
		struct pd_cpu *c = &d->cpus[i];
		struct pd_phase *ph = pd_ph(c);

		ph->duration_ns += pd_now(d) - ph->start_ns;
		ph->real_irqs += pd_irqs(c) - ph->irqs_start;
	}
}

static void pd_phase_begin(struct cw__sim_proxy_demo *d, enum cw_sim_proxy_phase phase)
{
	d->phase = phase;
	for (unsigned i = 0; i < d->nr; i++) {
		struct pd_phase *ph = pd_ph(&d->cpus[i]);

		ph->start_ns = pd_now(d);
		ph->irqs_start = pd_irqs(&d->cpus[i]);
	}
}

/* Move each CPU's loop from the in-band hrtimer to an oob timer on the same grid, or back. */
static void pd_move_loops(struct cw__sim_proxy_demo *d, bool to_oob)
{
	for (unsigned i = 0; i < d->nr; i++) {
		struct pd_cpu *c = &d->cpus[i];
		cw_ktime_t next;

		if (!cw_cpu_online(d->sys, c->cpu) || !d->p.oob_period_ns) {
			continue;
		}
		if (to_oob) {
			next = cw_hrtimer_get_expires(&c->loop_hr);
			cw_hrtimer_cancel(&c->loop_hr);
			pd_run_on(c, pd_start_loop_oob, next);
		} else {
			next = c->loop_oob.expires_ns;
			cw_sim_hw_run_on(d->hw, c->cpu, pd_cancel_loop_oob, c);
			pd_run_on(c, pd_start_loop_hr, next);
		}
	}
}

static bool pd_install(struct cw__sim_proxy_demo *d)
{
	int ret = cw_tick_install_proxy(d->sys, cw_tick_proxy_setup_oob_timers, NULL, d->mask);

	if (ret) {
		cw_sim_system_log(d->sys, CW_LOG_WARNING, "sim: proxy: install failed: %s",
				  cw_strerror(ret));
		return false;
	}
	return true;
}

/* Reinstall cycle: the loop pauses for no time at all (same instant, same grid). */
static void pd_reinstall(struct cw__sim_proxy_demo *d)
{
	for (unsigned i = 0; i < d->nr && d->p.oob_period_ns; i++) {
		d->cpus[i].resume_ns = d->cpus[i].loop_oob.expires_ns;
		cw_sim_hw_run_on(d->hw, d->cpus[i].cpu, pd_cancel_loop_oob, &d->cpus[i]);
	}
	cw_tick_uninstall_proxy(d->sys, d->mask);
	if (!pd_install(d)) {
		return;
	}
	for (unsigned i = 0; i < d->nr; i++) {
		if (d->p.oob_period_ns) {
			pd_run_on(&d->cpus[i], pd_start_loop_oob, d->cpus[i].resume_ns);
		}
		pd_ph(&d->cpus[i])->reinstalls++;
	}
}

static void pd_phase_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct cw__sim_proxy_demo *d = ev->data;
	uint64_t now = cw_sim_now_ns(sim);
	uint64_t next = UINT64_MAX;

	if (d->phase == CW_SIM_PROXY_BEFORE) {
		pd_phase_end(d);
		if (!pd_install(d)) {
			pd_phase_begin(d, CW_SIM_PROXY_AFTER);
			return;
		}
		pd_phase_begin(d, CW_SIM_PROXY_WITH);
		pd_move_loops(d, true);
	} else if (d->p.uninstall_at_ns && now >= d->p.uninstall_at_ns) {
		pd_phase_end(d);
		pd_move_loops(d, false);
		cw_tick_uninstall_proxy(d->sys, d->mask);
		pd_phase_begin(d, CW_SIM_PROXY_AFTER);
		return;
	} else {
		pd_reinstall(d);
	}
	if (d->p.reinstall_every_ns) {
		next = now + d->p.reinstall_every_ns;
	}
	if (d->p.uninstall_at_ns && d->p.uninstall_at_ns < next) {
		next = d->p.uninstall_at_ns;
	}
	if (next != UINT64_MAX) {
		cw_sim_event_schedule(sim, ev, next);
	}
}

/* ---- start and stop ---- */

/* The model and index of @dev among the machine's timers. */
static void pd_find_model(struct pd_cpu *c, struct cw_clock_event_device *dev)
{
	struct cw_sim_machine *m = c->d->machine;

	for (size_t i = 0; dev && i < cw_sim_machine_nr_timers(m); i++) {
		struct cw_sim_hw_timer *t = cw_sim_machine_timer_at(m, i);

		for (unsigned k = 0; t && k < cw_sim_hw_timer_nr_devices(t); k++) {
			if (cw_sim_hw_timer_device(t, k) == dev) {
				c->hwt = t;
				c->hw_index = k;
				return;
			}
		}
	}
}

static void pd_cpu_start(struct cw__sim_proxy_demo *d, struct pd_cpu *c, unsigned cpu)
{
	cw_ktime_t now = cw_ktime_get(d->sys);
	uint64_t op = d->p.oob_period_ns, ip = d->p.inband_period_ns;

	c->d = d;
	c->cpu = cpu;
	d->mask[cpu / 64] |= UINT64_C(1) << (cpu % 64);
	pd_find_model(c, cw_tick_device(d->sys, cpu));
	cw_hrtimer_setup(d->sys, &c->loop_hr, pd_loop_hr, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	cw_hrtimer_setup(d->sys, &c->probe, pd_probe, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	c->loop_oob.fn = pd_loop_oob;
	c->loop_oob.data = c;
	/* Both on their period's grid from the next boundary; the probe half a period off. */
	if (op) {
		pd_run_on(c, pd_start_loop_hr, (now / (cw_ktime_t)op + 1) * (cw_ktime_t)op);
	}
	pd_run_on(c, pd_start_probe,
		  (now / (cw_ktime_t)ip + 1) * (cw_ktime_t)ip + (cw_ktime_t)ip / 2);
	cw_sim_event_init(&c->stall_ev, pd_stall_fire, c);
	c->stall_ev.cpu = cpu;
	cw_sim_event_schedule(d->sim, &c->stall_ev,
			      pd_now(d) + cw__sim_dist_draw(d->sim, &d->p.gap) + 1);
}

int cw__sim_proxy_demo_start(struct cw_sim_machine *m, const struct cw_sim_proxy_desc *p,
			     struct cw__sim_proxy_demo **out, char *err, size_t err_len)
{
	struct cw_system *sys = cw_sim_machine_system(m);
	struct cw__sim_proxy_demo *d;
	uint64_t longest;

	*out = NULL;
	if (p->last_cpu >= cw_system_nr_cpus(sys)) {
		snprintf(err, err_len,
			 "workload: line %u: [proxy] cpus %u-%u but the machine has CPUs 0..%u",
			 p->line, p->first_cpu, p->last_cpu, cw_system_nr_cpus(sys) - 1);
		return CW_EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		return CW_ENOMEM;
	}
	d->machine = m;
	d->sys = sys;
	d->hw = cw_sim_machine_hw(m);
	d->sim = cw_sim_system_engine(sys);
	d->p = *p;
	if (!d->p.inband_period_ns) {
		d->p.inband_period_ns = 4000000;
	}
	d->nr = p->last_cpu - p->first_cpu + 1;
	d->cpus = calloc(d->nr, sizeof(*d->cpus));
	if (!d->cpus) {
		free(d);
		return CW_ENOMEM;
	}
	longest = p->masked.kind == CW_SIM_DIST_UNIFORM ? p->masked.b_ns : p->masked.a_ns;
	/*
	 * Two sections: an in-band interrupt replayed at one unstall may
	 * program the next (an IPI, a reprogrammed device), which a section
	 * starting right after can hold again.
	 */
	cw_check_set_latency_ns(sys, cw_check_latency_ns(sys) + 2 * longest);
	d->phase = CW_SIM_PROXY_BEFORE;
	for (unsigned i = 0; i < d->nr; i++) {
		pd_cpu_start(d, &d->cpus[i], p->first_cpu + i);
	}
	pd_phase_begin(d, CW_SIM_PROXY_BEFORE);
	cw_sim_event_init(&d->phase_ev, pd_phase_fire, d);
	if (p->install_at_ns) {
		cw_sim_event_schedule(d->sim, &d->phase_ev, p->install_at_ns);
	}
	cw_sim_system_log(sys, CW_LOG_INFO,
			  "sim: proxy workload on CPUs %u-%u: loop %llu ns, probe %llu ns, masked "
			  "sections up to %llu ns",
			  p->first_cpu, p->last_cpu, (unsigned long long)d->p.oob_period_ns,
			  (unsigned long long)d->p.inband_period_ns, (unsigned long long)longest);
	*out = d;
	return 0;
}

void cw__sim_proxy_demo_stop(struct cw__sim_proxy_demo *d)
{
	if (!d) {
		return;
	}
	cw_sim_event_cancel(d->sim, &d->phase_ev);
	for (unsigned i = 0; i < d->nr; i++) {
		struct pd_cpu *c = &d->cpus[i];

		cw_sim_event_cancel(d->sim, &c->stall_ev);
		if (c->stalled) {
			cw_sim_hw_inband_unstall(d->hw, c->cpu);
		}
		cw_hrtimer_cancel(&c->loop_hr);
		cw_hrtimer_cancel(&c->probe);
		if (c->loop_oob.queued) {
			cw_sim_hw_run_on(d->hw, c->cpu, pd_cancel_loop_oob, c);
		}
	}
	cw_tick_uninstall_proxy(d->sys, d->mask);
	for (unsigned i = 0; i < d->nr; i++) {
		for (unsigned ph = 0; ph < CW_SIM_PROXY_NR_PHASES; ph++) {
			free(d->cpus[i].ph[ph].loop.v);
			free(d->cpus[i].ph[ph].inband.v);
		}
	}
	free(d->cpus);
	free(d);
}

/* ---- results ---- */

static int pd_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void pd_latency(const struct pd_samples *s, struct cw_sim_latency *out)
{
	uint32_t *v;

	memset(out, 0, sizeof(*out));
	if (!s->count) {
		return;
	}
	out->n = s->count;
	out->min_ns = s->min_ns;
	out->max_ns = s->max_ns;
	v = malloc(s->n * sizeof(*v));
	if (!v || !s->n) {
		free(v);
		return;
	}
	memcpy(v, s->v, s->n * sizeof(*v));
	qsort(v, s->n, sizeof(*v), pd_cmp);
	/* Nearest rank: the ceil(q * n)-th smallest. */
	out->p50_ns = v[(s->n * 50 + 99) / 100 - 1];
	out->p99_ns = v[(s->n * 99 + 99) / 100 - 1];
	free(v);
}

CW_API int cw_sim_machine_proxy_stats(const struct cw_sim_machine *m, unsigned cpu,
				      enum cw_sim_proxy_phase phase, struct cw_sim_proxy_stats *out)
{
	struct cw__sim_proxy_demo *d = m ? cw__sim_workload_proxy_demo(m) : NULL;
	const struct pd_cpu *c;
	struct pd_phase ph;

	if (!d) {
		return CW_ENODEV;
	}
	if (!out || (unsigned)phase >= CW_SIM_PROXY_NR_PHASES || cpu < d->p.first_cpu ||
	    cpu > d->p.last_cpu) {
		return CW_EINVAL;
	}
	c = &d->cpus[cpu - d->p.first_cpu];
	ph = c->ph[phase];
	if (phase == d->phase) {
		/* The phase in progress counts up to now. */
		ph.duration_ns += pd_now(d) - ph.start_ns;
		ph.real_irqs += pd_irqs((struct pd_cpu *)c) - ph.irqs_start;
	}
	memset(out, 0, sizeof(*out));
	out->duration_ns = ph.duration_ns;
	pd_latency(&ph.loop, &out->loop);
	pd_latency(&ph.inband, &out->inband);
	out->inband_missed = ph.missed;
	out->real_irqs = ph.real_irqs;
	out->masked = ph.masked;
	out->masked_ns = ph.masked_ns;
	out->masked_max_ns = ph.masked_max_ns;
	out->reinstalls = ph.reinstalls;
	return 0;
}
