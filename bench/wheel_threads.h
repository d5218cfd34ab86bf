/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel's W1-threads case (wheel_threads.c): arm+cancel throughput
 * from 1, 2, 4 and 8 application threads on a posix system, and the
 * lateness of CPU-side timers meanwhile.
 */
#ifndef CLOCKWORK_BENCH_WHEEL_THREADS_H
#define CLOCKWORK_BENCH_WHEEL_THREADS_H

#include <stdbool.h>

/**
 * Run the W1-threads case, print its table and append its rows to the
 * results file. @return false if a measurement failed.
 */
bool wheel_threads_run(void);

#endif /* CLOCKWORK_BENCH_WHEEL_THREADS_H */
