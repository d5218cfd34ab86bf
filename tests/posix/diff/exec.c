/* SPDX-License-Identifier: MIT */
/*
 * exec: the new image has none of the old image's POSIX timers (POSIX.1-2017
 * exec: "per-process timers ... shall be deleted"), keeps the signal mask,
 * and keeps the time left of an alarm or ITIMER_REAL (exec: "the time left
 * until an alarm clock signal shall be preserved"; Linux getitimer(2):
 * "interval timers are preserved across execve(2)"). Whether a timer signal
 * queued before the exec survives it is Linux's answer (6.13+ drops it with
 * the timer). MONOTONIC does not go back across the exec.
 */
#include "diffprog.h"

#include <sys/time.h>

#define SIG_Q (SIGRTMIN + 3)
#define SIG_T (SIGRTMIN + 4)

static int after_exec(int64_t mono_before)
{
	struct itimerval cur;
	sigset_t mask;
	siginfo_t info;
	timer_t t;
	struct sigevent sev;
	struct itimerspec its = its_ns(20 * NSEC_PER_MSEC, 0);

	setvbuf(stdout, NULL, _IOLBF, 0);
	say("new image: MONOTONIC not behind the old image's last read: %s",
	    mono_ns() >= mono_before ? "yes" : "no");
	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	check("new image: signal mask kept (SIG_Q, SIG_T, SIGALRM blocked)",
	      sigismember(&mask, SIG_Q) == 1 && sigismember(&mask, SIG_T) == 1 &&
		      sigismember(&mask, SIGALRM) == 1);
	check("new image: a timer signal queued before exec is pending", sig_is_pending(SIG_Q));
	getitimer(ITIMER_REAL, &cur);
	check("new image: getitimer REAL shows the old image's itimer (in (0, 1 s])",
	      (cur.it_value.tv_sec > 0 || cur.it_value.tv_usec > 0) && cur.it_value.tv_sec <= 1);
	host_sleep_ms(600);
	check("new image: the old image's periodic timer never fires here",
	      wait_sig_ms(SIG_T, &info, 0) == 0);
	check("new image: the old image's 400 ms itimer sent SIGALRM", sig_is_pending(SIGALRM));
	say("new image: alarm(0): %u", alarm(0));
	drain_sig(SIG_Q);
	drain_sig(SIGALRM);

	/* The new image's own timers work. */
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIG_T;
	SAY_RC("new image: timer_create", timer_create(CLOCK_MONOTONIC, &sev, &t));
	timer_settime(t, 0, &its, NULL);
	say("new image: its signal: %s", signame(wait_sig_ms(SIG_T, &info, 2000)));
	SAY_RC("new image: timer_delete", timer_delete(t));
	return 0;
}

int main(int argc, char **argv)
{
	struct sigevent sev;
	struct itimerspec its;
	struct itimerval itv = { { 0, 0 }, { 0, 400000 } };
	timer_t tq, tt;
	char arg[32];

	if (argc == 3 && strcmp(argv[1], "--after-exec") == 0) {
		return after_exec(strtoll(argv[2], NULL, 10));
	}
	transcript_start("exec");
	sig_block(SIG_Q, true);
	sig_block(SIG_T, true);
	sig_block(SIGALRM, true);

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIG_Q;
	SAY_RC("old image: timer_create (to queue a signal)",
	       timer_create(CLOCK_MONOTONIC, &sev, &tq));
	its = its_ns(10 * NSEC_PER_MSEC, 0);
	timer_settime(tq, 0, &its, NULL);
	host_sleep_ms(100);
	check("old image: its signal is pending", sig_is_pending(SIG_Q));
	sev.sigev_signo = SIG_T;
	SAY_RC("old image: timer_create periodic 200 ms", timer_create(CLOCK_MONOTONIC, &sev, &tt));
	its = its_ns(200 * NSEC_PER_MSEC, 200 * NSEC_PER_MSEC);
	timer_settime(tt, 0, &its, NULL);
	SAY_RC("old image: setitimer REAL 400 ms (SIGALRM blocked)",
	       setitimer(ITIMER_REAL, &itv, NULL));
	snprintf(arg, sizeof(arg), "%lld", (long long)mono_ns());
	fflush(stdout);
	execl("/proc/self/exe", argv[0], "--after-exec", arg, (char *)NULL);
	say("execl: -1 %s", errname(errno));
	return 1;
}
