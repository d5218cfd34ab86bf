/* SPDX-License-Identifier: MIT */
/* Tick broadcast (placeholder until the tick layer lands). */
#include "system-internal.h"

typedef int cw__tick_broadcast_placeholder;
