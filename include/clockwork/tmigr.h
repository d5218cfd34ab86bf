/* SPDX-License-Identifier: MIT */
/*
 * Timer migration (the hierarchical pull model): what a user can read of
 * it. Non-pinned wheel timers are always queued on the arming CPU; a CPU
 * that goes idle hands its first such timer up a tree of groups of 8, and
 * a busy CPU (the group's migrator) expires it remotely when it is due.
 * docs/timer-migration.md describes the model, the protocol and the study.
 */
#ifndef CLOCKWORK_INCLUDE_TMIGR_H
#define CLOCKWORK_INCLUDE_TMIGR_H

#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;

/** Children per group of the hierarchy (a power of two, as Linux's). */
#define CW_TMIGR_CHILDREN_PER_GROUP 8u

/** Shape of a system's hierarchy (cw_tmigr_get_info()). */
struct cw_tmigr_info {
	/** Levels of groups (1 for up to 8 CPUs in one node). */
	unsigned levels;
	/** Children per group (CW_TMIGR_CHILDREN_PER_GROUP). */
	unsigned children_per_group;
	/** First level whose groups span NUMA nodes (== levels when there is one node). */
	unsigned crossnode_level;
	/** Groups created so far (groups are created as CPUs come up, never destroyed). */
	unsigned nr_groups;
	/** NUMA nodes in the topology the system was created with. */
	unsigned nr_nodes;
	/** CPUs excluded from the hierarchy (isolated). */
	unsigned nr_isolated;
	/**
	 * Separate hierarchies: one per CPU capacity class with
	 * cw_system_config.tmigr_per_class, else 1.
	 */
	unsigned nr_trees;
};

/** Counters of the hierarchy since creation (cw_tmigr_get_stats()). */
struct cw_tmigr_stats {
	/** CPUs going idle that walked the hierarchy (deactivations). */
	uint64_t deactivations;
	/** CPUs leaving idle that walked the hierarchy (activations). */
	uint64_t activations;
	/** Idle CPUs whose global base a migrator ran remotely. */
	uint64_t remote_runs;
	/** Deactivations that returned a duty: the last idle CPU arms for the system's first event.
	 */
	uint64_t last_idle_duties;
	/** New global timers on an idle CPU that updated the hierarchy without waking it. */
	uint64_t new_timer_updates;
	/** Idle CPUs kicked because the whole hierarchy was idle and a new first event appeared. */
	uint64_t kicks;
};

/**
 * Read the hierarchy's shape. @return 0, or CW_ENODEV when timer migration
 * is off (cw_system_config.tmigr_off, or a single CPU). Context: any.
 */
CW_API int cw_tmigr_get_info(struct cw_system *sys, struct cw_tmigr_info *out);

/** Read the counters. @return 0, or CW_ENODEV when timer migration is off. Context: any. */
CW_API int cw_tmigr_get_stats(struct cw_system *sys, struct cw_tmigr_stats *out);

/**
 * Write the tree into @p buf (NUL-terminated, cut at @p len): one line per
 * group, indented by level, with its node, migrator and active bits and
 * its first event, then its CPUs. @return the length the whole text needs
 * (as snprintf), or CW_ENODEV. Context: any; takes no lock (a snapshot).
 */
CW_API int cw_tmigr_format_tree(struct cw_system *sys, char *buf, size_t len);

/**
 * The hierarchy's checker: recompute every group's active bits, migrator
 * and first event from the CPUs' states and wheel bases, and check that
 * every idle CPU's first global timer is either handled by a migrator or
 * by an idle CPU's programmed wakeup. Only for a quiescent system (tests,
 * the simulator between events). @return 0, or CW_EINVAL with @p report
 * filled; CW_ENODEV when off.
 */
CW_API int cw_tmigr_check(struct cw_system *sys, char *report, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_TMIGR_H */
