/* SPDX-License-Identifier: MIT */
/*
 * The posix port's CPUs: one host thread per clockwork CPU, each an event
 * loop over three descriptors, plus the platform hooks that need them
 * (this_cpu, send_ipi, cpu_call) and cw_posix_cpu_call_async().
 *
 * The loop. A CPU thread waits in epoll_wait() on
 *   - its timerfd: the CPU's clock event device (clockevent-timerfd.c); an
 *     expiry is a timer interrupt: cw_irq_enter(),
 *     cw_clockevents_handle_event(), cw_irq_exit();
 *   - its IPI eventfd: send_ipi writes it; the loop runs cw_irq_enter(),
 *     cw_cpu_handle_ipi(), cw_irq_exit();
 *   - its call eventfd: work was queued (cw_cpu_call(), async work), a call
 *     this CPU made elsewhere completed, or the thread must stop.
 * The wait is the CPU's idle: cw_tick_idle_enter(sys, false) before it and
 * cw_tick_idle_exit() after the interrupts it returned were handled, so the core accounts idle time
 * and may hand the do_timer duty over. Interrupts are taken one at a time: a CPU thread is never
 * interrupted, so a function run between two events runs "with interrupts held off", as
 * cw_cpu_call() promises.
 *
 * Running as a CPU. this_cpu is a pair of thread-locals (context, index).
 * A CPU thread sets them for its whole life. Threads that are not CPUs of
 * the system answer CW_PORT_NEAR_CPU(home) through the hook: the core
 * treats them as no CPU (a cw_cpu_call() from them always goes to the
 * target) but queues their timers on their home CPU's bases, so that
 * application threads do not all take CPU 0's base locks. The home is the
 * CPU the thread bound itself to (cw_posix_thread_set_cpu(), another pair
 * of thread-locals), else the CPU of the host core the thread runs on at
 * this moment (sched_getcpu(), a read of the rseq area on glibc 2.35 and
 * later; near_cpu maps cores to CPUs). Threads that run at the same moment
 * run on different cores, so they take different base locks (as long as
 * there are at least as many CPUs as cores). A thread that moves to
 * another core arms on the new core's CPU from then on: its pending
 * timers move there when it re-arms them, as a timer re-armed on another
 * CPU does. Being "on" a CPU is exclusive through the CPU's exec_lock, which
 * its thread holds for its whole life. While the thread does not run
 * (during boot, before cw_posix_system_start(), after a stop), a caller of
 * cw_cpu_call() takes exec_lock itself and runs the function in place with
 * the thread-locals forced to the target: the boot-time registration of
 * the CPUs' tick devices works this way.
 *
 * Waiting for another CPU. A CPU thread that calls cw_cpu_call() on
 * another CPU (from async work, say) queues the call and then waits on its
 * own call eventfd, running the work queued to it meanwhile: if the target
 * calls back at the same moment, each runs the other's function and both
 * return (test_posix_cpu_calls_both_ways_at_once_complete). Threads that
 * are not CPUs wait on a condition variable in the call's stack record.
 *
 * Race 1: a call and a stop. A caller queues only while the thread is
 * accepting (under queue_lock). The leaving thread clears accepting and
 * takes the whole queue in one critical section, runs it, and only then
 * releases exec_lock. A caller that found accepting clear loops: it either
 * gets exec_lock (the thread has left) or sees accepting set again (a new
 * thread started). So every queued call runs exactly once, on the thread
 * or in place, and no caller waits for a thread that will never look.
 *
 * Lifetime rules: the CPU array lives in the port context; threads are
 * joined by cw__posix_cpus_stop() before the system is destroyed; the
 * descriptors are closed by cw__posix_cpus_fini() from the release hook.
 */
#include <clockwork/port_posix.h>
#include <clockwork/cpu.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/system.h>
#include <clockwork/tick.h>
#include <clockwork/timekeeping.h>

#include "port/posix/posix-internal.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* Events taken from one epoll_wait(): at most one per descriptor. */
#define CPU_MAX_EVENTS         4
/* Thread name buffer ("cw-cpu" and any unsigned); the host keeps 15 characters. */
#define CPU_THREAD_NAME_MAX    24
/* Re-measure the MONOTONIC offset at most this often per CPU (host ns). */
#define MONO_OFFSET_REFRESH_NS (100 * CW_NSEC_PER_MSEC)
/* Host-clock brackets taken to measure the offset; the narrowest wins. */
#define MONO_OFFSET_SAMPLES    3

/* The CPU the calling thread runs as: set on CPU threads and in-place calls. */
static _Thread_local struct cw_posix_ctx *tls_ctx;
static _Thread_local unsigned tls_cpu;

/* The CPU an application thread bound itself to (cw_posix_thread_set_cpu()). */
static _Thread_local struct cw_posix_ctx *tls_home_ctx;
static _Thread_local unsigned tls_home_cpu;

/* Home CPU of a thread that is not a CPU of @ctx (see "Running as a CPU"). */
static unsigned near_cpu(const struct cw_posix_ctx *ctx)
{
	int core;

	if (tls_home_ctx == ctx) {
		return CW_PORT_NEAR_CPU(tls_home_cpu);
	}
	core = sched_getcpu();
	if (core < 0 || ctx->nr_cpus == 0) {
		return CW_PORT_NO_CPU;
	}
	if (core < CW_POSIX_NEAR_MAP) {
		return CW_PORT_NEAR_CPU(ctx->near_cpu[core]);
	}
	return CW_PORT_NEAR_CPU((unsigned)core % ctx->nr_cpus);
}

unsigned cw__posix_this_cpu_hook(void *opaque)
{
	if (tls_ctx == opaque) {
		return tls_cpu;
	}
	/* Application threads are not CPUs; their timers go to their home CPU. */
	return near_cpu(opaque);
}

int cw_posix_thread_set_cpu(struct cw_system *sys, int cpu)
{
	struct cw_posix_ctx *ctx = cw__posix_ctx(sys);

	if (!ctx || cpu < -1 || (cpu >= 0 && (unsigned)cpu >= ctx->nr_cpus) || tls_ctx == ctx) {
		return CW_EINVAL;
	}
	if (cpu < 0) {
		if (tls_home_ctx == ctx) {
			tls_home_ctx = NULL;
		}
		return 0;
	}
	tls_home_ctx = ctx;
	tls_home_cpu = (unsigned)cpu;
	return 0;
}

int cw_posix_thread_cpu(struct cw_system *sys)
{
	struct cw_posix_ctx *ctx = cw__posix_ctx(sys);
	unsigned cpu;

	if (!ctx) {
		return -1;
	}
	if (tls_ctx == ctx) {
		return (int)tls_cpu;
	}
	cpu = near_cpu(ctx) & ~CW_PORT_NOT_A_CPU;
	return cpu < ctx->nr_cpus ? (int)cpu : 0;
}

int cw_posix_this_cpu(struct cw_system *sys)
{
	struct cw_posix_ctx *ctx = cw__posix_ctx(sys);

	return ctx && tls_ctx == ctx ? (int)tls_cpu : -1;
}

void cw__posix_tls_set(struct cw_posix_ctx *ctx, unsigned cpu)
{
	tls_ctx = ctx;
	tls_cpu = cpu;
}

/* Write 1 to an eventfd. One write cannot overflow it; only EINTR can fail it. */
void cw__posix_eventfd_kick(int fd)
{
	uint64_t one = 1;
	ssize_t n;

	do {
		n = write(fd, &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
}

/* Consume an eventfd's count; false when there was nothing (non-blocking). */
static bool eventfd_drain(int fd)
{
	uint64_t count;

	return read(fd, &count, sizeof(count)) == (ssize_t)sizeof(count);
}

void cw__posix_send_ipi_hook(void *opaque, unsigned cpu)
{
	struct cw_posix_ctx *ctx = opaque;

	/* Called with core locks held: only the write, nothing that re-enters. */
	if (cpu < ctx->nr_cpus) {
		cw__posix_eventfd_kick(ctx->cpus[cpu].ipi_fd);
	}
}

void cw__posix_mono_offset_refresh(struct cw_posix_ctx *ctx)
{
	uint64_t best = UINT64_MAX;
	int64_t offset = 0;

	for (int i = 0; i < MONO_OFFSET_SAMPLES; i++) {
		uint64_t h0 = cw__posix_host_ns(CLOCK_MONOTONIC);
		int64_t cw = cw_ktime_get(ctx->sys);
		uint64_t h1 = cw__posix_host_ns(CLOCK_MONOTONIC);

		if (h1 - h0 < best) {
			best = h1 - h0;
			offset = (int64_t)(h0 + (h1 - h0) / 2) - cw;
		}
	}
	atomic_store_explicit(&ctx->mono_offset_ns, offset, memory_order_relaxed);
}

void cw__posix_mono_offset_refresh_maybe(struct cw_posix_cpu *cpu)
{
	uint64_t now = cw__posix_host_ns(CLOCK_MONOTONIC);

	if (now - cpu->offset_refreshed_ns >= MONO_OFFSET_REFRESH_NS) {
		cpu->offset_refreshed_ns = now;
		cw__posix_mono_offset_refresh(cpu->ctx);
	}
}

/* ---- running functions as a CPU ---------------------------------------- */

/* Run @fn as @cpu on the calling thread, which holds @cpu's exec_lock. */
static void cpu_run_as(struct cw_posix_cpu *cpu, void (*fn)(void *), void *arg)
{
	struct cw_posix_ctx *saved_ctx = tls_ctx;
	unsigned saved_cpu = tls_cpu;

	tls_ctx = cpu->ctx;
	tls_cpu = cpu->id;
	atomic_fetch_add_explicit(&cpu->stat_calls, 1, memory_order_relaxed);
	fn(arg);
	tls_ctx = saved_ctx;
	tls_cpu = saved_cpu;
}

/* Detach the whole queue (queue_lock held). */
static struct cw_posix_work *queue_take_locked(struct cw_posix_cpu *cpu)
{
	struct cw_posix_work *list = cpu->queue_head;

	cpu->queue_head = NULL;
	cpu->queue_tail = NULL;
	for (struct cw_posix_work *w = list; w; w = w->next) {
		w->queued = false;
	}
	return list;
}

static void queue_add_locked(struct cw_posix_cpu *cpu, struct cw_posix_work *work)
{
	work->next = NULL;
	work->queued = true;
	if (cpu->queue_tail) {
		cpu->queue_tail->next = work;
	} else {
		cpu->queue_head = work;
	}
	cpu->queue_tail = work;
}

/* Run a detached list. Read next and complete before fn: the item may go away. */
static void run_list(struct cw_posix_cpu *cpu, struct cw_posix_work *list)
{
	while (list) {
		struct cw_posix_work *w = list;
		void (*complete)(struct cw_posix_work *) = w->complete;

		list = w->next;
		cpu_run_as(cpu, w->fn, w->arg);
		if (complete) {
			complete(w);
		}
	}
}

/* Run the work queued to @cpu (on its thread, or by whoever holds exec_lock). */
static void cpu_run_queue(struct cw_posix_cpu *cpu)
{
	struct cw_posix_work *list;

	pthread_mutex_lock(&cpu->queue_lock);
	list = queue_take_locked(cpu);
	pthread_mutex_unlock(&cpu->queue_lock);
	run_list(cpu, list);
}

/* A synchronous call in flight: lives on the caller's stack. */
struct posix_sync_call {
	struct cw_posix_work work;
	/** Set when fn returned. Pairs: release in complete, acquire in the waiter. */
	_Atomic bool done;
	/** The waiting CPU, or NULL: the waiter sleeps on cond. */
	struct cw_posix_cpu *waiter;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void sync_call_complete(struct cw_posix_work *work)
{
	struct posix_sync_call *sc = (struct posix_sync_call *)work;
	struct cw_posix_cpu *waiter = sc->waiter;

	if (waiter) {
		/* After the store the record may be gone: only the saved pointer is used. */
		atomic_store_explicit(&sc->done, true, memory_order_release);
		cw__posix_eventfd_kick(waiter->call_fd);
		return;
	}
	pthread_mutex_lock(&sc->lock);
	atomic_store_explicit(&sc->done, true, memory_order_release);
	pthread_cond_signal(&sc->cond);
	pthread_mutex_unlock(&sc->lock);
}

/* A CPU waits for its call elsewhere, running the work queued to it meanwhile. */
static void sync_call_wait_serving(struct posix_sync_call *sc)
{
	struct cw_posix_cpu *self = sc->waiter;
	struct pollfd pfd = { .fd = self->call_fd, .events = POLLIN };

	while (!atomic_load_explicit(&sc->done, memory_order_acquire)) {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			sched_yield();
		}
		eventfd_drain(self->call_fd);
		cpu_run_queue(self);
	}
	/*
	 * The drain may have eaten a stop request or a wakeup for work queued
	 * after the loop's last look; the main loop re-checks both at its top.
	 */
}

static void sync_call_wait(struct posix_sync_call *sc)
{
	if (sc->waiter) {
		sync_call_wait_serving(sc);
		return;
	}
	pthread_mutex_lock(&sc->lock);
	while (!atomic_load_explicit(&sc->done, memory_order_acquire)) {
		pthread_cond_wait(&sc->cond, &sc->lock);
	}
	pthread_mutex_unlock(&sc->lock);
}

/*
 * Queue @work to @cpu if its thread accepts work. Returns false when the
 * thread does not run: the caller must run the work itself (Race 1).
 */
static bool cpu_try_queue(struct cw_posix_cpu *cpu, struct cw_posix_work *work)
{
	bool queued = false;

	pthread_mutex_lock(&cpu->queue_lock);
	if (cpu->accepting) {
		queue_add_locked(cpu, work);
		queued = true;
	}
	pthread_mutex_unlock(&cpu->queue_lock);
	if (queued) {
		cw__posix_eventfd_kick(cpu->call_fd);
	}
	return queued;
}

/* Run @fn on @cpu from a thread that is not @cpu, and wait for it. */
static void cpu_call_remote(struct cw_posix_cpu *cpu, void (*fn)(void *), void *arg)
{
	struct cw_posix_ctx *ctx = cpu->ctx;
	struct posix_sync_call sc = {
		.work = { .fn = fn, .arg = arg, .complete = sync_call_complete },
		.waiter = tls_ctx == ctx ? &ctx->cpus[tls_cpu] : NULL,
	};

	if (!sc.waiter) {
		pthread_mutex_init(&sc.lock, NULL);
		pthread_cond_init(&sc.cond, NULL);
	}
	for (;;) {
		if (cpu_try_queue(cpu, &sc.work)) {
			sync_call_wait(&sc);
			break;
		}
		if (pthread_mutex_trylock(&cpu->exec_lock) == 0) {
			/* The thread does not run: be the CPU for this call. */
			cpu_run_as(cpu, fn, arg);
			pthread_mutex_unlock(&cpu->exec_lock);
			break;
		}
		/* A thread is starting or leaving, or another caller runs in place. */
		sched_yield();
	}
	if (!sc.waiter) {
		pthread_cond_destroy(&sc.cond);
		pthread_mutex_destroy(&sc.lock);
	}
}

int cw__posix_cpu_call_hook(void *opaque, unsigned cpu, void (*fn)(void *arg), void *arg)
{
	struct cw_posix_ctx *ctx = opaque;

	if (cpu >= ctx->nr_cpus) {
		return CW_EINVAL;
	}
	if (tls_ctx == ctx && tls_cpu == cpu) {
		/* Already on that CPU, between two events: interrupts are held off. */
		fn(arg);
		atomic_fetch_add_explicit(&ctx->cpus[cpu].stat_calls, 1, memory_order_relaxed);
		return 0;
	}
	cpu_call_remote(&ctx->cpus[cpu], fn, arg);
	return 0;
}

int cw_posix_cpu_call_async(struct cw_system *sys, unsigned cpu, struct cw_posix_work *work)
{
	struct cw_posix_ctx *ctx = cw__posix_ctx(sys);
	struct cw_posix_cpu *c;

	if (!ctx || cpu >= ctx->nr_cpus || !work || !work->fn) {
		return CW_EINVAL;
	}
	c = &ctx->cpus[cpu];
	pthread_mutex_lock(&c->queue_lock);
	if (work->queued) {
		pthread_mutex_unlock(&c->queue_lock);
		return CW_EBUSY;
	}
	work->complete = NULL;
	/* Queued even while the thread is stopped: it runs when the CPU starts. */
	queue_add_locked(c, work);
	pthread_mutex_unlock(&c->queue_lock);
	cw__posix_eventfd_kick(c->call_fd);
	return 0;
}

/* ---- the event loop ---------------------------------------------------- */

static void cpu_ipi(struct cw_posix_cpu *cpu)
{
	struct cw_system *sys = cpu->ctx->sys;

	if (!eventfd_drain(cpu->ipi_fd)) {
		return;
	}
	atomic_fetch_add_explicit(&cpu->stat_ipis, 1, memory_order_relaxed);
	cw_irq_enter(sys);
	cw_cpu_handle_ipi(sys);
	cw_irq_exit(sys);
}

static void cpu_dispatch(struct cw_posix_cpu *cpu, const struct epoll_event *ev)
{
	switch (ev->data.u32) {
	case CW_POSIX_FD_TIMER:
		cw__posix_timerfd_irq(cpu);
		break;
	case CW_POSIX_FD_IPI:
		cpu_ipi(cpu);
		break;
	case CW_POSIX_FD_CALL:
		eventfd_drain(cpu->call_fd);
		cpu_run_queue(cpu);
		break;
	case CW_POSIX_FD_SYNTH:
		if (eventfd_drain(cpu->synth_fd)) {
			cw__posix_synth_irq(cpu);
		}
		break;
	default:
		break;
	}
}

static void cpu_pin(struct cw_posix_cpu *cpu)
{
	cpu_set_t set;

	if (cpu->host_core < 0) {
		return;
	}
	CPU_ZERO(&set);
	CPU_SET((unsigned)cpu->host_core, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0) {
		cw_log(cpu->ctx->sys, CW_LOG_WARNING, "posix: CPU %u: cannot pin to host core %d",
		       cpu->id, cpu->host_core);
	}
}

/* Run under SCHED_FIFO if the options ask for it and the host permits it. */
static void cpu_set_priority(struct cw_posix_cpu *cpu)
{
	struct sched_param sp = { .sched_priority = cpu->ctx->rt_priority };
	int err;

	if (sp.sched_priority <= 0) {
		return;
	}
	err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (err) {
		cw_log(cpu->ctx->sys, CW_LOG_WARNING,
		       "posix: CPU %u: cannot run SCHED_FIFO at priority %d (%s): normal priority",
		       cpu->id, sp.sched_priority, strerror(err));
		return;
	}
	atomic_store_explicit(&cpu->rt_priority, sp.sched_priority, memory_order_relaxed);
}

/* Become the CPU: exec_lock for life, thread-locals, then accept work. */
static void cpu_thread_enter(struct cw_posix_cpu *cpu)
{
	pthread_mutex_lock(&cpu->exec_lock);
	tls_ctx = cpu->ctx;
	tls_cpu = cpu->id;
	atomic_store_explicit(&cpu->tid, (uint64_t)gettid(), memory_order_relaxed);
	cpu_pin(cpu);
	cpu_set_priority(cpu);
	pthread_mutex_lock(&cpu->queue_lock);
	cpu->accepting = true;
	pthread_mutex_unlock(&cpu->queue_lock);
	/* Pairs with the acquire load in cw__posix_cpus_start(). */
	atomic_store_explicit(&cpu->running, true, memory_order_release);
}

/* Stop accepting, run what was queued, give the CPU back (Race 1). */
static void cpu_thread_leave(struct cw_posix_cpu *cpu)
{
	struct cw_posix_work *list;

	pthread_mutex_lock(&cpu->queue_lock);
	cpu->accepting = false;
	list = queue_take_locked(cpu);
	pthread_mutex_unlock(&cpu->queue_lock);
	run_list(cpu, list);
	atomic_store_explicit(&cpu->running, false, memory_order_relaxed);
	tls_ctx = NULL;
	pthread_mutex_unlock(&cpu->exec_lock);
}

static void *cpu_thread_main(void *arg)
{
	struct cw_posix_cpu *cpu = arg;
	struct cw_system *sys = cpu->ctx->sys;
	struct epoll_event evs[CPU_MAX_EVENTS];
	int n;

	cpu_thread_enter(cpu);
	for (;;) {
		/* Work queued while stopped, or seen by a serving wait's drain. */
		cpu_run_queue(cpu);
		/* Pairs with the release store in cw__posix_cpus_stop(). */
		if (atomic_load_explicit(&cpu->stop, memory_order_acquire)) {
			break;
		}
		cw_tick_idle_enter(sys, false);
		n = epoll_wait(cpu->epoll_fd, evs, CPU_MAX_EVENTS, -1);
		atomic_fetch_add_explicit(&cpu->stat_wakeups, 1, memory_order_relaxed);
		/*
		 * Interrupts first, then leave idle (Linux's order: the
		 * interrupt is handled in the idle loop, the tick restarts when
		 * the CPU leaves it). Restarting the tick first could reprogram
		 * the timerfd, which discards its pending expiry and costs the
		 * waking timer a second wakeup (about 20 us here).
		 */
		for (int i = 0; i < n; i++) {
			cpu_dispatch(cpu, &evs[i]);
		}
		cw_tick_idle_exit(sys);
	}
	cpu_thread_leave(cpu);
	return NULL;
}

/* ---- creation, start, stop --------------------------------------------- */

static int epoll_add(int epfd, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int cpu_open(struct cw_posix_cpu *cpu)
{
	cpu->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	cpu->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	cpu->ipi_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	cpu->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	cpu->synth_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (cpu->epoll_fd < 0 || cpu->timer_fd < 0 || cpu->ipi_fd < 0 || cpu->call_fd < 0 ||
	    cpu->synth_fd < 0) {
		return CW_EIO;
	}
	if (epoll_add(cpu->epoll_fd, cpu->timer_fd, CW_POSIX_FD_TIMER) ||
	    epoll_add(cpu->epoll_fd, cpu->ipi_fd, CW_POSIX_FD_IPI) ||
	    epoll_add(cpu->epoll_fd, cpu->call_fd, CW_POSIX_FD_CALL) ||
	    epoll_add(cpu->epoll_fd, cpu->synth_fd, CW_POSIX_FD_SYNTH)) {
		return CW_EIO;
	}
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Host core of each CPU when pinning: the process's allowed cores, round robin. */
static void cpus_choose_cores(struct cw_posix_ctx *ctx)
{
	int cores[CPU_SETSIZE];
	unsigned nr_cores = 0;
	cpu_set_t allowed;

	for (unsigned i = 0; i < ctx->nr_cpus; i++) {
		ctx->cpus[i].host_core = -1;
	}
	/* Unpinned: core c's threads arm on CPU c modulo the CPUs. */
	for (unsigned c = 0; c < CW_POSIX_NEAR_MAP; c++) {
		ctx->near_cpu[c] = (uint16_t)(c % ctx->nr_cpus);
	}
	if (!(ctx->flags & CW_POSIX_PIN_CPUS) || sched_getaffinity(0, sizeof(allowed), &allowed)) {
		return;
	}
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (CPU_ISSET(c, &allowed)) {
			cores[nr_cores++] = c;
		}
	}
	if (nr_cores == 0) {
		return;
	}
	for (unsigned i = 0; i < ctx->nr_cpus; i++) {
		ctx->cpus[i].host_core = cores[i % nr_cores];
	}
	/* Application threads on a core arm on the first CPU pinned there. */
	for (unsigned i = ctx->nr_cpus; i-- > 0;) {
		if (ctx->cpus[i].host_core < CW_POSIX_NEAR_MAP) {
			ctx->near_cpu[ctx->cpus[i].host_core] = (uint16_t)i;
		}
	}
	if (nr_cores < ctx->nr_cpus) {
		cw_log(ctx->sys, CW_LOG_WARNING,
		       "posix: %u CPUs pinned to %u host cores: CPUs share cores", ctx->nr_cpus,
		       nr_cores);
	} else {
		cw_log(ctx->sys, CW_LOG_INFO, "posix: %u CPUs pinned to %u host cores",
		       ctx->nr_cpus, nr_cores);
	}
}

int cw__posix_cpus_init(struct cw_posix_ctx *ctx)
{
	size_t bytes = sizeof(struct cw_posix_cpu) * ctx->nr_cpus;
	int err = 0;

	bytes = (bytes + _Alignof(struct cw_posix_cpu) - 1) &
		~(size_t)(_Alignof(struct cw_posix_cpu) - 1);
	ctx->cpus = aligned_alloc(_Alignof(struct cw_posix_cpu), bytes);
	if (!ctx->cpus) {
		return CW_ENOMEM;
	}
	memset(ctx->cpus, 0, bytes);
	for (unsigned i = 0; i < ctx->nr_cpus; i++) {
		struct cw_posix_cpu *cpu = &ctx->cpus[i];

		cpu->ctx = ctx;
		cpu->id = i;
		cpu->epoll_fd = cpu->timer_fd = cpu->ipi_fd = cpu->call_fd = -1;
		cpu->synth_fd = cpu->oob_epoll_fd = cpu->oob_stop_fd = -1;
		pthread_mutex_init(&cpu->exec_lock, NULL);
		pthread_mutex_init(&cpu->queue_lock, NULL);
	}
	for (unsigned i = 0; i < ctx->nr_cpus && !err; i++) {
		err = cpu_open(&ctx->cpus[i]);
	}
	if (err) {
		cw__posix_cpus_fini(ctx);
		return err;
	}
	cpus_choose_cores(ctx);
	return 0;
}

void cw__posix_cpus_fini(struct cw_posix_ctx *ctx)
{
	if (!ctx->cpus) {
		return;
	}
	for (unsigned i = 0; i < ctx->nr_cpus; i++) {
		struct cw_posix_cpu *cpu = &ctx->cpus[i];

		close_fd(&cpu->epoll_fd);
		close_fd(&cpu->timer_fd);
		close_fd(&cpu->ipi_fd);
		close_fd(&cpu->call_fd);
		close_fd(&cpu->synth_fd);
		pthread_mutex_destroy(&cpu->queue_lock);
		pthread_mutex_destroy(&cpu->exec_lock);
	}
	free(ctx->cpus);
	ctx->cpus = NULL;
}

int cw__posix_cpus_start(struct cw_posix_ctx *ctx)
{
	char name[CPU_THREAD_NAME_MAX];

	if (ctx->cpus_started) {
		return CW_EBUSY;
	}
	for (unsigned i = 0; i < ctx->nr_cpus; i++) {
		struct cw_posix_cpu *cpu = &ctx->cpus[i];

		atomic_store_explicit(&cpu->stop, false, memory_order_relaxed);
		snprintf(name, sizeof(name), "cw-cpu%u", i);
		if (cw__posix_thread_create(&cpu->thread, cpu_thread_main, cpu, name)) {
			ctx->cpus_started = true;
			cw__posix_cpus_stop(ctx);
			return CW_EIO;
		}
		cpu->thread_started = true;
	}
	ctx->cpus_started = true;
	/* "Started" means every CPU takes its interrupts: wait for each loop. */
	for (unsigned i = 0; i < ctx->nr_cpus; i++) {
		while (!atomic_load_explicit(&ctx->cpus[i].running, memory_order_acquire)) {
			sched_yield();
		}
	}
	cw_log(ctx->sys, CW_LOG_INFO, "posix: %u CPU thread%s running", ctx->nr_cpus,
	       ctx->nr_cpus == 1 ? "" : "s");
	return 0;
}

void cw__posix_cpus_stop(struct cw_posix_ctx *ctx)
{
	/* A proxy left installed: its oob threads go first. */
	cw__posix_oob_stop_all(ctx);
	if (!ctx->cpus_started) {
		return;
	}
	for (unsigned i = 0; i < ctx->nr_cpus; i++) {
		struct cw_posix_cpu *cpu = &ctx->cpus[i];

		if (cpu->thread_started) {
			/* Pairs with the acquire load at the top of the loop. */
			atomic_store_explicit(&cpu->stop, true, memory_order_release);
			cw__posix_eventfd_kick(cpu->call_fd);
		}
	}
	for (unsigned i = 0; i < ctx->nr_cpus; i++) {
		struct cw_posix_cpu *cpu = &ctx->cpus[i];

		if (cpu->thread_started) {
			pthread_join(cpu->thread, NULL);
			cpu->thread_started = false;
		}
	}
	ctx->cpus_started = false;
}

int cw_posix_system_start(struct cw_system *sys)
{
	struct cw_posix_ctx *ctx = cw__posix_ctx(sys);

	if (!ctx) {
		return CW_EINVAL;
	}
	return cw__posix_cpus_start(ctx);
}

int cw_posix_system_stop(struct cw_system *sys)
{
	struct cw_posix_ctx *ctx = cw__posix_ctx(sys);

	if (!ctx) {
		return CW_EINVAL;
	}
	cw__posix_cpus_stop(ctx);
	return 0;
}

int cw_posix_cpu_info(struct cw_system *sys, unsigned cpu, struct cw_posix_cpu_info *out)
{
	struct cw_posix_ctx *ctx = cw__posix_ctx(sys);
	struct cw_posix_cpu *c;

	if (!ctx || cpu >= ctx->nr_cpus || !out) {
		return CW_EINVAL;
	}
	c = &ctx->cpus[cpu];
	memset(out, 0, sizeof(*out));
	out->running = atomic_load_explicit(&c->running, memory_order_relaxed);
	out->tid = atomic_load_explicit(&c->tid, memory_order_relaxed);
	out->host_core = c->host_core;
	out->timer_irqs = atomic_load_explicit(&c->stat_timer_irqs, memory_order_relaxed);
	out->ipis = atomic_load_explicit(&c->stat_ipis, memory_order_relaxed);
	out->calls = atomic_load_explicit(&c->stat_calls, memory_order_relaxed);
	out->wakeups = atomic_load_explicit(&c->stat_wakeups, memory_order_relaxed);
	out->rt_priority = atomic_load_explicit(&c->rt_priority, memory_order_relaxed);
	return 0;
}
