/* rp_board.h — microbit: board facts and core/port option overrides. */
#ifndef RP_BOARD_H
#define RP_BOARD_H

#define RP_BOARD_CPU_HZ 16000000u
#define RP_BOARD_CONSOLE_TXD 24u         /* P0.24: UART TX to the USB serial bridge */

#define RP_PORT_SEMIHOSTING 1            /* runs in QEMU */
#define RP_PORT_IRQS 32

/* 16 KiB of RAM, a heap of about 8: 512-byte pools (the smallest that still hold eight
 * blocks of the largest class) strand less per size class, and a bin table for chunks
 * up to 16 KiB is all that can be used. */
#define RP_CFG_POOL_SIZE 512u
#define RP_CFG_CHUNK_MAX_LOG2 14
/* 64 trace slots (1 KiB) instead of 1024 (16 KiB, all of RAM). */
#define RP_CFG_TRACE_RECORDS 64

/* The heap ends within 512 KiB of its start: 16-bit GC links, 8-byte tracked header. */
#define RP_CFG_GC_LINK16 1

/* Incremental collection (rp_config.h): its tests run on the M0 here. The heap is far
 * below the 128 KiB that 16-bit links leave room for (rp_gc.h). */
#define RP_CFG_GC_INCREMENTAL 1

#endif
