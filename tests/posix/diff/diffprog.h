/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the differential test programs (tests/posix/diff/).
 *
 * Each program is an ordinary POSIX program: it names no clockwork function
 * and is built twice, natively (glibc + Linux) and with -include
 * clockwork/posix_compat.h. It prints a transcript that must be the same in
 * both builds, so it prints only what the standards fix: return values,
 * errno names, signal names and counts, siginfo fields, and times only as
 * answers to stated bounds ("slept >= requested: yes"), never raw times.
 * Bounds are generous: the reference machine has 2 cores shared with other
 * work. Every line goes out at once (line buffered), so a crash or a time
 * limit still leaves the transcript up to that point.
 *
 * This header is included by the programs only; the clock and sleep calls
 * in it are the program's own, so the drop-in build measures clockwork's
 * clocks, as an unchanged program would. host_mono_ns() reads the host's
 * CLOCK_MONOTONIC by system call for bounds that must not depend on it.
 */
#ifndef CW_TESTS_POSIX_DIFF_DIFFPROG_H
#define CW_TESTS_POSIX_DIFF_DIFFPROG_H

#include <errno.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC  1000000000LL
#define NSEC_PER_MSEC 1000000LL

/* A NULL the compiler cannot see (to pass NULL where a header says nonnull). */
static void *volatile null_ptr;

static inline const char *errname(int e)
{
	static char buf[32];

	switch (e) {
	case 0:
		return "0";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case ESRCH:
		return "ESRCH";
	case EINTR:
		return "EINTR";
	case EIO:
		return "EIO";
	case EBADF:
		return "EBADF";
	case ECHILD:
		return "ECHILD";
	case EAGAIN:
		return "EAGAIN";
	case ENOMEM:
		return "ENOMEM";
	case EFAULT:
		return "EFAULT";
	case EBUSY:
		return "EBUSY";
	case EINVAL:
		return "EINVAL";
	case ERANGE:
		return "ERANGE";
	case EDEADLK:
		return "EDEADLK";
	case ENOSYS:
		return "ENOSYS";
	case ETIME:
		return "ETIME";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case ECANCELED:
		return "ECANCELED";
	default:
		snprintf(buf, sizeof(buf), "errno%d", e);
		return buf;
	}
}

static inline const char *signame(int s)
{
	static char buf[32];

	if (s >= SIGRTMIN && s <= SIGRTMAX) {
		snprintf(buf, sizeof(buf), "SIGRTMIN+%d", s - SIGRTMIN);
		return buf;
	}
	switch (s) {
	case 0:
		return "0";
	case SIGHUP:
		return "SIGHUP";
	case SIGINT:
		return "SIGINT";
	case SIGABRT:
		return "SIGABRT";
	case SIGKILL:
		return "SIGKILL";
	case SIGSEGV:
		return "SIGSEGV";
	case SIGUSR1:
		return "SIGUSR1";
	case SIGUSR2:
		return "SIGUSR2";
	case SIGALRM:
		return "SIGALRM";
	case SIGTERM:
		return "SIGTERM";
	case SIGCHLD:
		return "SIGCHLD";
	case SIGPROF:
		return "SIGPROF";
	case SIGVTALRM:
		return "SIGVTALRM";
	default:
		snprintf(buf, sizeof(buf), "signal%d", s);
		return buf;
	}
}

static inline const char *codename(int c)
{
	static char buf[32];

	switch (c) {
	case SI_USER:
		return "SI_USER";
	case SI_KERNEL:
		return "SI_KERNEL";
	case SI_QUEUE:
		return "SI_QUEUE";
	case SI_TIMER:
		return "SI_TIMER";
	case SI_MESGQ:
		return "SI_MESGQ";
	case SI_ASYNCIO:
		return "SI_ASYNCIO";
	case SI_SIGIO:
		return "SI_SIGIO";
	case SI_TKILL:
		return "SI_TKILL";
	default:
		snprintf(buf, sizeof(buf), "si_code%d", c);
		return buf;
	}
}

/* One transcript line. */
static inline void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* "what: yes" or "what: no". */
static inline void check(const char *what, bool ok)
{
	say("%s: %s", what, ok ? "yes" : "no");
}

/* "what: 0" or "what: -1 EINVAL" (errno as it was right after the call). */
static inline void say_rc(const char *what, int rc, int err)
{
	if (rc == -1) {
		say("%s: -1 %s", what, errname(err));
	} else {
		say("%s: %d", what, rc);
	}
}

/* Run @call (returning 0 / -1 and errno) and print its result. */
#define SAY_RC(what, call)                                                                         \
	do {                                                                                       \
		int say_rc_rc_;                                                                    \
		errno = 0;                                                                         \
		say_rc_rc_ = (int)(call);                                                          \
		say_rc((what), say_rc_rc_, errno);                                                 \
	} while (0)

/* For the functions returning an error number (clock_nanosleep, pthread_*). */
static inline void say_err(const char *what, int rc)
{
	say("%s: %s", what, errname(rc));
}

static inline void transcript_start(const char *name)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	say("# %s", name);
}

static inline int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static inline struct timespec ns_ts(int64_t ns)
{
	struct timespec ts = { (time_t)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC) };

	return ts;
}

/* The program's clock (clockwork's in the drop-in build); -1 on failure. */
static inline int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0) {
		return -1;
	}
	return ts_ns(&ts);
}

static inline int64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* The host's CLOCK_MONOTONIC by system call, in both builds. */
static inline int64_t host_ns(clockid_t id)
{
	struct timespec ts;

	if (syscall(SYS_clock_gettime, id, &ts) != 0) {
		return -1;
	}
	return ts_ns(&ts);
}

static inline int64_t host_mono_ns(void)
{
	return host_ns(CLOCK_MONOTONIC);
}

/*
 * Pause @ms on the host's clock, never through the library under test.
 * poll() rather than a raw system call: ThreadSanitizer runs a deferred
 * signal handler only inside an intercepted call, and poll is one, so
 * loops that wait for a handler to run work in a TSan build too.
 */
static inline void host_sleep_ms(int64_t ms)
{
	int64_t end = host_mono_ns() + ms * NSEC_PER_MSEC;

	for (;;) {
		int64_t left = end - host_mono_ns();

		if (left <= 0) {
			return;
		}
		poll(NULL, 0, (int)((left + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC));
	}
}

static inline pid_t my_tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static inline void sig_block(int sig, bool on)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(on ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static inline int set_action(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

/* Wait up to @ms for @sig (which the caller blocks); 0 if none came. */
static inline int wait_sig_ms(int sig, siginfo_t *info, int64_t ms)
{
	sigset_t set;
	struct timespec ts = ns_ts(ms * NSEC_PER_MSEC);
	int rc;

	sigemptyset(&set);
	sigaddset(&set, sig);
	do {
		rc = sigtimedwait(&set, info, &ts);
	} while (rc == -1 && errno == EINTR);
	return rc == -1 ? 0 : rc;
}

/* Take every pending instance of @sig (blocked by the caller); how many. */
static inline int drain_sig(int sig)
{
	siginfo_t info;
	int n = 0;

	while (wait_sig_ms(sig, &info, 0) == sig) {
		n++;
	}
	return n;
}

static inline bool sig_is_pending(int sig)
{
	sigset_t set;

	sigpending(&set);
	return sigismember(&set, sig) == 1;
}

static inline struct itimerspec its_ns(int64_t value_ns, int64_t interval_ns)
{
	struct itimerspec its;

	its.it_value = ns_ts(value_ns);
	its.it_interval = ns_ts(interval_ns);
	return its;
}

/* A SIGEV_SIGNAL event: @sig with @value, nothing else set. */
static inline struct sigevent sev_signal(int sig, int value)
{
	struct sigevent sev;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_int = value;
	return sev;
}

/* The sleeping calls a test runs, one at a time (sleeps.c, cancel.c). */
enum how {
	NANOSLEEP,
	CN_REL,
	CN_ABS,
	SLEEP,
	USLEEP
};

/* The clock ids the programs try, as their transcripts name them. */
struct id_name {
	clockid_t id;
	const char *name;
	unsigned int in; /* the IDS_* programs that try it */
};

#define IDS_CLOCKS (1u << 0)
#define IDS_SLEEPS (1u << 1)
#define IDS_TIMERS (1u << 2)
#define IDS_ALL    (IDS_CLOCKS | IDS_SLEEPS | IDS_TIMERS)

/*
 * In the order the programs try them: those Linux knows, then unknown ones.
 * sleeps.c sleeps on PROCESS_CPUTIME_ID on its own; only clocks.c tries
 * the further unknown ids (and names id10 for what it once was).
 */
static const struct id_name clock_ids[] = {
	{ CLOCK_REALTIME, "REALTIME", IDS_ALL },
	{ CLOCK_MONOTONIC, "MONOTONIC", IDS_ALL },
	{ CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME_ID", IDS_CLOCKS | IDS_TIMERS },
	{ CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME_ID", IDS_ALL },
	{ CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW", IDS_ALL },
	{ CLOCK_REALTIME_COARSE, "REALTIME_COARSE", IDS_ALL },
	{ CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE", IDS_ALL },
	{ CLOCK_BOOTTIME, "BOOTTIME", IDS_ALL },
	{ CLOCK_REALTIME_ALARM, "REALTIME_ALARM", IDS_ALL },
	{ CLOCK_BOOTTIME_ALARM, "BOOTTIME_ALARM", IDS_ALL },
	{ 10, "id10(SGI_CYCLE)", IDS_CLOCKS },
	{ 10, "id10", IDS_SLEEPS | IDS_TIMERS },
	{ CLOCK_TAI, "TAI", IDS_ALL },
	{ 12, "id12", IDS_ALL },
	{ 15, "id15", IDS_CLOCKS },
	{ 24, "id24", IDS_CLOCKS },
	{ 100, "id100", IDS_ALL },
	{ 0x7fffffff, "idINT_MAX", IDS_CLOCKS },
	{ -1, "id-1", IDS_CLOCKS },
	{ (clockid_t)0x80000000, "idINT_MIN", IDS_ALL },
};

#define NR_CLOCK_IDS (sizeof(clock_ids) / sizeof(clock_ids[0]))

/* The first index from @i on whose id @set tries; NR_CLOCK_IDS if none. */
static inline size_t next_clock_id(unsigned int set, size_t i)
{
	while (i < NR_CLOCK_IDS && !(clock_ids[i].in & set)) {
		i++;
	}
	return i;
}

/* A thread that uses CPU until burn_stop is set (for the CPU-time clocks). */
static volatile int burn_stop;

static inline void *burn_fn(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&burn_stop, __ATOMIC_RELAXED)) {
	}
	return NULL;
}

/* Whether this process has CAP_SYS_TIME in its effective set. */
static inline bool has_cap_sys_time(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) != 0) {
		return false;
	}
	return (data[CAP_SYS_TIME / 32].effective >> (CAP_SYS_TIME % 32)) & 1;
}

/*
 * Drop CAP_SYS_TIME and CAP_WAKE_ALARM from this process (run as root, the
 * native build would otherwise set the host's clock): both builds then ask
 * as an unprivileged program. 0 on success.
 */
static inline int drop_time_caps(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	int i;

	if (syscall(SYS_capget, &hdr, data) != 0) {
		return -1;
	}
	for (i = 0; i < 2; i++) {
		if (CAP_SYS_TIME / 32 == i) {
			data[i].effective &= ~(1u << (CAP_SYS_TIME % 32));
			data[i].permitted &= ~(1u << (CAP_SYS_TIME % 32));
			data[i].inheritable &= ~(1u << (CAP_SYS_TIME % 32));
		}
		if (CAP_WAKE_ALARM / 32 == i) {
			data[i].effective &= ~(1u << (CAP_WAKE_ALARM % 32));
			data[i].permitted &= ~(1u << (CAP_WAKE_ALARM % 32));
			data[i].inheritable &= ~(1u << (CAP_WAKE_ALARM % 32));
		}
	}
	return (int)syscall(SYS_capset, &hdr, data);
}

#endif /* CW_TESTS_POSIX_DIFF_DIFFPROG_H */
