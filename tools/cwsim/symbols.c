/* SPDX-License-Identifier: MIT */
/*
 * cwsim's callback names (symbols.h): the library's reader of the
 * executable's symbol table (cw_posix_symbols_load(), src/port/posix/
 * symbols.c), which the posix port's timer list uses too.
 */
#include "symbols.h"

#include <clockwork/port_posix.h>

struct cwsim_symbols *cwsim_symbols_load(void)
{
	return (struct cwsim_symbols *)cw_posix_symbols_load();
}

const char *cwsim_symbols_name(const struct cwsim_symbols *s, uintptr_t addr)
{
	return cw_posix_symbols_name((const struct cw_posix_symbols *)s, addr);
}

void cwsim_symbols_free(struct cwsim_symbols *s)
{
	cw_posix_symbols_free((struct cw_posix_symbols *)s);
}
