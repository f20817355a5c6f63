using System.Runtime.InteropServices;

namespace VSwitch.VhostUser.Interop;

/// <summary>
/// The exports of libvswitch_guard (Native/guest_fault_guard.c), the one native library of the switch's own, built
/// with this project; see that file for the contract of each. libc itself is declared in VSwitch.Native.
/// </summary>
// SAFETY: pointer parameters are passed straight to the library; callers lend memory that outlives the registration.
internal static unsafe partial class GuardLibrary
{
    private const string Library = "vswitch_guard";

    [LibraryImport(Library, EntryPoint = "vsw_guard_install")]
    public static partial int Install();

    [LibraryImport(Library, EntryPoint = "vsw_guard_register")]
    public static partial int Register(nint start, nuint length, int* faultWord, int cookie);

    [LibraryImport(Library, EntryPoint = "vsw_guard_unregister")]
    public static partial int Unregister(int slot);
}
