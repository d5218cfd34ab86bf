// SPDX-License-Identifier: MIT
/*
 * libFuzzer target over the timer wheel's API: the input is a sequence of
 * operations (arm, re-arm, mod_pending, reduce, add_on, delete, the sync
 * variants, shutdown, re-setup, advancing time by small and huge steps,
 * NO_HZ idle enter/exit, next-expiry queries) on 16 timers of a 3-CPU
 * system at HZ=250. After every operation the checker (cw_timer_check) must
 * agree with the cached state, the pending predicate must match a naive
 * model, and no timer may fire before its expiry or while not armed.
 *
 * Built with clang (-fsanitize=fuzzer,address,undefined) when clang is
 * installed; ctest runs it briefly (test_timer_fuzz). Run longer by hand:
 *   build/tests/fuzz/fuzz_timer -max_total_time=600 [corpus_dir]
 */
#include <clockwork/system.h>
#include <clockwork/timer.h>

#include "core/timer-internal.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NR   16u
#define CPUS 3u

struct ft {
	struct cw_timer timer;
	bool armed;
	bool dead;
	/* Armed beyond the wheel's range: fires at the clamp, before e. */
	bool clamped;
	uint64_t e;
};

static struct ft timers[NR];
static uint64_t now;

static void die(const char *what, unsigned id)
{
	fprintf(stderr, "fuzz_timer: %s (timer %u, now %llu)\n", what, id, (unsigned long long)now);
	abort();
}

static void fn(struct cw_timer *t)
{
	struct ft *f = (struct ft *)(void *)((char *)t - offsetof(struct ft, timer));
	unsigned id = (unsigned)(f - timers);

	if (!f->armed || f->dead) {
		die("fired while not armed", id);
	}
	/* Never early, except for timeouts clamped to the wheel's range. */
	if (now <= f->e && !f->clamped) {
		die("fired early", id);
	}
	f->armed = false;
}

static uint64_t rd(const uint8_t **p, const uint8_t *end, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && *p < end; i++) {
		v = (v << 8) | *(*p)++;
	}
	return v;
}

static void check(struct cw_system *sys)
{
	char report[256];

	if (cw_timer_check(sys, report, sizeof(report)) != 0) {
		fprintf(stderr, "fuzz_timer: checker: %s\n", report);
		abort();
	}
	for (unsigned i = 0; i < NR; i++) {
		if (cw_timer_pending(&timers[i].timer) != timers[i].armed) {
			die("pending disagrees with the model", i);
		}
	}
}

static uint64_t expiry(uint8_t sel, uint64_t raw)
{
	switch (sel & 3u) {
	case 0:
		return now + (raw & 0xff);
	case 1:
		return now + (raw & 0xffffff);
	case 2:
		return now + raw;
	default:
		return now - (raw & 0xff) % (now + 1);
	}
}

static void set_e(struct ft *f, uint64_t e)
{
	f->e = e;
	f->clamped = e > now && e - now + 1 >= cw__timer_max_timeout(250);
}

static void arm(struct ft *f, int ret, uint64_t e, bool keep_if_same)
{
	if (ret != (int)f->armed) {
		die("arm returned the wrong was-pending value", (unsigned)(f - timers));
	}
	if (f->dead) {
		return;
	}
	if (!(keep_if_same && f->armed && e == f->e)) {
		set_e(f, e);
	}
	f->armed = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_system_config cfg = { .nr_cpus = CPUS, .hz = 250 };
	const uint8_t *p = data, *end = data + size;
	struct cw_system *sys;

	if (cw_system_create(&cfg, &sys) != 0) {
		abort();
	}
	now = 1000;
	cw__timer_test_set_jiffies(sys, now);
	memset(timers, 0, sizeof(timers));
	for (unsigned i = 0; i < NR; i++) {
		if (cw_timer_setup(&timers[i].timer, sys, fn,
				   i % 4 == 1   ? CW_TIMER_PINNED
				   : i % 4 == 2 ? CW_TIMER_DEFERRABLE
						: 0) != 0) {
			die("setup", i);
		}
	}
	while (p < end) {
		uint8_t op = (uint8_t)rd(&p, end, 1);
		struct ft *f = &timers[(op >> 4) % NR];
		uint8_t sel = (uint8_t)rd(&p, end, 1);
		uint64_t raw = rd(&p, end, 4), e = expiry(sel, raw);

		switch (op & 15u) {
		case 0:
			arm(f, cw_timer_mod(&f->timer, e), e, true);
			break;
		case 1:
			if (cw_timer_mod_pending(&f->timer, e) != (int)f->armed) {
				die("mod_pending", (unsigned)(f - timers));
			}
			if (f->armed && e != f->e) {
				set_e(f, e);
			}
			break;
		case 2: {
			bool was = f->armed;

			arm(f, cw_timer_reduce(&f->timer, e), (was && f->e <= e) ? f->e : e, true);
			break;
		}
		case 3:
			arm(f, cw_timer_add_on(&f->timer, e, (sel >> 2) % CPUS), e, false);
			break;
		case 4:
		case 5:
			if ((op & 1 ? cw_timer_del_sync(&f->timer) : cw_timer_del(&f->timer)) !=
			    (int)f->armed) {
				die("delete", (unsigned)(f - timers));
			}
			f->armed = false;
			break;
		case 6:
			if (cw_timer_shutdown(&f->timer) != (int)f->armed) {
				die("shutdown", (unsigned)(f - timers));
			}
			f->armed = false;
			f->dead = true;
			break;
		case 7:
			if (!f->armed) {
				if (cw_timer_setup(&f->timer, sys, fn, 0) != 0) {
					die("setup", (unsigned)(f - timers));
				}
				f->dead = false;
			} else if (cw_timer_setup(&f->timer, sys, fn, 0) != CW_EBUSY) {
				/* A pending timer is refused, never re-initialised. */
				die("setup of a pending timer", (unsigned)(f - timers));
			}
			break;
		case 8:
			cw__timer_idle_enter(sys, (sel >> 2) % CPUS, now, NULL);
			break;
		case 9:
			cw__timer_next_expiry(sys, (sel >> 2) % CPUS, now, NULL);
			break;
		default:
			now += (op & 15u) >= 14 ? raw : 1 + (raw & 0x3f);
			cw__timer_test_set_jiffies(sys, now);
			for (unsigned cpu = 0; cpu < CPUS; cpu++) {
				cw__timer_idle_exit(sys, cpu, now);
				cw__timer_run_at(sys, cpu, now);
			}
			break;
		}
		check(sys);
	}
	for (unsigned i = 0; i < NR; i++) {
		cw_timer_shutdown_sync(&timers[i].timer);
	}
	cw_system_destroy(sys);
	return 0;
}
