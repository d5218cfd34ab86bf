/* SPDX-License-Identifier: MIT */
/*
 * Core-internal interface of the proxy tick device (proxy.c): the steps of
 * its row in the component table. Its state is struct cw_proxy, private
 * to proxy.c (sys->proxy points at it).
 */
#ifndef CLOCKWORK_SRC_CORE_PROXY_INTERNAL_H
#define CLOCKWORK_SRC_CORE_PROXY_INTERNAL_H

#include <stddef.h>

struct cw_system;
struct cw_system_config;

/** Allocate sys->proxy (no proxy installed). @return 0 or CW_ENOMEM. */
int cw__proxy_init(struct cw_system *sys, const struct cw_system_config *cfg);

/** Free sys->proxy and the proxies still installed (system destruction). */
void cw__proxy_teardown(struct cw_system *sys);

/** Bytes of proxy state per CPU. */
size_t cw__proxy_cpu_bytes(void);

/**
 * The outgoing @p cpu (on it, before the tick row's dying step): give the
 * real device back to the tick layer if a proxy holds it, so the tick row
 * releases the real device as usual.
 */
void cw__proxy_cpu_dying(struct cw_system *sys, unsigned cpu);

#endif /* CLOCKWORK_SRC_CORE_PROXY_INTERNAL_H */
