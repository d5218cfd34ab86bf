# SPDX-License-Identifier: MIT
#
# The simulator port: engine, hardware models, machine files, system glue.
# The built-in default machine (cw_sim_machine_default_text()) is generated
# from examples/machines/default-soc.ini, so the shipped example and the
# compiled-in text can never differ.

set(CW_SIM_DEFAULT_MACHINE ${PROJECT_SOURCE_DIR}/examples/machines/default-soc.ini)
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${CW_SIM_DEFAULT_MACHINE})
file(READ ${CW_SIM_DEFAULT_MACHINE} CW_SIM_DEFAULT_TEXT)
string(REPLACE "\\" "\\\\" CW_SIM_DEFAULT_TEXT "${CW_SIM_DEFAULT_TEXT}")
string(REPLACE "\"" "\\\"" CW_SIM_DEFAULT_TEXT "${CW_SIM_DEFAULT_TEXT}")
string(REPLACE "\n" "\\n\"\n\t\"" CW_SIM_DEFAULT_TEXT "${CW_SIM_DEFAULT_TEXT}")
configure_file(${PROJECT_SOURCE_DIR}/src/port/sim/default-machine.c.in
               ${PROJECT_BINARY_DIR}/src/port/sim/default-machine.c @ONLY)

set(CW_SIM_SOURCES
  ${PROJECT_SOURCE_DIR}/src/port/sim/engine.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/counter.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/port.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/machine-parse.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/machine-format.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/machine-check.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/machine.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/irqc.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/cpu-model.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/trace.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/hw-global-timer.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/hw-arch-timer.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/hw-tmu.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/nic.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/idle-server.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/hw-hpet.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/hw-lapic.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/hw-pit.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/hw-chan.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/drv-global-timer.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/drv-arch-timer.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/drv-tmu.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/drv-hpet.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/drv-lapic.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/drv-pit.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/workload.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/proxy-demo.c
  ${PROJECT_SOURCE_DIR}/src/port/sim/drivers.c
  ${PROJECT_BINARY_DIR}/src/port/sim/default-machine.c
)
