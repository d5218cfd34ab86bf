// SPDX-License-Identifier: MIT
/*
 * cwsim's timer-migration report (include/clockwork/tmigr.h,
 * docs/timer-migration.md): on request (--tmigr-tree), a table of the
 * hierarchy's shape and counters in text and JSON (report.h), then the
 * tree in the text.
 */
#include "tmigr_report.h"

#include "report.h"

#include <clockwork/system.h>
#include <clockwork/tmigr.h>

#include <stdio.h>
#include <stdlib.h>

void cwsim_report_tmigr(struct cwsim_report *rep, struct cw_system *sys, bool wanted)
{
	static const struct cwsim_col cols[] = {
		{ "levels", "levels", 6, 0 },
		{ "children", "children_per_group", 8, 0 },
		{ "crossnode", "crossnode_level", 9, 0 },
		{ "groups", "groups", 7, 0 },
		{ "nodes", "nodes", 5, 0 },
		{ "isolated", "isolated_cpus", 8, 0 },
		{ "trees", "trees", 5, 0 },
		{ "deactivations", "deactivations", 13, 0 },
		{ "activations", "activations", 11, 0 },
		{ "remote runs", "remote_runs", 11, 0 },
		{ "last-idle", "last_idle_duties", 9, 0 },
		{ "hook updates", "hook_updates", 12, 0 },
		{ "kicks", "kicks", 6, 0 },
	};
	struct cw_tmigr_info info;
	struct cw_tmigr_stats st;
	char *tree;
	int n;

	if (!wanted) {
		return;
	}
	if (cw_tmigr_get_info(sys, &info) || cw_tmigr_get_stats(sys, &st)) {
		fprintf(rep->out, "\ntimer migration: off\n");
		return;
	}
	cwsim_table_begin(rep, "tmigr", cols, sizeof(cols) / sizeof(cols[0]));
	cwsim_cell_u64(rep, info.levels);
	cwsim_cell_u64(rep, info.children_per_group);
	cwsim_cell_u64(rep, info.crossnode_level);
	cwsim_cell_u64(rep, info.nr_groups);
	cwsim_cell_u64(rep, info.nr_nodes);
	cwsim_cell_u64(rep, info.nr_isolated);
	cwsim_cell_u64(rep, info.nr_trees);
	cwsim_cell_u64(rep, st.deactivations);
	cwsim_cell_u64(rep, st.activations);
	cwsim_cell_u64(rep, st.remote_runs);
	cwsim_cell_u64(rep, st.last_idle_duties);
	cwsim_cell_u64(rep, st.new_timer_updates);
	cwsim_cell_u64(rep, st.kicks);
	cwsim_table_end(rep);
	n = cw_tmigr_format_tree(sys, NULL, 0);
	if (n <= 0) {
		return;
	}
	tree = malloc((size_t)n + 1u);
	if (!tree) {
		return;
	}
	cw_tmigr_format_tree(sys, tree, (size_t)n + 1u);
	fprintf(rep->out, "\n%s", tree);
	free(tree);
}
