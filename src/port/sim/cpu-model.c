/* SPDX-License-Identifier: MIT */
/* Placeholder: being written (issue 3). */
typedef int cw__sim_cpu_model_placeholder;
