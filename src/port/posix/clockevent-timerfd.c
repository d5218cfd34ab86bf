/* SPDX-License-Identifier: MIT */
/*
 * The posix port's clock event driver: each CPU's timerfd as a per-CPU
 * device ("timerfd<cpu>", CW_CLOCKEVENT_FEAT_ONESHOT | KTIME | PERCPU, and
 * PERIODIC with CW_POSIX_TIMERFD_PERIODIC), registered by the
 * "posix,timerfd" driver at the ARCH init level, where a kernel's
 * time_init() sets up its local timers.
 *
 * Programming. The core hands a KTIME device an absolute clockwork
 * MONOTONIC time. The timerfd counts host CLOCK_MONOTONIC, so the driver
 * adds ctx->mono_offset_ns (host minus clockwork MONOTONIC, measured after
 * boot and refreshed by the CPU threads at most every 100 ms) and arms the
 * timerfd with TFD_TIMER_ABSTIME. A time already past fires at once, so
 * the driver never reports CW_ETIME. Oneshot-stopped and shutdown disarm;
 * periodic arms an interval timerfd at the system's tick length.
 *
 * The interrupt. cw__posix_timerfd_irq() runs on the CPU thread when the
 * timerfd is readable: the read returns the number of expirations (0 when
 * the device was re-armed after epoll reported it; then nothing is due).
 * Oneshot: one interrupt. Periodic: one interrupt per expiration, so a
 * descheduled thread catches its ticks up (bounded, see below).
 *
 * All callbacks run as the device's CPU (its thread, or a caller running
 * a cw_cpu_call() in its place), except shutdown during system teardown,
 * which runs after the threads were joined.
 */
#include <clockwork/port_posix.h>
#include <clockwork/cpu.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/driver/init.h>
#include <clockwork/system.h>

#include "port/posix/posix-internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* The device counts ns: frequency 1 GHz, deltas from 1 us to 2^40 ns (18 min). */
#define TIMERFD_FREQ_HZ     ((uint64_t)CW_NSEC_PER_SEC)
#define TIMERFD_MIN_TICKS   ((uint64_t)CW_CLOCKEVENT_MIN_DELTA_FLOOR_NS)
#define TIMERFD_MAX_TICKS   (UINT64_C(1) << 40)
/* Periodic catch-up: at most this many ticks per wakeup (one second at HZ=1000). */
#define TIMERFD_MAX_CATCHUP 1000u

static struct timespec ns_to_timespec(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / CW_NSEC_PER_SEC),
		.tv_nsec = (long)(ns % CW_NSEC_PER_SEC),
	};

	return ts;
}

static int timerfd_arm(struct cw_posix_cpu *cpu, int flags, uint64_t value_ns, uint64_t interval_ns)
{
	struct itimerspec its = {
		.it_value = ns_to_timespec(value_ns),
		.it_interval = ns_to_timespec(interval_ns),
	};

	return timerfd_settime(cpu->timer_fd, flags, &its, NULL) ? CW_EIO : 0;
}

static int timerfd_set_next_ktime(cw_ktime_t expires_ns, struct cw_clock_event_device *dev)
{
	struct cw_posix_cpu *cpu = dev->driver_data;
	int64_t offset = atomic_load_explicit(&cpu->ctx->mono_offset_ns, memory_order_relaxed);
	int64_t host_ns = expires_ns + offset;

	cpu->periodic = false;
	/* An absolute 0 would disarm the timerfd: anything past fires at once anyway. */
	return timerfd_arm(cpu, TFD_TIMER_ABSTIME, host_ns > 0 ? (uint64_t)host_ns : 1, 0);
}

static int timerfd_disarm(struct cw_clock_event_device *dev)
{
	struct cw_posix_cpu *cpu = dev->driver_data;

	cpu->periodic = false;
	return timerfd_arm(cpu, 0, 0, 0);
}

static int timerfd_set_periodic(struct cw_clock_event_device *dev)
{
	struct cw_posix_cpu *cpu = dev->driver_data;
	uint64_t period_ns = cw_system_tick_nsec(cpu->ctx->sys);

	cpu->periodic = true;
	return timerfd_arm(cpu, 0, period_ns, period_ns);
}

bool cw__posix_timerfd_read(struct cw_posix_cpu *cpu)
{
	uint64_t expirations = 0;

	return read(cpu->timer_fd, &expirations, sizeof(expirations)) ==
		       (ssize_t)sizeof(expirations) &&
	       expirations != 0;
}

void cw__posix_timerfd_irq(struct cw_posix_cpu *cpu)
{
	struct cw_system *sys = cpu->ctx->sys;
	uint64_t expirations = 0, n;

	if (read(cpu->timer_fd, &expirations, sizeof(expirations)) !=
		    (ssize_t)sizeof(expirations) ||
	    expirations == 0) {
		return;
	}
	n = cpu->periodic ? expirations : 1;
	n = n > TIMERFD_MAX_CATCHUP ? TIMERFD_MAX_CATCHUP : n;
	for (uint64_t i = 0; i < n; i++) {
		cw_irq_enter(sys);
		cw_clockevents_handle_event(&cpu->ced);
		cw_irq_exit(sys);
	}
	atomic_fetch_add_explicit(&cpu->stat_timer_irqs, n, memory_order_relaxed);
	cw__posix_mono_offset_refresh_maybe(cpu);
}

static void timerfd_fill(struct cw_posix_cpu *cpu)
{
	struct cw_clock_event_device *dev = &cpu->ced;

	memset(dev, 0, sizeof(*dev));
	snprintf(cpu->ced_name, sizeof(cpu->ced_name), "timerfd%u", cpu->id);
	dev->name = cpu->ced_name;
	/* Pipeline-ready: handle_event, the per-CPU timerfd line (pipeline.c). */
	dev->features = CW_CLOCKEVENT_FEAT_ONESHOT | CW_CLOCKEVENT_FEAT_KTIME |
			CW_CLOCKEVENT_FEAT_PERCPU | CW_CLOCKEVENT_FEAT_PIPELINE;
	if (cpu->ctx->flags & CW_POSIX_TIMERFD_PERIODIC) {
		dev->features |= CW_CLOCKEVENT_FEAT_PERIODIC;
		dev->set_state_periodic = timerfd_set_periodic;
	}
	dev->rating = CW_POSIX_RATING_TIMERFD;
	dev->irq = CW_POSIX_TIMERFD_IRQ;
	dev->cpu = (int)cpu->id;
	dev->set_next_ktime = timerfd_set_next_ktime;
	dev->set_state_shutdown = timerfd_disarm;
	dev->set_state_oneshot = timerfd_disarm;
	dev->set_state_oneshot_stopped = timerfd_disarm;
	dev->driver_data = cpu;
}

static int timerfd_probe(struct cw_system *sys, void *hw)
{
	struct cw_posix_ctx *ctx = hw;
	int err;

	for (unsigned i = 0; i < ctx->nr_cpus; i++) {
		struct cw_posix_cpu *cpu = &ctx->cpus[i];

		timerfd_fill(cpu);
		err = cw_clockevents_config_and_register(sys, &cpu->ced, TIMERFD_FREQ_HZ,
							 TIMERFD_MIN_TICKS, TIMERFD_MAX_TICKS);
		if (err) {
			cw_log(sys, CW_LOG_ERR, "posix: %s: registration failed (%s)",
			       cpu->ced_name, cw_strerror(err));
			return err;
		}
	}
	return 0;
}

CW_DRIVER_DEFINE(cw__posix_timerfd_driver, .name = "posix-timerfd",
		 .compatible = CW_POSIX_TIMERFD_COMPATIBLE, .level = CW_INIT_ARCH,
		 .probe = timerfd_probe);

int cw__posix_hw_match_hook(void *opaque, const char *compatible, unsigned index, void **hw)
{
	struct cw_posix_ctx *ctx = opaque;

	/* One timerfd "block" serves every CPU; it is absent with CW_POSIX_NO_TIMERFD. */
	if (index == 0 && !strcmp(compatible, CW_POSIX_TIMERFD_COMPATIBLE) &&
	    !(ctx->flags & CW_POSIX_NO_TIMERFD)) {
		*hw = ctx;
		return 0;
	}
	return CW_ENODEV;
}
