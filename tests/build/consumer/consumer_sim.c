/* SPDX-License-Identifier: MIT */
/*
 * A program that uses an installed libclockwork-sim the way a user's would:
 * the simulator's public header, the built-in machine, 100 ms of virtual
 * time. build.install builds it against the installed tree (pkg-config
 * clockwork-sim, find_package(clockwork) with clockwork::sim and
 * clockwork::sim_static) and runs it: the sim library must bring the core
 * library it is built on, and the core must not be missing anything the
 * simulator needs.
 */
#include <clockwork/clockwork.h>
#include <clockwork/sim.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	const char *text = cw_sim_machine_default_text();
	struct cw_sim_machine_desc *desc = NULL;
	struct cw_sim_machine *m = NULL;
	struct cw_sim *sim = NULL;
	char err[256];
	uint64_t j0, j1;
	int ret;

	ret = cw_sim_create(1, &sim);
	if (!ret) {
		ret = cw_sim_machine_desc_parse_mem(text, strlen(text), "<default>", &desc, err,
						    sizeof(err));
	}
	if (!ret) {
		ret = cw_sim_machine_create(sim, desc, NULL, NULL, NULL, &m);
	}
	if (!ret) {
		ret = cw_sim_machine_boot(m);
	}
	if (ret) {
		fprintf(stderr, "consumer_sim: %s\n", desc ? cw_strerror(ret) : err);
		return 1;
	}
	j0 = cw_jiffies_get(cw_sim_machine_system(m));
	cw_sim_run_for(sim, 100000000u);
	j1 = cw_jiffies_get(cw_sim_machine_system(m));
	/* 100 ms at any of the allowed HZ (100..1000) is 10 to 100 ticks. */
	if (j1 - j0 < 10 || j1 - j0 > 100) {
		fprintf(stderr, "consumer_sim: %llu jiffies in 100 ms of virtual time\n",
			(unsigned long long)(j1 - j0));
		return 1;
	}
	printf("consumer_sim: clockwork-sim works, %llu jiffies in 100 ms at %llu ns\n",
	       (unsigned long long)(j1 - j0), (unsigned long long)cw_sim_now_ns(sim));
	cw_sim_machine_destroy(m);
	cw_sim_machine_desc_free(desc);
	cw_sim_destroy(sim);
	return 0;
}
