// SPDX-License-Identifier: MIT
/*
 * cwsim --tmigr-policies (tmigr_policies.h): the machine once per
 * timer-migration policy, same seed and workload, one table row each.
 *
 * Every run is a whole cwsim machine: its clock event devices, idle states
 * with their exit latencies, the broadcast device for deep idle, the
 * interrupt controller's latencies, and the real core. The study only
 * watches: the hardware tracer tells it when a CPU leaves and enters idle
 * and which IPIs it takes; the idle-server workload counts what each CPU
 * ran. Neither changes the run (the tracer's record reads nothing from the
 * core; the workload's counters are plain reads), so a policy's row is the
 * same with and without the others, and with and without --tmigr-plot.
 */
#include "tmigr_policies.h"

#include "cwsim.h"
#include "energy.h"
#include "html_report.h"
#include "report.h"

#include <clockwork/check.h>
#include <clockwork/clockwork.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/sim_idle_server.h>
#include <clockwork/sim_trace.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/**
 * Virtual time each machine runs before the workload starts, ns: the
 * CPUs tick periodically until the clocksource watchdog has let them
 * switch to high resolution and NO_HZ (about 0.5 s on the study's
 * machines); the measured window starts after it.
 */
#define TP_WARMUP_NS (1000 * (uint64_t)1000000)
/** Bin of the wakeups-over-time plot, ns. */
#define TP_BIN_NS    (100 * (uint64_t)1000000)
/** Longest path written. */
#define TP_PATH_MAX  4096

static const char *const tp_names[CWSIM_TMIGR_NR_POLICIES] = { "pull", "push", "pinned",
							       "periodic" };

/**
 * Why an idle CPU woke: the first that applies, in this order. A pinned
 * timer comes before the global ones: a CPU that must wake for its local
 * timer runs the global ones due at the same jiffy for free (the wheel
 * rounds both to the same bucket boundaries; the pull model does not hand
 * up a global event that is not before the local one, as in Linux).
 */
enum tp_cause {
	TP_BURST,
	TP_PACKET,
	TP_LOCAL,
	TP_GLOBAL,
	TP_PULLED,
	TP_IPI,
	TP_OTHER,
	TP_NR_CAUSES,
};

/** One CPU while a policy runs. */
struct tp_cpu {
	/** Between an idle exit and the next idle entry. */
	bool awake_window;
	bool ipi;
	/** The workload's counters at the idle exit. */
	struct cw_sim_idle_server_cpu_stats at_exit;
	uint64_t wakeups[TP_NR_CAUSES];
	/** Time per idle state and energy when the workload started (the warm-up's). */
	uint64_t deep0_ns[CW_SIM_HW_MAX_IDLE_STATES];
	uint64_t energy0_nj;
};

/** One policy's run and what was measured. */
struct tp_run {
	struct cw_sim_machine *m;
	unsigned nr_cpus;
	/** The workload has started: count from now on. */
	bool started;
	/** Virtual time the workload started, ns. */
	uint64_t start_ns;
	struct tp_cpu *cpus;
	/** Idle wakeups per bin (all CPUs). */
	uint64_t *bins;
	unsigned nr_bins;
	uint64_t ipis_sent;
};

/** A policy's row. */
struct tp_row {
	bool ran;
	uint64_t wakeups[TP_NR_CAUSES];
	uint64_t wakeups_total;
	uint64_t expired, remote, pulled, isolated_pulled, arms, scanned;
	uint64_t late_p50, late_p99, late_max;
	uint64_t deep_ns, cpu_ns;
	uint64_t energy_nj;
	uint64_t violations;
	/** Per capacity class: CPUs, idle wakeups, of which for global timers (own or pulled). */
	uint64_t class_cpus[4], class_wakeups[4], class_global[4];
	uint64_t *bins;
};

int cwsim_tmigr_policies_parse(const char *text, unsigned *mask)
{
	char buf[128];
	char *save = NULL;

	if (strcmp(text, "all") == 0) {
		*mask = (1u << CWSIM_TMIGR_NR_POLICIES) - 1;
		return 0;
	}
	if (strlen(text) >= sizeof(buf)) {
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	*mask = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned p;

		for (p = 0; p < CWSIM_TMIGR_NR_POLICIES && strcmp(t, tp_names[p]) != 0; p++) {
		}
		if (p == CWSIM_TMIGR_NR_POLICIES) {
			return -1;
		}
		*mask |= 1u << p;
	}
	return *mask ? 0 : -1;
}

static enum tp_cause tp_classify(const struct tp_cpu *c,
				 const struct cw_sim_idle_server_cpu_stats *now)
{
	if (now->bursts != c->at_exit.bursts) {
		return TP_BURST;
	}
	if (now->packets != c->at_exit.packets) {
		return TP_PACKET;
	}
	if (now->housekeeping != c->at_exit.housekeeping) {
		return TP_LOCAL;
	}
	if (now->timeouts_own != c->at_exit.timeouts_own) {
		return TP_GLOBAL;
	}
	if (now->timeouts_pulled != c->at_exit.timeouts_pulled) {
		return TP_PULLED;
	}
	return c->ipi ? TP_IPI : TP_OTHER;
}

/* Close @cpu's awake window: classify the wakeup that opened it. */
static void tp_close_window(struct tp_run *t, unsigned cpu)
{
	struct tp_cpu *c = &t->cpus[cpu];
	struct cw_sim_idle_server_cpu_stats now;

	if (!c->awake_window) {
		return;
	}
	c->awake_window = false;
	if (cw_sim_machine_idle_server_stats(t->m, cpu, &now) == 0) {
		c->wakeups[tp_classify(c, &now)]++;
	}
}

static void tp_on_hw(void *arg, uint64_t now_ns, const struct cw_sim_trace_rec *rec)
{
	struct tp_run *t = arg;
	struct tp_cpu *c;

	if (!t->started || rec->cpu >= t->nr_cpus) {
		return;
	}
	c = &t->cpus[rec->cpu];
	switch (rec->type) {
	case CW_SIM_TRACE_IDLE_EXIT: {
		uint64_t bin = (now_ns - t->start_ns) / TP_BIN_NS;

		tp_close_window(t, rec->cpu);
		c->awake_window = true;
		c->ipi = false;
		cw_sim_machine_idle_server_stats(t->m, rec->cpu, &c->at_exit);
		if (bin < t->nr_bins) {
			t->bins[bin]++;
		}
		break;
	}
	case CW_SIM_TRACE_IDLE_ENTER:
		tp_close_window(t, rec->cpu);
		break;
	case CW_SIM_TRACE_IPI_ENTRY:
		c->ipi = true;
		break;
	case CW_SIM_TRACE_IPI_SEND:
		t->ipis_sent++;
		break;
	default:
		break;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile @p pct of sorted @p v. */
static uint64_t tp_pct(const uint64_t *v, size_t n, unsigned pct)
{
	size_t rank;

	if (n == 0) {
		return 0;
	}
	rank = (n * pct + 99) / 100;
	return v[rank ? rank - 1 : 0];
}

/* What the run measured, into @row. */
static int tp_collect(struct tp_run *t, const struct cw_sim_machine_desc *desc, struct tp_row *row,
		      FILE *err)
{
	struct cw_system *sys = cw_sim_machine_system(t->m);
	struct cw_sim_hw *hw = cw_sim_machine_hw(t->m);
	size_t n = cw_sim_machine_idle_server_lateness(t->m, NULL, 0);
	uint64_t *late = calloc(n ? n : 1, sizeof(*late));
	uint64_t elapsed = cw_sim_now_ns(cw_sim_system_engine(sys)) - t->start_ns;

	if (!late) {
		fprintf(err, "cwsim: --tmigr-policies: out of memory\n");
		return -1;
	}
	for (unsigned cpu = 0; cpu < t->nr_cpus; cpu++) {
		struct cw_sim_idle_server_cpu_stats st = { 0 };
		struct cw_sim_hw_cpu_stats hs = { 0 };
		unsigned cls = desc->cpu_capacity_class ? desc->cpu_capacity_class[cpu] : 0;
		uint64_t cpu_wakeups = 0;

		tp_close_window(t, cpu);
		cw_sim_machine_idle_server_stats(t->m, cpu, &st);
		cw_sim_hw_cpu_get_stats(hw, cpu, &hs);
		for (unsigned k = 0; k < TP_NR_CAUSES; k++) {
			row->wakeups[k] += t->cpus[cpu].wakeups[k];
			cpu_wakeups += t->cpus[cpu].wakeups[k];
		}
		row->wakeups_total += cpu_wakeups;
		row->expired += st.timeouts_own + st.timeouts_pulled;
		row->pulled += st.timeouts_pulled;
		row->remote += st.timeouts_remote;
		row->arms += st.arms;
		row->scanned += st.push_scanned;
		if (desc->cpu_isolated && desc->cpu_isolated[cpu]) {
			row->isolated_pulled += st.timeouts_pulled;
		}
		for (unsigned i = 0; i < desc->nr_idle_states && i < CW_SIM_HW_MAX_IDLE_STATES;
		     i++) {
			row->deep_ns += desc->idle_states[i].deep
						? hs.idle_ns[i] - t->cpus[cpu].deep0_ns[i]
						: 0;
		}
		row->cpu_ns += elapsed;
		if (cwsim_energy_known(desc)) {
			struct cwsim_energy e;

			cwsim_energy_of_cpu(t->m, desc, cpu, &e);
			row->energy_nj +=
				e.active_nj + e.idle_nj + e.wakeup_nj - t->cpus[cpu].energy0_nj;
		}
		cls = cls < 4 ? cls : 3;
		row->class_cpus[cls]++;
		row->class_wakeups[cls] += cpu_wakeups;
		row->class_global[cls] +=
			t->cpus[cpu].wakeups[TP_GLOBAL] + t->cpus[cpu].wakeups[TP_PULLED];
	}
	cw_sim_machine_idle_server_lateness(t->m, late, n);
	qsort(late, n, sizeof(*late), cmp_u64);
	row->late_p50 = tp_pct(late, n, 50);
	row->late_p99 = tp_pct(late, n, 99);
	row->late_max = n ? late[n - 1] : 0;
	free(late);
	cw_check_verify(sys);
	row->violations = cw_check_report(sys, NULL, 0);
	if (row->violations) {
		char msg[512];

		cw_check_report(sys, msg, sizeof(msg));
		fprintf(err, "cwsim: --tmigr-policies: checker: %s\n", msg);
	}
	row->bins = t->bins;
	t->bins = NULL;
	row->ran = true;
	return 0;
}

/* Once per simulated second: the checker's verify, with timer migration's checker in it. */
static void tp_verify(void *arg, uint64_t at_ns)
{
	struct tp_run *t = arg;

	(void)at_ns;
	cw_check_verify(cw_sim_machine_system(t->m));
}

/* One policy: build, boot, run the workload, measure, tear down. */
static int tp_run_policy(enum cwsim_tmigr_policy p, const struct cw_sim_machine_desc *desc,
			 struct cw_sim_workload_desc *w, const struct cwsim_tmigr_policies_opts *o,
			 struct tp_row *row, FILE *err)
{
	struct cw_system_config cfg = { 0 };
	struct tp_run t = { 0 };
	struct cw_sim *sim = NULL;
	struct cwsim_stops stops;
	uint64_t *stops_at = NULL;
	unsigned nr_stops;
	char msg[CW_SIM_ERR_MAX];
	int ret;

	cfg.hz = o->hz;
	cfg.check = o->check_off ? CW_CHECK_OFF : CW_CHECK_ON;
	cfg.tai_offset_s = 37;
	cfg.realtime_init_ns =
		desc->realtime_set ? desc->realtime_init_ns : INT64_C(1735689600) * CW_NSEC_PER_SEC;
	cfg.tmigr_off = p != CWSIM_TMIGR_PULL;
	cfg.tmigr_per_class = p == CWSIM_TMIGR_PULL && o->per_class;
	cfg.tmigr_one_duty_holder = p == CWSIM_TMIGR_PULL && o->one_holder;
	cfg.nohz_off = p == CWSIM_TMIGR_PERIODIC;
	w->idle_server.placement =
		p == CWSIM_TMIGR_PUSH ? CW_SIM_IDLE_SERVER_PUSH : CW_SIM_IDLE_SERVER_LOCAL;
	w->idle_server.cpu_node = desc->cpu_node;

	t.nr_bins = (unsigned)(o->duration_ns / TP_BIN_NS + 1);
	t.bins = calloc(t.nr_bins, sizeof(*t.bins));
	ret = t.bins ? cw_sim_create(o->seed, &sim) : CW_ENOMEM;
	ret = ret ? ret : cw_sim_machine_create(sim, desc, &cfg, NULL, NULL, &t.m);
	if (ret) {
		fprintf(err, "cwsim: --tmigr-policies: cannot build machine '%s' (%s): %s\n",
			desc->name, tp_names[p], cw_strerror(ret));
		goto out;
	}
	t.nr_cpus = cw_system_nr_cpus(cw_sim_machine_system(t.m));
	t.cpus = calloc(t.nr_cpus, sizeof(*t.cpus));
	if (!t.cpus || cw_sim_hw_set_trace(cw_sim_machine_hw(t.m), tp_on_hw, &t) != 0) {
		fprintf(err, "cwsim: --tmigr-policies: out of memory\n");
		ret = CW_ENOMEM;
		goto out;
	}
	ret = cw_sim_machine_boot(t.m);
	if (ret) {
		fprintf(err, "cwsim: --tmigr-policies: machine '%s' does not boot (%s): %s\n",
			desc->name, tp_names[p], cw_strerror(ret));
		goto out;
	}
	if (cwsim_simulate(sim, TP_WARMUP_NS, o->progress, err, NULL)) {
		ret = CW_EINVAL;
		fprintf(err, "cwsim: --tmigr-policies: interrupted\n");
		goto out;
	}
	t.started = true;
	t.start_ns = cw_sim_now_ns(sim);
	ret = cw_sim_machine_start_workload(t.m, w, msg, sizeof(msg));
	if (ret) {
		fprintf(err, "cwsim: %s\n", msg);
		goto out;
	}
	for (unsigned cpu = 0; cpu < t.nr_cpus; cpu++) {
		struct cw_sim_hw_cpu_stats hs = { 0 };

		cw_sim_hw_cpu_get_stats(cw_sim_machine_hw(t.m), cpu, &hs);
		memcpy(t.cpus[cpu].deep0_ns, hs.idle_ns, sizeof(hs.idle_ns));
		if (cwsim_energy_known(desc)) {
			struct cwsim_energy e;

			cwsim_energy_of_cpu(t.m, desc, cpu, &e);
			t.cpus[cpu].energy0_nj = e.active_nj + e.idle_nj + e.wakeup_nj;
		}
	}
	nr_stops = (unsigned)(o->duration_ns / CW_NSEC_PER_SEC);
	stops_at = calloc(nr_stops + 1, sizeof(*stops_at));
	if (!stops_at) {
		ret = CW_ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < nr_stops; i++) {
		stops_at[i] = t.start_ns + (i + 1) * (uint64_t)CW_NSEC_PER_SEC;
	}
	stops = (struct cwsim_stops){ stops_at, o->check_off ? 0 : nr_stops, tp_verify, &t };
	if (cwsim_simulate(sim, t.start_ns + o->duration_ns, o->progress, err, &stops)) {
		ret = CW_EINVAL; /* SIGINT: no row from half a run */
		fprintf(err, "cwsim: --tmigr-policies: interrupted\n");
		goto out;
	}
	ret = tp_collect(&t, desc, row, err) ? CW_ENOMEM : 0;
out:
	if (t.m) {
		cw_sim_hw_set_trace(cw_sim_machine_hw(t.m), NULL, NULL);
	}
	cw_sim_machine_destroy(t.m);
	cw_sim_destroy(sim);
	free(t.cpus);
	free(t.bins);
	free(stops_at);
	return ret;
}

/* @num / @den with @dec decimals, as text and as a fixed-point JSON number. */
static void tp_cell_ratio(struct cwsim_report *rep, uint64_t num, uint64_t den, unsigned dec)
{
	uint64_t scale = dec == 1 ? 10 : dec == 2 ? 100 : dec == 3 ? 1000 : 1;
	uint64_t v = den ? (uint64_t)(((unsigned __int128)num * scale + den / 2) / den) : 0;
	char buf[40];

	if (dec) {
		snprintf(buf, sizeof(buf), "%llu.%0*llu", (unsigned long long)(v / scale), (int)dec,
			 (unsigned long long)(v % scale));
	} else {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	}
	cwsim_cell_fixed_as(rep, buf, (int64_t)v, dec);
}

static void tp_table(struct cwsim_report *rep, const struct tp_row *rows, unsigned nr_cpus,
		     uint64_t duration_ns, bool energy)
{
	static const struct cwsim_col cols[] = {
		{ "policy", "policy", -8, 0 },
		{ "idle wakeups/s", "idle_wakeups_per_s", 14, 0 },
		{ "per CPU/s", "idle_wakeups_per_cpu_per_s", 9, 0 },
		{ "burst", "burst_per_s", 7, 0 },
		{ "packet", "packet_per_s", 8, 0 },
		{ "global", "global_per_s", 7, 0 },
		{ "pulled", "pulled_global_per_s", 7, 0 },
		{ "local", "local_per_s", 7, 0 },
		{ "IPI", "ipi_per_s", 6, 0 },
		{ "tick/other", "tick_other_per_s", 10, 0 },
		{ "expired", "timeouts_expired", 8, 0 },
		{ "remote", "remote_expiries", 7, 0 },
		{ "pulled", "pulled_expiries", 7, 0 },
		{ "iso pulled", "isolated_pulled", 10, 0 },
		{ "late p50 (us)", "lateness_p50_ns", 13, 0 },
		{ "p99 (us)", "lateness_p99_ns", 9, 0 },
		{ "max (us)", "lateness_max_ns", 9, 0 },
		{ "scan/enq", "cpus_scanned_per_enqueue", 8, 0 },
		{ "deep idle", "deep_idle_pct", 9, 0 },
		{ "energy (mJ)", "energy_nj", 11, 0 },
		{ "violations", "check_violations", 10, 0 },
	};
	char buf[40];

	cwsim_table_begin(rep, "tmigr_policies", cols, sizeof(cols) / sizeof(cols[0]));
	for (unsigned p = 0; p < CWSIM_TMIGR_NR_POLICIES; p++) {
		const struct tp_row *r = &rows[p];
		uint64_t s_ns = duration_ns;

		if (!r->ran) {
			continue;
		}
		cwsim_cell_str(rep, tp_names[p]);
		/* per second: count * 1e9 / duration_ns */
		tp_cell_ratio(rep, r->wakeups_total * CW_NSEC_PER_SEC, s_ns, 1);
		tp_cell_ratio(rep, r->wakeups_total * CW_NSEC_PER_SEC, s_ns * nr_cpus, 2);
		tp_cell_ratio(rep, r->wakeups[TP_BURST] * CW_NSEC_PER_SEC, s_ns, 1);
		tp_cell_ratio(rep, r->wakeups[TP_PACKET] * CW_NSEC_PER_SEC, s_ns, 1);
		tp_cell_ratio(rep, r->wakeups[TP_GLOBAL] * CW_NSEC_PER_SEC, s_ns, 1);
		tp_cell_ratio(rep, r->wakeups[TP_PULLED] * CW_NSEC_PER_SEC, s_ns, 1);
		tp_cell_ratio(rep, r->wakeups[TP_LOCAL] * CW_NSEC_PER_SEC, s_ns, 1);
		tp_cell_ratio(rep, r->wakeups[TP_IPI] * CW_NSEC_PER_SEC, s_ns, 1);
		tp_cell_ratio(rep, r->wakeups[TP_OTHER] * CW_NSEC_PER_SEC, s_ns, 1);
		cwsim_cell_u64(rep, r->expired);
		cwsim_cell_u64(rep, r->remote);
		cwsim_cell_u64(rep, r->pulled);
		cwsim_cell_u64(rep, r->isolated_pulled);
		snprintf(buf, sizeof(buf), "%.1f", (double)r->late_p50 / 1e3);
		cwsim_cell_fixed_as(rep, buf, (int64_t)r->late_p50, 0);
		snprintf(buf, sizeof(buf), "%.1f", (double)r->late_p99 / 1e3);
		cwsim_cell_fixed_as(rep, buf, (int64_t)r->late_p99, 0);
		snprintf(buf, sizeof(buf), "%.1f", (double)r->late_max / 1e3);
		cwsim_cell_fixed_as(rep, buf, (int64_t)r->late_max, 0);
		tp_cell_ratio(rep, r->scanned, r->arms, 2);
		tp_cell_ratio(rep, r->deep_ns * 100, r->cpu_ns, 1);
		if (energy) {
			snprintf(buf, sizeof(buf), "%llu.%03llu",
				 (unsigned long long)(r->energy_nj / 1000000u),
				 (unsigned long long)(r->energy_nj / 1000u % 1000u));
			cwsim_cell_fixed_as(rep, buf, (int64_t)r->energy_nj, 0);
		} else {
			cwsim_cell_null_as(rep, "-");
		}
		cwsim_cell_u64(rep, r->violations);
	}
	cwsim_table_end(rep);
}

static void tp_class_table(struct cwsim_report *rep, const struct tp_row *rows,
			   uint64_t duration_ns)
{
	static const struct cwsim_col cols[] = {
		{ "policy", "policy", -8, 0 },
		{ "class", "capacity_class", 5, 0 },
		{ "CPUs", "cpus", 5, 0 },
		{ "idle wakeups/s", "idle_wakeups_per_s", 14, 0 },
		{ "per CPU/s", "idle_wakeups_per_cpu_per_s", 9, 0 },
		{ "global+pulled/s", "global_wakeups_per_s", 15, 0 },
	};

	cwsim_table_begin(rep, "tmigr_policy_classes", cols, sizeof(cols) / sizeof(cols[0]));
	for (unsigned p = 0; p < CWSIM_TMIGR_NR_POLICIES; p++) {
		for (unsigned k = 0; k < 4 && rows[p].ran; k++) {
			if (!rows[p].class_cpus[k]) {
				continue;
			}
			cwsim_cell_str(rep, tp_names[p]);
			cwsim_cell_u64(rep, k);
			cwsim_cell_u64(rep, rows[p].class_cpus[k]);
			tp_cell_ratio(rep, rows[p].class_wakeups[k] * CW_NSEC_PER_SEC, duration_ns,
				      1);
			tp_cell_ratio(rep, rows[p].class_wakeups[k] * CW_NSEC_PER_SEC,
				      duration_ns * rows[p].class_cpus[k], 2);
			tp_cell_ratio(rep, rows[p].class_global[k] * CW_NSEC_PER_SEC, duration_ns,
				      1);
		}
	}
	cwsim_table_end(rep);
}

/* DIR/tmigr-wakeups.{dat,gp}, then gnuplot draws DIR/tmigr-wakeups.svg. */
static int tp_plot(const struct cwsim_tmigr_policies_opts *o, const struct tp_row *rows,
		   unsigned nr_cpus, FILE *out, FILE *err)
{
	unsigned nr_bins = (unsigned)(o->duration_ns / TP_BIN_NS);
	char path[TP_PATH_MAX];
	FILE *f;
	int col = 2;

	snprintf(path, sizeof(path), "%s/tmigr-wakeups.dat", o->plot_dir);
	f = fopen(path, "w");
	if (!f) {
		fprintf(err, "cwsim: --tmigr-plot: cannot create '%s'\n", path);
		return -1;
	}
	fprintf(f, "time_s");
	for (unsigned p = 0; p < CWSIM_TMIGR_NR_POLICIES; p++) {
		if (rows[p].ran) {
			fprintf(f, " %s", tp_names[p]);
		}
	}
	fprintf(f, "\n");
	for (unsigned b = 0; b < nr_bins; b++) {
		fprintf(f, "%.3f", (double)(b * TP_BIN_NS) / 1e9);
		for (unsigned p = 0; p < CWSIM_TMIGR_NR_POLICIES; p++) {
			if (rows[p].ran) {
				fprintf(f, " %.4f",
					(double)rows[p].bins[b] / nr_cpus /
						((double)TP_BIN_NS / 1e9));
			}
		}
		fprintf(f, "\n");
	}
	if (fclose(f) != 0) {
		fprintf(err, "cwsim: --tmigr-plot: cannot write '%s'\n", path);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/tmigr-wakeups.gp", o->plot_dir);
	f = fopen(path, "w");
	if (!f) {
		fprintf(err, "cwsim: --tmigr-plot: cannot create '%s'\n", path);
		return -1;
	}
	fprintf(f,
		"# cwsim --tmigr-policies --tmigr-plot: redraw with `gnuplot tmigr-wakeups.gp` here.\n"
		"set terminal svg size 800,420 dynamic background '#ffffff'\n"
		"set termoption noenhanced\n"
		"set output 'tmigr-wakeups.svg'\n"
		"set title 'Idle wakeups per CPU per second (%s, %u CPUs, seed %llu, 100 ms bins)'\n"
		"set xlabel 'simulated time (s)'\nset ylabel 'wakeups per CPU per second'\n"
		"set logscale y\nset key outside right\nset grid\n"
		"plot ",
		o->machine_name ? o->machine_name : "machine", nr_cpus,
		(unsigned long long)o->seed);
	for (unsigned p = 0; p < CWSIM_TMIGR_NR_POLICIES; p++) {
		if (rows[p].ran) {
			fprintf(f, "%s'tmigr-wakeups.dat' using 1:%d with steps lw 1.5 title '%s'",
				col > 2 ? ", " : "", col, tp_names[p]);
			col++;
		}
	}
	/* The NO_HZ policies alone on a linear scale: periodic flattens them above. */
	fprintf(f,
		"\nset output 'tmigr-wakeups-nohz.svg'\nunset logscale y\nset yrange [0:*]\n"
		"set title 'Idle wakeups per CPU per second, NO_HZ policies (%s, %u CPUs)'\n"
		"plot ",
		o->machine_name ? o->machine_name : "machine", nr_cpus);
	col = 2;
	for (unsigned p = 0, first = 1; p < CWSIM_TMIGR_NR_POLICIES; p++) {
		if (rows[p].ran && p != CWSIM_TMIGR_PERIODIC) {
			fprintf(f, "%s'tmigr-wakeups.dat' using 1:%d with steps lw 1.5 title '%s'",
				first ? "" : ", ", col, tp_names[p]);
			first = 0;
		}
		col += rows[p].ran;
	}
	fprintf(f, "\n");
	if (fclose(f) != 0) {
		fprintf(err, "cwsim: --tmigr-plot: cannot write '%s'\n", path);
		return -1;
	}
	if (cwsim_gnuplot_run(o->plot_dir, "tmigr-wakeups.gp", err) != 0) {
		return -1;
	}
	fprintf(out, "plot: %s/tmigr-wakeups.svg, %s/tmigr-wakeups-nohz.svg\n", o->plot_dir,
		o->plot_dir);
	return 0;
}

int cwsim_tmigr_policies(struct cwsim_report *rep, const struct cw_sim_machine_desc *desc,
			 struct cw_sim_workload_desc *w, const struct cwsim_tmigr_policies_opts *o,
			 FILE *err)
{
	struct tp_row rows[CWSIM_TMIGR_NR_POLICIES] = { 0 };
	unsigned nr_cpus = desc->nr_cpus;
	bool classes = false;
	int ret = CWSIM_EXIT_OK;

	if (!w || !w->idle_server.line) {
		fprintf(err, "cwsim: --tmigr-policies needs a workload with an [idle-server] "
			     "section (such as examples/workloads/idle-server.ini)\n");
		return CWSIM_EXIT_USAGE;
	}
	if (o->plot_dir && !cwsim_gnuplot_found()) {
		fprintf(err, "cwsim: --tmigr-plot needs gnuplot on PATH (Debian: apt-get install "
			     "gnuplot-nox)\n");
		return CWSIM_EXIT_FAILURE;
	}
	if (o->plot_dir && mkdir(o->plot_dir, 0777) != 0 && errno != EEXIST) {
		fprintf(err, "cwsim: --tmigr-plot: cannot create directory '%s': %s\n", o->plot_dir,
			strerror(errno));
		return CWSIM_EXIT_FAILURE;
	}
	for (unsigned p = 0; p < CWSIM_TMIGR_NR_POLICIES && ret == CWSIM_EXIT_OK; p++) {
		if ((o->mask & (1u << p)) &&
		    tp_run_policy((enum cwsim_tmigr_policy)p, desc, w, o, &rows[p], err) != 0) {
			ret = CWSIM_EXIT_FAILURE;
		}
	}
	for (unsigned cpu = 0; desc->cpu_capacity_class && cpu < nr_cpus; cpu++) {
		classes |= desc->cpu_capacity_class[cpu] != 0;
	}
	if (ret == CWSIM_EXIT_OK) {
		fprintf(rep->out,
			"\ntimer-migration policies: machine %s, %u CPUs, %llu.%03llu s after 1 s of "
			"warm-up, seed %llu, same workload '%s' under each\n",
			o->machine_name ? o->machine_name : desc->name, nr_cpus,
			(unsigned long long)(o->duration_ns / CW_NSEC_PER_SEC),
			(unsigned long long)(o->duration_ns % CW_NSEC_PER_SEC / 1000000u),
			(unsigned long long)o->seed, w->name);
		tp_table(rep, rows, nr_cpus, o->duration_ns, cwsim_energy_known(desc));
		if (classes) {
			tp_class_table(rep, rows, o->duration_ns);
		}
		for (unsigned p = 0; p < CWSIM_TMIGR_NR_POLICIES; p++) {
			if (rows[p].violations) {
				ret = CWSIM_EXIT_FAILURE;
			}
		}
		if (o->plot_dir && tp_plot(o, rows, nr_cpus, rep->out, err) != 0) {
			ret = CWSIM_EXIT_FAILURE;
		}
	}
	for (unsigned p = 0; p < CWSIM_TMIGR_NR_POLICIES; p++) {
		free(rows[p].bins);
	}
	return ret;
}
