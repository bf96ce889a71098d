@ atelier on-target CRC-32 (zlib: reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF), table driven,
@ over several ranges in one run, so a flash compares many sectors for one round of USB commands.
@ Thumb-1 only. Its parameters sit right after the code (word aligned, found with ADR):
@   +0 number of ranges N    +4 CRC table (256 words)
@   +8 N entries of {start, byte count, out: CRC-32}, 12 bytes each
@ Uses r0-r7 freely; needs no stack. Ends in BKPT.
    .syntax unified
    .cpu cortex-m0
    .thumb
    .text
    .global crc32
    .thumb_func
crc32:
    adr     r7, params
    ldr     r1, [r7, #0]            @ r1 = ranges left
    ldr     r2, [r7, #4]            @ r2 = table
    adds    r7, r7, #8              @ r7 = current entry
range:
    cmp     r1, #0
    beq     done
    ldr     r0, [r7, #0]            @ r0 = address
    ldr     r5, [r7, #4]
    adds    r5, r0, r5              @ r5 = end
    movs    r3, #0
    mvns    r3, r3                  @ crc = 0xFFFFFFFF
next:
    cmp     r0, r5
    beq     finished
    ldrb    r4, [r0]
    adds    r0, r0, #1
    eors    r4, r3
    uxtb    r4, r4                  @ index = (crc ^ byte) & 0xFF
    lsls    r4, r4, #2
    ldr     r4, [r2, r4]
    lsrs    r3, r3, #8
    eors    r3, r4                  @ crc = table[index] ^ (crc >> 8)
    b       next
finished:
    mvns    r3, r3
    str     r3, [r7, #8]
    adds    r7, r7, #12
    subs    r1, r1, #1
    b       range
done:
    bkpt    #0
    .align  2
params:
