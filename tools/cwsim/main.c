/* SPDX-License-Identifier: MIT */
/*
 * cwsim's entry point: everything else is in cwsim_run.c, so that tests can
 * run the tool in-process.
 */
#include "cwsim.h"

int main(int argc, char **argv)
{
	return cwsim_main(argc, argv, stdout, stderr);
}
