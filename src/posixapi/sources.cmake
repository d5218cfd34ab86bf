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

# The sleeps are cancellation points with a cleanup handler. With
# -fexceptions glibc's pthread_cleanup_push() in C is a cleanup attribute
# run by the forced unwind, not a setjmp buffer longjmp'd into (which
# AddressSanitizer's stack bookkeeping rejects).
set_source_files_properties(${PROJECT_SOURCE_DIR}/src/posixapi/posixapi.c
                            PROPERTIES COMPILE_OPTIONS -fexceptions)
