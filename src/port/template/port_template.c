/* SPDX-License-Identifier: MIT */
/*
 * Port template: a port of clockwork that compiles, links and does nothing,
 * with every hook of include/clockwork/port.h explained where it is
 * implemented. Start a new port by copying this directory to
 * src/port/<name>/ and filling in the hooks; docs/porting.md walks through
 * it step by step. (FreeRTOS keeps the same kind of file in
 * portable/template/.)
 *
 * What a port is. The core in src/core/ makes no operating-system call and
 * reads no host clock. Whatever it needs from its surroundings (which CPU it
 * runs on, where log lines go, how to wait politely in a spin loop) it asks
 * through one table of function pointers, struct cw_port_ops, which the port
 * hands to cw_system_create() together with an opaque context pointer. The
 * core passes that pointer back as the first argument of every hook, so a
 * port keeps its state there rather than in globals, and several systems,
 * even on different ports, can share a process.
 *
 * What this template does. It runs every system on one CPU, stamps log lines
 * with 0, drops them after the core has put them in its ring, and spins
 * without a pause hint: exactly the fallbacks the core uses when a hook is
 * NULL. It is compiled by tests/build/build.cmake (never into the library),
 * and the test build_port_template creates, boots and destroys a system on
 * it, so the template cannot fall behind port.h unnoticed.
 *
 * Lifetime rules. The ops table is const and static: it must outlive every
 * system created with it, and the core never writes to it. The context is
 * per system: cw_template_system_create() allocates it, the core hands it to
 * each hook, and the release hook frees it as the very last step of
 * cw_system_destroy(). If cw_system_create() fails there is no system and
 * release is never called, so the creator frees the context itself.
 *
 * Contexts. Hooks may be called from any CPU, from thread or interrupt
 * context, and some with core locks held (port.h says which). A hook must
 * never call back into the clockwork API of the same system unless port.h
 * allows it: the core may be in the middle of an update.
 */
#include "port_template.h"

#include <clockwork/port.h>
#include <clockwork/system.h>
#include <clockwork/types.h>

#include <stdint.h>
#include <stdlib.h>

/*
 * Per-system state of the port: the @ctx every hook receives. A real port
 * keeps here what its hooks need: its CPU threads or cores, a log device,
 * the handle of a counter. The template needs only the CPU count, to show
 * where such facts live.
 */
struct template_port {
	/*
	 * CPUs of the system, fixed at creation. A real port starts this many
	 * CPU threads or cores and bounds this_cpu's answers by it.
	 */
	unsigned nr_cpus;
};

/*
 * this_cpu: the index of the CPU the caller runs on, in [0, nr_cpus).
 *
 * The core calls it on nearly every operation (to find this CPU's timer
 * bases and tick state), so it must be cheap, lock-free and callable from
 * any context. How ports answer:
 *   posix      a thread-local index set when each CPU thread starts;
 *   sim        the engine's current CPU (the CPU of the event being run);
 *   bare metal a core-id register (MPIDR_EL1 on ARMv8) or 0 on one core.
 * A caller that is on no CPU (a plain application thread in posix) gets
 * CW_PORT_NEAR_CPU(c) or CW_PORT_NO_CPU: the core then uses CPU c's (or
 * CPU 0's) timer bases for it, never lets it program a CPU's device (it
 * sends that CPU an IPI instead) and never counts it as in interrupt
 * context. Name the CPU nearest the caller (posix: the CPU of its host
 * core) so that such threads do not all share CPU 0's base locks.
 *
 * NULL fallback: the system has one CPU, and every caller is CPU 0.
 */
static unsigned template_this_cpu(void *ctx)
{
	(void)ctx;
	/* The template runs no code of its own on any CPU but 0. */
	return 0;
}

/*
 * log_clock_ns: the timestamp of log lines, in ns, like printk's clock.
 *
 * It must come from outside the system being logged: log lines are written
 * while timekeeping is being updated, so reading cw_ktime_get() here would
 * deadlock or read a torn value. Ports use a raw clock of their own:
 *   posix      the host's CLOCK_MONOTONIC minus the system's creation time;
 *   sim        the engine's virtual time (so logs are reproducible);
 *   bare metal a free-running counter scaled to ns.
 *
 * NULL fallback: every line is stamped 0.
 */
static uint64_t template_log_clock_ns(void *ctx)
{
	(void)ctx;
	return 0;
}

/*
 * log_write: where log lines go besides the system's ring.
 *
 * @level is a CW_LOG_* value (lower is more severe), @line one line with its
 * "[    s.us] " stamp and no trailing newline. The core calls it with its
 * locks held, so it must not re-enter clockwork, and it should not block
 * for long: posix writes to stderr when created with CW_POSIX_LOG_ECHO, sim
 * to the caller's log sink or stdout, bare metal to a UART.
 *
 * NULL fallback: lines only go to the ring, where cw_log_get() finds them.
 */
static void template_log_write(void *ctx, int level, const char *line)
{
	(void)ctx;
	(void)level;
	(void)line;
}

/*
 * cpu_relax: a hint inside spin-wait loops (lock acquisition, seqcount
 * retries) that the CPU is waiting: x86 "pause", ARM "yield". A port whose
 * CPUs are threads that may share a core can yield the thread instead, so
 * the holder it waits for gets to run (posix: pause on x86, sched_yield()
 * elsewhere). The single-threaded sim port leaves it NULL: nothing there
 * ever spins.
 *
 * NULL fallback: loops spin without a hint.
 *
 * The contended wait of a core spinlock backs off through a link-time hook
 * instead, cw_port_lock_backoff() (port.h): a kernel port keeps the core's
 * weak default (a pause), since its lock holders run with interrupts held
 * off and are never preempted by their waiters; a hosted port whose lock
 * holders are preemptible threads defines it to yield and sleep.
 */
static void template_cpu_relax(void *ctx)
{
	(void)ctx;
}

/*
 * send_ipi: interrupt @cpu so that it soon runs cw_cpu_handle_ipi(sys)
 * between cw_irq_enter() and cw_irq_exit(), waking it from idle first.
 * Called with core locks held: only signal, never call into the core.
 *   posix      write the CPU thread's eventfd;
 *   sim        schedule an engine event on that CPU after the IPI latency;
 *   bare metal the interrupt controller's software-generated interrupt.
 *
 * cpu_call: run fn(arg) as @cpu (this_cpu answers @cpu, its interrupts held
 * off) and return when it ran. The core uses it to bind clock event devices
 * and for hotplug; users reach it through cw_cpu_call().
 *
 * hw_match: hand the @index-th piece of hardware matching a driver's
 * compatible string to its probe (sim: the machine file's devices).
 *
 * The template has one CPU and no hardware: NULL for all three (one CPU
 * needs no IPI, and the core then calls cpu_call functions directly).
 *
 * What a port calls in the other direction (include/clockwork/cpu.h,
 * tick.h, driver/clockevent.h): around every interrupt it delivers,
 * cw_irq_enter(), the device's cw_clockevents_handle_event() or
 * cw_cpu_handle_ipi(), cw_irq_exit(); around each idle wait,
 * cw_tick_idle_enter(sys, deep) and cw_tick_idle_exit() (after the
 * interrupts that woke the CPU were handled, unless a deep state needs the
 * broadcast exit first, as the sim's CPU model does); and its driver table
 * with cw_system_set_port_drivers() before cw_system_boot(). Nothing
 * periodic: jiffies and the clocksource watchdog are the core's, run from
 * the tick devices the drivers register. Only a machine without any clock
 * event device calls cw_tick_port_do_timer(sys, 1) every 1/HZ s instead.
 */

/*
 * release: the last call cw_system_destroy() makes, after which the core
 * never touches @ctx again. Free the port's state here; stop anything that
 * could still call into the system (CPU threads, interrupts) before calling
 * cw_system_destroy(), not here.
 *
 * NULL fallback: the port keeps ownership of @ctx and frees it itself.
 */
static void template_release(void *ctx)
{
	free(ctx);
}

/*
 * The ops table. Designated initializers keep it correct as port.h grows:
 * a hook added later starts out NULL, which port.h defines as "use the
 * fallback", until the port fills it in.
 */
static const struct cw_port_ops template_port_ops = {
	.name = "template",
	.this_cpu = template_this_cpu,
	.log_clock_ns = template_log_clock_ns,
	.log_write = template_log_write,
	.cpu_relax = template_cpu_relax,
	.release = template_release,
};

/*
 * The port's entry point. A port owns the creation of its systems: it fills
 * in the hooks and their context, creates the system, then (in a real port)
 * registers its clocksource and clockevent drivers and calls
 * cw_system_boot() once they are in. The template has no drivers: its
 * systems run on the jiffies clocksource that every system starts with.
 */
int cw_template_system_create(const struct cw_system_config *cfg, struct cw_system **out)
{
	struct cw_system_config config = { 0 };
	struct template_port *port;
	int err;

	if (cfg) {
		config = *cfg;
	}

	port = calloc(1, sizeof(*port));
	if (!port) {
		return CW_ENOMEM;
	}
	port->nr_cpus = config.nr_cpus ? config.nr_cpus : 1;

	config.port = &template_port_ops;
	config.port_ctx = port;
	err = cw_system_create(&config, out);
	if (err) {
		/* No system, so no release call: the context is still ours. */
		free(port);
	}
	return err;
}
