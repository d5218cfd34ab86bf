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

#endif /* CLOCKWORK_TESTS_SUPPORT_CWT_MACHINE_H */
