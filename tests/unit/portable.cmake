# SPDX-License-Identifier: MIT
# The portable core. Its 128-bit arithmetic is built twice: the path this
# compiler picks (native __int128 on 64-bit hosts) and the portable fallback
# forced on, so the fallback that 32-bit targets use is checked here
# against __int128.
foreach(t test_math128 test_math128_portable)
  cw_add_test(${t} LABEL unit SOURCES unit/test_math128.c)
  target_compile_definitions(${t} PRIVATE CW_BUILDING_LIBRARY)
endforeach()
target_compile_definitions(test_math128_portable PRIVATE CW_MATH128_FORCE_PORTABLE)

# The knobs of clockwork/config.h reach the code (log ring, default HZ).
cw_add_test(test_config LABEL unit SOURCES unit/test_config.c)
