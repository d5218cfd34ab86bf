// SPDX-License-Identifier: MIT
/*
 * The soak (make soak, label soak): one example machine runs for 30
 * simulated days (HZ=100 to keep it cheap) under a random workload drawn
 * from the seed (busy and idle period distributions, idle depth), with the
 * horizon driver's hrtimers and wheel timers (timeouts up to days), random
 * REALTIME steps and frequency changes about every simulated hour, random
 * CPU hotplug about every four hours, and the invariant checker verifying
 * every simulated hour. Prints simulated seconds per wall second.
 *
 * Usage: soak_horizon MACHINE.ini [--days N] [--seed N] [--step-every-s N (0: none)]
 *                    [--hotplug-every-s N (0: none)]
 */
#include "horizon.h"

int main(int argc, char **argv)
{
	struct hzn_opts o;
	struct hzn_result r;
	uint64_t days = 30, seed = 1, x, step_s = 3600, hotplug_s = 4 * 3600;
	char wl[512];
	static const char *const dists[] = { "exponential", "uniform", "fixed" };
	static const char *const depth[] = { "shallow", "deep", "by_length" };

	if (argc < 2) {
		fprintf(stderr, "usage: soak_horizon MACHINE.ini [--days N] [--seed N]\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--days") == 0) {
			days = strtoull(argv[i + 1], NULL, 0);
		} else if (strcmp(argv[i], "--seed") == 0) {
			seed = strtoull(argv[i + 1], NULL, 0);
		} else if (strcmp(argv[i], "--step-every-s") == 0) {
			step_s = strtoull(argv[i + 1], NULL, 0);
		} else if (strcmp(argv[i], "--hotplug-every-s") == 0) {
			hotplug_s = strtoull(argv[i + 1], NULL, 0);
		}
	}
	/* A random workload from the seed (splitmix64 steps). */
	x = seed * 0x9e3779b97f4a7c15ull;
	x ^= x >> 31;
	{
		unsigned long long lo = 1 + (x >> 8) % 5, hi = lo + 5 + (x >> 16) % 20;
		char busy[64];

		if (x % 3 == 1) {
			snprintf(busy, sizeof(busy), "%s %llums %llums", dists[1], lo, hi);
		} else {
			snprintf(busy, sizeof(busy), "%s %llums", dists[x % 3], lo);
		}
		snprintf(wl, sizeof(wl),
			 "[workload]\nname = soak\nbusy = %s\nidle = exponential %llums\n"
			 "idle_state = %s\ndeep_after = 50ms\n",
			 busy, (unsigned long long)(200 + (x >> 24) % 5000), depth[(x >> 40) % 3]);
	}
	memset(&o, 0, sizeof(o));
	o.machine_path = argv[1];
	o.workload_text = wl;
	o.seed = seed;
	o.wrap_counter = -1;
	o.cfg.hz = 100;
	o.cfg.realtime_init_ns = INT64_C(1767225600) * (int64_t)HZN_NS_PER_S;
	o.run_ns = days * 86400ull * HZN_NS_PER_S;
	o.op_gap_ns = 30ull * HZN_NS_PER_S;
	o.warmup_ns = 100 * HZN_NS_PER_MS;
	o.verify_every_ns = 3600ull * HZN_NS_PER_S;
	o.step_gap_ns = step_s * HZN_NS_PER_S;
	o.hotplug_gap_ns = hotplug_s * HZN_NS_PER_S;
	o.max_wheel_jiffies = 100ull * 86400ull;
	o.max_hr_ns = 6 * 3600ull * HZN_NS_PER_S;
	o.min_period_ns = 10 * HZN_NS_PER_S;
	printf("soak: %s, %llu simulated days, seed %llu, workload: %s", argv[1],
	       (unsigned long long)days, (unsigned long long)seed, wl);
	fflush(stdout);
	hzn_run(&o, &r);
	printf("soak: %s: %.0f simulated s in %.2f wall s: %.0f simulated s per wall s; hrtimers "
	       "fired %" PRIu64 ", wheel %" PRIu64 ", API bursts %" PRIu64 ", clock steps %" PRIu64
	       ", hotplugs %" PRIu64 ", clock reads %" PRIu64 ", verifies %" PRIu64 "\n",
	       argv[1], (double)r.sim_ns / 1e9, r.wall_s,
	       r.wall_s > 0 ? (double)r.sim_ns / 1e9 / r.wall_s : 0, r.hr_fired, r.wt_fired, r.ops,
	       r.steps, r.hotplugs, r.stats.clock_reads, r.stats.verifies);
	if (r.status) {
		printf("soak: FAILED seed %llu: %s\n", (unsigned long long)seed, r.report);
		return 1;
	}
	printf("soak: ok (checker: %" PRIu64 " hrtimer and %" PRIu64
	       " wheel expiries judged, worst hrtimer lateness %" PRIu64 " ns, wheel %" PRIu64
	       " jiffies)\n",
	       r.stats.hrtimer_expiries, r.stats.wheel_expiries, r.stats.hrtimer_max_late_ns,
	       r.stats.wheel_max_late_jiffies);
	return 0;
}
