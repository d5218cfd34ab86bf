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
	/** The CPU's cross-call counters at the phase's start, and their growth in it. */
	uint64_t calls_logged_start;
	uint64_t calls_unlogged_start;
	uint64_t calls_logged;
	uint64_t calls_unlogged;
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
	/** First expiries of the loop and the probe (set up on the CPU, maybe at an unstall). */
	cw_ktime_t loop_first_ns;
	cw_ktime_t probe_first_ns;
	/**
	 * The phase this CPU's samples go to: it follows the demo's phase when
	 * the CPU's loop changes stage (an asynchronous call on the CPU, run at
	 * once or at the unstall of a masked section).
	 */
	enum cw_sim_proxy_phase phase;
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
	/** An install or uninstall is in flight (its completion has not run). */
	bool op_busy;
	/** Stopping: completions only account. */
	bool stopping;
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
	return &c->ph[c->phase];
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

/* On the CPU: start the in-band loop at its first expiry (absolute MONOTONIC). */
static void pd_start_loop_hr(void *arg)
{
	struct pd_cpu *c = arg;

	cw_hrtimer_start(&c->loop_hr, c->loop_first_ns,
			 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED | CW_HRTIMER_MODE_HARD);
}

static void pd_start_probe(void *arg)
{
	struct pd_cpu *c = arg;

	cw_hrtimer_start(&c->probe, c->probe_first_ns,
			 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED | CW_HRTIMER_MODE_HARD);
}

static void pd_cancel_loop_oob(void *arg)
{
	struct pd_cpu *c = arg;

	cw_oob_timer_cancel(c->d->sys, c->cpu, &c->loop_oob);
}

/*
 * Run @fn on the CPU. The demo starts before its first masked section, but
 * a CPU someone else masked, or a start from inside an engine event, takes
 * it through the CPU's in-band log (an event cannot wait).
 */
static void pd_run_on(struct pd_cpu *c, void (*fn)(void *))
{
	cw_sim_hw_run_on_async(c->d->hw, c->cpu, fn, c, NULL, NULL);
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

/*
 * The install, reinstall and uninstall run from the demo's phase event,
 * an engine event, which cannot wait for a CPU whose in-band stage is
 * masked: they use the asynchronous proxy calls and cross calls
 * (cw_tick_install_proxy_async(), cw_sim_hw_run_on_async()), so each step
 * on a stalled CPU waits in its in-band log and the demo continues in the
 * completions. A CPU's loop changes stage in a call on that CPU, logged
 * in order with the steps of the proxy operation; the CPU's samples change
 * phase there too.
 */

static uint64_t pd_irqs(const struct pd_cpu *c)
{
	struct cw_sim_hw_timer_stats st;

	if (!c->hwt || cw_sim_hw_timer_get_stats(c->hwt, c->hw_index, &st)) {
		return 0;
	}
	return st.interrupts;
}

/* The CPU model's cross calls that met the CPU masked: logged, or run at once. */
static void pd_calls(const struct pd_cpu *c, uint64_t *logged, uint64_t *unlogged)
{
	struct cw_sim_hw_cpu_stats cs;

	if (cw_sim_hw_cpu_get_stats(c->d->hw, c->cpu, &cs)) {
		*logged = *unlogged = 0;
		return;
	}
	*logged = cs.calls_logged;
	*unlogged = cs.calls_unlogged;
}

/* A phase of @c begins (its counters' starting values) or ends (their growth). */
static void pd_phase_begin(struct pd_cpu *c, struct pd_phase *ph)
{
	ph->start_ns = pd_now(c->d);
	ph->irqs_start = pd_irqs(c);
	pd_calls(c, &ph->calls_logged_start, &ph->calls_unlogged_start);
}

static void pd_phase_end(const struct pd_cpu *c, struct pd_phase *ph)
{
	uint64_t logged, unlogged;

	ph->duration_ns += pd_now(c->d) - ph->start_ns;
	ph->real_irqs += pd_irqs(c) - ph->irqs_start;
	pd_calls(c, &logged, &unlogged);
	ph->calls_logged += logged - ph->calls_logged_start;
	ph->calls_unlogged += unlogged - ph->calls_unlogged_start;
}

/* The CPU's samples go to @phase from now on. */
static void pd_cpu_phase(struct pd_cpu *c, enum cw_sim_proxy_phase phase)
{
	if (c->phase == phase) {
		return;
	}
	pd_phase_end(c, pd_ph(c));
	c->phase = phase;
	pd_phase_begin(c, pd_ph(c));
}

/* On the CPU: the loop moves from the in-band hrtimer to an oob timer on the same grid. */
static void pd_cpu_to_oob(void *arg)
{
	struct pd_cpu *c = arg;
	cw_ktime_t next = cw_hrtimer_get_expires(&c->loop_hr);

	pd_cpu_phase(c, CW_SIM_PROXY_WITH);
	if (c->d->p.oob_period_ns) {
		cw_hrtimer_cancel(&c->loop_hr);
		cw_oob_timer_start(c->d->sys, c->cpu, &c->loop_oob, next, c->d->p.oob_period_ns);
	}
}

/* On the CPU: back to the in-band hrtimer, on the same grid. */
static void pd_cpu_to_inband(void *arg)
{
	struct pd_cpu *c = arg;

	pd_cpu_phase(c, CW_SIM_PROXY_AFTER);
	if (c->d->p.oob_period_ns && c->loop_oob.queued) {
		cw_ktime_t next = c->loop_oob.expires_ns;

		cw_oob_timer_cancel(c->d->sys, c->cpu, &c->loop_oob);
		cw_hrtimer_start(&c->loop_hr, next,
				 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED |
					 CW_HRTIMER_MODE_HARD);
	}
}

/* On the CPU: a reinstall begins; the loop pauses at its next expiry. */
static void pd_cpu_pause(void *arg)
{
	struct pd_cpu *c = arg;

	c->resume_ns = c->loop_oob.expires_ns;
	cw_oob_timer_cancel(c->d->sys, c->cpu, &c->loop_oob);
}

/* On the CPU: the reinstall is done; the loop resumes on its grid. */
static void pd_cpu_resume(void *arg)
{
	struct pd_cpu *c = arg;

	if (c->d->p.oob_period_ns) {
		cw_oob_timer_start(c->d->sys, c->cpu, &c->loop_oob, c->resume_ns,
				   c->d->p.oob_period_ns);
	}
	pd_ph(c)->reinstalls++;
}

/* Run @fn on every online CPU of the section, without waiting for any. */
static void pd_each_cpu(struct cw__sim_proxy_demo *d, void (*fn)(void *))
{
	for (unsigned i = 0; i < d->nr; i++) {
		struct pd_cpu *c = &d->cpus[i];

		if (cw_cpu_online(d->sys, c->cpu)) {
			cw_sim_hw_run_on_async(d->hw, c->cpu, fn, c, NULL, NULL);
		}
	}
}

static void pd_op_failed(struct cw__sim_proxy_demo *d, const char *what, int ret)
{
	cw_sim_system_log(d->sys, CW_LOG_WARNING, "sim: proxy: %s failed: %s", what,
			  cw_strerror(ret));
}

/* Install (first, or the second half of a reinstall) done. */
static void pd_installed(struct cw_system *sys, int ret, void *arg)
{
	struct cw__sim_proxy_demo *d = arg;
	bool reinstall = d->phase == CW_SIM_PROXY_WITH;

	(void)sys;
	d->op_busy = false;
	if (d->stopping) {
		return;
	}
	if (ret) {
		pd_op_failed(d, "install", ret);
		d->phase = CW_SIM_PROXY_AFTER;
		cw_sim_event_cancel(d->sim, &d->phase_ev);
		for (unsigned i = 0; i < d->nr; i++) {
			pd_cpu_phase(&d->cpus[i], CW_SIM_PROXY_AFTER);
		}
		return;
	}
	d->phase = CW_SIM_PROXY_WITH;
	pd_each_cpu(d, reinstall ? pd_cpu_resume : pd_cpu_to_oob);
}

/* The first half of a reinstall done: install again. */
static void pd_reinstall_uninstalled(struct cw_system *sys, int ret, void *arg)
{
	struct cw__sim_proxy_demo *d = arg;

	(void)sys;
	d->op_busy = false;
	if (d->stopping) {
		return;
	}
	if (ret) {
		pd_op_failed(d, "uninstall", ret);
	}
	d->op_busy = true;
	ret = cw_tick_install_proxy_async(d->sys, cw_tick_proxy_setup_oob_timers, NULL, d->mask,
					  pd_installed, d);
	if (ret) {
		d->op_busy = false;
		pd_op_failed(d, "install", ret);
	}
}

/* The final uninstall done. */
static void pd_uninstalled(struct cw_system *sys, int ret, void *arg)
{
	struct cw__sim_proxy_demo *d = arg;

	(void)sys;
	d->op_busy = false;
	if (!d->stopping && ret) {
		pd_op_failed(d, "uninstall", ret);
	}
}

static void pd_phase_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct cw__sim_proxy_demo *d = ev->data;
	uint64_t now = cw_sim_now_ns(sim);
	uint64_t next = UINT64_MAX;
	int ret;

	if (d->op_busy) {
		/* The last operation still waits for a masked CPU: try again shortly. */
		cw_sim_event_schedule(sim, ev, now + 100000);
		return;
	}
	d->op_busy = true;
	if (d->phase == CW_SIM_PROXY_BEFORE) {
		ret = cw_tick_install_proxy_async(d->sys, cw_tick_proxy_setup_oob_timers, NULL,
						  d->mask, pd_installed, d);
	} else if (d->p.uninstall_at_ns && now >= d->p.uninstall_at_ns) {
		d->phase = CW_SIM_PROXY_AFTER;
		pd_each_cpu(d, pd_cpu_to_inband);
		ret = cw_tick_uninstall_proxy_async(d->sys, d->mask, pd_uninstalled, d);
		if (ret) {
			d->op_busy = false;
			pd_op_failed(d, "uninstall", ret);
		}
		return;
	} else {
		pd_each_cpu(d, pd_cpu_pause);
		ret = cw_tick_uninstall_proxy_async(d->sys, d->mask, pd_reinstall_uninstalled, d);
	}
	if (ret) {
		d->op_busy = false;
		pd_op_failed(d, d->phase == CW_SIM_PROXY_BEFORE ? "install" : "uninstall", ret);
		if (d->phase == CW_SIM_PROXY_BEFORE) {
			d->phase = CW_SIM_PROXY_AFTER;
			for (unsigned i = 0; i < d->nr; i++) {
				pd_cpu_phase(&d->cpus[i], CW_SIM_PROXY_AFTER);
			}
			return;
		}
	}
	/* The phase may have ended already (every step ran at once and failed). */
	if (d->phase == CW_SIM_PROXY_AFTER) {
		return;
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
	c->probe_first_ns = (now / (cw_ktime_t)ip + 1) * (cw_ktime_t)ip + (cw_ktime_t)ip / 2;
	if (op) {
		c->loop_first_ns = (now / (cw_ktime_t)op + 1) * (cw_ktime_t)op;
		pd_run_on(c, pd_start_loop_hr);
	}
	pd_run_on(c, pd_start_probe);
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
		d->cpus[i].phase = CW_SIM_PROXY_BEFORE;
		pd_phase_begin(&d->cpus[i], &d->cpus[i].ph[CW_SIM_PROXY_BEFORE]);
	}
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
	d->stopping = true;
	cw_sim_event_cancel(d->sim, &d->phase_ev);
	for (unsigned i = 0; i < d->nr; i++) {
		struct pd_cpu *c = &d->cpus[i];

		cw_sim_event_cancel(d->sim, &c->stall_ev);
		if (c->stalled) {
			/* Replays the calls logged on it. */
			cw_sim_hw_inband_unstall(d->hw, c->cpu);
			c->stalled = false;
		}
	}
	/*
	 * An operation in flight ends now that nothing is masked: its
	 * remaining steps run at once, its completions are events at this
	 * instant. (Stopping from inside an engine event cannot run them: not
	 * done by any caller; the operation would then outlive the demo.)
	 */
	while (d->op_busy && !d->sim->running && cw_sim_nr_queued(d->sim)) {
		cw_sim_run_until(d->sim, cw_sim_next_event_ns(d->sim));
	}
	if (d->op_busy) {
		/* Its completion still refers to the demo: leave the demo allocated (stopping). */
		cw_sim_system_log(d->sys, CW_LOG_WARNING,
				  "sim: proxy: stopped with an install or uninstall in flight");
		return;
	}
	for (unsigned i = 0; i < d->nr; i++) {
		struct pd_cpu *c = &d->cpus[i];

		cw_hrtimer_cancel(&c->loop_hr);
		cw_hrtimer_cancel(&c->probe);
		if (c->loop_oob.queued) {
			/*
			 * Never a masked CPU: the demo unstalled its CPUs above and
			 * nothing else masks them; the demo is freed below, so a
			 * call left in a log would outlive it.
			 */
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
	if (phase == c->phase) {
		/* The phase in progress counts up to now. */
		pd_phase_end(c, &ph);
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
	out->calls_logged = ph.calls_logged;
	out->calls_unlogged = ph.calls_unlogged;
	return 0;
}
