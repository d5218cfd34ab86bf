/* SPDX-License-Identifier: MIT */
/*
 * Workloads (docs/simulator.md, "Workload files"): a parser of workload
 * files and the run that drives a booted machine's CPUs from one.
 *
 * A run keeps one engine event per CPU. A CPU alternates busy periods
 * (RUNNING in the CPU model) and idle periods: at the start of an idle
 * period the CPU gets an idle loop in the chosen state
 * (cw_sim_hw_cpu_idle_loop(): it enters the state now and again after each
 * interrupt, as an idle task does); when the period ends, the run ends the
 * loop and wakes the CPU (that end is the wakeup an idle task's timer
 * would give), and draws the next busy period. Lengths are drawn from the
 * engine's random generator in a fixed order (CPU by CPU, as events run),
 * so the same seed gives the same run. Hotplug events take a CPU offline or
 * online through the CPU model, which tells the core.
 *
 * Lifetime: the machine owns the run (cw__sim_machine_set_workload());
 * cw_sim_workload_stop() cancels its events and frees it.
 */
#include <clockwork/hrtimer.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/system.h>
#include <clockwork/timekeeping.h>

#include "port/sim/sim-internal.h"
#include "port/sim/nic-internal.h"
#include "port/sim/idle-server-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** Longest line accepted, including the NUL. */
#define WL_LINE_BYTES   512u
/** Largest workload file accepted. */
#define WL_FILE_MAX     (1u << 20)
/** Longest excerpt of the input quoted in a message. */
#define WL_QUOTE        40u
/**
 * Shortest average busy + idle cycle a CPU may have, ns. Each period end is
 * an engine event: below 1 us a simulated second costs over a billion
 * events per CPU (hours of host time), and no idle state is that short.
 */
#define WL_MIN_CYCLE_NS 1000.0

/** The built-in default workload; examples/workloads/default.ini is the same text. */
static const char default_workload[] =
	"# SPDX-License-Identifier: MIT\n"
	"#\n"
	"# default: the workload cwsim runs without --workload. Every CPU works\n"
	"# in short bursts (2 ms on average) between idle periods of 10 ms on\n"
	"# average; periods of 4 ms or more use the deepest idle state, where\n"
	"# C3STOP local timers stop and broadcast must wake the CPU.\n"
	"# CPU 0 idles less (it tends to own the housekeeping).\n"
	"\n"
	"[workload]\n"
	"name = default\n"
	"busy = exponential 2ms\n"
	"idle = exponential 10ms\n"
	"idle_state = by_length\n"
	"deep_after = 4ms\n"
	"\n"
	"[cpu 0]\n"
	"busy = uniform 2ms 6ms\n";

CW_API const char *cw_sim_workload_default_text(void)
{
	return default_workload;
}

/* ---------------------------------------------------------------------- */
/* Parser */

enum wl_section {
	WL_NONE,
	WL_WORKLOAD,
	WL_CPU,
	WL_HOTPLUG,
	WL_SERVER,
	WL_PROXY,
	WL_NIC,
	WL_IDLE_SERVER,
};

struct wl_parser {
	/** Messages, current line, limits (first: the text callbacks get it). */
	struct cw__sim_text tx;
	struct cw_sim_workload_desc *w;
	enum wl_section sect;
	/** Section being filled ([workload] defaults or a [cpu LIST]). */
	struct cw_sim_workload_cpu *cur;
	/** Line of the [workload] header, of the [hotplug] header (0: none yet). */
	unsigned workload_line;
	unsigned hotplug_line;
	unsigned server_line;
	unsigned proxy_line;
	/** Keys of [proxy] set, a bit per proxy_keys[] index. */
	unsigned proxy_set;
	/** Line of the [nic] header (0: none yet). */
	unsigned nic_line;
	/** Line where each key of the current section was set (by CW_SIM_WL_SET_* bit, + name). */
	unsigned seen[8];
	/** Lines of the busy and idle keys of [workload] (index 0) and each [cpu LIST] (1 + i). */
	unsigned busy_line[1 + CW_SIM_MAX_WORKLOAD_CPUS];
	unsigned idle_line[1 + CW_SIM_MAX_WORKLOAD_CPUS];
	/** Index of the current section in busy_line[] / idle_line[]. */
	unsigned cur_index;
};

/* The parser a text callback runs for. */
static struct wl_parser *to_wl_parser(struct cw__sim_text *tx)
{
	return (struct wl_parser *)tx;
}

/* "FILE:LINE: message"; returns CW_EINVAL. */
#define wl_err(ps, ...) cw__sim_text_err(&(ps)->tx, __VA_ARGS__)

/* "expected WHAT (got 'GOT')" at the current line. */
static int wl_expected(struct wl_parser *ps, const char *what, const char *got)
{
	return cw__sim_text_expected(&ps->tx, what, got);
}

/* An unsigned decimal filling the whole string. */
static bool wl_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s) {
		return false;
	}
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v)) {
			return false;
		}
	}
	*out = v;
	return v <= max;
}

/* Split @buf into up to @max blank-separated words; returns the count (max + 1 if more). */
static unsigned wl_words(char *buf, char **words, unsigned max)
{
	char *save = NULL;
	unsigned n = 0;

	for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == max) {
			return max + 1;
		}
		words[n++] = t;
	}
	return n;
}

static const char dist_what[] =
	"a distribution: fixed T, uniform LO HI, exponential MEAN or normal MEAN SD";

static int wl_dist(struct wl_parser *ps, const char *val, bool none_ok, struct cw_sim_dist *d)
{
	static const struct {
		const char *name;
		enum cw_sim_dist_kind kind;
		unsigned nargs;
	} kinds[] = {
		{ "fixed", CW_SIM_DIST_FIXED, 1 },
		{ "uniform", CW_SIM_DIST_UNIFORM, 2 },
		{ "exponential", CW_SIM_DIST_EXPONENTIAL, 1 },
		{ "normal", CW_SIM_DIST_NORMAL, 2 },
	};
	char buf[WL_LINE_BYTES];
	char *words[4];
	unsigned n;

	snprintf(buf, sizeof(buf), "%s", val);
	n = wl_words(buf, words, 3);
	if (n == 1 && none_ok && strcmp(words[0], "none") == 0) {
		*d = (struct cw_sim_dist){ .kind = CW_SIM_DIST_NONE };
		return 0;
	}
	for (size_t i = 0; n >= 1 && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		uint64_t a = 0, b = 0;

		if (strcmp(words[0], kinds[i].name) != 0) {
			continue;
		}
		if (n != kinds[i].nargs + 1) {
			return wl_expected(ps, dist_what, val);
		}
		if (cw_sim_parse_duration_ns(words[1], &a) ||
		    (n == 3 && cw_sim_parse_duration_ns(words[2], &b))) {
			return wl_expected(ps, "times such as 2ms or 150us in the distribution",
					   val);
		}
		if (kinds[i].kind == CW_SIM_DIST_UNIFORM && b < a) {
			return wl_expected(ps, "uniform LO HI with LO <= HI", val);
		}
		if (kinds[i].kind == CW_SIM_DIST_EXPONENTIAL && a == 0) {
			return wl_expected(ps, "an exponential mean above 0", val);
		}
		*d = (struct cw_sim_dist){ .kind = kinds[i].kind, .a_ns = a, .b_ns = b };
		return 0;
	}
	return wl_expected(ps,
			   none_ok ? "a distribution: fixed T, uniform LO HI, exponential "
				     "MEAN, normal MEAN SD or none"
				   : dist_what,
			   val);
}

static int wl_idle_state(struct wl_parser *ps, const char *val, struct cw_sim_workload_cpu *c)
{
	if (strcmp(val, "shallow") == 0) {
		c->idle_choice = CW_SIM_IDLE_SHALLOW;
	} else if (strcmp(val, "deep") == 0) {
		c->idle_choice = CW_SIM_IDLE_DEEP;
	} else if (strcmp(val, "by_length") == 0) {
		c->idle_choice = CW_SIM_IDLE_BY_LENGTH;
	} else {
		for (const char *p = val; *p; p++) {
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.')) {
				return wl_expected(ps, "shallow, deep, by_length or a state name",
						   val);
			}
		}
		if (strlen(val) >= CW_SIM_IDLE_NAME_MAX) {
			return wl_expected(ps, "a state name of at most 15 characters", val);
		}
		c->idle_choice = CW_SIM_IDLE_NAMED;
		memcpy(c->state_name, val, strlen(val) + 1);
	}
	return 0;
}

/** Keys of [workload] and [cpu LIST]; the index is the seen[] slot. */
static const char *const cpu_keys[] = {
	"busy", "idle", "idle_state", "deep_after", "start", "name"
};

static int wl_cpu_key(struct wl_parser *ps, unsigned k, const char *val)
{
	struct cw_sim_workload_cpu *c = ps->cur;

	switch (k) {
	case 0:
		return wl_dist(ps, val, false, &c->busy);
	case 1:
		return wl_dist(ps, val, true, &c->idle);
	case 2:
		return wl_idle_state(ps, val, c);
	case 3:
		if (cw_sim_parse_duration_ns(val, &c->deep_after_ns)) {
			return wl_expected(ps, "a time such as 5ms", val);
		}
		return 0;
	case 4:
		if (strcmp(val, "busy") != 0 && strcmp(val, "idle") != 0) {
			return wl_expected(ps, "busy or idle", val);
		}
		c->start_idle = strcmp(val, "idle") == 0;
		return 0;
	default:
		if (strlen(val) >= CW_SIM_WORKLOAD_NAME_MAX) {
			return wl_expected(ps, "a name of at most 63 characters", val);
		}
		memcpy(ps->w->name, val, strlen(val) + 1);
		return 0;
	}
}

/* Key @k of the current section may be set once: remember its line, or refuse it again. */
static int wl_key_once(struct wl_parser *ps, const char *key, unsigned k)
{
	if (ps->seen[k]) {
		return wl_err(ps, ps->tx.line,
			      "expected key '%s' once in this section (got it again; the first is "
			      "at line %u)",
			      key, ps->seen[k]);
	}
	ps->seen[k] = ps->tx.line;
	return 0;
}

static int wl_assign_cpu_section(struct wl_parser *ps, const char *key, const char *val)
{
	unsigned nkeys = ps->sect == WL_WORKLOAD ? 6 : 5;

	for (unsigned k = 0; k < nkeys; k++) {
		if (strcmp(key, cpu_keys[k]) != 0) {
			continue;
		}
		if (wl_key_once(ps, key, k)) {
			return CW_EINVAL;
		}
		if (k < 5) {
			ps->cur->set |= 1u << k;
		}
		if (k == 0) {
			ps->busy_line[ps->cur_index] = ps->tx.line;
		} else if (k == 1) {
			ps->idle_line[ps->cur_index] = ps->tx.line;
		}
		return wl_cpu_key(ps, k, val);
	}
	return wl_expected(
		ps,
		ps->sect == WL_WORKLOAD
			? "a key of [workload]: name, busy, idle, idle_state, deep_after, start"
			: "a key of [cpu LIST]: busy, idle, idle_state, deep_after, start",
		key);
}

static int wl_hotplug(struct wl_parser *ps, const char *key, const char *val)
{
	struct cw_sim_workload_desc *w = ps->w;
	struct cw_sim_hotplug_event ev = { 0 };
	char buf[WL_LINE_BYTES];
	char *words[3];
	uint64_t cpu;
	unsigned i;

	if (strcmp(key, "offline") != 0 && strcmp(key, "online") != 0) {
		return wl_expected(ps, "a key of [hotplug]: offline, online", key);
	}
	snprintf(buf, sizeof(buf), "%s", val);
	if (wl_words(buf, words, 2) != 2 || !wl_uint(words[0], CW_MAX_CPUS - 1, &cpu) ||
	    cw_sim_parse_duration_ns(words[1], &ev.at_ns)) {
		return wl_expected(ps, "'CPU TIME' such as '2 1.5s'", val);
	}
	if (w->nr_hotplug >= CW_SIM_MAX_HOTPLUG_EVENTS) {
		return wl_expected(ps, "at most 256 hotplug events", val);
	}
	ev.cpu = (unsigned)cpu;
	ev.online = strcmp(key, "online") == 0;
	ev.line = ps->tx.line;
	/* Keep time order; equal times stay in file order. */
	for (i = w->nr_hotplug; i > 0 && w->hotplug[i - 1].at_ns > ev.at_ns; i--) {
		w->hotplug[i] = w->hotplug[i - 1];
	}
	w->hotplug[i] = ev;
	w->nr_hotplug++;
	return 0;
}

static int wl_begin_cpu(struct wl_parser *ps, const char *arg, const char *header)
{
	static const char what[] = "a CPU or CPU range: [cpu N] or [cpu N-M] (CPUs 0..4095)";
	struct cw_sim_workload_cpu *c;
	char buf[64];
	char *dash;
	uint64_t lo, hi;

	if (!arg || strlen(arg) >= sizeof(buf)) {
		return wl_expected(ps, what, header);
	}
	snprintf(buf, sizeof(buf), "%s", arg);
	dash = strchr(buf, '-');
	if (dash) {
		*dash = '\0';
	}
	if (!wl_uint(buf, CW_MAX_CPUS - 1, &lo) ||
	    (dash && !wl_uint(dash + 1, CW_MAX_CPUS - 1, &hi))) {
		return wl_expected(ps, what, header);
	}
	if (!dash) {
		hi = lo;
	}
	if (hi < lo) {
		return wl_expected(ps, "a CPU range written low-high", header);
	}
	if (ps->w->nr_overrides >= CW_SIM_MAX_WORKLOAD_CPUS) {
		return wl_expected(ps, "at most 64 [cpu] sections", header);
	}
	c = &ps->w->overrides[ps->w->nr_overrides++];
	memset(c, 0, sizeof(*c));
	c->first_cpu = (unsigned)lo;
	c->last_cpu = (unsigned)hi;
	c->line = ps->tx.line;
	ps->cur = c;
	ps->cur_index = ps->w->nr_overrides;
	ps->sect = WL_CPU;
	return 0;
}

/* A section that may appear once: remember its line, or refuse a second one. */
static int wl_once(struct wl_parser *ps, unsigned *line, const char *section)
{
	if (*line) {
		return wl_err(ps, ps->tx.line,
			      "expected one [%s] section (got a second; the first is at line %u)",
			      section, *line);
	}
	*line = ps->tx.line;
	return 0;
}

static int wl_header(struct cw__sim_text *tx, char *name, const char *header)
{
	struct wl_parser *ps = to_wl_parser(tx);
	char *words[3];

	memset(ps->seen, 0, sizeof(ps->seen));
	switch (wl_words(name, words, 2)) {
	case 1:
		if (strcmp(words[0], "workload") == 0) {
			if (wl_once(ps, &ps->workload_line, "workload")) {
				return CW_EINVAL;
			}
			ps->w->defaults.line = ps->tx.line;
			ps->cur = &ps->w->defaults;
			ps->cur_index = 0;
			ps->sect = WL_WORKLOAD;
			return 0;
		}
		if (strcmp(words[0], "hotplug") == 0) {
			if (wl_once(ps, &ps->hotplug_line, "hotplug")) {
				return CW_EINVAL;
			}
			ps->sect = WL_HOTPLUG;
			return 0;
		}
		if (strcmp(words[0], "server") == 0) {
			if (wl_once(ps, &ps->server_line, "server")) {
				return CW_EINVAL;
			}
			ps->sect = WL_SERVER;
			return 0;
		}
		if (strcmp(words[0], "proxy") == 0) {
			if (wl_once(ps, &ps->proxy_line, "proxy")) {
				return CW_EINVAL;
			}
			ps->w->proxy.line = ps->tx.line;
			ps->sect = WL_PROXY;
			return 0;
		}
		if (strcmp(words[0], "idle-server") == 0) {
			if (ps->w->idle_server.line) {
				return wl_err(
					ps, ps->tx.line,
					"section [idle-server] given twice (first at line %u)",
					ps->w->idle_server.line);
			}
			cw__sim_idle_server_begin(&ps->tx, &ps->w->idle_server);
			ps->sect = WL_IDLE_SERVER;
			return 0;
		}
		if (strcmp(words[0], "nic") == 0) {
			if (wl_once(ps, &ps->nic_line, "nic")) {
				return CW_EINVAL;
			}
			ps->w->nic.line = ps->tx.line;
			ps->sect = WL_NIC;
			return 0;
		}
		if (strcmp(words[0], "cpu") == 0) {
			return wl_begin_cpu(ps, NULL, header);
		}
		break;
	case 2:
		if (strcmp(words[0], "cpu") == 0) {
			return wl_begin_cpu(ps, words[1], header);
		}
		break;
	default:
		break;
	}
	return wl_expected(
		ps,
		"a section [workload], [cpu LIST], [hotplug], [server], [idle-server], [proxy] or "
		"[nic]",
		header);
}

/** Keys of [server]; the index is the seen[] slot. */
static const char *const server_keys[] = { "timers", "requests", "timeout", "close_every" };

/* Largest number of server timers per CPU. */
#define WL_SERVER_TIMERS_MAX 1000000u

static int wl_server(struct wl_parser *ps, const char *key, const char *val)
{
	struct cw_sim_workload_desc *w = ps->w;
	uint64_t v;

	for (unsigned k = 0; k < 4; k++) {
		if (strcmp(key, server_keys[k]) != 0) {
			continue;
		}
		if (wl_key_once(ps, key, k)) {
			return CW_EINVAL;
		}
		switch (k) {
		case 0:
			if (!wl_uint(val, WL_SERVER_TIMERS_MAX, &v) || v == 0) {
				return wl_expected(ps, "a number of timers per CPU, 1..1000000",
						   val);
			}
			w->server_timers = (unsigned)v;
			return 0;
		case 1:
			return wl_dist(ps, val, false, &w->server_requests);
		case 2:
			if (cw_sim_parse_duration_ns(val, &w->server_timeout_ns) ||
			    w->server_timeout_ns == 0) {
				return wl_expected(ps, "a time above 0 such as 30ms", val);
			}
			return 0;
		default:
			if (!wl_uint(val, UINT32_MAX, &v)) {
				return wl_expected(ps, "a number (0: connections never close)",
						   val);
			}
			w->server_close_every = (unsigned)v;
			return 0;
		}
	}
	return wl_expected(ps, "a key of [server]: timers, requests, timeout, close_every", key);
}

/** Keys of [proxy] (docs/proxy-tick.md); the index is the seen[] slot. */
static const char *const proxy_keys[] = { "cpus",         "masked",         "masked_every",
					  "oob_hz",       "inband_hz",      "install_at",
					  "uninstall_at", "reinstall_every" };

/* A rate in Hz (1..1000000) as a period in ns. */
static int wl_hz_period(struct wl_parser *ps, const char *val, uint64_t *period_ns)
{
	uint64_t hz;

	if (!wl_uint(val, 1000000, &hz) || hz == 0) {
		return wl_expected(ps, "a rate in Hz, 1..1000000", val);
	}
	*period_ns = 1000000000u / hz;
	return 0;
}

static int wl_proxy(struct wl_parser *ps, const char *key, const char *val)
{
	struct cw_sim_proxy_desc *p = &ps->w->proxy;
	uint64_t *times[3] = { &p->install_at_ns, &p->uninstall_at_ns, &p->reinstall_every_ns };
	unsigned long first, last;
	char *end;

	for (unsigned k = 0; k < 8; k++) {
		if (strcmp(key, proxy_keys[k]) != 0) {
			continue;
		}
		if (wl_key_once(ps, key, k)) {
			return CW_EINVAL;
		}
		ps->proxy_set |= 1u << k;
		switch (k) {
		case 0:
			first = strtoul(val, &end, 10);
			last = *end == '-' ? strtoul(end + 1, &end, 10) : first;
			if (*end || end == val || last < first || last >= CW_MAX_CPUS) {
				return wl_expected(ps, "a CPU or CPU range such as 0 or 0-3", val);
			}
			p->first_cpu = (unsigned)first;
			p->last_cpu = (unsigned)last;
			return 0;
		case 1:
			if (wl_dist(ps, val, false, &p->masked)) {
				return CW_EINVAL;
			}
			if (p->masked.kind != CW_SIM_DIST_FIXED &&
			    p->masked.kind != CW_SIM_DIST_UNIFORM) {
				/* The checker's lateness bound needs the longest section. */
				return wl_expected(
					ps, "fixed T or uniform LO HI (a bounded length)", val);
			}
			return 0;
		case 2:
			return wl_dist(ps, val, false, &p->gap);
		case 3:
			if (strcmp(val, "0") == 0) {
				/* No control loop: the proxy only carries the in-band timing. */
				p->oob_period_ns = 0;
				return 0;
			}
			return wl_hz_period(ps, val, &p->oob_period_ns);
		case 4:
			return wl_hz_period(ps, val, &p->inband_period_ns);
		default:
			if (cw_sim_parse_duration_ns(val, times[k - 5])) {
				return wl_expected(ps, "a time such as 1s or 250ms", val);
			}
			return 0;
		}
	}
	return wl_expected(ps,
			   "a key of [proxy]: cpus, masked, masked_every, oob_hz, inband_hz, "
			   "install_at, uninstall_at, reinstall_every",
			   key);
}

static int wl_assign(struct cw__sim_text *tx, char *key, char *val)
{
	struct wl_parser *ps = to_wl_parser(tx);

	if (ps->sect == WL_NONE) {
		return wl_expected(ps, "a section header such as [workload] before the first key",
				   key);
	}
	if (!*val) {
		return wl_err(ps, ps->tx.line, "expected a value for '%s' (got nothing)", key);
	}
	if (ps->sect == WL_HOTPLUG) {
		return wl_hotplug(ps, key, val);
	}
	if (ps->sect == WL_PROXY) {
		return wl_proxy(ps, key, val);
	}
	if (ps->sect == WL_SERVER) {
		return wl_server(ps, key, val);
	}
	if (ps->sect == WL_IDLE_SERVER) {
		return cw__sim_idle_server_key(&ps->tx, &ps->w->idle_server, ps->seen, key, val);
	}
	if (ps->sect == WL_NIC) {
		return cw__sim_nic_key(&ps->tx, &ps->w->nic, ps->seen, key, val);
	}
	return wl_assign_cpu_section(ps, key, val);
}

/* ---------------------------------------------------------------------- */
/* Periods that let virtual time advance */

/* Whether a period drawn from @d can be longer than 0. */
static bool wl_dist_can_be_positive(const struct cw_sim_dist *d)
{
	switch (d->kind) {
	case CW_SIM_DIST_FIXED:
	case CW_SIM_DIST_EXPONENTIAL:
		return d->a_ns > 0;
	case CW_SIM_DIST_UNIFORM:
		return d->b_ns > 0;
	case CW_SIM_DIST_NORMAL:
		return d->a_ns > 0 || d->b_ns > 0;
	default:
		return false;
	}
}

/* Mean length of the periods drawn from @d, ns (a normal is clipped at 0). */
static double wl_dist_mean_ns(const struct cw_sim_dist *d)
{
	double mu = (double)d->a_ns, sd = (double)d->b_ns, z;

	switch (d->kind) {
	case CW_SIM_DIST_FIXED:
	case CW_SIM_DIST_EXPONENTIAL:
		return mu;
	case CW_SIM_DIST_UNIFORM:
		return (mu + sd) / 2;
	case CW_SIM_DIST_NORMAL:
		if (sd == 0) {
			return mu;
		}
		/* E[max(X, 0)] = mu Phi(mu/sd) + sd phi(mu/sd). */
		z = mu / sd;
		return mu * 0.5 * erfc(-z / sqrt(2.0)) +
		       sd * exp(-z * z / 2) / sqrt(2.0 * 3.141592653589793);
	default:
		return 0;
	}
}

/* "fixed 0ns", "uniform 0ns 2ns", "none": a distribution for messages. */
static void wl_dist_text(const struct cw_sim_dist *d, char *buf, size_t len)
{
	static const char *const names[] = { "fixed", "uniform", "exponential", "normal" };

	if (d->kind == CW_SIM_DIST_NONE || (unsigned)d->kind >= 4) {
		snprintf(buf, len, "none");
	} else if (d->kind == CW_SIM_DIST_UNIFORM || d->kind == CW_SIM_DIST_NORMAL) {
		snprintf(buf, len, "%s %lluns %lluns", names[d->kind], (unsigned long long)d->a_ns,
			 (unsigned long long)d->b_ns);
	} else {
		snprintf(buf, len, "%s %lluns", names[d->kind], (unsigned long long)d->a_ns);
	}
}

enum wl_cycle {
	/** Time advances at a sane rate. */
	WL_CYCLE_OK,
	/** Every period is 0 ns: virtual time never advances. */
	WL_CYCLE_ZERO,
	/** The average busy + idle cycle is below WL_MIN_CYCLE_NS. */
	WL_CYCLE_SHORT,
};

/* How a CPU doing @c advances virtual time; its mean cycle in *mean_ns. */
static enum wl_cycle wl_cycle_of(const struct cw_sim_workload_cpu *c, double *mean_ns)
{
	bool idles = c->idle.kind != CW_SIM_DIST_NONE;

	*mean_ns = wl_dist_mean_ns(&c->busy) + (idles ? wl_dist_mean_ns(&c->idle) : 0);
	if (!wl_dist_can_be_positive(&c->busy) && !(idles && wl_dist_can_be_positive(&c->idle))) {
		return WL_CYCLE_ZERO;
	}
	return *mean_ns < WL_MIN_CYCLE_NS ? WL_CYCLE_SHORT : WL_CYCLE_OK;
}

/*
 * What is wrong with @c, as "expected ... (got busy = X<busy_at> and idle =
 * Y<idle_at>: why)"; @where is "" or " on every CPU", @who "" or "on CPU N ".
 */
static void wl_cycle_message(enum wl_cycle kind, const struct cw_sim_workload_cpu *c,
			     double mean_ns, const char *where, const char *who,
			     const char *busy_at, const char *idle_at, char *buf, size_t len)
{
	char busy[64], idle[64];

	wl_dist_text(&c->busy, busy, sizeof(busy));
	wl_dist_text(&c->idle, idle, sizeof(idle));
	if (kind == WL_CYCLE_ZERO) {
		snprintf(
			buf, len,
			"expected busy or idle periods longer than 0%s (got %sbusy = %s%s and idle "
			"= %s%s: the CPU would switch between them forever without virtual time "
			"advancing)",
			where, who, busy, busy_at, idle, idle_at);
		return;
	}
	snprintf(buf, len,
		 "expected busy and idle periods of at least 1us per cycle on average%s (got "
		 "%sbusy = %s%s and idle = %s%s: %.4g ns per cycle, %.0f cycles per simulated "
		 "second)",
		 where, who, busy, busy_at, idle, idle_at, mean_ns, 1e9 / mean_ns);
}

/* Check the section pair that gives a CPU its busy (@bi) and idle (@ii) periods. */
static int wl_check_cycle(struct wl_parser *ps, const struct cw_sim_workload_cpu *c, unsigned bi,
			  unsigned ii, int cpu)
{
	char busy_at[32], idle_at[32], who[32] = "", msg[400];
	unsigned bl = ps->busy_line[bi], il = ps->idle_line[ii];
	enum wl_cycle kind;
	double mean;

	kind = wl_cycle_of(c, &mean);
	if (kind == WL_CYCLE_OK) {
		return 0;
	}
	snprintf(busy_at, sizeof(busy_at), " at line %u", bl);
	snprintf(idle_at, sizeof(idle_at), " at line %u", il);
	if (cpu >= 0) {
		snprintf(who, sizeof(who), "on CPU %d ", cpu);
	}
	wl_cycle_message(kind, c, mean, " on every CPU", who, busy_at, idle_at, msg, sizeof(msg));
	return wl_err(ps, bl > il ? bl : il, "%s", msg);
}

/*
 * Every CPU's busy and idle periods advance virtual time: the defaults, and
 * every CPU a [cpu LIST] section changes (reported at the later of the two
 * lines that make the pair).
 */
static int wl_check_cycles(struct wl_parser *ps)
{
	const struct cw_sim_workload_desc *w = ps->w;
	unsigned last = 0;
	int ret = wl_check_cycle(ps, &w->defaults, 0, 0, -1);

	for (unsigned i = 0; i < w->nr_overrides; i++) {
		last = w->overrides[i].last_cpu > last ? w->overrides[i].last_cpu : last;
	}
	for (unsigned cpu = 0; cpu <= last && w->nr_overrides && !ret; cpu++) {
		struct cw_sim_workload_cpu c;
		unsigned bi = 0, ii = 0;

		for (unsigned i = 0; i < w->nr_overrides; i++) {
			const struct cw_sim_workload_cpu *o = &w->overrides[i];

			if (cpu < o->first_cpu || cpu > o->last_cpu) {
				continue;
			}
			bi = (o->set & CW_SIM_WL_SET_BUSY) ? i + 1 : bi;
			ii = (o->set & CW_SIM_WL_SET_IDLE) ? i + 1 : ii;
		}
		if (bi == 0 && ii == 0) {
			continue;
		}
		cw_sim_workload_cpu_config(w, cpu, &c);
		ret = wl_check_cycle(ps, &c, bi, ii, (int)cpu);
	}
	return ret;
}

static int wl_parse_text(struct wl_parser *ps, const char *text, size_t len)
{
	static const struct cw__sim_text_ops ops = {
		.header = wl_header,
		.assign = wl_assign,
	};
	int ret = cw__sim_text_parse(&ps->tx, text, len, &ops);

	if (ret) {
		return ret;
	}
	if (!ps->workload_line) {
		return wl_err(ps, ps->tx.line, "expected a [workload] section (got none)");
	}
	/* [idle-server] drives the CPUs: busy and idle are then not used. */
	if (!ps->w->idle_server.line && (!(ps->w->defaults.set & CW_SIM_WL_SET_BUSY) ||
					 !(ps->w->defaults.set & CW_SIM_WL_SET_IDLE))) {
		return wl_err(ps, ps->workload_line,
			      "expected keys 'busy' and 'idle' in [workload] (got %s)",
			      (ps->w->defaults.set & CW_SIM_WL_SET_BUSY) ? "no idle" : "no busy");
	}
	if (ps->server_line && (!ps->w->server_timers || !ps->w->server_timeout_ns ||
				wl_dist_mean_ns(&ps->w->server_requests) < WL_MIN_CYCLE_NS)) {
		return wl_err(ps, ps->server_line,
			      "expected keys 'timers', 'timeout' and 'requests' (at least 1us "
			      "apart on average) in [server]");
	}
	if (ps->proxy_line && (ps->proxy_set & 0xeu) != 0xeu) {
		return wl_err(ps, ps->proxy_line,
			      "expected keys 'masked', 'masked_every' and 'oob_hz' in [proxy]");
	}
	if (ps->nic_line && cw__sim_nic_check(&ps->tx, &ps->w->nic)) {
		return CW_EINVAL;
	}
	if (ps->w->idle_server.line) {
		return cw__sim_idle_server_check(&ps->tx, &ps->w->idle_server);
	}
	return wl_check_cycles(ps);
}

CW_API void cw_sim_workload_desc_free(struct cw_sim_workload_desc *w)
{
	free(w);
}

CW_API int cw_sim_workload_parse_mem(const char *text, size_t len, const char *filename,
				     struct cw_sim_workload_desc **out, char *err, size_t err_len)
{
	struct wl_parser ps = { 0 };
	int ret;

	if (out) {
		*out = NULL;
	}
	cw__sim_text_init(&ps.tx, filename ? filename : "<workload>", err, err_len, WL_LINE_BYTES,
			  WL_QUOTE);
	if (!out || (!text && len)) {
		return CW_EINVAL;
	}
	ps.w = calloc(1, sizeof(*ps.w));
	if (!ps.w) {
		return CW_ENOMEM;
	}
	snprintf(ps.w->name, sizeof(ps.w->name), "unnamed");
	ps.w->defaults.last_cpu = CW_MAX_CPUS - 1;
	ret = wl_parse_text(&ps, text, len);
	if (ret) {
		free(ps.w);
		return ret;
	}
	*out = ps.w;
	return 0;
}

CW_API int cw_sim_workload_parse_file(const char *path, struct cw_sim_workload_desc **out,
				      char *err, size_t err_len)
{
	char *text;
	size_t len;
	int ret;

	if (out) {
		*out = NULL;
	}
	if (!path || !out) {
		return CW_EINVAL;
	}
	ret = cw__sim_text_read_file(path, "workload", WL_FILE_MAX, &text, &len, err, err_len);
	if (ret) {
		return ret;
	}
	ret = cw_sim_workload_parse_mem(text, len, path, out, err, err_len);
	free(text);
	return ret;
}

CW_API void cw_sim_workload_cpu_config(const struct cw_sim_workload_desc *w, unsigned cpu,
				       struct cw_sim_workload_cpu *out)
{
	*out = w->defaults;
	for (unsigned i = 0; i < w->nr_overrides; i++) {
		const struct cw_sim_workload_cpu *o = &w->overrides[i];

		if (cpu < o->first_cpu || cpu > o->last_cpu) {
			continue;
		}
		if (o->set & CW_SIM_WL_SET_BUSY) {
			out->busy = o->busy;
		}
		if (o->set & CW_SIM_WL_SET_IDLE) {
			out->idle = o->idle;
		}
		if (o->set & CW_SIM_WL_SET_STATE) {
			out->idle_choice = o->idle_choice;
			memcpy(out->state_name, o->state_name, sizeof(out->state_name));
		}
		if (o->set & CW_SIM_WL_SET_DEEP_AFTER) {
			out->deep_after_ns = o->deep_after_ns;
		}
		if (o->set & CW_SIM_WL_SET_START) {
			out->start_idle = o->start_idle;
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Run */

/** One CPU of a run. */
struct wl_cpu {
	struct cw_sim_workload_run *run;
	unsigned cpu;
	struct cw_sim_workload_cpu cfg;
	/** Ends the current period. */
	struct cw_sim_event ev;
	/** In an idle period (else busy). */
	bool idle;
	/** Taken offline by a hotplug event: periods pause. */
	bool offline;
	struct cw_sim_workload_cpu_stats stats;
	/** [server]: the next request, and the connections' timeout timers. */
	struct cw_sim_event req_ev;
	struct cw_hrtimer *conns;
	/** A hotplug waits for this CPU's masked section to end (wl_hotplug_fire()). */
	bool hotplug_wait;
};

/** A running workload. */
struct cw_sim_workload_run {
	struct cw_sim_machine *machine;
	struct cw_sim *sim;
	struct cw_sim_hw *hw;
	struct cw_system *sys;
	unsigned nr_cpus;
	struct wl_cpu *cpus;
	/** Hotplug events and the engine event that applies them in order. */
	struct cw_sim_hotplug_event *hotplug;
	unsigned nr_hotplug;
	unsigned next_hotplug;
	struct cw_sim_event hotplug_ev;
	/** [server] parameters (server_timers 0: none). */
	unsigned server_timers;
	struct cw_sim_dist server_requests;
	uint64_t server_timeout_ns;
	unsigned server_close_every;
	/** [proxy] section's run (proxy-demo.c), or NULL. */
	struct cw__sim_proxy_demo *proxy;
	/** [nic]: the modelled NIC (NULL: no section). */
	struct cw__sim_nic *nic;
	/** cw_sim_workload_stop() runs: a hotplug barrier replayed now schedules nothing. */
	bool stopping;
	/** [idle-server]: its run (NULL: no section). */
	struct cw__sim_idle_server *idle_server;
};

/* A uniform double in (0, 1]: 53 random bits. */
static double wl_unit(struct cw_sim *sim)
{
	return (double)((cw_sim_random(sim) >> 11) + 1) / 9007199254740992.0;
}

static uint64_t wl_clip(double ns)
{
	if (!(ns > 0)) {
		return 0;
	}
	return ns >= 1.8e19 ? UINT64_MAX : (uint64_t)ns;
}

static uint64_t wl_draw(struct cw_sim *sim, const struct cw_sim_dist *d)
{
	switch (d->kind) {
	case CW_SIM_DIST_FIXED:
		return d->a_ns;
	case CW_SIM_DIST_UNIFORM:
		return d->a_ns + cw_sim_random_below(sim, d->b_ns - d->a_ns + 1);
	case CW_SIM_DIST_EXPONENTIAL:
		return wl_clip(-(double)d->a_ns * log(wl_unit(sim)));
	case CW_SIM_DIST_NORMAL: {
		/* Box-Muller; one draw per period keeps the sequence simple. */
		double u1 = wl_unit(sim), u2 = wl_unit(sim);
		double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);

		return wl_clip((double)d->a_ns + z * (double)d->b_ns);
	}
	default:
		return 0;
	}
}

uint64_t cw__sim_dist_draw(struct cw_sim *sim, const struct cw_sim_dist *d)
{
	return wl_draw(sim, d);
}

/* The state index the period of @len_ns uses, or -1 (the machine has no such state). */
static int wl_pick_state(const struct wl_cpu *c, uint64_t len_ns)
{
	struct cw_sim_machine *m = c->run->machine;
	struct cw_sim_hw *hw = c->run->hw;
	unsigned n = cw_sim_hw_nr_idle_states(hw);
	bool deep = c->cfg.idle_choice == CW_SIM_IDLE_DEEP ||
		    (c->cfg.idle_choice == CW_SIM_IDLE_BY_LENGTH && len_ns >= c->cfg.deep_after_ns);
	int shallow = 0, deepest = -1;

	if (c->cfg.idle_choice == CW_SIM_IDLE_NAMED) {
		for (unsigned i = 0; i < n; i++) {
			if (strcmp(cw_sim_hw_idle_state_name(hw, i), c->cfg.state_name) == 0) {
				return (int)i;
			}
		}
		return -1;
	}
	/* The machine's table lists states shallowest first: keep the last of each kind. */
	for (unsigned i = 0; i < n; i++) {
		if (cw__sim_machine_idle_state_deep(m, i)) {
			deepest = (int)i;
		} else {
			shallow = (int)i;
		}
	}
	return deep && deepest >= 0 ? deepest : shallow;
}

static void wl_period_end(struct cw_sim *sim, struct cw_sim_event *ev);

static void wl_start_busy(struct wl_cpu *c)
{
	struct cw_sim_workload_run *r = c->run;

	c->idle = false;
	c->stats.busy_periods++;
	cw_sim_event_schedule(r->sim, &c->ev,
			      cw_sim_now_ns(r->sim) + wl_draw(r->sim, &c->cfg.busy));
}

static void wl_start_idle(struct wl_cpu *c)
{
	struct cw_sim_workload_run *r = c->run;
	uint64_t len = wl_draw(r->sim, &c->cfg.idle);
	int state = wl_pick_state(c, len);

	c->idle = true;
	c->stats.idle_periods++;
	if (state >= 0 && cw__sim_machine_idle_state_deep(r->machine, (unsigned)state)) {
		c->stats.deep_requests++;
	}
	if (state >= 0) {
		cw_sim_hw_cpu_idle_loop(r->hw, c->cpu, state);
	}
	cw_sim_event_schedule(r->sim, &c->ev, cw_sim_now_ns(r->sim) + len);
}

static void wl_period_end(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct wl_cpu *c = ev->data;
	struct cw_sim_workload_run *r = c->run;

	(void)sim;
	if (c->offline) {
		return;
	}
	if (c->idle) {
		/* The idle task's own timer: leave the loop and wake up. */
		cw_sim_hw_cpu_idle_loop(r->hw, c->cpu, -1);
		if (cw_sim_hw_cpu_state(r->hw, c->cpu) == CW_SIM_HW_CPU_IDLE) {
			cw_sim_hw_cpu_wake(r->hw, c->cpu);
		}
		wl_start_busy(c);
		return;
	}
	if (c->cfg.idle.kind == CW_SIM_DIST_NONE) {
		wl_start_busy(c);
		return;
	}
	wl_start_idle(c);
}

/* ---- [server]: connection timeouts ---- */

/* A connection timed out: it is closed (the timer stays idle until its next request). */
static enum cw_hrtimer_restart wl_conn_timeout(struct cw_hrtimer *t)
{
	(void)t;
	return CW_HRTIMER_NORESTART;
}

/* One request on CPU c->cpu, run on that CPU: re-arm (or close) a random connection. */
static void wl_request_on_cpu(void *arg)
{
	struct wl_cpu *c = arg;
	struct cw_sim_workload_run *r = c->run;
	struct cw_hrtimer *t = &c->conns[cw_sim_random_below(r->sim, r->server_timers)];

	if (r->server_close_every && cw_sim_random_below(r->sim, r->server_close_every) == 0) {
		cw_hrtimer_cancel(t);
		return;
	}
	cw_hrtimer_start(t, (cw_ktime_t)r->server_timeout_ns, CW_HRTIMER_MODE_REL);
}

/*
 * The next request of a CPU. Requests are served while the CPU is busy; one
 * that comes while it idles or is offline is dropped (no wakeup: the idle
 * pattern stays the [workload]'s). One that comes while the CPU's in-band
 * stage is masked (a [proxy] section) waits in its in-band log and is
 * served at the unstall (an event cannot wait: the asynchronous call).
 */
static void wl_request(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct wl_cpu *c = ev->data;
	struct cw_sim_workload_run *r = c->run;

	if (!c->offline && !c->idle &&
	    cw_sim_hw_cpu_state(r->hw, c->cpu) == CW_SIM_HW_CPU_RUNNING) {
		cw_sim_hw_run_on_async(r->hw, c->cpu, wl_request_on_cpu, c, NULL, NULL);
	}
	cw_sim_event_schedule(sim, ev, cw_sim_now_ns(sim) + wl_draw(sim, &r->server_requests) + 1);
}

/* Set up the connection timers of a CPU, on that CPU (a timer starts on its creator's base). */
static void wl_setup_conns(void *arg)
{
	struct wl_cpu *c = arg;

	for (unsigned i = 0; i < c->run->server_timers; i++) {
		cw_hrtimer_setup(c->run->sys, &c->conns[i], wl_conn_timeout, CW_CLOCK_MONOTONIC,
				 CW_HRTIMER_MODE_REL);
	}
}

static void wl_begin_cpu_periods(struct wl_cpu *c)
{
	if (c->cfg.start_idle && c->cfg.idle.kind != CW_SIM_DIST_NONE) {
		wl_start_idle(c);
	} else {
		wl_start_busy(c);
	}
}

/* A CPU back online (or whose offline was refused) resumes its periods, or its idle-server role. */
static void wl_resume_cpu(struct wl_cpu *c)
{
	if (c->run->idle_server) {
		cw__sim_idle_server_cpu_resume(c->run->idle_server, c->cpu);
	} else {
		wl_begin_cpu_periods(c);
	}
}

static void wl_apply_hotplug(struct cw_sim_workload_run *r, const struct cw_sim_hotplug_event *h)
{
	struct wl_cpu *c = &r->cpus[h->cpu];
	int ret;

	c->stats.hotplug_events++;
	if (h->online) {
		ret = cw_sim_hw_cpu_online(r->hw, h->cpu);
	} else {
		/* Leave idle first: the CPU takes itself down from its running context. */
		cw_sim_event_cancel(r->sim, &c->ev);
		cw_sim_hw_cpu_idle_loop(r->hw, h->cpu, -1);
		if (cw_sim_hw_cpu_state(r->hw, h->cpu) == CW_SIM_HW_CPU_IDLE) {
			cw_sim_hw_cpu_wake(r->hw, h->cpu);
		}
		ret = cw_sim_hw_cpu_offline(r->hw, h->cpu);
	}
	cw_sim_system_log(r->sys, ret ? CW_LOG_WARNING : CW_LOG_INFO, "sim: workload: CPU%u %s%s%s",
			  h->cpu, h->online ? "online" : "offline", ret ? " refused: " : "",
			  ret ? cw_strerror(ret) : "");
	if (ret) {
		c->stats.hotplug_failures++;
		if (!h->online && !c->offline) {
			wl_resume_cpu(c);
		}
		return;
	}
	c->offline = !h->online;
	if (h->online) {
		wl_resume_cpu(c);
	}
}

/* On a CPU whose masked section ended: the waiting hotplug looks again, now. */
static void wl_hotplug_unmasked(void *arg)
{
	struct wl_cpu *c = arg;

	c->hotplug_wait = false;
	if (c->run->stopping) {
		return;
	}
	cw_sim_event_schedule(c->run->sim, &c->run->hotplug_ev, cw_sim_now_ns(c->run->sim));
}

/*
 * A hotplug runs the core's steps, whose cross calls (the dying step on
 * the CPU, clock event re-offers to any CPU) need in-band code on their
 * targets, as Linux's stop_machine needs every CPU: while some online
 * CPU's in-band stage is masked it waits, a barrier in the log of each
 * such CPU telling it when that section ended. @return true: wait.
 */
static bool wl_hotplug_wait_unmasked(struct cw_sim_workload_run *r)
{
	bool wait = false;

	for (unsigned cpu = 0; cpu < r->nr_cpus; cpu++) {
		struct wl_cpu *c = &r->cpus[cpu];

		if (!cw_sim_hw_inband_stalled(r->hw, cpu)) {
			continue;
		}
		if (!c->hotplug_wait) {
			if (cw_sim_hw_run_on_async(r->hw, cpu, wl_hotplug_unmasked, c, NULL,
						   NULL) != 1) {
				continue; /* No memory: the steps run at once (calls_unlogged). */
			}
			c->hotplug_wait = true;
		}
		wait = true;
	}
	return wait;
}

static void wl_hotplug_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct cw_sim_workload_run *r = ev->data;
	uint64_t now = cw_sim_now_ns(sim);

	if (r->next_hotplug < r->nr_hotplug && r->hotplug[r->next_hotplug].at_ns <= now &&
	    wl_hotplug_wait_unmasked(r)) {
		return;
	}
	while (r->next_hotplug < r->nr_hotplug && r->hotplug[r->next_hotplug].at_ns <= now) {
		wl_apply_hotplug(r, &r->hotplug[r->next_hotplug++]);
	}
	if (r->next_hotplug < r->nr_hotplug) {
		cw_sim_event_schedule(sim, ev, r->hotplug[r->next_hotplug].at_ns);
	}
}

/* Every CPU, idle state name and hotplug CPU the workload names exists on the machine. */
static int wl_check(const struct cw_sim_workload_desc *w, struct cw_sim_hw *hw, unsigned nr_cpus,
		    char *err, size_t err_len)
{
	for (unsigned i = 0; i < w->nr_overrides; i++) {
		if (w->overrides[i].first_cpu >= nr_cpus) {
			snprintf(err, err_len,
				 "workload '%s': line %u: [cpu %u...] but the machine has CPUs "
				 "0..%u",
				 w->name, w->overrides[i].line, w->overrides[i].first_cpu,
				 nr_cpus - 1);
			return CW_EINVAL;
		}
	}
	for (unsigned i = 0; i < w->nr_hotplug; i++) {
		if (w->hotplug[i].cpu >= nr_cpus) {
			snprintf(err, err_len,
				 "workload '%s': line %u: hotplug of CPU%u but the machine has "
				 "CPUs 0..%u",
				 w->name, w->hotplug[i].line, w->hotplug[i].cpu, nr_cpus - 1);
			return CW_EINVAL;
		}
	}
	for (unsigned cpu = 0; cpu < nr_cpus; cpu++) {
		struct cw_sim_workload_cpu cfg;
		enum wl_cycle kind;
		bool found = false;
		char msg[400];
		double mean;

		cw_sim_workload_cpu_config(w, cpu, &cfg);
		if (w->idle_server.line) {
			continue; /* [idle-server] drives the CPUs, not busy/idle periods */
		}
		/* A description built by hand did not meet the parser's check. */
		kind = wl_cycle_of(&cfg, &mean);
		if (kind != WL_CYCLE_OK) {
			wl_cycle_message(kind, &cfg, mean, "", "", "", "", msg, sizeof(msg));
			snprintf(err, err_len, "workload '%s': CPU%u: %s", w->name, cpu, msg);
			return CW_EINVAL;
		}
		if (cfg.idle_choice != CW_SIM_IDLE_NAMED) {
			continue;
		}
		for (unsigned s = 0; s < cw_sim_hw_nr_idle_states(hw); s++) {
			found |= strcmp(cw_sim_hw_idle_state_name(hw, s), cfg.state_name) == 0;
		}
		if (!found) {
			snprintf(err, err_len,
				 "workload '%s': CPU%u uses idle state '%s', which the machine "
				 "does not have",
				 w->name, cpu, cfg.state_name);
			return CW_EINVAL;
		}
	}
	return 0;
}

CW_API int cw_sim_machine_start_workload(struct cw_sim_machine *m,
					 const struct cw_sim_workload_desc *w, char *err,
					 size_t err_len)
{
	char scratch[8];
	struct cw_sim_workload_run *r;
	int ret;

	if (!err || !err_len) {
		err = scratch;
		err_len = sizeof(scratch);
	}
	err[0] = '\0';
	if (!m || !w) {
		return CW_EINVAL;
	}
	if (cw__sim_machine_workload(m)) {
		return CW_EBUSY;
	}
	ret = wl_check(w, cw_sim_machine_hw(m), cw_system_nr_cpus(cw_sim_machine_system(m)), err,
		       err_len);
	if (ret) {
		return ret;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		return CW_ENOMEM;
	}
	r->machine = m;
	r->hw = cw_sim_machine_hw(m);
	r->sys = cw_sim_machine_system(m);
	r->sim = cw_sim_system_engine(r->sys);
	r->nr_cpus = cw_system_nr_cpus(r->sys);
	r->cpus = calloc(r->nr_cpus, sizeof(*r->cpus));
	r->hotplug = calloc(w->nr_hotplug + 1, sizeof(*r->hotplug));
	if (!r->cpus || !r->hotplug) {
		free(r->cpus);
		free(r->hotplug);
		free(r);
		return CW_ENOMEM;
	}
	memcpy(r->hotplug, w->hotplug, w->nr_hotplug * sizeof(*r->hotplug));
	r->server_timers = w->server_timers;
	r->server_requests = w->server_requests;
	r->server_timeout_ns = w->server_timeout_ns;
	r->server_close_every = w->server_close_every;
	for (unsigned cpu = 0; cpu < r->nr_cpus && r->server_timers; cpu++) {
		r->cpus[cpu].conns = calloc(r->server_timers, sizeof(struct cw_hrtimer));
		if (!r->cpus[cpu].conns) {
			for (unsigned i = 0; i < cpu; i++) {
				free(r->cpus[i].conns);
			}
			free(r->cpus);
			free(r->hotplug);
			free(r);
			return CW_ENOMEM;
		}
	}
	r->nr_hotplug = w->nr_hotplug;
	cw_sim_event_init(&r->hotplug_ev, wl_hotplug_fire, r);
	cw__sim_machine_set_workload(m, r);
	cw_sim_system_log(r->sys, CW_LOG_INFO,
			  "sim: workload '%s' starts on %u CPU%s, %u hotplug event%s", w->name,
			  r->nr_cpus, r->nr_cpus == 1 ? "" : "s", w->nr_hotplug,
			  w->nr_hotplug == 1 ? "" : "s");
	for (unsigned cpu = 0; cpu < r->nr_cpus; cpu++) {
		struct wl_cpu *c = &r->cpus[cpu];

		c->run = r;
		c->cpu = cpu;
		cw_sim_workload_cpu_config(w, cpu, &c->cfg);
		cw_sim_event_init(&c->ev, wl_period_end, c);
		c->ev.cpu = cpu;
		if (!w->idle_server.line) {
			wl_begin_cpu_periods(c);
		}
		if (r->server_timers) {
			/* Logged if the CPU is masked, ahead of its requests. */
			cw_sim_hw_run_on_async(r->hw, cpu, wl_setup_conns, c, NULL, NULL);
			cw_sim_event_init(&c->req_ev, wl_request, c);
			c->req_ev.cpu = cpu;
			cw_sim_event_schedule(r->sim, &c->req_ev,
					      cw_sim_now_ns(r->sim) +
						      wl_draw(r->sim, &r->server_requests) + 1);
		}
	}
	if (r->nr_hotplug) {
		cw_sim_event_schedule(r->sim, &r->hotplug_ev, r->hotplug[0].at_ns);
	}
	if (w->proxy.line) {
		ret = cw__sim_proxy_demo_start(m, &w->proxy, &r->proxy, err, err_len);
		if (ret) {
			cw_sim_workload_stop(r);
			return ret;
		}
	}
	if (w->idle_server.line) {
		ret = cw__sim_idle_server_start(m, &w->idle_server, &r->idle_server, err, err_len);
		if (ret) {
			cw_sim_workload_stop(r);
			return ret;
		}
	}
	if (w->nic.policy != CW_SIM_NIC_NONE) {
		ret = cw__sim_nic_start(r->sys, r->hw, &w->nic, &r->nic, err, err_len);
		if (ret) {
			cw_sim_workload_stop(r);
			return ret;
		}
	}
	return 0;
}

CW_API int cw_sim_machine_nic_stats(const struct cw_sim_machine *m, struct cw_sim_nic_stats *out)
{
	struct cw_sim_workload_run *r = cw__sim_machine_workload(m);

	if (!r || !r->nic || !out) {
		return CW_ENODEV;
	}
	cw__sim_nic_stats(r->nic, out);
	return 0;
}

struct cw__sim_proxy_demo *cw__sim_workload_proxy_demo(const struct cw_sim_machine *m)
{
	struct cw_sim_workload_run *r = cw__sim_machine_workload(m);

	return r ? r->proxy : NULL;
}

struct cw__sim_idle_server *cw__sim_workload_idle_server(const struct cw_sim_machine *m)
{
	struct cw_sim_workload_run *r = cw__sim_machine_workload(m);

	return r ? r->idle_server : NULL;
}

CW_API int cw_sim_machine_workload_stats(const struct cw_sim_machine *m, unsigned cpu,
					 struct cw_sim_workload_cpu_stats *out)
{
	struct cw_sim_workload_run *r = cw__sim_machine_workload(m);

	if (!r) {
		return CW_ENODEV;
	}
	if (cpu >= r->nr_cpus) {
		return CW_EINVAL;
	}
	*out = r->cpus[cpu].stats;
	return 0;
}

CW_API void cw_sim_workload_stop(struct cw_sim_workload_run *run)
{
	if (!run) {
		return;
	}
	for (unsigned cpu = 0; cpu < run->nr_cpus; cpu++) {
		cw_sim_event_cancel(run->sim, &run->cpus[cpu].ev);
		if (run->cpus[cpu].conns) {
			cw_sim_event_cancel(run->sim, &run->cpus[cpu].req_ev);
		}
	}
	cw_sim_event_cancel(run->sim, &run->hotplug_ev);
	run->stopping = true;
	/*
	 * The [proxy] demo ends its masked sections first: the requests and
	 * hotplug barriers logged on them run now, while their connections
	 * and CPUs still exist (only the demo masks CPUs in a workload run).
	 */
	cw__sim_proxy_demo_stop(run->proxy);
	for (unsigned cpu = 0; cpu < run->nr_cpus; cpu++) {
		if (run->cpus[cpu].conns) {
			for (unsigned i = 0; i < run->server_timers; i++) {
				cw_hrtimer_cancel(&run->cpus[cpu].conns[i]);
			}
			free(run->cpus[cpu].conns);
		}
	}
	cw__sim_nic_stop(run->nic);
	cw__sim_idle_server_stop(run->idle_server);
	cw__sim_machine_set_workload(run->machine, NULL);
	free(run->cpus);
	free(run->hotplug);
	free(run);
}

/* For the [nic] section (nic.c): a distribution value, and a draw from one. */
int cw__sim_wl_parse_dist(struct cw__sim_text *tx, const char *val, struct cw_sim_dist *d)
{
	return wl_dist(to_wl_parser(tx), val, false, d);
}

uint64_t cw__sim_wl_draw(struct cw_sim *sim, const struct cw_sim_dist *d)
{
	return wl_draw(sim, d);
}
