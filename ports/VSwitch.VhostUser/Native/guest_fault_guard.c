/*
 * libvswitch_guard: contains SIGBUS faults in memory that a vhost-user front-end controls.
 *
 * Why. The switch maps files a front-end hands over (guest RAM regions of SET_MEM_TABLE and ADD_MEM_REG, the dirty
 * log of SET_LOG_BASE). The front-end still owns those files: if it shrinks one (ftruncate of a memfd, of a tmpfs or
 * hugetlbfs file), or a hugetlbfs page can no longer be backed, the next access to a lost page raises SIGBUS in the
 * switch. The .NET runtime turns a SIGBUS in managed code into an AccessViolationException and ends the process, so
 * one front-end would cut the network of every VM on the host. Seals cannot prevent it in general: hugetlbfs and
 * plain files opened by path (DPDK's virtio-user, QEMU's memory-backend-file) cannot be sealed.
 *
 * What. vsw_guard_install() puts this handler in front of whatever SIGBUS action the process has (the runtime's),
 * keeping that action and its flags. A fault whose address lies inside a registered range is contained: the whole
 * registered range is replaced by private anonymous memory with one mmap(MAP_FIXED) over exactly that range (so a
 * hugetlbfs mapping is replaced whole, never split inside a huge page), the range's fault word is set to the range's
 * cookie, and the handler returns: the faulting instruction runs again and reads zeros. The owner checks the fault
 * word once per batch, stops using its rings and ends the front-end's session; the zero pages only keep the few
 * accesses in flight harmless. Every other SIGBUS goes to the previous action unchanged, with the same siginfo and
 * context, exactly as the runtime itself chains to whatever was installed before it.
 *
 * Signal safety. The handler uses C11 atomics on a fixed table and raw system calls (mmap; sigaction and raise only
 * when the previous action is the default), no locks, no allocation, and restores errno. It never runs managed code.
 *
 * Registration. A fixed table of slots, claimed and released with atomics from any thread. Release is two-phase so
 * that a handler never reads a slot that is being reused, and never maps over memory the owner has unmapped:
 * vsw_guard_unregister() marks the slot retiring, waits until no handler is running (handlers count themselves in
 * and out), and only then frees the slot; the owner munmaps after it returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define VSW_EXPORT __attribute__((visibility("default")))

/* Slots: enough for 128 ports with 8 regions and a log each, plus mappings kept while a ring could not be quiesced. */
#define GUARD_SLOTS 4096

enum slot_state { SLOT_FREE = 0, SLOT_CLAIMED = 1, SLOT_ACTIVE = 2, SLOT_RETIRING = 3 };

struct guard_slot {
    _Atomic int state;
    uintptr_t start;
    uintptr_t end;
    _Atomic int32_t *fault_word;
    int32_t cookie;
    _Atomic int32_t faults;
};

static struct guard_slot g_slots[GUARD_SLOTS];
static _Atomic int g_high_water;      /* 1 + the highest slot ever claimed: handlers scan no further */
static _Atomic int g_handlers;        /* handlers running now, on any thread */
static _Atomic long g_contained;      /* faults contained since install */
static _Atomic int g_install_state;   /* 0 not installed, 1 installing, 2 installed */
static struct sigaction g_previous;   /* written once before the handler is installed, read-only afterwards */

/* sa_handler and sa_sigaction share storage on Linux, so SIG_DFL and SIG_IGN read the same through either. */
static int is_default(const struct sigaction *a)
{
    return a->sa_handler == SIG_DFL;
}

static int is_ignored(const struct sigaction *a)
{
    return a->sa_handler == SIG_IGN;
}

/* Gives the signal to the action that was installed before ours, as if we had never been there. */
static void chain(int sig, siginfo_t *info, void *context)
{
    if (is_default(&g_previous) || is_ignored(&g_previous)) {
        /* The default action ends the process. A fault re-executes and is delivered again under the default action;
         * a SIGBUS sent by kill() is raised again (it stays blocked until this handler returns). An ignored SIGBUS
         * cannot be ignored for a real fault either (the kernel would deliver it forever), so it gets the default. */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        if (is_ignored(&g_previous) && info->si_code <= 0) {
            return;
        }
        sigaction(sig, &dfl, NULL);
        if (info->si_code <= 0) {
            raise(sig);
        }
        return;
    }
    if (g_previous.sa_flags & SA_SIGINFO) {
        g_previous.sa_sigaction(sig, info, context);
    } else {
        g_previous.sa_handler(sig);
    }
}

/* True for the SIGBUS codes of an access that failed at this instruction (not alignment, not an async report). */
static int is_synchronous_access_fault(const siginfo_t *info)
{
    return info->si_code == BUS_ADRERR || info->si_code == BUS_OBJERR
#ifdef BUS_MCEERR_AR
        || info->si_code == BUS_MCEERR_AR
#endif
        ;
}

static int contain(uintptr_t address)
{
    int high = atomic_load(&g_high_water);
    for (int i = 0; i < high; i++) {
        struct guard_slot *s = &g_slots[i];
        if (atomic_load(&s->state) != SLOT_ACTIVE || address < s->start || address >= s->end) {
            continue;
        }
        /* A raw system call: no libc wrapper state, safe in a signal handler. MAP_NORESERVE: the zero pages are
         * charged only if they are touched, and only the accesses in flight touch them. */
        long mapped = syscall(SYS_mmap, (void *)s->start, (size_t)(s->end - s->start), PROT_READ | PROT_WRITE,
                              MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
        if (mapped != (long)s->start) {
            return 0;
        }
        int32_t none = 0;
        atomic_compare_exchange_strong(s->fault_word, &none, s->cookie);
        atomic_fetch_add(&s->faults, 1);
        atomic_fetch_add(&g_contained, 1);
        return 1;
    }
    return 0;
}

static void on_sigbus(int sig, siginfo_t *info, void *context)
{
    int saved_errno = errno;
    int handled = 0;
    atomic_fetch_add(&g_handlers, 1);
    if (info != NULL && info->si_code > 0 && is_synchronous_access_fault(info)) {
        handled = contain((uintptr_t)info->si_addr);
    }
    atomic_fetch_sub(&g_handlers, 1);
    errno = saved_errno;
    if (!handled) {
        chain(sig, info, context);
    }
}

/*
 * Installs the handler once, in front of the current SIGBUS action, with the same flags and mask as that action
 * (plus SA_SIGINFO): the runtime's handler expects to run on the faulting thread's stack with SA_RESTART, and it
 * keeps doing so when called from here. Returns 0, or -errno.
 */
VSW_EXPORT int vsw_guard_install(void)
{
    int expected = 0;
    if (!atomic_compare_exchange_strong(&g_install_state, &expected, 1)) {
        while (atomic_load(&g_install_state) == 1) {
            sched_yield();
        }
        return atomic_load(&g_install_state) == 2 ? 0 : -EAGAIN;
    }
    struct sigaction previous;
    if (sigaction(SIGBUS, NULL, &previous) != 0) {
        int e = errno;
        atomic_store(&g_install_state, 0);
        return -e;
    }
    g_previous = previous;
    struct sigaction ours;
    memset(&ours, 0, sizeof ours);
    ours.sa_sigaction = on_sigbus;
    ours.sa_mask = previous.sa_mask;
    ours.sa_flags = (is_default(&previous) || is_ignored(&previous) ? SA_RESTART : previous.sa_flags) | SA_SIGINFO;
    ours.sa_flags &= ~SA_RESETHAND;
    if (sigaction(SIGBUS, &ours, NULL) != 0) {
        int e = errno;
        atomic_store(&g_install_state, 0);
        return -e;
    }
    atomic_store(&g_install_state, 2);
    return 0;
}

/*
 * Registers [start, start + length): a SIGBUS inside it replaces the whole range with zero pages and stores cookie
 * (non-zero) into *fault_word if it is still 0. fault_word must stay valid until the slot is unregistered. Returns
 * the slot (>= 0), -EINVAL for an empty or wrapping range or a zero cookie, -ENOSPC when the table is full.
 */
VSW_EXPORT int vsw_guard_register(void *start, size_t length, int32_t *fault_word, int32_t cookie)
{
    uintptr_t begin = (uintptr_t)start;
    if (length == 0 || begin + length < begin || fault_word == NULL || cookie == 0) {
        return -EINVAL;
    }
    for (int i = 0; i < GUARD_SLOTS; i++) {
        struct guard_slot *s = &g_slots[i];
        int free_state = SLOT_FREE;
        if (!atomic_compare_exchange_strong(&s->state, &free_state, SLOT_CLAIMED)) {
            continue;
        }
        s->start = begin;
        s->end = begin + length;
        s->fault_word = (_Atomic int32_t *)fault_word;
        s->cookie = cookie;
        atomic_store(&s->faults, 0);
        int high = atomic_load(&g_high_water);
        while (high < i + 1 && !atomic_compare_exchange_weak(&g_high_water, &high, i + 1)) {
        }
        atomic_store(&s->state, SLOT_ACTIVE);
        return i;
    }
    return -ENOSPC;
}

/*
 * Unregisters a slot. When it returns, no handler uses the slot or will map over its range, so the owner may munmap
 * the range and free the fault word. Returns the faults contained in the range, or -EINVAL for a slot not active.
 */
VSW_EXPORT int vsw_guard_unregister(int slot)
{
    if (slot < 0 || slot >= GUARD_SLOTS) {
        return -EINVAL;
    }
    struct guard_slot *s = &g_slots[slot];
    int active = SLOT_ACTIVE;
    if (!atomic_compare_exchange_strong(&s->state, &active, SLOT_RETIRING)) {
        return -EINVAL;
    }
    /* A handler counts itself in before it reads any state: once the count is zero after the store above, every
     * handler either finished or will see the slot retiring (both sides use sequentially consistent atomics). */
    while (atomic_load(&g_handlers) != 0) {
        sched_yield();
    }
    int faults = atomic_load(&s->faults);
    atomic_store(&s->state, SLOT_FREE);
    return faults;
}

/* Faults contained since install, over all ranges (for status and tests). */
VSW_EXPORT long vsw_guard_contained(void)
{
    return atomic_load(&g_contained);
}

/*
 * The SIGBUS action this guard chains to: its flags, and 1 in *is_handler when it is a handler function (0 for the
 * default or ignore). For diagnostics and tests; -EAGAIN before install.
 */
VSW_EXPORT int vsw_guard_previous_action(int *flags, int *is_handler)
{
    if (atomic_load(&g_install_state) != 2) {
        return -EAGAIN;
    }
    *flags = g_previous.sa_flags;
    *is_handler = !(is_default(&g_previous) || is_ignored(&g_previous));
    return 0;
}
