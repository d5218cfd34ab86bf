/* SPDX-License-Identifier: MIT */
/*
 * Writes a machine description back as machine-file text, in canonical
 * form: every section and every key (timers with the defaults their kind
 * filled in; [irq] and [idle] only when they say something), numbers in the largest unit that keeps
 * them readable (3579545 Hz is "3.579545MHz", 2300000000 ns is "2.3s",
 * drifts in ppm), CPU lists as ranges. The parser reads this text back to an
 * equal description, which tests use, and cwsim --dump-machine prints it.
 */
#include <clockwork/sim.h>
#include <clockwork/clocksource.h>

#include "port/sim/sim-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/** snprintf-style output: writes what fits, counts everything. */
struct out {
	char *buf;
	size_t len;
	size_t pos;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	size_t room = o->pos < o->len ? o->len - o->pos : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->pos : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0) {
		o->pos += (size_t)n;
	}
}

/* @v / 10^exp10 as a decimal without trailing zeros, followed by @unit. */
static void put_scaled(struct out *o, uint64_t v, unsigned exp10, const char *unit)
{
	uint64_t scale = 1;
	char frac[24];
	int digits = (int)exp10;

	for (unsigned i = 0; i < exp10; i++) {
		scale *= 10;
	}
	if (v % scale == 0) {
		put(o, "%llu%s", (unsigned long long)(v / scale), unit);
		return;
	}
	snprintf(frac, sizeof(frac), "%0*llu", digits, (unsigned long long)(v % scale));
	for (int i = digits - 1; i > 0 && frac[i] == '0'; i--) {
		frac[i] = '\0';
	}
	put(o, "%llu.%s%s", (unsigned long long)(v / scale), frac, unit);
}

static void put_freq(struct out *o, uint64_t hz)
{
	if (hz >= 1000000000u) {
		put_scaled(o, hz, 9, "GHz");
	} else if (hz >= 1000000u) {
		put_scaled(o, hz, 6, "MHz");
	} else if (hz >= 1000u) {
		put_scaled(o, hz, 3, "kHz");
	} else {
		put_scaled(o, hz, 0, "Hz");
	}
}

static void put_duration(struct out *o, uint64_t ns)
{
	if (ns >= 1000000000u) {
		put_scaled(o, ns, 9, "s");
	} else if (ns >= 1000000u) {
		put_scaled(o, ns, 6, "ms");
	} else if (ns >= 1000u) {
		put_scaled(o, ns, 3, "us");
	} else {
		put_scaled(o, ns, 0, "ns");
	}
}

static void put_drift(struct out *o, int64_t ppb)
{
	uint64_t mag = ppb < 0 ? (uint64_t)0 - (uint64_t)ppb : (uint64_t)ppb;

	put(o, "%s", ppb < 0 ? "-" : "");
	put_scaled(o, mag, 3, "ppm");
}

static void put_cpus(struct out *o, const struct cw_sim_node_desc *n)
{
	for (unsigned i = 0; i < n->nr_cpus;) {
		unsigned j = i;

		while (j + 1 < n->nr_cpus && n->cpus[j + 1] == n->cpus[j] + 1) {
			j++;
		}
		put(o, "%s%u", i ? "," : "", n->cpus[i]);
		if (j > i) {
			put(o, "-%u", n->cpus[j]);
		}
		i = j + 1;
	}
}

size_t cw__sim_format_cpulist(const struct cw_sim_node_desc *n, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = buf ? len : 0, .pos = 0 };

	if (buf && len) {
		buf[0] = '\0';
	}
	put_cpus(&o, n);
	return o.pos;
}

static void put_flags(struct out *o, unsigned flags)
{
	const char *sep = "";

	if (!(flags & (CW_CLOCKSOURCE_IS_CONTINUOUS | CW_CLOCKSOURCE_MUST_VERIFY |
		       CW_CLOCKSOURCE_SUSPEND_NONSTOP))) {
		put(o, "none");
		return;
	}
	if (flags & CW_CLOCKSOURCE_IS_CONTINUOUS) {
		put(o, "continuous");
		sep = ", ";
	}
	if (flags & CW_CLOCKSOURCE_MUST_VERIFY) {
		put(o, "%smust_verify", sep);
		sep = ", ";
	}
	if (flags & CW_CLOCKSOURCE_SUSPEND_NONSTOP) {
		put(o, "%ssuspend_nonstop", sep);
	}
}

static void put_counter(struct out *o, const struct cw_sim_counter_desc *c)
{
	const struct cw_sim_counter_params *p = &c->params;

	put(o, "\n[counter %s]\nwidth = %u\nfreq = ", c->name, p->width_bits);
	put_freq(o, p->freq_hz);
	put(o, "\nrating = %d\nflags = ", c->rating);
	put_flags(o, c->flags);
	put(o, "\ndrift = ");
	put_drift(o, p->drift_ppb);
	put(o, "\n");
	for (size_t i = 0; i < c->nr_drift_changes; i++) {
		put(o, "drift_at = ");
		put_duration(o, c->drift_changes[i].at_ns);
		put(o, " ");
		put_drift(o, c->drift_changes[i].drift_ppb);
		put(o, "\n");
	}
	put(o, "jitter = %llu\nstart = 0x%llx\nstops_in_suspend = %s\nstops_in_deep_idle = %s\n",
	    (unsigned long long)p->jitter_cycles, (unsigned long long)p->start_value,
	    p->stops_in_suspend ? "yes" : "no", p->stops_in_deep_idle ? "yes" : "no");
}

static void put_timer(struct out *o, const struct cw_sim_timer_desc *t)
{
	put(o, "\n[%s %s]\ncompatible = %s\nfreq = ", cw_sim_timer_kind_name(t->kind), t->name,
	    t->compatible);
	put_freq(o, t->freq_hz);
	put(o, "\nwidth = %u\nrating = %d\nirq = %u\nmin_delta = %llu\nmax_delta = 0x%llx\n",
	    t->width_bits, t->rating, t->irq, (unsigned long long)t->min_delta_ticks,
	    (unsigned long long)t->max_delta_ticks);
	put(o, "c3stop = %s\n", t->c3stop ? "yes" : "no");
	if (t->kind == CW_SIM_TIMER_TMU || t->kind == CW_SIM_TIMER_HPET) {
		put(o, "channels = %u\n", t->channels);
	}
	if (t->kind == CW_SIM_TIMER_GLOBAL_TIMER) {
		put(o, "erratum = %s\nclear_order = %s\n", t->erratum ? "yes" : "no",
		    t->clear_order == CW_SIM_CLEAR_FLAG_FIRST     ? "flag_first"
		    : t->clear_order == CW_SIM_CLEAR_ONESHOT_ONLY ? "oneshot_only"
								  : "compare_first");
	}
}

/* @ns since the epoch as "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (UTC). */
static void put_iso_utc(struct out *o, int64_t ns)
{
	static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	uint64_t secs = (uint64_t)ns / CW_NSEC_PER_SEC, frac = (uint64_t)ns % CW_NSEC_PER_SEC;
	uint64_t days = secs / 86400, rest = secs % 86400;
	unsigned year = 1970, month = 0;

	while (days >= (cw__sim_leap_year(year) ? 366u : 365u)) {
		days -= cw__sim_leap_year(year) ? 366u : 365u;
		year++;
	}
	for (;; month++) {
		unsigned len = mdays[month] + (month == 1 && cw__sim_leap_year(year) ? 1u : 0u);

		if (days < len) {
			break;
		}
		days -= len;
	}
	put(o, "%04u-%02u-%02uT%02u:%02u:%02u", year, month + 1, (unsigned)days + 1,
	    (unsigned)(rest / 3600), (unsigned)(rest / 60 % 60), (unsigned)(rest % 60));
	if (frac) {
		char digits[16];
		int n = snprintf(digits, sizeof(digits), "%09llu", (unsigned long long)frac);

		while (n > 1 && digits[n - 1] == '0') {
			digits[--n] = '\0';
		}
		put(o, ".%s", digits);
	}
	put(o, "Z");
}

size_t cw__sim_format_iso_utc(int64_t ns, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = buf ? len : 0, .pos = 0 };

	if (buf && len) {
		buf[0] = '\0';
	}
	put_iso_utc(&o, ns < 0 ? 0 : ns);
	return o.pos;
}

static void put_system(struct out *o, const struct cw_sim_machine_desc *m)
{
	if (!m->hz && !m->initial_jiffies && !m->realtime_set) {
		return;
	}
	put(o, "\n[system]\n");
	if (m->hz) {
		put(o, "hz = %u\n", m->hz);
	}
	if (m->initial_jiffies) {
		put(o, "initial_jiffies = 0x%llx\n", (unsigned long long)m->initial_jiffies);
	}
	if (m->realtime_set) {
		put(o, "realtime = ");
		put_iso_utc(o, m->realtime_init_ns);
		put(o, "\n");
	}
}

static void put_irq_and_idle(struct out *o, const struct cw_sim_machine_desc *m)
{
	if (m->irq_latency_ns || m->ipi_latency_ns || m->nr_irq_affinity) {
		put(o, "\n[irq]\nlatency = ");
		put_duration(o, m->irq_latency_ns);
		put(o, "\nipi_latency = ");
		put_duration(o, m->ipi_latency_ns);
		put(o, "\n");
		for (size_t i = 0; i < m->nr_irq_affinity; i++) {
			put(o, "affinity = %u %u\n", m->irq_affinity[i].irq,
			    m->irq_affinity[i].cpu);
		}
	}
	if (m->nr_idle_states || m->ignore_broadcast_busy || m->active_power_uw ||
	    m->wakeup_energy_nj) {
		put(o, "\n[idle]\n");
		for (unsigned i = 0; i < m->nr_idle_states; i++) {
			const struct cw_sim_idle_state_desc *st = &m->idle_states[i];

			put(o, "state = %s %s ", st->name, st->deep ? "deep" : "shallow");
			put_duration(o, st->exit_latency_ns);
			if (st->power_uw) {
				put(o, " %lluuW", (unsigned long long)st->power_uw);
			}
			put(o, "\n");
		}
		put(o, "ignore_broadcast_busy = %s\n", m->ignore_broadcast_busy ? "yes" : "no");
		if (m->active_power_uw) {
			put(o, "active_power = %lluuW\n", (unsigned long long)m->active_power_uw);
		}
		if (m->wakeup_energy_nj) {
			put(o, "wakeup_energy = %llunJ\n", (unsigned long long)m->wakeup_energy_nj);
		}
	}
}

CW_API size_t cw_sim_machine_desc_format(const struct cw_sim_machine_desc *m, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = buf ? len : 0, .pos = 0 };

	if (buf && len) {
		buf[0] = '\0';
	}
	put(&o, "[machine]\nname = %s\n", m->name);
	if (m->description[0]) {
		put(&o, "description = %s\n", m->description);
	}
	put(&o, "cpus = %u\n", m->nr_cpus);
	put_system(&o, m);
	for (unsigned i = 0; i < m->nr_nodes; i++) {
		put(&o, "\n[node %u]\ncpus = ", m->nodes[i].id);
		put_cpus(&o, &m->nodes[i]);
		put(&o, "\n");
		if (m->nodes[i].nr_isolated) {
			struct cw_sim_node_desc iso = { .nr_cpus = m->nodes[i].nr_isolated,
							.cpus = m->nodes[i].isolated };

			put(&o, "isolated = ");
			put_cpus(&o, &iso);
			put(&o, "\n");
		}
		/* capacity_class lines, one per class, in class order. */
		for (unsigned k = 1; k <= 15 && m->nodes[i].nr_class_cpus; k++) {
			struct cw_sim_node_desc cls = { 0 };

			cls.cpus = malloc(m->nodes[i].nr_class_cpus * sizeof(unsigned));
			if (!cls.cpus) {
				break;
			}
			for (unsigned j = 0; j < m->nodes[i].nr_class_cpus; j++) {
				if (m->nodes[i].class_of[j] == k) {
					cls.cpus[cls.nr_cpus++] = m->nodes[i].class_cpus[j];
				}
			}
			if (cls.nr_cpus) {
				put(&o, "capacity_class = %u ", k);
				put_cpus(&o, &cls);
				put(&o, "\n");
			}
			free(cls.cpus);
		}
	}
	for (size_t i = 0; i < m->nr_counters; i++) {
		put_counter(&o, &m->counters[i]);
	}
	for (size_t i = 0; i < m->nr_timers; i++) {
		put_timer(&o, &m->timers[i]);
	}
	put_irq_and_idle(&o, m);
	return o.pos;
}
