# What RP_BOARD may name, checked before project() so that a wrong name fails at once
# with the list, and so that a cross build picks its toolchain without being told:
#   host            unit tests and tools for this machine
#   cm0 cm3 ...     a Cortex-M CPU without a board: the core alone (cmake/cpu.cmake)
#   <board>         a folder <root>/<board>/ with a board.cmake (cmake/board.cmake), where
#                   the roots are RP_BOARD_ROOTS (a list, searched first) then boards/
# RP_BOARD_DIR, a board folder anywhere (say in the application's own tree), overrides
# RP_BOARD and the roots: RP_BOARD becomes its folder's name.
set(RP_BOARD_DIR "" CACHE PATH "A board folder outside refpool (board.cmake, memory.ld, rp_board.h); overrides RP_BOARD")
set(RP_BOARD_ROOTS "" CACHE STRING "Folders holding board folders, searched before refpool's boards/")
set(RP_CPUS cm0 cm3 cm4 cm33)
if(RP_BOARD_DIR)
    get_filename_component(RP_BOARD_DIR "${RP_BOARD_DIR}" ABSOLUTE)
    if(NOT EXISTS ${RP_BOARD_DIR}/board.cmake)
        message(FATAL_ERROR "RP_BOARD_DIR '${RP_BOARD_DIR}' has no board.cmake")
    endif()
    get_filename_component(board_name ${RP_BOARD_DIR} NAME)
    set(RP_BOARD ${board_name} CACHE STRING "" FORCE)
else()
    foreach(root IN LISTS RP_BOARD_ROOTS)
        if(EXISTS ${root}/${RP_BOARD}/board.cmake)
            get_filename_component(RP_BOARD_DIR ${root}/${RP_BOARD} ABSOLUTE)
            break()
        endif()
    endforeach()
endif()
file(GLOB board_files RELATIVE ${CMAKE_CURRENT_LIST_DIR}/../boards ${CMAKE_CURRENT_LIST_DIR}/../boards/*/board.cmake)
set(RP_BOARDS "")
foreach(f IN LISTS board_files)
    get_filename_component(dir ${f} DIRECTORY)
    list(APPEND RP_BOARDS ${dir})
endforeach()
list(SORT RP_BOARDS)

if(RP_BOARD_DIR)
    set(RP_BOARD_KIND board)
elseif(RP_BOARD STREQUAL "host")
    set(RP_BOARD_KIND host)
elseif(RP_BOARD IN_LIST RP_CPUS)
    set(RP_BOARD_KIND cpu)
elseif(RP_BOARD IN_LIST RP_BOARDS)
    set(RP_BOARD_KIND board)
    set(RP_BOARD_DIR ${CMAKE_CURRENT_LIST_DIR}/../boards/${RP_BOARD})
    get_filename_component(RP_BOARD_DIR ${RP_BOARD_DIR} ABSOLUTE)
else()
    list(JOIN RP_CPUS " " cpus)
    list(JOIN RP_BOARDS " " boards)
    message(FATAL_ERROR "Unknown RP_BOARD '${RP_BOARD}'. Known:\n"
        "  host\n"
        "  core only (CPU, no board): ${cpus}\n"
        "  boards: ${boards}\n"
        "  or a board folder of your own: -DRP_BOARD_DIR=<folder> (docs/porting.md)")
endif()

# Cross builds need arm-none-eabi-gcc; the presets say so, a bare -DRP_BOARD=... need not.
if(NOT RP_BOARD_KIND STREQUAL "host" AND NOT CMAKE_TOOLCHAIN_FILE)
    set(CMAKE_TOOLCHAIN_FILE ${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
endif()
