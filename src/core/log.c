// SPDX-License-Identifier: MIT
/*
 * The system log: a dmesg-like ring of formatted lines, each stamped
 * "[%5u.%06u] " with the port's log clock, optionally echoed through the
 * port's log_write hook. Lines are kept whole (truncated at
 * CW_LOG_LINE_MAX) and numbered from 0 so readers can follow the ring.
 * CW_WARN_ON_ONCE warnings land here too, once per call site and system
 * ("WARNING: CPU1 at src/core/hrtimer.c:632: <condition>").
 */
#include <clockwork/system.h>

#include "system-internal.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
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

/*
 * Claim @site in @sys's warned set: true the first time (the caller logs),
 * false once it is in. Lock-free: a slot goes from NULL to a site once and
 * never changes again, so a probe that meets the site knows it warned, and
 * two racing claims of one slot leave exactly one winner. A full set
 * answers true (a warning logged again beats one lost).
 */
static bool warn_claim(struct cw_system *sys, const struct cw_warn_site *site)
{
	size_t h = (size_t)((uintptr_t)site / sizeof(*site));

	for (size_t i = 0; i < CW_WARN_SITES; i++) {
		_Atomic(const struct cw_warn_site *) *slot = &sys->warned[(h + i) % CW_WARN_SITES];
		const struct cw_warn_site *cur = atomic_load_explicit(slot, memory_order_relaxed);

		if (cur == NULL &&
		    atomic_compare_exchange_strong_explicit(slot, &cur, site, memory_order_relaxed,
							    memory_order_relaxed)) {
			return true;
		}
		if (cur == site) {
			return false;
		}
	}
	return true;
}

/*
 * @file from its last "src/" on ("src/core/hrtimer.c"), so that a log is
 * the same whatever directory the library was built in.
 */
static const char *warn_file(const char *file)
{
	const char *rel = file;

	for (const char *p = file; (p = strstr(p, "src/")) != NULL; p++) {
		rel = p;
	}
	return rel;
}

void cw__warn_once(struct cw_system *sys, const struct cw_warn_site *site)
{
	const char *file = warn_file(site->file);
	unsigned cpu;

	if (!sys || !warn_claim(sys, site)) {
		return;
	}
	cpu = cw__current_cpu(sys);
	if (cpu == CW_PORT_NO_CPU) {
		cw__log(sys, CW_LOG_WARNING, "WARNING: at %s:%d: %s (not a CPU)", file, site->line,
			site->expr);
	} else {
		cw__log(sys, CW_LOG_WARNING, "WARNING: CPU%u at %s:%d: %s", cpu, file, site->line,
			site->expr);
	}
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
