/* SPDX-License-Identifier: MIT */
/*
 * Callback names for traces and timer dumps: the function symbols of the
 * running executable (its ELF .symtab, static functions included, read
 * from /proc/self/exe by the library's cw_posix_symbols_load()), so that a
 * trace says "function": "sched_timer_fn" where Linux says
 * function=tick_nohz_handler. A stripped binary, a callback in a shared
 * library or a host without /proc/self/exe gives no name; callers fall
 * back to a number.
 */
#ifndef CLOCKWORK_TOOLS_CWSIM_SYMBOLS_H
#define CLOCKWORK_TOOLS_CWSIM_SYMBOLS_H

#include <stdint.h>

struct cwsim_symbols;

/** Load the executable's function symbols (NULL: none to be had; callers cope). */
struct cwsim_symbols *cwsim_symbols_load(void);

/** The name of the function containing @p addr, or NULL. */
const char *cwsim_symbols_name(const struct cwsim_symbols *s, uintptr_t addr);

/** Free what cwsim_symbols_load() returned (NULL is fine). */
void cwsim_symbols_free(struct cwsim_symbols *s);

#endif /* CLOCKWORK_TOOLS_CWSIM_SYMBOLS_H */
