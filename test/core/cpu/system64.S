/* test/core/cpu/system64.S — a 64-bit kernel-mode test program for the interpreter (system-level
 * behaviour the user-mode differential test cannot show). It loads a GDT, TSS and IDT, then:
 * INT 0x80 at CPL 0; #DE (handler skips the DIV); #PF on a non-present address (CR2, error
 * code); SYSCALL/SYSRET through STAR/LSTAR/SFMASK to CPL 3 and back; INT 0x81 from CPL 3
 * (a DPL-3 gate: stack switch to TSS.RSP0, the pushed CS/SS); HLT at CPL 3 -> #GP(0); then HLT
 * at CPL 0. Results go to the `res` block; system.test.ts checks them against the SDM
 * (vol. 3A 6.12-6.14, 5.8.8). Assembled with the host's gcc/as at test time. */
        .intel_syntax noprefix
        .code64
        .text
        .globl _start
_start:
        mov rsp, 0x80000
        lgdt [rip + gdtr]
        lidt [rip + idtr]
        lea rax, [rip + tss]              /* TSS descriptor base */
        mov [rip + gdt + 0x28 + 2], ax
        shr rax, 16
        mov [rip + gdt + 0x28 + 4], al
        mov [rip + gdt + 0x28 + 7], ah
        mov ax, 0x28
        ltr ax
        mov edi, 0x80
        lea rsi, [rip + h_int80]
        mov edx, 0x8e
        call set_gate
        mov edi, 0
        lea rsi, [rip + h_de]
        call set_gate
        mov edi, 14
        lea rsi, [rip + h_pf]
        call set_gate
        mov edi, 13
        lea rsi, [rip + h_gp]
        call set_gate
        mov edi, 0x81
        lea rsi, [rip + h_int81]
        mov edx, 0xee
        call set_gate

        int 0x80                           /* T1 */
        xor ecx, ecx
        mov eax, 1
        .globl div_insn
div_insn:
        div ecx                            /* T2: #DE, 2 bytes */
        mov rbx, 0x40000000
        .globl pf_insn
pf_insn:
        mov rax, [rbx]                     /* T3: #PF, 3 bytes */

        mov ecx, 0xc0000081                /* STAR: sysret base 0x10, syscall CS 0x08 */
        mov edx, 0x00100008
        xor eax, eax
        wrmsr
        mov ecx, 0xc0000082                /* LSTAR */
        lea rax, [rip + syscall_entry]
        mov rdx, rax
        shr rdx, 32
        wrmsr
        mov ecx, 0xc0000084                /* SFMASK: IF */
        mov eax, 0x200
        xor edx, edx
        wrmsr
        push 0x1b                          /* T4: IRETQ to CPL 3 */
        push 0x70000
        push 0x202
        push 0x23
        lea rax, [rip + user]
        push rax
        iretq

set_gate:                                  /* edi = vector, rsi = handler, dl = type/attr */
        shl rdi, 4
        lea rax, [rip + idt]
        add rdi, rax
        mov rax, rsi
        mov [rdi], ax
        mov word ptr [rdi + 2], 0x08
        mov byte ptr [rdi + 4], 0
        mov [rdi + 5], dl
        shr rax, 16
        mov [rdi + 6], ax
        shr rax, 16
        mov [rdi + 8], eax
        mov dword ptr [rdi + 12], 0
        ret

h_int80:
        mov qword ptr [rip + res + 0], 0x80
        iretq
h_de:
        mov rax, [rsp]
        mov [rip + res + 8], rax           /* RIP of the DIV */
        add qword ptr [rsp], 2
        iretq
h_pf:
        mov rax, cr2
        mov [rip + res + 16], rax
        pop rax
        mov [rip + res + 24], rax          /* error code */
        add qword ptr [rsp], 3
        iretq
syscall_entry:
        mov [rip + res + 32], rcx          /* return RIP */
        mov [rip + res + 40], r11          /* user RFLAGS */
        mov [rip + res + 48], rax
        pushfq
        pop rax
        mov [rip + res + 56], rax          /* RFLAGS after SFMASK */
        sysretq
h_int81:
        mov rax, [rsp + 8]
        mov [rip + res + 64], rax          /* pushed CS */
        mov rax, [rsp + 32]
        mov [rip + res + 72], rax          /* pushed SS */
        mov [rip + res + 80], rsp          /* kernel RSP (from TSS.RSP0) */
        iretq
h_gp:
        mov rax, [rsp]
        mov [rip + res + 88], rax          /* error code */
        mov rax, [rsp + 8]
        mov [rip + res + 96], rax          /* RIP */
        mov rax, [rsp + 16]
        mov [rip + res + 104], rax         /* CS */
        hlt

        .globl user
user:
        mov eax, 42
        syscall
        .globl after_syscall
after_syscall:
        int 0x81
        .globl user_hlt
user_hlt:
        hlt

        .data
        .balign 16
gdt:    .quad 0
        .quad 0x00209a0000000000           /* 0x08 kernel code 64 */
        .quad 0x00cf92000000ffff           /* 0x10 kernel data */
        .quad 0x00cff2000000ffff           /* 0x18 user data (DPL 3) */
        .quad 0x0020fa0000000000           /* 0x20 user code 64 (DPL 3) */
        .quad 0x0000890000000067           /* 0x28 TSS (base patched at run time) */
        .quad 0
gdt_end:
gdtr:   .word gdt_end - gdt - 1
        .quad gdt
        .balign 16
idtr:   .word 256 * 16 - 1
        .quad idt
        .balign 16
tss:    .long 0
        .quad 0x90000                      /* RSP0 */
        .fill 0x58, 1, 0
        .balign 16
        .globl res
res:    .fill 128, 1, 0
        .balign 4096
idt:    .fill 4096, 1, 0
