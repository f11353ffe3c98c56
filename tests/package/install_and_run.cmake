# cmake -P script: installs BUILD_TREE into a scratch prefix, then configures,
# builds and runs the consumer project CONSUMER_SOURCE against that prefix only.
# With -DTRACE=FILE -DELF=FILE it also runs consumer_tools on them and checks
# its figures against the installed `tlmmu trace --json` and the ELF's exit.
foreach(var BUILD_TREE WORK_DIR CONSUMER_SOURCE GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install_and_run.cmake: -D${var}=... is required")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})

function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "failed (${result}): ${command}")
  endif()
endfunction()

set(flags "")
if(SANITIZE)  # the installed static libraries need the sanitizer runtimes
  set(flags -DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined)
endif()

run_step(${CMAKE_COMMAND} --install ${BUILD_TREE} --prefix ${prefix})
run_step(${CMAKE_COMMAND} -S ${CONSUMER_SOURCE} -B ${build} -G ${GENERATOR}
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
  -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF ${flags})
run_step(${CMAKE_COMMAND} --build ${build})
run_step(${build}/consumer)

if(NOT DEFINED TRACE OR NOT DEFINED ELF)
  message(STATUS "no TRACE/ELF given: the trace, replay and platform consumer is built but not run")
  return()
endif()
execute_process(COMMAND ${build}/consumer_tools ${TRACE} ${ELF} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "consumer_tools:\n${out}${err}")
if(NOT result EQUAL 0)
  message(FATAL_ERROR "consumer_tools failed (${result})")
endif()
run_step(${prefix}/bin/tlmmu trace --quiet --json ${WORK_DIR}/trace.json ${TRACE})
file(READ ${WORK_DIR}/trace.json json)

function(expect_figure name expected)
  if(NOT out MATCHES "(^|\n)${name} ([^\n]*)\n")
    message(FATAL_ERROR "consumer_tools printed no ${name}")
  endif()
  if(NOT CMAKE_MATCH_2 STREQUAL "${expected}")
    message(FATAL_ERROR "${name}: consumer_tools says ${CMAKE_MATCH_2}, expected ${expected}")
  endif()
endfunction()
string(JSON records GET "${json}" records)
string(JSON walks GET "${json}" stats walks count)
string(JSON demand_faults GET "${json}" os_stats demand_faults)
if(records LESS 1000 OR walks LESS 1)
  message(FATAL_ERROR "the trace is too small to compare: ${records} records, ${walks} walks")
endif()
expect_figure(read_records ${records})
expect_figure(records ${records})
expect_figure(walks ${walks})
expect_figure(demand_faults ${demand_faults})
expect_figure(elf_stop exited)
expect_figure(elf_exit_code 0)
