/* SPDX-License-Identifier: MIT */
/* Placeholder: being written (issue 3). */
typedef int cw__posix_clockevent_timerfd_placeholder;
