/* SPDX-License-Identifier: MIT */
/*
 * Many threads at once: each creates, arms, reads and deletes timers of
 * every notification kind in a loop while others do the same; ids of live
 * timers never collide; timer_getoverrun and timer_gettime race
 * timer_delete on the same id and only ever answer a value or EINVAL; 64
 * one-shot timers on one signal each deliver their own signal (POSIX.1-2017
 * timer_create(): "each implementation shall define a set of clocks...",
 * the timer ids are unique in the process; Linux timer_create(2)).
 */
#include "diffprog.h"

#include <stdatomic.h>

#define SIG        (SIGRTMIN + 5)
#define NR_THREADS 8
#define ROUNDS     300

static atomic_int thread_calls;
static atomic_int failures;
static atomic_int collisions;
static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER;
static timer_t live[NR_THREADS * 4];
static int nr_live;

static void on_thread(union sigval v)
{
	(void)v;
	atomic_fetch_add(&thread_calls, 1);
}

static void live_add(timer_t t)
{
	int i;

	pthread_mutex_lock(&set_lock);
	for (i = 0; i < nr_live; i++) {
		if (live[i] == t) {
			atomic_fetch_add(&collisions, 1);
		}
	}
	live[nr_live++] = t;
	pthread_mutex_unlock(&set_lock);
}

static void live_del(timer_t t)
{
	int i;

	pthread_mutex_lock(&set_lock);
	for (i = 0; i < nr_live; i++) {
		if (live[i] == t) {
			live[i] = live[--nr_live];
			break;
		}
	}
	pthread_mutex_unlock(&set_lock);
}

static void *churn_fn(void *arg)
{
	int me = (int)(intptr_t)arg, i;
	pid_t tid = my_tid();

	for (i = 0; i < ROUNDS; i++) {
		struct sigevent sev;
		struct itimerspec its, cur;
		timer_t t;

		memset(&sev, 0, sizeof(sev));
		switch ((i + me) % 4) {
		case 0:
			sev.sigev_notify = SIGEV_SIGNAL;
			sev.sigev_signo = SIG;
			break;
		case 1:
			sev.sigev_notify = SIGEV_NONE;
			break;
		case 2:
			sev.sigev_notify = SIGEV_THREAD;
			sev.sigev_notify_function = on_thread;
			break;
		default:
			sev.sigev_notify = SIGEV_THREAD_ID;
			sev.sigev_signo = SIG;
			sev._sigev_un._tid = tid;
			break;
		}
		if (timer_create(i % 3 ? CLOCK_MONOTONIC : CLOCK_REALTIME, &sev, &t) != 0) {
			atomic_fetch_add(&failures, 1);
			continue;
		}
		live_add(t);
		its = its_ns(1000 * (1 + i % 50), i % 5 == 0 ? 100000 : 0);
		if (timer_settime(t, 0, &its, NULL) != 0 || timer_gettime(t, &cur) != 0 ||
		    timer_getoverrun(t) < 0) {
			atomic_fetch_add(&failures, 1);
		}
		if (i % 7 == 0) {
			host_sleep_ms(1);
		}
		live_del(t);
		if (timer_delete(t) != 0) {
			atomic_fetch_add(&failures, 1);
		}
	}
	return NULL;
}

/* Readers of one id while it is deleted and created again. */
static atomic_int stop_readers;
static timer_t _Atomic shared_id;
static atomic_int bad_answers;

static void *reader_fn(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_readers)) {
		timer_t t = atomic_load(&shared_id);
		struct itimerspec cur;
		int rc;

		errno = 0;
		rc = timer_getoverrun(t);
		if (rc < -1 || (rc == -1 && errno != EINVAL)) {
			atomic_fetch_add(&bad_answers, 1);
		}
		errno = 0;
		rc = timer_gettime(t, &cur);
		if (rc != 0 && !(rc == -1 && errno == EINVAL)) {
			atomic_fetch_add(&bad_answers, 1);
		}
	}
	return NULL;
}

static void delete_races_readers(void)
{
	pthread_t readers[2];
	struct sigevent sev;
	struct itimerspec its = its_ns(1000, 1000);
	int i, fails = 0;
	timer_t t;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIG;
	timer_create(CLOCK_MONOTONIC, &sev, &t);
	atomic_store(&shared_id, t);
	for (i = 0; i < 2; i++) {
		pthread_create(&readers[i], NULL, reader_fn, NULL);
	}
	for (i = 0; i < 2000; i++) {
		fails += timer_settime(t, 0, &its, NULL) != 0;
		fails += timer_delete(t) != 0;
		fails += timer_create(CLOCK_MONOTONIC, &sev, &t) != 0;
		atomic_store(&shared_id, t);
	}
	atomic_store(&stop_readers, 1);
	for (i = 0; i < 2; i++) {
		pthread_join(readers[i], NULL);
	}
	timer_delete(t);
	check("2000 delete/create cycles under getoverrun/gettime readers: every call ok",
	      fails == 0);
	check("  readers only ever got a value or EINVAL", atomic_load(&bad_answers) == 0);
}

/* 64 one-shot timers on one real-time signal: 64 signals, one per timer. */
static void many_on_one_signal(void)
{
	enum {
		N = 64
	};
	timer_t ts[N];
	bool seen[N];
	int i, got = 0, dup = 0, unknown = 0, fails = 0;
	siginfo_t info;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < N; i++) {
		struct sigevent sev;
		struct itimerspec its = its_ns(20 * NSEC_PER_MSEC, 0);

		memset(&sev, 0, sizeof(sev));
		sev.sigev_notify = SIGEV_SIGNAL;
		sev.sigev_signo = SIG;
		sev.sigev_value.sival_int = i;
		fails += timer_create(CLOCK_MONOTONIC, &sev, &ts[i]) != 0;
		fails += timer_settime(ts[i], 0, &its, NULL) != 0;
	}
	host_sleep_ms(200);
	while (wait_sig_ms(SIG, &info, 100) == SIG) {
		int v = info.si_value.sival_int;

		if (v < 0 || v >= N) {
			unknown++;
			continue;
		}
		dup += seen[v];
		seen[v] = true;
		got++;
	}
	for (i = 0; i < N; i++) {
		fails += timer_delete(ts[i]) != 0;
	}
	check("64 timers on one signal: every call ok", fails == 0);
	say("  signals taken: %d, duplicates: %d, unknown values: %d", got, dup, unknown);
}

int main(void)
{
	pthread_t th[NR_THREADS];
	int i;

	transcript_start("threads");
	sig_block(SIG, true);
	for (i = 0; i < NR_THREADS; i++) {
		pthread_create(&th[i], NULL, churn_fn, (void *)(intptr_t)i);
	}
	for (i = 0; i < NR_THREADS; i++) {
		pthread_join(th[i], NULL);
	}
	check("8 threads x 300 create/settime/gettime/getoverrun/delete of every kind: every call ok",
	      atomic_load(&failures) == 0);
	check("  no two live timers had the same id", atomic_load(&collisions) == 0);
	host_sleep_ms(100);
	drain_sig(SIG);
	delete_races_readers();
	host_sleep_ms(50);
	drain_sig(SIG);
	many_on_one_signal();
	return 0;
}
