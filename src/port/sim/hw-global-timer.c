/* SPDX-License-Identifier: MIT */
/* Placeholder: being written (issue 3). */
typedef int cw__sim_hw_global_timer_placeholder;
