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
#include "tmigr_report.h"
#include "tmigr_policies.h"
#include "cwsim.h"
#include "cli.h"
#include "jsonw.h"
#include "energy.h"
#include "html_report.h"
#include "machine_keys.h"
#include "progress.h"
#include "step.h"
#include "symbols.h"
#include "timerlist.h"
#include "trace.h"
#include "report.h"
#include "cwsim_proxy.h"

#include <clockwork/clockwork.h>
#include <clockwork/check.h>
#include <clockwork/cpu.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/sim_trace.h>
#include <clockwork/tick.h>

#include <errno.h>
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
/** Longest path of an example found by name. */
#define CWSIM_PATH_MAX            4096

#ifndef CWSIM_VERSION
#error "CWSIM_VERSION must be the project's version (tools/cwsim/CMakeLists.txt)"
#endif

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
	/** --check-fault: a cw_check_fault planted after boot (0: none). */
	int check_fault;
	/** --dump-machine: print the parsed machine and exit. */
	bool dump_machine;
	/** --tmigr-tree: the timer-migration table and tree after the run. */
	bool tmigr_tree;
	/** --tmigr-per-class: one timer-migration hierarchy per capacity class. */
	bool tmigr_per_class;
	/** --tmigr-one-duty-holder: cw_system_config.tmigr_one_duty_holder. */
	bool tmigr_one_holder;
	/** --tmigr-policies LIST (tmigr_policies.h; 0: one normal run) and --tmigr-plot DIR. */
	unsigned tmigr_policies;
	const char *tmigr_plot;
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
	/** --json FILE: every table as JSON (NULL: none). */
	const char *json_path;
	/** --version: print the version and exit. */
	bool version;
	/** --machine-keys: print the machine-file key reference (Markdown) and exit. */
	bool machine_keys;
	/** --progress auto|on|off. */
	enum cwsim_progress_mode progress;
	/** --trace FILE (path NULL: none), --trace-events, --trace-from, --trace-to. */
	struct cwsim_trace_opts trace;
	bool trace_to_set;
	/** --report DIR (html_report.h). */
	struct cwsim_html_opts report;
	/** --step: commands on stdin (or --step-input FILE), answers on stdout. */
	bool step;
	const char *step_input;
	const char *step_record;
	/** --dump-timers-at T (repeatable), ascending after parsing. */
	uint64_t dump_at_ns[CWSIM_MAX_DUMPS];
	unsigned nr_dumps;
	/** Resolved --machine and --workload paths when given by name (examples). */
	char machine_buf[CWSIM_PATH_MAX];
	char workload_buf[CWSIM_PATH_MAX];
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
	/** The machine's name (for the JSON run object). */
	const char *machine_name;
	/** The machine description (power figures for the energy table). */
	const struct cw_sim_machine_desc *desc;
	/** The run stopped before --duration (SIGINT). */
	bool interrupted;
	/** --json: the open file and its writer. */
	FILE *json_file;
	struct jsonw json;
	/** --step: where the answers go (the caller's out; r->out is then err). */
	FILE *proto;
	/** --trace: the tracer while the machine runs. */
	struct cwsim_trace *trace;
	/** --report: the collector while the machine runs. */
	struct cwsim_html *html;
	/** --dump-timers-at: the armed timers followed. */
	struct cwsim_timerlist *timerlist;
	/** Callback names for both (NULL: none). */
	struct cwsim_symbols *syms;
};

/* ---------------------------------------------------------------------- */
/* Command line */

static void usage(FILE *f)
{
	fputs("usage: cwsim [options]\n"
	      "Boot a modelled machine on the deterministic simulator and report how\n"
	      "well every clock id kept time. Same arguments, same output.\n"
	      "\n"
	      "  --machine FILE|NAME  machine description: a file, or the name of an example\n"
	      "                       machine (x86-tsc-hpet: see \"Examples by name\" in\n"
	      "                       docs/simulator.md; default: built-in default-soc)\n"
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
	      "  --workload FILE|NAME workload file or example name (default: built-in,\n"
	      "                       examples/workloads/default.ini; 'none': CPUs never idle)\n"
	      "  --nohz on|off        stop the tick of idle CPUs (default on)\n"
	      "  --highres on|off     high-resolution timers and tick (default on)\n"
	      "  --hrtimer-rearm lazy|eager  when a CPU's first hrtimer moves later, program\n"
	      "                       its device at the early interrupt (lazy, default) or\n"
	      "                       at once (eager; docs/hrtimers.md, \"Lazy rearm\")\n"
	      "  --check on|off|strict  the invariant checker (docs/checker.md): on reports\n"
	      "                       its verdict and first violation, strict also fails\n"
	      "                       the run on a violation (default on)\n"
	      "  --check-fault early|drop-irqs|mono-back  plant a fault after boot to see\n"
	      "                       the checker catch it: the next hrtimer armed is made\n"
	      "                       due at once (it fires early if its queue runs before\n"
	      "                       its expiry), clock event interrupts are dropped, or\n"
	      "                       one MONOTONIC read steps back 1 ms\n"
	      "  --dump-machine       print the machine in canonical form and exit\n"
	      "  --tmigr-tree         after the run, the timer-migration hierarchy: its\n"
	      "                       counters and the tree (docs/timer-migration.md)\n"
	      "  --tmigr-per-class    one timer-migration hierarchy per CPU capacity class\n"
	      "                       (the machine's capacity_class keys; off by default)\n"
	      "  --tmigr-one-duty-holder  one last-idle duty holder per tree (off by default)\n"
	      "  --tmigr-policies LIST  instead of one run, run the machine once per policy\n"
	      "                       (pull, push, pinned, periodic, comma-separated, or all)\n"
	      "                       with an [idle-server] workload: one table row each\n"
	      "                       (docs/timer-migration.md)\n"
	      "  --tmigr-plot DIR     with --tmigr-policies: DIR/tmigr-wakeups.svg (gnuplot)\n"
	      "  --quiet              print only the final tables, not the boot log\n"
	      "  --json FILE          also write every table to FILE as JSON (units in the\n"
	      "                       key names; docs/simulator.md, \"JSON report\")\n"
	      "  --resources          print the run's host wall time and peak RSS on\n"
	      "                       stderr (the only output that varies between runs)\n"
	      "  --progress auto|on|off  a progress line on stderr for runs that take over a\n"
	      "                       second of wall time (auto: when stderr is a terminal)\n"
	      "                       Ctrl-C (SIGINT) stops a run where it is and still\n"
	      "                       prints every report (exit status 130)\n"
	      "  --trace FILE         write a Perfetto/Chrome trace-event JSON timeline of the\n"
	      "                       run to FILE (docs/simulator.md, \"Traces\")\n"
	      "  --trace-events LIST  classes to trace: irq, ipi, idle, tick, clockevent, tmigr,\n"
	      "                       hrtimer, timer, clocksource, comma-separated (default all)\n"
	      "  --trace-from TIME, --trace-to TIME  trace only this window of virtual time\n"
	      "  --report DIR         write DIR/index.html: SVG plots (gnuplot) of wakeups,\n"
	      "                       C-state residency, timer lateness and interrupt rates,\n"
	      "                       linking the --json and --trace files (written into\n"
	      "                       DIR when not given; docs/simulator.md, \"Reports\")\n"
	      "  --dump-timers-at TIME  print what is queued at TIME, like /proc/timer_list:\n"
	      "                       per CPU the armed hrtimers and wheel timers, the tick\n"
	      "                       devices, every clock event device (repeatable)\n"
	      "  --step               drive the machine from outside: one JSON command a line\n"
	      "                       on stdin, one JSON answer a line on stdout; the log and\n"
	      "                       the tables go to stderr (docs/simulator.md, \"Stepping\n"
	      "                       from outside\"); --duration bounds the session\n"
	      "  --step-input FILE    --step reading the commands from FILE (a replay)\n"
	      "  --step-record FILE   --step keeping every command in FILE\n"
	      "  --version            print the version and exit\n"
	      "  --machine-keys       print the machine-file key reference (Markdown) and exit\n"
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
	if ((v = cli_opt_value(argc, argv, i, "--json"))) {
		return cli_string(cli, "--json", v, "a file name", &o->json_path);
	}
	if ((v = cli_opt_value(argc, argv, i, "--progress"))) {
		if (strcmp(v, "auto") == 0 || strcmp(v, "on") == 0 || strcmp(v, "off") == 0) {
			o->progress = strcmp(v, "auto") == 0 ? CWSIM_PROGRESS_AUTO
				      : strcmp(v, "on") == 0 ? CWSIM_PROGRESS_ON
							     : CWSIM_PROGRESS_OFF;
			return 0;
		}
		return cli_bad_arg(cli, "--progress: expected auto, on or off (got '%s')", v);
	}
	if ((v = cli_opt_value(argc, argv, i, "--trace"))) {
		return cli_string(cli, "--trace", v, "a file name", &o->trace.path);
	}
	if ((v = cli_opt_value(argc, argv, i, "--trace-events"))) {
		char bad[32];

		if (!cwsim_trace_parse_classes(v, &o->trace.classes, bad)) {
			return cli_bad_arg(cli, "--trace-events: expected a list of %s (got '%s')",
					   cwsim_trace_class_names(), *v ? bad : v);
		}
		return 0;
	}
	if ((v = cli_opt_value(argc, argv, i, "--report"))) {
		return cli_string(cli, "--report", v, "a directory", &o->report.dir);
	}
	if ((v = cli_opt_value(argc, argv, i, "--step-input"))) {
		o->step = true;
		return cli_string(cli, "--step-input", v, "a file name", &o->step_input);
	}
	if ((v = cli_opt_value(argc, argv, i, "--step-record"))) {
		return cli_string(cli, "--step-record", v, "a file name", &o->step_record);
	}
	if ((v = cli_opt_value(argc, argv, i, "--dump-timers-at"))) {
		if (o->nr_dumps >= CWSIM_MAX_DUMPS) {
			return cli_bad_arg(cli, "--dump-timers-at: at most %u instants",
					   CWSIM_MAX_DUMPS);
		}
		return cli_time(cli, "--dump-timers-at", v, &o->dump_at_ns[o->nr_dumps++]);
	}
	if ((v = cli_opt_value(argc, argv, i, "--trace-from"))) {
		return cli_time(cli, "--trace-from", v, &o->trace.from_ns);
	}
	if ((v = cli_opt_value(argc, argv, i, "--trace-to"))) {
		o->trace_to_set = true;
		return cli_time(cli, "--trace-to", v, &o->trace.to_ns);
	}
	if ((v = cli_opt_value(argc, argv, i, "--tmigr-policies"))) {
		if (cwsim_tmigr_policies_parse(v, &o->tmigr_policies) != 0) {
			return cli_bad_arg(
				cli,
				"--tmigr-policies: expected all or a list of pull, push, "
				"pinned, periodic (got '%s')",
				v);
		}
		return 0;
	}
	if ((v = cli_opt_value(argc, argv, i, "--tmigr-plot"))) {
		return cli_string(cli, "--tmigr-plot", v, "a directory", &o->tmigr_plot);
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
	if ((v = cli_opt_value(argc, argv, i, "--check-fault"))) {
		static const char *const faults[] = { "early", "drop-irqs", "mono-back" };

		for (int k = 0; k < 3; k++) {
			if (strcmp(v, faults[k]) == 0) {
				o->check_fault = k + 1; /* CW_CHECK_FAULT_HRTIMER_EARLY.. */
				return 0;
			}
		}
		return cli_bad_arg(
			cli, "--check-fault: expected early, drop-irqs or mono-back (got '%s')", v);
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
	if (strcmp(argv[*i], "--tmigr-tree") == 0) {
		p->o->tmigr_tree = true;
		return 0;
	}
	if (strcmp(argv[*i], "--tmigr-per-class") == 0) {
		p->o->tmigr_per_class = true;
		return 0;
	}
	if (strcmp(argv[*i], "--tmigr-one-duty-holder") == 0) {
		p->o->tmigr_one_holder = true;
		return 0;
	}
	if (strcmp(argv[*i], "--step") == 0) {
		p->o->step = true;
		return 0;
	}
	if (strcmp(argv[*i], "--machine-keys") == 0) {
		p->o->machine_keys = true;
		return 0;
	}
	if (strcmp(argv[*i], "--version") == 0) {
		p->o->version = true;
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
	o->trace.classes = CWSIM_TRACE_ALL;
	ret = cli_parse(argc, argv, &p.cli, out, parse_arg, &p);
	if (ret == 0 && !o->trace_to_set) {
		o->trace.to_ns = UINT64_MAX;
	}
	for (unsigned i = 0; ret == 0 && i < o->nr_dumps; i++) {
		char at[32], dur[32];

		if (o->dump_at_ns[i] > o->duration_ns) {
			return cli_bad_arg(
				&p.cli,
				"--dump-timers-at: expected a time within the run (got %s, "
				"after --duration %s)",
				time_text(o->dump_at_ns[i], at, sizeof(at)),
				time_text(o->duration_ns, dur, sizeof(dur)));
		}
	}
	if (ret == 0 && o->trace.from_ns > o->trace.to_ns) {
		return cli_bad_arg(&p.cli, "--trace-from/--trace-to: expected a window whose start "
					   "is not after its end");
	}
	return ret ? ret : check_opts(&p);
}

/* ---------------------------------------------------------------------- */
/* The run */

/* The log: printed unless --quiet; clocksource switches go to the trace. */
static void sink(void *arg, int level, const char *line)
{
	struct cwsim_run *r = arg;

	(void)level;
	if (!r->opts->quiet) {
		fprintf(r->out, "%s\n", line);
	}
	cwsim_trace_log(r->trace, line);
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

/*
 * Examples by name: --machine x86-tsc-hpet and --workload server find
 * <dir>/machines/x86-tsc-hpet.ini and <dir>/workloads/server.ini in, in
 * order, $CWSIM_EXAMPLES_DIR, the installed examples (CWSIM_DATA_DIR) and
 * the source tree's examples/ (CWSIM_SOURCE_EXAMPLES). A value that names
 * an existing file, contains a '/' or ends in ".ini" is a file name.
 */
static const char *example_dirs(unsigned i)
{
	const char *env = getenv("CWSIM_EXAMPLES_DIR");

	switch (i) {
	case 0:
		return env && *env ? env : NULL;
	case 1:
		return CWSIM_DATA_DIR;
	case 2:
		return CWSIM_SOURCE_EXAMPLES;
	default:
		return NULL;
	}
}

/* A name, not a file: letters, digits, '-', '_', '.', no ".ini" suffix, no such file. */
static bool is_example_name(const char *v)
{
	size_t len = strlen(v);
	FILE *f;

	if (len == 0 ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != len ||
	    (len >= 4 && strcmp(v + len - 4, ".ini") == 0)) {
		return false;
	}
	f = fopen(v, "r");
	if (f) {
		fclose(f);
		return false;
	}
	return true;
}

/*
 * Resolve *@path (kind "machines" or "workloads") when it is an example's
 * name: on success *@path points into @buf. @return 0, or CWSIM_EXIT_FAILURE
 * with a message naming the places searched.
 */
static int find_example(const char *kind, const char **path, char *buf, size_t len, FILE *err)
{
	const char *name = *path;

	if (!name || !is_example_name(name)) {
		return CWSIM_EXIT_OK;
	}
	for (unsigned i = 0; i < 3; i++) {
		const char *dir = example_dirs(i);
		FILE *f;

		if (!dir) {
			continue;
		}
		snprintf(buf, len, "%s/%s/%s.ini", dir, kind, name);
		f = fopen(buf, "r");
		if (f) {
			fclose(f);
			*path = buf;
			return CWSIM_EXIT_OK;
		}
	}
	fprintf(err, "cwsim: no file '%s' and no example %s named '%s' (searched", name,
		strcmp(kind, "machines") == 0 ? "machine" : "workload", name);
	for (unsigned i = 0; i < 3; i++) {
		if (example_dirs(i)) {
			fprintf(err, " %s/%s", example_dirs(i), kind);
		}
	}
	fputs(")\n", err);
	return CWSIM_EXIT_FAILURE;
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

/* @ns as seconds with 9 decimals into @buf (any 128-bit value). */
static const char *seconds_text(__int128 ns, char *buf, size_t len)
{
	unsigned __int128 mag = ns < 0 ? (unsigned __int128)-ns : (unsigned __int128)ns;

	/* Truth near KTIME_MAX plus TAI - UTC goes past 64 bits: whole seconds still fit. */
	snprintf(buf, len, "%s%llu.%09llu", ns < 0 ? "-" : "",
		 (unsigned long long)(mag / CW_NSEC_PER_SEC),
		 (unsigned long long)(mag % CW_NSEC_PER_SEC));
	return buf;
}

/* A signed ns count with its sign into @buf (any 128-bit value). */
static const char *signed_ns_text(__int128 ns, char *buf, size_t len)
{
	unsigned __int128 mag = ns < 0 ? (unsigned __int128)-ns : (unsigned __int128)ns;
	char digits[48];
	size_t n = sizeof(digits) - 1;

	digits[n] = '\0';
	do {
		digits[--n] = (char)('0' + (unsigned)(mag % 10));
		mag /= 10;
	} while (mag && n > 0);
	snprintf(buf, len, "%c%s", ns < 0 ? '-' : '+', digits + n);
	return buf;
}

/* @err_ns / @elapsed_ns in ppm with 3 decimals (integer arithmetic); "-" without elapsed time. */
static void cell_ppm(struct cwsim_report *rep, __int128 err_ns, uint64_t elapsed_ns)
{
	__int128 milli_ppm;
	unsigned __int128 mag;
	char buf[40];

	if (elapsed_ns == 0) {
		cwsim_cell_null_as(rep, "-");
		return;
	}
	milli_ppm = err_ns * 1000000000 / (__int128)elapsed_ns;
	mag = (unsigned __int128)(milli_ppm < 0 ? -milli_ppm : milli_ppm);
	snprintf(buf, sizeof(buf), "%c%llu.%03llu", milli_ppm < 0 ? '-' : '+',
		 (unsigned long long)(mag / 1000), (unsigned long long)(mag % 1000));
	/* |error| <= elapsed time + 2^63 ns of offsets: the ppm fits in 64 bits unless elapsed is
	 * tiny. */
	if (milli_ppm > INT64_MAX || milli_ppm < -INT64_MAX) {
		cwsim_cell_null_as(rep, buf);
		return;
	}
	cwsim_cell_fixed_as(rep, buf, (int64_t)milli_ppm, 3);
}

static void report_clock_table(struct cwsim_run *r, struct cwsim_report *rep)
{
	static const struct cwsim_col cols[] = {
		{ "clock", "clock", -22, 0 },          { "value (s)", "value_ns", 22, 0 },
		{ "true (s)", "true_ns", 22, 0 },      { "error (ns)", "error_ns", 14, 0 },
		{ "error (ppm)", "error_ppm", 12, 0 },
	};
	uint64_t elapsed = cw_sim_now_ns(r->sim);
	uint64_t asleep = cw_sim_system_suspended_ns(r->sys);
	int64_t real0 = r->realtime0_ns;
	char buf[52];

	cwsim_table_begin(rep, "clocks", cols, sizeof(cols) / sizeof(cols[0]));
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
		cwsim_cell_str(rep, cw_clock_name(report_clocks[i].id));
		cwsim_cell_i128_as(rep, seconds_text(value, buf, sizeof(buf)), value);
		cwsim_cell_i128_as(rep, seconds_text(truth, buf, sizeof(buf)), truth);
		cwsim_cell_i128_as(rep, signed_ns_text(value - truth, buf, sizeof(buf)),
				   value - truth);
		cell_ppm(rep, value - truth, span);
	}
	cwsim_table_end(rep);
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

static void report_one_clocksource(struct cwsim_run *r, struct cwsim_report *rep,
				   const struct cw_clocksource_info *cs)
{
	struct cw_sim_counter *c = cw_sim_machine_counter(r->machine, cs->name);
	char flags[128];

	format_flags(cs->flags, flags, sizeof(flags));
	cwsim_cell_str(rep, cs->name);
	cwsim_cell_i64(rep, cs->rating);
	cwsim_cell_u64(rep, cs->freq_hz);
	cwsim_cell_u64(rep, (unsigned)__builtin_popcountll(cs->mask));
	cwsim_cell_list(rep, flags);
	cwsim_cell_bool(rep, cs->current);
	cwsim_cell_bool(rep, cs->is_watchdog);
	if (c) {
		cwsim_cell_u64(rep, cw_sim_counter_wraps(c));
	} else {
		cwsim_cell_null_as(rep, "-");
	}
}

/* @part / @whole as a percentage with one decimal. */
static void cell_percent(struct cwsim_report *rep, uint64_t part, uint64_t whole)
{
	uint64_t tenths = whole ? (uint64_t)((unsigned __int128)part * 1000 / whole) : 0;
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu.%llu%%", (unsigned long long)(tenths / 10),
		 (unsigned long long)(tenths % 10));
	cwsim_cell_fixed_as(rep, buf, (int64_t)tenths, 1);
}

static void report_one_cpu(struct cwsim_run *r, struct cwsim_report *rep, unsigned cpu,
			   uint64_t *lost_total)
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
	cwsim_cell_u64(rep, cpu);
	cwsim_cell_bool(rep, cw_cpu_online(r->sys, cpu));
	cwsim_cell_str(rep, dev ? dev->name : NULL);
	cwsim_cell_str(rep, cw_tick_mode_name(cw_tick_mode(r->sys, cpu)));
	cwsim_cell_u64(rep, ts.interrupts);
	cwsim_cell_u64(rep, ts.ticks);
	cwsim_cell_u64(rep, ts.do_timer_ticks);
	cwsim_cell_u64(rep, ts.broadcast_wakeups);
	cwsim_cell_u64(rep, ts.ipis);
	cell_percent(rep, idle_ns, cw_sim_now_ns(r->sim));
	cwsim_cell_u64(rep, ts.deep_idle_entries);
	cwsim_cell_u64(rep, hs.deep_forced);
	cwsim_cell_u64(rep, lost);
}

/* Per CPU: what the tick layer and the CPU model counted. */
static void report_cpus(struct cwsim_run *r, struct cwsim_report *rep)
{
	static const struct cwsim_col cols[] = {
		{ "cpu", "cpu", -4, 0 },
		{ "online", "online", -7, 0 },
		{ "tick_device", "tick_device", -20, 0 },
		{ "mode", "mode", -9, 0 },
		{ "interrupts", "interrupts", 11, 0 },
		{ "ticks", "ticks", 10, 0 },
		{ "do_timer", "do_timer_ticks", 9, 0 },
		{ "bc_wakeups", "broadcast_wakeups", 10, 0 },
		{ "ipis", "ipis", 8, 0 },
		{ "idle", "idle_pct", 7, 0 },
		{ "deep", "deep_idle_entries", 6, 0 },
		{ "forced", "deep_forced", 6, 0 },
		{ "lost", "lost_interrupts", 6, 0 },
	};
	struct cw_clock_event_device *bc = cw_tick_broadcast_device(r->sys);
	uint64_t tick_ns = cw_system_tick_nsec(r->sys), lost = 0, do_timer = 0;
	uint64_t awake = cw_sim_now_ns(r->sim) - cw_sim_system_suspended_ns(r->sys);
	uint64_t jiffies = cw_jiffies_get(r->sys) - r->jiffies0;
	unsigned nr = cw_system_nr_cpus(r->sys);

	cwsim_table_begin(rep, "cpus", cols, sizeof(cols) / sizeof(cols[0]));
	for (unsigned cpu = 0; cpu < nr; cpu++) {
		struct cw_tick_cpu_stats ts = { 0 };

		report_one_cpu(r, rep, cpu, &lost);
		cw_tick_get_cpu_stats(r->sys, cpu, &ts);
		do_timer += ts.do_timer_ticks;
	}
	cwsim_table_end(rep);
	fprintf(r->out,
		"jiffies: %llu expected: %llu do_timer_ticks: %llu lost_interrupts: %llu "
		"broadcast: %s do_timer_cpu: %d\n",
		(unsigned long long)jiffies, (unsigned long long)(awake / tick_ns),
		(unsigned long long)do_timer, (unsigned long long)lost, bc ? bc->name : "none",
		cw_tick_do_timer_cpu(r->sys));
	if (rep->json) {
		jsonw_object_begin(rep->json, "ticks");
		jsonw_u64(rep->json, "jiffies", jiffies);
		jsonw_u64(rep->json, "expected_jiffies", awake / tick_ns);
		jsonw_u64(rep->json, "do_timer_ticks", do_timer);
		jsonw_u64(rep->json, "lost_interrupts", lost);
		jsonw_string(rep->json, "broadcast_device", bc ? bc->name : NULL);
		jsonw_i64(rep->json, "do_timer_cpu", cw_tick_do_timer_cpu(r->sys));
		jsonw_u64(rep->json, "tick_ns", tick_ns);
		jsonw_object_end(rep->json);
	}
}

/* Per CPU: NO_HZ idle and high-resolution mode. */
static void report_nohz(struct cwsim_run *r, struct cwsim_report *rep)
{
	static const struct cwsim_col cols[] = {
		{ "nohz", "cpu", -4, 0 },
		{ "idle_calls", "idle_calls", 10, 0 },
		{ "idle_sleeps", "idle_sleeps", 11, 0 },
		{ "ticks_stopped", "ticks_stopped", 13, 0 },
		{ "wakeups", "wakeups", 9, 0 },
		{ "hres", "hres", 5, 0 },
		{ "hr_irqs", "hrtimer_interrupts", 10, 0 },
		{ "hr_expired", "hrtimer_expired", 10, 0 },
	};
	unsigned nr = cw_system_nr_cpus(r->sys);

	cwsim_table_begin(rep, "nohz", cols, sizeof(cols) / sizeof(cols[0]));
	for (unsigned cpu = 0; cpu < nr; cpu++) {
		struct cw_tick_cpu_stats ts = { 0 };
		struct cw_hrtimer_cpu_stats hs = { 0 };

		cw_tick_get_cpu_stats(r->sys, cpu, &ts);
		cw_hrtimer_get_cpu_stats(r->sys, cpu, &hs);
		cwsim_cell_u64(rep, cpu);
		cwsim_cell_u64(rep, ts.idle_entries);
		cwsim_cell_u64(rep, ts.idle_sleeps);
		cwsim_cell_u64(rep, ts.ticks_stopped);
		cwsim_cell_u64(rep, ts.idle_wakeups);
		cwsim_cell_bool(rep, hs.hres_active);
		cwsim_cell_u64(rep, hs.events);
		cwsim_cell_u64(rep, hs.expired);
	}
	cwsim_table_end(rep);
}

/* Per clock event device of the machine's timers: state and the model's counters. */
static void report_devices(struct cwsim_run *r, struct cwsim_report *rep)
{
	static const struct cwsim_col cols[] = {
		{ "clockevent", "clockevent", -20, 0 },
		{ "state", "state", -15, 0 },
		{ "bound", "bound", -9, 0 },
		{ "interrupts", "interrupts", 11, 0 },
		{ "spurious", "spurious", 9, 0 },
		{ "storms", "storms", 6, 0 },
		{ "spurious_max", "spurious_max", 12, 0 },
		{ "lost_deep", "lost_deep_idle", 9, 0 },
		{ "programs", "programs", 10, 0 },
	};
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
	cwsim_table_begin(rep, "clockevents", cols, sizeof(cols) / sizeof(cols[0]));
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
			cwsim_cell_str(rep, dev->name);
			cwsim_cell_str(rep, cw_clockevent_state_name(cw_clockevent_get_state(dev)));
			cwsim_cell_str(rep, strcmp(bound, "-") ? bound : NULL);
			cwsim_cell_u64(rep, st.interrupts);
			cwsim_cell_u64(rep, st.spurious);
			cwsim_cell_u64(rep, st.storms);
			cwsim_cell_u64(rep, st.spurious_max);
			cwsim_cell_u64(rep, st.lost_deep_idle);
			cwsim_cell_u64(rep, st.programs);
			if (!dev->is_broadcast) {
				local_programs += st.programs;
			}
		}
	}
	cwsim_table_end(rep);
	/* Issue 15: what lazy rearm saves (docs/hrtimers.md, "Lazy rearm"). */
	fprintf(r->out,
		"hrtimer programs: %llu programmings of per-CPU devices for %llu expired hrtimers: "
		"%.4f per expiry (rearm %s)\n",
		(unsigned long long)local_programs, (unsigned long long)expired,
		expired ? (double)local_programs / (double)expired : 0.0,
		r->opts->hrtimer_eager ? "eager" : "lazy");
	if (rep->json) {
		jsonw_object_begin(rep->json, "hrtimer_programs");
		jsonw_u64(rep->json, "local_device_programs", local_programs);
		jsonw_u64(rep->json, "hrtimers_expired", expired);
		jsonw_double(rep->json, "programs_per_expiry",
			     expired ? (double)local_programs / (double)expired : 0.0);
		jsonw_string(rep->json, "rearm", r->opts->hrtimer_eager ? "eager" : "lazy");
		jsonw_object_end(rep->json);
	}
}

static void report_clocksources(struct cwsim_run *r, struct cwsim_report *rep)
{
	static const struct cwsim_col cols[] = {
		{ "clocksource", "clocksource", -20, 0 },
		{ "rating", "rating", 6, 0 },
		{ "freq (Hz)", "freq_hz", 12, 0 },
		{ "bits", "bits", 4, 0 },
		{ "flags", "flags", -60, 2 },
		{ "current", "current", -7, 0 },
		{ "watchdog", "watchdog", -8, 0 },
		{ "wraps", "wraps", 5, 0 },
	};
	struct cw_clocksource_info *info;
	size_t count = 0;

	cw_clocksource_list(r->sys, NULL, 0, &count);
	info = calloc(count ? count : 1, sizeof(*info));
	if (!info) {
		return;
	}
	cw_clocksource_list(r->sys, info, count, &count);
	cwsim_table_begin(rep, "clocksources", cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < count; i++) {
		report_one_clocksource(r, rep, &info[i]);
	}
	cwsim_table_end(rep);
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
	cfg.tmigr_per_class = o->tmigr_per_class;
	cfg.tmigr_one_duty_holder = o->tmigr_one_holder;
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
		ret = cw_sim_machine_create(r->sim, desc, &cfg,
					    o->quiet && !o->trace.path ? NULL : sink, r,
					    &r->machine);
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
static int report_check(struct cwsim_run *r, struct cwsim_report *rep)
{
	struct cw_check_stats st = { 0 };
	char first[CW_SIM_ERR_MAX];
	uint64_t n;

	if (!cw_check_enabled(r->sys)) {
		fprintf(r->out, "\ncheck: off\n");
		if (rep->json) {
			jsonw_object_begin(rep->json, "check");
			jsonw_bool(rep->json, "enabled", false);
			jsonw_object_end(rep->json);
		}
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
	if (rep->json) {
		jsonw_object_begin(rep->json, "check");
		jsonw_bool(rep->json, "enabled", true);
		jsonw_u64(rep->json, "violations", n);
		jsonw_string(rep->json, "first_violation", n ? first : NULL);
		jsonw_u64(rep->json, "hrtimer_expiries", st.hrtimer_expiries);
		jsonw_u64(rep->json, "wheel_expiries", st.wheel_expiries);
		jsonw_u64(rep->json, "clock_reads", st.clock_reads);
		jsonw_u64(rep->json, "clockevent_interrupts", st.ce_irqs);
		jsonw_u64(rep->json, "hrtimer_max_late_ns", st.hrtimer_max_late_ns);
		jsonw_u64(rep->json, "wheel_max_late_jiffies", st.wheel_max_late_jiffies);
		jsonw_object_end(rep->json);
	}
	if (n) {
		fprintf(r->err, "cwsim: %s: %llu violation%s; the first: %s\n",
			r->opts->check_strict ? "check" : "warning: check", (unsigned long long)n,
			n == 1 ? "" : "s", first);
	}
	return n && r->opts->check_strict ? CWSIM_EXIT_FAILURE : CWSIM_EXIT_OK;
}

/* The JSON document's first member: what was run, and how far it got. */
static void report_run(struct cwsim_run *r, struct cwsim_report *rep, const char *current)
{
	const struct cwsim_opts *o = r->opts;

	if (!rep->json) {
		return;
	}
	jsonw_object_begin(rep->json, "run");
	jsonw_string(rep->json, "tool", "cwsim");
	jsonw_string(rep->json, "version", CWSIM_VERSION);
	jsonw_string(rep->json, "machine", r->machine_name);
	jsonw_string(rep->json, "machine_file", o->machine_path);
	jsonw_string(rep->json, "workload", r->workload ? r->workload->name : NULL);
	jsonw_string(rep->json, "workload_file", o->workload_path);
	jsonw_u64(rep->json, "seed", o->seed);
	jsonw_u64(rep->json, "hz", cw_system_hz(r->sys));
	jsonw_u64(rep->json, "cpus", cw_system_nr_cpus(r->sys));
	jsonw_u64(rep->json, "duration_ns", o->duration_ns);
	jsonw_u64(rep->json, "simulated_ns", cw_sim_now_ns(r->sim));
	jsonw_bool(rep->json, "interrupted", r->interrupted);
	jsonw_u64(rep->json, "events", cw_sim_events_run(r->sim));
	jsonw_string(rep->json, "trace_file", o->trace.path);
	jsonw_string(rep->json, "clocksource", current);
	jsonw_i64(rep->json, "realtime_at_boot_ns", r->realtime0_ns);
	jsonw_u64(rep->json, "suspended_ns", cw_sim_system_suspended_ns(r->sys));
	jsonw_object_end(rep->json);
}

/* Every table and summary, as text on r->out and, with --json, into the document. */
static int report(struct cwsim_run *r, struct cwsim_report *rep, const char *current)
{
	report_run(r, rep, current);
	report_clock_table(r, rep);
	report_clocksources(r, rep);
	report_cpus(r, rep);
	report_nohz(r, rep);
	report_devices(r, rep);
	cwsim_report_energy(rep, r->machine, r->desc);
	cwsim_report_proxy(rep, r->machine, cw_system_nr_cpus(r->sys));
	cwsim_report_claims(rep, r->machine);
	cwsim_report_tmigr(rep, r->sys, r->opts->tmigr_tree);
	fprintf(r->out, "\nmemory: %zu bytes per CPU of core state, %u CPUs\n",
		cw_system_cpu_state_bytes(r->sys), cw_system_nr_cpus(r->sys));
	if (rep->json) {
		jsonw_object_begin(rep->json, "memory");
		jsonw_u64(rep->json, "core_state_per_cpu_bytes", cw_system_cpu_state_bytes(r->sys));
		jsonw_u64(rep->json, "cpus", cw_system_nr_cpus(r->sys));
		jsonw_object_end(rep->json);
	}
	return report_check(r, rep);
}

/* Open the --json file before the run, so that a bad path fails at once. */
static int json_open(struct cwsim_run *r)
{
	const char *path = r->opts->json_path;

	if (!path) {
		return CWSIM_EXIT_OK;
	}
	r->json_file = fopen(path, "w");
	if (!r->json_file) {
		fprintf(r->err, "cwsim: --json: cannot create '%s': %s\n", path, strerror(errno));
		return CWSIM_EXIT_FAILURE;
	}
	jsonw_init(&r->json, r->json_file, 2); /* one table row a line */
	jsonw_object_begin(&r->json, NULL);
	return CWSIM_EXIT_OK;
}

/* Close the document and the file; a write error fails the run. */
static int json_close(struct cwsim_run *r, int ret)
{
	const char *path = r->opts->json_path;
	int bad;

	if (!r->json_file) {
		return ret;
	}
	jsonw_object_end(&r->json);
	bad = jsonw_finish(&r->json);
	bad |= fclose(r->json_file);
	r->json_file = NULL;
	if (bad) {
		fprintf(r->err, "cwsim: --json: cannot write '%s'\n", path);
		return ret ? ret : CWSIM_EXIT_FAILURE;
	}
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* --dump-timers-at: the run stopped at one of the instants. */
static void dump_fire(void *arg, uint64_t at_ns)
{
	struct cwsim_run *r = arg;

	(void)at_ns;
	cwsim_timerlist_dump(r->timerlist, r->out);
}

/* Run the machine to the end of --duration, or to a SIGINT (progress.h). */
static void simulate(struct cwsim_run *r)
{
	const struct cwsim_opts *o = r->opts;
	uint64_t at[CWSIM_MAX_DUMPS];
	struct cwsim_stops stops = { at, o->nr_dumps, dump_fire, r };

	memcpy(at, o->dump_at_ns, sizeof(at));
	qsort(at, o->nr_dumps, sizeof(at[0]), cmp_u64);
	r->interrupted = cwsim_simulate(r->sim, o->duration_ns, o->progress, r->err,
					r->timerlist ? &stops : NULL);
}

/* --step: the session instead of the run to --duration (step.h). */
static int step(struct cwsim_run *r)
{
	const struct cwsim_opts *o = r->opts;
	FILE *in = o->step_input ? fopen(o->step_input, "r") : stdin;
	FILE *rec = o->step_record ? fopen(o->step_record, "w") : NULL;
	int ret = CWSIM_EXIT_OK;

	if (!in || (o->step_record && !rec)) {
		fprintf(r->err, "cwsim: --step: cannot open '%s': %s\n",
			!in ? o->step_input : o->step_record, strerror(errno));
		ret = CWSIM_EXIT_FAILURE;
	} else if (cwsim_step_session(r->machine, r->timerlist, o->duration_ns, in, r->proto,
				      rec) != 0) {
		fprintf(r->err, "cwsim: --step: cannot write the answers\n");
		ret = CWSIM_EXIT_FAILURE;
	}
	if (in && in != stdin) {
		fclose(in);
	}
	if (rec && fclose(rec) != 0) {
		fprintf(r->err, "cwsim: --step-record: cannot write '%s'\n", o->step_record);
		ret = CWSIM_EXIT_FAILURE;
	}
	return ret;
}

/* The checker's observer: timer events to the trace and the timer list. */
static void on_check_event(void *arg, const struct cw_check_event *ev)
{
	struct cwsim_run *r = arg;

	if (r->trace) {
		cwsim_trace_check_event(r->trace, ev);
	}
	if (r->timerlist) {
		cwsim_timerlist_check_event(r->timerlist, ev);
	}
	cwsim_html_check_event(r->html, ev);
}

/* The hardware tracer: to the trace. */
static void on_hw_event(void *arg, uint64_t now, const struct cw_sim_trace_rec *rec)
{
	struct cwsim_run *r = arg;

	if (r->trace) {
		cwsim_trace_hw_event(r->trace, now, rec);
	}
	cwsim_html_hw_event(r->html, now, rec);
}

/* --trace and --dump-timers-at: hook the observers before the machine boots. */
static int observe(struct cwsim_run *r)
{
	const struct cwsim_opts *o = r->opts;

	if (!o->trace.path && !o->nr_dumps && !o->step) {
		return CWSIM_EXIT_OK;
	}
	r->syms = cwsim_symbols_load();
	if (o->trace.path) {
		r->trace = cwsim_trace_start(&o->trace, r->sim, r->machine, r->machine_name,
					     r->syms, r->err);
		if (!r->trace) {
			return CWSIM_EXIT_FAILURE;
		}
		if (cw_sim_hw_set_trace(cw_sim_machine_hw(r->machine), on_hw_event, r) != 0) {
			fprintf(r->err,
				"cwsim: --trace: cannot hook the hardware: out of memory\n");
			return CWSIM_EXIT_FAILURE;
		}
	}
	if (o->report.dir) {
		r->html = cwsim_html_start(&o->report, r->machine, o->duration_ns, r->err);
		if (!r->html) {
			return CWSIM_EXIT_FAILURE;
		}
	}
	if (o->nr_dumps || o->step) {
		r->timerlist = cwsim_timerlist_create(r->machine, r->syms);
		if (!r->timerlist) {
			fprintf(r->err, "cwsim: --dump-timers-at: out of memory\n");
			return CWSIM_EXIT_FAILURE;
		}
	}
	if (cw_check_set_observer(r->sys, on_check_event, r) != 0) {
		fprintf(r->err, "cwsim: warning: the checker is off (--check off): %s\n",
			o->nr_dumps ? "--dump-timers-at lists no timers and the trace has no "
				      "hrtimer or timer events"
				    : "the trace has no hrtimer or timer events");
	}
	return CWSIM_EXIT_OK;
}

/* Unhook the observers (after the report: trace.h says why) and close the trace. */
static int unobserve(struct cwsim_run *r)
{
	int bad = 0;

	if (!r->trace && !r->timerlist) {
		return 0;
	}
	cw_check_set_observer(r->sys, NULL, NULL);
	if (r->trace) {
		uint64_t events = cwsim_trace_events(r->trace);

		cw_sim_hw_set_trace(cw_sim_machine_hw(r->machine), NULL, NULL);
		bad = cwsim_trace_finish(r->trace, r->err);
		r->trace = NULL;
		if (!bad) {
			fprintf(r->out, "trace: %llu events written to %s\n",
				(unsigned long long)events, r->opts->trace.path);
		}
	}
	cwsim_timerlist_free(r->timerlist);
	r->timerlist = NULL;
	return bad;
}

/* --report: the page, after the trace is closed (it links it). */
static int report_html(struct cwsim_run *r)
{
	const struct cwsim_opts *o = r->opts;
	struct cwsim_html_run run = {
		.machine = r->machine_name,
		.workload = r->workload ? r->workload->name : NULL,
		.seed = o->seed,
		.hz = cw_system_hz(r->sys),
		.end_ns = cw_sim_now_ns(r->sim),
		.events = cw_sim_events_run(r->sim),
		.interrupted = r->interrupted,
		.json_path = o->json_path,
		.trace_path = o->trace.path,
	};
	struct cwsim_html *html = r->html;

	r->html = NULL;
	return cwsim_html_finish(html, &run, r->out, r->err);
}

static int run(struct cwsim_run *r)
{
	const struct cwsim_opts *o = r->opts;
	struct cwsim_report rep = { .out = r->out, .json = r->json_file ? &r->json : NULL };
	char current[CW_CLOCKSOURCE_NAME_MAX] = "";
	char msg[CW_SIM_ERR_MAX];
	uint64_t end_ns;
	int ret;

	schedule_script(r);
	ret = observe(r);
	if (ret) {
		return ret;
	}
	if (cw_sim_machine_boot(r->machine) != 0) {
		return CWSIM_EXIT_FAILURE;
	}
	if (o->check_fault && cw_check_inject_fault(r->sys, o->check_fault) != 0) {
		fprintf(r->err, "cwsim: --check-fault needs the checker (not --check off)\n");
		return CWSIM_EXIT_USAGE;
	}
	if (r->workload &&
	    cw_sim_machine_start_workload(r->machine, r->workload, msg, sizeof(msg)) != 0) {
		fprintf(r->err, "cwsim: %s\n", msg);
		return CWSIM_EXIT_FAILURE;
	}
	if (o->step) {
		ret = step(r);
		if (ret) {
			return ret;
		}
	} else {
		simulate(r);
	}
	end_ns = cw_sim_now_ns(r->sim);
	cw_clocksource_current(r->sys, current, sizeof(current));
	cw_sim_system_log(r->sys, CW_LOG_INFO,
			  "sim: run %s: %llu.%09llu s simulated, %llu "
			  "events, seed %llu, clocksource %s",
			  r->interrupted ? "interrupted" : "finished",
			  (unsigned long long)(end_ns / CW_NSEC_PER_SEC),
			  (unsigned long long)(end_ns % CW_NSEC_PER_SEC),
			  (unsigned long long)cw_sim_events_run(r->sim),
			  (unsigned long long)o->seed, current);
	cwsim_timerlist_report(r->timerlist, &rep);
	ret = report(r, &rep, current);
	if (unobserve(r) != 0 || report_html(r) != 0) {
		return CWSIM_EXIT_FAILURE;
	}
	return r->interrupted ? CWSIM_EXIT_INTERRUPTED : ret;
}

/* --tmigr-policies: the machine once per policy instead of one run (tmigr_policies.h). */
static int run_policies(struct cwsim_run *r, const struct cw_sim_machine_desc *desc)
{
	const struct cwsim_opts *o = r->opts;
	struct cwsim_report rep = { .out = r->out, .json = r->json_file ? &r->json : NULL };
	struct cwsim_tmigr_policies_opts p = {
		.mask = o->tmigr_policies,
		.seed = o->seed,
		.duration_ns = o->duration_ns,
		.hz = o->hz,
		.check_off = o->check_off,
		.per_class = o->tmigr_per_class,
		.one_holder = o->tmigr_one_holder,
		.progress = o->progress,
		.plot_dir = o->tmigr_plot,
		.machine_name = desc->name,
	};

	if (o->trace.path || o->report.dir || o->step || o->nr_dumps || o->suspend ||
	    o->override_name || o->nohz_off) {
		fprintf(r->err, "cwsim: --tmigr-policies runs its own machines: it takes no "
				"--trace, --report, --step, --dump-timers-at, --suspend-at, "
				"--override or --nohz\n");
		return CWSIM_EXIT_USAGE;
	}
	return cwsim_tmigr_policies(&rep, desc, r->workload, &p, r->err);
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
	if (o.version) {
		fprintf(out, "cwsim (clockwork) %s\n", CWSIM_VERSION);
		return CWSIM_EXIT_OK;
	}
	if (o.machine_keys) {
		return cwsim_machine_keys(out) ? CWSIM_EXIT_FAILURE : CWSIM_EXIT_OK;
	}
	ret = find_example("machines", &o.machine_path, o.machine_buf, sizeof(o.machine_buf), err);
	if (ret == CWSIM_EXIT_OK && o.workload_path && strcmp(o.workload_path, "none") != 0) {
		ret = find_example("workloads", &o.workload_path, o.workload_buf,
				   sizeof(o.workload_buf), err);
	}
	ret = ret ? ret : cli_load_machine("cwsim", o.machine_path, &desc, err);
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
	/* --step: stdout carries the protocol; the log and the tables go to stderr. */
	r.out = o.step ? err : out;
	r.proto = out;
	r.err = err;
	if (ret == CWSIM_EXIT_OK && o.realtime_set) {
		/* --realtime wins, even the epoch (a 0 in the configuration means "the file's"). */
		desc->realtime_set = false;
	}
	ret = ret ? ret : check_machine(&o, desc, err);
	ret = ret ? ret : load_workload(&o, &r.workload, err);
	if (ret == CWSIM_EXIT_OK &&
	    cwsim_html_prepare(&o.report, &o.json_path, &o.trace.path, err) != 0) {
		ret = CWSIM_EXIT_FAILURE;
	}
	ret = ret ? ret : (o.tmigr_policies ? CWSIM_EXIT_OK : build(&r, desc, err));
	r.machine_name = desc ? desc->name : NULL;
	r.desc = desc;
	ret = ret ? ret : json_open(&r);
	ret = ret ? ret : (o.tmigr_policies ? run_policies(&r, desc) : run(&r));
	ret = json_close(&r, ret);
	/* A run that failed after the observers were hooked: close the trace as far as it got. */
	unobserve(&r);
	cwsim_html_free(r.html);
	cwsim_symbols_free(r.syms);
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
