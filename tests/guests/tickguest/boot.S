/* The multiboot (v1) header and entry: QEMU's -kernel loads the ELF at 1 MiB and jumps here in 32-bit protected mode,
 * flat segments, paging off, with the multiboot magic in %eax. */
    .section .multiboot, "a"
    .align 4
    .long 0x1BADB002
    .long 0
    .long -(0x1BADB002)
    .text
    .globl _start
_start:
    cli
    mov $stack_top, %esp
    push %eax
    call kmain
1:  hlt
    jmp 1b
    .bss
    .align 16
    .space 65536
stack_top:
