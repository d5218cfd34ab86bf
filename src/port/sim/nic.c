/* SPDX-License-Identifier: MIT */
/*
 * A modelled NIC receive queue for the claim API's demonstration
 * (docs/claim.md): the [nic] section of a workload file.
 *
 * Packets arrive on one CPU at times drawn from a distribution into a ring
 * of `queue` slots; a packet that finds the ring full is dropped. The
 * driver takes them in one of four ways:
 *   - irq:     an interrupt per packet: irq_cost + packet_cost of CPU time
 *              each;
 *   - claim:   a periodic callback every `poll` on a timer channel claimed
 *              with cw_claim_timer() (a spare hardware channel, its
 *              interrupt routed to the CPU): irq_cost per poll plus
 *              packet_cost per packet drained;
 *   - hrtimer: the same on the claim API's hrtimer fallback (the CPU's own
 *              tick device, programmed for each poll);
 *   - tick:    a pinned wheel timer every jiffy: packet_cost per packet,
 *              no interrupt of its own (the tick runs anyway).
 * The callbacks are the real ones: the core delivers them in virtual time
 * through the modelled hardware, so their lateness is the core's.
 *
 * CPU time is a single FIFO server: a batch starts when both its callback
 * came and the CPU finished the previous batch; each packet is done
 * packet_cost after the previous one (after irq_cost for the first). A
 * packet's latency runs from its arrival to that moment. The ring holds a
 * packet until its batch starts. Everything is integer virtual time and
 * engine draws, so a run is reproducible bit for bit.
 */
#include <clockwork/claim.h>
#include <clockwork/hrtimer.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/system.h>
#include <clockwork/timer.h>

#include "port/sim/nic-internal.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** Largest receive ring. */
#define NIC_QUEUE_MAX     65536u
/** Shortest mean time between packets accepted, ns (as the workload's other periods). */
#define NIC_MIN_GAP_NS    1000u
/** Latencies kept for the percentiles (later packets are counted, not kept). */
#define NIC_LAT_MAX       (1u << 24)
/** Default ring size, irq cost and packet cost. */
#define NIC_DEF_QUEUE     256u
#define NIC_DEF_IRQ_NS    2000u
#define NIC_DEF_PACKET_NS 500u
/**
 * The NIC starts once its CPU runs in high resolution (the hrtimer policy
 * needs it for polls shorter than a tick; the others wait too, so every
 * policy measures the same kind of system), looking every NIC_START_NS,
 * and after NIC_START_MAX_NS at the latest (high resolution off). Claims
 * are made at once, so a missing channel is an error when the run starts.
 */
#define NIC_START_NS      10000000u
#define NIC_START_MAX_NS  2000000000u

/** A running NIC. */
struct cw__sim_nic {
	struct cw_system *sys;
	struct cw_sim *sim;
	struct cw_sim_hw *hw;
	struct cw_sim_nic_desc d;
	/** The next packet; the start. */
	struct cw_sim_event arrive_ev;
	struct cw_sim_event start_ev;
	/** The claim (claim and hrtimer policies) and the wheel timer (tick). */
	struct cw_claim claim;
	bool claimed;
	struct cw_timer tick_timer;
	bool ticking;
	/** Polling runs (the start event came and the timer started). */
	bool started;
	/** The start waits for the end of a masked section on the NIC's CPU (nic_begin()). */
	bool start_wait;
	/** Poll rate of the claim, Hz. */
	uint64_t rate_hz;
	/**
	 * Ring: arrival times (poll policies) or batch start times (irq) of
	 * the packets in it, oldest first.
	 */
	uint64_t *ring;
	unsigned head;
	unsigned count;
	/** When the CPU finishes the NIC work given to it so far, ns. */
	uint64_t cpu_free_ns;
	uint64_t start_ns;
	struct cw_sim_nic_stats st;
	/** Latencies kept, ns. */
	uint64_t *lat;
	size_t nr_lat;
	size_t lat_cap;
};

CW_API const char *cw_sim_nic_policy_name(enum cw_sim_nic_policy policy)
{
	switch (policy) {
	case CW_SIM_NIC_IRQ:
		return "irq";
	case CW_SIM_NIC_CLAIM:
		return "claim";
	case CW_SIM_NIC_HRTIMER:
		return "hrtimer";
	case CW_SIM_NIC_TICK:
		return "tick";
	case CW_SIM_NIC_NONE:
		break;
	}
	return "none";
}

/* ---------------------------------------------------------------------- */
/* Parser */

/** Keys of [nic]; the index is the seen[] slot. */
static const char *const nic_keys[] = {
	"policy", "cpu", "packets", "poll", "queue", "irq_cost", "packet_cost", "fallback",
};
#define NIC_NR_KEYS (sizeof(nic_keys) / sizeof(nic_keys[0]))

static int nic_policy(struct cw__sim_text *tx, const char *val, struct cw_sim_nic_desc *d)
{
	for (int p = CW_SIM_NIC_IRQ; p <= CW_SIM_NIC_TICK; p++) {
		if (strcmp(val, cw_sim_nic_policy_name((enum cw_sim_nic_policy)p)) == 0) {
			d->policy = (enum cw_sim_nic_policy)p;
			return 0;
		}
	}
	return cw__sim_text_expected(tx, "a policy: irq, claim, hrtimer or tick", val);
}

static int nic_uint(struct cw__sim_text *tx, const char *val, unsigned max, const char *what,
		    unsigned *out)
{
	char *end = NULL;
	unsigned long v;

	if (val[0] < '0' || val[0] > '9') {
		return cw__sim_text_expected(tx, what, val);
	}
	v = strtoul(val, &end, 10);
	if (*end || v > max) {
		return cw__sim_text_expected(tx, what, val);
	}
	*out = (unsigned)v;
	return 0;
}

static int nic_time(struct cw__sim_text *tx, const char *val, bool zero_ok, uint64_t *out)
{
	if (cw_sim_parse_duration_ns(val, out) || (!zero_ok && *out == 0)) {
		return cw__sim_text_expected(
			tx, zero_ok ? "a time such as 500ns" : "a time above 0 such as 50us", val);
	}
	return 0;
}

int cw__sim_nic_key(struct cw__sim_text *tx, struct cw_sim_nic_desc *d, unsigned seen[8],
		    const char *key, const char *val)
{
	for (unsigned k = 0; k < NIC_NR_KEYS; k++) {
		if (strcmp(key, nic_keys[k]) != 0) {
			continue;
		}
		if (seen[k]) {
			return cw__sim_text_err(tx, tx->line,
						"expected key '%s' once in this section (got it "
						"again; the first is at line %u)",
						key, seen[k]);
		}
		seen[k] = tx->line;
		switch (k) {
		case 0:
			return nic_policy(tx, val, d);
		case 1:
			return nic_uint(tx, val, INT_MAX, "a CPU number", &d->cpu);
		case 2:
			return cw__sim_wl_parse_dist(tx, val, &d->packets);
		case 3:
			return nic_time(tx, val, false, &d->poll_ns);
		case 4:
			return nic_uint(tx, val, NIC_QUEUE_MAX, "a ring size, 1..65536",
					&d->queue) ||
					       d->queue == 0
				       ? cw__sim_text_expected(tx, "a ring size, 1..65536", val)
				       : 0;
		case 5:
			return nic_time(tx, val, true, &d->irq_cost_ns);
		case 6:
			return nic_time(tx, val, true, &d->packet_cost_ns);
		default:
			if (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0) {
				return cw__sim_text_expected(tx, "yes or no", val);
			}
			d->fallback = strcmp(val, "yes") == 0;
			return 0;
		}
	}
	return cw__sim_text_expected(
		tx,
		"a key of [nic]: policy, cpu, packets, poll, queue, irq_cost, packet_cost, "
		"fallback",
		key);
}

/* Mean of @d, ns. */
static uint64_t dist_mean(const struct cw_sim_dist *d)
{
	switch (d->kind) {
	case CW_SIM_DIST_UNIFORM:
		return (d->a_ns + d->b_ns) / 2;
	case CW_SIM_DIST_FIXED:
	case CW_SIM_DIST_EXPONENTIAL:
	case CW_SIM_DIST_NORMAL:
		return d->a_ns;
	default:
		return 0;
	}
}

int cw__sim_nic_check(struct cw__sim_text *tx, const struct cw_sim_nic_desc *d)
{
	if (d->policy == CW_SIM_NIC_NONE) {
		return cw__sim_text_err(tx, d->line, "expected key 'policy' in [nic] (got none)");
	}
	if (dist_mean(&d->packets) < NIC_MIN_GAP_NS) {
		return cw__sim_text_err(tx, d->line,
					"expected key 'packets' (at least 1us apart on average) in "
					"[nic]");
	}
	if ((d->policy == CW_SIM_NIC_CLAIM || d->policy == CW_SIM_NIC_HRTIMER) && !d->poll_ns) {
		return cw__sim_text_err(tx, d->line,
					"expected key 'poll' in [nic] for policy %s (got none)",
					cw_sim_nic_policy_name(d->policy));
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The model */

static void lat_add(struct cw__sim_nic *n, uint64_t ns)
{
	if (ns > n->st.max_ns) {
		n->st.max_ns = ns;
	}
	if (n->nr_lat == n->lat_cap && n->lat_cap < NIC_LAT_MAX) {
		size_t cap = n->lat_cap ? 2 * n->lat_cap : 4096;
		uint64_t *p = realloc(n->lat, cap * sizeof(*p));

		if (p) {
			n->lat = p;
			n->lat_cap = cap;
		}
	}
	if (n->nr_lat < n->lat_cap) {
		n->lat[n->nr_lat++] = ns;
	}
}

/* Batch: the CPU drains the whole ring at @now (a poll). */
static void nic_poll(struct cw__sim_nic *n, bool own_irq)
{
	uint64_t now = cw_sim_now_ns(n->sim);
	uint64_t start = now > n->cpu_free_ns ? now : n->cpu_free_ns;
	uint64_t t = start + (own_irq ? n->d.irq_cost_ns : 0);

	if (own_irq) {
		n->st.interrupts++;
	}
	for (; n->count; n->count--) {
		uint64_t arrival = n->ring[n->head];

		n->head = (n->head + 1) % n->d.queue;
		t += n->d.packet_cost_ns;
		lat_add(n, t - arrival);
		n->st.processed++;
	}
	n->st.busy_ns += t - start;
	n->cpu_free_ns = t;
}

static void ring_push(struct cw__sim_nic *n, uint64_t v)
{
	n->ring[(n->head + n->count) % n->d.queue] = v;
	n->count++;
}

static void nic_arrive(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct cw__sim_nic *n = ev->data;
	uint64_t now = cw_sim_now_ns(sim);

	n->st.arrived++;
	if (n->d.policy == CW_SIM_NIC_IRQ) {
		/* The ring holds the packets whose interrupt has not started yet. */
		while (n->count && n->ring[n->head] <= now) {
			n->head = (n->head + 1) % n->d.queue;
			n->count--;
		}
	}
	if (n->count == n->d.queue) {
		n->st.dropped++;
	} else if (n->d.policy == CW_SIM_NIC_IRQ) {
		uint64_t start = now > n->cpu_free_ns ? now : n->cpu_free_ns;
		uint64_t cost = n->d.irq_cost_ns + n->d.packet_cost_ns;

		ring_push(n, start);
		n->cpu_free_ns = start + cost;
		n->st.busy_ns += cost;
		n->st.interrupts++;
		n->st.processed++;
		lat_add(n, n->cpu_free_ns - now);
	} else {
		ring_push(n, now);
	}
	cw_sim_event_schedule(sim, ev, now + cw__sim_wl_draw(sim, &n->d.packets) + 1);
}

static void nic_claim_cb(struct cw_claim *c, void *arg)
{
	(void)c;
	nic_poll(arg, true);
}

static void nic_tick_cb(struct cw_timer *t)
{
	struct cw__sim_nic *n =
		(struct cw__sim_nic *)(void *)((char *)t -
					       offsetof(struct cw__sim_nic, tick_timer));

	nic_poll(n, false);
	/* The next jiffy after this expiry: the timer runs at every tick. */
	cw_timer_mod(t, cw_timer_expires(t) + 1);
}

/* Runs as the NIC's CPU: the wheel timer is pinned there. */
static void nic_tick_start(void *arg)
{
	struct cw__sim_nic *n = arg;

	cw_timer_mod(&n->tick_timer, cw_jiffies_get(n->sys) + 1);
}

static int nic_claim(struct cw__sim_nic *n, char *err, size_t err_len)
{
	struct cw_claim_request r = {
		.owner = n->d.policy == CW_SIM_NIC_CLAIM ? "nic-rx" : "nic-rx-hrtimer",
		.modes = CW_CLAIM_PERIODIC,
		.target_cpu = (int)n->d.cpu,
	};
	uint64_t rate = CW_NSEC_PER_SEC / n->d.poll_ns;
	struct cw_claim_info info;
	int ret = CW_ENODEV;

	n->rate_hz = rate ? rate : 1;
	if (n->d.policy == CW_SIM_NIC_CLAIM) {
		r.min_rate_hz = r.max_rate_hz = n->rate_hz;
		ret = cw_claim_timer(n->sys, &r, &n->claim);
	}
	if (n->d.policy == CW_SIM_NIC_HRTIMER || (ret && n->d.fallback)) {
		/*
		 * No device has this rating: the fallback. Its rates are checked
		 * when polling starts (in high resolution by then).
		 */
		r.min_rate_hz = r.max_rate_hz = 0;
		r.min_rating = INT_MAX;
		r.allow_fallback = true;
		ret = cw_claim_timer(n->sys, &r, &n->claim);
	}
	if (ret) {
		snprintf(err, err_len, "[nic] at line %u: no timer channel for policy %s: %s",
			 n->d.line, cw_sim_nic_policy_name(n->d.policy), cw_strerror(ret));
		return ret;
	}
	n->claimed = true;
	cw_claim_get_info(&n->claim, &info);
	snprintf(n->st.channel, sizeof(n->st.channel), "%s", info.device);
	return 0;
}

/* Replayed on the NIC's CPU at the end of its masked section: the start looks again. */
static void nic_start_unmasked(void *arg)
{
	struct cw__sim_nic *n = arg;

	n->start_wait = false;
	cw_sim_event_schedule(n->sim, &n->start_ev, cw_sim_now_ns(n->sim));
}

/*
 * The start: polling and packets begin. Starting the poll is in-band code
 * on the NIC's CPU (the claim's start, a fallback hrtimer or the wheel
 * timer armed there through a cross call); an event cannot wait for a
 * masked CPU, so while the CPU's in-band stage is masked (a [proxy]
 * section) the start waits for the unstall, told by a call in its log.
 */
static void nic_begin(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct cw__sim_nic *n = ev->data;
	struct cw_hrtimer_cpu_stats hs = { 0 };
	int ret;

	if (cw_sim_hw_inband_stalled(n->hw, n->d.cpu)) {
		if (!n->start_wait && cw_sim_hw_run_on_async(n->hw, n->d.cpu, nic_start_unmasked, n,
							     NULL, NULL) == 1) {
			n->start_wait = true;
		}
		if (n->start_wait) {
			return;
		}
	}

	cw_hrtimer_get_cpu_stats(n->sys, n->d.cpu, &hs);
	if (!hs.hres_active && cw_sim_now_ns(sim) - n->start_ns < NIC_START_MAX_NS) {
		cw_sim_event_schedule(sim, ev, cw_sim_now_ns(sim) + NIC_START_NS);
		return;
	}
	n->start_ns = cw_sim_now_ns(sim);
	n->cpu_free_ns = n->start_ns;
	if (n->claimed) {
		ret = cw_claim_start_periodic(&n->claim, n->rate_hz, nic_claim_cb, n);
		if (ret) {
			cw_sim_system_log(n->sys, CW_LOG_ERR,
					  "sim: [nic] at line %u: %s cannot poll every %llu ns: %s",
					  n->d.line, n->st.channel,
					  (unsigned long long)n->d.poll_ns, cw_strerror(ret));
			snprintf(n->st.channel, sizeof(n->st.channel), "failed");
			return;
		}
	} else if (n->ticking) {
		/* Not masked (above): at once. */
		cw_sim_hw_run_on(n->hw, n->d.cpu, nic_tick_start, n);
	}
	n->started = true;
	cw_sim_event_schedule(sim, &n->arrive_ev,
			      n->start_ns + cw__sim_wl_draw(sim, &n->d.packets) + 1);
}

int cw__sim_nic_start(struct cw_system *sys, struct cw_sim_hw *hw, const struct cw_sim_nic_desc *d,
		      struct cw__sim_nic **out, char *err, size_t err_len)
{
	struct cw__sim_nic *n;
	int ret = 0;

	*out = NULL;
	if (d->cpu >= cw_system_nr_cpus(sys)) {
		snprintf(err, err_len, "[nic] at line %u: expected a CPU below %u (got %u)",
			 d->line, cw_system_nr_cpus(sys), d->cpu);
		return CW_EINVAL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		return CW_ENOMEM;
	}
	n->d = *d;
	if (!n->d.queue) {
		n->d.queue = NIC_DEF_QUEUE;
	}
	n->ring = calloc(n->d.queue, sizeof(*n->ring));
	if (!n->ring) {
		free(n);
		return CW_ENOMEM;
	}
	n->sys = sys;
	n->hw = hw;
	n->sim = cw_sim_system_engine(sys);
	n->start_ns = cw_sim_now_ns(n->sim);
	cw_sim_event_init(&n->arrive_ev, nic_arrive, n);
	n->arrive_ev.cpu = d->cpu;
	cw_sim_event_init(&n->start_ev, nic_begin, n);
	n->start_ev.cpu = d->cpu;
	n->st.policy = d->policy;
	snprintf(n->st.channel, sizeof(n->st.channel), "-");
	switch (d->policy) {
	case CW_SIM_NIC_CLAIM:
	case CW_SIM_NIC_HRTIMER:
		ret = nic_claim(n, err, err_len);
		break;
	case CW_SIM_NIC_TICK:
		cw_timer_setup(&n->tick_timer, sys, nic_tick_cb, CW_TIMER_PINNED);
		n->ticking = true;
		snprintf(n->st.channel, sizeof(n->st.channel), "tick");
		break;
	default:
		break;
	}
	if (ret) {
		cw__sim_nic_stop(n);
		return ret;
	}
	cw_sim_event_schedule(n->sim, &n->start_ev, n->start_ns + NIC_START_NS);
	*out = n;
	return 0;
}

void cw__sim_nic_stop(struct cw__sim_nic *n)
{
	if (!n) {
		return;
	}
	cw_sim_event_cancel(n->sim, &n->arrive_ev);
	cw_sim_event_cancel(n->sim, &n->start_ev);
	if (n->claimed) {
		cw_claim_release(&n->claim);
	}
	if (n->ticking) {
		cw_timer_shutdown_sync(&n->tick_timer);
	}
	free(n->ring);
	free(n->lat);
	free(n);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The @permille-th latency of the sorted @v[@n] (nearest rank). */
static uint64_t rank(const uint64_t *v, size_t n, unsigned permille)
{
	size_t i = (n * permille + 999) / 1000;

	return n ? v[i ? i - 1 : 0] : 0;
}

void cw__sim_nic_stats(struct cw__sim_nic *n, struct cw_sim_nic_stats *out)
{
	uint64_t now = cw_sim_now_ns(n->sim);
	uint64_t *v;

	*out = n->st;
	out->elapsed_ns = n->started ? now - n->start_ns : 0;
	/* Work scheduled past now is not done yet. */
	if (n->cpu_free_ns > now) {
		uint64_t ahead = n->cpu_free_ns - now;

		out->busy_ns = out->busy_ns > ahead ? out->busy_ns - ahead : 0;
	}
	v = n->nr_lat ? malloc(n->nr_lat * sizeof(*v)) : NULL;
	if (v) {
		memcpy(v, n->lat, n->nr_lat * sizeof(*v));
		qsort(v, n->nr_lat, sizeof(*v), cmp_u64);
		out->p50_ns = rank(v, n->nr_lat, 500);
		out->p99_ns = rank(v, n->nr_lat, 990);
		free(v);
	}
}
