@ atelier on-target CRC-32 (zlib: reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF), table driven.
@ Thumb-1 only. Host writes the 256-word table (FlashChecksum's) to SRAM and sets:
@   r0 = start address, r1 = byte count, r2 = table address.
@ On BKPT: r0 = CRC-32 of the bytes, as FlashChecksum.crc32 computes it.
    .syntax unified
    .cpu cortex-m0
    .thumb
    .text
    .global crc32
    .thumb_func
crc32:
    movs    r3, #0
    mvns    r3, r3                  @ crc = 0xFFFFFFFF
    adds    r1, r0, r1              @ r1 = end address
next:
    cmp     r0, r1
    beq     done
    ldrb    r4, [r0]
    adds    r0, r0, #1
    eors    r4, r3
    uxtb    r4, r4                  @ index = (crc ^ byte) & 0xFF
    lsls    r4, r4, #2
    ldr     r4, [r2, r4]
    lsrs    r3, r3, #8
    eors    r3, r4                  @ crc = table[index] ^ (crc >> 8)
    b       next
done:
    mvns    r0, r3
    bkpt    #0
