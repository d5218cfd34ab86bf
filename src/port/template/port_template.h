/* SPDX-License-Identifier: MIT */
/*
 * Entry point of the template port. A real port publishes its equivalent as
 * include/clockwork/<port>.h (public, installed) so that programs can create
 * a system on it; the template keeps it here because it is never installed
 * and never part of the library. See port_template.c and docs/porting.md.
 */
#ifndef CLOCKWORK_SRC_PORT_TEMPLATE_PORT_TEMPLATE_H
#define CLOCKWORK_SRC_PORT_TEMPLATE_PORT_TEMPLATE_H

#include <clockwork/system.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Create a system that runs on the template port.
 * @param cfg  Configuration, or NULL for defaults. Its port and port_ctx
 *             fields are ignored: the port supplies both.
 * @param out  Receives the new system; free it with cw_system_destroy(),
 *             which also frees the port's state.
 * Context: setup only; allocates.
 * @return 0; CW_ENOMEM; or any error of cw_system_create().
 */
int cw_template_system_create(const struct cw_system_config *cfg, struct cw_system **out);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_SRC_PORT_TEMPLATE_PORT_TEMPLATE_H */
