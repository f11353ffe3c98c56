# tlmmu_add_rtl_cosim: co-simulate a SystemVerilog TLB, paging-structure
# cache or page walker against the tlmmu model (docs/rtl-interface.md). Shipped with the
# installed package (find_package(tlmmu) includes this file) and used by the
# project for its own RTL (rtl/cosim).
#
#   tlmmu_add_rtl_cosim(NAME <target> KIND tlb|psc|walker TOP <module> SOURCES <file>...
#                       [CONFIG <name>] [PARAMS <P>=<V>...] [GEOMETRY <K>=<V>...]
#                       [DEFINES <D>[=<V>]...] [INCLUDE_DIRS <dir>...]
#                       [VERILATOR_ARGS <arg>...] [FAULT])
#
# Verilates <module> from SOURCES with the -G PARAMS and +define+ DEFINES,
# checks its ports against the KIND's port list (a missing or mis-sized port
# stops cmake naming it), and adds the build to <target> as configuration
# CONFIG (default: <module>). Without a target of that name, an executable
# <target> is created: the co-simulation program, with the usual options
# (--seed, --transactions, --config, --fault, --vcd, --vcd-window, --quiet,
# --junit; a walker's also --levels, --no-psc, --require-coverage ...). FAULT marks the build selected by --fault (one with a planted bug).
# The model is configured like the RTL from GEOMETRY, or from PARAMS when
# GEOMETRY is not given:
#   tlb: ENTRIES WAYS POLICY(0 lru, 1 plru) [ENTRIES_2M WAYS_2M ENTRIES_1G WAYS_1G]
#   psc: LEVELS POLICY PDE_ENTRIES PDE_WAYS PDPTE_ENTRIES PDPTE_WAYS
#        PML4E_ENTRIES PML4E_WAYS PML5E_ENTRIES PML5E_WAYS
#   walker: MAXPHYADDR GB_PAGES RESTART_LIMIT
include_guard(GLOBAL)

# Where the harness sources live: set before including this file (the
# package config and rtl/cosim do).
if(NOT TLMMU_COSIM_DATA_DIR)
  message(FATAL_ERROR "tlmmuRtlCosim.cmake: TLMMU_COSIM_DATA_DIR is not set")
endif()
set_property(GLOBAL PROPERTY TLMMU_COSIM_DATA_DIR ${TLMMU_COSIM_DATA_DIR})

# Port lists: "direction name width"; width "count" is a counter at least
# wide enough for every entry (at most 32 bits).
set(_tlmmu_ports_tlb
  "in clk 1" "in rst 1" "in req_valid 1" "in req_op 4" "in req_vaddr 57" "in req_pcid 12" "in req_noflush 1"
  "in req_cr4_old 4" "in req_cr4_new 4" "in req_fill_pfn 40" "in req_fill_size 2" "in req_fill_global 1"
  "in req_fill_dirty 1" "in req_fill_rights 3" "in req_fill_pkey 4"
  "out rsp_valid 1" "out rsp_hit 1" "out rsp_paddr 52" "out rsp_size 2" "out rsp_global 1" "out rsp_dirty 1"
  "out rsp_rights 3" "out rsp_pkey 4" "out rsp_evicted 1" "out rsp_dropped count")
set(_tlmmu_ports_psc
  "in clk 1" "in rst 1" "in req_valid 1" "in req_op 4" "in req_vaddr 57" "in req_pcid 12" "in req_noflush 1"
  "in req_cr4_old 4" "in req_cr4_new 4" "in req_fill_level 3" "in req_fill_table 40" "in req_fill_rights 3"
  "in req_fill_pcd 1" "in req_fill_pwt 1"
  "out rsp_valid 1" "out rsp_hit 1" "out rsp_level 3" "out rsp_table 40" "out rsp_rights 3" "out rsp_pcd 1"
  "out rsp_pwt 1" "out rsp_evicted 1" "out rsp_dropped count")
set(_tlmmu_ports_walker
  "in clk 1" "in rst 1" "in req_valid 1" "out req_ready 1" "in req_va 64" "in req_type 2" "in req_user 1"
  "in req_implicit 1" "in req_start_valid 1" "in req_start_level 3" "in req_start_table 64" "in req_start_w 1"
  "in req_start_u 1" "in req_start_nx 1" "in cr3 64" "in la57 1" "in cr0_wp 1" "in cr4_smep 1" "in cr4_smap 1"
  "in cr4_pke 1" "in cr4_pge 1" "in efer_nxe 1" "in eflags_ac 1" "in pkru 32"
  "out mem_req_valid 1" "in mem_req_ready 1" "out mem_req_cas 1" "out mem_req_addr 64" "out mem_req_cmp 64"
  "out mem_req_wdata 64" "in mem_resp_valid 1" "in mem_resp_data 64" "in mem_resp_err 1"
  "out res_valid 1" "in res_ready 1" "out res_fault 2" "out res_error_code 6" "out res_fault_addr 64"
  "out res_pa 64" "out res_size 2" "out res_w 1" "out res_u 1" "out res_nx 1" "out res_pkey 4"
  "out res_global 1" "out res_dirty 1")
set(_tlmmu_geometry_tlb ENTRIES=64 WAYS=4 POLICY=1 ENTRIES_2M=0 WAYS_2M=4 ENTRIES_1G=0 WAYS_1G=4)
set(_tlmmu_geometry_psc LEVELS=5 POLICY=1 PDE_ENTRIES=32 PDE_WAYS=4 PDPTE_ENTRIES=4 PDPTE_WAYS=4
    PML4E_ENTRIES=2 PML4E_WAYS=2 PML5E_ENTRIES=2 PML5E_WAYS=2)
set(_tlmmu_geometry_walker MAXPHYADDR=46 GB_PAGES=1 RESTART_LIMIT=8)

# Verilator's runtime headers warn under -Wall -Wextra: treat them as system headers.
function(tlmmu_cosim_quiet_verilator_headers target)
  target_include_directories(${target} SYSTEM PRIVATE ${VERILATOR_ROOT}/include ${VERILATOR_ROOT}/include/vltstd)
  set_source_files_properties(${VERILATOR_ROOT}/include/verilated.cpp ${VERILATOR_ROOT}/include/verilated_vcd_c.cpp
                              ${VERILATOR_ROOT}/include/verilated_threads.cpp
                              PROPERTIES COMPILE_OPTIONS -Wno-unused-parameter)
  if(TLMMU_SANITIZE)
    # Verilator's VCD writer stores 64-bit values at 4-byte offsets of its
    # trace buffer (verilated_trace_imp.h), harmless on x86; UBSan's alignment
    # check would stop every run that dumps a waveform.
    target_compile_options(${target} PRIVATE -fno-sanitize=alignment)
  endif()
endfunction()

# Checks the ports of the Verilated model header against KIND's port list.
function(_tlmmu_cosim_check_ports what kind header top count_bits)
  file(STRINGS ${header} lines REGEX "VL_(IN|OUT|INOUT)(8|16|64|W)?\\(")
  set(found "")
  foreach(line IN LISTS lines)
    if(line MATCHES "VL_(IN|OUT|INOUT)(8|16|64|W)?\\(&([A-Za-z0-9_]+),([0-9]+),([0-9]+)")
      string(TOLOWER "${CMAKE_MATCH_1}" dir)
      math(EXPR width "${CMAKE_MATCH_4} - ${CMAKE_MATCH_5} + 1")
      set(port_${CMAKE_MATCH_3} "${dir} ${width}")
      list(APPEND found ${CMAKE_MATCH_3})
    endif()
  endforeach()
  set(problems "")
  foreach(spec IN LISTS _tlmmu_ports_${kind})
    separate_arguments(spec UNIX_COMMAND "${spec}")
    list(GET spec 0 dir)
    list(GET spec 1 name)
    list(GET spec 2 width)
    if(NOT DEFINED port_${name})
      string(APPEND problems "\n  missing ${dir}put port '${name}'")
      continue()
    endif()
    separate_arguments(have UNIX_COMMAND "${port_${name}}")
    list(GET have 0 have_dir)
    list(GET have 1 have_width)
    if(NOT have_dir STREQUAL dir)
      string(APPEND problems "\n  port '${name}' is an ${have_dir}put, the ${kind} interface needs an ${dir}put")
    elseif(width STREQUAL "count")
      if(have_width LESS count_bits OR have_width GREATER 32)
        string(APPEND problems "\n  port '${name}' is ${have_width} bits wide, the ${kind} interface needs "
                               "${count_bits} to 32 (a count of up to every entry)")
      endif()
    elseif(NOT have_width EQUAL width)
      string(APPEND problems "\n  port '${name}' is ${have_width} bits wide, the ${kind} interface needs ${width}")
    endif()
  endforeach()
  if(problems)
    message(FATAL_ERROR "${what}: module '${top}' does not match the ${kind} port list "
                        "(docs/rtl-interface.md):${problems}")
  endif()
endfunction()

# Writes the table of builds of <target> once every call has been seen.
function(_tlmmu_cosim_generate target kind file)
  get_target_property(includes ${target} TLMMU_COSIM_INCLUDES)
  get_target_property(rows ${target} TLMMU_COSIM_ROWS)
  string(REPLACE ";" "\n" includes "${includes}")
  string(REPLACE ";" "\n" rows "${rows}")
  string(TOUPPER ${kind} upper)
  set(${upper}_INCLUDES "${includes}")
  set(${upper}_ROWS "${rows}")
  get_property(data GLOBAL PROPERTY TLMMU_COSIM_DATA_DIR)
  configure_file(${data}/${kind}/${kind}_duts.cpp.in ${file} @ONLY)
endfunction()

function(tlmmu_add_rtl_cosim)
  cmake_parse_arguments(ARG "FAULT" "NAME;KIND;TOP;CONFIG"
                        "SOURCES;PARAMS;GEOMETRY;DEFINES;INCLUDE_DIRS;VERILATOR_ARGS" ${ARGN})
  set(what "tlmmu_add_rtl_cosim(${ARG_NAME})")
  foreach(required NAME KIND TOP SOURCES)
    if(NOT ARG_${required})
      message(FATAL_ERROR "${what}: ${required} is required")
    endif()
  endforeach()
  if(NOT ARG_KIND MATCHES "^(tlb|psc|walker)$")
    message(FATAL_ERROR "${what}: KIND must be tlb, psc or walker, not '${ARG_KIND}'")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${what}: unexpected arguments '${ARG_UNPARSED_ARGUMENTS}'")
  endif()
  if(NOT ARG_CONFIG)
    set(ARG_CONFIG ${ARG_TOP})
  endif()
  find_package(verilator REQUIRED HINTS $ENV{VERILATOR_ROOT})
  get_property(data GLOBAL PROPERTY TLMMU_COSIM_DATA_DIR)
  set(kind ${ARG_KIND})

  # The model's geometry: defaults, then PARAMS (or GEOMETRY) overrides.
  foreach(pair IN LISTS _tlmmu_geometry_${kind})
    string(REPLACE "=" ";" pair "${pair}")
    list(GET pair 0 key)
    list(GET pair 1 value)
    set(g_${key} ${value})
  endforeach()
  set(geometry ${ARG_GEOMETRY})
  if(NOT ARG_GEOMETRY)
    set(geometry ${ARG_PARAMS})
  endif()
  foreach(pair IN LISTS geometry)
    if(NOT pair MATCHES "^([A-Za-z_0-9]+)=(.*)$")
      message(FATAL_ERROR "${what}: '${pair}' is not NAME=VALUE")
    endif()
    set(key ${CMAKE_MATCH_1})
    set(value ${CMAKE_MATCH_2})
    if(key STREQUAL "POLICY")
      if(value STREQUAL "lru")
        set(value 0)
      elseif(value STREQUAL "plru")
        set(value 1)
      endif()
    endif()
    if(DEFINED g_${key})
      if(NOT value MATCHES "^[0-9]+$")
        message(FATAL_ERROR "${what}: ${key}=${value} is not a number")
      endif()
      set(g_${key} ${value})
    elseif(ARG_GEOMETRY)
      message(FATAL_ERROR "${what}: GEOMETRY key '${key}' is not one of the ${kind} model's (${_tlmmu_geometry_${kind}})")
    endif()
  endforeach()
  if(kind STREQUAL "walker")
    # The model refuses what the RTL parameters cannot mean: say so at configure time.
    if(g_MAXPHYADDR LESS 32 OR g_MAXPHYADDR GREATER 52)
      message(FATAL_ERROR "${what}: MAXPHYADDR must be 32..52, not ${g_MAXPHYADDR}")
    endif()
    if(g_GB_PAGES GREATER 1)
      message(FATAL_ERROR "${what}: GB_PAGES must be 0 or 1, not ${g_GB_PAGES}")
    endif()
    if(g_RESTART_LIMIT LESS 1)
      message(FATAL_ERROR "${what}: RESTART_LIMIT must be at least 1")
    endif()
  elseif(g_POLICY EQUAL 0)
    set(policy lru)
  elseif(g_POLICY EQUAL 1)
    set(policy tree_plru)
  else()
    message(FATAL_ERROR "${what}: POLICY must be 0 (lru) or 1 (plru), not ${g_POLICY}")
  endif()

  # Verilate.
  string(MAKE_C_IDENTIFIER "V${ARG_NAME}_${ARG_CONFIG}" prefix)
  if(ARG_FAULT)
    string(APPEND prefix "_fault")
  endif()
  set(args ${ARG_VERILATOR_ARGS})
  foreach(p IN LISTS ARG_PARAMS)
    list(APPEND args -G${p})
  endforeach()
  foreach(d IN LISTS ARG_DEFINES)
    list(APPEND args +define+${d})
  endforeach()
  foreach(dir IN LISTS ARG_INCLUDE_DIRS)
    list(APPEND args -I${dir})
  endforeach()
  if(NOT TARGET ${ARG_NAME})
    add_executable(${ARG_NAME} ${data}/${kind}/${kind}_cosim_main.cpp)
    set(create_table TRUE)
  else()
    get_target_property(existing_kind ${ARG_NAME} TLMMU_COSIM_KIND)
    set(create_table FALSE)
    if(NOT existing_kind)
      set(create_table TRUE)
    elseif(NOT existing_kind STREQUAL kind)
      message(FATAL_ERROR "${what}: the target already co-simulates a ${existing_kind}, not a ${kind}")
    endif()
  endif()
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/tlmmu_cosim/${prefix})
  verilate(${ARG_NAME} PREFIX ${prefix} TOP_MODULE ${ARG_TOP} TRACE DIRECTORY ${dir}
    SOURCES ${ARG_SOURCES} VERILATOR_ARGS ${args})

  # Ports, from the header Verilator wrote at configure time.
  if(kind STREQUAL "tlb")
    math(EXPR total "${g_ENTRIES} + ${g_ENTRIES_2M} + ${g_ENTRIES_1G}")
  elseif(kind STREQUAL "walker")
    set(total 1)  # no counter port
  else()
    math(EXPR total "${g_PDE_ENTRIES} + ${g_PDPTE_ENTRIES} + ${g_PML4E_ENTRIES} + ${g_PML5E_ENTRIES}")
  endif()
  set(count_bits 1)
  while(TRUE)
    math(EXPR reach "1 << ${count_bits}")
    if(reach GREATER total)
      break()
    endif()
    math(EXPR count_bits "${count_bits} + 1")
  endwhile()
  _tlmmu_cosim_check_ports("${what}" ${kind} ${dir}/${prefix}.h ${ARG_TOP} ${count_bits})

  # One row of the table of builds.
  if(ARG_FAULT)
    set(fault true)
  else()
    set(fault false)
  endif()
  if(kind STREQUAL "tlb")
    set(row "        {\"${ARG_CONFIG}\", ${g_ENTRIES}, ${g_WAYS}, ${g_ENTRIES_2M}, ${g_WAYS_2M}, ${g_ENTRIES_1G}, ${g_WAYS_1G}, ReplacementPolicy::${policy}, ${fault}, &make<${prefix}>},")
  elseif(kind STREQUAL "walker")
    if(g_GB_PAGES)
      set(gb_pages true)
    else()
      set(gb_pages false)
    endif()
    set(row "        {\"${ARG_CONFIG}\", ${g_MAXPHYADDR}, ${gb_pages}, ${g_RESTART_LIMIT}, ${fault}, &make<${prefix}>},")
  else()
    set(row "        {\"${ARG_CONFIG}\", ${g_LEVELS}, {{}, {}, {${g_PDE_ENTRIES}, ${g_PDE_WAYS}}, {${g_PDPTE_ENTRIES}, ${g_PDPTE_WAYS}}, {${g_PML4E_ENTRIES}, ${g_PML4E_WAYS}}, {${g_PML5E_ENTRIES}, ${g_PML5E_WAYS}}}, ReplacementPolicy::${policy}, ${fault}, &make<${prefix}>},")
  endif()
  set_property(TARGET ${ARG_NAME} APPEND PROPERTY TLMMU_COSIM_INCLUDES "#include \"${prefix}.h\"")
  set_property(TARGET ${ARG_NAME} APPEND PROPERTY TLMMU_COSIM_ROWS "${row}")
  if(create_table)
    set_property(TARGET ${ARG_NAME} PROPERTY TLMMU_COSIM_KIND ${kind})
    set(table ${CMAKE_CURRENT_BINARY_DIR}/tlmmu_cosim/${ARG_NAME}_${kind}_duts.cpp)
    target_sources(${ARG_NAME} PRIVATE ${table})
    target_link_libraries(${ARG_NAME} PRIVATE tlmmu::cosim_${kind})
    tlmmu_cosim_quiet_verilator_headers(${ARG_NAME})
    cmake_language(EVAL CODE "cmake_language(DEFER CALL _tlmmu_cosim_generate [[${ARG_NAME}]] [[${kind}]] [[${table}]])")
  endif()
endfunction()
