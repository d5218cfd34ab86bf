/* SPDX-License-Identifier: MIT */
/*
 * cwlat on the simulator: the same periodic, pinned, hard hrtimers as on
 * the posix port, one per CPU of a modelled machine (the built-in
 * default-soc or --machine FILE), in virtual time. The machine's timer
 * interrupts reach their CPU after the modelled interrupt latency ([irq]
 * latency, or --irq-latency), so that latency, plus the device's cycle
 * rounding, is what the callback sees.
 *
 * Reference clock: the simulated machine's own MONOTONIC. The latency of
 * one expiry is cw_ktime_get() read first thing in the callback minus the
 * timer's expiry. There is no host clock to compare with, and the machine's
 * clocksource is the clock its timers are programmed against; a drifting
 * counter changes the measured latency by the drift times the latency
 * (10 ppm of 1 us is 10 fs), nothing more.
 *
 * The run: build and boot the machine (no workload: CPUs do not idle, so
 * no idle exit latency is added), let it run until every measured CPU has
 * switched to high-resolution mode (which waits for the watchdog to
 * verify a must_verify clocksource: half a second of virtual time on the
 * default machine; a machine that never switches gets a warning and is
 * measured in low-resolution mode, tick-bound), start the timers on their CPUs with
 * the same phases as the posix run, run to the end plus a grace period,
 * cancel and tear down. Single-threaded and host-clock free: the output is
 * a function of the arguments.
 */
#include "cwlat-internal.h"
#include "cli.h"

#include <clockwork/clockwork.h>
#include <clockwork/cpu.h>
#include <clockwork/hrtimer.h>
#include <clockwork/sim.h>
#include <clockwork/timekeeping.h>

#include <stdlib.h>
#include <string.h>

/* Virtual time after the end in which the last callbacks must have run. */
#define SIM_GRACE_NS  (10 * (uint64_t)CW_NSEC_PER_MSEC)
/* Machine log lines kept (the boot log is not printed). */
#define SIM_LOG_LINES 256u

/** One measurement timer on one modelled CPU. */
struct sim_meas {
	/** First member: the callback gets back here by a cast. */
	struct cw_hrtimer timer;
	struct cwlat_thread *th;
	struct cw_system *sys;
	uint64_t interval_ns;
	/** First expiry and end, the machine's MONOTONIC ns. */
	int64_t first_ns;
	int64_t end_ns;
	/** The timer was set up (cancel it at the end). */
	bool set_up;
};

static enum cw_hrtimer_restart sim_meas_fire(struct cw_hrtimer *timer)
{
	struct sim_meas *m = (struct sim_meas *)timer;
	int64_t now = cw_ktime_get(m->sys);
	uint64_t n;

	cwlat_record(m->th, now - cw_hrtimer_get_expires(timer));
	n = cw_hrtimer_forward_now(timer, m->interval_ns);
	if (n > 1) {
		m->th->overruns += n - 1;
	}
	return cw_hrtimer_get_expires(timer) >= m->end_ns ? CW_HRTIMER_NORESTART
							  : CW_HRTIMER_RESTART;
}

/* Runs as CPU i (cw_cpu_call()): start its timer there, pinned. */
static void sim_meas_start(void *arg)
{
	struct sim_meas *m = arg;

	cw_hrtimer_start(&m->timer, m->first_ns, CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED);
}

static int load_machine(const struct cwlat_opts *o, struct cw_sim_machine_desc **desc, FILE *err)
{
	int ret = cli_load_machine("cwlat", o->machine_path, desc, err);

	if (ret) {
		return ret;
	}
	if (o->threads > (*desc)->nr_cpus) {
		fprintf(err, "cwlat: --threads %u: machine '%s' has %u CPUs\n", o->threads,
			(*desc)->name, (*desc)->nr_cpus);
		return CWLAT_EXIT_USAGE;
	}
	if (o->irq_latency_set) {
		(*desc)->irq_latency_ns = o->irq_latency_ns;
	}
	return CWLAT_EXIT_OK;
}

static int start_timers(const struct cwlat_opts *o, struct cw_system *sys, struct sim_meas *meas,
			struct cwlat_series *s, FILE *err)
{
	int64_t start = cw_ktime_get(sys);

	for (unsigned i = 0; i < o->threads; i++) {
		struct sim_meas *m = &meas[i];
		int ret;

		m->th = &s->thread[i];
		m->sys = sys;
		m->interval_ns = o->interval_ns;
		m->first_ns = start + (int64_t)m->th->phase_ns;
		m->end_ns = start + (int64_t)o->duration_ns;
		ret = cw_hrtimer_setup(sys, &m->timer, sim_meas_fire, CW_CLOCK_MONOTONIC,
				       CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED |
					       CW_HRTIMER_MODE_HARD);
		if (!ret) {
			m->set_up = true;
			ret = cw_cpu_call(sys, i, sim_meas_start, m);
		}
		if (ret) {
			fprintf(err, "cwlat: cannot start the hrtimer on CPU %u: %s\n", i,
				cw_strerror(ret));
			return CWLAT_EXIT_FAILURE;
		}
	}
	return CWLAT_EXIT_OK;
}

/* Run until the measured CPUs are in high-resolution mode (or give up, warned). */
static void settle(struct cw_sim *sim, struct cw_system *sys, unsigned nr_cpus,
		   struct cwlat_env *env, FILE *err)
{
	for (env->hres_wait_ns = 0; env->hres_wait_ns < CWLAT_HRES_WAIT_MAX_NS;
	     env->hres_wait_ns += CWLAT_HRES_WAIT_STEP_NS) {
		if (cwlat_all_hres(sys, nr_cpus)) {
			env->hres = true;
			return;
		}
		cw_sim_run_for(sim, CWLAT_HRES_WAIT_STEP_NS);
	}
	env->hres = cwlat_all_hres(sys, nr_cpus);
	if (!env->hres) {
		fputs("cwlat: warning: not every CPU switched to high-resolution mode; "
		      "expiries wait for the tick\n",
		      err);
	}
}

int cwlat_sim_measure(const struct cwlat_opts *o, struct cwlat_series *series,
		      struct cwlat_env *env, FILE *err)
{
	struct cw_system_config cfg = { .hz = o->hz, .log_lines = SIM_LOG_LINES };
	struct cw_sim_machine_desc *desc = NULL;
	struct cw_sim_machine *machine = NULL;
	struct sim_meas *meas = NULL;
	struct cw_sim *sim = NULL;
	int ret;

	ret = load_machine(o, &desc, err);
	if (ret) {
		goto out;
	}
	snprintf(env->machine, sizeof(env->machine), "%s", desc->name);
	env->irq_latency_ns = desc->irq_latency_ns;
	meas = calloc(o->threads, sizeof(*meas));
	ret = CWLAT_EXIT_FAILURE;
	if (!meas || cw_sim_create(o->seed, &sim)) {
		fputs("cwlat: out of memory\n", err);
		goto out;
	}
	if (cw_sim_machine_create(sim, desc, &cfg, NULL, NULL, &machine) ||
	    cw_sim_machine_boot(machine)) {
		fprintf(err, "cwlat: machine '%s' does not boot\n", desc->name);
		goto out;
	}
	settle(sim, cw_sim_machine_system(machine), o->threads, env, err);
	if (cw_clocksource_current(cw_sim_machine_system(machine), env->clocksource,
				   sizeof(env->clocksource))) {
		snprintf(env->clocksource, sizeof(env->clocksource), "?");
	}
	ret = start_timers(o, cw_sim_machine_system(machine), meas, series, err);
	if (!ret) {
		cw_sim_run_for(sim, o->duration_ns + SIM_GRACE_NS);
	}
	if (cw_clocksource_current(cw_sim_machine_system(machine), env->clocksource_end,
				   sizeof(env->clocksource_end))) {
		snprintf(env->clocksource_end, sizeof(env->clocksource_end), "?");
	}
	for (unsigned i = 0; i < o->threads; i++) {
		if (meas[i].set_up) {
			cw_hrtimer_cancel(&meas[i].timer);
		}
	}
out:
	cw_sim_machine_destroy(machine);
	cw_sim_destroy(sim);
	cw_sim_machine_desc_free(desc);
	free(meas);
	return ret;
}
