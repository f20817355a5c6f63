using VSwitch.VhostUser.Interop;

namespace VSwitch.VhostUser.Memory;

/// <summary>
/// Keeps a front-end that shrinks its memory file from killing the switch. Every mapping of a front-end fd (guest
/// memory regions, the dirty log) is registered with libvswitch_guard (Native/guest_fault_guard.c), whose SIGBUS
/// handler, installed in front of the .NET runtime's on first use, replaces a registered range that lost pages by zero
/// pages and sets the owning port's <see cref="GuestFaultFlag"/>; any other SIGBUS still goes to the runtime. A managed
/// handler is not an option: no managed code may run inside a signal handler.
/// Registration is required: a mapping that cannot be registered is not used (the request fails), so the guarantee
/// holds for every mapping or the port refuses the memory. Any thread.
/// </summary>
internal static class GuestFaultGuard
{
    private static readonly Lazy<string?> s_installError = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Why the guard is not available (library missing, handler not installed), or null when it is.</summary>
    public static string? UnavailableReason => s_installError.Value;

    /// <summary>
    /// Registers <c>[start, start + length)</c> for <paramref name="flag"/> with <paramref name="cookie"/> (non-zero).
    /// Returns the slot, or -1 with <paramref name="problem"/> set. A registered range must be unregistered with
    /// <see cref="Unregister"/> before it is unmapped.
    /// </summary>
    public static unsafe int Register(nint start, nuint length, GuestFaultFlag flag, int cookie, out string? problem)
    {
        problem = UnavailableReason;
        if (problem is not null)
        {
            return -1;
        }
        // SAFETY: the word stays allocated while the slot exists: the registration holds a reference on the flag, and
        // Unregister drops it only after the guard has forgotten the slot.
        flag.Retain();
        int slot = GuardLibrary.Register(start, length, (int*)flag.Address, cookie);
        if (slot < 0)
        {
            flag.Release();
            problem = slot == -28 /* ENOSPC */
                ? "too many front-end mappings for the guest memory guard"
                : $"the guest memory guard refused the mapping (error {-slot})";
            return -1;
        }
        return slot;
    }

    /// <summary>Unregisters a slot of <paramref name="flag"/>; when this returns no signal handler uses the range any more.</summary>
    public static void Unregister(int slot, GuestFaultFlag flag)
    {
        _ = GuardLibrary.Unregister(slot);
        flag.Release();
    }

    private static string? Install()
    {
        try
        {
            int result = GuardLibrary.Install();
            return result == 0 ? null : $"the SIGBUS handler of libvswitch_guard could not be installed (error {-result})";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return "libvswitch_guard.so could not be loaded (it ships next to the program): " + e.Message;
        }
    }
}
