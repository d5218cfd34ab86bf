/* SPDX-License-Identifier: MIT */
/*
 * cwlat's entry point: everything else is in cwlat_run.c and the back ends,
 * so that tests can run the tool in-process.
 */
#include "cwlat.h"

int main(int argc, char **argv)
{
	return cwlat_main(argc, argv, stdout, stderr);
}
