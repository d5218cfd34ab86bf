// SPDX-License-Identifier: MIT
/*
 * tmigr-study: the wakeup study of issue 11 (docs/timer-migration.md).
 *
 * An idle-server workload on 8 to 4096 CPUs, run under four timer
 * placement policies with the same seed, on the real core (the wheel's
 * local/global bases, the migration hierarchy, the idle entry and exit
 * calls the tick layer makes), driven jiffy by jiffy on a tickless test
 * port: deterministic, bit for bit. It models no idle-state latency, no
 * clock event devices and no broadcast: a CPU sleeps until the jiffy it
 * asked for, an event interrupt or an IPI.
 *
 * Workload (per CPU): CONNS connections, each with a timeout that is a
 * global (non-pinned) wheel timer of TIMEOUT re-armed on every packet; a
 * packet arrives on a connection every GAP_IDLE on average (exponential),
 * or every GAP_BUSY on the CPUs of the current burst; a packet closes the
 * connection one time in CLOSE_EVERY (the timer is deleted; the next
 * packet opens it again); an expired timeout closes it too. One pinned
 * housekeeping timer per CPU every HK_PERIOD. Bursts: every BURST_LEN a
 * new set of N/16 CPUs (at least 1) is busy serving traffic; the others
 * sleep between packets.
 *
 * Policies:
 *   pull      the hierarchy (issue 11): timers stay on the arming CPU; an
 *             idle CPU hands its first global timer up; busy CPUs pull.
 *   push      pre-6.9 Linux: at enqueue from an idle CPU (a packet on a
 *             sleeping CPU runs in its interrupt, idle_cpu() is true), the
 *             timer goes to the first busy CPU of the node, then of the
 *             machine (get_nohz_timer_target), else CPU 0; migration off.
 *   pinned    no migration: every timer expires where it was armed.
 *   periodic  no NO_HZ: every CPU takes every tick; timers stay local.
 *
 * Usage: tmigr-study [--seconds S] [--cpus N] [--seed N] [--svg DIR] [--check]
 * (default: the four machines 8/2, 64/2, 512/8, 4096/64 CPUs/nodes, 10 s
 * each, seed 1; --check: exit 1 unless the targets hold on the last
 * machine run, e.g. with --cpus 512)
 */
#include <clockwork/cpu.h>
#include <clockwork/system.h>
#include <clockwork/timer.h>
#include <clockwork/tmigr.h>

#include "core/system-internal.h"
#include "core/timer-internal.h"
#include "core/tmigr-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HZ          1000u
#define CONNS       4u
#define TIMEOUT     1500u  /* jiffies */
#define GAP_IDLE    3000.0 /* mean jiffies between packets of an idle CPU's connection */
#define GAP_BUSY    20.0   /* ... of a busy CPU's connection */
#define CLOSE_EVERY 16u
#define HK_PERIOD   1000u
#define BURST_LEN   500u
#define DEEP_AFTER  4u /* a sleep of this many jiffies or more counts as deep idle */
/*
 * Energy, with the power figures of cwsim's study machines
 * (examples/machines/tmigr/, their [idle] sections): a running CPU draws 3 W, a
 * sleep shorter than DEEP_AFTER is in c1 (800 mW), a longer one in c6
 * (50 mW), and every wakeup costs 20 uJ. Per CPU, summed.
 */
#define ACTIVE_MW   3000.0
#define SHALLOW_MW  800.0
#define DEEP_MW     50.0
#define WAKEUP_UJ   20.0
#define CAL         16384u /* traffic calendar, jiffies */
#define MAX_LATE    4096u
#define BIN         100u /* jiffies per plotted point */
#define MAX_BINS    600u

enum policy {
	PULL,
	PUSH,
	PINNED,
	PERIODIC,
	/* Only in the heterogeneous table. */
	PULL_PER_CLASS,
	PULL_PER_CLASS_HOLDER,
};
static const char *const policy_name[] = { "pull",
					   "push",
					   "pinned",
					   "periodic",
					   "pull, one hierarchy per class",
					   "pull, per class, one duty holder" };

enum cause {
	C_TRAFFIC,
	C_LOCAL,
	C_GLOBAL,
	C_DUTY,
	C_IPI,
	C_TICK,
	NR_CAUSES
};

struct run;

struct conn {
	struct cw_timer timer;
	struct run *r;
	unsigned owner;
	bool open;
	uint64_t expires;
	struct conn *next_cal;
};

struct hk {
	struct cw_timer timer;
	struct run *r;
	unsigned cpu;
	uint64_t expires;
};

struct cpu {
	bool idle, busy, isolated, little;
	uint64_t wake, wake_local, idle_since;
	bool kicked;
};

struct run {
	enum policy pol;
	unsigned n, nodes;
	bool hetero;
	uint64_t rng;
	struct cw_system *sys;
	unsigned cur;
	uint64_t now, start;
	struct cpu *cpu;
	struct conn *conns;
	struct hk *hks;
	struct conn *cal[CAL];
	/* results */
	uint64_t wakeups[NR_CAUSES];
	uint64_t expired, remote, enqueues, scanned, deep_jiffies, idle_jiffies;
	uint64_t late_hist[MAX_LATE + 1];
	/* Idle wakeups per BIN jiffies (all causes but the periodic tick), for the plots. */
	uint64_t bins[MAX_BINS];
	uint64_t pulled_on_isolated;
	/* Wakeups of little CPUs for global timers (own or last-idle duty). */
	uint64_t little_timer_wakeups;
};

/* ---- deterministic random numbers ---- */
static uint64_t rnd(struct run *r)
{
	uint64_t z = (r->rng += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t draw_gap(struct run *r, double mean)
{
	double u = ((double)(rnd(r) >> 11) + 0.5) / 9007199254740992.0;
	double g = -mean * log(u);

	if (g < 1.0) {
		g = 1.0;
	}
	return g > (double)(CAL - 1) ? CAL - 1 : (uint64_t)g;
}

/* ---- port ---- */
static unsigned port_this_cpu(void *ctx)
{
	return ((struct run *)ctx)->cur;
}

static void port_send_ipi(void *ctx, unsigned cpu)
{
	((struct run *)ctx)->cpu[cpu].kicked = true;
}

static int port_cpu_call(void *ctx, unsigned cpu, void (*fn)(void *), void *arg)
{
	struct run *r = ctx;
	unsigned saved = r->cur;

	r->cur = cpu;
	fn(arg);
	r->cur = saved;
	return 0;
}

static const struct cw_port_ops port_ops = {
	.name = "tmigr-study",
	.this_cpu = port_this_cpu,
	.send_ipi = port_send_ipi,
	.cpu_call = port_cpu_call,
};

/* ---- CPUs ---- */
static void go_idle(struct run *r, unsigned c)
{
	struct cw_timer_next nx;

	r->cur = c;
	cw__timer_idle_enter(r->sys, c, r->now, &nx);
	r->cpu[c].wake = cw__tmigr_cpu_deactivate(r->sys, c, nx.local, nx.global);
	r->cpu[c].wake_local = nx.local;
	r->cpu[c].idle = true;
	r->cpu[c].idle_since = r->now;
}

static void wake_up(struct run *r, unsigned c, enum cause why)
{
	uint64_t slept = r->now - r->cpu[c].idle_since;

	r->wakeups[why]++;
	if (why != C_TICK && (r->now - r->start) / BIN < MAX_BINS) {
		r->bins[(r->now - r->start) / BIN]++;
	}
	r->idle_jiffies += slept;
	if (slept >= DEEP_AFTER) {
		r->deep_jiffies += slept;
	}
	r->cur = c;
	cw__tmigr_cpu_activate(r->sys, c);
	cw__timer_idle_exit(r->sys, c, r->now);
	r->cpu[c].idle = false;
}

static void tick(struct run *r, unsigned c)
{
	r->cur = c;
	cw__timer_run_at(r->sys, c, r->now);
	if (cw__tmigr_requires_handle_remote(r->sys, c, r->now)) {
		cw__tmigr_handle_remote_at(r->sys, c, r->now);
	}
}

/* Push (get_nohz_timer_target): the first busy CPU of the node, then of the machine. */
static unsigned push_target(struct run *r, unsigned c)
{
	unsigned per = r->n / r->nodes, base = c / per * per;

	for (unsigned i = 0; i < per; i++) {
		r->scanned++;
		if (!r->cpu[base + i].idle && !r->cpu[base + i].isolated) {
			return base + i;
		}
	}
	for (unsigned i = 0; i < r->n; i++) {
		if (i / per == c / per) {
			continue;
		}
		r->scanned++;
		if (!r->cpu[i].idle && !r->cpu[i].isolated) {
			return i;
		}
	}
	return 0;
}

/* ---- timers ---- */
static void conn_timeout(struct cw_timer *t)
{
	struct conn *k = (struct conn *)(void *)t;
	struct run *r = k->r;
	uint64_t late = r->now - k->expires;

	r->expired++;
	r->late_hist[late > MAX_LATE ? MAX_LATE : late]++;
	if (r->cur != k->owner) {
		r->remote++;
		if (r->cpu[r->cur].isolated) {
			r->pulled_on_isolated++;
		}
	}
	k->open = false;
}

static void hk_fn(struct cw_timer *t)
{
	struct hk *h = (struct hk *)(void *)t;

	h->expires += HK_PERIOD;
	cw_timer_mod(&h->timer, h->expires);
}

static void packet(struct run *r, struct conn *k)
{
	unsigned c = k->owner;
	bool was_idle = r->cpu[c].idle;

	if (was_idle) {
		wake_up(r, c, C_TRAFFIC);
		tick(r, c);
	}
	r->cur = c;
	if (k->open && rnd(r) % CLOSE_EVERY == 0) {
		cw_timer_del(&k->timer);
		k->open = false;
	} else {
		k->open = true;
		k->expires = r->now + TIMEOUT;
		r->enqueues++;
		if (r->pol == PUSH && was_idle && !r->cpu[c].busy) {
			/* The packet runs in the interrupt of a sleeping CPU. */
			cw_timer_add_on(&k->timer, k->expires, push_target(r, c));
		} else {
			cw_timer_mod(&k->timer, k->expires);
		}
	}
	if (was_idle && !r->cpu[c].busy) {
		go_idle(r, c);
	}
}

static void schedule_packet(struct run *r, struct conn *k)
{
	uint64_t at = r->now + draw_gap(r, r->cpu[k->owner].busy ? GAP_BUSY : GAP_IDLE);

	k->next_cal = r->cal[at % CAL];
	r->cal[at % CAL] = k;
}

static void new_burst(struct run *r)
{
	unsigned nb = r->n / 16 ? r->n / 16 : 1;

	for (unsigned c = 0; c < r->n; c++) {
		r->cpu[c].busy = false;
	}
	for (unsigned i = 0; i < nb; i++) {
		unsigned c = (unsigned)(rnd(r) % r->n);

		if (r->hetero) {
			/* The work runs on big CPUs: the first quarter of each node. */
			unsigned per = r->n / r->nodes;

			c = c / per * per + c % (per / 4);
		}
		r->cpu[c].busy = true;
	}
	for (unsigned c = 0; c < r->n; c++) {
		if (r->cpu[c].busy && r->cpu[c].idle) {
			wake_up(r, c, C_TRAFFIC);
		} else if (!r->cpu[c].busy && !r->cpu[c].idle) {
			go_idle(r, c);
		}
	}
}

static void run_one(struct run *r, enum policy pol, unsigned n, unsigned nodes,
		    unsigned nr_isolated, bool hetero, uint64_t seed, unsigned seconds)
{
	struct cw_system_config cfg = { 0 };
	unsigned *node = calloc(n, sizeof(*node));
	unsigned *klass = calloc(n, sizeof(*klass));
	bool *iso = calloc(n, sizeof(*iso));

	memset(r, 0, sizeof(*r));
	r->pol = pol;
	r->hetero = hetero;
	r->n = n;
	r->nodes = nodes;
	r->rng = seed;
	r->cpu = calloc(n, sizeof(*r->cpu));
	r->conns = calloc((size_t)n * CONNS, sizeof(*r->conns));
	r->hks = calloc(n, sizeof(*r->hks));
	if (!node || !klass || !iso || !r->cpu || !r->conns || !r->hks) {
		fprintf(stderr, "tmigr-study: out of memory\n");
		exit(1);
	}
	for (unsigned c = 0; c < n; c++) {
		node[c] = c / (n / nodes);
		/* Isolated: the last CPUs of node 0 (never CPU 0). */
		iso[c] = c > 0 && c < n / nodes && c >= n / nodes - nr_isolated;
		r->cpu[c].isolated = iso[c];
		/* Heterogeneous: a quarter big (class 0), the rest little (class 1). */
		klass[c] = hetero && c % (n / nodes) >= n / nodes / 4;
		r->cpu[c].little = klass[c] != 0;
	}
	cfg.nr_cpus = n;
	cfg.hz = HZ;
	cfg.port = &port_ops;
	cfg.port_ctx = r;
	cfg.log_lines = 64;
	cfg.cpu_node = node;
	cfg.cpu_isolated = iso;
	cfg.tmigr_off = pol != PULL && pol != PULL_PER_CLASS && pol != PULL_PER_CLASS_HOLDER;
	cfg.tmigr_one_duty_holder = pol == PULL_PER_CLASS_HOLDER;
	cfg.cpu_capacity_class = klass;
	cfg.tmigr_per_class = pol == PULL_PER_CLASS || pol == PULL_PER_CLASS_HOLDER;
	cfg.initial_jiffies = UINT64_C(1) << 32; /* start past the 32-bit wrap */
	if (cw_system_create(&cfg, &r->sys)) {
		fprintf(stderr, "tmigr-study: cw_system_create failed\n");
		exit(1);
	}
	r->start = r->now = cfg.initial_jiffies;
	cw__timer_test_set_jiffies(r->sys, r->now);
	for (unsigned c = 0; c < n; c++) {
		struct hk *h = &r->hks[c];

		h->r = r;
		h->cpu = c;
		cw_timer_setup(&h->timer, r->sys, hk_fn, CW_TIMER_PINNED);
		h->expires = r->now + 1 + (uint64_t)c * HK_PERIOD / n;
		cw_timer_add_on(&h->timer, h->expires, c);
		for (unsigned i = 0; i < CONNS; i++) {
			struct conn *k = &r->conns[c * CONNS + i];

			k->r = r;
			k->owner = c;
			cw_timer_setup(&k->timer, r->sys, conn_timeout, 0);
		}
	}
	new_burst(r);
	for (unsigned i = 0; i < n * CONNS; i++) {
		schedule_packet(r, &r->conns[i]);
	}
	for (uint64_t j = 0; j < (uint64_t)seconds * HZ; j++) {
		struct conn *k;

		r->now++;
		cw__timer_test_set_jiffies(r->sys, r->now);
		if (j % BURST_LEN == BURST_LEN - 1) {
			new_burst(r);
		}
		/* Awake CPUs tick first (a busy CPU's tick pulls what is due). */
		for (unsigned c = 0; c < n; c++) {
			if (!r->cpu[c].idle) {
				tick(r, c);
			}
		}
		for (unsigned c = 0; c < n; c++) {
			struct cpu *p = &r->cpu[c];

			if (!p->idle) {
				continue;
			}
			if (pol == PERIODIC) {
				/* No NO_HZ: the tick wakes it every jiffy. */
				r->wakeups[C_TICK]++;
				r->idle_jiffies++;
				p->idle_since = r->now;
				r->cur = c;
				cw__timer_run_at(r->sys, c, r->now);
				p->kicked = false;
				continue;
			}
			if (p->kicked) {
				p->kicked = false;
				wake_up(r, c, C_IPI);
				tick(r, c);
				go_idle(r, c);
			} else if (p->wake != CW_TIMER_NEXT_NONE &&
				   cw_time_after_eq64(r->now, p->wake)) {
				enum cause why = p->wake == p->wake_local ? C_LOCAL
						 : pol != PUSH && pol != PINNED && !p->isolated
							 ? C_DUTY
							 : C_GLOBAL;

				if (why != C_LOCAL && p->little) {
					r->little_timer_wakeups++;
				}
				wake_up(r, c, why);
				tick(r, c);
				go_idle(r, c);
			}
		}
		k = r->cal[r->now % CAL];
		r->cal[r->now % CAL] = NULL;
		while (k) {
			struct conn *next = k->next_cal;

			packet(r, k);
			schedule_packet(r, k);
			k = next;
		}
	}
	for (unsigned c = 0; c < n; c++) {
		if (r->cpu[c].idle) {
			uint64_t slept = r->now - r->cpu[c].idle_since;

			r->idle_jiffies += pol == PERIODIC ? 0 : slept;
			r->deep_jiffies += pol != PERIODIC && slept >= DEEP_AFTER ? slept : 0;
		}
		cw_timer_shutdown_sync(&r->hks[c].timer);
		for (unsigned i = 0; i < CONNS; i++) {
			cw_timer_shutdown_sync(&r->conns[c * CONNS + i].timer);
		}
	}
	cw_system_destroy(r->sys);
	free(r->cpu);
	free(r->conns);
	free(r->hks);
	free(node);
	free(klass);
	free(iso);
}

static uint64_t percentile(const struct run *r, double q)
{
	uint64_t want = (uint64_t)ceil(q * (double)r->expired), seen = 0;

	for (unsigned i = 0; i <= MAX_LATE; i++) {
		seen += r->late_hist[i];
		if (seen >= want && want) {
			return i;
		}
	}
	return 0;
}

/* Per policy of the last normal table: what --check compares. */
struct summary {
	uint64_t total, timer_global, p99, remote_on_isolated;
	double joules;
};
static struct summary sum[PULL_PER_CLASS_HOLDER + 1];

static void print_table(unsigned n, unsigned nodes, unsigned nr_isolated, bool hetero,
			uint64_t seed, unsigned seconds)
{
	static struct run r;
	static const enum policy normal[] = { PULL, PUSH, PINNED, PERIODIC };
	static const enum policy iso_pols[] = { PULL, PINNED };
	static const enum policy het_pols[] = { PULL, PULL_PER_CLASS, PULL_PER_CLASS_HOLDER,
						PINNED };
	const enum policy *pols = hetero ? het_pols : nr_isolated ? iso_pols : normal;
	unsigned nr_pols = hetero ? 4u : nr_isolated ? 2u : 4u;

	printf("\n%u CPUs, %u NUMA nodes%s, %u s, seed %llu, HZ=%u\n", n, nodes,
	       nr_isolated ? " (isolated CPUs in node 0)"
	       : hetero ? " (per node a quarter big CPUs, which take the bursts, the rest little)"
			: "",
	       seconds, (unsigned long long)seed, HZ);
	if (nr_isolated) {
		printf("isolated CPUs: %u\n", nr_isolated);
	}
	printf("| policy | idle wakeups/s | per CPU/s | packet | local | global | last-idle | IPI | "
	       "tick | remote expiries | expired | lateness p50/p99/max (jiffies) | CPUs "
	       "scanned/enqueue | deep idle | energy (J) | per CPU (mW) |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (unsigned pi = 0; pi < nr_pols; pi++) {
		enum policy p = pols[pi];
		uint64_t total = 0;
		unsigned max = 0;

		run_one(&r, p, n, nodes, nr_isolated, hetero, seed, seconds);
		for (unsigned c = 0; c < NR_CAUSES; c++) {
			total += r.wakeups[c];
		}
		for (unsigned i = 0; i <= MAX_LATE; i++) {
			max = r.late_hist[i] ? i : max;
		}
		sum[p].total = total;
		sum[p].timer_global = r.wakeups[C_GLOBAL];
		sum[p].p99 = percentile(&r, 0.99);
		sum[p].remote_on_isolated = r.pulled_on_isolated;
		printf("| %s | %.1f | %.2f |", policy_name[p], (double)total / seconds,
		       (double)total / seconds / n);
		for (unsigned c = 0; c < NR_CAUSES; c++) {
			printf(" %.1f |", (double)r.wakeups[c] / seconds);
		}
		double cpu_j = (double)seconds * HZ * n; /* CPU-jiffies of the run */
		double active_j = cpu_j - (double)r.idle_jiffies;
		double joules = (active_j * ACTIVE_MW +
				 (double)(r.idle_jiffies - r.deep_jiffies) * SHALLOW_MW +
				 (double)r.deep_jiffies * DEEP_MW) /
					(1000.0 * HZ) +
				(double)total * WAKEUP_UJ * 1e-6;

		sum[p].joules = joules;
		printf(" %llu | %llu | %llu / %llu / %u | %.2f | %.1f %% | %.3f | %.1f |\n",
		       (unsigned long long)r.remote, (unsigned long long)r.expired,
		       (unsigned long long)percentile(&r, 0.5),
		       (unsigned long long)percentile(&r, 0.99), max,
		       r.enqueues ? (double)r.scanned / (double)r.enqueues : 0.0,
		       100.0 * (double)r.deep_jiffies / ((double)seconds * HZ * n), joules,
		       joules * 1000.0 / seconds / n);
		if (nr_isolated) {
			printf("  (%s: %llu timeouts expired on an isolated CPU that was not their "
			       "owner)\n",
			       policy_name[p], (unsigned long long)r.pulled_on_isolated);
		}
		if (hetero) {
			printf("\n(%s: little CPUs woke %.1f times/s for global timers)\n",
			       policy_name[p], (double)r.little_timer_wakeups / seconds);
		}
	}
}

/*
 * An SVG line plot (no gnuplot on the development machine): idle wakeups
 * per CPU per second over time, one line per NO_HZ policy, @n CPUs.
 */
static void write_svg(const char *dir, unsigned n, unsigned nodes, uint64_t seed, unsigned seconds)
{
	static struct run r;
	static const enum policy pols[] = { PULL, PUSH, PINNED };
	static const char *const colour[] = { "#1b7837", "#d95f02", "#7570b3" };
	static double y[3][MAX_BINS];
	unsigned nb = seconds * HZ / BIN;
	double ymax = 0.5;
	char path[1024];
	FILE *f;

	nb = nb > MAX_BINS ? MAX_BINS : nb;
	for (unsigned p = 0; p < 3; p++) {
		run_one(&r, pols[p], n, nodes, 0, false, seed, seconds);
		for (unsigned b = 0; b < nb; b++) {
			y[p][b] = (double)r.bins[b] * HZ / BIN / n;
			ymax = y[p][b] > ymax ? y[p][b] : ymax;
		}
	}
	ymax = ceil(ymax);
	snprintf(path, sizeof(path), "%s/tmigr-wakeups-%ucpus.svg", dir, n);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "tmigr-study: cannot write %s\n", path);
		exit(1);
	}
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"360\" "
		   "font-family=\"sans-serif\" font-size=\"12\">\n");
	fprintf(f, "<rect width=\"720\" height=\"360\" fill=\"white\"/>\n");
	fprintf(f,
		"<text x=\"360\" y=\"20\" text-anchor=\"middle\">Idle wakeups per CPU per second "
		"(%u CPUs, %u nodes, seed %llu; periodic: ~940, off the scale)</text>\n",
		n, nodes, (unsigned long long)seed);
	fprintf(f, "<line x1=\"60\" y1=\"320\" x2=\"700\" y2=\"320\" stroke=\"black\"/>\n");
	fprintf(f, "<line x1=\"60\" y1=\"40\" x2=\"60\" y2=\"320\" stroke=\"black\"/>\n");
	for (unsigned t = 0; t <= 4; t++) {
		double v = ymax * t / 4;
		double yy = 320 - 280.0 * t / 4;

		fprintf(f, "<text x=\"55\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n", yy + 4,
			v);
		fprintf(f, "<line x1=\"60\" y1=\"%.1f\" x2=\"700\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			yy, yy);
	}
	for (unsigned t = 0; t <= seconds; t += seconds >= 10 ? seconds / 5 : 1) {
		fprintf(f, "<text x=\"%.1f\" y=\"338\" text-anchor=\"middle\">%u s</text>\n",
			60 + 640.0 * t / seconds, t);
	}
	for (unsigned p = 0; p < 3; p++) {
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
			colour[p]);
		for (unsigned b = 0; b < nb; b++) {
			fprintf(f, "%.1f,%.1f ", 60 + 640.0 * (b + 0.5) / nb,
				320 - 280.0 * y[p][b] / ymax);
		}
		fprintf(f, "\"/>\n");
		fprintf(f, "<text x=\"%u\" y=\"356\" fill=\"%s\">%s</text>\n", 80 + 200 * p,
			colour[p], policy_name[pols[p]]);
	}
	fprintf(f, "</svg>\n");
	fclose(f);
	printf("wrote %s\n", path);
}

/*
 * --check: the targets on the last normal table (exit 1 if one
 * fails): under pull no idle CPU wakes for its own global timers, pull has
 * fewer idle wakeups than push and push no more than pinned, periodic has
 * at least 10x pull's, and pull's p99 lateness is no worse than push's.
 */
static int check_targets(void)
{
	int bad = 0;

	if (sum[PULL].timer_global != 0) {
		printf("check: FAIL pull: %llu idle wakeups for own global timers\n",
		       (unsigned long long)sum[PULL].timer_global);
		bad = 1;
	}
	if (!(sum[PULL].total < sum[PUSH].total && sum[PUSH].total <= sum[PINNED].total)) {
		printf("check: FAIL idle wakeups pull %llu, push %llu, pinned %llu\n",
		       (unsigned long long)sum[PULL].total, (unsigned long long)sum[PUSH].total,
		       (unsigned long long)sum[PINNED].total);
		bad = 1;
	}
	if (sum[PERIODIC].total < 10 * sum[PULL].total) {
		printf("check: FAIL periodic %llu idle wakeups, not 10x pull's %llu\n",
		       (unsigned long long)sum[PERIODIC].total,
		       (unsigned long long)sum[PULL].total);
		bad = 1;
	}
	if (sum[PULL].p99 > sum[PUSH].p99) {
		printf("check: FAIL lateness p99 pull %llu > push %llu jiffies\n",
		       (unsigned long long)sum[PULL].p99, (unsigned long long)sum[PUSH].p99);
		bad = 1;
	}
	printf("check: %s\n", bad ? "FAILED" : "the issue's targets hold");
	return bad;
}

int main(int argc, char **argv)
{
	unsigned seconds = 10, only = 0;
	const char *svg_dir = NULL;
	bool check = false;
	uint64_t seed = 1;
	static const unsigned machines[][2] = { { 8, 2 }, { 64, 2 }, { 512, 8 }, { 4096, 64 } };

	for (int i = 1; i < argc; i += 2) {
		if (strcmp(argv[i], "--check") == 0) {
			check = true;
			i--;
		} else if (i + 1 >= argc) {
			fprintf(stderr, "tmigr-study: %s needs a value\n", argv[i]);
			return 2;
		} else if (strcmp(argv[i], "--seconds") == 0) {
			seconds = (unsigned)strtoul(argv[i + 1], NULL, 10);
		} else if (strcmp(argv[i], "--cpus") == 0) {
			only = (unsigned)strtoul(argv[i + 1], NULL, 10);
		} else if (strcmp(argv[i], "--seed") == 0) {
			seed = strtoull(argv[i + 1], NULL, 10);
		} else if (strcmp(argv[i], "--svg") == 0) {
			svg_dir = argv[i + 1];
		} else {
			fprintf(stderr, "usage: tmigr-study [--seconds S] [--cpus N] [--seed N] "
					"[--svg DIR] [--check]\n");
			return 2;
		}
	}
	if (seconds == 0) {
		fprintf(stderr, "tmigr-study: --seconds must be at least 1\n");
		return 2;
	}
	if (svg_dir) {
		write_svg(svg_dir, 64, 2, seed, seconds);
		write_svg(svg_dir, 512, 8, seed, seconds);
		return 0;
	}
	printf("tmigr-study: idle server, %u connections per CPU (global timeouts of %u ms, "
	       "re-armed per packet), one pinned housekeeping timer per CPU every %u ms, "
	       "bursts of N/16 busy CPUs changing every %u ms\n",
	       CONNS, TIMEOUT, HK_PERIOD, BURST_LEN);
	for (unsigned m = 0; m < sizeof(machines) / sizeof(machines[0]); m++) {
		if (!only || only == machines[m][0]) {
			print_table(machines[m][0], machines[m][1], 0, false, seed, seconds);
		}
	}
	if (check) {
		return check_targets();
	}
	if (!only || only == 64) {
		print_table(64, 2, 4, false, seed, seconds);
		print_table(64, 2, 0, true, seed, seconds);
	}
	return 0;
}
