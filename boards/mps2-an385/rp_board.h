/* rp_board.h — mps2-an385: board facts and core/port option overrides. */
#ifndef RP_BOARD_H
#define RP_BOARD_H

#define RP_BOARD_CPU_HZ 25000000u        /* SYSCLK of the AN385 image */
#define RP_BOARD_CONSOLE_UART 0x40004000u /* CMSDK APB UART0 */

#define RP_PORT_SEMIHOSTING 1            /* runs in QEMU */
#define RP_PORT_IRQS 32
/* The AN385's interrupts by their CMSIS names (CMSDK_CM3 device): an application defines
 * TIMER0_Handler to take IRQ 8. Those it does not define enter rp_irq_handler. */
#define RP_BOARD_IRQ_NAMES(X)                                                         \
    X(0, UARTRX0_Handler) X(1, UARTTX0_Handler) X(2, UARTRX1_Handler)                  \
    X(3, UARTTX1_Handler) X(4, UARTRX2_Handler) X(5, UARTTX2_Handler)                  \
    X(6, PORT0_ALL_Handler) X(7, PORT1_ALL_Handler) X(8, TIMER0_Handler)               \
    X(9, TIMER1_Handler) X(10, DUALTIMER_Handler) X(11, SPI_Handler)                   \
    X(12, UARTOVF_Handler) X(13, ETHERNET_Handler) X(14, I2S_Handler) X(15, TSC_Handler)

/* The heap is one region of almost 4 MiB. */
#define RP_CFG_CHUNK_MAX_LOG2 22

/* QEMU models the Cortex-M3 bit-band, and rp_heap lies in it (.bss in SRAM at 0x20000000). */
#ifndef RP_PORT_BITBAND
#define RP_PORT_BITBAND 1
#endif

/* A static trace table of 1024 records (16 KiB): tracing is ready at any time. */
#define RP_CFG_TRACE_RECORDS 1024

#endif
