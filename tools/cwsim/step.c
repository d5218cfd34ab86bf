/* SPDX-License-Identifier: MIT */
/*
 * cwsim --step (step.h): the command loop. Commands (one JSON object a
 * line; "cmd" says which):
 *
 *   {"cmd": "advance", "to_ns": T} or {"cmd": "advance", "by_ns": D}
 *                       run the machine to virtual time T (now + D)
 *   {"cmd": "step"}     run to the next event's time (one instant)
 *   {"cmd": "next_event"}  the time of the next event, without running
 *   {"cmd": "arm", "name": N, "cpu": C, "in_ns": D, "period_ns": P}
 *                       arm hrtimer N on CPU C, D ns from now on MONOTONIC,
 *                       then every P ns (0 or absent: once)
 *   {"cmd": "cancel", "name": N}
 *   {"cmd": "irq", "line": L, "cpu": C}   raise interrupt line L
 *   {"cmd": "clock_step", "realtime_ns": R}  set REALTIME (a clock step)
 *   {"cmd": "now"}      virtual time and MONOTONIC, REALTIME
 *   {"cmd": "dump"}     the armed timers (needs the checker)
 *   {"cmd": "quit"}
 *
 * Every answer has "ok" and "now_ns"; a failed command has "error". The
 * named timers' expiries since the previous answer come with it, in order:
 * "fired": [{"name": N, "at_ns": virtual time, "expires_ns": MONOTONIC
 * expiry}]. Commands that run CPU code (arm, cancel, clock_step) run as
 * that CPU (cw_sim_hw_run_on()), as an SMP function call would.
 */
#include "step.h"
#include "jsonr.h"
#include "jsonw.h"
#include "timerlist.h"

#include <clockwork/clockwork.h>
#include <clockwork/hrtimer.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/timekeeping.h>

#include <stdlib.h>
#include <string.h>

/** A named hrtimer of the session. */
struct step_timer {
	char name[32];
	struct cw_hrtimer t;
	uint64_t period_ns;
	unsigned cpu;
	bool set_up;
	struct step *s;
};

/** An expiry not yet reported. */
struct step_fired {
	unsigned timer;
	uint64_t at_ns;
	int64_t expires_ns;
};

struct step {
	struct cw_sim_machine *m;
	struct cw_sim *sim;
	struct cw_system *sys;
	struct cw_sim_hw *hw;
	struct cwsim_timerlist *tl;
	uint64_t end_ns;
	struct step_timer timers[CWSIM_STEP_MAX_TIMERS];
	unsigned nr_timers;
	struct step_fired *fired;
	size_t nr_fired, cap_fired;
	bool fired_lost;
	/* The command being run as a CPU (run_on). */
	struct step_timer *cur;
	uint64_t in_ns;
	int64_t realtime_ns;
	int ret;
};

static enum cw_hrtimer_restart timer_fn(struct cw_hrtimer *t)
{
	struct step_timer *st = (struct step_timer *)((char *)t - offsetof(struct step_timer, t));
	struct step *s = st->s;

	if (s->nr_fired == s->cap_fired) {
		size_t cap = s->cap_fired ? s->cap_fired * 2 : 64;
		struct step_fired *f = realloc(s->fired, cap * sizeof(*f));

		if (!f) {
			s->fired_lost = true;
			goto out;
		}
		s->fired = f;
		s->cap_fired = cap;
	}
	s->fired[s->nr_fired++] =
		(struct step_fired){ (unsigned)(st - s->timers), cw_sim_now_ns(s->sim),
				     cw_hrtimer_get_expires(t) };
out:
	if (st->period_ns) {
		cw_hrtimer_forward_now(t, st->period_ns);
		return CW_HRTIMER_RESTART;
	}
	return CW_HRTIMER_NORESTART;
}

static void arm_on_cpu(void *arg)
{
	struct step *s = arg;

	cw_hrtimer_start(&s->cur->t, (cw_ktime_t)s->in_ns, CW_HRTIMER_MODE_REL);
}

static void cancel_on_cpu(void *arg)
{
	struct step *s = arg;

	cw_hrtimer_cancel(&s->cur->t);
}

static void settime_on_cpu(void *arg)
{
	struct step *s = arg;

	s->ret = cw_timekeeping_settime(s->sys, s->realtime_ns);
}

static struct step_timer *find_timer(struct step *s, const char *name)
{
	for (unsigned i = 0; i < s->nr_timers; i++) {
		if (strcmp(s->timers[i].name, name) == 0) {
			return &s->timers[i];
		}
	}
	return NULL;
}

/* A non-negative integer member, or false. */
static bool get_u64(const struct jt_node *cmd, const char *key, uint64_t *out)
{
	bool ok;
	__int128 v = jt_i128(jt_get(cmd, key), &ok);

	if (!ok || v < 0 || v > (__int128)UINT64_MAX) {
		return false;
	}
	*out = (uint64_t)v;
	return true;
}

/* Run the machine to @to_ns (not past the end of the session). */
static const char *run_to(struct step *s, uint64_t to_ns)
{
	if (to_ns < cw_sim_now_ns(s->sim)) {
		return "time is in the past";
	}
	if (to_ns > s->end_ns) {
		return "past the end of the session (--duration)";
	}
	cw_sim_run_until(s->sim, to_ns);
	return NULL;
}

static const char *cmd_arm(struct step *s, const struct jt_node *cmd)
{
	const char *name = jt_text(jt_get(cmd, "name"));
	uint64_t cpu = 0, in_ns = 0, period = 0;
	struct step_timer *st = find_timer(s, name);

	if (!name[0] || strlen(name) >= sizeof(st->name) || !get_u64(cmd, "in_ns", &in_ns) ||
	    (jt_get(cmd, "cpu") && !get_u64(cmd, "cpu", &cpu)) ||
	    (jt_get(cmd, "period_ns") && !get_u64(cmd, "period_ns", &period))) {
		return "arm: expected name (1..31 characters), in_ns, and optionally cpu, period_ns";
	}
	if (cpu >= cw_system_nr_cpus(s->sys) || in_ns > INT64_MAX || period > INT64_MAX) {
		return "arm: cpu, in_ns or period_ns out of range";
	}
	if (!st) {
		if (s->nr_timers == CWSIM_STEP_MAX_TIMERS) {
			return "arm: at most 64 named timers";
		}
		st = &s->timers[s->nr_timers++];
		snprintf(st->name, sizeof(st->name), "%s", name);
		st->s = s;
	} else if (st->cpu != cpu) {
		/* Re-armed elsewhere: cancel where it is, then arm as the new CPU. */
		s->cur = st;
		cw_sim_hw_run_on(s->hw, st->cpu, cancel_on_cpu, s);
	}
	if (!st->set_up &&
	    cw_hrtimer_setup(s->sys, &st->t, timer_fn, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_REL)) {
		return "arm: cannot set the timer up";
	}
	st->set_up = true;
	st->cpu = (unsigned)cpu;
	st->period_ns = period;
	s->cur = st;
	s->in_ns = in_ns;
	if (cw_sim_hw_run_on(s->hw, st->cpu, arm_on_cpu, s) != 0) {
		return "arm: the CPU is offline";
	}
	return NULL;
}

/* One command; its answer's own members go to @w. @return an error or NULL. */
static const char *command(struct step *s, const struct jt_node *cmd, struct jsonw *w, bool *quit)
{
	const char *name = jt_text(jt_get(cmd, "cmd"));
	uint64_t v, cpu = 0;

	if (strcmp(name, "advance") == 0) {
		if (get_u64(cmd, "to_ns", &v)) {
			return run_to(s, v);
		}
		if (get_u64(cmd, "by_ns", &v)) {
			return v > UINT64_MAX - cw_sim_now_ns(s->sim)
				       ? "advance: by_ns too large"
				       : run_to(s, cw_sim_now_ns(s->sim) + v);
		}
		return "advance: expected to_ns or by_ns";
	}
	if (strcmp(name, "step") == 0) {
		v = cw_sim_next_event_ns(s->sim);
		return run_to(s, v < s->end_ns ? v : s->end_ns);
	}
	if (strcmp(name, "next_event") == 0) {
		v = cw_sim_next_event_ns(s->sim);
		if (v == UINT64_MAX) {
			jsonw_null(w, "next_event_ns");
		} else {
			jsonw_u64(w, "next_event_ns", v);
		}
		return NULL;
	}
	if (strcmp(name, "arm") == 0) {
		return cmd_arm(s, cmd);
	}
	if (strcmp(name, "cancel") == 0) {
		struct step_timer *st = find_timer(s, jt_text(jt_get(cmd, "name")));

		if (!st) {
			return "cancel: no timer of that name";
		}
		s->cur = st;
		return cw_sim_hw_run_on(s->hw, st->cpu, cancel_on_cpu, s) ? "cancel: CPU offline"
									  : NULL;
	}
	if (strcmp(name, "irq") == 0) {
		if (!get_u64(cmd, "line", &v) ||
		    (jt_get(cmd, "cpu") && !get_u64(cmd, "cpu", &cpu)) || v > UINT32_MAX ||
		    cpu > INT32_MAX) {
			return "irq: expected line and optionally cpu";
		}
		return cw_sim_hw_irq_raise(s->hw, (unsigned)v, (int)cpu)
			       ? "irq: no such line or CPU"
			       : NULL;
	}
	if (strcmp(name, "clock_step") == 0) {
		bool ok;
		__int128 r = jt_i128(jt_get(cmd, "realtime_ns"), &ok);

		if (!ok || r < 0 || r > INT64_MAX) {
			return "clock_step: expected realtime_ns";
		}
		s->realtime_ns = (int64_t)r;
		s->ret = 0;
		cw_sim_hw_run_on(s->hw, 0, settime_on_cpu, s);
		return s->ret ? cw_strerror(s->ret) : NULL;
	}
	if (strcmp(name, "now") == 0) {
		cw_ktime_t mono = 0, real = 0;

		cw_clock_get_ns(s->sys, CW_CLOCK_MONOTONIC, &mono);
		cw_clock_get_ns(s->sys, CW_CLOCK_REALTIME, &real);
		jsonw_i64(w, "monotonic_ns", mono);
		jsonw_i64(w, "realtime_ns", real);
		return NULL;
	}
	if (strcmp(name, "dump") == 0) {
		if (!s->tl) {
			return "dump: the checker is off";
		}
		cwsim_timerlist_json(s->tl, w);
		return NULL;
	}
	if (strcmp(name, "quit") == 0) {
		*quit = true;
		return NULL;
	}
	return "unknown command (advance, step, next_event, arm, cancel, irq, clock_step, now, "
	       "dump, quit)";
}

static void answer(struct step *s, FILE *out, const struct jt_node *cmd, const char *why_parse,
		   bool *quit)
{
	struct jsonw w;
	const char *err = NULL;

	jsonw_init(&w, out, 0);
	jsonw_object_begin(&w, NULL);
	if (cmd) {
		jsonw_string(&w, "cmd", jt_text(jt_get(cmd, "cmd")));
	}
	/* The command's own members first (an error is known only after it ran). */
	jsonw_object_begin(&w, "result");
	err = cmd ? command(s, cmd, &w, quit) : why_parse;
	jsonw_object_end(&w);
	jsonw_bool(&w, "ok", err == NULL);
	if (err) {
		jsonw_string(&w, "error", err);
	}
	jsonw_u64(&w, "now_ns", cw_sim_now_ns(s->sim));
	jsonw_array_begin(&w, "fired");
	for (size_t i = 0; i < s->nr_fired; i++) {
		jsonw_object_begin(&w, NULL);
		jsonw_string(&w, "name", s->timers[s->fired[i].timer].name);
		jsonw_u64(&w, "at_ns", s->fired[i].at_ns);
		jsonw_i64(&w, "expires_ns", s->fired[i].expires_ns);
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);
	if (s->fired_lost) {
		jsonw_bool(&w, "fired_lost", true);
	}
	s->nr_fired = 0;
	s->fired_lost = false;
	jsonw_object_end(&w);
	jsonw_finish(&w);
	fflush(out);
}

int cwsim_step_session(struct cw_sim_machine *m, struct cwsim_timerlist *tl, uint64_t end_ns,
		       FILE *in, FILE *out, FILE *record)
{
	struct step *s = calloc(1, sizeof(*s));
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool quit = false;
	int ret = 0;

	if (!s) {
		return -1;
	}
	s->m = m;
	s->sys = cw_sim_machine_system(m);
	s->sim = cw_sim_system_engine(s->sys);
	s->hw = cw_sim_machine_hw(m);
	s->tl = tl;
	s->end_ns = end_ns;
	while (!quit && (len = getline(&line, &cap, in)) >= 0) {
		struct jt_node *cmd;
		char why[128];

		if (record) {
			fputs(line, record);
			if (len == 0 || line[len - 1] != '\n') {
				fputc('\n', record);
			}
			fflush(record);
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
			line[--len] = '\0';
		}
		if (len == 0) {
			continue;
		}
		cmd = jt_parse(line, (size_t)len, why, sizeof(why));
		if (cmd && cmd->type != JT_OBJ) {
			jt_free(cmd);
			cmd = NULL;
			snprintf(why, sizeof(why), "expected a JSON object");
		}
		answer(s, out, cmd, why, &quit);
		jt_free(cmd);
	}
	if (ferror(out)) {
		ret = -1;
	}
	/* The named timers live here: cancel them before they go. */
	for (unsigned i = 0; i < s->nr_timers; i++) {
		s->cur = &s->timers[i];
		if (s->timers[i].set_up &&
		    cw_sim_hw_run_on(s->hw, s->timers[i].cpu, cancel_on_cpu, s) != 0) {
			/* Its CPU went offline (the timer moved): cancel from here. */
			cw_hrtimer_cancel(&s->timers[i].t);
		}
	}
	free(line);
	free(s->fired);
	free(s);
	return ret;
}
