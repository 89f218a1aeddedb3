/* rp_board.h — mps2-an505: board facts and core/port option overrides. */
#ifndef RP_BOARD_H
#define RP_BOARD_H

#define RP_BOARD_CPU_HZ 20000000u        /* SYSCLK of the AN505 image */
#define RP_BOARD_CONSOLE_UART 0x50200000u /* CMSDK APB UART0, Secure alias */

#define RP_PORT_SEMIHOSTING 1            /* runs in QEMU */
#define RP_PORT_IRQS 92

/* The heap is one region of almost 2 MiB. */
#define RP_CFG_CHUNK_MAX_LOG2 21

/* A static trace table of 1024 records (16 KiB): tracing is ready at any time. */
#define RP_CFG_TRACE_RECORDS 1024

#endif
