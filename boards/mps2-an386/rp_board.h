/* rp_board.h — mps2-an386: board facts and core/port option overrides. */
#ifndef RP_BOARD_H
#define RP_BOARD_H

#define RP_BOARD_CPU_HZ 25000000u        /* SYSCLK of the AN386 image */
#define RP_BOARD_CONSOLE_UART 0x40004000u /* CMSDK APB UART0 */

#define RP_PORT_SEMIHOSTING 1            /* runs in QEMU */
#define RP_PORT_IRQS 32
/* The critical section through BASEPRI (cm_config.h): priorities 0x80 and below (in
 * value: 0x80..0xFF) are held off, more urgent ones never; every exception starts at
 * 0x80. This board is where the QEMU tests run the BASEPRI form (test_port_cm:
 * test_urgent_interrupt_in_critical_section); the others keep PRIMASK. */
#define RP_PORT_BASEPRI 0x80

/* The heap is one region of almost 4 MiB. */
#define RP_CFG_CHUNK_MAX_LOG2 22

/* A static trace table of 1024 records (16 KiB): tracing is ready at any time. */
#define RP_CFG_TRACE_RECORDS 1024

/* Incremental collection (rp_config.h): its tests run on the M4 here. */
#define RP_CFG_GC_INCREMENTAL 1

#endif
