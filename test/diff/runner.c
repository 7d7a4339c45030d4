/* test/diff/runner.c — the oracle of the differential test: runs each case on the real CPU in
 * user mode and prints the final state. Built by the harness with the machine's gcc.
 * Entry and exit are both by signal: a SIGUSR1 handler rewrites its saved context (all GPRs,
 * RFLAGS, RIP and CS: 0x33 for 64-bit, 0x23 for 32-bit compatibility mode), so rt_sigreturn
 * is the trampoline into the test code; the code ends in UD2, and the SIGILL (or any fault)
 * handler, on an alternate stack, records the context (registers, trap number, error code, CR2)
 * and siglongjmps back. Memory: code at CODE_ADDR, data at DATA_ADDR (DATA_SIZE bytes, filled
 * from the case's seed with xorshift32); nothing else is mapped near them.
 * Input, one case per line (hex): id mode seed rflags r0..r15 code
 * Output: id trapno err cr2 rip rflags r0..r15 nchanged [offset:byte]...
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define CODE_ADDR 0x10000000UL
#define CODE_SIZE 0x2000UL
#define DATA_ADDR 0x20000000UL
#define DATA_SIZE 0x2000UL

static const int GREG[16] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                              REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15 };
static sigjmp_buf back;
static volatile int entering;
static uint64_t in_r[16], in_flags, out_r[16], out_flags, out_rip;
static long out_trap, out_err, out_cr2;
static int in_mode;
static unsigned char initial[DATA_SIZE];

static void fill(unsigned char *p, uint32_t seed) {
  uint32_t s = seed ? seed : 1;
  for (size_t i = 0; i < DATA_SIZE; i += 4) {
    s ^= s << 13; s ^= s >> 17; s ^= s << 5;
    memcpy(p + i, &s, 4);
  }
}

static void handler(int sig, siginfo_t *si, void *ctx) {
  (void)si;
  ucontext_t *uc = ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  if (entering && sig == SIGUSR1) {
    entering = 0;
    for (int i = 0; i < 16; i++) g[GREG[i]] = (greg_t)in_r[i];
    g[REG_RIP] = (greg_t)CODE_ADDR;
    g[REG_EFL] = (greg_t)in_flags;
    uint16_t *csgsfs = (uint16_t *)&g[REG_CSGSFS];
    csgsfs[0] = in_mode == 32 ? 0x23 : 0x33;
    csgsfs[3] = 0x2b;
    return;
  }
  for (int i = 0; i < 16; i++) out_r[i] = (uint64_t)g[GREG[i]];
  out_rip = (uint64_t)g[REG_RIP];
  out_flags = (uint64_t)g[REG_EFL];
  out_trap = g[REG_TRAPNO];
  out_err = g[REG_ERR];
  out_cr2 = g[REG_CR2];
  siglongjmp(back, 1);
}

int main(void) {
  static char altstack[65536];
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  sigaltstack(&ss, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  int sigs[] = { SIGUSR1, SIGILL, SIGSEGV, SIGBUS, SIGFPE, SIGTRAP };
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
  unsigned char *code = mmap((void *)CODE_ADDR, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  unsigned char *data = mmap((void *)DATA_ADDR, DATA_SIZE, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (code != (void *)CODE_ADDR || data != (void *)DATA_ADDR) { fprintf(stderr, "runner: cannot map test pages\n"); return 2; }
  /* 64-bit Linux leaves DS/ES null; compatibility-mode code needs them to be __USER_DS. */
  __asm__ volatile("mov %0, %%ds\n\tmov %0, %%es" : : "r"(0x2b));
  static char line[1 << 16];
  static char hex[1 << 15];
  while (fgets(line, sizeof line, stdin)) {
    unsigned long id, mode, seed, flags;
    int used = 0;
    if (sscanf(line, "%lx %lx %lx %lx%n", &id, &mode, &seed, &flags, &used) != 4) { fprintf(stderr, "runner: bad line\n"); return 2; }
    char *p = line + used;
    for (int i = 0; i < 16; i++) { int k = 0; sscanf(p, " %lx%n", (unsigned long *)&in_r[i], &k); p += k; }
    if (sscanf(p, " %32767s", hex) != 1) { fprintf(stderr, "runner: no code\n"); return 2; }
    memset(code, 0, CODE_SIZE);
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) { unsigned b; sscanf(hex + 2 * i, "%2x", &b); code[i] = (unsigned char)b; }
    fill(initial, (uint32_t)seed);
    memcpy(data, initial, DATA_SIZE);
    in_flags = flags;
    in_mode = (int)mode;
    if (sigsetjmp(back, 1) == 0) {
      entering = 1;
      raise(SIGUSR1);
      fprintf(stderr, "runner: returned from entry\n");
      return 2;
    }
    printf("%lx %lx %lx %lx %lx %lx", id, (unsigned long)out_trap, (unsigned long)out_err, (unsigned long)out_cr2,
           (unsigned long)out_rip, (unsigned long)out_flags);
    for (int i = 0; i < 16; i++) printf(" %lx", (unsigned long)out_r[i]);
    int changed = 0;
    for (size_t i = 0; i < DATA_SIZE; i++) changed += data[i] != initial[i];
    printf(" %x", changed);
    for (size_t i = 0; i < DATA_SIZE; i++) if (data[i] != initial[i]) printf(" %zx:%x", i, data[i]);
    printf("\n");
  }
  return 0;
}
