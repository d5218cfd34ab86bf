// SPDX-License-Identifier: MIT
/*
 * The time-horizon suite (issue 9, section 1): every example machine, with
 * every example workload it can run, crosses every boundary with the
 * invariant checker on, each crossing placed by a start state half a
 * simulated second after boot so it costs milliseconds of CPU:
 *
 *   jiffies32   the low 32 bits of jiffies wrap (initial_jiffies)
 *   rt2038      REALTIME crosses 2^31 s (2038-01-19)
 *   rt2106      REALTIME crosses 2^32 s (2106-02-07)
 *   ktimemax    REALTIME runs into KTIME_MAX (2262) and saturates there
 *   uptime100d  jiffies and every counter as after 100 days of uptime
 *   wrap:NAME   each counter of the machine, made the clocksource, wraps
 *   width:N     an added counter of N = 16, 24, 32, 56, 64 bits wraps
 *
 * A case passes when the boundary was really crossed (checked from the
 * clocks, the jiffies and the counter's wrap count after the run), timers
 * of both kinds fired, and cw_check_verify() found nothing. A workload
 * that names a CPU the machine lacks is reported as not applicable (n/a),
 * never silently dropped. The last line prints the counts and simulated
 * seconds per wall second.
 *
 * Usage: test_horizon [--filter SUBSTRING] [--seed N] [--run-ms N]
 */
#include "horizon.h"

#include <clockwork/config.h>

#include <dirent.h>
#include <fnmatch.h>

#ifndef CW_SOURCE_DIR
#error "CW_SOURCE_DIR must name the source tree"
#endif

#define MAX_FILES 32

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned list_ini(const char *dir, char **out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	if (!d) {
		return 0;
	}
	while ((e = readdir(d)) != NULL && n < MAX_FILES) {
		size_t len = strlen(e->d_name);

		if (len > 4 && strcmp(e->d_name + len - 4, ".ini") == 0) {
			size_t sz = strlen(dir) + len + 2;

			out[n] = malloc(sz);
			snprintf(out[n], sz, "%s/%s", dir, e->d_name);
			n++;
		}
	}
	closedir(d);
	qsort(out, n, sizeof(*out), cmp_str);
	return n;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* tests/horizon/known-failures.txt: cases failing because of a reported bug. */
struct known {
	char machine[64], workload[64], label[64], substr[128], what[200];
};

static struct known known[64];
static unsigned nr_known;

static void load_known(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];

	if (!f) {
		return;
	}
	while (fgets(line, sizeof(line), f) && nr_known < 64) {
		struct known *k = &known[nr_known];
		char *bar1, *bar2;

		if (line[0] == '#' || line[0] == '\n') {
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		bar1 = strchr(line, '|');
		bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
		if (!bar2 ||
		    sscanf(line, "%63s %63s %63s", k->machine, k->workload, k->label) != 3) {
			continue;
		}
		*bar2 = '\0';
		snprintf(k->substr, sizeof(k->substr), "%s", bar1 + 1);
		/* Trim the substring's surrounding blanks. */
		while (k->substr[0] == ' ') {
			memmove(k->substr, k->substr + 1, strlen(k->substr));
		}
		while (strlen(k->substr) && k->substr[strlen(k->substr) - 1] == ' ') {
			k->substr[strlen(k->substr) - 1] = '\0';
		}
		snprintf(k->what, sizeof(k->what), "%s", bar2 + 1);
		nr_known++;
	}
	fclose(f);
}

static const struct known *find_known(const char *m, const char *w, const char *label)
{
	for (unsigned i = 0; i < nr_known; i++) {
		if (fnmatch(known[i].machine, m, 0) == 0 && fnmatch(known[i].workload, w, 0) == 0 &&
		    fnmatch(known[i].label, label, 0) == 0) {
			return &known[i];
		}
	}
	return NULL;
}

struct totals {
	unsigned cases, passed, failed, na, crossings, known, xpass;
	uint64_t sim_ns;
	double wall_s;
	uint64_t asserted;
	uint64_t max_hr_late_ns;
	char failures[64][200];
	unsigned nr_failures;
};

static uint64_t behaviours(const struct cw_check_stats *s)
{
	/* Each expiry is judged three ways (once, not early, not late). */
	return 3 * (s->hrtimer_expiries + s->wheel_expiries) + s->clock_reads + s->verified_items;
}

static void one(struct totals *t, const char *machine, const char *workload, const char *label,
		struct hzn_opts *o,
		int (*crossed)(const struct hzn_result *, const struct hzn_opts *, char *, size_t))
{
	struct hzn_result r;
	char why[256] = "";
	int ret;
	bool na = false, ok;
	const struct known *kn;

	o->machine_path = machine;
	o->workload_path = workload;
	ret = hzn_run(o, &r);
	if (ret && strstr(r.report, "workload start:") && strstr(r.report, "CPU")) {
		na = true;
	}
	ok = ret == 0 && r.hr_fired > 0 && r.wt_fired > 0 && crossed(&r, o, why, sizeof(why));
	if (ret == 0 && (r.hr_fired == 0 || r.wt_fired == 0)) {
		snprintf(why, sizeof(why),
			 "no timer fired (hrtimers %" PRIu64 ", wheel %" PRIu64 ")", r.hr_fired,
			 r.wt_fired);
	}
	if (na) {
		t->na++;
		printf("%-16s %-14s %-12s n/a: %s\n", base(machine), base(workload), label,
		       r.report);
		return;
	}
	t->cases++;
	t->sim_ns += r.sim_ns;
	t->wall_s += r.wall_s;
	t->asserted += behaviours(&r.stats);
	if (r.stats.hrtimer_max_late_ns > t->max_hr_late_ns) {
		t->max_hr_late_ns = r.stats.hrtimer_max_late_ns;
	}
	kn = find_known(base(machine), base(workload), label);
	if (ok && kn) {
		t->xpass++;
		printf("%-16s %-14s %-12s XPASS (listed as known:%s): delete its line from "
		       "known-failures.txt\n",
		       base(machine), base(workload), label, kn->what);
	}
	if (!ok && kn && strstr(r.report, kn->substr)) {
		t->known++;
		printf("%-16s %-14s %-12s KNOWN seed %" PRIu64 ":%s: %s\n", base(machine),
		       base(workload), label, o->seed, kn->what, r.report);
	} else if (ok) {
		t->passed++;
		t->crossings++;
		printf("%-16s %-14s %-12s ok   cs %-16s hr %6" PRIu64 " wheel %5" PRIu64
		       " reads %7" PRIu64 " late(hr) %6" PRIu64 " ns %.3f s\n",
		       base(machine), base(workload), label, r.clocksource, r.hr_fired, r.wt_fired,
		       r.stats.clock_reads, r.stats.hrtimer_max_late_ns, r.wall_s);
	} else {
		t->failed++;
		printf("%-16s %-14s %-12s FAIL seed %" PRIu64 ": %s%s%s\n", base(machine),
		       base(workload), label, o->seed, r.report, r.report[0] && why[0] ? "; " : "",
		       why);
		if (t->nr_failures < 64) {
			snprintf(t->failures[t->nr_failures++], sizeof(t->failures[0]), "%s %s %s",
				 base(machine), base(workload), label);
		}
	}
}

static int crossed_jiffies(const struct hzn_result *r, const struct hzn_opts *o, char *why,
			   size_t len)
{
	(void)o;
	if (r->jiffies_start < (UINT64_C(1) << 32) && r->jiffies_end >= (UINT64_C(1) << 32)) {
		return 1;
	}
	snprintf(why, len, "jiffies went %" PRIu64 " -> %" PRIu64 ", 2^32 not crossed",
		 r->jiffies_start, r->jiffies_end);
	return 0;
}

static int64_t rt_target;

static int crossed_realtime(const struct hzn_result *r, const struct hzn_opts *o, char *why,
			    size_t len)
{
	(void)o;
	if (r->real_start < rt_target && r->real_end >= rt_target) {
		return 1;
	}
	snprintf(why, len, "REALTIME went %" PRId64 " -> %" PRId64 ", %" PRId64 " not crossed",
		 r->real_start, r->real_end, rt_target);
	return 0;
}

static int crossed_uptime(const struct hzn_result *r, const struct hzn_opts *o, char *why,
			  size_t len)
{
	uint64_t want = o->cfg.initial_jiffies;

	if (r->jiffies_start >= want && r->jiffies_end > r->jiffies_start) {
		return 1;
	}
	snprintf(why, len, "jiffies %" PRIu64 " -> %" PRIu64 ", expected to start at %" PRIu64,
		 r->jiffies_start, r->jiffies_end, want);
	return 0;
}

static const char *want_cs;

static int crossed_wrap(const struct hzn_result *r, const struct hzn_opts *o, char *why, size_t len)
{
	(void)o;
	if (r->counter_wraps >= 1 && strcmp(r->clocksource, want_cs) == 0) {
		return 1;
	}
	snprintf(why, len, "counter %s wrapped %" PRIu64 " times; clocksource was %s", want_cs,
		 r->counter_wraps, r->clocksource);
	return 0;
}

static size_t count_counters(const char *machine)
{
	struct cw_sim_machine_desc *d = NULL;
	size_t n = 0;

	if (cw_sim_machine_desc_parse_file(machine, &d, NULL, 0) == 0) {
		n = d->nr_counters;
	}
	cw_sim_machine_desc_free(d);
	return n;
}

static void counter_name(const char *machine, size_t i, char *buf, size_t len)
{
	struct cw_sim_machine_desc *d = NULL;

	buf[0] = '\0';
	if (cw_sim_machine_desc_parse_file(machine, &d, NULL, 0) == 0 && i < d->nr_counters) {
		snprintf(buf, len, "%s", d->counters[i].name);
	}
	cw_sim_machine_desc_free(d);
}

int main(int argc, char **argv)
{
	char *machines[MAX_FILES], *workloads[MAX_FILES];
	unsigned nm = list_ini(CW_SOURCE_DIR "/examples/machines", machines);
	unsigned nw = list_ini(CW_SOURCE_DIR "/examples/workloads", workloads);
	const char *filter = NULL;
	uint64_t seed = 1, run_ms = 1000;
	static struct totals t;
	static const unsigned widths[] = { 16, 24, 32, 56, 64 };

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) {
			filter = argv[++i];
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
		} else if (strcmp(argv[i], "--run-ms") == 0 && i + 1 < argc) {
			run_ms = strtoull(argv[++i], NULL, 0);
		} else {
			fprintf(stderr,
				"usage: test_horizon [--filter S] [--seed N] [--run-ms N]\n");
			return 2;
		}
	}
	load_known(CW_SOURCE_DIR "/tests/horizon/known-failures.txt");
	if (nm == 0 || nw == 0) {
		fprintf(stderr, "test_horizon: no machines or workloads under %s/examples\n",
			CW_SOURCE_DIR);
		return 1;
	}
	for (unsigned mi = 0; mi < nm; mi++) {
		for (unsigned wi = 0; wi < nw; wi++) {
			const char *m = machines[mi], *w = workloads[wi];
			size_t nc = count_counters(m);
			char label[64], name[CW_SIM_COUNTER_NAME_MAX], extra[256];
			struct hzn_opts base_o, o;
			unsigned hz;

			if (filter && !strstr(m, filter) && !strstr(w, filter)) {
				continue;
			}
			memset(&base_o, 0, sizeof(base_o));
			base_o.seed = seed + mi * 100 + wi;
			base_o.wrap_counter = -1;
			base_o.run_ns = run_ms * HZN_NS_PER_MS;
			base_o.op_gap_ns = 2 * HZN_NS_PER_MS;
			base_o.warmup_ns = 20 * HZN_NS_PER_MS;
			base_o.verify_every_ns = 100 * HZN_NS_PER_MS;
			base_o.max_wheel_jiffies = 2000;
			base_o.max_hr_ns = 300 * HZN_NS_PER_MS;
			base_o.cfg.realtime_init_ns = INT64_C(1767225600) * (int64_t)HZN_NS_PER_S;
			hz = CW_CONFIG_DEFAULT_HZ;

			o = base_o;
			o.cfg.initial_jiffies = (UINT64_C(1) << 32) - hz / 2;
			one(&t, m, w, "jiffies32", &o, crossed_jiffies);

			o = base_o;
			rt_target = INT64_C(2147483648) * (int64_t)HZN_NS_PER_S;
			o.cfg.realtime_init_ns = rt_target - (int64_t)(HZN_NS_PER_S / 2);
			one(&t, m, w, "rt2038", &o, crossed_realtime);

			o = base_o;
			rt_target = INT64_C(4294967296) * (int64_t)HZN_NS_PER_S;
			o.cfg.realtime_init_ns = rt_target - (int64_t)(HZN_NS_PER_S / 2);
			one(&t, m, w, "rt2106", &o, crossed_realtime);

			o = base_o;
			rt_target = CW_KTIME_MAX - (int64_t)HZN_NS_PER_MS;
			o.cfg.realtime_init_ns = CW_KTIME_MAX - (int64_t)(HZN_NS_PER_S / 2);
			one(&t, m, w, "ktimemax", &o, crossed_realtime);

			o = base_o;
			o.uptime_ns = 100ull * 86400ull * HZN_NS_PER_S;
			o.cfg.initial_jiffies = CW_INITIAL_JIFFIES(hz) + 100ull * 86400ull * hz;
			one(&t, m, w, "uptime100d", &o, crossed_uptime);

			for (size_t c = 0; c < nc; c++) {
				o = base_o;
				counter_name(m, c, name, sizeof(name));
				o.wrap_counter = (int)c;
				o.wrap_after_ns = HZN_NS_PER_S / 2;
				o.cfg.clocksource_override = name;
				want_cs = name;
				snprintf(label, sizeof(label), "wrap:%s", name);
				one(&t, m, w, label, &o, crossed_wrap);
			}
			for (size_t k = 0; k < sizeof(widths) / sizeof(widths[0]); k++) {
				unsigned bits = widths[k];
				/* 10 wraps a second for narrow counters, 1 GHz for wide ones. */
				uint64_t freq =
					bits <= 24 ? (UINT64_C(10) << bits) : UINT64_C(1000000000);

				o = base_o;
				snprintf(name, sizeof(name), "hzn_w%u", bits);
				snprintf(extra, sizeof(extra),
					 "[counter %s]\nwidth = %u\nfreq = %" PRIu64
					 "Hz\nrating = 499\nflags = continuous\n",
					 name, bits, freq);
				o.extra_text = extra;
				o.wrap_counter = (int)nc;
				/* Narrow ones wrap every 100 ms: first wrap at 50 ms. */
				o.wrap_after_ns =
					bits <= 24 ? 50 * HZN_NS_PER_MS : HZN_NS_PER_S / 2;
				want_cs = name;
				snprintf(label, sizeof(label), "width:%u", bits);
				one(&t, m, w, label, &o, crossed_wrap);
			}
		}
	}
	printf("horizon: %u cases (%u passed, %u failed, %u known failures of reported bugs, %u "
	       "xpass, %u n/a), %u boundary crossings on %u machines x %u workloads, %" PRIu64
	       " behaviours asserted, worst hrtimer lateness %" PRIu64 " ns\n",
	       t.cases, t.passed, t.failed, t.known, t.xpass, t.na, t.crossings, nm, nw, t.asserted,
	       t.max_hr_late_ns);
	printf("horizon: %.1f simulated s in %.2f wall s: %.0f simulated s per wall s\n",
	       (double)t.sim_ns / 1e9, t.wall_s,
	       t.wall_s > 0 ? (double)t.sim_ns / 1e9 / t.wall_s : 0);
	for (unsigned i = 0; i < t.nr_failures; i++) {
		printf("horizon: FAILED %s\n", t.failures[i]);
	}
	for (unsigned i = 0; i < nm; i++) {
		free(machines[i]);
	}
	for (unsigned i = 0; i < nw; i++) {
		free(workloads[i]);
	}
	return t.failed || t.cases == 0 ? 1 : 0;
}
