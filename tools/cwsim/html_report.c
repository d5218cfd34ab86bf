/* SPDX-License-Identifier: MIT */
/*
 * cwsim --report DIR: an HTML page with gnuplot SVG plots (html_report.h).
 *
 * Collection is counting only: every hardware record (sim_trace.h) and
 * checker event (check.h) lands in a fixed array slot, with no allocation
 * on the hot path except the first interrupt of a new IRQ line. Time is
 * cut into CWSIM_HTML_BINS bins of the run's --duration; rates are counts
 * per bin divided by the bin's width (the last bin may be partial).
 *
 * At the end the data go to DIR as whitespace-separated tables with a
 * header row (gnuplot's columnheader), one gnuplot script draws every SVG,
 * and index.html shows them with a summary. The page checks itself when it
 * loads (every plot image decoded, no error event) and says so in a
 * status line and on <body data-status="ok|failed">, which the headless
 * browser test reads (tests/browser/).
 */
#include "html_report.h"

#include <clockwork/check.h>
#include <clockwork/clockwork.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/sim_trace.h>
#include <clockwork/timekeeping.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/** Bins of the time axis. */
#define CWSIM_HTML_BINS          100
/** Idle states told apart (a machine declares a handful). */
#define CWSIM_HTML_STATES        16
/** Lateness buckets: 0 (on time), then [2^(k-1), 2^k). */
#define CWSIM_HTML_HR_BUCKETS    48
#define CWSIM_HTML_WHEEL_BUCKETS 34
/** Above this many CPUs the wakeups plot is a heat map, not one line per CPU. */
#define CWSIM_HTML_LINES_MAX     16

struct html_cpu {
	bool idle;
	unsigned state;
	uint64_t since_ns;
	uint64_t wakeups;
	uint64_t resid_ns[CWSIM_HTML_STATES];
};

/** One interrupt series: an IRQ line, or one CPU's share of a line of per-CPU devices. */
struct html_line {
	unsigned irq;
	/** -1: the whole line; else the CPU whose device this is. */
	int cpu;
	char name[48];
	uint64_t total;
	uint32_t bins[CWSIM_HTML_BINS];
};

/** When an hrtimer armed on a MONOTONIC base is due: its hard expiry, or its arming if later. */
struct html_due {
	const void *timer;
	int64_t due_ns;
};

struct cwsim_html {
	const char *dir;
	struct cw_sim_machine *m;
	unsigned nr_cpus;
	uint64_t bin_ns;
	struct html_cpu *cpus;
	/** nr_cpus x CWSIM_HTML_BINS idle exits. */
	uint32_t *wake_bins;
	char state_names[CWSIM_HTML_STATES][32];
	unsigned nr_states;
	struct html_line *lines;
	size_t nr_lines;
	bool oom;
	uint64_t ipi_total;
	uint32_t ipi_bins[CWSIM_HTML_BINS];
	/* Open-addressed table timer -> due (a power of two; never shrinks). */
	struct html_due *due;
	size_t due_size;
	size_t due_used;
	/* Lateness histograms. */
	uint64_t hr[CWSIM_HTML_HR_BUCKETS];
	uint64_t hr_samples;
	uint64_t hr_other_clock;
	int64_t hr_max_ns;
	uint64_t wheel[CWSIM_HTML_WHEEL_BUCKETS];
	uint64_t wheel_samples;
	int64_t wheel_max_jiffies;
};

/* ---------------------------------------------------------------------- */
/* Before the run */

/* @name on PATH, executable? */
static bool on_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[CWSIM_HTML_PATH_MAX];

	while (path && *path) {
		const char *end = strchr(path, ':');
		size_t len = end ? (size_t)(end - path) : strlen(path);

		if (len && len + 1 + strlen(name) < sizeof(buf)) {
			memcpy(buf, path, len);
			buf[len] = '/';
			strcpy(buf + len + 1, name);
			if (access(buf, X_OK) == 0) {
				return true;
			}
		}
		path = end ? end + 1 : NULL;
	}
	return false;
}

static int join(char *buf, size_t len, const char *dir, const char *file, FILE *err)
{
	size_t dl = strlen(dir);
	int n = snprintf(buf, len, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", file);

	if (n < 0 || (size_t)n >= len) {
		fprintf(err, "cwsim: --report: path too long: '%s/%s'\n", dir, file);
		return -1;
	}
	return 0;
}

int cwsim_html_prepare(struct cwsim_html_opts *h, const char **json_path, const char **trace_path,
		       FILE *err)
{
	struct stat st;

	if (!h->dir) {
		return 0;
	}
	if (!on_path("gnuplot")) {
		fprintf(err, "cwsim: --report needs gnuplot to draw its plots, and there is no "
			     "gnuplot on PATH (Debian: apt-get install gnuplot-nox)\n");
		return -1;
	}
	if (mkdir(h->dir, 0777) != 0 && errno != EEXIST) {
		fprintf(err, "cwsim: --report: cannot create directory '%s': %s\n", h->dir,
			strerror(errno));
		return -1;
	}
	if (stat(h->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(err, "cwsim: --report: '%s' is not a directory\n", h->dir);
		return -1;
	}
	if (access(h->dir, W_OK | X_OK) != 0) {
		fprintf(err, "cwsim: --report: cannot write into '%s': %s\n", h->dir,
			strerror(errno));
		return -1;
	}
	if (!*json_path) {
		if (join(h->json_buf, sizeof(h->json_buf), h->dir, "cwsim.json", err)) {
			return -1;
		}
		*json_path = h->json_buf;
	}
	if (!*trace_path) {
		if (join(h->trace_buf, sizeof(h->trace_buf), h->dir, "trace.json", err)) {
			return -1;
		}
		*trace_path = h->trace_buf;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Collecting */

struct cwsim_html *cwsim_html_start(const struct cwsim_html_opts *h, struct cw_sim_machine *m,
				    uint64_t duration_ns, FILE *err)
{
	struct cwsim_html *c = calloc(1, sizeof(*c));

	if (!c) {
		goto oom;
	}
	c->dir = h->dir;
	c->m = m;
	c->nr_cpus = cw_system_nr_cpus(cw_sim_machine_system(m));
	c->bin_ns = duration_ns / CWSIM_HTML_BINS + (duration_ns % CWSIM_HTML_BINS != 0);
	if (c->bin_ns == 0) {
		c->bin_ns = 1;
	}
	c->cpus = calloc(c->nr_cpus ? c->nr_cpus : 1, sizeof(*c->cpus));
	c->wake_bins = calloc((size_t)(c->nr_cpus ? c->nr_cpus : 1) * CWSIM_HTML_BINS,
			      sizeof(*c->wake_bins));
	if (!c->cpus || !c->wake_bins) {
		goto oom;
	}
	return c;
oom:
	cwsim_html_free(c);
	fprintf(err, "cwsim: --report: out of memory\n");
	return NULL;
}

void cwsim_html_free(struct cwsim_html *c)
{
	if (!c) {
		return;
	}
	free(c->cpus);
	free(c->wake_bins);
	free(c->lines);
	free(c->due);
	free(c);
}

static unsigned bin_of(const struct cwsim_html *c, uint64_t now)
{
	uint64_t b = now / c->bin_ns;

	return b < CWSIM_HTML_BINS ? (unsigned)b : CWSIM_HTML_BINS - 1;
}

/*
 * Name the series of line @l->irq as seen on @cpu: the line's one clock
 * event device; on a line shared by per-CPU devices (each CPU's local
 * timer), the device of @cpu, and the series is that CPU's only
 * (@l->cpu); a line with no clock event device is "irqN".
 */
static void name_line(const struct cwsim_html *c, struct html_line *l, unsigned cpu)
{
	size_t nr = cw_sim_machine_nr_timers(c->m);
	const char *first = NULL, *mine = NULL;
	unsigned count = 0;

	for (size_t i = 0; i < nr; i++) {
		struct cw_sim_hw_timer *hw = cw_sim_machine_timer_at(c->m, i);

		for (unsigned d = 0; d < cw_sim_hw_timer_nr_devices(hw); d++) {
			struct cw_clock_event_device *dev = cw_sim_hw_timer_device(hw, d);

			if (!dev || dev->irq < 0 || (unsigned)dev->irq != l->irq) {
				continue;
			}
			count++;
			first = first ? first : dev->name;
			if (dev->cpu >= 0 && (unsigned)dev->cpu == cpu) {
				mine = dev->name;
			}
		}
	}
	l->cpu = -1;
	if (count == 0) {
		snprintf(l->name, sizeof(l->name), "irq%u", l->irq);
	} else if (count == 1) {
		snprintf(l->name, sizeof(l->name), "irq%u:%s", l->irq, first);
	} else {
		l->cpu = (int)cpu;
		if (mine) {
			snprintf(l->name, sizeof(l->name), "irq%u:%s", l->irq, mine);
		} else {
			snprintf(l->name, sizeof(l->name), "irq%u:cpu%u", l->irq, cpu);
		}
	}
	/* Column headers are words: no blanks. */
	for (char *p = l->name; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '"') {
			*p = '_';
		}
	}
}

static struct html_line *line_of(struct cwsim_html *c, unsigned irq, unsigned cpu)
{
	struct html_line *l;

	for (size_t i = 0; i < c->nr_lines; i++) {
		if (c->lines[i].irq == irq &&
		    (c->lines[i].cpu < 0 || (unsigned)c->lines[i].cpu == cpu)) {
			return &c->lines[i];
		}
	}
	l = realloc(c->lines, (c->nr_lines + 1) * sizeof(*l));
	if (!l) {
		c->oom = true;
		return NULL;
	}
	c->lines = l;
	l = &c->lines[c->nr_lines++];
	memset(l, 0, sizeof(*l));
	l->irq = irq;
	name_line(c, l, cpu);
	return l;
}

void cwsim_html_hw_event(struct cwsim_html *c, uint64_t now, const struct cw_sim_trace_rec *rec)
{
	struct html_cpu *cpu;
	struct html_line *l;

	if (!c || rec->cpu >= c->nr_cpus) {
		return;
	}
	cpu = &c->cpus[rec->cpu];
	switch (rec->type) {
	case CW_SIM_TRACE_IRQ_ENTRY:
		l = line_of(c, rec->irq, rec->cpu);
		if (l) {
			l->total++;
			l->bins[bin_of(c, now)]++;
		}
		break;
	case CW_SIM_TRACE_IPI_ENTRY:
		c->ipi_total++;
		c->ipi_bins[bin_of(c, now)]++;
		break;
	case CW_SIM_TRACE_IDLE_ENTER:
		if (rec->state < CWSIM_HTML_STATES) {
			if (rec->state >= c->nr_states) {
				c->nr_states = rec->state + 1;
			}
			if (!c->state_names[rec->state][0]) {
				snprintf(c->state_names[rec->state], sizeof(c->state_names[0]),
					 "%s", rec->state_name ? rec->state_name : "idle");
			}
		}
		cpu->idle = true;
		cpu->state = rec->state < CWSIM_HTML_STATES ? rec->state : CWSIM_HTML_STATES - 1;
		cpu->since_ns = now;
		break;
	case CW_SIM_TRACE_IDLE_EXIT:
		if (cpu->idle) {
			cpu->resid_ns[cpu->state] += now - cpu->since_ns;
			cpu->idle = false;
		}
		cpu->wakeups++;
		c->wake_bins[(size_t)rec->cpu * CWSIM_HTML_BINS + bin_of(c, now)]++;
		break;
	default:
		break;
	}
}

static size_t due_slot(const struct html_due *tab, size_t size, const void *timer)
{
	size_t i = (size_t)(((uintptr_t)timer >> 4) * 0x9e3779b97f4a7c15ull) & (size - 1);

	while (tab[i].timer && tab[i].timer != timer) {
		i = (i + 1) & (size - 1);
	}
	return i;
}

/* Remember when @timer is due (a timer object keeps its slot: timers are reused). */
static void due_set(struct cwsim_html *c, const void *timer, int64_t due)
{
	size_t i;

	if (2 * (c->due_used + 1) > c->due_size) {
		size_t size = c->due_size ? 2 * c->due_size : 256;
		struct html_due *tab = calloc(size, sizeof(*tab));

		if (!tab) {
			c->oom = true;
			return;
		}
		for (size_t j = 0; j < c->due_size; j++) {
			if (c->due[j].timer) {
				tab[due_slot(tab, size, c->due[j].timer)] = c->due[j];
			}
		}
		free(c->due);
		c->due = tab;
		c->due_size = size;
	}
	i = due_slot(c->due, c->due_size, timer);
	if (!c->due[i].timer) {
		c->due[i].timer = timer;
		c->due_used++;
	}
	c->due[i].due_ns = due;
}

/* 0 for @late <= 0, else k with 2^(k-1) <= late < 2^k, capped at @nr - 1. */
static unsigned bucket(int64_t late, unsigned nr)
{
	unsigned k;

	if (late <= 0) {
		return 0;
	}
	k = 64u - (unsigned)__builtin_clzll((unsigned long long)late);
	return k < nr ? k : nr - 1;
}

void cwsim_html_check_event(struct cwsim_html *c, const struct cw_check_event *ev)
{
	int64_t late;

	if (!c) {
		return;
	}
	if (ev->type == CW_CHECK_EV_HRTIMER_START && ev->clock_id == CW_CLOCK_MONOTONIC) {
		/* Armed in the past: due at once, as the checker judges it. */
		due_set(c, ev->timer, ev->expires > ev->now ? ev->expires : ev->now);
	} else if (ev->type == CW_CHECK_EV_HRTIMER_EXPIRE) {
		int64_t due = ev->expires;
		size_t i;

		/* now is MONOTONIC; other bases' expiries are in their own clock. */
		if (ev->clock_id != CW_CLOCK_MONOTONIC) {
			c->hr_other_clock++;
			return;
		}
		if (c->due_size) {
			i = due_slot(c->due, c->due_size, ev->timer);
			if (c->due[i].timer && c->due[i].due_ns > due) {
				due = c->due[i].due_ns;
			}
		}
		late = ev->now - due;
		c->hr[bucket(late, CWSIM_HTML_HR_BUCKETS)]++;
		if (c->hr_samples++ == 0 || late > c->hr_max_ns) {
			c->hr_max_ns = late;
		}
	} else if (ev->type == CW_CHECK_EV_TIMER_EXPIRE) {
		late = ev->now - ev->expires;
		c->wheel[bucket(late, CWSIM_HTML_WHEEL_BUCKETS)]++;
		if (c->wheel_samples++ == 0 || late > c->wheel_max_jiffies) {
			c->wheel_max_jiffies = late;
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Writing */

struct out_file {
	FILE *f;
	char path[CWSIM_HTML_PATH_MAX];
};

static int open_out(struct out_file *o, const char *dir, const char *name, FILE *err)
{
	if (join(o->path, sizeof(o->path), dir, name, err)) {
		return -1;
	}
	o->f = fopen(o->path, "w");
	if (!o->f) {
		fprintf(err, "cwsim: --report: cannot create '%s': %s\n", o->path, strerror(errno));
		return -1;
	}
	return 0;
}

static int close_out(struct out_file *o, FILE *err)
{
	bool bad = ferror(o->f) != 0;

	bad |= fclose(o->f) != 0;
	o->f = NULL;
	if (bad) {
		fprintf(err, "cwsim: --report: cannot write '%s'\n", o->path);
		return -1;
	}
	return 0;
}

static unsigned nr_bins(const struct cwsim_html *c, uint64_t end_ns)
{
	uint64_t n = end_ns / c->bin_ns + (end_ns % c->bin_ns != 0);

	return n == 0 ? 1 : n > CWSIM_HTML_BINS ? CWSIM_HTML_BINS : (unsigned)n;
}

/* Per second, for a count in bin @b of a run ending at @end_ns. */
static double rate(const struct cwsim_html *c, uint32_t count, unsigned b, uint64_t end_ns)
{
	uint64_t from = (uint64_t)b * c->bin_ns, to = from + c->bin_ns;

	if (b == CWSIM_HTML_BINS - 1 || to > end_ns) {
		to = end_ns > from ? end_ns : from + 1;
	}
	return (double)count * 1e9 / (double)(to - from);
}

/* A time series: time_s, then one column per series (count arrays @stride apart). */
static void write_series(FILE *f, const struct cwsim_html *c, unsigned nb, uint64_t end_ns,
			 size_t nr, const uint32_t *(*get)(const struct cwsim_html *, size_t))
{
	for (unsigned b = 0; b <= nb; b++) {
		unsigned src = b < nb ? b : nb - 1; /* a last row at the end for steps */
		uint64_t t = b < nb ? (uint64_t)b * c->bin_ns : end_ns;

		fprintf(f, "%.9f", (double)t / 1e9);
		for (size_t i = 0; i < nr; i++) {
			fprintf(f, " %.3f", rate(c, get(c, i)[src], src, end_ns));
		}
		fputc('\n', f);
	}
}

static const uint32_t *cpu_bins(const struct cwsim_html *c, size_t i)
{
	return &c->wake_bins[i * CWSIM_HTML_BINS];
}

static const uint32_t *irq_bins(const struct cwsim_html *c, size_t i)
{
	return i < c->nr_lines ? c->lines[i].bins : c->ipi_bins;
}

static int write_wakeups(const struct cwsim_html *c, uint64_t end_ns, FILE *err)
{
	unsigned nb = nr_bins(c, end_ns);
	struct out_file o;

	if (open_out(&o, c->dir, "wakeups.dat", err)) {
		return -1;
	}
	if (c->nr_cpus <= CWSIM_HTML_LINES_MAX) {
		fputs("time_s", o.f);
		for (unsigned i = 0; i < c->nr_cpus; i++) {
			fprintf(o.f, " cpu%u", i);
		}
		fputc('\n', o.f);
		write_series(o.f, c, nb, end_ns, c->nr_cpus, cpu_bins);
	} else {
		/* A matrix for the heat map: one row per CPU, one column per bin. */
		for (unsigned i = 0; i < c->nr_cpus; i++) {
			for (unsigned b = 0; b < nb; b++) {
				fprintf(o.f, "%s%.3f", b ? " " : "",
					rate(c, cpu_bins(c, i)[b], b, end_ns));
			}
			fputc('\n', o.f);
		}
	}
	return close_out(&o, err);
}

static int write_irqs(const struct cwsim_html *c, uint64_t end_ns, FILE *err)
{
	struct out_file o;

	if (open_out(&o, c->dir, "irq-rate.dat", err)) {
		return -1;
	}
	fputs("time_s", o.f);
	for (size_t i = 0; i < c->nr_lines; i++) {
		fprintf(o.f, " %s", c->lines[i].name);
	}
	fputs(" ipi\n", o.f);
	write_series(o.f, c, nr_bins(c, end_ns), end_ns, c->nr_lines + 1, irq_bins);
	if (close_out(&o, err)) {
		return -1;
	}
	if (open_out(&o, c->dir, "irq-totals.dat", err)) {
		return -1;
	}
	fputs("line interrupts\n", o.f);
	for (size_t i = 0; i < c->nr_lines; i++) {
		fprintf(o.f, "%s %llu\n", c->lines[i].name, (unsigned long long)c->lines[i].total);
	}
	fprintf(o.f, "ipi %llu\n", (unsigned long long)c->ipi_total);
	return close_out(&o, err);
}

/* Awake time of @cpu: the run minus its idle residency. */
static uint64_t awake_ns(const struct cwsim_html *c, const struct html_cpu *cpu, uint64_t end_ns)
{
	uint64_t idle = 0;

	for (unsigned s = 0; s < c->nr_states; s++) {
		idle += cpu->resid_ns[s];
	}
	return end_ns > idle ? end_ns - idle : 0;
}

static void state_word(const struct cwsim_html *c, unsigned s, char *buf, size_t len)
{
	snprintf(buf, len, "%s", c->state_names[s][0] ? c->state_names[s] : "state");
	for (char *p = buf; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '"') {
			*p = '_';
		}
	}
	if (!c->state_names[s][0]) {
		snprintf(buf, len, "state%u", s);
	}
}

static int write_residency(const struct cwsim_html *c, uint64_t end_ns, FILE *err)
{
	double whole = end_ns ? (double)end_ns : 1.0;
	struct out_file o;
	char word[40];

	if (open_out(&o, c->dir, "residency.dat", err)) {
		return -1;
	}
	fputs("cpu awake", o.f);
	for (unsigned s = 0; s < c->nr_states; s++) {
		state_word(c, s, word, sizeof(word));
		fprintf(o.f, " %s", word);
	}
	fputs(" wakeups\n", o.f);
	for (unsigned i = 0; i < c->nr_cpus; i++) {
		const struct html_cpu *cpu = &c->cpus[i];

		fprintf(o.f, "cpu%u %.4f", i, 100.0 * (double)awake_ns(c, cpu, end_ns) / whole);
		for (unsigned s = 0; s < c->nr_states; s++) {
			fprintf(o.f, " %.4f", 100.0 * (double)cpu->resid_ns[s] / whole);
		}
		fprintf(o.f, " %llu\n", (unsigned long long)cpu->wakeups);
	}
	return close_out(&o, err);
}

/* A bucket's lower bound as text: ns with a unit, or jiffies. */
static void bucket_label(unsigned k, bool ns, char *buf, size_t len)
{
	uint64_t lo = k ? 1ull << (k - 1) : 0;

	if (k == 0) {
		snprintf(buf, len, "%s", ns ? "on_time" : "0");
	} else if (!ns) {
		snprintf(buf, len, "%llu", (unsigned long long)lo);
	} else if (lo < 1000) {
		snprintf(buf, len, "%lluns", (unsigned long long)lo);
	} else if (lo < 1000000) {
		snprintf(buf, len, "%.3gus", (double)lo / 1e3);
	} else if (lo < 1000000000) {
		snprintf(buf, len, "%.3gms", (double)lo / 1e6);
	} else {
		snprintf(buf, len, "%.3gs", (double)lo / 1e9);
	}
}

/* Buckets 0 .. the last non-empty one (at least 1 row). */
static int write_hist(const struct cwsim_html *c, const char *name, const uint64_t *h, unsigned nr,
		      bool ns, FILE *err)
{
	unsigned last = 0;
	struct out_file o;
	char label[32];

	for (unsigned k = 0; k < nr; k++) {
		if (h[k]) {
			last = k;
		}
	}
	if (open_out(&o, c->dir, name, err)) {
		return -1;
	}
	fputs("bucket from count\n", o.f);
	for (unsigned k = 0; k <= last; k++) {
		bucket_label(k, ns, label, sizeof(label));
		fprintf(o.f, "%u %s %llu\n", k, label, (unsigned long long)h[k]);
	}
	return close_out(&o, err);
}

/* The plots, in page order: file stem, title. */
static const struct {
	const char *stem;
	const char *title;
} plots[] = {
	{ "wakeups", "Wakeups per CPU over time" },  { "residency", "C-state residency per CPU" },
	{ "hrtimer-lateness", "hrtimer lateness" },  { "wheel-lateness", "Timer wheel lateness" },
	{ "irq-rate", "Interrupt rate per device" },
};

#define NR_PLOTS (sizeof(plots) / sizeof(plots[0]))

static void gp_empty(FILE *f, const char *what)
{
	fprintf(f,
		"set label 1 '%s' at graph 0.5, graph 0.5 center\n"
		"unset xtics\nunset ytics\n"
		"plot [0:1][0:1] -1 notitle\n"
		"unset label 1\nset xtics\nset ytics\n",
		what);
}

static int write_script(const struct cwsim_html *c, uint64_t end_ns, FILE *err)
{
	unsigned nb = nr_bins(c, end_ns);
	double bin_s = (double)c->bin_ns / 1e9;
	struct out_file o;
	FILE *f;

	if (open_out(&o, c->dir, "plots.gp", err)) {
		return -1;
	}
	f = o.f;
	fprintf(f, "# cwsim --report: redraw with `gnuplot plots.gp` in this directory.\n"
		   "set terminal svg size 960,420 dynamic font 'sans,12' background rgb 'white'\n"
		   "set termoption noenhanced\n"
		   "set grid\n"
		   "set key outside right top\n");

	fprintf(f,
		"\nset output 'wakeups.svg'\n"
		"set title 'Wakeups per CPU (idle exits per second, %.3g ms bins)'\n"
		"set xlabel 'simulated time (s)'\n",
		bin_s * 1e3);
	if (c->nr_cpus <= CWSIM_HTML_LINES_MAX) {
		fprintf(f,
			"set ylabel 'wakeups/s'\nset yrange [0:*]\n"
			"plot for [i=2:%u] 'wakeups.dat' using 1:i with steps lw 1.5 "
			"title columnheader(i)\n",
			c->nr_cpus + 1);
	} else {
		fprintf(f,
			"set ylabel 'CPU'\nset cblabel 'wakeups/s'\n"
			"plot 'wakeups.dat' matrix using ($1*%.9f):2:3 with image notitle\n"
			"unset cblabel\n",
			bin_s);
	}

	fprintf(f, "\nset output 'residency.svg'\n"
		   "set title 'C-state residency per CPU (%% of the run)'\n"
		   "set xlabel 'CPU'\nset ylabel '%%'\nset yrange [0:100]\n"
		   "set style data histograms\nset style histogram rowstacked\n"
		   "set style fill solid 0.8 border -1\nset boxwidth 0.8\n");
	if (c->nr_cpus > 32) {
		fprintf(f, "set xtics rotate by -90 font ',7'\n");
	}
	fprintf(f,
		"plot for [i=2:%u] 'residency.dat' using i:xtic(1) title columnheader(i)\n"
		"set autoscale y\nset style data lines\nset xtics norotate font ''\n",
		c->nr_states + 2);

	fprintf(f,
		"\nset output 'hrtimer-lateness.svg'\n"
		"set title 'hrtimer lateness (MONOTONIC bases: expiry run - hard expiry; "
		"%llu expiries)'\n"
		"set xlabel 'late by at least'\nset ylabel 'expiries'\n"
		"set style fill solid 0.6 border -1\nset boxwidth 0.8\nset logscale y\n"
		"set xtics rotate by -45\n",
		(unsigned long long)c->hr_samples);
	if (c->hr_samples) {
		fprintf(f, "plot 'hrtimer-lateness.dat' using 1:3:xtic(2) with boxes notitle\n");
	} else {
		fprintf(f, "unset logscale y\n");
		gp_empty(f, "no hrtimer expiries (none, or the checker is off)");
	}
	fprintf(f,
		"\nset output 'wheel-lateness.svg'\n"
		"set title 'Timer wheel lateness (expiry run - expiry; %llu expiries)'\n"
		"set xlabel 'late by at least (jiffies)'\n",
		(unsigned long long)c->wheel_samples);
	if (c->wheel_samples) {
		fprintf(f, "plot 'wheel-lateness.dat' using 1:3:xtic(2) with boxes notitle\n");
	} else {
		fprintf(f, "unset logscale y\n");
		gp_empty(f, "no wheel timer expiries (none, or the checker is off)");
	}
	fprintf(f, "unset logscale y\nset xtics norotate\n");

	fprintf(f,
		"\nset output 'irq-rate.svg'\n"
		"set title 'Interrupts per second per device (%.3g ms bins)'\n"
		"set xlabel 'simulated time (s)'\nset ylabel 'interrupts/s'\nset yrange [0:*]\n"
		"plot for [i=2:%zu] 'irq-rate.dat' using 1:i with steps lw 1.5 "
		"title columnheader(i)\n",
		bin_s * 1e3, c->nr_lines + 2);
	(void)nb;
	return close_out(&o, err);
}

bool cwsim_gnuplot_found(void)
{
	return on_path("gnuplot");
}

/* gnuplot plots.gp in @dir, its output to gnuplot.log. */
static int run_gnuplot(const char *dir, FILE *err)
{
	return cwsim_gnuplot_run(dir, "plots.gp", err);
}

int cwsim_gnuplot_run(const char *dir, const char *script, FILE *err)
{
	char log[CWSIM_HTML_PATH_MAX];
	int status;
	pid_t pid;

	if (join(log, sizeof(log), dir, "gnuplot.log", err)) {
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(err, "cwsim: cannot start gnuplot: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);

		if (fd < 0 || chdir(dir) != 0) {
			_exit(126);
		}
		dup2(fd, 1);
		dup2(fd, 2);
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(err, "cwsim: lost gnuplot: %s\n", strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(err, "cwsim: gnuplot failed (%s %d); its messages are in '%s'\n",
			WIFEXITED(status) ? "exit status" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), log);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The page */

static void html_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/*
 * A link to @path, relative to the report's directory @dir (so the
 * directory and what it links can move together): "trace.json",
 * "../run.json". As given when either cannot be resolved.
 */
static void html_href(FILE *f, const char *dir, const char *path)
{
	char abs_dir[PATH_MAX], abs[PATH_MAX], rel[2 * PATH_MAX] = "";
	size_t common = 0;

	if (realpath(dir, abs_dir) && realpath(path, abs)) {
		/* The longest common prefix that ends at a '/' of both. */
		for (size_t i = 0; abs_dir[i] && abs_dir[i] == abs[i]; i++) {
			if (abs[i + 1] == '/' && (abs_dir[i + 1] == '/' || !abs_dir[i + 1])) {
				common = i + 1;
			}
		}
		/* One "../" per component of abs_dir below the common prefix. */
		for (const char *p = abs_dir + common; *p; p++) {
			if (*p == '/') {
				strcat(rel, "../");
			}
		}
		if (strlen(rel) + strlen(abs + common + 1) < sizeof(rel)) {
			strcat(rel, abs + common + 1);
			path = rel;
		}
	}
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._-~", *p)) {
			fputc(*p, f);
		} else {
			fprintf(f, "%%%02X", *p);
		}
	}
}

/* Checks the page itself once loaded: every plot decoded, no error event. */
static const char page_check[] =
	"<script>\n"
	"var cwErrors = [];\n"
	"window.addEventListener('error', function (e) {\n"
	"  cwErrors.push(e.message || ('cannot load ' + (e.target && (e.target.src || "
	"e.target.href))));\n"
	"}, true);\n"
	"window.addEventListener('load', function () {\n"
	"  var figs = document.querySelectorAll('figure.plot'), bad = [];\n"
	"  figs.forEach(function (f) {\n"
	"    var img = f.querySelector('img');\n"
	"    var ok = !!img && img.complete && img.naturalWidth > 0;\n"
	"    f.setAttribute('data-loaded', ok ? 'yes' : 'no');\n"
	"    if (!ok) bad.push(f.id);\n"
	"  });\n"
	"  var ok = bad.length === 0 && cwErrors.length === 0;\n"
	"  document.body.setAttribute('data-status', ok ? 'ok' : 'failed');\n"
	"  document.body.setAttribute('data-plots-loaded', String(figs.length - bad.length));\n"
	"  document.getElementById('status').textContent = ok\n"
	"    ? 'All ' + figs.length + ' plots loaded.'\n"
	"    : 'Not shown: ' + (bad.join(', ') || 'none') +\n"
	"      (cwErrors.length ? '; errors: ' + cwErrors.join('; ') : '');\n"
	"});\n"
	"</script>\n";

static void html_summary(FILE *f, const struct cwsim_html *c, const struct cwsim_html_run *run)
{
	fputs("<table class=\"run\">\n<tr><th>machine</th><td>", f);
	html_text(f, run->machine);
	fputs("</td></tr>\n<tr><th>workload</th><td>", f);
	html_text(f, run->workload ? run->workload : "none");
	fprintf(f,
		"</td></tr>\n<tr><th>seed</th><td>%llu</td></tr>\n"
		"<tr><th>CPUs</th><td>%u</td></tr>\n<tr><th>HZ</th><td>%u</td></tr>\n"
		"<tr><th>simulated</th><td>%llu.%09llu s%s</td></tr>\n"
		"<tr><th>engine events</th><td>%llu</td></tr>\n",
		(unsigned long long)run->seed, c->nr_cpus, run->hz,
		(unsigned long long)(run->end_ns / 1000000000u),
		(unsigned long long)(run->end_ns % 1000000000u),
		run->interrupted ? " (interrupted)" : "", (unsigned long long)run->events);
	fputs("<tr><th>JSON report</th><td><a id=\"json\" href=\"", f);
	html_href(f, c->dir, run->json_path);
	fputs("\">", f);
	html_text(f, run->json_path);
	fputs("</a></td></tr>\n<tr><th>trace</th><td><a id=\"trace\" href=\"", f);
	html_href(f, c->dir, run->trace_path);
	fputs("\">", f);
	html_text(f, run->trace_path);
	fputs("</a> (open it in <a href=\"https://ui.perfetto.dev\">ui.perfetto.dev</a> or "
	      "chrome://tracing)</td></tr>\n</table>\n",
	      f);
}

static void html_tables(FILE *f, const struct cwsim_html *c, uint64_t end_ns)
{
	char word[40];

	fputs("<h2>Per CPU</h2>\n<table class=\"data\" id=\"cpus\">\n<tr><th>CPU</th>"
	      "<th>wakeups</th><th>awake %</th>",
	      f);
	for (unsigned s = 0; s < c->nr_states; s++) {
		state_word(c, s, word, sizeof(word));
		fputs("<th>", f);
		html_text(f, word);
		fputs(" %</th>", f);
	}
	fputs("</tr>\n", f);
	for (unsigned i = 0; i < c->nr_cpus; i++) {
		const struct html_cpu *cpu = &c->cpus[i];

		fprintf(f, "<tr><td>%u</td><td>%llu</td><td>%.2f</td>", i,
			(unsigned long long)cpu->wakeups,
			end_ns ? 100.0 * (double)awake_ns(c, cpu, end_ns) / (double)end_ns : 0.0);
		for (unsigned s = 0; s < c->nr_states; s++) {
			fprintf(f, "<td>%.2f</td>",
				end_ns ? 100.0 * (double)cpu->resid_ns[s] / (double)end_ns : 0.0);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<h2>Interrupts</h2>\n<table class=\"data\" id=\"irqs\">\n"
	      "<tr><th>line (devices)</th><th>interrupts</th></tr>\n",
	      f);
	for (size_t i = 0; i < c->nr_lines; i++) {
		fputs("<tr><td>", f);
		html_text(f, c->lines[i].name);
		fprintf(f, "</td><td>%llu</td></tr>\n", (unsigned long long)c->lines[i].total);
	}
	fprintf(f, "<tr><td>IPIs</td><td>%llu</td></tr>\n</table>\n",
		(unsigned long long)c->ipi_total);
	fprintf(f,
		"<h2>Timer lateness</h2>\n<p id=\"lateness\">hrtimers on MONOTONIC bases: %llu "
		"expiries, latest %lld ns after the hard expiry; %llu expiries on other bases "
		"not measured. Wheel: %llu expiries, latest %lld jiffies after expiry.</p>\n",
		(unsigned long long)c->hr_samples, (long long)c->hr_max_ns,
		(unsigned long long)c->hr_other_clock, (unsigned long long)c->wheel_samples,
		(long long)c->wheel_max_jiffies);
}

static int write_page(const struct cwsim_html *c, const struct cwsim_html_run *run, FILE *err)
{
	struct out_file o;
	FILE *f;

	if (open_out(&o, c->dir, "index.html", err)) {
		return -1;
	}
	f = o.f;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>cwsim "
	      "report: ",
	      f);
	html_text(f, run->machine);
	fputs("</title>\n<style>\n"
	      "body { font-family: sans-serif; margin: 1em 2em; max-width: 1000px; }\n"
	      "table.run th { text-align: left; padding-right: 1em; }\n"
	      "table.data { border-collapse: collapse; }\n"
	      "table.data td, table.data th { border: 1px solid #ccc; padding: 2px 6px; "
	      "text-align: right; }\n"
	      "figure.plot img { max-width: 100%; border: 1px solid #ddd; }\n"
	      "#status { color: #555; }\n"
	      "</style>\n",
	      f);
	fputs(page_check, f);
	fputs("</head>\n<body data-status=\"loading\">\n<h1>cwsim report: ", f);
	html_text(f, run->machine);
	fputs("</h1>\n<p id=\"status\">Loading the plots...</p>\n", f);
	html_summary(f, c, run);
	fputs("<h2>Plots</h2>\n", f);
	for (size_t i = 0; i < NR_PLOTS; i++) {
		fprintf(f,
			"<figure class=\"plot\" id=\"%s\">\n<img src=\"%s.svg\" alt=\"%s\">\n"
			"<figcaption>%s (data: <a href=\"%s.dat\">%s.dat</a>)</figcaption>\n"
			"</figure>\n",
			plots[i].stem, plots[i].stem, plots[i].title, plots[i].title, plots[i].stem,
			plots[i].stem);
	}
	html_tables(f, c, run->end_ns);
	fputs("<p>Redraw the plots: <code>gnuplot plots.gp</code> in this directory.</p>\n"
	      "</body>\n</html>\n",
	      f);
	return close_out(&o, err);
}

static int cmp_line(const void *a, const void *b)
{
	const struct html_line *x = a, *y = b;

	if (x->irq != y->irq) {
		return x->irq < y->irq ? -1 : 1;
	}
	return (x->cpu > y->cpu) - (x->cpu < y->cpu);
}

int cwsim_html_finish(struct cwsim_html *c, const struct cwsim_html_run *run, FILE *out, FILE *err)
{
	int bad = 0;

	if (!c) {
		return 0;
	}
	if (c->oom) {
		fprintf(err, "cwsim: --report: out of memory\n");
		cwsim_html_free(c);
		return -1;
	}
	for (unsigned i = 0; i < c->nr_cpus; i++) {
		struct html_cpu *cpu = &c->cpus[i];

		if (cpu->idle && run->end_ns > cpu->since_ns) {
			cpu->resid_ns[cpu->state] += run->end_ns - cpu->since_ns;
			cpu->since_ns = run->end_ns;
		}
	}
	if (c->nr_lines) {
		qsort(c->lines, c->nr_lines, sizeof(c->lines[0]), cmp_line);
	}
	bad = write_wakeups(c, run->end_ns, err);
	bad = bad ? bad : write_residency(c, run->end_ns, err);
	bad = bad ? bad
		  : write_hist(c, "hrtimer-lateness.dat", c->hr, CWSIM_HTML_HR_BUCKETS, true, err);
	bad = bad ? bad
		  : write_hist(c, "wheel-lateness.dat", c->wheel, CWSIM_HTML_WHEEL_BUCKETS, false,
			       err);
	bad = bad ? bad : write_irqs(c, run->end_ns, err);
	bad = bad ? bad : write_script(c, run->end_ns, err);
	bad = bad ? bad : run_gnuplot(c->dir, err);
	bad = bad ? bad : write_page(c, run, err);
	if (!bad) {
		char page[CWSIM_HTML_PATH_MAX];

		join(page, sizeof(page), c->dir, "index.html", err);
		fprintf(out, "report: %s (%zu plots)\n", page, NR_PLOTS);
	}
	cwsim_html_free(c);
	return bad;
}
