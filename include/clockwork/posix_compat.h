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
 * The system headers that declare the originals are included first, so
 * their declarations stay intact and later #includes of them are no-ops;
 * then the names are redefined (#undef first: some C libraries already
 * map gettimeofday and friends to 64-bit-time variants with macros). The distinctive names are
 * object-like macros (function pointers such as &clock_gettime are redirected too); the short
 * common words time, clock, sleep, usleep and alarm are function-like macros, so variables and
 * struct members that share those names are left alone (taking their address gives the host
 * function). Define CW_POSIX_COMPAT_NO_LEGACY to redirect only the clock_* and timer_* functions
 * and nanosleep.
 */
#ifndef CLOCKWORK_INCLUDE_POSIX_COMPAT_H
#define CLOCKWORK_INCLUDE_POSIX_COMPAT_H

/* posix.h includes <time.h>, <signal.h>, <sys/time.h> and <unistd.h> first. */
#include <clockwork/posix.h>

#undef clock_gettime
#define clock_gettime cw_clock_gettime
#undef clock_getres
#define clock_getres cw_clock_getres
#undef clock_settime
#define clock_settime cw_clock_settime
#undef clock_nanosleep
#define clock_nanosleep cw_clock_nanosleep
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
#undef setitimer
#define setitimer cw_setitimer
#undef getitimer
#define getitimer cw_getitimer
#undef time
#define time(tloc) cw_time(tloc)
#undef clock
#define clock() cw_clock()
#undef sleep
#define sleep(seconds) cw_sleep(seconds)
#undef usleep
#define usleep(usec) cw_usleep(usec)
#undef alarm
#define alarm(seconds) cw_alarm(seconds)
#endif

#endif /* CLOCKWORK_INCLUDE_POSIX_COMPAT_H */
