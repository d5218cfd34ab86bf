/* SPDX-License-Identifier: MIT */
/*
 * Claims on the posix port, many threads at once (also under
 * ThreadSanitizer): no device is ever held by two claims, every claim
 * gets a device or CW_EBUSY, and releases give the devices back. Then
 * hrtimer-fallback channels run periodic callbacks on real CPU threads,
 * and no callback runs once cw_claim_release() returned. Bounds hold on a
 * loaded two-core machine; the test prints what it measured.
 */
#include <clockwork/claim.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/port_posix.h>
#include <clockwork/system.h>

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define NR_DEVS    4
#define NR_THREADS 6
#define ROUNDS     300

/** Spare global channels that never interrupt (their hardware is not modelled). */
struct quiet_dev {
	struct cw_clock_event_device dev;
	char name[16];
	/** Claims holding it right now (must never exceed 1). */
	atomic_int holders;
};

static struct quiet_dev devs[NR_DEVS];
static struct cw_system *sys;
static atomic_int overlaps, got, busy;

static int quiet_next(uint64_t cycles, struct cw_clock_event_device *d)
{
	(void)cycles;
	(void)d;
	return 0;
}

static int quiet_state(struct cw_clock_event_device *d)
{
	(void)d;
	return 0;
}

static int quiet_affinity(struct cw_clock_event_device *d, unsigned cpu)
{
	(void)d;
	(void)cpu;
	return 0;
}

static void noop_cb(struct cw_claim *c, void *arg)
{
	(void)c;
	(void)arg;
}

static void *claimer(void *arg)
{
	struct cw_claim_request r = { .owner = arg, .modes = CW_CLAIM_ONESHOT,
				      .target_cpu = CW_CLAIM_ANY_CPU };
	struct cw_claim c;

	memset(&c, 0, sizeof(c));
	for (int i = 0; i < ROUNDS; i++) {
		int ret = cw_claim_timer(sys, &r, &c);

		if (ret == CW_EBUSY) {
			atomic_fetch_add(&busy, 1);
			continue;
		}
		if (ret != 0) {
			atomic_fetch_add(&overlaps, 1000);
			continue;
		}
		atomic_fetch_add(&got, 1);
		struct quiet_dev *q = (struct quiet_dev *)(void *)c.dev;

		if (atomic_fetch_add(&q->holders, 1) != 0) {
			atomic_fetch_add(&overlaps, 1);
		}
		cw_claim_start_oneshot(&c, 1000000, noop_cb, NULL);
		/* Hold it a while, so that other threads find the devices busy. */
		for (int k = 0; k < 20; k++) {
			sched_yield();
		}
		atomic_fetch_sub(&q->holders, 1);
		cw_claim_release(&c);
	}
	return NULL;
}

static void test_concurrent_claims_never_share_a_device(void **state)
{
	struct cw_system_config cfg = { .nr_cpus = 2 };
	struct cw_posix_options opt = { .tsc_calibrate_ms = 5, .tsc_calibrate_rounds = 2 };
	pthread_t th[NR_THREADS];
	char owners[NR_THREADS][16];
	unsigned detached = 0;

	(void)state;
	assert_int_equal(cw_posix_system_create(&cfg, &opt, &sys), 0);
	for (unsigned i = 0; i < NR_DEVS; i++) {
		struct quiet_dev *q = &devs[i];

		memset(q, 0, sizeof(*q));
		snprintf(q->name, sizeof(q->name), "quiet%u", i);
		q->dev.name = q->name;
		q->dev.features = CW_CLOCKEVENT_FEAT_ONESHOT;
		q->dev.rating = 10;
		q->dev.irq = -1;
		q->dev.cpu = CW_CLOCKEVENT_ANY_CPU;
		q->dev.set_next_event = quiet_next;
		q->dev.set_state_shutdown = quiet_state;
		q->dev.set_irq_affinity = quiet_affinity;
		assert_int_equal(cw_clockevents_config_and_register(sys, &q->dev, 1000000000, 1000,
								    UINT64_C(1) << 32),
				 0);
	}
	for (unsigned i = 0; i < NR_THREADS; i++) {
		snprintf(owners[i], sizeof(owners[i]), "thread%u", i);
		assert_int_equal(pthread_create(&th[i], NULL, claimer, owners[i]), 0);
	}
	for (unsigned i = 0; i < NR_THREADS; i++) {
		pthread_join(th[i], NULL);
	}
	print_message("%d claims got a device, %d found all busy, %d overlaps\n",
		      atomic_load(&got), atomic_load(&busy), atomic_load(&overlaps));
	assert_int_equal(atomic_load(&overlaps), 0);
	assert_int_equal(atomic_load(&got) + atomic_load(&busy), NR_THREADS * ROUNDS);
	assert_true(atomic_load(&got) >= ROUNDS);
	assert_int_equal(cw_claim_list(sys, NULL, 0), 0);
	for (unsigned i = 0; i < NR_DEVS; i++) {
		detached += cw_clockevent_get_state(&devs[i].dev) == CW_CLOCKEVENT_STATE_DETACHED;
	}
	/* All spares are free again (one may be the broadcast device). */
	assert_true(detached >= NR_DEVS - 1);
	cw_posix_system_destroy(sys);
}

static atomic_uint fb_fires[2];

static void fb_cb(struct cw_claim *c, void *arg)
{
	(void)c;
	atomic_fetch_add(&fb_fires[(uintptr_t)arg], 1);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void test_fallback_callbacks_run_on_cpu_threads_and_stop_at_release(void **state)
{
	struct cw_system_config cfg = { .nr_cpus = 2 };
	struct cw_posix_options opt = { .tsc_calibrate_ms = 5, .tsc_calibrate_rounds = 2 };
	struct cw_claim c[2];
	unsigned after[2];
	struct timespec t0, t1;
	long ms;

	(void)state;
	assert_int_equal(cw_posix_system_create(&cfg, &opt, &sys), 0);
	memset(c, 0, sizeof(c));
	for (unsigned i = 0; i < 2; i++) {
		struct cw_claim_request r = { .owner = "fb", .modes = CW_CLAIM_PERIODIC,
					      .target_cpu = (int)i, .allow_fallback = true };

		assert_int_equal(cw_claim_timer(sys, &r, &c[i]), 0);
		assert_null(c[i].dev);
		assert_int_equal(cw_claim_start_periodic(&c[i], 1000, fb_cb, (void *)(uintptr_t)i),
				 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sleep_ms(200);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(cw_claim_release(&c[i]), 0);
		after[i] = atomic_load(&fb_fires[i]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 + 1;
	print_message("1 kHz fallback for %ld ms: %u and %u callbacks\n", ms, after[0], after[1]);
	/* One per ms at most (never early); a loaded machine may lose many, but not all. */
	assert_true(after[0] >= 20 && after[0] <= (unsigned)ms);
	assert_true(after[1] >= 20 && after[1] <= (unsigned)ms);
	sleep_ms(20);
	assert_int_equal(atomic_load(&fb_fires[0]), after[0]);
	assert_int_equal(atomic_load(&fb_fires[1]), after[1]);
	cw_posix_system_destroy(sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_claims_never_share_a_device),
		cmocka_unit_test(test_fallback_callbacks_run_on_cpu_threads_and_stop_at_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
