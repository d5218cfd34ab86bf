/* SPDX-License-Identifier: MIT */
/*
 * cwsim, the simulator CLI, as a function: tests run it in-process with an
 * argument vector and capture what it prints. main.c is a two-line wrapper.
 */
#ifndef CLOCKWORK_TOOLS_CWSIM_CWSIM_H
#define CLOCKWORK_TOOLS_CWSIM_CWSIM_H

#include <stdio.h>

/** Exit status: the run completed. */
#define CWSIM_EXIT_OK          0
/** Exit status: the machine file or the run failed (message on @err). */
#define CWSIM_EXIT_FAILURE     1
/** Exit status: bad command-line arguments (message and usage on @err). */
#define CWSIM_EXIT_USAGE       2
/** Exit status: SIGINT stopped the run early; every report was still written (128 + SIGINT). */
#define CWSIM_EXIT_INTERRUPTED 130

/**
 * Run cwsim.
 * @param argc  Argument count, argv[0] included.
 * @param argv  Arguments (not modified).
 * @param out   Receives the boot log, the final table and --help text.
 * @param err   Receives error messages and the usage after a bad argument.
 * Context: single-threaded; installs a SIGINT handler while it simulates.
 * Nothing simulated reads the host clock, so a run is a function of its
 * arguments (same arguments, byte-identical output on @out and in --json);
 * only the progress line on @err and --resources read it.
 * @return CWSIM_EXIT_OK, CWSIM_EXIT_FAILURE, CWSIM_EXIT_USAGE or
 *         CWSIM_EXIT_INTERRUPTED.
 */
int cwsim_main(int argc, char **argv, FILE *out, FILE *err);

#endif /* CLOCKWORK_TOOLS_CWSIM_CWSIM_H */
