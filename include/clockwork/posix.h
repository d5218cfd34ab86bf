/* SPDX-License-Identifier: MIT */
/*
 * The POSIX clocks and timers API on top of clockwork: clock_gettime,
 * clock_nanosleep, timer_create and the legacy time/sleep/alarm/itimer
 * calls, each under a cw_ name with exactly the POSIX/glibc prototype,
 * return convention and errno behaviour of the function it mirrors.
 * clockwork/posix_compat.h maps the standard names onto these, so an
 * unchanged program can run on clockwork.
 *
 * The functions work on an implicit system: the one given to
 * cw_posix_api_set_system(), or else a default posix-port system created on
 * first use (one CPU thread per host CPU, at most
 * CW_POSIX_API_DEFAULT_MAX_CPUS) and destroyed at exit. REALTIME starts from
 * the host's and runs at its rate; setting it changes clockwork's REALTIME
 * only, never the host clock.
 *
 * Unlike the rest of clockwork this header includes operating-system
 * headers (<time.h>, <signal.h>, <sys/time.h>, <sys/timex.h>, <unistd.h>),
 * because it describes the POSIX API. It never defines a feature macro
 * (that would change what the program's own headers declare): under a
 * strict ISO mode (-std=c11) define _POSIX_C_SOURCE=200809L (or
 * _GNU_SOURCE, ...) before the first system header. docs/posix-api.md
 * lists every function and errno.
 */
#ifndef CLOCKWORK_INCLUDE_POSIX_H
#define CLOCKWORK_INCLUDE_POSIX_H

#include <signal.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include <clockwork/types.h>

#if defined(__GLIBC__) && !defined(__USE_POSIX199309)
#error "clockwork/posix.h needs POSIX.1-2008: define _POSIX_C_SOURCE=200809L or _GNU_SOURCE before the first system header"
#endif

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;
struct timezone;

/** Most CPUs of the default system (fewer if the host has fewer online). */
#define CW_POSIX_API_DEFAULT_MAX_CPUS 4

/** Most POSIX timers that exist at once (timer_create then fails with EAGAIN). */
#define CW_POSIX_API_TIMER_MAX 65536

/**
 * While a timer's notification is pending, its hrtimer checks for the
 * delivery at the next expiry but at most once per this interval (the
 * overruns are still counted by arithmetic, up to the delivery): an
 * interval shorter than this cannot keep a CPU busy.
 */
#define CW_POSIX_API_MIN_POLL_NS 1000000LL

/**
 * Select the system the POSIX API works on.
 *
 * @param sys  A system on the "posix" or "sim" port, or NULL to go back to
 *             the default posix-port system (created on the next call).
 * Context: thread context; not concurrently with other calls of this API.
 *          On a sim system every sleeping call must come from the thread
 *          that drives the engine: it runs the engine in virtual time until
 *          the sleep ends.
 * @return 0; CW_EINVAL if @p sys is on another port; CW_EBUSY if timers
 *         (timer_create, alarm, setitimer) of the current system exist.
 */
CW_API int cw_posix_api_set_system(struct cw_system *sys);

/**
 * The system the POSIX API works on, creating the default one if needed.
 * Context: thread context.
 * @return The system, or NULL if the default system could not be created.
 */
CW_API struct cw_system *cw_posix_api_system(void);

/**
 * Read a clock (clock_gettime(2)).
 *
 * On a posix-port system MONOTONIC, BOOTTIME and MONOTONIC_RAW (and
 * MONOTONIC_COARSE) read as the host's clocks (an offset measured when the
 * system became current). The COARSE clocks are at most one tick behind the
 * fine ones, also while clockwork's CPUs are idle.
 *
 * @param clock_id  A Linux clock id: CLOCK_REALTIME (0), CLOCK_MONOTONIC (1),
 *                  CLOCK_MONOTONIC_RAW (4), CLOCK_REALTIME_COARSE (5),
 *                  CLOCK_MONOTONIC_COARSE (6), CLOCK_BOOTTIME (7),
 *                  CLOCK_TAI (11) from clockwork; CLOCK_PROCESS_CPUTIME_ID (2),
 *                  CLOCK_THREAD_CPUTIME_ID (3) and negative ids (CPU clocks
 *                  of other processes and threads, dynamic clock
 *                  descriptors) from the host. The ALARM clocks (8, 9)
 *                  behave as on Linux without a wakeup RTC: EINVAL.
 * @param tp        Receives the time.
 * Context: any thread; lockless once the system exists (async-signal-safe then).
 * @return 0; -1 with errno EINVAL (unknown clock id, an ALARM clock),
 *         EFAULT (@p tp NULL), or the host's errno for a CPU-time clock.
 */
CW_API int cw_clock_gettime(clockid_t clock_id, struct timespec *tp);

/**
 * Resolution of a clock (clock_getres(2)): 1 ns for the fine clocks, one
 * tick for the coarse ones.
 *
 * @param clock_id  As cw_clock_gettime().
 * @param res       Receives the resolution; may be NULL (only validates).
 * Context: any thread.
 * @return 0; -1 with errno EINVAL (unknown clock id, an ALARM clock) or the
 *         host's errno for a CPU-time clock.
 */
CW_API int cw_clock_getres(clockid_t clock_id, struct timespec *res);

/**
 * Set a clock (clock_settime(2)). Only CLOCK_REALTIME is settable; it is
 * clockwork's REALTIME (TAI moves with it), the host clock is untouched, and
 * no privilege is required. Absolute REALTIME sleeps and timers are
 * re-evaluated at the new time.
 *
 * @param clock_id  CLOCK_REALTIME.
 * @param tp        New time: 0 <= tv_sec < 8277292036 (Linux's limit,
 *                  KTIME_SEC_MAX less 30 years), 0 <= tv_nsec < 1e9, and
 *                  not below MONOTONIC (before boot).
 * Context: thread context.
 * @return 0; -1 with errno EINVAL (another clockwork clock, unknown clock id,
 *         @p tp out of those ranges: nothing changes), EFAULT (@p tp NULL),
 *         or the host's errno for a CPU-time clock (EPERM on Linux).
 */
CW_API int cw_clock_settime(clockid_t clock_id, const struct timespec *tp);

/**
 * Sleep on a clock (clock_nanosleep(2)), relative or until an absolute time.
 * Relative sleeps measure an interval (on MONOTONIC, or BOOTTIME for the
 * BOOTTIME clocks); absolute REALTIME/TAI sleeps follow settime and leap
 * seconds. A signal handler that runs at any moment of the sleep
 * interrupts it (EINTR, whatever SA_RESTART says); a relative sleep then
 * stores the time left in @p remain. A time already passed returns 0 at
 * once (nothing is programmed). The sleep blocks (never spins) and is a
 * cancellation point: a cancelled sleeper leaves no timer behind. errno is
 * never changed.
 *
 * @param clock_id  CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_TAI,
 *                  or a CPU-time clock (slept by the host).
 * @param flags     TIMER_ABSTIME or not; other bits are ignored (Linux).
 * @param request   Duration or absolute time.
 * @param remain    Relative sleeps: receives the time left on EINTR; may be NULL.
 * Context: thread context, not a CPU thread of the system nor a clockwork
 *          callback; on a sim system, only the engine's thread.
 * @return 0; or an error number (errno is not set): EINTR (a signal handler
 *         ran), EINVAL (unknown clock id, tv_nsec outside [0, 1e9) or
 *         tv_sec < 0), ENOTSUP (a clock that cannot be slept on:
 *         MONOTONIC_RAW, the COARSE and ALARM clocks), EFAULT
 *         (@p request NULL), EDEADLK (called on a CPU thread of the
 *         system, or a sim engine with nothing left to run), EAGAIN (the
 *         default system could not be created), or the host's error for a
 *         CPU-time clock.
 */
CW_API int cw_clock_nanosleep(clockid_t clock_id, int flags, const struct timespec *request,
			      struct timespec *remain);

/**
 * Sleep for an interval (nanosleep(2)): cw_clock_nanosleep() on
 * CLOCK_REALTIME, relative.
 *
 * @param request  Duration.
 * @param remain   Receives the time left on EINTR; may be NULL.
 * Context: as cw_clock_nanosleep().
 * @return 0; -1 with errno EINTR, EINVAL, EFAULT, EDEADLK or EAGAIN as
 *         cw_clock_nanosleep().
 */
CW_API int cw_nanosleep(const struct timespec *request, struct timespec *remain);

/**
 * Read and steer clockwork's clock (adjtimex(2)): the NTP state of the
 * current system (cw_adjtimex()) with Linux's modes, units, checks and
 * return values. modes 0 only reads. ADJ_OFFSET_SINGLESHOT slews like
 * adjtime(3) and returns the previous slew in offset; ADJ_OFFSET_SS_READ
 * returns the current one. offset and time.tv_usec are in us unless
 * STA_NANO is set (ADJ_NANO sets it, ADJ_MICRO clears it); ADJ_TAI takes
 * the TAI offset from constant (as Linux); ADJ_TICK becomes a frequency
 * change of (tick - 10000) x 100 ppm (clockwork keeps no tick length).
 * Changes affect this process's clockwork clocks only and need no
 * privilege. Out-of-range freq, maxerror, esterror and constant are
 * clamped as Linux does.
 *
 * @param buf  Request (modes and the fields they select); receives the state.
 * Context: thread context.
 * @return The clock state: TIME_OK, TIME_INS, TIME_DEL, TIME_OOP,
 *         TIME_WAIT, or TIME_ERROR while STA_UNSYNC is set; -1 with errno
 *         EINVAL (ADJ_TICK outside 9000..11000, ADJ_SETOFFSET fraction out
 *         of range, ADJ_FREQUENCY beyond LLONG_MAX / (1000 << 16), a step
 *         to a negative REALTIME), EFAULT (@p buf NULL), EAGAIN (the
 *         default system could not be created).
 */
CW_API int cw_posix_adjtimex(struct timex *buf);

/**
 * ntp_adjtime(3): the same as cw_posix_adjtimex().
 * @param buf  As cw_posix_adjtimex().
 * Context: thread context.
 * @return As cw_posix_adjtimex().
 */
CW_API int cw_ntp_adjtime(struct timex *buf);

/**
 * clock_adjtime(2): cw_posix_adjtimex() for CLOCK_REALTIME.
 * @param clock_id  CLOCK_REALTIME; a CPU-time clock or a dynamic clock
 *                  descriptor (negative ids) goes to the host.
 * @param buf       As cw_posix_adjtimex().
 * Context: thread context.
 * @return As cw_posix_adjtimex(); -1 with errno EOPNOTSUPP (another
 *         clockwork clock: MONOTONIC, BOOTTIME, TAI, ...), EINVAL (an
 *         unknown clock id), or the host's result for a negative id.
 */
CW_API int cw_clock_adjtime(clockid_t clock_id, struct timex *buf);

/**
 * Create a POSIX timer (timer_create(2)), disarmed. Ids are small integers
 * from a table, lowest free first, reused after delete.
 *
 * Notification (@p evp): SIGEV_NONE; SIGEV_SIGNAL (a process-directed
 * signal with si_code SI_TIMER, si_value, si_timerid and si_overrun);
 * SIGEV_THREAD_ID (the same, to the thread whose id is in
 * sigev_notify_thread_id / _sigev_un._tid); SIGEV_THREAD (the function runs
 * on a new detached thread with a copy of the given attributes and, as
 * under glibc, every signal blocked). At most one notification per timer
 * is pending; an interval timer is re-armed when it is delivered, and the
 * periods until then are overruns (see cw_timer_getoverrun()). NULL @p evp
 * means SIGEV_SIGNAL, SIGALRM, si_value 0 (as glibc, which passes its own
 * sigevent to the kernel).
 *
 * @param clock_id  As cw_clock_nanosleep(); CPU-time clocks make a host timer.
 * @param evp       Notification, or NULL.
 * @param timerid   Receives the id.
 * Context: thread context.
 * @return 0; -1 with errno EINVAL (unknown clock id, bad sigev_notify,
 *         invalid signal number, no such thread for SIGEV_THREAD_ID, NULL
 *         function for SIGEV_THREAD), ENOTSUP (MONOTONIC_RAW, COARSE
 *         and ALARM clocks), EAGAIN (CW_POSIX_API_TIMER_MAX timers, or as many as
 *         RLIMIT_SIGPENDING allows, exist (checked before @p evp, as Linux);
 *         or the default system could not be created), ENOMEM, EFAULT (@p timerid
 *         NULL), or the host's errno for a CPU-time clock.
 */
CW_API int cw_timer_create(clockid_t clock_id, struct sigevent *evp, timer_t *timerid);

/**
 * Arm or disarm a timer (timer_settime(2)). it_value zero disarms (and
 * clears the interval); a past absolute time is delivered by this call
 * itself, with the periods already elapsed as overruns; it_interval
 * non-zero makes it periodic. A notification still pending from the
 * previous setting is forgotten (the overrun count restarts at 0; a queued
 * SIGEV_THREAD call is dropped, a queued signal stays queued).
 *
 * @param timerid  A timer from cw_timer_create().
 * @param flags    TIMER_ABSTIME or not (other bits are ignored, as Linux does).
 * @param value    New setting.
 * @param ovalue   Receives the previous setting (as cw_timer_gettime()); may be NULL.
 * Context: thread context; waits for a running expiry of this timer.
 * @return 0; -1 with errno EINVAL (bad timer id, a timespec with tv_sec < 0 or tv_nsec outside
 *         [0, 1e9)), EFAULT (@p value NULL), or the host's errno for a
 *         CPU-time timer.
 */
CW_API int cw_timer_settime(timer_t timerid, int flags, const struct itimerspec *value,
			    struct itimerspec *ovalue);

/**
 * Read a timer (timer_gettime(2)): time to the next expiry (1 ns if it is
 * due but not yet handled, zero if disarmed) and the interval.
 *
 * @param timerid  A timer.
 * @param value    Receives the setting.
 * Context: thread context.
 * @return 0; -1 with errno EINVAL (bad timer id), EFAULT (@p value NULL).
 */
CW_API int cw_timer_gettime(timer_t timerid, struct itimerspec *value);

/**
 * Overrun count of the last delivered notification (timer_getoverrun(2)):
 * the periods that elapsed from the expiry that sent it up to its delivery,
 * capped at DELAYTIMER_MAX (INT_MAX). A signal counts as delivered once its
 * number is no longer pending (in the process, or in the target thread for
 * SIGEV_THREAD_ID), checked by this call at once and by the timer at its
 * next expiry; a SIGEV_THREAD notification when the dispatcher takes it.
 * Timers sharing a signal number are indistinguishable to that test.
 *
 * @param timerid  A timer.
 * Context: any thread, also a signal handler (async-signal-safe).
 * @return The count (>= 0); -1 with errno EINVAL (bad timer id, also one
 *         deleted while this call ran).
 */
CW_API int cw_timer_getoverrun(timer_t timerid);

/**
 * Delete a timer (timer_delete(2)): disarm it and free its id. A signal
 * already queued stays queued; a queued SIGEV_THREAD call is dropped.
 *
 * @param timerid  A timer.
 * Context: thread context, not the timer's own SIGEV_THREAD function;
 *          waits for a running expiry of this timer.
 * @return 0; -1 with errno EINVAL (bad timer id).
 */
CW_API int cw_timer_delete(timer_t timerid);

/**
 * Seconds since the epoch on clockwork's REALTIME (time(2)).
 * @param tloc  Also receives the value; may be NULL.
 * Context: any thread.
 * @return The time; (time_t)-1 with errno EAGAIN if the default system
 *         could not be created.
 */
CW_API time_t cw_time(time_t *tloc);

/**
 * clockwork's REALTIME in seconds and microseconds (gettimeofday(2)).
 * @param tv  Receives the time; may be NULL.
 * @param tz  Obsolete; if not NULL its two int fields are set to 0 (glibc).
 * Context: any thread.
 * @return 0; -1 with errno EAGAIN if the default system could not be created.
 */
CW_API int cw_gettimeofday(struct timeval *tv, void *tz);

/**
 * Set clockwork's REALTIME (settimeofday(2)), as cw_clock_settime().
 * @param tv  New time; NULL sets nothing.
 * @param tz  Must be NULL: clockwork keeps no time zone.
 * Context: thread context.
 * @return 0; -1 with errno EINVAL (@p tz not NULL, tv_sec < 0, tv_usec
 *         outside [0, 1e6)).
 */
CW_API int cw_settimeofday(const struct timeval *tv, const struct timezone *tz);

/**
 * Sleep for whole seconds (sleep(3)).
 * @param seconds  Duration.
 * Context: as cw_clock_nanosleep().
 * @return 0, or the whole seconds left (truncated, errno EINTR, as glibc) when a signal handler
 *         interrupted it.
 */
CW_API unsigned int cw_sleep(unsigned int seconds);

/**
 * Sleep for microseconds (usleep(3)).
 * @param usec  Duration (values of 1e6 and more are accepted, as glibc does).
 * Context: as cw_clock_nanosleep().
 * @return 0; -1 with errno EINTR (a signal handler ran).
 */
CW_API int cw_usleep(useconds_t usec);

/**
 * Deliver SIGALRM in @p seconds (alarm(2)); 0 cancels. One alarm per
 * process, shared with ITIMER_REAL.
 * @param seconds  Delay.
 * Context: thread context.
 * @return Seconds left of the previous alarm (rounded as Linux: up when
 *         under one second, to nearest otherwise), or 0.
 */
CW_API unsigned int cw_alarm(unsigned int seconds);

/**
 * Set an interval timer (setitimer(2)). ITIMER_REAL runs on clockwork
 * (SIGALRM to the process, with si_code SI_KERNEL); ITIMER_VIRTUAL and
 * ITIMER_PROF measure CPU time and go to the host.
 * @param which      ITIMER_REAL, ITIMER_VIRTUAL or ITIMER_PROF.
 * @param new_value  New setting; it_value zero (or NULL) disarms.
 * @param old_value  Receives the previous setting; may be NULL.
 * Context: thread context.
 * @return 0; -1 with errno EINVAL (other @p which, tv_sec < 0 or tv_usec
 *         outside [0, 1e6)). A NULL @p new_value disarms, as Linux does.
 */
CW_API int cw_setitimer(int which, const struct itimerval *new_value, struct itimerval *old_value);

/**
 * Read an interval timer (getitimer(2)).
 * @param which       ITIMER_REAL, ITIMER_VIRTUAL or ITIMER_PROF.
 * @param curr_value  Receives the setting.
 * Context: thread context.
 * @return 0; -1 with errno EINVAL (other @p which), EFAULT (@p curr_value NULL).
 */
CW_API int cw_getitimer(int which, struct itimerval *curr_value);

/**
 * Processor time used by the process (clock(3)); passed to the host.
 * Context: any thread.
 * @return The time in CLOCKS_PER_SEC units, or (clock_t)-1.
 */
CW_API clock_t cw_clock(void);

/**
 * The exec family (execve(2), exec(3)) with ITIMER_REAL kept across it, as
 * Linux keeps it: just before the exec an armed ITIMER_REAL (or alarm) of
 * this process moves, with its time left and interval, to the host's
 * ITIMER_REAL, which the kernel keeps for the new image; the new image's
 * first getitimer(), setitimer() or alarm() through this API takes it back
 * into clockwork, and a new image that never asks (or runs without
 * clockwork) gets its SIGALRM from the host, on time. If the exec fails the
 * itimer is back in clockwork with the time it has left. Each function has
 * the prototype, arguments and errors of the one it wraps (execle takes
 * envp after the NULL that ends the arguments).
 * @param path  Program to run.
 * @param argv  Its arguments, ending with NULL.
 * @param envp  Its environment, ending with NULL.
 * Context: any thread; in a fork or vfork child, or with no ITIMER_REAL
 *          armed, as async-signal-safe as the wrapped call (they only read
 *          two atomics then). With one armed they wait at most 100 ms for
 *          the layer's lock; exec from a signal handler that interrupted
 *          this API's itimer or timer calls goes ahead without the itimer.
 * @return Only on failure: -1 with the wrapped call's errno (the execl
 *         family also ENOMEM if a long argument list cannot be mapped).
 */
CW_API int cw_execve(const char *path, char *const argv[], char *const envp[]);

/**
 * execv(3) keeping ITIMER_REAL; see cw_execve().
 * Context: as cw_execve().
 * @return Only on failure: -1 with errno.
 */
CW_API int cw_execv(const char *path, char *const argv[]);

/**
 * execvp(3) keeping ITIMER_REAL; see cw_execve().
 * Context: as cw_execve().
 * @return Only on failure: -1 with errno.
 */
CW_API int cw_execvp(const char *file, char *const argv[]);

/**
 * execvpe(3) (GNU) keeping ITIMER_REAL; see cw_execve().
 * Context: as cw_execve().
 * @return Only on failure: -1 with errno.
 */
CW_API int cw_execvpe(const char *file, char *const argv[], char *const envp[]);

/**
 * fexecve(3) keeping ITIMER_REAL; see cw_execve().
 * Context: as cw_execve().
 * @return Only on failure: -1 with errno.
 */
CW_API int cw_fexecve(int fd, char *const argv[], char *const envp[]);

/**
 * execl(3) keeping ITIMER_REAL; see cw_execve().
 * Context: as cw_execve().
 * @return Only on failure: -1 with errno.
 */
CW_API int cw_execl(const char *path, const char *arg, ...);

/**
 * execlp(3) keeping ITIMER_REAL; see cw_execve().
 * Context: as cw_execve().
 * @return Only on failure: -1 with errno.
 */
CW_API int cw_execlp(const char *file, const char *arg, ...);

/**
 * execle(3) (envp follows the NULL) keeping ITIMER_REAL; see cw_execve().
 * Context: as cw_execve().
 * @return Only on failure: -1 with errno.
 */
CW_API int cw_execle(const char *path, const char *arg, ...);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_POSIX_H */
