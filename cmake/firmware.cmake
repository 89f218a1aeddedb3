# Firmware images of a board build, refpool's own and an application's alike. Included by
# cmake/board.cmake in a build from source, and by refpool-config.cmake from an installed
# package; the board's facts come from global properties both set (RP_BOARD_NAME,
# RP_BOARD_EMULATOR: the QEMU command ending in -kernel, empty for a board QEMU does not
# model; RP_BOARD_OPENOCD: openocd's probe and target arguments).

# rp_add_firmware_test(name target [EMULATOR_ARGS args...]): registers image `target` as
# test `name`, run in the board's QEMU (with `args` added before the image's -kernel,
# e.g. -icount for a run timed in instructions); on a build-only board it does nothing
# (the image is still built).
# Pass/fail: the exit status (the image's failure count through semihosting), and also
# any output line starting with "FAIL" or a fault report, so that a result cannot pass by
# mistake of the exit path.
function(rp_add_firmware_test name target)
    cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "EMULATOR_ARGS")
    get_property(emulator GLOBAL PROPERTY RP_BOARD_EMULATOR)
    if(NOT emulator)
        return()
    endif()
    if(arg_EMULATOR_ARGS)
        list(POP_BACK emulator kernel)
        list(APPEND emulator ${arg_EMULATOR_ARGS} ${kernel})
    endif()
    add_test(NAME ${name} COMMAND ${emulator} $<TARGET_FILE:${target}>)
    set_tests_properties(${name} PROPERTIES TIMEOUT 120
        FAIL_REGULAR_EXPRESSION "(^|\n)FAIL;(^|\n)(HardFault|MemManage|BusFault|UsageFault|SecureFault|Fault) \\(exception")
endfunction()

# rp_add_firmware(target [TEST]): an application's firmware image (an executable linking
# refpool::refpool) gets
#   <target>-run     runs it in the board's QEMU; exit status the image's (emulated boards)
#   <target>-size    prints its section sizes (arm-none-eabi-size)
#   <target>-flash   writes it to the board with openocd (boards that name a probe)
# and, with TEST, a ctest test of the same name run in QEMU as refpool's own tests are
# (call enable_testing() first).
function(rp_add_firmware target)
    cmake_parse_arguments(PARSE_ARGV 1 arg "TEST" "" "")
    get_property(emulator GLOBAL PROPERTY RP_BOARD_EMULATOR)
    get_property(openocd GLOBAL PROPERTY RP_BOARD_OPENOCD)
    get_property(board GLOBAL PROPERTY RP_BOARD_NAME)
    if(emulator)
        add_custom_target(${target}-run
            COMMAND ${emulator} $<TARGET_FILE:${target}>
            DEPENDS ${target} USES_TERMINAL VERBATIM
            COMMENT "Running ${target} in QEMU (board ${board})")
        if(arg_TEST)
            rp_add_firmware_test(${target} ${target})
        endif()
    endif()
    string(REGEX REPLACE "gcc$" "size" size_tool "${CMAKE_C_COMPILER}")
    if(NOT EXISTS "${size_tool}")
        find_program(size_tool arm-none-eabi-size)
    endif()
    add_custom_target(${target}-size
        COMMAND ${size_tool} $<TARGET_FILE:${target}>
        DEPENDS ${target} VERBATIM)
    if(openocd)
        add_custom_target(${target}-flash
            COMMAND openocd ${openocd} -c "program $<TARGET_FILE:${target}> verify reset exit"
            DEPENDS ${target} USES_TERMINAL VERBATIM
            COMMENT "Flashing ${target} to ${board} with openocd")
    endif()
endfunction()
