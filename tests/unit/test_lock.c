/* SPDX-License-Identifier: MIT */
/*
 * The core spinlock's ownership checks. In debug builds
 * (CW_CONFIG_DEBUG_CHECKS) a lock records its holder's thread and the
 * clockwork CPU that thread last ran as, and cw_lockdep_assert_held() (the
 * first check of every _locked function) aborts unless the calling thread
 * holds the lock, naming the owner. The failing cases run in a forked child
 * (with an alarm, so none can hang) whose stderr the parent reads. In
 * release builds the lock is one word and the check compiles away.
 * One-thread locks (the sim port's base locks) answer as SMP locks do, and
 * a lock taken twice by one thread aborts instead of hanging.
 */
#include "core/lock.h"

#include <clockwork/port.h>

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

/* Run @fn in a forked child (10 s alarm); its stderr into @err. @return its wait status. */
static int run_child(void (*fn)(void), char *err, size_t len)
{
	int fds[2], status = 0;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		alarm(10);
		fn();
		_exit(5);
	}
	close(fds[1]);
	while (got + 1 < len && (n = read(fds[0], err + got, len - 1 - got)) > 0) {
		got += (size_t)n;
	}
	err[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

#if CW_CONFIG_DEBUG_CHECKS

/** A thread that takes a lock as clockwork CPU 3 and holds it until told. */
struct holder {
	struct cw_spinlock *lock;
	atomic_int state; /* 0 starting, 1 holding, 2 release */
};

static void *holder_main(void *arg)
{
	struct holder *h = arg;

	cw__lock_note_cpu(3);
	cw_spin_lock(h->lock);
	atomic_store(&h->state, 1);
	while (atomic_load(&h->state) != 2) {
		usleep(1000);
	}
	cw_spin_unlock(h->lock);
	return NULL;
}

/* Child: another thread holds the lock; this thread (CPU0) asserts it. Must abort. */
static void child_other_thread_holds(void)
{
	static struct cw_spinlock lock;
	struct holder h = { .lock = &lock };
	pthread_t thread;

	cw__lock_note_cpu(0);
	if (pthread_create(&thread, NULL, holder_main, &h)) {
		_exit(3);
	}
	while (atomic_load(&h.state) != 1) {
		usleep(1000);
	}
	cw_lockdep_assert_held(&lock);
	_exit(0);
}

/* Child: the holder asserts its own lock, also after another thread held it. Must exit 0. */
static void child_holder_asserts(void)
{
	static struct cw_spinlock lock;
	struct holder h = { .lock = &lock };
	pthread_t thread;

	if (pthread_create(&thread, NULL, holder_main, &h)) {
		_exit(3);
	}
	while (atomic_load(&h.state) != 1) {
		usleep(1000);
	}
	atomic_store(&h.state, 2);
	pthread_join(thread, NULL);
	cw_spin_lock(&lock);
	cw_lockdep_assert_held(&lock);
	cw_spin_unlock(&lock);
	if (!cw_spin_trylock(&lock)) {
		_exit(4);
	}
	cw_lockdep_assert_held(&lock);
	cw_spin_unlock(&lock);
	_exit(0);
}

/* Child: nobody holds the lock. Must abort. */
static void child_not_held(void)
{
	static struct cw_spinlock lock;

	cw_spin_lock(&lock);
	cw_spin_unlock(&lock);
	cw_lockdep_assert_held(&lock);
	_exit(0);
}

static void test_lockdep_assert_held_by_another_thread_aborts_naming_the_owner(void **state)
{
	char err[1024];
	int st;

	(void)state;
	st = run_child(child_other_thread_holds, err, sizeof(err));
	print_message("child: %s", err);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
	assert_non_null(strstr(err, "clockwork: lock &lock ("));
	assert_non_null(strstr(err, "not held by this thread"));
	assert_non_null(strstr(err, "test_lock.c:"));
	assert_non_null(strstr(err, "(last ran as CPU0); owner thread 0x"));
	assert_non_null(strstr(err, "(last ran as CPU3)"));
}

static void test_lockdep_assert_held_passes_for_the_holder(void **state)
{
	char err[1024];
	int st;

	(void)state;
	st = run_child(child_holder_asserts, err, sizeof(err));
	assert_string_equal(err, "");
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_lockdep_assert_held_on_a_free_lock_aborts(void **state)
{
	char err[1024];
	int st;

	(void)state;
	st = run_child(child_not_held, err, sizeof(err));
	print_message("child: %s", err);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
	assert_non_null(strstr(err, "not held at"));
	assert_non_null(strstr(err, "it has no owner"));
}

#else /* !CW_CONFIG_DEBUG_CHECKS */

/* Release builds: the lock stays one word and the check costs nothing (no owner to read). */
static void test_release_lock_is_one_word_and_the_check_compiles_away(void **state)
{
	struct cw_spinlock lock = { 0 };

	(void)state;
	print_message("release build: struct cw_spinlock is %zu bytes; owner checks run in debug "
		      "builds (asan, tsan presets)\n",
		      sizeof(lock));
	assert_int_equal(sizeof(lock), sizeof(atomic_uint));
	/* Compiled away: asserting a free lock neither aborts nor touches it. */
	cw_lockdep_assert_held(&lock);
	assert_false(cw_spin_is_locked(&lock));
}

#endif

/*
 * One-thread locks (cw_spin_init(l, true), the sim port's base locks): a
 * plain load and store, the same answers as an SMP lock, every build.
 */
static void test_one_thread_lock_takes_releases_and_fails_trylock_while_held(void **state)
{
	struct cw_spinlock one, smp;

	(void)state;
	cw_spin_init(&one, true);
	cw_spin_init(&smp, false);
	for (int round = 0; round < 3; round++) {
		assert_false(cw_spin_is_locked(&one));
		cw_spin_lock(&one);
		assert_true(cw_spin_is_locked(&one));
		cw_lockdep_assert_held(&one);
		assert_false(cw_spin_trylock(&one));
		cw_spin_unlock(&one);
		assert_false(cw_spin_is_locked(&one));
		assert_true(cw_spin_trylock(&one));
		assert_true(cw_spin_is_locked(&one));
		cw_spin_unlock(&one);
		/* Still a one-thread lock after every release. */
		assert_int_equal(atomic_load(&one.locked), CW__SPIN_ONE_THREAD);
	}
	/* An SMP lock from cw_spin_init(false) is the zeroed lock. */
	assert_int_equal(atomic_load(&smp.locked), 0u);
	cw_spin_lock(&smp);
	assert_true(cw_spin_is_locked(&smp));
	assert_false(cw_spin_trylock(&smp));
	cw_spin_unlock(&smp);
	assert_int_equal(atomic_load(&smp.locked), 0u);
	/* The tick's brief and patient tries: one plain try, the mode kept. */
	assert_true(cw_spin_lock_brief(&one));
	assert_false(cw_spin_lock_brief(&one));
	assert_false(cw_spin_lock_patient(&one));
	assert_int_equal(atomic_load(&one.locked), CW__SPIN_ONE_THREAD | CW__SPIN_HELD);
	cw_spin_unlock(&one);
	assert_true(cw_spin_lock_patient(&one));
	cw_spin_unlock(&one);
	assert_int_equal(atomic_load(&one.locked), CW__SPIN_ONE_THREAD);
	assert_true(cw_spin_lock_brief(&smp));
	assert_false(cw_spin_lock_patient(&smp));
	cw_spin_unlock(&smp);
}

/* Child: takes a one-thread lock twice. Must abort (every build), not hang. */
static void child_one_thread_twice(void)
{
	static struct cw_spinlock lock;

	cw_spin_init(&lock, true);
	cw_spin_lock(&lock);
	cw_spin_lock(&lock);
	_exit(0);
}

static void test_one_thread_lock_taken_twice_aborts(void **state)
{
	char err[1024];
	int st;

	(void)state;
	st = run_child(child_one_thread_twice, err, sizeof(err));
	print_message("child: %s", err);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
	assert_non_null(strstr(err, "one-thread spinlock taken while held"));
}

#if CW_CONFIG_DEBUG_CHECKS
/* Child: its holder takes an SMP lock again. Must abort (debug builds), not spin forever. */
static void child_smp_twice(void)
{
	static struct cw_spinlock lock;

	cw_spin_lock(&lock);
	cw_spin_lock(&lock);
	_exit(0);
}

static void test_smp_lock_taken_twice_by_its_holder_aborts(void **state)
{
	char err[1024];
	int st;

	(void)state;
	st = run_child(child_smp_twice, err, sizeof(err));
	print_message("child: %s", err);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
	assert_non_null(strstr(err, "spinlock taken twice by its holder"));
}
#endif

/* ---- the out-of-line paths (lock.c), in every build ---------------------- */

/* cw__spin_lock_brief() and _patient() take a free lock and give a held one up. */
static void test_brief_and_patient_take_a_free_lock_and_give_up_on_a_held_one(void **state)
{
	static struct cw_spinlock lock;

	(void)state;
	assert_true(cw__spin_lock_brief(&lock));
	assert_true(cw_spin_is_locked(&lock));
	/* Held (by this very thread: nobody frees it meanwhile): both give up. */
	assert_false(cw__spin_lock_brief(&lock));
	assert_false(cw__spin_lock_patient(&lock));
	assert_true(cw_spin_is_locked(&lock));
	cw_spin_unlock(&lock);
	assert_true(cw__spin_lock_patient(&lock));
	cw_spin_unlock(&lock);
	assert_false(cw_spin_is_locked(&lock));
}

struct slow_holder {
	struct cw_spinlock *lock;
	atomic_int state; /* 0 starting, 1 holding, 2 released */
};

static void *slow_holder_main(void *arg)
{
	struct slow_holder *h = arg;

	cw_spin_lock(h->lock);
	atomic_store(&h->state, 1);
	/* Long enough that the waiter reaches its yields and naps. */
	usleep(30000);
	atomic_store(&h->state, 2);
	cw_spin_unlock(h->lock);
	return NULL;
}

/* The contended path (spin, yield, nap) takes the lock once, after the holder let go. */
static void test_contended_lock_waits_for_the_holder_then_takes_it(void **state)
{
	static struct cw_spinlock lock;
	struct slow_holder h = { .lock = &lock };
	pthread_t thread;

	(void)state;
	assert_int_equal(pthread_create(&thread, NULL, slow_holder_main, &h), 0);
	while (atomic_load(&h.state) == 0) {
		usleep(100);
	}
	cw_spin_lock(&lock);
	assert_int_equal(atomic_load(&h.state), 2);
	cw_spin_unlock(&lock);
	pthread_join(thread, NULL);
	assert_false(cw_spin_is_locked(&lock));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_thread_lock_takes_releases_and_fails_trylock_while_held),
		cmocka_unit_test(test_one_thread_lock_taken_twice_aborts),
#if CW_CONFIG_DEBUG_CHECKS
		cmocka_unit_test(test_smp_lock_taken_twice_by_its_holder_aborts),
		cmocka_unit_test(
			test_lockdep_assert_held_by_another_thread_aborts_naming_the_owner),
		cmocka_unit_test(test_lockdep_assert_held_passes_for_the_holder),
		cmocka_unit_test(test_lockdep_assert_held_on_a_free_lock_aborts),
#else
		cmocka_unit_test(test_release_lock_is_one_word_and_the_check_compiles_away),
#endif
		cmocka_unit_test(test_brief_and_patient_take_a_free_lock_and_give_up_on_a_held_one),
		cmocka_unit_test(test_contended_lock_waits_for_the_holder_then_takes_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
