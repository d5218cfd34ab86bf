/* SPDX-License-Identifier: MIT */
/*
 * cw_clocks: create a clockwork system on this machine's clocks (the posix
 * port), print its clocksources, the one selected, the TSC calibration and
 * every clock id next to the host's clock_gettime() for comparison, then
 * destroy it.
 *
 * Usage: cw_clocks [--no-tsc] [--log] [--hz N] [--clocksource NAME] [--wait-ms N]
 *   --no-tsc          do not register the TSC
 *   --log             echo the system's log to stderr as it is written
 *   --hz N            tick rate (100, 250, 300, 1000)
 *   --clocksource N   override the selected clocksource after boot
 *   --wait-ms N       let the housekeeping thread run N ms before printing
 *                     (the watchdog validates the TSC after ~0.5 s)
 */
#include <clockwork/clocksource.h>
#include <clockwork/port_posix.h>
#include <clockwork/system.h>
#include <clockwork/timekeeping.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SOURCES 16

struct clocks_args {
	struct cw_system_config cfg;
	struct cw_posix_options opt;
	const char *override;
	unsigned wait_ms;
};

/* Host clock matching each clockwork clock id; -1 when the host has none. */
static const struct {
	int id;
	clockid_t host;
} clock_table[] = {
	{ CW_CLOCK_REALTIME, CLOCK_REALTIME },
	{ CW_CLOCK_MONOTONIC, CLOCK_MONOTONIC },
	{ CW_CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC_RAW },
	{ CW_CLOCK_REALTIME_COARSE, CLOCK_REALTIME_COARSE },
	{ CW_CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_COARSE },
	{ CW_CLOCK_BOOTTIME, CLOCK_BOOTTIME },
	{ CW_CLOCK_TAI, CLOCK_TAI },
	{ CW_CLOCK_MONOTONIC_RAW_COARSE, (clockid_t)-1 },
	{ CW_CLOCK_BOOTTIME_COARSE, (clockid_t)-1 },
	{ CW_CLOCK_TAI_COARSE, (clockid_t)-1 },
};

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--no-tsc] [--log] [--hz N] [--clocksource NAME] [--wait-ms N]\n",
		prog);
}

static int parse_args(int argc, char **argv, struct clocks_args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(arg, "--no-tsc")) {
			a->opt.flags |= CW_POSIX_NO_TSC;
		} else if (!strcmp(arg, "--log")) {
			a->opt.flags |= CW_POSIX_LOG_ECHO;
		} else if (!strcmp(arg, "--hz") && val) {
			a->cfg.hz = (unsigned)strtoul(val, NULL, 10);
			i++;
		} else if (!strcmp(arg, "--clocksource") && val) {
			a->override = val;
			i++;
		} else if (!strcmp(arg, "--wait-ms") && val) {
			a->wait_ms = (unsigned)strtoul(val, NULL, 10);
			i++;
		} else {
			usage(argv[0]);
			return -1;
		}
	}
	return 0;
}

static void flags_string(unsigned flags, char *buf, size_t len)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ CW_CLOCKSOURCE_IS_CONTINUOUS, "CONT" },  { CW_CLOCKSOURCE_MUST_VERIFY, "VERIFY" },
		{ CW_CLOCKSOURCE_WATCHDOG, "WD" },         { CW_CLOCKSOURCE_VALID_FOR_HRES, "HRES" },
		{ CW_CLOCKSOURCE_UNSTABLE, "UNSTABLE" },   { CW_CLOCKSOURCE_SUSPEND_NONSTOP, "NONSTOP" },
		{ CW_CLOCKSOURCE_RESELECT, "RESELECT" },
	};
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (flags & names[i].bit) {
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
						 used ? "|" : "", names[i].name);
		}
	}
	if (!used) {
		snprintf(buf, len, "-");
	}
}

static void print_clocksources(struct cw_system *sys)
{
	struct cw_clocksource_info info[MAX_SOURCES];
	char flags[96], cur[CW_CLOCKSOURCE_NAME_MAX];
	size_t count = 0;

	cw_clocksource_list(sys, info, MAX_SOURCES, &count);
	printf("clocksources (%zu):\n", count);
	printf("  %-20s %6s %-26s %10s %5s %16s %s\n", "name", "rating", "flags", "mult",
	       "shift", "max_idle_ns", "role");
	for (size_t i = 0; i < count && i < MAX_SOURCES; i++) {
		flags_string(info[i].flags, flags, sizeof(flags));
		printf("  %-20s %6d %-26s %10" PRIu32 " %5" PRIu32 " %16" PRIu64 " %s%s\n",
		       info[i].name, info[i].rating, flags, info[i].mult, info[i].shift,
		       info[i].max_idle_ns, info[i].current ? "current " : "",
		       info[i].is_watchdog ? "watchdog" : "");
	}
	if (cw_clocksource_current(sys, cur, sizeof(cur)) == 0) {
		printf("selected: %s\n", cur);
	}
}

static void print_tsc(struct cw_system *sys)
{
	struct cw_posix_tsc_info tsc;

	if (cw_posix_tsc_info(sys, &tsc) != 0) {
		return;
	}
	printf("tsc: present=%d invariant=%d registered=%d", tsc.present, tsc.invariant,
	       tsc.registered);
	if (tsc.registered) {
		printf(" hz=%" PRIu64 " (%s", tsc.hz,
		       tsc.method == CW_POSIX_TSC_GIVEN ? "given" : "calibrated");
		if (tsc.method == CW_POSIX_TSC_CALIBRATED) {
			printf(": %u x %" PRIu64 " ms, spread %.3f ppm, bracket %.3f ppm",
			       tsc.rounds, tsc.round_ns / 1000000, (double)tsc.spread_ppb / 1000.0,
			       (double)tsc.uncertainty_ppb / 1000.0);
		}
		printf(")");
	}
	if (tsc.cpuid_hz) {
		printf(" cpuid_hz=%" PRIu64, tsc.cpuid_hz);
	}
	printf("\n");
}

static int64_t host_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0) {
		return 0;
	}
	return (int64_t)ts.tv_sec * CW_NSEC_PER_SEC + ts.tv_nsec;
}

static void print_clock_ids(struct cw_system *sys)
{
	printf("  %-22s %10s %22s %22s %16s\n", "clock", "res ns", "clockwork ns", "host ns",
	       "diff ns");
	for (size_t i = 0; i < sizeof(clock_table) / sizeof(clock_table[0]); i++) {
		cw_ktime_t v = 0, res = 0;
		int64_t host = 0;

		cw_clock_get_ns(sys, clock_table[i].id, &v);
		cw_clock_getres_ns(sys, clock_table[i].id, &res);
		if (clock_table[i].host != (clockid_t)-1) {
			host = host_ns(clock_table[i].host);
			printf("  %-22s %10" PRId64 " %22" PRId64 " %22" PRId64 " %16" PRId64 "\n",
			       cw_clock_name(clock_table[i].id), res, v, host, v - host);
		} else {
			printf("  %-22s %10" PRId64 " %22" PRId64 " %22s %16s\n",
			       cw_clock_name(clock_table[i].id), res, v, "-", "-");
		}
	}
	printf("(MONOTONIC and BOOTTIME count from the system's creation, the host's from its "
	       "boot; REALTIME starts at the host's)\n");
}

int main(int argc, char **argv)
{
	struct clocks_args a;
	struct cw_system *sys;
	int err;

	if (parse_args(argc, argv, &a) != 0) {
		return 2;
	}
	err = cw_posix_system_create(&a.cfg, &a.opt, &sys);
	if (err) {
		fprintf(stderr, "cw_posix_system_create: %s\n", cw_strerror(err));
		return 1;
	}
	if (a.override) {
		err = cw_clocksource_override(sys, a.override);
		if (err) {
			fprintf(stderr, "override %s: %s\n", a.override, cw_strerror(err));
		}
	}
	if (a.wait_ms) {
		struct timespec ts = { .tv_sec = a.wait_ms / 1000,
				       .tv_nsec = (long)(a.wait_ms % 1000) * CW_NSEC_PER_MSEC };
		nanosleep(&ts, NULL);
	}
	printf("clockwork posix system: %u CPU(s), HZ=%u\n", cw_system_nr_cpus(sys),
	       cw_system_hz(sys));
	print_clocksources(sys);
	print_tsc(sys);
	print_clock_ids(sys);
	cw_posix_system_destroy(sys);
	return 0;
}
