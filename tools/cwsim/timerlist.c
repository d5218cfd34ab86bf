/* SPDX-License-Identifier: MIT */
/*
 * cwsim --dump-timers-at (timerlist.h): the tool's own list of armed
 * timers, fed by the checker's observer, for the JSON report and the step
 * protocol; the printed /proc/timer_list-like dump is the library's
 * (cw_timer_list_format(), include/clockwork/timer_list.h), given the
 * virtual time, the executable's symbols and the tool's timer numbers.
 *
 * The armed set is an open-addressing table keyed by the timer's address
 * (a timer is armed, re-armed, cancelled or expired by address); a dump
 * sorts the armed entries by CPU, base and expiry. Dumps are kept as text
 * for the report: one JSON object per dump, written at the end.
 */
#include "timerlist.h"
#include "jsonw.h"
#include "report.h"
#include "symbols.h"

#include <clockwork/check.h>
#include <clockwork/clockwork.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/tick.h>
#include <clockwork/timer_list.h>

#include <stdlib.h>
#include <string.h>

/** One timer the list follows. */
struct tl_timer {
	const void *timer;
	uintptr_t function;
	bool hr;
	bool armed;
	int clock_id;
	int cpu;
	unsigned flags;
	int64_t expires;
	int64_t softexpires;
	int64_t armed_at;
	/** Order of first arming (a stable name: "hrtimer 3"). */
	uint64_t id;
};

/** A dump kept for the JSON report. */
struct tl_dump {
	uint64_t at_ns;
	struct tl_timer *timers;
	size_t nr;
};

struct cwsim_timerlist {
	struct cw_sim_machine *m;
	struct cw_system *sys;
	const struct cwsim_symbols *syms;
	struct tl_timer *tab;
	size_t cap, used;
	/** Numbers given so far: hrtimers and wheel timers each from 1 (as the trace's). */
	uint64_t next_id[2];
	struct tl_dump dumps[CWSIM_MAX_DUMPS];
	unsigned nr_dumps;
};

static size_t slot(const struct cwsim_timerlist *tl, const void *key)
{
	return (size_t)(((uintptr_t)key >> 4) * 0x9e3779b97f4a7c15ull >> 20) & (tl->cap - 1);
}

static struct tl_timer *lookup(struct cwsim_timerlist *tl, const void *key, bool create, bool hr)
{
	size_t i;

	if (create && (tl->used + 1) * 2 > tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 256, old_cap = tl->cap;
		struct tl_timer *old = tl->tab, *tab = calloc(cap, sizeof(*tab));

		if (!tab) {
			return NULL;
		}
		tl->tab = tab;
		tl->cap = cap;
		for (size_t j = 0; j < old_cap; j++) {
			if (old[j].timer) {
				for (i = slot(tl, old[j].timer); tab[i].timer;
				     i = (i + 1) & (cap - 1)) {
				}
				tab[i] = old[j];
			}
		}
		free(old);
	}
	if (tl->cap == 0) {
		return NULL;
	}
	for (i = slot(tl, key); tl->tab[i].timer; i = (i + 1) & (tl->cap - 1)) {
		if (tl->tab[i].timer == key) {
			return &tl->tab[i];
		}
	}
	if (!create) {
		return NULL;
	}
	tl->tab[i].timer = key;
	tl->tab[i].id = ++tl->next_id[hr];
	tl->used++;
	return &tl->tab[i];
}

struct cwsim_timerlist *cwsim_timerlist_create(struct cw_sim_machine *m,
					       const struct cwsim_symbols *syms)
{
	struct cwsim_timerlist *tl = calloc(1, sizeof(*tl));

	if (tl) {
		tl->m = m;
		tl->sys = cw_sim_machine_system(m);
		tl->syms = syms;
	}
	return tl;
}

void cwsim_timerlist_check_event(struct cwsim_timerlist *tl, const struct cw_check_event *ev)
{
	bool start = ev->type == CW_CHECK_EV_HRTIMER_START || ev->type == CW_CHECK_EV_TIMER_START;
	bool hr = ev->type <= CW_CHECK_EV_HRTIMER_EXPIRE;
	struct tl_timer *t = lookup(tl, ev->timer, start, hr);

	if (!t) {
		return;
	}
	if (!start) {
		t->armed = false;
		return;
	}
	t->hr = hr;
	t->armed = true;
	t->function = ev->function;
	t->clock_id = ev->clock_id;
	/* The wheel event names no base: the CPU that armed it (Linux's timer_start neither). */
	t->cpu = t->hr ? ev->cpu : (int)cw_sim_current_cpu(cw_sim_system_engine(tl->sys));
	t->flags = ev->flags;
	t->expires = ev->expires;
	t->softexpires = ev->softexpires;
	t->armed_at = ev->now;
}

/* Order of a dump: CPU, hrtimers before wheel timers, base clock, expiry, id. */
static int by_place(const void *a, const void *b)
{
	const struct tl_timer *x = a, *y = b;

	if (x->cpu != y->cpu) {
		return x->cpu < y->cpu ? -1 : 1;
	}
	if (x->hr != y->hr) {
		return x->hr ? -1 : 1;
	}
	if (x->clock_id != y->clock_id) {
		return x->clock_id < y->clock_id ? -1 : 1;
	}
	if (x->expires != y->expires) {
		return x->expires < y->expires ? -1 : 1;
	}
	return x->id < y->id ? -1 : x->id > y->id;
}

/* A copy of the armed timers of the tool's table in dump order (*@n of them), or NULL. */
static struct tl_timer *armed_sorted(const struct cwsim_timerlist *tl, size_t *n)
{
	struct tl_timer *list;
	size_t k = 0;

	*n = 0;
	for (size_t i = 0; i < tl->cap; i++) {
		*n += tl->tab[i].timer && tl->tab[i].armed;
	}
	list = calloc(*n ? *n : 1, sizeof(*list));
	if (!list) {
		return NULL;
	}
	for (size_t i = 0; i < tl->cap; i++) {
		if (tl->tab[i].timer && tl->tab[i].armed) {
			list[k++] = tl->tab[i];
		}
	}
	qsort(list, *n, sizeof(*list), by_place);
	return list;
}

static const char *fn_name(const struct cwsim_timerlist *tl, uintptr_t fn, char *buf, size_t len)
{
	const char *sym = cwsim_symbols_name(tl->syms, fn);

	if (sym) {
		return sym;
	}
	snprintf(buf, len, "<0x%llx>", (unsigned long long)fn);
	return buf;
}

/* The library's dump names callbacks with the executable's symbols. */
static const char *tl_symbolize(void *arg, uintptr_t fn, char *buf, size_t len)
{
	struct cwsim_timerlist *tl = arg;

	(void)buf;
	(void)len;
	return cwsim_symbols_name(tl->syms, fn);
}

/* And numbers timers as the trace does (first arming order per kind). */
static uint64_t tl_timer_id(void *arg, const void *timer, bool hrtimer)
{
	struct cwsim_timerlist *tl = arg;
	struct tl_timer *t = lookup(tl, timer, false, hrtimer);

	return t ? t->id : 0;
}

void cwsim_timerlist_dump(struct cwsim_timerlist *tl, FILE *out)
{
	uint64_t now = cw_sim_now_ns(cw_sim_system_engine(tl->sys));
	struct tl_dump *d = tl->nr_dumps < CWSIM_MAX_DUMPS ? &tl->dumps[tl->nr_dumps] : NULL;
	/* Virtual time, read from the engine: a clock read would change the run. */
	struct cw_timer_list_options opt = {
		.symbolize = tl_symbolize,
		.symbolize_arg = tl,
		.timer_id = tl_timer_id,
		.timer_id_arg = tl,
		.now_given = true,
		.now_ns = (int64_t)now,
		.now_label = "virtual time",
	};
	size_t need = cw_timer_list_format(tl->sys, &opt, NULL, 0);
	char *text = malloc(need + 1);
	struct tl_timer *list;
	size_t n = 0;

	if (!text) {
		fprintf(out, "\ntimer list at %llu ns: out of memory\n", (unsigned long long)now);
		return;
	}
	cw_timer_list_format(tl->sys, &opt, text, need + 1);
	fprintf(out, "\n%s", text);
	free(text);
	if (!d) {
		return;
	}
	/* Kept for the JSON report from the tool's own table (its ids and arming CPUs). */
	list = armed_sorted(tl, &n);
	if (!list) {
		return;
	}
	d->at_ns = now;
	d->timers = list;
	d->nr = n;
	tl->nr_dumps++;
}

/* @n timers of @list as the "timers" member of @w's open object. */
static void timers_json(struct cwsim_timerlist *tl, struct jsonw *w, const struct tl_timer *list,
			size_t n)
{
	char buf[32];

	jsonw_array_begin(w, "timers");
	for (size_t k = 0; k < n; k++) {
		const struct tl_timer *t = &list[k];

		jsonw_object_begin(w, NULL);
		jsonw_string(w, "kind", t->hr ? "hrtimer" : "timer");
		jsonw_u64(w, "id", t->id);
		jsonw_i64(w, "cpu", t->cpu);
		jsonw_string(w, "function", fn_name(tl, t->function, buf, sizeof(buf)));
		if (t->hr) {
			jsonw_string(w, "clock", cw_clock_name(t->clock_id));
			jsonw_i64(w, "softexpires_ns", t->softexpires);
			jsonw_i64(w, "expires_ns", t->expires);
			jsonw_i64(w, "armed_at_ns", t->armed_at);
		} else {
			jsonw_i64(w, "expires_jiffies", t->expires);
			jsonw_i64(w, "armed_at_jiffies", t->armed_at);
			jsonw_bool(w, "deferrable", t->flags & CW_TIMER_DEFERRABLE);
		}
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
}

void cwsim_timerlist_report(struct cwsim_timerlist *tl, struct cwsim_report *rep)
{
	if (!tl || !rep->json) {
		return;
	}
	jsonw_array_begin(rep->json, "timer_lists");
	for (unsigned i = 0; i < tl->nr_dumps; i++) {
		const struct tl_dump *d = &tl->dumps[i];

		jsonw_object_begin(rep->json, NULL);
		jsonw_u64(rep->json, "at_ns", d->at_ns);
		timers_json(tl, rep->json, d->timers, d->nr);
		jsonw_object_end(rep->json);
	}
	jsonw_array_end(rep->json);
}

void cwsim_timerlist_json(struct cwsim_timerlist *tl, struct jsonw *w)
{
	struct tl_timer *list;
	size_t n = 0;

	list = armed_sorted(tl, &n);
	if (!list) {
		return;
	}
	timers_json(tl, w, list, n);
	free(list);
}

void cwsim_timerlist_free(struct cwsim_timerlist *tl)
{
	if (!tl) {
		return;
	}
	for (unsigned i = 0; i < tl->nr_dumps; i++) {
		free(tl->dumps[i].timers);
	}
	free(tl->tab);
	free(tl);
}
