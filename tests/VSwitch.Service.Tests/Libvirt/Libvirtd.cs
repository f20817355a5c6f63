using System.Diagnostics;
using Mono.Unix.Native;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Service.Tests.Libvirt;

/// <summary>
/// A libvirt daemon of the test's own: the machine's /usr/sbin/libvirtd, started by the test and ended by its PID,
/// in a private mount namespace (unshare) where /run/libvirt, /var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt
/// are empty tmpfs mounts and /etc/libvirt is the test's configuration directory. So no domain, network or state of
/// one run, or of the machine, is seen by another, and everything vanishes with the namespace when libvirtd and its
/// QEMUs have exited. Its sockets lie in the test's directory, where virsh reaches them; its files can be read through
/// /proc/PID/root. QEMU writes the console and QEMU logs itself (qemu.conf stdio_handler "file"), so no virtlogd is
/// needed. Call virsh from one thread at a time.
/// </summary>
public sealed class Libvirtd : IDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(90);
    private readonly string _directory;
    private Process? _process;

    private Libvirtd(string directory)
    {
        _directory = directory;
        Uri = "qemu:///system?socket=" + Path.Combine(directory, "sock", "libvirt-sock");
    }

    /// <summary>The connection URI for virsh.</summary>
    public string Uri { get; }

    /// <summary>The daemon's process id.</summary>
    public int Pid => _process?.Id ?? throw new InvalidOperationException("not running");

    /// <summary>The daemon's log.</summary>
    public string Log => ReadIfExists(Path.Combine(_directory, "libvirtd.log")) + ReadIfExists(Path.Combine(_directory, "libvirtd.out"));

    /// <summary>Starts libvirtd with <paramref name="directory"/> for its configuration, sockets and logs.</summary>
    public static Libvirtd Start(string directory)
    {
        Prerequisite.Require(Prerequisite.FindOnPath("virsh") is not null && File.Exists("/usr/sbin/libvirtd"),
            "libvirt not installed (Debian packages libvirt-daemon-system and libvirt-clients; scripts/setup.sh installs them)");
        Prerequisite.Require(Prerequisite.FindOnPath("unshare") is not null, "unshare not found (Debian package util-linux)");
        Directory.CreateDirectory(directory);
        var libvirt = new Libvirtd(directory);
        try
        {
            libvirt.StartOwn();
        }
        catch
        {
            libvirt.Dispose();
            throw;
        }
        return libvirt;
    }

    /// <summary>A path as libvirtd sees it in its mount namespace (e.g. /var/log/libvirt/qemu/NAME.log).</summary>
    public string Inside(string path) => $"/proc/{Pid}/root{path}";

    /// <summary>Runs virsh on this daemon.</summary>
    public CommandResult Virsh(params string[] args) => Virsh(TimeSpan.FromMinutes(3), args);

    /// <summary>Runs virsh on this daemon with a deadline.</summary>
    public CommandResult Virsh(TimeSpan timeout, params string[] args) =>
        Command.Run("virsh", ["--quiet", "-c", Uri, .. args], timeout, cleanEnvironment: true);

    /// <summary>Runs virsh and fails with its output unless it exits 0; returns stdout.</summary>
    public string CheckedVirsh(params string[] args)
    {
        CommandResult r = Virsh(args);
        Assert.True(r.ExitCode == 0, $"virsh {string.Join(' ', args)}: {r}\n{Tail(Log)}");
        return r.Stdout;
    }

    public void Dispose()
    {
        if (_process is not { } p)
        {
            return;
        }
        _process = null;
        if (!p.HasExited)
        {
            Syscall.kill(p.Id, Signum.SIGTERM);
            if (!p.WaitForExit(30_000))
            {
                Syscall.kill(p.Id, Signum.SIGKILL);
                p.WaitForExit(10_000);
            }
        }
        p.Dispose();
    }

    private void StartOwn()
    {
        string etc = Path.Combine(_directory, "etc");
        string sockets = Path.Combine(_directory, "sock");
        Directory.CreateDirectory(etc);
        Directory.CreateDirectory(sockets);
        // Only root may connect: the test runs virsh as root.
        File.WriteAllText(Path.Combine(etc, "libvirtd.conf"), $"""
            unix_sock_dir = "{sockets}"
            unix_sock_rw_perms = "0700"
            auth_unix_rw = "none"
            auth_unix_ro = "none"
            log_outputs = "3:file:{Path.Combine(_directory, "libvirtd.log")}"
            """);
        // Everything else as Debian ships it: QEMU as libvirt-qemu:kvm, dynamic ownership of kernel and initramfs.
        File.WriteAllText(Path.Combine(etc, "qemu.conf"), """
            stdio_handler = "file"
            """);
        const string Script = """
            set -e
            for m in /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do
              mkdir -p "$m"; mount -t tmpfs -o mode=0755 vswitch-test-libvirt "$m"
            done
            mount --bind "$1" /etc/libvirt
            exec /usr/sbin/libvirtd --config "$1/libvirtd.conf" >>"$2" 2>&1
            """;
        // unshare without --fork execs its command, and the shell execs libvirtd: the PID held is libvirtd's.
        var psi = new ProcessStartInfo("unshare") { UseShellExecute = false };
        foreach (string a in (string[])["--mount", "--propagation", "private", "/bin/sh", "-c", Script, "sh", etc, Path.Combine(_directory, "libvirtd.out")])
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Clear();
        psi.Environment["PATH"] = Command.ServicePath;
        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start libvirtd");
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(Path.Combine(sockets, "libvirt-sock")) && Virsh(TimeSpan.FromSeconds(30), "version").ExitCode == 0))
        {
            Assert.False(_process.HasExited, $"libvirtd exited with {(_process.HasExited ? _process.ExitCode : 0)} while starting:\n{Tail(Log)}");
            Assert.True(clock.Elapsed < s_startTimeout, $"libvirtd did not answer within {s_startTimeout.TotalSeconds} s:\n{Tail(Log)}");
            Thread.Sleep(200);
        }
    }

    private static string ReadIfExists(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;
}
