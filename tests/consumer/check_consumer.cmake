# Builds tests/consumer/app outside refpool's build, one way of consuming it, and runs its
# ctest (the application in QEMU). Arguments (-D):
#   MODE       add_subdirectory | FetchContent | find_package | Makefile
#   SOURCE     refpool's source folder        BUILD   refpool's build folder (for install)
#   WORK       a scratch folder for this test
#   BOARD or BOARD_DIR   which board
#   EMULATOR   the board's QEMU command (Makefile mode)
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        list(JOIN ARGN " " cmd)
        message(FATAL_ERROR "consumer (${MODE}): failed: ${cmd}\n${out}")
    endif()
    message("${out}")
endfunction()

if(BOARD_DIR)
    set(board_arg -DRP_BOARD_DIR=${BOARD_DIR})
else()
    set(board_arg -DRP_BOARD=${BOARD})
endif()
set(app ${SOURCE}/tests/consumer/app)

if(MODE STREQUAL "find_package" OR MODE STREQUAL "Makefile")
    run(${CMAKE_COMMAND} --install ${BUILD} --prefix ${WORK}/prefix)
endif()

if(MODE STREQUAL "Makefile")
    run(make -C ${app} REFPOOL=${WORK}/prefix OUT=${WORK} run)
    return()
endif()

# An installed package brings its own toolchain file: the consumer needs no refpool source.
if(MODE STREQUAL "find_package")
    set(find -DCMAKE_PREFIX_PATH=${WORK}/prefix -DCMAKE_TOOLCHAIN_FILE=${WORK}/prefix/lib/cmake/refpool/arm-none-eabi.cmake)
else()
    set(find -DREFPOOL_DIR=${SOURCE} ${board_arg} -DCMAKE_TOOLCHAIN_FILE=${SOURCE}/cmake/arm-none-eabi.cmake)
endif()
run(${CMAKE_COMMAND} -S ${app} -B ${WORK}/build -G Ninja -DCONSUME=${MODE} ${find})
run(${CMAKE_COMMAND} --build ${WORK}/build)
# One application, few build steps: refpool's tests and tools are not built.
file(GLOB_RECURSE test_objects ${WORK}/build/refpool/tests/*.obj)
if(test_objects)
    message(FATAL_ERROR "consumer (${MODE}): refpool's own tests were built")
endif()
run(${CMAKE_CTEST_COMMAND} --test-dir ${WORK}/build --output-on-failure)
