/* SPDX-License-Identifier: MIT */
/*
 * Sim machine description shared by the tests that run timers across deep
 * idle on a 3-CPU machine: a 24 MHz counter, per-CPU arch timers that stop
 * in deep idle (C3STOP), one HPET channel as the broadcast device, interrupt
 * and IPI latency, and a shallow and a deep (C3) idle state. String pieces
 * to paste into a machine description after its [machine] section (and any
 * counters of the test's own), so each test keeps its own name.
 */
#ifndef CLOCKWORK_TESTS_SUPPORT_CWT_MACHINE_H
#define CLOCKWORK_TESTS_SUPPORT_CWT_MACHINE_H

#include <clockwork/hrtimer.h>
#include <clockwork/timekeeping.h>

/* The 3 CPUs (ends the [machine] section) and the 24 MHz counter. */
#define CWT_MACHINE_DEEPIDLE_CPUS_COUNTER                                                          \
	"cpus = 3\n"                                                                               \
	"[counter cnt]\n"                                                                          \
	"width = 56\n"                                                                             \
	"freq = 24MHz\n"                                                                           \
	"rating = 300\n"                                                                           \
	"flags = continuous\n"

/* The event devices (HPET on irq 2), interrupt latency and idle states. */
#define CWT_MACHINE_DEEPIDLE_DEVICES                                                               \
	"[arch_timer local]\n"                                                                     \
	"freq = 24MHz\n"                                                                           \
	"irq = 29\n"                                                                               \
	"c3stop = yes\n"                                                                           \
	"[hpet hpet]\n"                                                                            \
	"freq = 14318180Hz\n"                                                                      \
	"irq = 2\n"                                                                                \
	"channels = 1\n"                                                                           \
	"[irq]\n"                                                                                  \
	"latency = 1us\n"                                                                          \
	"ipi_latency = 2us\n"                                                                      \
	"[idle]\n"                                                                                 \
	"state = wfi shallow 1us\n"                                                                \
	"state = c3 deep 50us\n"

/*
 * A one-shot MONOTONIC hrtimer that records when it ran: set it up with
 * cwt_hr_probe_fn and sys set; expires_ns is the test's own note of when
 * it was due.
 */
struct cwt_hr_probe {
	/* First member: the callback finds the probe from it. */
	struct cw_hrtimer t;
	struct cw_system *sys;
	cw_ktime_t expires_ns;
	cw_ktime_t fired_ns;
	unsigned runs;
};

static inline enum cw_hrtimer_restart cwt_hr_probe_fn(struct cw_hrtimer *t)
{
	struct cwt_hr_probe *p = (struct cwt_hr_probe *)(void *)t;

	p->runs++;
	p->fired_ns = cw_ktime_get(p->sys);
	return CW_HRTIMER_NORESTART;
}

#endif /* CLOCKWORK_TESTS_SUPPORT_CWT_MACHINE_H */
