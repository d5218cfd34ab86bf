/* SPDX-License-Identifier: MIT */
/*
 * Source compatibility: the standard POSIX clock, timer and legacy time
 * functions become clockwork's. Compile an unchanged program with
 *
 *     cc -include clockwork/posix_compat.h prog.c -lclockwork -lpthread
 *
 * and clock_gettime(), clock_nanosleep(), timer_create() and the others
 * call cw_clock_gettime(), cw_clock_nanosleep(), cw_timer_create(), ...
 * (clockwork/posix.h documents each).
 *
 * Nothing but macros. Included first (-include), this header includes no
 * system header and defines no feature macro, so the program's own feature
 * macros (_GNU_SOURCE, _POSIX_C_SOURCE, none at all) select what its
 * headers declare exactly as without it: signal() keeps its BSD or System V
 * semantics, BSD and GNU declarations stay. The macros rename the
 * functions before the program's headers are read, so the C library's own
 * prototypes declare the cw_ functions (same types, same attributes).
 * Included after system headers, it includes clockwork/posix.h for the
 * declarations instead (the feature selection is over by then).
 *
 * The distinctive names are object-like macros (function pointers such as
 * &clock_gettime are redirected too); the short common words time, clock,
 * sleep, usleep and alarm are function-like macros, so variables and
 * struct members that share those names are left alone (taking their
 * address gives the host function). The exec family is redirected too, so
 * ITIMER_REAL and alarm survive an exec as on Linux. Define
 * CW_POSIX_COMPAT_NO_LEGACY to redirect only the clock_* and timer_*
 * functions and nanosleep.
 */
#ifndef CLOCKWORK_INCLUDE_POSIX_COMPAT_H
#define CLOCKWORK_INCLUDE_POSIX_COMPAT_H

/* <features.h> already ran: the program's headers came first. */
#if defined(_FEATURES_H) || defined(_TIME_H) || defined(_SYS_TIME_H)
#include <clockwork/posix.h>
#endif

#undef clock_gettime
#define clock_gettime cw_clock_gettime
#undef clock_getres
#define clock_getres cw_clock_getres
#undef clock_settime
#define clock_settime cw_clock_settime
#undef clock_nanosleep
#define clock_nanosleep cw_clock_nanosleep
#undef clock_adjtime
#define clock_adjtime cw_clock_adjtime
#undef nanosleep
#define nanosleep cw_nanosleep
#undef timer_create
#define timer_create cw_timer_create
#undef timer_settime
#define timer_settime cw_timer_settime
#undef timer_gettime
#define timer_gettime cw_timer_gettime
#undef timer_getoverrun
#define timer_getoverrun cw_timer_getoverrun
#undef timer_delete
#define timer_delete cw_timer_delete

#ifndef CW_POSIX_COMPAT_NO_LEGACY
#undef gettimeofday
#define gettimeofday cw_gettimeofday
#undef settimeofday
#define settimeofday cw_settimeofday
#undef adjtimex
#define adjtimex cw_posix_adjtimex
#undef ntp_adjtime
#define ntp_adjtime cw_ntp_adjtime
#undef setitimer
#define setitimer cw_setitimer
#undef getitimer
#define getitimer cw_getitimer
#undef time
#define time(tloc) cw_time(tloc)
#undef clock
#define clock(...) cw_clock(__VA_ARGS__)
#undef sleep
#define sleep(seconds) cw_sleep(seconds)
#undef usleep
#define usleep(usec) cw_usleep(usec)
#undef alarm
#define alarm(seconds) cw_alarm(seconds)
/* The exec family keeps ITIMER_REAL/alarm across exec (clockwork/posix.h). */
#undef execve
#define execve cw_execve
#undef execv
#define execv cw_execv
#undef execvp
#define execvp cw_execvp
#undef execvpe
#define execvpe cw_execvpe
#undef fexecve
#define fexecve cw_fexecve
#undef execl
#define execl cw_execl
#undef execlp
#define execlp cw_execlp
#undef execle
#define execle cw_execle
#endif

#endif /* CLOCKWORK_INCLUDE_POSIX_COMPAT_H */
