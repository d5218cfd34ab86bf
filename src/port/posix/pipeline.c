/* SPDX-License-Identifier: MIT */
/*
 * The posix port's interrupt pipeline (issue 12, docs/proxy-tick.md): an
 * out-of-band stage per CPU on a thread of its own, for the proxy tick
 * device.
 *
 * A CPU thread is the CPU's in-band stage: it takes one event at a time,
 * so whatever it runs (a cw_cpu_call() function, a long handler) is a
 * masked section for its in-band interrupts. The timerfd is the CPU's one
 * device line (CW_POSIX_TIMERFD_IRQ, a per-CPU line). Switching the line
 * to the oob stage starts, per CPU, an oob thread (at SCHED_FIFO, the
 * highest priority, when the host permits; otherwise at normal priority,
 * logged once per thread: then the host scheduler, not clockwork, decides
 * how soon it runs) with an epoll of its own, and moves the CPU's timerfd
 * from the CPU thread's epoll to it. The oob thread runs as the CPU for
 * this_cpu, marks itself oob for on_oob_stage, and handles each expiry
 * between cw_irq_oob_enter() and cw_irq_oob_exit(). Switching back joins
 * the thread and returns the timerfd.
 *
 * The synthetic in-band interrupt is one eventfd per CPU in the CPU
 * thread's epoll: irq_post_inband writes it, the CPU thread runs
 * cw_tick_proxy_interrupt() between cw_irq_enter() and cw_irq_exit().
 *
 * Locking rules: the switch runs on the caller of install or uninstall (no
 * core lock held); the oob threads are created and joined there, so their
 * lifetimes are ordered against every field they read. Only the oob
 * thread reads the timerfd while the line is oob.
 */
#include <clockwork/cpu.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/proxy.h>
#include <clockwork/system.h>

#include "port/posix/posix-internal.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* The calling thread is an oob thread (on_oob_stage). */
static _Thread_local bool tls_oob;

bool cw__posix_on_oob_stage_hook(void *ctx)
{
	(void)ctx;
	return tls_oob;
}

void cw__posix_irq_post_inband_hook(void *opaque, unsigned cpu)
{
	struct cw_posix_ctx *ctx = opaque;

	if (cpu < ctx->nr_cpus) {
		cw__posix_eventfd_kick(ctx->cpus[cpu].synth_fd);
	}
}

void cw__posix_synth_irq(struct cw_posix_cpu *cpu)
{
	struct cw_system *sys = cpu->ctx->sys;

	cw_irq_enter(sys);
	cw_tick_proxy_interrupt(sys);
	cw_irq_exit(sys);
}

/* SCHED_FIFO at the top priority if the host lets us; say so once if not. */
static void oob_set_priority(struct cw_posix_cpu *cpu)
{
	struct sched_param sp = { .sched_priority = sched_get_priority_max(SCHED_FIFO) };
	int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);

	if (err) {
		cw_log(cpu->ctx->sys, CW_LOG_NOTICE,
		       "posix: CPU %u: oob stage at normal priority (SCHED_FIFO: %s)", cpu->id,
		       strerror(err));
		return;
	}
	atomic_store_explicit(&cpu->oob_rt_priority, sp.sched_priority, memory_order_relaxed);
}

static void *oob_thread_main(void *arg)
{
	struct cw_posix_cpu *cpu = arg;
	struct cw_system *sys = cpu->ctx->sys;
	struct epoll_event evs[2];

	cw__posix_tls_set(cpu->ctx, cpu->id);
	tls_oob = true;
	oob_set_priority(cpu);
	for (;;) {
		int n = epoll_wait(cpu->oob_epoll_fd, evs, 2, -1);

		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == CW_POSIX_FD_OOB_STOP) {
				return NULL;
			}
			if (!cw__posix_timerfd_read(cpu)) {
				continue;
			}
			atomic_fetch_add_explicit(&cpu->stat_oob_irqs, 1, memory_order_relaxed);
			cw_irq_oob_enter(sys);
			cw_clockevents_handle_event(&cpu->ced);
			cw_irq_oob_exit(sys);
		}
	}
}

static int epoll_mod(int epfd, int op, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(epfd, op, fd, &ev);
}

/* Start @cpu's oob thread and hand it the timerfd. */
static int oob_start(struct cw_posix_cpu *cpu)
{
	char name[24];

	cpu->oob_epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	cpu->oob_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (cpu->oob_epoll_fd < 0 || cpu->oob_stop_fd < 0 ||
	    epoll_mod(cpu->oob_epoll_fd, EPOLL_CTL_ADD, cpu->oob_stop_fd, CW_POSIX_FD_OOB_STOP)) {
		goto err_close;
	}
	snprintf(name, sizeof(name), "cw-oob%u", cpu->id);
	if (cw__posix_thread_create(&cpu->oob_thread, oob_thread_main, cpu, name)) {
		goto err_close;
	}
	cpu->oob_started = true;
	/* From here the CPU thread no longer sees the timer; the oob thread does. */
	epoll_mod(cpu->epoll_fd, EPOLL_CTL_DEL, cpu->timer_fd, 0);
	epoll_mod(cpu->oob_epoll_fd, EPOLL_CTL_ADD, cpu->timer_fd, CW_POSIX_FD_TIMER);
	return 0;

err_close:
	if (cpu->oob_epoll_fd >= 0) {
		close(cpu->oob_epoll_fd);
	}
	if (cpu->oob_stop_fd >= 0) {
		close(cpu->oob_stop_fd);
	}
	cpu->oob_epoll_fd = cpu->oob_stop_fd = -1;
	return CW_EIO;
}

/* Join @cpu's oob thread and give the timerfd back to the CPU thread. */
static void oob_stop(struct cw_posix_cpu *cpu)
{
	if (!cpu->oob_started) {
		return;
	}
	cw__posix_eventfd_kick(cpu->oob_stop_fd);
	pthread_join(cpu->oob_thread, NULL);
	cpu->oob_started = false;
	epoll_mod(cpu->oob_epoll_fd, EPOLL_CTL_DEL, cpu->timer_fd, 0);
	epoll_mod(cpu->epoll_fd, EPOLL_CTL_ADD, cpu->timer_fd, CW_POSIX_FD_TIMER);
	close(cpu->oob_epoll_fd);
	close(cpu->oob_stop_fd);
	cpu->oob_epoll_fd = cpu->oob_stop_fd = -1;
}

int cw__posix_irq_switch_oob_hook(void *opaque, int irq, bool oob)
{
	struct cw_posix_ctx *ctx = opaque;

	if (irq != CW_POSIX_TIMERFD_IRQ) {
		return CW_EINVAL;
	}
	if (!oob) {
		cw__posix_oob_stop_all(ctx);
		return 0;
	}
	for (unsigned i = 0; i < ctx->nr_cpus; i++) {
		if (!ctx->cpus[i].oob_started && oob_start(&ctx->cpus[i])) {
			cw__posix_oob_stop_all(ctx);
			return CW_EIO;
		}
	}
	return 0;
}

void cw__posix_oob_stop_all(struct cw_posix_ctx *ctx)
{
	for (unsigned i = 0; ctx->cpus && i < ctx->nr_cpus; i++) {
		oob_stop(&ctx->cpus[i]);
	}
}
