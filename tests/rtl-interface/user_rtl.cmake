# cmake -P script: installs BUILD_TREE into a scratch prefix, then, against
# that prefix only, builds a user example and runs its co-simulations.
# EXAMPLE=tlb (default): examples/user-rtl twice (clean and with
# -DMY_TLB_BUG=ON). EXAMPLE=walker: examples/user-walker, whose one program
# holds the clean build and the planted bug (--fault). The clean run must
# pass (and write JUnit), the planted bug must be reported at its first
# mismatching transaction. Last, a design with wrong ports must fail at
# configure time naming them.
if(NOT DEFINED EXAMPLE)
  set(EXAMPLE tlb)
endif()
foreach(var BUILD_TREE WORK_DIR SOURCE_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "user_rtl.cmake: -D${var}=... is required")
  endif()
endforeach()
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})

function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "failed (${result}): ${command}\n${out}${err}")
  endif()
endfunction()

set(flags -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
          -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
if(SANITIZE)
  list(APPEND flags -DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined)
endif()
if(CCACHE)
  list(APPEND flags -DCMAKE_CXX_COMPILER_LAUNCHER=${CCACHE})
endif()
run_step(${CMAKE_COMMAND} --install ${BUILD_TREE} --prefix ${prefix})

# A configure of `source` that must fail, saying each of the `expected` lines.
function(expect_refused source)
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${source} -B ${WORK_DIR}/bad ${flags}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(out "${out}${err}")
  message("${out}")
  string(REGEX REPLACE "[ \n]+" " " out "${out}")  # cmake wraps long messages
  if(rc EQUAL 0)
    message(FATAL_ERROR "a design with wrong ports configured")
  endif()
  foreach(expected IN LISTS ARGN)
    string(FIND "${out}" "${expected}" at)
    if(at LESS 0)
      message(FATAL_ERROR "configure output does not say: ${expected}")
    endif()
  endforeach()
endfunction()

if(EXAMPLE STREQUAL "walker")
  run_step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/user-walker -B ${WORK_DIR}/walker ${flags})
  run_step(${CMAKE_COMMAND} --build ${WORK_DIR}/walker)
  set(program ${WORK_DIR}/walker/my_walker_cosim)

  # Clean: passes, JUnit written with one test case and no failure.
  execute_process(COMMAND ${program} --transactions 20000 --seed 1 --junit ${WORK_DIR}/clean.xml
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${out}${err}")
  if(NOT rc EQUAL 0 OR NOT out MATCHES "walker co-simulation: 20000 transactions, 0 mismatches")
    message(FATAL_ERROR "the clean my_walker did not pass (exit ${rc})")
  endif()
  file(READ ${WORK_DIR}/clean.xml junit)
  if(NOT junit MATCHES "tests=\"1\"" OR NOT junit MATCHES "failures=\"0\"")
    message(FATAL_ERROR "the JUnit file does not record one passing test case:\n${junit}")
  endif()

  # Planted bug (a write never sets D): caught at the first write that should
  # have, with the differing compare-and-set row marked, and its waveform.
  execute_process(COMMAND ${program} --fault --transactions 20000 --seed 1 --quiet
                          --vcd ${WORK_DIR}/bug.vcd --vcd-window 20
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${out}${err}")
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "expected exit status 1 (mismatch) from the planted bug, got ${rc}")
  endif()
  foreach(expected "first MISMATCH at transaction [0-9]+ \\(seed 1\\)" "access: write "
                   "page-table access sequences differ" "\n  \\* [0-9]+: cas "
                   "waveform of transactions [0-9]+ to [0-9]+ written to")
    if(NOT out MATCHES "${expected}")
      message(FATAL_ERROR "the planted bug's report does not match '${expected}'")
    endif()
  endforeach()
  if(NOT EXISTS ${WORK_DIR}/bug.vcd OR EXISTS ${WORK_DIR}/bug.vcd.part)
    message(FATAL_ERROR "no waveform of the walks before the mismatch")
  endif()

  expect_refused(${SOURCE_DIR}/tests/rtl-interface/bad-walker
                 "module 'bad_walker' does not match the walker port list" "missing output port 'res_dirty'"
                 "port 'req_va' is 48 bits wide, the walker interface needs 64")
  message("user walker: clean passes, planted bug caught, wrong ports refused")
  return()
endif()

# Clean: passes, JUnit written.
run_step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/user-rtl -B ${WORK_DIR}/clean ${flags})
run_step(${CMAKE_COMMAND} --build ${WORK_DIR}/clean)
execute_process(COMMAND ${WORK_DIR}/clean/my_tlb_cosim --transactions 100000 --seed 1 --junit ${WORK_DIR}/clean.xml
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0 OR NOT out MATCHES "tlb my_tlb: 100000 transactions, 0 mismatches")
  message(FATAL_ERROR "the clean my_tlb did not pass (exit ${rc})")
endif()
if(NOT EXISTS ${WORK_DIR}/clean.xml)
  message(FATAL_ERROR "no JUnit file written")
endif()

# Planted bug: caught at the first transaction it changes, an INVLPG of a global entry.
run_step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/user-rtl -B ${WORK_DIR}/bug ${flags} -DMY_TLB_BUG=ON)
run_step(${CMAKE_COMMAND} --build ${WORK_DIR}/bug)
execute_process(COMMAND ${WORK_DIR}/bug/my_tlb_cosim --transactions 100000 --seed 1 --quiet
                        --vcd ${WORK_DIR}/bug.vcd --vcd-window 20
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit status 1 (mismatch) from the planted bug, got ${rc}")
endif()
if(NOT out MATCHES "MISMATCH at transaction [0-9]+: invlpg" OR NOT out MATCHES "dropped +0x[0-9a-f]+ +0x[0-9a-f]+ +<- differs")
  message(FATAL_ERROR "the planted bug was not reported at an INVLPG with the differing field")
endif()
if(NOT EXISTS ${WORK_DIR}/bug.vcd)
  message(FATAL_ERROR "no waveform of the transactions before the mismatch")
endif()

# Wrong ports: configure fails naming them.
expect_refused(${SOURCE_DIR}/tests/rtl-interface/bad-ports
               "module 'bad_tlb' does not match the tlb port list" "missing output port 'rsp_pkey'"
               "port 'req_vaddr' is 48 bits wide, the tlb interface needs 57")
message("user RTL: clean passes, planted bug caught, wrong ports refused")
