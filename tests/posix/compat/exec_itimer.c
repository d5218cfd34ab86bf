/* SPDX-License-Identifier: MIT */
/*
 * ITIMER_REAL and alarm() across exec, as POSIX ("the time left until an
 * alarm clock signal shall be preserved") and Linux (getitimer(2):
 * "preserved across execve(2)") have them. The program execs itself from
 * one phase to the next (argv: --phase N T0 [PEER]), with SIGALRM blocked
 * throughout (the mask survives exec) and each SIGALRM taken with
 * sigtimedwait (never an unbounded wait):
 *   1  setitimer 1 s; a fork child and a vfork child exec (their new
 *      images have no itimer, the parent's stays armed); execl -> 2
 *   2  getitimer shows the itimer in (0, 1 s]; its SIGALRM arrives 1 s
 *      after phase 1 armed it, si_code SI_KERNEL; alarm(3); execv -> 3
 *   3  alarm(0) returns 2 or 3 (the alarm survived); setitimer 1 s every
 *      1 s; execl and execvp of missing files fail with ENOENT and leave it
 *      armed (value in (0, 1 s], interval 1 s); its SIGALRM comes; execle -> 4
 *   4  the periodic itimer continues: getitimer interval 1 s, value in
 *      (0, 1 s], a SIGALRM comes; a 300 ms one-shot; execvp -> 5 (the PEER
 *      program if given: the native build runs the drop-in one and back)
 *   5  no itimer call first: the SIGALRM comes anyway (SI_KERNEL), then
 *      getitimer reads 0.
 * Built natively (glibc + Linux fix the expectations) and with -include
 * clockwork/posix_compat.h; no feature macro, no clockwork name. Each step
 * prints what it saw; the exit status is the number of the failed phase
 * (0: all held).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL

extern char **environ;

static char self[4096];
static char peer[4096];

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long tv_ns(const struct timeval *tv)
{
	return (long long)tv->tv_sec * 1000000000LL + (long long)tv->tv_usec * 1000LL;
}

static int set_real(long long value_ms, long long interval_ms)
{
	struct itimerval v;

	memset(&v, 0, sizeof(v));
	v.it_value.tv_sec = (time_t)(value_ms / 1000);
	v.it_value.tv_usec = (suseconds_t)(value_ms % 1000 * 1000);
	v.it_interval.tv_sec = (time_t)(interval_ms / 1000);
	v.it_interval.tv_usec = (suseconds_t)(interval_ms % 1000 * 1000);
	return setitimer(ITIMER_REAL, &v, NULL);
}

/* Wait at most @limit_ms for SIGALRM (blocked). @return its si_code, or -1000 if none came. */
static int take_alrm(int limit_ms)
{
	sigset_t set;
	siginfo_t info;
	struct timespec ts = { limit_ms / 1000, (long)(limit_ms % 1000) * 1000000L };

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	if (sigtimedwait(&set, &info, &ts) != SIGALRM) {
		return -1000;
	}
	return info.si_code;
}

static void get_real(struct itimerval *cur, const char *what)
{
	memset(cur, 0, sizeof(*cur));
	getitimer(ITIMER_REAL, cur);
	printf("%s: getitimer %ld.%06ld left, interval %ld.%06ld\n", what,
	       (long)cur->it_value.tv_sec, (long)cur->it_value.tv_usec,
	       (long)cur->it_interval.tv_sec, (long)cur->it_interval.tv_usec);
}

static int in_range(const struct timeval *tv, long long lo_excl_ns, long long hi_ns)
{
	long long ns = tv_ns(tv);

	return ns > lo_excl_ns && ns <= hi_ns;
}

static void phase_args(char *buf_phase, char *buf_t0, int phase, long long t0)
{
	snprintf(buf_phase, 16, "%d", phase);
	snprintf(buf_t0, 32, "%lld", t0);
}

/* vfork, exec self as a fork child. @return its exit status, or -1. */
static int vfork_exec(void)
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		execl(self, self, "--phase", "fork-child", "0", (char *)NULL);
		_exit(99);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		return -1;
	}
	return WEXITSTATUS(status);
}

static int phase1(void)
{
	struct itimerval cur;
	char ph[16], t0s[32];
	long long t0;
	int status = -1;
	pid_t pid;

	get_real(&cur, "1 before");
	if (tv_ns(&cur.it_value) != 0) {
		return 1;
	}
	t0 = mono_ns();
	if (set_real(1000, 0)) {
		return 1;
	}
	/* fork + exec: the child's new image has no itimer; the parent keeps its own. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl(self, self, "--phase", "fork-child", "0", (char *)NULL);
		_exit(99);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		return 1;
	}
	printf("1 fork child (exec'd) exit status %d\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	get_real(&cur, "1 parent after the child's exec");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    !in_range(&cur.it_value, 0, 1000 * MS)) {
		return 1;
	}
	/* vfork + exec: the child shares the parent's memory, not its itimer. */
	status = vfork_exec();
	printf("1 vfork child (exec'd) exit status %d\n", status);
	get_real(&cur, "1 parent after the vfork child's exec");
	if (status != 0 || !in_range(&cur.it_value, 0, 1000 * MS)) {
		return 1;
	}
	phase_args(ph, t0s, 2, t0);
	fflush(stdout);
	execl(self, self, "--phase", ph, t0s, peer, (char *)NULL);
	printf("1 execl: %s\n", strerror(errno));
	return 1;
}

static int fork_child(void)
{
	struct itimerval cur;
	sigset_t pend;

	get_real(&cur, "fork child's new image");
	sigpending(&pend);
	return tv_ns(&cur.it_value) != 0 || tv_ns(&cur.it_interval) != 0 ||
	       sigismember(&pend, SIGALRM) == 1;
}

static int phase2(long long t0)
{
	struct itimerval cur;
	char ph[16], t0s[32];
	char *argv[8];
	long long took;
	unsigned left;
	int code;

	get_real(&cur, "2 new image");
	if (!in_range(&cur.it_value, 0, 1000 * MS) || tv_ns(&cur.it_interval) != 0) {
		return 2;
	}
	code = take_alrm(5000);
	took = mono_ns() - t0;
	printf("2 SIGALRM si_code %d (SI_KERNEL %d) %lld ms after the old image armed it\n", code,
	       SI_KERNEL, took / MS);
	/* Never early (5 ms for the clocks of two images); late only by load. */
	if (code != SI_KERNEL || took < 995 * MS || took > 4000 * MS) {
		return 2;
	}
	left = alarm(3);
	printf("2 alarm(3) returns %u\n", left);
	if (left != 0) {
		return 2;
	}
	phase_args(ph, t0s, 3, mono_ns());
	argv[0] = self;
	argv[1] = "--phase";
	argv[2] = ph;
	argv[3] = t0s;
	argv[4] = peer;
	argv[5] = NULL;
	fflush(stdout);
	execv(self, argv);
	printf("2 execv: %s\n", strerror(errno));
	return 2;
}

static int phase3(void)
{
	struct itimerval cur;
	char ph[16], t0s[32];
	char *argv[] = { "cw-exec-itimer-no-such-program", NULL };
	unsigned left;
	int ret, err, code;

	left = alarm(0);
	printf("3 alarm(0) returns %u (the old image's alarm(3))\n", left);
	if (left != 2 && left != 3) {
		return 3;
	}
	get_real(&cur, "3 after alarm(0)");
	if (tv_ns(&cur.it_value) != 0) {
		return 3;
	}
	if (set_real(1000, 1000)) {
		return 3;
	}
	ret = execl("/nonexistent-cw-exec-itimer/prog", "prog", (char *)NULL);
	err = errno;
	printf("3 execl of a missing file: %d %s\n", ret, strerror(err));
	if (ret != -1 || err != ENOENT) {
		return 3;
	}
	ret = execvp(argv[0], argv);
	err = errno;
	printf("3 execvp of a missing program: %d %s\n", ret, strerror(err));
	if (ret != -1 || err != ENOENT) {
		return 3;
	}
	get_real(&cur, "3 after the failed execs");
	if (!in_range(&cur.it_value, 0, 1000 * MS) || tv_ns(&cur.it_interval) != 1000 * MS) {
		return 3;
	}
	code = take_alrm(5000);
	printf("3 SIGALRM of the itimer kept through the failed execs: si_code %d\n", code);
	if (code != SI_KERNEL) {
		return 3;
	}
	phase_args(ph, t0s, 4, mono_ns());
	fflush(stdout);
	execle(self, self, "--phase", ph, t0s, peer, (char *)NULL, environ);
	printf("3 execle: %s\n", strerror(errno));
	return 3;
}

static int phase4(void)
{
	struct itimerval cur;
	char ph[16], t0s[32];
	const char *next = peer[0] ? peer : self;
	char *argv[8];
	int code;

	get_real(&cur, "4 new image");
	if (!in_range(&cur.it_value, 0, 1000 * MS) || tv_ns(&cur.it_interval) != 1000 * MS) {
		return 4;
	}
	code = take_alrm(5000);
	printf("4 SIGALRM of the periodic itimer in the new image: si_code %d\n", code);
	if (code != SI_KERNEL) {
		return 4;
	}
	if (set_real(300, 0)) {
		return 4;
	}
	phase_args(ph, t0s, 5, mono_ns());
	argv[0] = (char *)next;
	argv[1] = "--phase";
	argv[2] = ph;
	argv[3] = t0s;
	argv[4] = NULL;
	printf("4 execvp -> %s\n", next);
	fflush(stdout);
	execvp(next, argv);
	printf("4 execvp: %s\n", strerror(errno));
	return 4;
}

static int phase5(long long t0)
{
	struct itimerval cur;
	long long took;
	int code = take_alrm(5000);

	took = mono_ns() - t0;
	printf("5 SIGALRM with no itimer call: si_code %d, %lld ms after the 300 ms itimer\n", code,
	       took / MS);
	if (code != SI_KERNEL || took < 295 * MS) {
		return 5;
	}
	get_real(&cur, "5 after it");
	if (tv_ns(&cur.it_value) != 0 || tv_ns(&cur.it_interval) != 0) {
		return 5;
	}
	return 0;
}

int main(int argc, char **argv)
{
	sigset_t set;
	ssize_t n;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		return 100;
	}
	self[n] = '\0';
	if (argc >= 5 && argv[4][0]) {
		snprintf(peer, sizeof(peer), "%s", argv[4]);
	} else if (argc == 2) {
		snprintf(peer, sizeof(peer), "%s", argv[1]);
	}
	if (argc < 4 || strcmp(argv[1], "--phase") != 0) {
		sigemptyset(&set);
		sigaddset(&set, SIGALRM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		ret = phase1();
	} else if (strcmp(argv[2], "fork-child") == 0) {
		return fork_child();
	} else {
		sigprocmask(SIG_BLOCK, NULL, &set);
		if (sigismember(&set, SIGALRM) != 1) {
			printf("phase %s: SIGALRM not blocked after exec\n", argv[2]);
			return 100;
		}
		switch (atoi(argv[2])) {
		case 2:
			ret = phase2(atoll(argv[3]));
			break;
		case 3:
			ret = phase3();
			break;
		case 4:
			ret = phase4();
			break;
		case 5:
			ret = phase5(atoll(argv[3]));
			break;
		default:
			ret = 100;
		}
	}
	printf("%s\n", ret ? "FAILED" : "all held");
	return ret;
}
