/* SPDX-License-Identifier: MIT */
/*
 * cwsim's simulation loop: slices of virtual time, SIGINT, the progress
 * line (progress.h).
 */
#include "progress.h"

#include <clockwork/sim.h>

#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/** Wall time before the progress line appears, and between redraws (s). */
#define PROGRESS_AFTER_S 1.0
#define PROGRESS_EVERY_S 0.1

/* Set by the SIGINT handler, read between slices. */
static volatile sig_atomic_t interrupt_seen;

static void on_sigint(int sig)
{
	(void)sig;
	interrupt_seen = 1;
}

static double wall_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One redraw: "\r" plus the line plus an erase to the end of the line. */
static void draw(FILE *err, uint64_t now_ns, uint64_t end_ns, double wall_s)
{
	double sim_s = (double)now_ns * 1e-9, total_s = (double)end_ns * 1e-9;
	double rate = wall_s > 0 ? sim_s / wall_s : 0;

	fprintf(err, "\rcwsim: %.3f s of %.9g s simulated (%.1f%%), %.2f sim s per wall s, ", sim_s,
		total_s, end_ns ? 100.0 * sim_s / total_s : 100.0, rate);
	if (rate > 0) {
		fprintf(err, "ETA %.1f s\033[K", (total_s - sim_s) / rate);
	} else {
		fputs("ETA -\033[K", err);
	}
	fflush(err);
}

bool cwsim_simulate(struct cw_sim *sim, uint64_t end_ns, enum cwsim_progress_mode mode, FILE *err,
		    const struct cwsim_stops *stops)
{
	unsigned next_stop = 0;

	struct sigaction sa, old;
	bool show = mode == CWSIM_PROGRESS_ON ||
		    (mode == CWSIM_PROGRESS_AUTO && fileno(err) >= 0 && isatty(fileno(err)));
	double t0 = wall_now_s(), next_draw = t0 + PROGRESS_AFTER_S;
	bool drawn = false, stopped = false;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	interrupt_seen = 0;
	sigaction(SIGINT, &sa, &old);
	while (cw_sim_now_ns(sim) < end_ns) {
		uint64_t now = cw_sim_now_ns(sim);
		uint64_t slice_end = end_ns - now > CWSIM_SLICE_NS ? now + CWSIM_SLICE_NS : end_ns;

		if (interrupt_seen) {
			stopped = true;
			break;
		}
		while (stops && next_stop < stops->nr && stops->at_ns[next_stop] < now) {
			next_stop++;
		}
		if (stops && next_stop < stops->nr && stops->at_ns[next_stop] <= slice_end) {
			slice_end = stops->at_ns[next_stop];
		}
		cw_sim_run_until(sim, slice_end);
		if (stops && next_stop < stops->nr && stops->at_ns[next_stop] == slice_end) {
			stops->fn(stops->arg, slice_end);
			next_stop++;
		}
		if (show) {
			double t = wall_now_s();

			if (t >= next_draw) {
				draw(err, cw_sim_now_ns(sim), end_ns, t - t0);
				drawn = true;
				next_draw = t + PROGRESS_EVERY_S;
			}
		}
	}
	sigaction(SIGINT, &old, NULL);
	if (drawn) {
		/* Leave the final state on the line, then move on. */
		draw(err, cw_sim_now_ns(sim), end_ns, wall_now_s() - t0);
		fputs(stopped ? " (interrupted)\n" : "\n", err);
	}
	return stopped;
}
