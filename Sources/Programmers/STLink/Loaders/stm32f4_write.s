@ atelier STM32F4 flash loader: programs words (PSIZE x32) from a RAM buffer, then stops on BKPT.
@ Thumb-1 only. Host sets, before running with interrupts masked:
@   r0 = source buffer in SRAM, r1 = destination in flash (word aligned), r2 = byte count (multiple of 4),
@   r3 = flash interface base 0x40023C00 (FLASH_SR at +0x0C, FLASH_CR at +0x10), already unlocked.
@ On BKPT: r2 = bytes not written (0 = success), r5 = last FLASH_SR (error bits 0xF2).
    .syntax unified
    .cpu cortex-m0
    .thumb
    .text
    .global stm32f4_write
    .thumb_func
stm32f4_write:
    movs    r4, #2
    lsls    r4, r4, #8
    adds    r4, r4, #1
    str     r4, [r3, #0x10]         @ FLASH_CR = PSIZE x32 (2 << 8) | PG
    movs    r5, #0
next:
    cmp     r2, #0
    beq     done
    ldr     r4, [r0]
    adds    r6, r4, #1              @ an erased word (0xFFFFFFFF) needs no write
    beq     advance
    str     r4, [r1]
busy:
    ldr     r5, [r3, #0x0C]         @ FLASH_SR
    lsrs    r6, r5, #17             @ BSY (bit 16) into carry
    bcs     busy
    movs    r6, #0xF2               @ OPERR | WRPERR | PGAERR | PGPERR | PGSERR
    tst     r5, r6
    bne     done
advance:
    adds    r0, r0, #4
    adds    r1, r1, #4
    subs    r2, r2, #4
    b       next
done:
    movs    r4, #0
    str     r4, [r3, #0x10]         @ FLASH_CR = 0: PG off
    bkpt    #0
