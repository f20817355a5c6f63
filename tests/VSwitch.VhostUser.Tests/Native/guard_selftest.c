/*
 * Exercises libvswitch_guard (ports/VSwitch.VhostUser/Native/guest_fault_guard.c) in a plain C process, where
 * every case can be observed without a .NET runtime in the way: a stand-in "previous" SIGBUS handler is installed
 * first (as the runtime's is in vswitchd), then the guard. Run by GuardSelfTest.cs; prints one line per case and
 * exits 0 only if every case passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int vsw_guard_install(void);
int vsw_guard_register(void *start, size_t length, int32_t *fault_word, int32_t cookie);
int vsw_guard_unregister(int slot);
long vsw_guard_contained(void);
int vsw_guard_previous_action(int *flags, int *is_handler);

static sigjmp_buf g_escape;
static volatile sig_atomic_t g_previous_calls;
static void *volatile g_previous_address;
static volatile int g_previous_code;
static int g_failures;

/* Stands in for the runtime's handler: records the signal and jumps out of the faulting access. */
static void previous_handler(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    g_previous_calls++;
    g_previous_address = info->si_addr;
    g_previous_code = info->si_code;
    siglongjmp(g_escape, 1);
}

static void check(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAILED", what);
    if (!ok) {
        g_failures++;
    }
}

/* A shared mapping of a fresh memfd of `pages` pages filled with 0xab; *fd receives the memfd. */
static unsigned char *map_memfd(size_t pages, int *fd)
{
    size_t length = pages * 4096;
    *fd = memfd_create("guard-selftest", MFD_CLOEXEC);
    if (*fd < 0 || ftruncate(*fd, (off_t)length) != 0) {
        return NULL;
    }
    unsigned char *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
    if (p == MAP_FAILED) {
        return NULL;
    }
    memset(p, 0xab, length);
    return p;
}

/* Reads one byte; returns -1 if the previous handler had to jump out of the access. */
static int read_byte(volatile unsigned char *p)
{
    if (sigsetjmp(g_escape, 1) != 0) {
        return -1;
    }
    return *p;
}

static void contained_fault_replaces_the_whole_range(void)
{
    int fd;
    unsigned char *p = map_memfd(4, &fd);
    unsigned char *view = mmap(NULL, 4 * 4096, PROT_READ, MAP_SHARED, fd, 0);
    int32_t word = 0;
    int slot = vsw_guard_register(p, 4 * 4096, &word, 7);
    check(slot >= 0, "register a 4-page memfd mapping");
    long before = vsw_guard_contained();
    check(ftruncate(fd, 4096) == 0, "the owner of the file shrinks it to one page");
    int calls = g_previous_calls;
    int value = read_byte(p + 2 * 4096 + 5);
    check(value == 0, "a read of a lost page returns zero instead of faulting");
    check(g_previous_calls == calls, "the previous handler is not called for a registered range");
    check(word == 7, "the fault word holds the range's cookie");
    check(vsw_guard_contained() == before + 1, "the fault is counted");
    check(p[0] == 0 && p[4 * 4096 - 1] == 0, "the whole registered range is now private zero pages");
    p[100] = 1;
    check(view[100] == 0xab, "writes after the fault stay private: the file is not touched");
    check(read_byte(p + 3 * 4096) == 0 && word == 7, "a later access in the range goes through without a fault");
    check(vsw_guard_unregister(slot) == 1, "unregister reports one contained fault");
    check(vsw_guard_unregister(slot) == -EINVAL, "a slot is unregistered only once");
    munmap(p, 4 * 4096);
    munmap(view, 4 * 4096);
    close(fd);
}

static void first_cookie_wins(void)
{
    int fd1, fd2;
    unsigned char *a = map_memfd(1, &fd1);
    unsigned char *b = map_memfd(1, &fd2);
    int32_t word = 0;
    int s1 = vsw_guard_register(a, 4096, &word, 11);
    int s2 = vsw_guard_register(b, 4096, &word, 12);
    check(ftruncate(fd1, 0) == 0 && ftruncate(fd2, 0) == 0, "two ranges of one owner shrink");
    check(read_byte(b) == 0 && read_byte(a) == 0, "both faults are contained");
    check(word == 12, "the owner's fault word keeps the first cookie");
    vsw_guard_unregister(s1);
    vsw_guard_unregister(s2);
    munmap(a, 4096);
    munmap(b, 4096);
    close(fd1);
    close(fd2);
}

static void fault_outside_every_range_goes_to_the_previous_handler(void)
{
    int fd;
    unsigned char *p = map_memfd(2, &fd);
    int32_t word = 0;
    int slot = vsw_guard_register(p, 4096, &word, 3);   /* only the first page is registered */
    check(ftruncate(fd, 0) == 0, "an unregistered file shrinks");
    int calls = g_previous_calls;
    int value = read_byte(p + 4096 + 8);
    check(value == -1 && g_previous_calls == calls + 1, "the previous handler gets the fault");
    check(g_previous_address == p + 4096 + 8 && g_previous_code == BUS_ADRERR, "with the same siginfo");
    check(word == 0, "the fault word is left alone");
    vsw_guard_unregister(slot);
    munmap(p, 2 * 4096);
    close(fd);
}

static void unregistered_range_is_no_longer_contained(void)
{
    int fd;
    unsigned char *p = map_memfd(1, &fd);
    int32_t word = 0;
    int slot = vsw_guard_register(p, 4096, &word, 5);
    vsw_guard_unregister(slot);
    check(ftruncate(fd, 0) == 0, "a file shrinks after its range was unregistered");
    int calls = g_previous_calls;
    check(read_byte(p) == -1 && g_previous_calls == calls + 1 && word == 0, "the previous handler gets the fault");
    munmap(p, 4096);
    close(fd);
}

static void signal_sent_by_kill_goes_to_the_previous_handler(void)
{
    int calls = g_previous_calls;
    if (sigsetjmp(g_escape, 1) == 0) {
        kill(getpid(), SIGBUS);
    }
    check(g_previous_calls == calls + 1 && g_previous_code == SI_USER, "kill(SIGBUS) reaches the previous handler");
}

static void table_is_bounded_and_reusable(void)
{
    static int slots[8192];
    int32_t word = 0;
    int n = 0;
    int last;
    while ((last = vsw_guard_register((void *)(uintptr_t)(0x100000000ULL + (uint64_t)n * 4096), 4096, &word, 1)) >= 0 && n < 8192) {
        slots[n++] = last;
    }
    check(last == -ENOSPC && n > 0, "a full table refuses with ENOSPC");
    for (int i = 0; i < n; i++) {
        vsw_guard_unregister(slots[i]);
    }
    int again = vsw_guard_register((void *)0x100000000ULL, 4096, &word, 1);
    check(again >= 0, "freed slots are reused");
    vsw_guard_unregister(again);
    check(vsw_guard_register(NULL, 0, &word, 1) == -EINVAL, "an empty range is refused");
    check(vsw_guard_register((void *)UINTPTR_MAX, 2, &word, 1) == -EINVAL, "a wrapping range is refused");
    check(vsw_guard_register((void *)0x100000000ULL, 4096, &word, 0) == -EINVAL, "a zero cookie is refused");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction previous;
    memset(&previous, 0, sizeof previous);
    previous.sa_sigaction = previous_handler;
    previous.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&previous.sa_mask);
    sigaction(SIGBUS, &previous, NULL);

    check(vsw_guard_install() == 0, "install");
    check(vsw_guard_install() == 0, "install again is a no-op");
    int flags = 0, is_handler = 0;
    check(vsw_guard_previous_action(&flags, &is_handler) == 0 && is_handler == 1 && (flags & (SA_SIGINFO | SA_RESTART)) == (SA_SIGINFO | SA_RESTART),
          "the previous action is kept with its flags");
    struct sigaction now;
    sigaction(SIGBUS, NULL, &now);
    check((now.sa_flags & (SA_SIGINFO | SA_RESTART)) == (SA_SIGINFO | SA_RESTART) && (now.sa_flags & SA_ONSTACK) == 0,
          "the guard runs with the previous action's flags (no alternate stack added)");

    contained_fault_replaces_the_whole_range();
    first_cookie_wins();
    fault_outside_every_range_goes_to_the_previous_handler();
    unregistered_range_is_no_longer_contained();
    signal_sent_by_kill_goes_to_the_previous_handler();
    table_is_bounded_and_reusable();

    printf("%d failure(s)\n", g_failures);
    return g_failures == 0 ? 0 : 1;
}
