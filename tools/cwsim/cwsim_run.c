/* SPDX-License-Identifier: MIT */
/*
 * cwsim: boot a modelled machine on the deterministic simulator, run a
 * workload on it for a stretch of virtual time and report how well each
 * clock id kept time and how each CPU ticked.
 *
 * A run: parse the machine (a file, or the built-in default-soc) and the
 * workload (a file, the built-in default, or none), create the engine with
 * the seed, build the machine (its "sim:" lines appear in the boot log),
 * schedule the scripted events the options ask for (suspend/resume, a
 * run-time clocksource override), boot (the log shows the machine hooks,
 * each init level, each driver probe and each device as it registers and
 * is bound), start the workload, run to the end of the duration, then print
 *
 *   - for every clock id, its value, the true value and the error in ns and
 *     ppm of the elapsed time. Truth is the engine's virtual time: MONOTONIC
 *     and MONOTONIC_RAW are the virtual ns since boot minus the time spent
 *     suspended, BOOTTIME the virtual ns since boot, REALTIME the initial
 *     realtime plus the virtual ns since boot, TAI that plus the TAI offset;
 *     a coarse clock is compared with the same truth as its fine clock;
 *   - every clocksource: rating, frequency, width, flags, whether it is
 *     current or the watchdog, and how often the modelled counter wrapped.
 *
 * Output is a pure function of the arguments: the engine reads no host
 * clock, so two runs with the same arguments print the same bytes.
 */
#include "claim_report.h"
#include "cwsim.h"
#include "cli.h"

#include <clockwork/clockwork.h>
#include <clockwork/check.h>
#include <clockwork/cpu.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/tick.h>

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/** REALTIME at boot: 2025-01-01T00:00:00Z. */
#define CWSIM_REALTIME_START_S    INT64_C(1735689600)
/** TAI - UTC at boot (the value since 2017). */
#define CWSIM_TAI_OFFSET_S        37
/** Default simulated duration. */
#define CWSIM_DEFAULT_DURATION_NS (10 * (uint64_t)CW_NSEC_PER_SEC)
/** Longest simulated duration accepted (one day). */
#define CWSIM_MAX_DURATION_NS     (86400 * (uint64_t)CW_NSEC_PER_SEC)
/** Log lines the system keeps (the whole default run fits). */
#define CWSIM_LOG_LINES           4096u

_Static_assert(CWSIM_EXIT_FAILURE == CLI_EXIT_FAILURE && CWSIM_EXIT_USAGE == CLI_EXIT_USAGE,
	       "cli.c returns the tool's exit statuses");

/** Parsed command line. */
struct cwsim_opts {
	/** --machine FILE, or NULL for the built-in default. */
	const char *machine_path;
	/** --duration. */
	uint64_t duration_ns;
	/** --seed. */
	uint64_t seed;
	/** --hz (0: the library default). */
	unsigned hz;
	/** --quiet: no boot log, only the final tables. */
	bool quiet;
	/** --nohz off: never stop the tick in idle. */
	bool nohz_off;
	/** --highres off: keep CPUs in low-resolution mode. */
	bool highres_off;
	/** --hrtimer-rearm eager: reprogram at once when the first hrtimer moves later. */
	bool hrtimer_eager;
	/** --check off: no invariant checker (it is on by default). */
	bool check_off;
	/** --check strict: a violation fails the run (exit 1). */
	bool check_strict;
	/** --dump-machine: print the parsed machine and exit. */
	bool dump_machine;
	/** --workload FILE ("none": no workload; NULL: the built-in default). */
	const char *workload_path;
	/** --suspend-at / --suspend-for. */
	bool suspend;
	uint64_t suspend_at_ns;
	uint64_t suspend_for_ns;
	/** --override NAME and --override-at T (without -at: at boot). */
	const char *override_name;
	bool override_at_set;
	uint64_t override_at_ns;
	/** --realtime: REALTIME at boot (else the machine's [system] realtime, else 2025). */
	bool realtime_set;
	int64_t realtime_ns;
	/** --initial-jiffies (0: the machine's [system] value, else INITIAL_JIFFIES). */
	uint64_t initial_jiffies;
	/** --resources: print the host wall time and peak RSS of the run on stderr. */
	bool resources;
};

/** One run: the machine and the scripted events. */
struct cwsim_run {
	const struct cwsim_opts *opts;
	FILE *out;
	FILE *err;
	struct cw_sim *sim;
	struct cw_sim_machine *machine;
	struct cw_system *sys;
	struct cw_sim_event suspend_ev;
	struct cw_sim_event resume_ev;
	struct cw_sim_event override_ev;
	/** The workload (NULL: none). */
	struct cw_sim_workload_desc *workload;
	/** jiffies when the machine was built (INITIAL_JIFFIES). */
	uint64_t jiffies0;
	/** REALTIME at boot, ns since the epoch. */
	int64_t realtime0_ns;
};

/* ---------------------------------------------------------------------- */
/* Command line */

static void usage(FILE *f)
{
	fputs("usage: cwsim [options]\n"
	      "Boot a modelled machine on the deterministic simulator and report how\n"
	      "well every clock id kept time. Same arguments, same output.\n"
	      "\n"
	      "  --machine FILE       machine description (default: built-in default-soc,\n"
	      "                       examples/machines/default-soc.ini)\n"
	      "  --duration TIME      virtual time to run, e.g. 10s, 250ms (default 10s)\n"
	      "  --seed N             random seed (default 1)\n"
	      "  --hz N               tick rate: 100, 250, 300 or 1000 (default: the machine's\n"
	      "                       [system] hz, else 1000)\n"
	      "  --realtime WHEN      REALTIME at boot: 2038-01-19T03:14:07Z or a time since the\n"
	      "                       epoch such as 2147483647s (default: the machine's [system]\n"
	      "                       realtime, else 2025-01-01T00:00:00Z)\n"
	      "  --initial-jiffies N  jiffies at boot, above 0 (default: the machine's [system]\n"
	      "                       initial_jiffies, else Linux's INITIAL_JIFFIES)\n"
	      "  --suspend-at TIME    suspend the machine at TIME...\n"
	      "  --suspend-for TIME   ...for TIME of virtual time (both or neither)\n"
	      "  --override NAME      prefer clocksource NAME (at boot, or at --override-at)\n"
	      "  --override-at TIME   apply --override at TIME instead of at boot\n"
	      "  --workload FILE      workload file (default: built-in, examples/workloads/\n"
	      "                       default.ini; 'none': CPUs never idle)\n"
	      "  --nohz on|off        stop the tick of idle CPUs (default on)\n"
	      "  --highres on|off     high-resolution timers and tick (default on)\n"
	      "  --hrtimer-rearm lazy|eager  when a CPU's first hrtimer moves later, program\n"
	      "                       its device at the early interrupt (lazy, default) or\n"
	      "                       at once (eager; docs/hrtimers.md, \"Lazy rearm\")\n"
	      "  --check on|off|strict  the invariant checker (docs/checker.md): on reports\n"
	      "                       its verdict and first violation, strict also fails\n"
	      "                       the run on a violation (default on)\n"
	      "  --dump-machine       print the machine in canonical form and exit\n"
	      "  --quiet              print only the final tables, not the boot log\n"
	      "  --resources          print the run's host wall time and peak RSS on\n"
	      "                       stderr (the only output that varies between runs)\n"
	      "  --help               print this help and exit\n"
	      "\n"
	      "TIME is a number with a unit: ns, us, ms or s (decimals allowed).\n"
	      "Exit status: 0 ok, 1 bad machine or workload file or failed run, 2 bad\n"
	      "arguments.\n",
	      f);
}

/** Parsing state: the options, the command line, what the cross-checks need. */
struct cwsim_parse {
	struct cwsim_opts *o;
	struct cli cli;
	bool suspend_for_set;
};

/* "on" or "off"; @off receives whether it was "off". */
static int parse_on_off(const struct cli *cli, const char *name, const char *v, bool *off)
{
	if (strcmp(v, "on") == 0 || strcmp(v, "off") == 0) {
		*off = strcmp(v, "off") == 0;
		return 0;
	}
	return cli_bad_arg(cli, "%s: expected on or off (got '%s')", name, v);
}

/* Options that take a value; returns -1 if argv[*i] is none of them. */
static int parse_valued(int argc, char **argv, int *i, struct cwsim_parse *p)
{
	const struct cli *cli = &p->cli;
	struct cwsim_opts *o = p->o;
	const char *v;

	if ((v = cli_opt_value(argc, argv, i, "--machine"))) {
		return cli_string(cli, "--machine", v, "a file name", &o->machine_path);
	}
	if ((v = cli_opt_value(argc, argv, i, "--workload"))) {
		return cli_string(cli, "--workload", v, "a file name or none", &o->workload_path);
	}
	if ((v = cli_opt_value(argc, argv, i, "--duration"))) {
		return cli_time(cli, "--duration", v, &o->duration_ns);
	}
	if ((v = cli_opt_value(argc, argv, i, "--seed"))) {
		if (!cli_uint(v, 0, 0, UINT64_MAX - 1, &o->seed)) {
			return cli_bad_arg(cli, "%s: expected an unsigned 64-bit number (got '%s')",
					   "--seed", v);
		}
		return 0;
	}
	if ((v = cli_opt_value(argc, argv, i, "--hz"))) {
		return cli_hz(cli, v, 0, &o->hz);
	}
	if ((v = cli_opt_value(argc, argv, i, "--realtime"))) {
		o->realtime_set = true;
		if (cw_sim_parse_realtime_ns(v, &o->realtime_ns) != 0) {
			return cli_bad_arg(
				cli,
				"%s: expected a UTC time such as 2038-01-19T03:14:07Z or "
				"2147483647s, at most KTIME_MAX (got '%s')",
				"--realtime", v);
		}
		return 0;
	}
	if ((v = cli_opt_value(argc, argv, i, "--initial-jiffies"))) {
		if (!cli_uint(v, 0, 1, UINT64_MAX - 1, &o->initial_jiffies)) {
			return cli_bad_arg(cli, "%s: expected a number above 0 (got '%s')",
					   "--initial-jiffies", v);
		}
		return 0;
	}
	if ((v = cli_opt_value(argc, argv, i, "--nohz"))) {
		return parse_on_off(cli, "--nohz", v, &o->nohz_off);
	}
	if ((v = cli_opt_value(argc, argv, i, "--hrtimer-rearm"))) {
		if (strcmp(v, "lazy") != 0 && strcmp(v, "eager") != 0) {
			return cli_bad_arg(cli,
					   "--hrtimer-rearm: expected lazy or eager (got '%s')", v);
		}
		o->hrtimer_eager = strcmp(v, "eager") == 0;
		return 0;
	}
	if ((v = cli_opt_value(argc, argv, i, "--highres"))) {
		return parse_on_off(cli, "--highres", v, &o->highres_off);
	}
	if ((v = cli_opt_value(argc, argv, i, "--check"))) {
		o->check_strict = strcmp(v, "strict") == 0;
		return o->check_strict ? 0 : parse_on_off(cli, "--check", v, &o->check_off);
	}
	if ((v = cli_opt_value(argc, argv, i, "--suspend-at"))) {
		o->suspend = true;
		return cli_time(cli, "--suspend-at", v, &o->suspend_at_ns);
	}
	if ((v = cli_opt_value(argc, argv, i, "--suspend-for"))) {
		return cli_time(cli, "--suspend-for", v, &o->suspend_for_ns);
	}
	if ((v = cli_opt_value(argc, argv, i, "--override-at"))) {
		o->override_at_set = true;
		return cli_time(cli, "--override-at", v, &o->override_at_ns);
	}
	if ((v = cli_opt_value(argc, argv, i, "--override"))) {
		return cli_string(cli, "--override", v, "a clocksource name", &o->override_name);
	}
	return -1;
}

/* One argument (cli_parse()). */
static int parse_arg(int argc, char **argv, int *i, void *ctx)
{
	struct cwsim_parse *p = ctx;

	if (strcmp(argv[*i], "--quiet") == 0 || strcmp(argv[*i], "-q") == 0) {
		p->o->quiet = true;
		return 0;
	}
	if (strcmp(argv[*i], "--dump-machine") == 0) {
		p->o->dump_machine = true;
		return 0;
	}
	if (strcmp(argv[*i], "--resources") == 0) {
		p->o->resources = true;
		return 0;
	}
	p->suspend_for_set |= strncmp(argv[*i], "--suspend-for", 13) == 0;
	return parse_valued(argc, argv, i, p);
}

/* @ns as the options write times: "22s", "2.5s", "250ms", "750us", "3ns". */
static const char *time_text(uint64_t ns, char *buf, size_t len)
{
	static const struct {
		uint64_t scale;
		const char *unit;
	} units[] = { { CW_NSEC_PER_SEC, "s" }, { 1000000, "ms" }, { 1000, "us" }, { 1, "ns" } };
	size_t u = 0;

	while (u + 1 < sizeof(units) / sizeof(units[0]) && ns < units[u].scale) {
		u++;
	}
	if (ns % units[u].scale == 0) {
		snprintf(buf, len, "%llu%s", (unsigned long long)(ns / units[u].scale),
			 units[u].unit);
	} else {
		snprintf(buf, len, "%.9g%s", (double)ns / (double)units[u].scale, units[u].unit);
	}
	return buf;
}

/*
 * The scripted suspend lies inside the run: it starts before the end and
 * the machine is awake again by the end (else the report would read clocks
 * frozen since the suspend and show the time asleep as their error).
 */
static int check_suspend(const struct cli *cli, const struct cwsim_opts *o)
{
	char at[32], len[32], end[32], dur[32];

	if (o->suspend_for_ns == 0 || o->suspend_at_ns >= o->duration_ns) {
		return cli_bad_arg(cli,
				   "%s: expected a suspend that starts before the end of the run "
				   "and lasts more than 0 ns",
				   "--suspend-at/--suspend-for");
	}
	if (o->suspend_for_ns > o->duration_ns - o->suspend_at_ns) {
		return cli_bad_arg(
			cli,
			"%s: expected a suspend that ends by the end of the run (got %s + %s = %s, "
			"after --duration %s)",
			"--suspend-at/--suspend-for", time_text(o->suspend_at_ns, at, sizeof(at)),
			time_text(o->suspend_for_ns, len, sizeof(len)),
			time_text(o->suspend_at_ns + o->suspend_for_ns > o->suspend_at_ns
					  ? o->suspend_at_ns + o->suspend_for_ns
					  : UINT64_MAX,
				  end, sizeof(end)),
			time_text(o->duration_ns, dur, sizeof(dur)));
	}
	return 0;
}

/* Cross-option checks. */
static int check_opts(const struct cwsim_parse *p)
{
	const struct cli *cli = &p->cli;
	const struct cwsim_opts *o = p->o;

	if (o->duration_ns == 0 || o->duration_ns > CWSIM_MAX_DURATION_NS) {
		return cli_bad_arg(cli, "%s: expected a time above 0 and at most 86400s",
				   "--duration");
	}
	if (o->suspend != p->suspend_for_set) {
		return cli_bad_arg(cli, "%s and %s go together", "--suspend-at", "--suspend-for");
	}
	if (o->suspend && check_suspend(cli, o)) {
		return CWSIM_EXIT_USAGE;
	}
	if (o->override_at_set && !o->override_name) {
		return cli_bad_arg(cli, "%s needs %s", "--override-at", "--override NAME");
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct cwsim_opts *o, FILE *out, FILE *err)
{
	struct cwsim_parse p = {
		.o = o,
		.cli = { .prog = "cwsim",
			 .usage = usage,
			 .err = err,
			 .time_example = "10s or 250ms" },
	};
	int ret;

	memset(o, 0, sizeof(*o));
	o->duration_ns = CWSIM_DEFAULT_DURATION_NS;
	o->seed = 1;
	ret = cli_parse(argc, argv, &p.cli, out, parse_arg, &p);
	return ret ? ret : check_opts(&p);
}

/* ---------------------------------------------------------------------- */
/* The run */

static void sink_to_file(void *arg, int level, const char *line)
{
	(void)level;
	fprintf(arg, "%s\n", line);
}

static void suspend_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct cwsim_run *r = ev->data;

	(void)sim;
	cw_sim_system_suspend(r->sys);
}

static void resume_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct cwsim_run *r = ev->data;

	(void)sim;
	/* The modelled RTC measures the sleep exactly. */
	cw_sim_system_resume(r->sys, r->opts->suspend_for_ns);
}

static void override_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct cwsim_run *r = ev->data;
	int ret = cw_clocksource_override(r->sys, r->opts->override_name);

	(void)sim;
	cw_sim_system_log(r->sys, ret ? CW_LOG_WARNING : CW_LOG_INFO,
			  "sim: override to clocksource '%s': %s", r->opts->override_name,
			  ret ? cw_strerror(ret) : "accepted");
}

static void schedule_script(struct cwsim_run *r)
{
	const struct cwsim_opts *o = r->opts;

	if (o->suspend) {
		cw_sim_event_init(&r->suspend_ev, suspend_fire, r);
		cw_sim_event_init(&r->resume_ev, resume_fire, r);
		cw_sim_event_schedule(r->sim, &r->suspend_ev, o->suspend_at_ns);
		cw_sim_event_schedule(r->sim, &r->resume_ev, o->suspend_at_ns + o->suspend_for_ns);
	}
	if (o->override_at_set) {
		cw_sim_event_init(&r->override_ev, override_fire, r);
		cw_sim_event_schedule(r->sim, &r->override_ev, o->override_at_ns);
	}
}

/* A name the override may use: a counter of the machine, or jiffies. */
static bool override_known(const struct cw_sim_machine_desc *d, const char *name, FILE *err)
{
	if (strcmp(name, "jiffies") == 0) {
		return true;
	}
	for (size_t i = 0; i < d->nr_counters; i++) {
		if (strcmp(d->counters[i].name, name) == 0) {
			return true;
		}
	}
	fprintf(err, "cwsim: --override: machine '%s' has no clocksource '%s' (it has:", d->name,
		name);
	for (size_t i = 0; i < d->nr_counters; i++) {
		fprintf(err, " %s", d->counters[i].name);
	}
	fputs(" jiffies)\n", err);
	return false;
}

/* A finding of cw_sim_machine_desc_check(), for the user. */
static void print_finding(void *arg, bool error, const char *msg)
{
	(void)error;
	fprintf(arg, "cwsim: %s\n", msg);
}

/*
 * Hardware outside physical sense for this run (HZ, duration): errors stop
 * the run before it starts, warnings are printed and it goes on.
 */
static int check_machine(const struct cwsim_opts *o, const struct cw_sim_machine_desc *desc,
			 FILE *err)
{
	if (cw_sim_machine_desc_check(desc, o->hz, o->duration_ns, print_finding, err)) {
		return CWSIM_EXIT_FAILURE;
	}
	return CWSIM_EXIT_OK;
}

/* Hotplug events after the end of the run never happen: say so (they are harmless). */
static void warn_late_hotplug(const struct cwsim_opts *o, const struct cw_sim_workload_desc *w,
			      FILE *err)
{
	char at[32], dur[32];

	for (unsigned i = 0; i < w->nr_hotplug; i++) {
		const struct cw_sim_hotplug_event *h = &w->hotplug[i];

		if (h->at_ns <= o->duration_ns) {
			continue;
		}
		fprintf(err,
			"cwsim: %s:%u: warning: %s of CPU%u at %s is after the end of the run "
			"(--duration %s): it never happens\n",
			o->workload_path ? o->workload_path : "default.ini", h->line,
			h->online ? "online" : "offline", h->cpu,
			time_text(h->at_ns, at, sizeof(at)),
			time_text(o->duration_ns, dur, sizeof(dur)));
	}
}

static int load_workload(const struct cwsim_opts *o, struct cw_sim_workload_desc **w, FILE *err)
{
	char msg[CW_SIM_ERR_MAX];
	const char *text;
	int ret;

	*w = NULL;
	if (o->workload_path && strcmp(o->workload_path, "none") == 0) {
		return CWSIM_EXIT_OK;
	}
	if (o->workload_path) {
		ret = cw_sim_workload_parse_file(o->workload_path, w, msg, sizeof(msg));
	} else {
		text = cw_sim_workload_default_text();
		ret = cw_sim_workload_parse_mem(text, strlen(text), "default.ini", w, msg,
						sizeof(msg));
	}
	if (ret) {
		fprintf(err, "cwsim: %s\n", msg[0] ? msg : cw_strerror(ret));
		return CWSIM_EXIT_FAILURE;
	}
	warn_late_hotplug(o, *w, err);
	return CWSIM_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* Report */

/** How the true value of a clock id is derived from virtual time. */
enum truth {
	TRUTH_MONO,
	TRUTH_BOOT,
	TRUTH_REAL,
	TRUTH_TAI,
};

static const struct {
	int id;
	enum truth truth;
} report_clocks[] = {
	{ CW_CLOCK_REALTIME, TRUTH_REAL },
	{ CW_CLOCK_REALTIME_COARSE, TRUTH_REAL },
	{ CW_CLOCK_MONOTONIC, TRUTH_MONO },
	{ CW_CLOCK_MONOTONIC_COARSE, TRUTH_MONO },
	{ CW_CLOCK_MONOTONIC_RAW, TRUTH_MONO },
	{ CW_CLOCK_MONOTONIC_RAW_COARSE, TRUTH_MONO },
	{ CW_CLOCK_BOOTTIME, TRUTH_BOOT },
	{ CW_CLOCK_BOOTTIME_COARSE, TRUTH_BOOT },
	{ CW_CLOCK_TAI, TRUTH_TAI },
	{ CW_CLOCK_TAI_COARSE, TRUTH_TAI },
};

/* Print @ns as seconds with 9 decimals, right-aligned in @width. */
static void put_seconds(FILE *f, __int128 ns, int width)
{
	char buf[48];
	unsigned __int128 mag = ns < 0 ? (unsigned __int128)-ns : (unsigned __int128)ns;

	/* Truth near KTIME_MAX plus TAI - UTC goes past 64 bits: whole seconds still fit. */
	snprintf(buf, sizeof(buf), "%s%llu.%09llu", ns < 0 ? "-" : "",
		 (unsigned long long)(mag / CW_NSEC_PER_SEC),
		 (unsigned long long)(mag % CW_NSEC_PER_SEC));
	fprintf(f, "%*s", width, buf);
}

/* Print a signed ns count with its sign, right-aligned in @width (any 128-bit value). */
static void put_signed_ns(FILE *f, __int128 ns, int width)
{
	unsigned __int128 mag = ns < 0 ? (unsigned __int128)-ns : (unsigned __int128)ns;
	char digits[48], buf[52];
	size_t n = sizeof(digits) - 1;

	digits[n] = '\0';
	do {
		digits[--n] = (char)('0' + (unsigned)(mag % 10));
		mag /= 10;
	} while (mag && n > 0);
	snprintf(buf, sizeof(buf), "%c%s", ns < 0 ? '-' : '+', digits + n);
	fprintf(f, "%*s", width, buf);
}

/* Print @err_ns / @elapsed_ns in ppm with 3 decimals (integer arithmetic). */
static void put_ppm(FILE *f, __int128 err_ns, uint64_t elapsed_ns)
{
	__int128 milli_ppm;
	unsigned __int128 mag;
	char buf[40];

	if (elapsed_ns == 0) {
		fprintf(f, "%12s", "-");
		return;
	}
	milli_ppm = err_ns * 1000000000 / (__int128)elapsed_ns;
	mag = (unsigned __int128)(milli_ppm < 0 ? -milli_ppm : milli_ppm);
	snprintf(buf, sizeof(buf), "%c%llu.%03llu", milli_ppm < 0 ? '-' : '+',
		 (unsigned long long)(mag / 1000), (unsigned long long)(mag % 1000));
	fprintf(f, "%12s", buf);
}

static void report_clock_table(struct cwsim_run *r)
{
	uint64_t elapsed = cw_sim_now_ns(r->sim);
	uint64_t asleep = cw_sim_system_suspended_ns(r->sys);
	int64_t real0 = r->realtime0_ns;
	FILE *f = r->out;

	fprintf(f, "\n%-22s %22s %22s %14s %12s\n", "clock", "value (s)", "true (s)", "error (ns)",
		"error (ppm)");
	for (size_t i = 0; i < sizeof(report_clocks) / sizeof(report_clocks[0]); i++) {
		/* 128 bits: REALTIME placed near KTIME_MAX, plus the TAI offset, exceeds int64. */
		__int128 truth = (__int128)elapsed;
		cw_ktime_t value = 0;
		uint64_t span = elapsed;

		if (report_clocks[i].truth == TRUTH_MONO) {
			truth -= (__int128)asleep;
			span -= asleep;
		} else if (report_clocks[i].truth != TRUTH_BOOT) {
			truth += real0;
		}
		if (report_clocks[i].truth == TRUTH_TAI) {
			truth += CWSIM_TAI_OFFSET_S * CW_NSEC_PER_SEC;
		}
		cw_clock_get_ns(r->sys, report_clocks[i].id, &value);
		fprintf(f, "%-22s ", cw_clock_name(report_clocks[i].id));
		put_seconds(f, value, 22);
		fputc(' ', f);
		put_seconds(f, truth, 22);
		fputc(' ', f);
		put_signed_ns(f, value - truth, 14);
		fputc(' ', f);
		put_ppm(f, value - truth, span);
		fputc('\n', f);
	}
}

static void format_flags(unsigned flags, char *buf, size_t len)
{
	static const struct {
		unsigned flag;
		const char *name;
	} names[] = {
		{ CW_CLOCKSOURCE_IS_CONTINUOUS, "continuous" },
		{ CW_CLOCKSOURCE_MUST_VERIFY, "must_verify" },
		{ CW_CLOCKSOURCE_WATCHDOG, "watchdog" },
		{ CW_CLOCKSOURCE_VALID_FOR_HRES, "valid_for_hres" },
		{ CW_CLOCKSOURCE_UNSTABLE, "unstable" },
		{ CW_CLOCKSOURCE_SUSPEND_NONSTOP, "suspend_nonstop" },
		{ CW_CLOCKSOURCE_RESELECT, "reselect" },
	};
	size_t pos = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (flags & names[i].flag) {
			int n = snprintf(buf + pos, len - pos, "%s%s", pos ? "," : "",
					 names[i].name);

			pos += n > 0 && (size_t)n < len - pos ? (size_t)n : 0;
		}
	}
	if (pos == 0) {
		snprintf(buf, len, "-");
	}
}

static void report_one_clocksource(struct cwsim_run *r, const struct cw_clocksource_info *cs)
{
	struct cw_sim_counter *c = cw_sim_machine_counter(r->machine, cs->name);
	char flags[128], wraps[24] = "-";
	unsigned bits = (unsigned)__builtin_popcountll(cs->mask);

	format_flags(cs->flags, flags, sizeof(flags));
	if (c) {
		snprintf(wraps, sizeof(wraps), "%llu", (unsigned long long)cw_sim_counter_wraps(c));
	}
	fprintf(r->out, "%-20s %6d %12llu %4u  %-60s %-7s %-8s %5s\n", cs->name, cs->rating,
		(unsigned long long)cs->freq_hz, bits, flags, cs->current ? "yes" : "no",
		cs->is_watchdog ? "yes" : "no", wraps);
}

/* Print @part / @whole as a percentage with one decimal. */
static void put_percent(FILE *f, uint64_t part, uint64_t whole, int width)
{
	uint64_t tenths = whole ? (uint64_t)((unsigned __int128)part * 1000 / whole) : 0;
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu.%llu%%", (unsigned long long)(tenths / 10),
		 (unsigned long long)(tenths % 10));
	fprintf(f, "%*s", width, buf);
}

static void report_one_cpu(struct cwsim_run *r, unsigned cpu, uint64_t *lost_total)
{
	struct cw_clock_event_device *dev = cw_tick_device(r->sys, cpu);
	struct cw_sim_hw *hw = cw_sim_machine_hw(r->machine);
	struct cw_sim_hw_cpu_stats hs = { 0 };
	struct cw_tick_cpu_stats ts = { 0 };
	uint64_t idle_ns = 0, lost;

	cw_tick_get_cpu_stats(r->sys, cpu, &ts);
	cw_sim_hw_cpu_get_stats(hw, cpu, &hs);
	for (unsigned i = 0; i < CW_SIM_HW_MAX_IDLE_STATES; i++) {
		idle_ns += hs.idle_ns[i];
	}
	lost = hs.lost_offline + hs.timer_events_lost;
	*lost_total += lost;
	fprintf(r->out, "%-4u %-7s %-20s %-9s %11llu %10llu %9llu %10llu %8llu ", cpu,
		cw_cpu_online(r->sys, cpu) ? "yes" : "no", dev ? dev->name : "-",
		cw_tick_mode_name(cw_tick_mode(r->sys, cpu)), (unsigned long long)ts.interrupts,
		(unsigned long long)ts.ticks, (unsigned long long)ts.do_timer_ticks,
		(unsigned long long)ts.broadcast_wakeups, (unsigned long long)ts.ipis);
	put_percent(r->out, idle_ns, cw_sim_now_ns(r->sim), 7);
	fprintf(r->out, " %6llu %6llu %6llu\n", (unsigned long long)ts.deep_idle_entries,
		(unsigned long long)hs.deep_forced, (unsigned long long)lost);
}

/* Per CPU: what the tick layer and the CPU model counted. */
static void report_cpus(struct cwsim_run *r)
{
	struct cw_clock_event_device *bc = cw_tick_broadcast_device(r->sys);
	uint64_t tick_ns = cw_system_tick_nsec(r->sys), lost = 0, do_timer = 0;
	uint64_t awake = cw_sim_now_ns(r->sim) - cw_sim_system_suspended_ns(r->sys);
	unsigned nr = cw_system_nr_cpus(r->sys);

	fprintf(r->out, "\n%-4s %-7s %-20s %-9s %11s %10s %9s %10s %8s %7s %6s %6s %6s\n", "cpu",
		"online", "tick_device", "mode", "interrupts", "ticks", "do_timer", "bc_wakeups",
		"ipis", "idle", "deep", "forced", "lost");
	for (unsigned cpu = 0; cpu < nr; cpu++) {
		struct cw_tick_cpu_stats ts = { 0 };

		report_one_cpu(r, cpu, &lost);
		cw_tick_get_cpu_stats(r->sys, cpu, &ts);
		do_timer += ts.do_timer_ticks;
	}
	fprintf(r->out,
		"jiffies: %llu expected: %llu do_timer_ticks: %llu lost_interrupts: %llu "
		"broadcast: %s do_timer_cpu: %d\n",
		(unsigned long long)(cw_jiffies_get(r->sys) - r->jiffies0),
		(unsigned long long)(awake / tick_ns), (unsigned long long)do_timer,
		(unsigned long long)lost, bc ? bc->name : "none", cw_tick_do_timer_cpu(r->sys));
}

/* Per CPU: NO_HZ idle and high-resolution mode. */
static void report_nohz(struct cwsim_run *r)
{
	unsigned nr = cw_system_nr_cpus(r->sys);

	fprintf(r->out, "\n%-4s %10s %11s %13s %9s %5s %10s %10s\n", "nohz", "idle_calls",
		"idle_sleeps", "ticks_stopped", "wakeups", "hres", "hr_irqs", "hr_expired");
	for (unsigned cpu = 0; cpu < nr; cpu++) {
		struct cw_tick_cpu_stats ts = { 0 };
		struct cw_hrtimer_cpu_stats hs = { 0 };

		cw_tick_get_cpu_stats(r->sys, cpu, &ts);
		cw_hrtimer_get_cpu_stats(r->sys, cpu, &hs);
		fprintf(r->out, "%-4u %10llu %11llu %13llu %9llu %5s %10llu %10llu\n", cpu,
			(unsigned long long)ts.idle_entries, (unsigned long long)ts.idle_sleeps,
			(unsigned long long)ts.ticks_stopped, (unsigned long long)ts.idle_wakeups,
			hs.hres_active ? "yes" : "no", (unsigned long long)hs.events,
			(unsigned long long)hs.expired);
	}
}

/* Per clock event device of the machine's timers: state and the model's counters. */
static void report_devices(struct cwsim_run *r)
{
	size_t nr = cw_sim_machine_nr_timers(r->machine);
	uint64_t local_programs = 0, expired = 0;

	if (nr == 0) {
		return;
	}
	for (unsigned cpu = 0; cpu < cw_system_nr_cpus(r->sys); cpu++) {
		struct cw_hrtimer_cpu_stats hs = { 0 };

		cw_hrtimer_get_cpu_stats(r->sys, cpu, &hs);
		expired += hs.expired;
	}
	fprintf(r->out, "\n%-20s %-15s %-9s %11s %9s %6s %9s %10s\n", "clockevent", "state",
		"bound", "interrupts", "spurious", "storms", "lost_deep", "programs");
	for (size_t i = 0; i < nr; i++) {
		struct cw_sim_hw_timer *t = cw_sim_machine_timer_at(r->machine, i);

		for (unsigned d = 0; d < cw_sim_hw_timer_nr_devices(t); d++) {
			struct cw_clock_event_device *dev = cw_sim_hw_timer_device(t, d);
			struct cw_sim_hw_timer_stats st = { 0 };
			char bound[16] = "-";

			if (!dev) {
				continue;
			}
			cw_sim_hw_timer_get_stats(t, d, &st);
			if (dev->is_broadcast) {
				snprintf(bound, sizeof(bound), "broadcast");
			} else if (dev->bound_cpu >= 0) {
				snprintf(bound, sizeof(bound), "cpu%d", dev->bound_cpu);
			}
			fprintf(r->out, "%-20s %-15s %-9s %11llu %9llu %6llu %9llu %10llu\n",
				dev->name, cw_clockevent_state_name(cw_clockevent_get_state(dev)),
				bound, (unsigned long long)st.interrupts,
				(unsigned long long)st.spurious, (unsigned long long)st.storms,
				(unsigned long long)st.lost_deep_idle,
				(unsigned long long)st.programs);
			if (!dev->is_broadcast) {
				local_programs += st.programs;
			}
		}
	}
	/* Issue 15: what lazy rearm saves (docs/hrtimers.md, "Lazy rearm"). */
	fprintf(r->out,
		"hrtimer programs: %llu programmings of per-CPU devices for %llu expired hrtimers: "
		"%.4f per expiry (rearm %s)\n",
		(unsigned long long)local_programs, (unsigned long long)expired,
		expired ? (double)local_programs / (double)expired : 0.0,
		r->opts->hrtimer_eager ? "eager" : "lazy");
}

static void report_clocksources(struct cwsim_run *r)
{
	struct cw_clocksource_info *info;
	size_t count = 0;

	cw_clocksource_list(r->sys, NULL, 0, &count);
	info = calloc(count ? count : 1, sizeof(*info));
	if (!info) {
		return;
	}
	cw_clocksource_list(r->sys, info, count, &count);
	fprintf(r->out, "\n%-20s %6s %12s %4s  %-60s %-7s %-8s %5s\n", "clocksource", "rating",
		"freq (Hz)", "bits", "flags", "current", "watchdog", "wraps");
	for (size_t i = 0; i < count; i++) {
		report_one_clocksource(r, &info[i]);
	}
	free(info);
}

/* ---------------------------------------------------------------------- */
/* Main */

static int build(struct cwsim_run *r, const struct cw_sim_machine_desc *desc, FILE *err)
{
	const struct cwsim_opts *o = r->opts;
	struct cw_system_config cfg = { 0 };
	int ret;

	cfg.hz = o->hz;
	cfg.nohz_off = o->nohz_off;
	cfg.highres_off = o->highres_off;
	cfg.hrtimer_eager_rearm = o->hrtimer_eager;
	cfg.check = o->check_off ? CW_CHECK_OFF : CW_CHECK_ON;
	/* REALTIME: --realtime, else the machine's [system] realtime, else 2025. */
	if (o->realtime_set) {
		r->realtime0_ns = o->realtime_ns;
	} else if (desc->realtime_set) {
		r->realtime0_ns = desc->realtime_init_ns;
	} else {
		r->realtime0_ns = CWSIM_REALTIME_START_S * CW_NSEC_PER_SEC;
	}
	cfg.realtime_init_ns = r->realtime0_ns;
	cfg.initial_jiffies = o->initial_jiffies;
	cfg.tai_offset_s = CWSIM_TAI_OFFSET_S;
	cfg.log_lines = CWSIM_LOG_LINES;
	if (o->override_name && !o->override_at_set) {
		cfg.clocksource_override = o->override_name;
	}
	ret = cw_sim_create(o->seed, &r->sim);
	if (ret == 0) {
		ret = cw_sim_machine_create(r->sim, desc, &cfg, o->quiet ? NULL : sink_to_file,
					    r->out, &r->machine);
	}
	if (ret) {
		fprintf(err, "cwsim: cannot build machine '%s': %s\n", desc->name,
			cw_strerror(ret));
		return CWSIM_EXIT_FAILURE;
	}
	r->sys = cw_sim_machine_system(r->machine);
	r->jiffies0 = cw_jiffies_get(r->sys);
	return CWSIM_EXIT_OK;
}

/*
 * The invariant checker's verdict (docs/checker.md): what it checked, and
 * the first violation (on stderr), which fails the run with --check strict.
 */
static int report_check(struct cwsim_run *r)
{
	struct cw_check_stats st = { 0 };
	char first[CW_SIM_ERR_MAX];
	uint64_t n;

	if (!cw_check_enabled(r->sys)) {
		fprintf(r->out, "\ncheck: off\n");
		return CWSIM_EXIT_OK;
	}
	/* Armed timers and devices overdue at the end of the run are violations too. */
	cw_check_verify(r->sys);
	cw_check_get_stats(r->sys, &st);
	n = cw_check_report(r->sys, first, sizeof(first));
	fprintf(r->out,
		"\ncheck: %llu violations; checked %llu hrtimer and %llu wheel expiries, %llu "
		"clock reads, %llu clock event interrupts; latest hrtimer %llu ns, wheel %llu "
		"jiffies after expiry\n",
		(unsigned long long)n, (unsigned long long)st.hrtimer_expiries,
		(unsigned long long)st.wheel_expiries, (unsigned long long)st.clock_reads,
		(unsigned long long)st.ce_irqs, (unsigned long long)st.hrtimer_max_late_ns,
		(unsigned long long)st.wheel_max_late_jiffies);
	if (n) {
		fprintf(r->err, "cwsim: %s: %llu violation%s; the first: %s\n",
			r->opts->check_strict ? "check" : "warning: check", (unsigned long long)n,
			n == 1 ? "" : "s", first);
	}
	return n && r->opts->check_strict ? CWSIM_EXIT_FAILURE : CWSIM_EXIT_OK;
}

static int run(struct cwsim_run *r)
{
	const struct cwsim_opts *o = r->opts;
	char current[CW_CLOCKSOURCE_NAME_MAX] = "";

	char msg[CW_SIM_ERR_MAX];

	schedule_script(r);
	if (cw_sim_machine_boot(r->machine) != 0) {
		return CWSIM_EXIT_FAILURE;
	}
	if (r->workload &&
	    cw_sim_machine_start_workload(r->machine, r->workload, msg, sizeof(msg)) != 0) {
		fprintf(r->err, "cwsim: %s\n", msg);
		return CWSIM_EXIT_FAILURE;
	}
	cw_sim_run_until(r->sim, o->duration_ns);
	cw_clocksource_current(r->sys, current, sizeof(current));
	cw_sim_system_log(r->sys, CW_LOG_INFO,
			  "sim: run finished: %llu.%09llu s simulated, %llu "
			  "events, seed %llu, clocksource %s",
			  (unsigned long long)(o->duration_ns / CW_NSEC_PER_SEC),
			  (unsigned long long)(o->duration_ns % CW_NSEC_PER_SEC),
			  (unsigned long long)cw_sim_events_run(r->sim),
			  (unsigned long long)o->seed, current);
	report_clock_table(r);
	report_clocksources(r);
	report_cpus(r);
	report_nohz(r);
	report_devices(r);
	cwsim_report_claims(r->out, r->machine);
	fprintf(r->out, "\nmemory: %zu bytes per CPU of core state, %u CPUs\n",
		cw_system_cpu_state_bytes(r->sys), cw_system_nr_cpus(r->sys));
	return report_check(r);
}

/* Host wall time, s (--resources only: a run's output never depends on it). */
static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * --resources: what the run cost the host, on stderr. Peak RSS is the
 * process's (getrusage), so an in-process caller sees its own peak too.
 */
static void report_resources(FILE *err, double t0)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0) {
		ru.ru_maxrss = 0;
	}
	fprintf(err, "cwsim: resources: wall %.3f s, peak RSS %ld KiB (%.1f MiB)\n", wall_s() - t0,
		(long)ru.ru_maxrss, (double)ru.ru_maxrss / 1024.0);
}

static int dump_machine(const struct cw_sim_machine_desc *desc, FILE *out)
{
	size_t len = cw_sim_machine_desc_format(desc, NULL, 0);
	char *text = malloc(len + 1);

	if (!text) {
		return CWSIM_EXIT_FAILURE;
	}
	cw_sim_machine_desc_format(desc, text, len + 1);
	fputs(text, out);
	free(text);
	return CWSIM_EXIT_OK;
}

int cwsim_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct cw_sim_machine_desc *desc = NULL;
	struct cwsim_run r = { 0 };
	struct cwsim_opts o;
	double t0 = wall_s();
	int ret = parse_args(argc, argv, &o, out, err);

	if (ret) {
		return ret < 0 ? CWSIM_EXIT_OK : ret;
	}
	ret = cli_load_machine("cwsim", o.machine_path, &desc, err);
	if (ret == CWSIM_EXIT_OK && o.dump_machine) {
		ret = dump_machine(desc, out);
		cw_sim_machine_desc_free(desc);
		return ret;
	}
	if (ret == CWSIM_EXIT_OK && o.override_name &&
	    !override_known(desc, o.override_name, err)) {
		ret = CWSIM_EXIT_USAGE;
	}
	r.opts = &o;
	r.out = out;
	r.err = err;
	if (ret == CWSIM_EXIT_OK && o.realtime_set) {
		/* --realtime wins, even the epoch (a 0 in the configuration means "the file's"). */
		desc->realtime_set = false;
	}
	ret = ret ? ret : check_machine(&o, desc, err);
	ret = ret ? ret : load_workload(&o, &r.workload, err);
	ret = ret ? ret : build(&r, desc, err);
	ret = ret ? ret : run(&r);
	cw_sim_machine_destroy(r.machine);
	cw_sim_destroy(r.sim);
	cw_sim_machine_desc_free(desc);
	cw_sim_workload_desc_free(r.workload);
	fflush(out);
	if (o.resources) {
		report_resources(err, t0);
	}
	return ret;
}
