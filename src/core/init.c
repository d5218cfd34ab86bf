/* SPDX-License-Identifier: MIT */
/* Boot (being written: placeholder). */
#include <clockwork/driver/init.h>

#include "system-internal.h"

int cw__init_boot(struct cw_system *sys)
{
	cw__clocksource_done_booting(sys);
	return 0;
}

int cw_system_add_driver(struct cw_system *sys, const struct cw_driver *drv, void *ctx)
{
	(void)sys;
	(void)drv;
	(void)ctx;
	return CW_ENOSYS;
}

int cw_system_set_port_drivers(struct cw_system *sys, const struct cw_driver *const *drivers,
			       unsigned nr, void *ctx)
{
	(void)sys;
	(void)drivers;
	(void)nr;
	(void)ctx;
	return CW_ENOSYS;
}

int cw_system_set_machine(struct cw_system *sys, const struct cw_machine_ops *ops, void *ctx)
{
	(void)sys;
	(void)ops;
	(void)ctx;
	return CW_ENOSYS;
}

const char *cw_init_level_name(enum cw_init_level level)
{
	(void)level;
	return "?";
}
