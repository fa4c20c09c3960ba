/*
 * The seccomp probe: asks the kernel for every system call number, on each x86 entry a
 * 64-bit process has, and prints what came back, one line per call:
 *
 *   ABI CASE OUTCOME
 *
 * ABI is x86_64 (the syscall instruction), x32 (the same with the x32 bit set) or i386
 * (int 0x80); CASE is the number, or a name for the calls tried with chosen arguments (the
 * ones a filter looks at: personality's persona, unshare's and clone's flags, socket's
 * family); OUTCOME is "ok" (any non-negative return), "errno:N", "signal:N" (the call killed
 * its process), "exit:N" (the call was an exit) or "blocked" (no answer within a second: the
 * child is then killed).
 *
 * Each call is made in a child of its own, with arguments the kernel refuses at once (-1 for
 * every argument: a bad descriptor, a bad pointer, an invalid flag set), so that nothing the
 * call does lasts. The calls that make a process (fork, vfork, clone, clone3) go through
 * code that makes the new process exit before it touches any memory it may share.
 *
 * Built static (gcc -static) by test/integration/seccomp-probe.test.ts and run as the only
 * file of an image, in Berth and in docker; the test compares the two outputs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define X32_BIT 0x40000000L

/* The highest number tried on each entry (the kernel's tables end lower: the rest must answer ENOSYS). */
#define LAST_X86_64 549
#define LAST_I386 479

/* Where a child leaves its answer: shared with the parent, which reads it after the child is gone. */
struct answer {
  volatile int set;
  volatile long value;
};
static struct answer *answer;

/* Static, so that their addresses fit in 32 bits for the i386 entry. */
static uint64_t clone3_args[11];
static uint32_t socketcall_args[3];

static long raw64(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  register long r9 __asm__("r9") = a6;
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
  return ret;
}

/* As raw64, for a call that may return twice: the new process (0 returned) exits at once, in the same instructions. */
static long raw64_fork(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  register long r9 __asm__("r9") = a6;
  long ret;
  __asm__ volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "mov $60, %%eax\n\t" /* exit(0) */
      "xor %%edi, %%edi\n\t"
      "syscall\n"
      "1:"
      : "=a"(ret) : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
  return ret;
}

/*
 * The i386 entry; the sixth argument goes in ebp (saved around the call: built with
 * -mno-red-zone, so the push is safe). The entry may not keep r8-r11 for a 64-bit caller.
 */
static long raw32(long nr, long a1, long a2, long a3, long a4, long a5, long a6, int forklike) {
  register long r12 __asm__("r12") = a6;
  long ret;
  if (forklike) {
    __asm__ volatile(
        "push %%rbp\n\t"
        "mov %%r12, %%rbp\n\t"
        "int $0x80\n\t"
        "test %%eax, %%eax\n\t"
        "jnz 1f\n\t"
        "mov $1, %%eax\n\t" /* exit(0), i386 numbering */
        "xor %%ebx, %%ebx\n\t"
        "int $0x80\n"
        "1:\n\t"
        "pop %%rbp"
        : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5), "r"(r12) : "r8", "r9", "r10", "r11", "memory");
  } else {
    __asm__ volatile(
        "push %%rbp\n\t"
        "mov %%r12, %%rbp\n\t"
        "int $0x80\n\t"
        "pop %%rbp"
        : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5), "r"(r12) : "r8", "r9", "r10", "r11", "memory");
  }
  /* The i386 entry answers in eax: sign-extend it. */
  return (long)(int)ret;
}

enum abi { X86_64, X32, I386 };
static const char *abi_name[] = {"x86_64", "x32", "i386"};

/* fork, vfork, clone, clone3 on each entry. */
static int forklike(enum abi abi, long nr) {
  if (abi == I386) return nr == 2 || nr == 190 || nr == 120 || nr == 435;
  return nr == 56 || nr == 57 || nr == 58 || nr == 435;
}

static long call(enum abi abi, long nr, const long a[6]) {
  int fork = forklike(abi, nr);
  switch (abi) {
    case X86_64:
      return (fork ? raw64_fork : raw64)(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    case X32:
      return (fork ? raw64_fork : raw64)(nr | X32_BIT, a[0], a[1], a[2], a[3], a[4], a[5]);
    default:
      return raw32(nr, a[0], a[1], a[2], a[3], a[4], a[5], fork);
  }
}

/* SIGCHLD, blocked in this process and waited for with a time limit. */
static sigset_t sigchld;

/*
 * Waits for the child; a call that has not answered within a second is "blocked" and its
 * child is killed (a signal of its own would not do: sigsuspend(-1) blocks them all).
 */
static int wait_child(pid_t pid, int *status) {
  struct timespec limit = {1, 0};
  for (;;) {
    pid_t done = waitpid(pid, status, WNOHANG);
    if (done == pid) return 1;
    if (done < 0 && errno != EINTR) {
      perror("waitpid");
      _exit(2);
    }
    /* SIGCHLD may also come from a process a call made, reparented here: then wait again (a second each at most). */
    if (done == 0 && sigtimedwait(&sigchld, NULL, &limit) < 0 && errno == EAGAIN) {
      kill(pid, SIGKILL);
      while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
      }
      return 0;
    }
  }
}

/* Makes the call in a child and prints the line. */
static void probe(enum abi abi, const char *name, long nr, const long a[6]) {
  answer->set = 0;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    _exit(2);
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    long ret = call(abi, nr, a);
    answer->value = ret;
    answer->set = 1;
    _exit(0);
  }
  int status;
  int answered = wait_child(pid, &status);
  /* Processes a call made and that outlived their parent come to this one (PID 1): reap them. */
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  char label[32];
  if (name == NULL) snprintf(label, sizeof label, "%ld", nr);
  printf("%s %s ", abi_name[abi], name == NULL ? label : name);
  if (!answered) {
    printf("blocked\n");
  } else if (WIFSIGNALED(status)) {
    printf("signal:%d\n", WTERMSIG(status));
  } else if (!answer->set) {
    printf("exit:%d\n", WEXITSTATUS(status));
  } else if (answer->value < 0 && answer->value > -4096) {
    printf("errno:%ld\n", -answer->value);
  } else {
    printf("ok\n");
  }
}

static const long BAD[6] = {-1, -1, -1, -1, -1, -1};

static void args(enum abi abi, const char *name, long nr, long a1, long a2, long a3) {
  long a[6] = {a1, a2, a3, 0, 0, 0};
  probe(abi, name, nr, a);
}

/* The calls whose arguments a filter looks at, with the arguments that decide. */
static void special(enum abi abi) {
  int i386 = abi == I386;
  long personality = i386 ? 136 : 135, unshare = i386 ? 310 : 272, clone = i386 ? 120 : 56, socket = i386 ? 359 : 41;
  args(abi, "personality(0)", personality, 0, 0, 0);
  args(abi, "personality(PER_LINUX32)", personality, 0x0008, 0, 0);
  args(abi, "personality(UNAME26)", personality, 0x0020000, 0, 0);
  args(abi, "personality(ADDR_NO_RANDOMIZE)", personality, 0x0040000, 0, 0);
  args(abi, "personality(READ_IMPLIES_EXEC)", personality, 0x0400000, 0, 0);
  args(abi, "personality(0xffffffff)", personality, 0xffffffffL, 0, 0);
  args(abi, "unshare(CLONE_FILES)", unshare, 0x00000400, 0, 0);
  args(abi, "unshare(CLONE_FS)", unshare, 0x00000200, 0, 0);
  args(abi, "unshare(CLONE_SYSVSEM)", unshare, 0x00040000, 0, 0);
  args(abi, "unshare(CLONE_NEWNS)", unshare, 0x00020000, 0, 0);
  args(abi, "unshare(CLONE_NEWUSER)", unshare, 0x10000000, 0, 0);
  args(abi, "unshare(CLONE_NEWNET)", unshare, 0x40000000, 0, 0);
  args(abi, "unshare(CLONE_NEWTIME)", unshare, 0x00000080, 0, 0);
  /* clone(flags, stack 0 = the caller's, copied): a plain fork, then with one namespace flag each. */
  args(abi, "clone(SIGCHLD)", clone, SIGCHLD, 0, 0);
  args(abi, "clone(CLONE_NEWUSER|SIGCHLD)", clone, 0x10000000 | SIGCHLD, 0, 0);
  args(abi, "clone(CLONE_NEWNS|SIGCHLD)", clone, 0x00020000 | SIGCHLD, 0, 0);
  args(abi, "clone(CLONE_NEWPID|SIGCHLD)", clone, 0x20000000 | SIGCHLD, 0, 0);
  args(abi, "clone(CLONE_NEWNET|SIGCHLD)", clone, 0x40000000 | SIGCHLD, 0, 0);
  /* clone3 with struct clone_args { flags 0, ..., exit_signal SIGCHLD }: a plain fork. */
  memset(clone3_args, 0, sizeof clone3_args);
  clone3_args[4] = SIGCHLD;
  args(abi, "clone3(SIGCHLD)", 435, (long)(uintptr_t)clone3_args, sizeof clone3_args, 0);
  args(abi, "socket(AF_UNIX)", socket, 1, 1 /* SOCK_STREAM */, 0);
  args(abi, "socket(AF_INET)", socket, 2, 2 /* SOCK_DGRAM */, 0);
  args(abi, "socket(AF_INET6)", socket, 10, 2, 0);
  args(abi, "socket(AF_NETLINK)", socket, 16, 3 /* SOCK_RAW */, 0);
  args(abi, "socket(AF_PACKET)", socket, 17, 3, 0);
  args(abi, "socket(AF_ALG)", socket, 38, 5 /* SOCK_SEQPACKET */, 0);
  args(abi, "socket(AF_VSOCK)", socket, 40, 1, 0);
  if (i386) {
    /* socketcall(SYS_SOCKET, {AF_VSOCK, SOCK_STREAM, 0}): the family is in memory, out of a filter's reach. */
    socketcall_args[0] = 40;
    socketcall_args[1] = 1;
    socketcall_args[2] = 0;
    args(abi, "socketcall(SYS_SOCKET,AF_VSOCK)", 102, 1, (long)(uintptr_t)socketcall_args, 0);
  } else {
    /* AF_ALG with bits above the int the kernel reads: a filter comparing 64 bits must not be fooled. */
    args(abi, "socket(AF_ALG+2^32)", socket, 0x100000000L + 38, 5, 0);
  }
}

int main(void) {
  answer = mmap(NULL, sizeof *answer, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (answer == MAP_FAILED) {
    perror("mmap");
    return 2;
  }
  sigemptyset(&sigchld);
  sigaddset(&sigchld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &sigchld, NULL);
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  printf("# seccomp probe\n");
  for (long nr = 0; nr <= LAST_X86_64; nr++) probe(X86_64, NULL, nr, BAD);
  for (long nr = 0; nr <= LAST_X86_64; nr++) probe(X32, NULL, nr, BAD);
  for (long nr = 0; nr <= LAST_I386; nr++) probe(I386, NULL, nr, BAD);
  special(X86_64);
  special(I386);
  printf("# done\n");
  fflush(stdout);
  return 0;
}
