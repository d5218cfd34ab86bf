# SPDX-License-Identifier: MIT
# The POSIX clocks and timers API (include/clockwork/posix.h). It uses OS
# headers (it implements the POSIX API) and both user-space ports' public
# calls, so it is compiled with the ports, not with the core.
set(CW_POSIXAPI_SOURCES
  ${PROJECT_SOURCE_DIR}/src/posixapi/adjtimex.c
  ${PROJECT_SOURCE_DIR}/src/posixapi/posixapi.c
  ${PROJECT_SOURCE_DIR}/src/posixapi/timers.c
  ${PROJECT_SOURCE_DIR}/src/posixapi/waiter-posix.c
  ${PROJECT_SOURCE_DIR}/src/posixapi/waiter-sim.c
)

