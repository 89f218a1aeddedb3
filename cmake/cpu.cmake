# CPU flags for core-only cross builds (RP_BOARD=cm0|cm3|cm4|cm33): sets
# RP_BOARD_CPU_FLAGS, as a board's board.cmake does for its CPU; refpool_core passes them
# on to everything that links it.
function(rp_cpu_flags cpu)
    if(cpu STREQUAL "cm0")
        set(flags -mcpu=cortex-m0 -mthumb -mfloat-abi=soft)
    elseif(cpu STREQUAL "cm3")
        set(flags -mcpu=cortex-m3 -mthumb -mfloat-abi=soft)
    elseif(cpu STREQUAL "cm4")
        set(flags -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
    elseif(cpu STREQUAL "cm33")
        set(flags -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16)
    else()
        message(FATAL_ERROR "Unknown RP_BOARD '${cpu}'. Known: host cm0 cm3 cm4 cm33")
    endif()
    set(RP_BOARD_CPU_FLAGS ${flags} PARENT_SCOPE)
endfunction()
