# SPDX-License-Identifier: MIT
# Sources of the posix port (threads as CPUs, this machine's clocks). Included
# by the top-level CMakeLists.txt; paths are absolute so the list can be used
# from any directory.
set(CW_POSIX_SOURCES
  ${PROJECT_SOURCE_DIR}/src/port/posix/system.c
  ${PROJECT_SOURCE_DIR}/src/port/posix/housekeeping.c
  ${PROJECT_SOURCE_DIR}/src/port/posix/clocksource-gettime.c
  ${PROJECT_SOURCE_DIR}/src/port/posix/clocksource-tsc.c
  ${PROJECT_SOURCE_DIR}/src/port/posix/cpu-thread.c
  ${PROJECT_SOURCE_DIR}/src/port/posix/pipeline.c
  ${PROJECT_SOURCE_DIR}/src/port/posix/clockevent-timerfd.c
  ${PROJECT_SOURCE_DIR}/src/port/posix/symbols.c
)
