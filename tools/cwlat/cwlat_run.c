/* SPDX-License-Identifier: MIT */
/*
 * cwlat: a cyclictest-like wakeup latency tool for clockwork's hrtimers.
 * This file parses the command line, sizes the sample buffers, runs one of
 * the two back ends (cwlat_posix.c on this machine, cwlat_sim.c on the
 * simulator) and reports: per thread and per series min, avg, p50, p99,
 * p99.9 and max in us (exact nearest-rank percentiles over every sample,
 * which are kept), the p99 differences with --compare, a text histogram
 * and, with --histogram FILE, a gnuplot-ready data file.
 *
 * "Wakeup latency" is how late the code that waits for an expiry starts
 * running: for clockwork the hard hrtimer callback on the CPU's thread, for
 * the raw loops the thread returning from clock_nanosleep() or read() of
 * its timerfd. Each back end's opening comment says how it reads the time.
 */
#include "cwlat-internal.h"
#include "cli.h"

#include <clockwork/clockwork.h>
#include <clockwork/hrtimer.h>
#include <clockwork/sim.h>

#include <stdlib.h>
#include <string.h>

/** Default interval (cyclictest's 1000 us). */
#define CWLAT_DEFAULT_INTERVAL_NS (1000 * (uint64_t)CW_NSEC_PER_USEC)
/** Default duration. */
#define CWLAT_DEFAULT_DURATION_NS (10 * (uint64_t)CW_NSEC_PER_SEC)
/** Interval bounds, us. */
#define CWLAT_MIN_INTERVAL_US     10u
#define CWLAT_MAX_INTERVAL_US     1000000u
/** Longest run, ns (one hour). */
#define CWLAT_MAX_DURATION_NS     (3600 * (uint64_t)CW_NSEC_PER_SEC)
/** Most threads per series. */
#define CWLAT_MAX_THREADS         256u
/** Most samples kept over all threads and series (8 bytes each: 128 MiB). */
#define CWLAT_MAX_SAMPLES         (16u * 1024 * 1024)
/** Gnuplot histogram: 1 us buckets up to this many; later samples go to the last. */
#define CWLAT_HIST_MAX_US         100000
/** Width of the text histogram's bars, characters. */
#define CWLAT_BAR_WIDTH           40
/** The issue's target for clockwork's p99 over raw timerfd's p99, ns. */
#define CWLAT_TARGET_P99_DIFF_NS  (20 * (int64_t)CW_NSEC_PER_USEC)

_Static_assert(CWLAT_EXIT_FAILURE == CLI_EXIT_FAILURE && CWLAT_EXIT_USAGE == CLI_EXIT_USAGE,
	       "cli.c returns the tool's exit statuses");

static const char *const series_names[CWLAT_MAX_SERIES] = { "clockwork", "nanosleep", "timerfd" };

/* ---------------------------------------------------------------------- */
/* Command line */

static void usage(FILE *f)
{
	fputs("usage: cwlat [options]\n"
	      "Measure the wakeup latency of clockwork's hrtimers, like cyclictest: each\n"
	      "thread is a periodic hrtimer on its own clockwork CPU, measured in its hard\n"
	      "callback against the host's CLOCK_MONOTONIC (docs/cwlat.md).\n"
	      "\n"
	      "  --threads N          measurement threads (clockwork CPUs) per series (default 1)\n"
	      "  --interval US        period in microseconds, 10..1000000 (default 1000)\n"
	      "  --duration TIME      how long to measure, e.g. 10s, 500ms (default 10s)\n"
	      "  --priority P         SCHED_FIFO priority 1..99 for the clockwork CPU threads\n"
	      "                       and the raw loops (a warning if not permitted)\n"
	      "  --affinity           pin thread i of each series to the i-th allowed host core\n"
	      "  --compare            also run raw clock_nanosleep(TIMER_ABSTIME) and absolute\n"
	      "                       timerfd loops, same number and interval, in the same run\n"
	      "  --oob                also run out-of-band timers under the proxy tick device,\n"
	      "                       same number and interval (posix; not with --compare;\n"
	      "                       docs/proxy-tick.md)\n"
	      "  --masked TIME        run in-band masked sections of TIME on every clockwork CPU,\n"
	      "                       one every 4 TIME (posix)\n"
	      "  --histogram FILE     write a gnuplot-ready histogram (bucket_us, count per series)\n"
	      "  --no-text-histogram  leave the text histogram out of the report\n"
	      "  --hz N               clockwork tick rate: 100, 250, 300 or 1000\n"
	      "  --clocksource NAME   clocksource for clockwork (posix; default: its own choice)\n"
	      "  --sim                measure on the simulator in virtual time instead\n"
	      "  --machine FILE       --sim: machine file (default: built-in default-soc)\n"
	      "  --irq-latency TIME   --sim: interrupt latency to model (default: the machine's)\n"
	      "  --seed N             --sim: random seed (default 1)\n"
	      "  --help               print this help and exit\n"
	      "\n"
	      "TIME is a number with a unit: ns, us, ms or s (decimals allowed).\n"
	      "Exit status: 0 ok, 1 failed run, 2 bad arguments.\n",
	      f);
}

/** Parsing state: the options, the command line, what the cross-checks need. */
struct cwlat_parse {
	struct cwlat_opts *o;
	struct cli cli;
	bool seed_set;
};

static int parse_number(const struct cli *cli, const char *name, const char *v, uint64_t lo,
			uint64_t hi, uint64_t *out)
{
	char range[64];

	if (cli_uint(v, 10, lo, hi, out)) {
		return 0;
	}
	snprintf(range, sizeof(range), "%llu..%llu (got '%s')", (unsigned long long)lo,
		 (unsigned long long)hi, v);
	return cli_bad_arg(cli, "%s: expected a number in %s", name, range);
}

/* Options with a number value; -1 if argv[*i] is none of them. */
static int parse_numeric(int argc, char **argv, int *i, struct cwlat_parse *p)
{
	const struct cli *cli = &p->cli;
	struct cwlat_opts *o = p->o;
	const char *v;
	uint64_t n;
	int ret;

	if ((v = cli_opt_value(argc, argv, i, "--threads"))) {
		ret = parse_number(cli, "--threads", v, 1, CWLAT_MAX_THREADS, &n);
		o->threads = (unsigned)n;
		return ret;
	}
	if ((v = cli_opt_value(argc, argv, i, "--interval"))) {
		ret = parse_number(cli, "--interval", v, CWLAT_MIN_INTERVAL_US,
				   CWLAT_MAX_INTERVAL_US, &n);
		o->interval_ns = n * CW_NSEC_PER_USEC;
		return ret;
	}
	if ((v = cli_opt_value(argc, argv, i, "--priority"))) {
		ret = parse_number(cli, "--priority", v, 1, 99, &n);
		o->priority = (int)n;
		return ret;
	}
	if ((v = cli_opt_value(argc, argv, i, "--hz"))) {
		return cli_hz(cli, v, 10, &o->hz);
	}
	if ((v = cli_opt_value(argc, argv, i, "--seed"))) {
		return parse_number(cli, "--seed", v, 0, UINT64_MAX - 1, &o->seed);
	}
	return -1;
}

/* Options that take a value; -1 if argv[*i] is none of them. */
static int parse_valued(int argc, char **argv, int *i, struct cwlat_parse *p)
{
	const struct cli *cli = &p->cli;
	struct cwlat_opts *o = p->o;
	const char *v;

	if ((v = cli_opt_value(argc, argv, i, "--duration"))) {
		return cli_time(cli, "--duration", v, &o->duration_ns);
	}
	if ((v = cli_opt_value(argc, argv, i, "--masked"))) {
		return cli_time(cli, "--masked", v, &o->masked_ns);
	}
	if ((v = cli_opt_value(argc, argv, i, "--irq-latency"))) {
		o->irq_latency_set = true;
		return cli_time(cli, "--irq-latency", v, &o->irq_latency_ns);
	}
	if ((v = cli_opt_value(argc, argv, i, "--histogram"))) {
		return cli_string(cli, "--histogram", v, "a name", &o->histogram_path);
	}
	if ((v = cli_opt_value(argc, argv, i, "--machine"))) {
		return cli_string(cli, "--machine", v, "a name", &o->machine_path);
	}
	if ((v = cli_opt_value(argc, argv, i, "--clocksource"))) {
		return cli_string(cli, "--clocksource", v, "a name", &o->clocksource);
	}
	return parse_numeric(argc, argv, i, p);
}

static bool parse_flag(const char *arg, struct cwlat_opts *o)
{
	if (strcmp(arg, "--affinity") == 0) {
		o->affinity = true;
	} else if (strcmp(arg, "--compare") == 0) {
		o->compare = true;
	} else if (strcmp(arg, "--oob") == 0) {
		o->oob = true;
	} else if (strcmp(arg, "--sim") == 0) {
		o->sim = true;
	} else if (strcmp(arg, "--no-text-histogram") == 0) {
		o->no_text_histogram = true;
	} else {
		return false;
	}
	return true;
}

/* One argument (cli_parse()). */
static int parse_arg(int argc, char **argv, int *i, void *ctx)
{
	struct cwlat_parse *p = ctx;

	if (parse_flag(argv[*i], p->o)) {
		return 0;
	}
	p->seed_set |= strncmp(argv[*i], "--seed", 6) == 0;
	return parse_valued(argc, argv, i, p);
}

/* Cross-option checks. */
static int check_opts(const struct cwlat_parse *p)
{
	const struct cli *cli = &p->cli;
	const struct cwlat_opts *o = p->o;
	unsigned nr_series = o->compare ? CWLAT_MAX_SERIES : o->oob ? 2 : 1;
	uint64_t per_thread;

	if (o->duration_ns == 0 || o->duration_ns > CWLAT_MAX_DURATION_NS) {
		return cli_bad_arg(cli, "%s: expected a time above 0 and at most 3600s",
				   "--duration");
	}
	if (o->duration_ns < o->interval_ns) {
		return cli_bad_arg(cli, "%s is shorter than %s", "--duration", "--interval");
	}
	per_thread = o->duration_ns / o->interval_ns + 2;
	if (per_thread * o->threads * nr_series > CWLAT_MAX_SAMPLES) {
		return cli_bad_arg(cli,
				   "too many samples to keep: shorten %s, lengthen %s or use fewer "
				   "threads",
				   "--duration", "--interval");
	}
	if (o->oob && o->compare) {
		return cli_bad_arg(cli, "%s and %s: choose one", "--oob", "--compare");
	}
	if (o->sim && (o->oob || o->masked_ns)) {
		return cli_bad_arg(cli,
				   "%s: %s need the posix port (cwsim's [proxy] workload "
				   "measures the simulator)",
				   "--sim", "--oob and --masked");
	}
	if (o->sim && (o->compare || o->priority || o->affinity || o->clocksource)) {
		return cli_bad_arg(
			cli, "%s: --compare, --priority, --affinity and %s need the posix port",
			"--sim", "--clocksource");
	}
	if (!o->sim && (o->machine_path || o->irq_latency_set || p->seed_set)) {
		return cli_bad_arg(cli, "%s and %s need --sim", "--machine, --irq-latency",
				   "--seed");
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct cwlat_opts *o, FILE *out, FILE *err)
{
	struct cwlat_parse p = {
		.o = o,
		.cli = { .prog = "cwlat",
			 .usage = usage,
			 .err = err,
			 .time_example = "10s or 250us" },
	};
	int ret;

	memset(o, 0, sizeof(*o));
	o->threads = 1;
	o->interval_ns = CWLAT_DEFAULT_INTERVAL_NS;
	o->duration_ns = CWLAT_DEFAULT_DURATION_NS;
	o->seed = 1;
	ret = cli_parse(argc, argv, &p.cli, out, parse_arg, &p);
	return ret ? ret : check_opts(&p);
}

bool cwlat_all_hres(struct cw_system *sys, unsigned nr_cpus)
{
	for (unsigned i = 0; i < nr_cpus; i++) {
		struct cw_hrtimer_cpu_stats st;

		if (cw_hrtimer_get_cpu_stats(sys, i, &st) || !st.hres_active) {
			return false;
		}
	}
	return true;
}

/* ---------------------------------------------------------------------- */
/* Statistics */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a;
	int64_t y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least @per_mille of them at or below. */
static int64_t rank(const int64_t *sorted, size_t n, unsigned per_mille)
{
	size_t r = ((uint64_t)n * per_mille + 999) / 1000;

	return sorted[r ? r - 1 : 0];
}

/* Statistics of @n samples, which are sorted in place. */
static void stats_of(int64_t *s, size_t n, uint64_t overruns, struct cwlat_stats *st)
{
	int64_t sum = 0;

	memset(st, 0, sizeof(*st));
	st->overruns = overruns;
	st->samples = n;
	if (!n) {
		return;
	}
	qsort(s, n, sizeof(*s), cmp_i64);
	for (size_t i = 0; i < n; i++) {
		sum += s[i];
	}
	st->min_ns = s[0];
	st->max_ns = s[n - 1];
	st->avg_ns = sum / (int64_t)n;
	st->p50_ns = rank(s, n, 500);
	st->p99_ns = rank(s, n, 990);
	st->p999_ns = rank(s, n, 999);
}

/* All samples of a series, in one sorted array (the caller frees it); NULL if out of memory. */
static int64_t *series_stats(const struct cwlat_opts *o, const struct cwlat_series *s,
			     struct cwlat_stats *st)
{
	uint64_t overruns = 0;
	size_t n = 0;
	int64_t *all;

	for (unsigned i = 0; i < o->threads; i++) {
		n += s->thread[i].n;
		overruns += s->thread[i].overruns;
	}
	all = malloc((n ? n : 1) * sizeof(*all));
	if (!all) {
		return NULL;
	}
	n = 0;
	for (unsigned i = 0; i < o->threads; i++) {
		memcpy(all + n, s->thread[i].samples, s->thread[i].n * sizeof(*all));
		n += s->thread[i].n;
	}
	stats_of(all, n, overruns, st);
	return all;
}

/* ---------------------------------------------------------------------- */
/* Report */

/* @ns as microseconds with three decimals ("-0.042"). */
static const char *us(char *buf, size_t len, int64_t ns)
{
	uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;

	snprintf(buf, len, "%s%llu.%03llu", ns < 0 ? "-" : "",
		 (unsigned long long)(mag / CW_NSEC_PER_USEC),
		 (unsigned long long)(mag % CW_NSEC_PER_USEC));
	return buf;
}

static void print_row(FILE *out, const char *series, const char *thread,
		      const struct cwlat_stats *st)
{
	char b[6][32];

	fprintf(out, "%-10s %-6s %9llu %8llu %10s %10s %10s %10s %10s %10s\n", series, thread,
		(unsigned long long)st->samples, (unsigned long long)st->overruns,
		us(b[0], 32, st->min_ns), us(b[1], 32, st->avg_ns), us(b[2], 32, st->p50_ns),
		us(b[3], 32, st->p99_ns), us(b[4], 32, st->p999_ns), us(b[5], 32, st->max_ns));
}

static void print_header(FILE *out, const struct cwlat_opts *o, const struct cwlat_env *env)
{
	char b[32];

	if (o->sim) {
		fprintf(out,
			"cwlat: simulator, machine %s, modelled interrupt latency %s us, seed "
			"%llu\n",
			env->machine, us(b, sizeof(b), (int64_t)env->irq_latency_ns),
			(unsigned long long)o->seed);
	} else {
		fprintf(out, "cwlat: posix port, %u host cores, priority ", env->host_cores);
		if (!o->priority) {
			fputs("normal", out);
		} else {
			fprintf(out, "SCHED_FIFO %d%s", o->priority,
				env->priority_applied ? "" : " (not permitted: normal)");
		}
		fprintf(out, ", affinity %s", o->affinity ? "pinned" : "free");
		if (o->compare && env->raw_timer_slack_ns >= 0) {
			fprintf(out, ", raw timer slack %ld ns", env->raw_timer_slack_ns);
		}
		fputs("\n", out);
	}
	fprintf(out, "threads %u, interval %llu us, duration %s s, clocksource %s", o->threads,
		(unsigned long long)(o->interval_ns / CW_NSEC_PER_USEC),
		us(b, sizeof(b), (int64_t)(o->duration_ns / CW_NSEC_PER_MSEC)), env->clocksource);
	if (env->clocksource_end[0] && strcmp(env->clocksource, env->clocksource_end) != 0) {
		fprintf(out, " (then %s)", env->clocksource_end);
	}
	fprintf(out, ", %s\n", env->hres ? "high resolution" : "LOW RESOLUTION (tick-bound)");
	fprintf(out, "%-10s %-6s %9s %8s %10s %10s %10s %10s %10s %10s\n", "series", "thread",
		"samples", "overruns", "min_us", "avg_us", "p50_us", "p99_us", "p99.9_us",
		"max_us");
}

static void print_compare(FILE *out, const struct cwlat_summary *sum)
{
	int64_t d_tfd = sum->series[0].p99_ns - sum->series[CWLAT_SERIES_TIMERFD].p99_ns;
	int64_t d_ns = sum->series[0].p99_ns - sum->series[CWLAT_SERIES_NANOSLEEP].p99_ns;
	char b[2][32];

	fprintf(out, "compare: p99 clockwork - timerfd = %s%s us (target at most +20 us: %s)\n",
		d_tfd >= 0 ? "+" : "", us(b[0], 32, d_tfd),
		d_tfd <= CWLAT_TARGET_P99_DIFF_NS ? "met" : "missed");
	fprintf(out, "compare: p99 clockwork - nanosleep = %s%s us\n", d_ns >= 0 ? "+" : "",
		us(b[1], 32, d_ns));
}

/* Bucket edges of the text histogram, us; the last bucket is open. */
static const int64_t text_edges_us[] = { 0,   1,   2,    5,    10,   20,    50,    100,
					 200, 500, 1000, 2000, 5000, 10000, 100000 };
#define NR_TEXT_BUCKETS (sizeof(text_edges_us) / sizeof(text_edges_us[0]))

static void print_text_histogram(FILE *out, const char *name, const int64_t *sorted, size_t n)
{
	uint64_t count[NR_TEXT_BUCKETS] = { 0 };
	uint64_t max = 0;
	size_t b = 0;

	for (size_t i = 0; i < n; i++) {
		while (b + 1 < NR_TEXT_BUCKETS &&
		       sorted[i] >= text_edges_us[b + 1] * (int64_t)CW_NSEC_PER_USEC) {
			b++;
		}
		count[b]++;
		max = count[b] > max ? count[b] : max;
	}
	fprintf(out, "histogram %s (all threads; samples below 0 count in the first bucket):\n",
		name);
	for (b = 0; b < NR_TEXT_BUCKETS; b++) {
		char range[32];
		int bar = max ? (int)((count[b] * CWLAT_BAR_WIDTH + max - 1) / max) : 0;

		if (!count[b]) {
			continue;
		}
		if (b + 1 < NR_TEXT_BUCKETS) {
			snprintf(range, sizeof(range), "[%lld, %lld)", (long long)text_edges_us[b],
				 (long long)text_edges_us[b + 1]);
		} else {
			snprintf(range, sizeof(range), ">= %lld", (long long)text_edges_us[b]);
		}
		fprintf(out, "  %-16s us %9llu %.*s\n", range, (unsigned long long)count[b], bar,
			"########################################");
	}
}

static size_t hist_bucket(int64_t ns)
{
	int64_t b = ns < 0 ? 0 : ns / (int64_t)CW_NSEC_PER_USEC;

	return (size_t)(b < CWLAT_HIST_MAX_US ? b : CWLAT_HIST_MAX_US);
}

/* The gnuplot data file: one row per 1 us bucket up to the largest used. */
static int write_histogram(const char *path, int64_t *const *sorted,
			   const struct cwlat_summary *sum, FILE *err)
{
	uint64_t *count[CWLAT_MAX_SERIES] = { NULL };
	size_t last = 0;
	FILE *f = fopen(path, "w");
	int ret = CWLAT_EXIT_FAILURE;

	if (!f) {
		fprintf(err, "cwlat: cannot write %s\n", path);
		return CWLAT_EXIT_FAILURE;
	}
	for (unsigned s = 0; s < sum->nr_series; s++) {
		count[s] = calloc(CWLAT_HIST_MAX_US + 1, sizeof(uint64_t));
		if (!count[s]) {
			goto out;
		}
		for (size_t i = 0; i < sum->series[s].samples; i++) {
			size_t b = hist_bucket(sorted[s][i]);

			count[s][b]++;
			last = b > last ? b : last;
		}
	}
	fprintf(f, "# cwlat wakeup latency histogram: %u threads per series, interval %llu us\n",
		sum->threads, (unsigned long long)(sum->interval_ns / CW_NSEC_PER_USEC));
	fprintf(f,
		"# bucket_us = floor(latency in us); negative latencies count in 0, "
		"latencies >= %d us in %d\n",
		CWLAT_HIST_MAX_US, CWLAT_HIST_MAX_US);
	fputs("# bucket_us", f);
	for (unsigned s = 0; s < sum->nr_series; s++) {
		fprintf(f, " %s", sum->name[s]);
	}
	fputs("\n", f);
	for (size_t b = 0; b <= last; b++) {
		fprintf(f, "%zu", b);
		for (unsigned s = 0; s < sum->nr_series; s++) {
			fprintf(f, " %llu", (unsigned long long)count[s][b]);
		}
		fputs("\n", f);
	}
	ret = CWLAT_EXIT_OK;
out:
	for (unsigned s = 0; s < sum->nr_series; s++) {
		free(count[s]);
	}
	if (fclose(f) || ret) {
		fprintf(err, "cwlat: cannot write %s\n", path);
		ret = CWLAT_EXIT_FAILURE;
	}
	return ret;
}

static int report(FILE *out, FILE *err, const struct cwlat_opts *o, struct cwlat_series *series,
		  const struct cwlat_env *env, struct cwlat_summary *sum)
{
	int64_t *sorted[CWLAT_MAX_SERIES] = { NULL };
	int ret = CWLAT_EXIT_OK;

	print_header(out, o, env);
	for (unsigned s = 0; s < sum->nr_series; s++) {
		snprintf(sum->name[s], CWLAT_NAME_MAX, "%s", series[s].name);
		sorted[s] = series_stats(o, &series[s], &sum->series[s]);
		if (!sorted[s]) {
			fputs("cwlat: out of memory\n", err);
			ret = CWLAT_EXIT_FAILURE;
			goto out;
		}
		for (unsigned i = 0; i < o->threads; i++) {
			struct cwlat_thread *t = &series[s].thread[i];
			struct cwlat_stats st;
			char id[16];

			stats_of(t->samples, t->n, t->overruns, &st);
			snprintf(id, sizeof(id), "%u", i);
			print_row(out, series[s].name, id, &st);
		}
		print_row(out, series[s].name, "all", &sum->series[s]);
	}
	if (o->compare) {
		print_compare(out, sum);
	}
	for (unsigned s = 0; s < sum->nr_series && !o->no_text_histogram; s++) {
		print_text_histogram(out, series[s].name, sorted[s], sum->series[s].samples);
	}
	if (o->histogram_path) {
		ret = write_histogram(o->histogram_path, sorted, sum, err);
	}
out:
	for (unsigned s = 0; s < CWLAT_MAX_SERIES; s++) {
		free(sorted[s]);
	}
	return ret;
}

/* ---------------------------------------------------------------------- */
/* The run */

static void free_series(struct cwlat_series *series, unsigned nr_series, unsigned threads)
{
	for (unsigned s = 0; s < nr_series; s++) {
		for (unsigned i = 0; series[s].thread && i < threads; i++) {
			free(series[s].thread[i].samples);
		}
		free(series[s].thread);
	}
}

/* Buffers, and first expiries spread evenly over one interval across all threads. */
static int alloc_series(const struct cwlat_opts *o, struct cwlat_series *series, unsigned nr_series)
{
	size_t cap = (size_t)(o->duration_ns / o->interval_ns) + 2;
	uint64_t slots = (uint64_t)nr_series * o->threads;

	for (unsigned s = 0; s < nr_series; s++) {
		series[s].name = o->oob && s == CWLAT_SERIES_OOB ? "oob" : series_names[s];
		series[s].thread = calloc(o->threads, sizeof(*series[s].thread));
		if (!series[s].thread) {
			return CWLAT_EXIT_FAILURE;
		}
		for (unsigned i = 0; i < o->threads; i++) {
			struct cwlat_thread *t = &series[s].thread[i];

			t->samples = malloc(cap * sizeof(*t->samples));
			if (!t->samples) {
				return CWLAT_EXIT_FAILURE;
			}
			t->cap = cap;
			t->phase_ns = o->interval_ns * ((uint64_t)s * o->threads + i) / slots;
		}
	}
	return CWLAT_EXIT_OK;
}

int cwlat_run(int argc, char **argv, FILE *out, FILE *err, struct cwlat_summary *summary)
{
	struct cwlat_series series[CWLAT_MAX_SERIES] = { { 0 } };
	struct cwlat_summary sum = { 0 };
	struct cwlat_env env = { 0 };
	struct cwlat_opts o;
	unsigned nr_series;
	int ret;

	ret = parse_args(argc, argv, &o, out, err);
	if (ret) {
		return ret < 0 ? CWLAT_EXIT_OK : ret;
	}
	nr_series = o.compare ? CWLAT_MAX_SERIES : o.oob ? 2 : 1;
	ret = alloc_series(&o, series, nr_series);
	if (ret) {
		fputs("cwlat: out of memory\n", err);
		goto out;
	}
	ret = o.sim ? cwlat_sim_measure(&o, series, &env, err)
		    : cwlat_posix_measure(&o, series, nr_series, &env, err);
	if (ret == CWLAT_EXIT_USAGE) {
		/* An option the back end could check only against the machine. */
		usage(err);
	}
	if (ret) {
		goto out;
	}
	sum.nr_series = nr_series;
	sum.threads = o.threads;
	sum.interval_ns = o.interval_ns;
	sum.duration_ns = o.duration_ns;
	sum.sim = o.sim;
	sum.irq_latency_ns = env.irq_latency_ns;
	sum.priority_applied = env.priority_applied;
	ret = report(out, err, &o, series, &env, &sum);
	if (!ret && summary) {
		*summary = sum;
	}
out:
	free_series(series, nr_series, o.threads);
	return ret;
}

int cwlat_main(int argc, char **argv, FILE *out, FILE *err)
{
	return cwlat_run(argc, argv, out, err, NULL);
}
