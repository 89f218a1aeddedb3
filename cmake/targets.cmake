# What RP_BOARD may name, checked before project() so that a wrong name fails at once
# with the list, and so that a cross build picks its toolchain without being told:
#   host            unit tests and tools for this machine
#   cm0 cm3 ...     a Cortex-M CPU without a board: the core alone (cmake/cpu.cmake)
#   <board>         a folder boards/<board>/ with a board.cmake (cmake/board.cmake)
set(RP_CPUS cm0 cm3 cm4 cm33)
file(GLOB board_files RELATIVE ${CMAKE_CURRENT_LIST_DIR}/../boards ${CMAKE_CURRENT_LIST_DIR}/../boards/*/board.cmake)
set(RP_BOARDS "")
foreach(f IN LISTS board_files)
    get_filename_component(dir ${f} DIRECTORY)
    list(APPEND RP_BOARDS ${dir})
endforeach()
list(SORT RP_BOARDS)

if(RP_BOARD STREQUAL "host")
    set(RP_BOARD_KIND host)
elseif(RP_BOARD IN_LIST RP_CPUS)
    set(RP_BOARD_KIND cpu)
elseif(RP_BOARD IN_LIST RP_BOARDS)
    set(RP_BOARD_KIND board)
else()
    list(JOIN RP_CPUS " " cpus)
    list(JOIN RP_BOARDS " " boards)
    message(FATAL_ERROR "Unknown RP_BOARD '${RP_BOARD}'. Known:\n"
        "  host\n"
        "  core only (CPU, no board): ${cpus}\n"
        "  boards: ${boards}")
endif()

# Cross builds need arm-none-eabi-gcc; the presets say so, a bare -DRP_BOARD=... need not.
if(NOT RP_BOARD_KIND STREQUAL "host" AND NOT CMAKE_TOOLCHAIN_FILE)
    set(CMAKE_TOOLCHAIN_FILE ${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
endif()
