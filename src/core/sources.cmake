# SPDX-License-Identifier: MIT
# Portable core: no OS headers (checked by a build test).
set(CW_CORE_SOURCES
  ${PROJECT_SOURCE_DIR}/src/core/error.c
  ${PROJECT_SOURCE_DIR}/src/core/lock.c
  ${PROJECT_SOURCE_DIR}/src/core/log.c
  ${PROJECT_SOURCE_DIR}/src/core/system.c
  ${PROJECT_SOURCE_DIR}/src/core/clocksource.c
  ${PROJECT_SOURCE_DIR}/src/core/jiffies.c
  ${PROJECT_SOURCE_DIR}/src/core/timekeeping.c
  ${PROJECT_SOURCE_DIR}/src/core/ktime.c
  ${PROJECT_SOURCE_DIR}/src/core/ntp.c
  ${PROJECT_SOURCE_DIR}/src/core/timer.c
  ${PROJECT_SOURCE_DIR}/src/core/tmigr.c
  ${PROJECT_SOURCE_DIR}/src/core/cpu.c
  ${PROJECT_SOURCE_DIR}/src/core/cpus.c
  ${PROJECT_SOURCE_DIR}/src/core/components.c
  ${PROJECT_SOURCE_DIR}/src/core/init.c
  ${PROJECT_SOURCE_DIR}/src/core/clockevents.c
  ${PROJECT_SOURCE_DIR}/src/core/hrtimer.c
  ${PROJECT_SOURCE_DIR}/src/core/tick-common.c
  ${PROJECT_SOURCE_DIR}/src/core/tick-broadcast.c
  ${PROJECT_SOURCE_DIR}/src/core/tick-sched.c
  ${PROJECT_SOURCE_DIR}/src/core/check.c
  ${PROJECT_SOURCE_DIR}/src/core/proxy.c
  ${PROJECT_SOURCE_DIR}/src/core/claim.c
  ${PROJECT_SOURCE_DIR}/src/core/timer_list.c
)
