/* SPDX-License-Identifier: MIT */
/*
 * Feature-macro neutrality: the drop-in header must not change what the
 * program's own headers declare. Built in several variants (FEAT_* chosen
 * by the build, never a feature macro on the command line), each defines
 * its feature macros itself, as a program does, and prints what glibc's
 * headers made of them, then checks the semantics of signal() (BSD: the
 * handler stays; System V, which glibc gives without _DEFAULT_SOURCE: it is
 * reset to SIG_DFL by the delivery).
 */
#if defined(FEAT_GNU)
#define _GNU_SOURCE
#elif defined(FEAT_XOPEN)
#define _XOPEN_SOURCE 700
#elif defined(FEAT_POSIX93)
#define _POSIX_C_SOURCE 199309L
#elif defined(FEAT_DEFAULT)
#define _DEFAULT_SOURCE
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define SAYDEF(m, on) printf("%-24s %s\n", #m ":", (on) ? "defined" : "undefined")

static volatile sig_atomic_t hits;

static void handler(int sig)
{
	(void)sig;
	hits++;
}

int main(void)
{
	void (*prev)(int);

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# features\n");
#ifdef _POSIX_C_SOURCE
	printf("_POSIX_C_SOURCE:         %ldL\n", (long)_POSIX_C_SOURCE);
#else
	printf("_POSIX_C_SOURCE:         undefined\n");
#endif
#ifdef _XOPEN_SOURCE
	printf("_XOPEN_SOURCE:           %d\n", (int)_XOPEN_SOURCE);
#else
	printf("_XOPEN_SOURCE:           undefined\n");
#endif
#ifdef _GNU_SOURCE
	SAYDEF(_GNU_SOURCE, 1);
#else
	SAYDEF(_GNU_SOURCE, 0);
#endif
#ifdef _DEFAULT_SOURCE
	SAYDEF(_DEFAULT_SOURCE, 1);
#else
	SAYDEF(_DEFAULT_SOURCE, 0);
#endif
#ifdef __USE_POSIX199309
	SAYDEF(__USE_POSIX199309, 1);
#else
	SAYDEF(__USE_POSIX199309, 0);
#endif
#ifdef __USE_XOPEN2K8
	SAYDEF(__USE_XOPEN2K8, 1);
#else
	SAYDEF(__USE_XOPEN2K8, 0);
#endif
#ifdef __USE_XOPEN_EXTENDED
	SAYDEF(__USE_XOPEN_EXTENDED, 1);
#else
	SAYDEF(__USE_XOPEN_EXTENDED, 0);
#endif
#ifdef __USE_MISC
	SAYDEF(__USE_MISC, 1);
#else
	SAYDEF(__USE_MISC, 0);
#endif
#ifdef __USE_GNU
	SAYDEF(__USE_GNU, 1);
#else
	SAYDEF(__USE_GNU, 0);
#endif
	/* Declarations that come and go with them. */
#ifdef timersub
	SAYDEF(timersub, 1);
#else
	SAYDEF(timersub, 0);
#endif
#ifdef SA_RESTART
	SAYDEF(SA_RESTART, 1);
#else
	SAYDEF(SA_RESTART, 0);
#endif
#ifdef TIMER_ABSTIME
	SAYDEF(TIMER_ABSTIME, 1);
#else
	SAYDEF(TIMER_ABSTIME, 0);
#endif
#ifdef CLOCK_TAI
	SAYDEF(CLOCK_TAI, 1);
#else
	SAYDEF(CLOCK_TAI, 0);
#endif
#ifdef NSIG
	SAYDEF(NSIG, 1);
#else
	SAYDEF(NSIG, 0);
#endif
#ifdef sigev_notify_thread_id
	SAYDEF(sigev_notify_thread_id, 1);
#else
	SAYDEF(sigev_notify_thread_id, 0);
#endif

	/* signal(): does the handler survive its first delivery? */
	signal(SIGUSR1, handler);
	raise(SIGUSR1);
	prev = signal(SIGUSR1, handler);
	printf("signal() handler after one delivery: %s\n", prev == handler
								    ? "still installed (BSD)"
							    : prev == SIG_DFL ? "reset (System V)"
									      : "other");
	printf("handler ran: %d\n", (int)hits);
	return 0;
}
