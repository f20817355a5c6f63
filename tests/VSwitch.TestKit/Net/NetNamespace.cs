using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace VSwitch.TestKit.Net;

/// <summary>
/// A Linux network namespace created for one test (unique name) and deleted on dispose, with helpers to move an
/// interface in, address it and run commands inside. Needs root.
/// </summary>
public sealed partial class NetNamespace : IDisposable
{
    /// <summary>Creates a namespace named from <paramref name="prefix"/>, the PID and a counter; its loopback is brought up.</summary>
    public NetNamespace(string prefix = "vsns")
    {
        Name = HostCommand.UniqueName(prefix);
        HostCommand.Ip("netns", "add", Name);
        HostCommand.Ip("-n", Name, "link", "set", "lo", "up");
    }

    /// <summary>The namespace's name.</summary>
    public string Name { get; }

    /// <summary>
    /// Moves <paramref name="ifName"/> here, gives it <paramref name="cidr"/> (e.g. 10.9.0.1/24) and brings it up. Without
    /// <paramref name="ipv6"/>, IPv6 is off on it before it comes up, so the kernel sends nothing of its own through it
    /// (duplicate address detection, MLD reports and router solicitations go out at random moments for seconds).
    /// </summary>
    public void Adopt(string ifName, string cidr, bool ipv6 = true)
    {
        HostCommand.Ip("link", "set", ifName, "netns", Name);
        if (!ipv6)
        {
            (int code, _, string stderr) = Exec(10_000, "sysctl", "-qw", $"net.ipv6.conf.{ifName}.disable_ipv6=1");
            if (code != 0)
            {
                throw new InvalidOperationException($"cannot turn IPv6 off on {ifName} in {Name}: {stderr.Trim()}");
            }
        }
        HostCommand.Ip("-n", Name, "addr", "add", cidr, "dev", ifName);
        HostCommand.Ip("-n", Name, "link", "set", ifName, "up");
    }

    /// <summary>Runs a command inside the namespace; returns exit code and output.</summary>
    public (int ExitCode, string Stdout, string Stderr) Exec(int timeoutMs, params string[] command) =>
        HostCommand.Run("ip", ["netns", "exec", Name, .. command], timeoutMs);

    /// <summary>Reads a file as seen inside the namespace (e.g. /sys/class/net/IF/address).</summary>
    public string ReadSys(string path)
    {
        (int code, string stdout, string stderr) = Exec(10_000, "cat", path);
        return code == 0 ? stdout.Trim() : throw new InvalidOperationException($"cat {path} in {Name}: {stderr.Trim()}");
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a new thread that has entered this namespace (setns) and returns its result; an
    /// exception is rethrown here. Sockets opened by <paramref name="work"/> belong to the namespace for their whole life,
    /// so the caller can use them from any thread afterwards.
    /// </summary>
    public T Run<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                int fd = Open("/var/run/netns/" + Name, 0x80000);
                if (fd < 0)
                {
                    throw new InvalidOperationException($"cannot open namespace {Name}: errno {Marshal.GetLastPInvokeError()}");
                }
                int rc = Setns(fd, 0x40000000);
                int errno = Marshal.GetLastPInvokeError();
                _ = Close(fd);
                if (rc != 0)
                {
                    throw new InvalidOperationException($"cannot enter namespace {Name}: errno {errno}");
                }
                result = work();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        { IsBackground = true, Name = "netns " + Name };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>Deletes the namespace (interfaces inside that were created by a tap fd vanish with the fd, veths with the namespace).</summary>
    public void Dispose() => HostCommand.IpQuiet("netns", "delete", Name);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int Setns(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
