// SPDX-License-Identifier: MIT
/*
 * The component table (component.h): the one place that names every core
 * component's setup, teardown, CPU hotplug steps, soft work and IPI
 * handler. Every row spells every column; a NULL cell carries its reason.
 * The order of the rows is the bring-up order (component.h says which
 * column runs in which direction). It reproduces the order the core had
 * when system.c and cpu.c called these by name:
 *
 *   creation   ntp, clocksource, jiffies, timekeeping, clockevents, cpu,
 *              hrtimer, timer, tmigr (after the wheel: it installs the
 *              wheel's global hook), tick (after the wheel: it installs the
 *              wheel's kick), proxy (after the tick: going down, its
 *              dying step hands the real device back first), check
 *   down       on the CPU: tick (duty handover, broadcast exit, sched
 *              timer, tick device released), then hrtimer (its timers go
 *              to a live CPU); on a survivor: timer (timers_dead_cpu),
 *              then clockevents (released devices offered again)
 *   up         timer prepare (timers_prepare_cpu), online flag,
 *              clockevents (devices offered again, the new CPU included)
 *   soft work  hrtimer, then timer; IPIs: tick broadcast, then hrtimer
 *
 * This file is the top of the core's dependency graph: it includes every
 * component's private header and nothing includes it (tests/seams checks
 * that).
 */
#include <clockwork/system.h>

#include "system-internal.h"
#include "check-internal.h"
#include "claim-internal.h"
#include "clockevents-internal.h"
#include "component.h"
#include "cpu-internal.h"
#include "hrtimer-internal.h"
#include "ntp-internal.h"
#include "proxy-internal.h"
#include "tick-internal.h"
#include "timekeeping-internal.h"
#include "timer-internal.h"
#include "tmigr-internal.h"

static int ntp_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	cw__ntp_init(&sys->ntp, cfg->tai_offset_s);
	return 0;
}

static int clocksource_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	(void)cfg;
	cw__clocksource_init(sys);
	return 0;
}

static int jiffies_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	(void)cfg;
	cw__jiffies_init(sys);
	return 0;
}

static int timekeeping_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	cw__timekeeping_init(sys, &sys->jiffies_cs, cfg->realtime_init_ns, cfg->monotonic_init_ns,
			     cfg->tai_offset_s);
	return 0;
}

static int clockevents_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	(void)cfg;
	cw__clockevents_init(sys);
	return 0;
}

static int claim_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	(void)cfg;
	return cw__claim_init(sys);
}

/* The dead step of clockevents: the devices the CPU released may serve other CPUs or the
 * broadcast. */
static void clockevents_cpu_dead(struct cw_system *sys, unsigned cpu)
{
	(void)cpu;
	cw__clockevents_reoffer(sys);
}

static int cpus_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	(void)cfg;
	return cw__cpus_init(sys);
}

static size_t cpus_bytes(void)
{
	return sizeof(struct cw_cpu);
}

static int hrtimer_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	return cw__hrtimer_init(sys, !cfg->hrtimer_eager_rearm);
}

static int timer_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	(void)cfg;
	return cw__timer_init(sys);
}

static int tick_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	cw__tick_init(sys);
	cw__tick_sched_init(sys, cfg);
	return 0;
}

/* tick_cpu_dying: the CPU's tick device binding changes, under clockevents' lock. */
static void tick_cpu_dying(struct cw_system *sys, unsigned cpu)
{
	cw_spin_lock(&sys->ce.lock);
	cw__tick_cpu_dying(sys, cpu);
	cw_spin_unlock(&sys->ce.lock);
}

static int check_init(struct cw_system *sys, const struct cw_system_config *cfg)
{
	/* Out of memory leaves the checker off (logged); creation goes on. */
	cw__check_init(sys, cfg);
	return 0;
}

const struct cw_component cw__components[] = {
	{
		.name = "ntp",
		.flags = 0,
		.init = ntp_init,
		.teardown = NULL,     /* state embedded in the system object, nothing allocated */
		.cpu_bytes = NULL,    /* no per-CPU state */
		.cpu_prepare = NULL,  /* no per-CPU state: nothing to ready */
		.cpu_starting = NULL, /* no per-CPU state: nothing to do on the CPU */
		.cpu_online = NULL,   /* no per-CPU state: nothing to start */
		.cpu_dying = NULL,    /* no per-CPU state: nothing to stop on the CPU */
		.cpu_dead = NULL,     /* no per-CPU state: nothing to move */
		.softirq = 0,         /* runs under the timekeeper's lock, from its updates */
		.softirq_fn = NULL,   /* no soft work: see .softirq */
		.ipi = 0,             /* never addressed to one CPU */
		.ipi_fn = NULL,       /* no IPI kind: see .ipi */
	},
	{
		.name = "clocksource",
		.flags = 0,
		.init = clocksource_init,
		.teardown = cw__clocksource_teardown,
		.cpu_bytes = NULL,    /* no per-CPU state */
		.cpu_prepare = NULL,  /* the clocksource list is system-wide */
		.cpu_starting = NULL, /* a CPU reads the current clocksource, it owns none */
		.cpu_online = NULL,   /* the watchdog timer picks the next online CPU each run */
		.cpu_dying = NULL,    /* nothing of it runs on a given CPU */
		.cpu_dead = NULL,     /* the timer row's dead step moves its watchdog timer */
		.softirq = 0,         /* its watchdog timer runs in the wheel's soft work */
		.softirq_fn = NULL,   /* no soft work: see .softirq */
		.ipi = 0,             /* never addressed to one CPU */
		.ipi_fn = NULL,       /* no IPI kind: see .ipi */
	},
	{
		.name = "jiffies",
		.flags = 0,
		.init = jiffies_init,
		.teardown = NULL,     /* the clocksource row's teardown forgets it with the list */
		.cpu_bytes = NULL,    /* no per-CPU state */
		.cpu_prepare = NULL,  /* one system-wide clocksource */
		.cpu_starting = NULL, /* idem: nothing per CPU */
		.cpu_online = NULL,   /* idem: nothing per CPU */
		.cpu_dying = NULL,    /* the tick row hands over the duty that advances jiffies */
		.cpu_dead = NULL,     /* idem: nothing per CPU */
		.softirq = 0,         /* read only */
		.softirq_fn = NULL,   /* no soft work: see .softirq */
		.ipi = 0,             /* never addressed to one CPU */
		.ipi_fn = NULL,       /* no IPI kind: see .ipi */
	},
	{
		.name = "timekeeping",
		.flags = 0,
		.init = timekeeping_init,
		.teardown = NULL,     /* state embedded in the system object, nothing allocated */
		.cpu_bytes = NULL,    /* no per-CPU state */
		.cpu_prepare = NULL,  /* no per-CPU state: readers are lockless on any CPU */
		.cpu_starting = NULL, /* no per-CPU state */
		.cpu_online = NULL,   /* no per-CPU state */
		.cpu_dying = NULL,    /* its updates follow the do_timer duty (tick row) */
		.cpu_dead = NULL,     /* no per-CPU state */
		.softirq = 0, /* updated from the tick (do_timer duty), in hard interrupt context */
		.softirq_fn = NULL, /* no soft work: see .softirq */
		.ipi = 0,           /* clock-was-set reaches CPUs through the hrtimer row's IPI */
		.ipi_fn = NULL,     /* no IPI kind: see .ipi */
	},
	{
		.name = "clockevents",
		.flags = 0,
		.init = clockevents_init,
		.teardown = NULL,     /* devices belong to their drivers; the list is embedded */
		.cpu_bytes = NULL,    /* devices are the drivers' memory */
		.cpu_prepare = NULL,  /* devices are offered once the CPU is online */
		.cpu_starting = NULL, /* idem: the online step offers them on the CPU */
		.cpu_online = cw__clockevents_cpu_online,
		.cpu_dying = NULL, /* the tick row releases the CPU's tick device */
		.cpu_dead = clockevents_cpu_dead,
		.softirq = 0,       /* device interrupts run the tick layer's handlers */
		.softirq_fn = NULL, /* no soft work: see .softirq */
		.ipi = 0,           /* the tick row handles the broadcast IPI */
		.ipi_fn = NULL,     /* no IPI kind: see .ipi */
	},
	{
		.name = "cpu",
		.flags = 0,
		.init = cpus_init,
		.teardown = cw__cpus_fini,
		.cpu_bytes = cpus_bytes,
		.cpu_prepare = NULL,  /* cpu.c flips the online flag itself */
		.cpu_starting = NULL, /* the array covers every CPU from creation */
		.cpu_online = NULL,   /* cpu.c flips the online flag itself */
		.cpu_dying = NULL,    /* cpu.c flips the online flag itself */
		.cpu_dead = NULL,     /* the array covers every CPU until destruction */
		.softirq = 0,         /* it runs the others' soft work */
		.softirq_fn = NULL,   /* no soft work: see .softirq */
		.ipi = 0,       /* CW_IPI_KICK needs no handler: the interrupt ends the idle wait */
		.ipi_fn = NULL, /* no IPI kind: see .ipi */
	},
	{
		.name = "hrtimer",
		.flags = CW_COMPONENT_PERCPU_TIMERS,
		.init = hrtimer_init,
		.teardown = cw__hrtimer_fini,
		.cpu_bytes = cw__hrtimer_cpu_bytes,
		.cpu_prepare = NULL,  /* every CPU's bases are set up at creation */
		.cpu_starting = NULL, /* high resolution comes with the CPU's tick device */
		.cpu_online = NULL,   /* idem */
		.cpu_dying = cw__hrtimer_cpu_dying,
		.cpu_dead = NULL, /* its dying step already moved the timers (hrtimers_cpu_dying) */
		.softirq = CW_SOFTIRQ_HRTIMER,
		.softirq_fn = cw__hrtimer_run_softirq,
		.ipi = CW_IPI_HRTIMER,
		.ipi_fn = cw__hrtimer_retrigger,
	},
	{
		.name = "timer",
		.flags = CW_COMPONENT_PERCPU_TIMERS,
		.init = timer_init,
		.teardown = cw__timer_fini,
		.cpu_bytes = cw__timer_cpu_bytes,
		.cpu_prepare = cw__timer_cpu_up,
		.cpu_starting = NULL, /* the prepare step readied the bases */
		.cpu_online = NULL,   /* idem */
		.cpu_dying = NULL,    /* its timers move in the dead step, from a survivor */
		.cpu_dead = cw__timer_cpu_dead,
		.softirq = CW_SOFTIRQ_TIMER,
		.softirq_fn = cw__timer_run_local,
		.ipi = 0,       /* remote arming kicks idle CPUs with CW_IPI_KICK (no handler) */
		.ipi_fn = NULL, /* no IPI kind: see .ipi */
	},
	{
		.name = "tmigr",
		.flags = 0,
		.init = cw__tmigr_init,
		.teardown = cw__tmigr_fini,
		.cpu_bytes = cw__tmigr_cpu_bytes,
		.cpu_prepare = cw__tmigr_cpu_prepare,
		.cpu_starting = NULL, /* the prepare step created the groups; nothing on the CPU */
		.cpu_online = cw__tmigr_cpu_online,
		.cpu_dying = cw__tmigr_cpu_dying,
		.cpu_dead = NULL, /* it queues no timers: the timer row's dead step moves them */
		.softirq = CW_SOFTIRQ_TMIGR,
		.softirq_fn = cw__tmigr_handle_remote,
		.ipi = 0,       /* handing the duty on kicks a CPU with CW_IPI_KICK (no handler) */
		.ipi_fn = NULL, /* no IPI kind: see .ipi */
	},
	{
		.name = "tick",
		.flags = 0,
		.init = tick_init,
		.teardown = NULL,     /* state embedded in the system object, nothing allocated */
		.cpu_bytes = NULL,    /* its per-CPU fields are in struct cw_cpu (the cpu row) */
		.cpu_prepare = NULL,  /* the CPU gets a tick device when clockevents offers one */
		.cpu_starting = NULL, /* idem (clockevents' online step) */
		.cpu_online = NULL,   /* idem */
		.cpu_dying = tick_cpu_dying,
		.cpu_dead = NULL, /* the dying step released the device; clockevents re-offers it */
		.softirq = 0, /* the tick runs in hard interrupt context; it raises the others' */
		.softirq_fn = NULL, /* no soft work: see .softirq */
		.ipi = CW_IPI_TICK_BROADCAST,
		.ipi_fn = cw__tick_receive_broadcast,
	},
	{
		.name = "proxy",
		.flags = 0,
		.init = cw__proxy_init,
		.teardown = cw__proxy_teardown,
		.cpu_bytes = cw__proxy_cpu_bytes,
		.cpu_prepare = NULL,  /* a proxy is installed on demand (cw_tick_install_proxy()) */
		.cpu_starting = NULL, /* idem: a new CPU starts with its real tick device */
		.cpu_online = NULL,   /* idem */
		.cpu_dying = cw__proxy_cpu_dying,
		.cpu_dead = NULL, /* its dying step gave the real device back to the tick row */
		.softirq = 0, /* the in-band tick comes through the port's synthetic interrupt */
		.softirq_fn = NULL, /* no soft work: see .softirq */
		.ipi = 0,           /* proxies are installed per CPU through cw_cpu_call() */
		.ipi_fn = NULL,     /* no IPI kind: see .ipi */
	},
	{
		.name = "check",
		.flags = 0,
		.init = check_init,
		.teardown = cw__check_fini,
		.cpu_bytes = NULL,    /* its state is per system */
		.cpu_prepare = NULL,  /* its checks run inside the other rows' steps */
		.cpu_starting = NULL, /* idem */
		.cpu_online = NULL,   /* idem */
		.cpu_dying = NULL,    /* idem */
		.cpu_dead = NULL,     /* idem */
		.softirq = 0,         /* it raises no soft work (its hooks run in the caller) */
		.softirq_fn = NULL,   /* no soft work: see .softirq */
		.ipi = 0,             /* it sends no IPI */
		.ipi_fn = NULL,       /* no IPI kind: see .ipi */
	},
	{
		.name = "claim",
		.flags = 0,
		.init = claim_init,
		.teardown = cw__claim_fini,
		.cpu_bytes = cw__claim_cpu_bytes,
		.cpu_prepare = NULL, /* the CPU's devices are offered in clockevents' online step */
		.cpu_starting = NULL, /* idem */
		.cpu_online = cw__claim_cpu_online,
		.cpu_dying =
			NULL, /* the tick's dying step releases the CPU's device, dummy or not */
		.cpu_dead = cw__claim_cpu_dead,
		.softirq = 0,       /* callbacks run in the channel's interrupt */
		.softirq_fn = NULL, /* no soft work: see .softirq */
		.ipi = 0,           /* it sends no IPI */
		.ipi_fn = NULL,     /* no IPI kind: see .ipi */
	},
};

const unsigned cw__nr_components = sizeof(cw__components) / sizeof(cw__components[0]);
