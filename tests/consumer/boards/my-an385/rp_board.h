/* rp_board.h — my-an385, a board folder outside refpool's tree: board facts and option
 * overrides. Unlike mps2-an385 it keeps a small heap's settings (16-bit GC links, 512-byte
 * pools), which the application then compiles with too, through refpool::refpool. */
#ifndef RP_BOARD_H
#define RP_BOARD_H

#define RP_BOARD_CPU_HZ 25000000u
#define RP_BOARD_CONSOLE_UART 0x40004000u /* CMSDK APB UART0 */

#define RP_PORT_SEMIHOSTING 1
#define RP_PORT_IRQS 32

#define RP_CFG_POOL_SIZE 512u
#define RP_CFG_CHUNK_MAX_LOG2 22
#define RP_CFG_GC_LINK16 1

#endif
