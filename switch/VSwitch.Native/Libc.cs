using System.Runtime.InteropServices;

namespace VSwitch.Native;

/// <summary>
/// Every libc function the switch calls, declared once, in one convention: <c>[LibraryImport("libc", SetLastError =
/// true)]</c> partial methods named as in C (so they read like their man pages), the kernel's structs mirrored with
/// tested sizes (64-bit Linux, x86-64 layouts where the architectures differ), constants under their C names, and errno
/// read through <see cref="Errno"/> only. Nothing here throws, allocates or keeps state: callers check every return
/// value. Thread-safe as far as the calls themselves are. Split by concern into Libc.*.cs files.
/// Internal on purpose: only the assemblies that do I/O may call libc (see the project file); everything else goes
/// through the small public helpers of this assembly.
/// </summary>
// SAFETY: pointer parameters are passed straight to libc; callers lend stack, pinned or native memory for the call only.
internal static unsafe partial class Libc
{
    public const int EPERM = 1;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EBUSY = 16;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int EBADFD = 77;
    public const int EMSGSIZE = 90;
    public const int ENOBUFS = 105;

    /// <summary>errno of the last call of this class (each is declared with SetLastError).</summary>
    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>The text of an errno value (strerror), for messages on the control side (allocates).</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
