/* SPDX-License-Identifier: MIT */
/*
 * cwsim --machine-keys: the machine-file key reference as Markdown, one
 * table per section, written from the schema the parser runs on
 * (cw_sim_machine_key()). docs/simulator.md holds a copy between two
 * markers; tools/cwsim/machine_keys_docs.sh writes it there and the test
 * docs.machine_keys fails when the two differ.
 */
#ifndef CLOCKWORK_TOOLS_CWSIM_MACHINE_KEYS_H
#define CLOCKWORK_TOOLS_CWSIM_MACHINE_KEYS_H

#include <stdio.h>

/** Write the key reference to @p out. @return 0, or -1 on a write error. */
int cwsim_machine_keys(FILE *out);

#endif /* CLOCKWORK_TOOLS_CWSIM_MACHINE_KEYS_H */
