// SPDX-License-Identifier: MIT
/*
 * The system log: a dmesg-like ring of formatted lines, each stamped
 * "[%5u.%06u] " with the port's log clock, optionally echoed through the
 * port's log_write hook. Lines are kept whole (truncated at
 * CW_LOG_LINE_MAX) and numbered from 0 so readers can follow the ring.
 */
#include <clockwork/system.h>

#include "system-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void log_va(struct cw_system *sys, int level, const char *fmt, va_list ap)
{
	char line[CW_LOG_LINE_MAX];
	uint64_t stamp_ns = 0;
	int n;

	if (level > sys->log_level) {
		return;
	}
	if (sys->port->log_clock_ns) {
		stamp_ns = sys->port->log_clock_ns(sys->port_ctx);
	}
	n = snprintf(line, sizeof(line), "[%5llu.%06llu] ",
		     (unsigned long long)(stamp_ns / CW_NSEC_PER_SEC),
		     (unsigned long long)(stamp_ns % CW_NSEC_PER_SEC / CW_NSEC_PER_USEC));
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);

	cw_spin_lock(&sys->log_lock);
	memcpy(sys->log_ring[sys->log_count % sys->log_lines], line, sizeof(line));
	sys->log_count++;
	if (sys->port->log_write) {
		sys->port->log_write(sys->port_ctx, level, line);
	}
	cw_spin_unlock(&sys->log_lock);
}

void cw_log(struct cw_system *sys, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(sys, level, fmt, ap);
	va_end(ap);
}

uint64_t cw_log_count(const struct cw_system *sys)
{
	struct cw_system *s = (struct cw_system *)sys;
	uint64_t n;

	cw_spin_lock(&s->log_lock);
	n = s->log_count;
	cw_spin_unlock(&s->log_lock);
	return n;
}

int cw_log_get(const struct cw_system *sys, uint64_t index, char *buf, size_t len)
{
	struct cw_system *s = (struct cw_system *)sys;
	int ret = CW_ERANGE;

	if (len == 0) {
		return CW_EINVAL;
	}
	cw_spin_lock(&s->log_lock);
	if (index < s->log_count && s->log_count - index <= s->log_lines) {
		snprintf(buf, len, "%s", s->log_ring[index % s->log_lines]);
		ret = 0;
	}
	cw_spin_unlock(&s->log_lock);
	return ret;
}

bool cw_log_contains(const struct cw_system *sys, const char *needle)
{
	struct cw_system *s = (struct cw_system *)sys;
	bool found = false;
	uint64_t first;

	cw_spin_lock(&s->log_lock);
	first = s->log_count > s->log_lines ? s->log_count - s->log_lines : 0;
	for (uint64_t i = first; i < s->log_count && !found; i++) {
		found = strstr(s->log_ring[i % s->log_lines], needle) != NULL;
	}
	cw_spin_unlock(&s->log_lock);
	return found;
}
