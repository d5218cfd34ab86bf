/* SPDX-License-Identifier: MIT */
/*
 * bench_hrtimer: clockwork-bare, clockwork's hrtimer queue,
 * src/core/timerqueue.h, that every hrtimer clock base uses, driven
 * directly (no base lock, no CPU lookup, no clock read): the data
 * structure alone, the API's queue code without the API. It needs the
 * library's internal header (CW_BUILDING_LIBRARY, as the tests build).
 * Its pool lends it one radix wheel, as a CPU's pool lends its busiest
 * clock base one.
 */
#include "core/timerqueue.h"

#include "hrtimer_impl.h"

#include <stdlib.h>

static struct cw_hrtimer_node *cwq_nodes;
static struct cw_tq_head cwq_head;
static struct cw_tq_pool cwq_pool;
static struct cw_tq_wheel cwq_wheel;

static int q_init(const struct hrq_params *p)
{
	cwq_nodes = calloc(p->n + 1, sizeof(*cwq_nodes));
	cw_tq_pool_init(&cwq_pool, &cwq_wheel, 1);
	cw_tq_init(&cwq_head, &cwq_pool);
	return cwq_nodes ? 0 : -1;
}

static inline void q_start(size_t i, uint64_t key)
{
	cwq_nodes[i].expires = (int64_t)key;
	cw_tq_add(&cwq_head, &cwq_nodes[i]);
}

static inline void q_cancel(size_t i)
{
	cw_tq_del(&cwq_head, &cwq_nodes[i]);
}

static inline size_t q_pop(uint64_t k, uint64_t *key)
{
	struct cw_hrtimer_node *n = cw_tq_pop(&cwq_head);

	(void)k;
	*key = (uint64_t)n->expires;
	return (size_t)(n - cwq_nodes);
}

static bool q_drain(uint64_t *key, size_t *i)
{
	if (!cw_tq_first(&cwq_head)) {
		return false;
	}
	*i = q_pop(0, key);
	return true;
}

static void q_fini(void)
{
	free(cwq_nodes);
	cwq_nodes = NULL;
}

static void q_run(void (*fn)(void *), void *arg)
{
	fn(arg);
}

#define HRQ_IMPL_SYM hrq_clockwork
#include "hrtimer_impl.h"

const struct hrq_impl hrq_clockwork = {
	.impl = "clockwork-bare",
	.start_cancel = hrq_start_cancel,
	.start_expire = hrq_start_expire,
	.drains = true,
	.timer_size = sizeof(struct cw_hrtimer_node),
};
