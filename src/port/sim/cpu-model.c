/* SPDX-License-Identifier: MIT */
/*
 * The CPU model: each modelled CPU runs, idles in one of the machine's idle
 * states, or is offline. Idling goes through the core
 * (cw_tick_idle_enter()/cw_tick_idle_exit()) in the CPU's own context; a
 * deep state stops the CPU's C3STOP timers, which is what makes broadcast
 * necessary. Running a function "on" a CPU (the port's cpu_call) switches
 * the engine's current CPU for the duration of the call, which is exact in
 * a single-threaded engine; a call to a CPU whose in-band stage is stalled
 * waits in its in-band log (irqc.c) instead.
 *
 * Ordering on wake: the CPU's stopped timers are powered first, then the
 * core is told (cw_tick_idle_exit() re-arms the local device), then the
 * waking interrupt runs. On idle entry the core is told first, then the
 * timers stop: a timer the core just shut down has nothing left to lose.
 *
 * In-band stall (the interrupt pipeline, irqc.c): a stalled CPU runs
 * masked in-band code, so it leaves idle and counts as busy until it is
 * unstalled, which replays its in-band log before the idle loop resumes.
 *
 * Idle loop: a CPU with a loop state re-enters it after every interrupt,
 * as an idle task would, once no handler or cross call runs on it
 * (busy == 0).
 */
#include <clockwork/sim_hw.h>
#include <clockwork/cpu.h>
#include <clockwork/proxy.h>
#include <clockwork/tick.h>

#include "port/sim/hw-internal.h"
#include "port/sim/sim-internal.h"

#include <stdlib.h>

int cw__sim_hw_cpus_init(struct cw_sim_hw *hw)
{
	hw->cpus = calloc(hw->nr_cpus, sizeof(*hw->cpus));
	if (!hw->cpus) {
		return CW_ENOMEM;
	}
	for (unsigned i = 0; i < hw->nr_cpus; i++) {
		hw->cpus[i].state = CW_SIM_HW_CPU_RUNNING;
		hw->cpus[i].idle_state = -1;
		hw->cpus[i].loop_state = -1;
		cw__sim_hw_ipi_init(hw, i);
	}
	return 0;
}

void cw__sim_hw_cpus_fini(struct cw_sim_hw *hw)
{
	if (!hw->cpus) {
		return;
	}
	for (unsigned i = 0; i < hw->nr_cpus; i++) {
		cw_sim_event_cancel(hw->sim, &hw->cpus[i].ipi.ev);
		cw_sim_event_cancel(hw->sim, &hw->cpus[i].synth.ev);
	}
	free(hw->cpus);
	hw->cpus = NULL;
}

/* Stop or restart the C3STOP timers of @cpu (per-CPU models only). */
static void set_timers_stopped(struct cw_sim_hw *hw, unsigned cpu, bool stop)
{
	for (struct cw_sim_hw_timer *t = hw->timers; t; t = t->next) {
		if (t->ops->percpu && t->ops->deep_idle && t->p.c3stop) {
			t->ops->deep_idle(t, cpu, stop);
		}
	}
	hw->cpus[cpu].timers_stopped = stop;
}

/* Deepest shallow state below @limit, or -1. */
static int deepest_shallow(const struct cw_sim_hw *hw, unsigned limit)
{
	for (int i = (int)limit - 1; i >= 0; i--) {
		if (!hw->idle[i].deep) {
			return i;
		}
	}
	return -1;
}

/* Ask the core for idle on the current CPU; returns the state to enter, or -1 to stay running. */
static int core_idle_enter(struct cw_sim_hw *hw, struct sim_hw_cpu *c, unsigned state)
{
	bool deep = hw->idle[state].deep;
	int ret;

	if (!hw->sys) {
		return (int)state;
	}
	if (deep && !cw_tick_proxy_deep_idle_ok(hw->sys)) {
		/*
		 * Out-of-band timers on a proxied C3STOP device: a deep state
		 * would stop them, and the broadcast only knows the in-band
		 * side's events (Dovetail's irq_cpuidle_control veto).
		 */
		c->stats.deep_fallbacks++;
		ret = deepest_shallow(hw, state);
		if (ret < 0) {
			return -1;
		}
		state = (unsigned)ret;
		deep = false;
	}
	ret = cw_tick_idle_enter(hw->sys, deep);
	if (ret == 0) {
		c->core_idle = true;
		return (int)state;
	}
	if (ret != CW_EBUSY || !deep) {
		return -1;
	}
	/*
	 * The core refused the deep state (no broadcast device, or the CPU is
	 * due at once) but counts the CPU idle in a shallow state already. A
	 * broken platform enters the deep state anyway; a correct one takes
	 * the deepest shallow state.
	 */
	c->core_idle = true;
	if (hw->p.ignore_broadcast_busy) {
		c->stats.deep_forced++;
		return (int)state;
	}
	c->stats.deep_fallbacks++;
	ret = deepest_shallow(hw, state);
	if (ret < 0) {
		/* No shallow state: the CPU keeps running. */
		c->core_idle = false;
		cw_tick_idle_exit(hw->sys);
	}
	return ret;
}

static int cpu_idle_enter(struct cw_sim_hw *hw, unsigned cpu, unsigned state)
{
	struct sim_hw_cpu *c = &hw->cpus[cpu];
	unsigned saved = hw->sim->current_cpu;
	int entered;

	hw->sim->current_cpu = cpu;
	entered = core_idle_enter(hw, c, state);
	if (entered >= 0) {
		c->state = CW_SIM_HW_CPU_IDLE;
		c->idle_state = entered;
		c->idle_since_ns = cw__sim_hw_now(hw);
		c->stats.idle_entries[entered]++;
		if (hw->idle[entered].deep) {
			set_timers_stopped(hw, cpu, true);
		}
		if (hw->trace) {
			cw__sim_trace_cpu(hw, CW_SIM_TRACE_IDLE_ENTER, cpu, (unsigned)entered);
		}
	}
	hw->sim->current_cpu = saved;
	return entered;
}

/* Leave idle on @cpu now (timers first, then the core). */
static void cpu_idle_exit(struct cw_sim_hw *hw, unsigned cpu)
{
	struct sim_hw_cpu *c = &hw->cpus[cpu];
	unsigned saved = hw->sim->current_cpu;
	int exited;

	c->stats.idle_ns[c->idle_state] += cw__sim_hw_now(hw) - c->idle_since_ns;
	c->stats.wakeups++;
	exited = c->idle_state;
	c->state = CW_SIM_HW_CPU_RUNNING;
	c->idle_state = -1;
	hw->sim->current_cpu = cpu;
	if (c->timers_stopped) {
		set_timers_stopped(hw, cpu, false);
	}
	if (c->core_idle) {
		c->core_idle = false;
		cw_tick_idle_exit(hw->sys);
	}
	if (hw->trace) {
		cw__sim_trace_cpu(hw, CW_SIM_TRACE_IDLE_EXIT, cpu, (unsigned)exited);
	}
	hw->sim->current_cpu = saved;
}

uint64_t cw__sim_hw_cpu_wake_for_irq(struct cw_sim_hw *hw, unsigned cpu, bool paid)
{
	struct sim_hw_cpu *c = &hw->cpus[cpu];
	uint64_t lat;

	if (c->state != CW_SIM_HW_CPU_IDLE) {
		return 0;
	}
	lat = hw->idle[c->idle_state].exit_latency_ns;
	if (lat && !paid) {
		return lat;
	}
	cpu_idle_exit(hw, cpu);
	return 0;
}

void cw__sim_hw_cpu_busy(struct cw_sim_hw *hw, unsigned cpu, bool busy)
{
	struct sim_hw_cpu *c = &hw->cpus[cpu];

	if (busy) {
		c->busy++;
		return;
	}
	if (--c->busy == 0 && c->loop_state >= 0 && c->state == CW_SIM_HW_CPU_RUNNING) {
		cpu_idle_enter(hw, cpu, (unsigned)c->loop_state);
	}
}

CW_API int cw_sim_hw_cpu_idle(struct cw_sim_hw *hw, unsigned cpu, unsigned state)
{
	if (!hw || cpu >= hw->nr_cpus || state >= hw->p.nr_idle_states) {
		return CW_EINVAL;
	}
	if (hw->cpus[cpu].state != CW_SIM_HW_CPU_RUNNING) {
		return CW_EPERM;
	}
	return cpu_idle_enter(hw, cpu, state);
}

CW_API int cw_sim_hw_cpu_wake(struct cw_sim_hw *hw, unsigned cpu)
{
	if (!hw || cpu >= hw->nr_cpus) {
		return CW_EINVAL;
	}
	hw->cpus[cpu].loop_state = -1;
	if (hw->cpus[cpu].state != CW_SIM_HW_CPU_IDLE) {
		return CW_EPERM;
	}
	cpu_idle_exit(hw, cpu);
	return 0;
}

CW_API int cw_sim_hw_cpu_idle_loop(struct cw_sim_hw *hw, unsigned cpu, int state)
{
	struct sim_hw_cpu *c;
	int ret;

	if (!hw || cpu >= hw->nr_cpus || state >= (int)hw->p.nr_idle_states) {
		return CW_EINVAL;
	}
	c = &hw->cpus[cpu];
	c->loop_state = state < 0 ? -1 : state;
	if (state >= 0 && c->state == CW_SIM_HW_CPU_RUNNING && c->busy == 0) {
		ret = cpu_idle_enter(hw, cpu, (unsigned)state);
		return ret < 0 ? ret : 0;
	}
	return 0;
}

CW_API enum cw_sim_hw_cpu_state cw_sim_hw_cpu_state(const struct cw_sim_hw *hw, unsigned cpu)
{
	if (!hw || cpu >= hw->nr_cpus) {
		return CW_SIM_HW_CPU_OFFLINE;
	}
	return hw->cpus[cpu].state;
}

CW_API int cw_sim_hw_cpu_idle_state(const struct cw_sim_hw *hw, unsigned cpu)
{
	if (!hw || cpu >= hw->nr_cpus) {
		return -1;
	}
	return hw->cpus[cpu].idle_state;
}

CW_API int cw_sim_hw_run_on(struct cw_sim_hw *hw, unsigned cpu, void (*fn)(void *arg), void *arg)
{
	struct sim_hw_cpu *c;
	unsigned saved;

	if (!hw || cpu >= hw->nr_cpus || !fn) {
		return CW_EINVAL;
	}
	c = &hw->cpus[cpu];
	if (c->state == CW_SIM_HW_CPU_OFFLINE) {
		return CW_ENODEV;
	}
	if (c->stalled) {
		/* Masked in-band code: the call waits in the in-band log for the unstall. */
		return cw__sim_hw_call_stalled(hw, cpu, fn, arg);
	}
	/* An SMP function call interrupts an idle CPU: it leaves idle first. */
	if (c->state == CW_SIM_HW_CPU_IDLE) {
		cpu_idle_exit(hw, cpu);
	}
	saved = hw->sim->current_cpu;
	hw->sim->current_cpu = cpu;
	c->busy++;
	fn(arg);
	hw->sim->current_cpu = saved;
	cw__sim_hw_cpu_busy(hw, cpu, false);
	return 0;
}

CW_API int cw_sim_hw_run_on_async(struct cw_sim_hw *hw, unsigned cpu, void (*fn)(void *arg),
				  void *arg, cw_sim_hw_call_done_fn done, void *done_arg)
{
	if (!hw || cpu >= hw->nr_cpus || !fn) {
		return CW_EINVAL;
	}
	if (hw->cpus[cpu].state == CW_SIM_HW_CPU_OFFLINE) {
		return CW_ENODEV;
	}
	if (hw->cpus[cpu].stalled) {
		/* The caller goes on; @done continues it once the unstall ran @fn. */
		return cw__sim_hw_call_async(hw, cpu, fn, arg, done, done_arg);
	}
	return cw_sim_hw_run_on(hw, cpu, fn, arg);
}

CW_API int cw_sim_hw_inband_stall(struct cw_sim_hw *hw, unsigned cpu)
{
	struct sim_hw_cpu *c;

	if (!hw || cpu >= hw->nr_cpus) {
		return CW_EINVAL;
	}
	c = &hw->cpus[cpu];
	if (c->state == CW_SIM_HW_CPU_OFFLINE) {
		return CW_EPERM;
	}
	if (c->stalled) {
		return CW_EBUSY;
	}
	/* In-band code runs with interrupts masked: the CPU is busy, not idle. */
	if (c->state == CW_SIM_HW_CPU_IDLE) {
		cpu_idle_exit(hw, cpu);
	}
	c->busy++;
	c->stalled = true;
	c->stalled_since_ns = cw__sim_hw_now(hw);
	c->stats.stalls++;
	return 0;
}

CW_API int cw_sim_hw_inband_unstall(struct cw_sim_hw *hw, unsigned cpu)
{
	struct sim_hw_cpu *c;

	if (!hw || cpu >= hw->nr_cpus) {
		return CW_EINVAL;
	}
	c = &hw->cpus[cpu];
	if (!c->stalled) {
		return CW_EPERM;
	}
	c->stalled = false;
	c->stats.stalled_ns += cw__sim_hw_now(hw) - c->stalled_since_ns;
	/* Replay what was logged, in order, then let the idle loop have the CPU back. */
	cw__sim_hw_inband_sync(hw, cpu);
	cw__sim_hw_cpu_busy(hw, cpu, false);
	return 0;
}

CW_API bool cw_sim_hw_inband_stalled(const struct cw_sim_hw *hw, unsigned cpu)
{
	return hw && cpu < hw->nr_cpus && hw->cpus[cpu].stalled;
}

CW_API int cw_sim_hw_cpu_offline(struct cw_sim_hw *hw, unsigned cpu)
{
	struct sim_hw_cpu *c;
	int ret;

	if (!hw || cpu >= hw->nr_cpus) {
		return CW_EINVAL;
	}
	c = &hw->cpus[cpu];
	if (c->state == CW_SIM_HW_CPU_OFFLINE) {
		return CW_EPERM;
	}
	if (c->stalled) {
		/* Masked in-band code cannot run the hotplug steps: unstall first. */
		return CW_EBUSY;
	}
	if (c->state == CW_SIM_HW_CPU_IDLE) {
		cpu_idle_exit(hw, cpu);
	}
	if (hw->sys) {
		/* Keep the idle loop from re-entering while the core takes it down. */
		c->busy++;
		ret = cw_cpu_down(hw->sys, cpu);
		c->busy--;
		if (ret) {
			return ret;
		}
	}
	c->state = CW_SIM_HW_CPU_OFFLINE;
	return 0;
}

CW_API int cw_sim_hw_cpu_online(struct cw_sim_hw *hw, unsigned cpu)
{
	struct sim_hw_cpu *c;
	int ret = 0;

	if (!hw || cpu >= hw->nr_cpus) {
		return CW_EINVAL;
	}
	c = &hw->cpus[cpu];
	if (c->state != CW_SIM_HW_CPU_OFFLINE) {
		return CW_EPERM;
	}
	c->state = CW_SIM_HW_CPU_RUNNING;
	c->busy++;
	if (hw->sys) {
		ret = cw_cpu_up(hw->sys, cpu);
	}
	if (ret) {
		c->busy--;
		c->state = CW_SIM_HW_CPU_OFFLINE;
		return ret;
	}
	cw__sim_hw_cpu_busy(hw, cpu, false);
	return 0;
}

CW_API int cw_sim_hw_cpu_get_stats(const struct cw_sim_hw *hw, unsigned cpu,
				   struct cw_sim_hw_cpu_stats *out)
{
	const struct sim_hw_cpu *c;

	if (!hw || cpu >= hw->nr_cpus || !out) {
		return CW_EINVAL;
	}
	c = &hw->cpus[cpu];
	*out = c->stats;
	if (c->state == CW_SIM_HW_CPU_IDLE) {
		out->idle_ns[c->idle_state] += cw__sim_hw_now(hw) - c->idle_since_ns;
	}
	if (c->stalled) {
		out->stalled_ns += cw__sim_hw_now(hw) - c->stalled_since_ns;
	}
	return 0;
}

CW_API const char *cw_sim_hw_idle_state_name(const struct cw_sim_hw *hw, unsigned state)
{
	if (!hw || state >= hw->p.nr_idle_states) {
		return NULL;
	}
	return hw->idle_names[state];
}

CW_API unsigned cw_sim_hw_nr_idle_states(const struct cw_sim_hw *hw)
{
	return hw->p.nr_idle_states;
}
