using System.Globalization;
using System.Text.RegularExpressions;

namespace VSwitch.TestKit.Guests;

/// <summary>
/// Builds the command line of one test guest under QEMU 7.2 with TCG. What each part is for:
/// <list type="bullet">
/// <item>guest memory is a shared memfd (<c>share=on</c>): a vhost-user backend maps it to reach the rings and buffers;</item>
/// <item><c>vectors=0</c>: QEMU 7.2 under TCG crashes when a vhost-user virtio-net device starts with MSI-X on (seen
/// again with <c>mq=on,vectors=6</c>);</item>
/// <item><c>-kernel</c> is the uncompressed kernel, booted through its PVH note without decompressing under TCG;</item>
/// <item>the serial console is QEMU's stdout; <c>-no-reboot</c> and <c>panic=-1</c> make any reboot or panic end QEMU;</item>
/// <item><c>no_timer_check</c>: the kernel's early check that the timer interrupt reaches the IO-APIC counts ticks in
/// a short busy loop, which an emulated CPU on a busy host can lose; the kernel then panics ("IO-APIC + timer doesn't
/// work!"). Virtual machines skip that check.</item>
/// <item><c>cryptomgr.notests</c>: the kernel's crypto self-tests run during boot and take about half of it under TCG
/// (first result line at 4.2 s with them, 2.3 s without, two CPUs). Their DRBG test seeds from the CPU-jitter entropy
/// source, which spins with a lock held until its timing samples pass; a guest once never booted, its CPU reported
/// stuck in <c>cryptomgr_test</c> for over 200 s. The guests use no kernel crypto.</item>
/// </list>
/// Pure: no I/O. Options are validated because their values end up inside QEMU's comma syntax and the kernel command line.
/// </summary>
public static partial class QemuCommandLine
{
    /// <summary>The QEMU executable for x86-64 guests.</summary>
    public const string Qemu = "qemu-system-x86_64";

    /// <summary>
    /// The program and its arguments (the program is <c>ip</c> when <see cref="GuestOptions.Netns"/> is set, else
    /// <c>taskset</c> when <see cref="GuestOptions.CpuAffinity"/> is; both exec the next one).
    /// </summary>
    public static IReadOnlyList<string> Build(GuestImage image, GuestOptions o)
    {
        Validate(o);
        var args = new List<string>();
        if (o.Netns is not null)
        {
            args.AddRange(["ip", "netns", "exec", o.Netns]);
        }
        if (o.CpuAffinity is not null)
        {
            args.AddRange(["taskset", "-c", o.CpuAffinity]);
        }
        string mem = I(o.MemoryMb);
        args.AddRange([
            Qemu, "-name", o.Name,
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-machine", o.Machine + ",accel=tcg",
            "-m", mem, "-smp", I(o.Cpus),
            "-object", $"memory-backend-memfd,id=mem,size={mem}M,share=on", "-numa", "node,memdev=mem",
            "-kernel", o.BootCompressedKernel ? image.CompressedKernel : image.Kernel,
            "-initrd", image.Initramfs,
            "-append", KernelArguments(o),
            "-serial", "stdio",
            "-chardev", "socket,id=c0,path=" + o.SocketPath + (o.SocketMode == GuestSocketMode.QemuServer ? ",server=on,wait=off" : ",reconnect=1"),
            "-netdev", "vhost-user,id=n0,chardev=c0,queues=" + I(o.Queues),
            "-device", Device(o),
        ]);
        if (o.QmpSocket is not null)
        {
            args.AddRange(["-qmp", $"unix:{o.QmpSocket},server=on,wait=off"]);
        }
        if (o.Incoming is not null)
        {
            args.AddRange(["-incoming", o.Incoming]);
        }
        return args;
    }

    /// <summary>
    /// The kernel command line: console, quiet boot, no timer check, no crypto self-tests, and the init's <c>vs.*</c>
    /// parameters.
    /// </summary>
    public static string KernelArguments(GuestOptions o)
    {
        var words = new List<string> { "console=ttyS0", "quiet", "panic=-1", "no_timer_check", "cryptomgr.notests", "vs.role=" + o.Role };
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                words.Add($"vs.{name}={value}");
            }
        }
        Add("ip", o.Ip);
        Add("peer", o.Peer);
        Add("mtu", N(o.Mtu));
        Add("count", N(o.PingCount));
        Add("interval", o.PingInterval?.ToString(CultureInfo.InvariantCulture));
        Add("size", N(o.PingSize));
        Add("bytes", o.Bytes?.ToString(CultureInfo.InvariantCulture));
        Add("port", N(o.Port));
        Add("streams", N(o.Streams));
        Add("time", N(o.Seconds));
        Add("wait", N(o.WaitSeconds));
        Add("pace", N(o.Pace));
        words.AddRange(o.KernelExtra);
        return string.Join(' ', words);
    }

    private static string Device(GuestOptions o)
    {
        string device = $"virtio-net-pci,netdev=n0,mac={o.Mac},vectors=0";
        if (o.Queues > 1)
        {
            device += ",mq=on";
        }
        if (o.HostMtu is int mtu)
        {
            device += ",host_mtu=" + I(mtu);
        }
        if (o.MergeableRxBuffers is bool mrg)
        {
            device += ",mrg_rxbuf=" + (mrg ? "on" : "off");
        }
        if (o.PackedRing)
        {
            device += ",packed=on";
        }
        if (o.GuestAnnounce is bool announce)
        {
            device += ",guest_announce=" + (announce ? "on" : "off");
        }
        if (!o.Offloads)
        {
            // The ECN bits stay on, as users write it: QEMU 7.2 then still offers GUEST_ECN and HOST_ECN, and Linux acks
            // them without the TSO bits they qualify (VIRTIO 1.2 §5.1.3.1), which the backend must tolerate.
            device += ",csum=off,guest_csum=off,guest_tso4=off,guest_tso6=off,host_tso4=off,host_tso6=off";
        }
        return device;
    }

    private static void Validate(GuestOptions o)
    {
        Check(NameRegex().IsMatch(o.Name), nameof(o.Name), o.Name);
        Check(MacRegex().IsMatch(o.Mac), nameof(o.Mac), o.Mac);
        Check(o.SocketPath.Length is > 0 and < 108 && !o.SocketPath.Contains(',', StringComparison.Ordinal), nameof(o.SocketPath), o.SocketPath);
        Check(o.Queues is >= 1 and <= 16, nameof(o.Queues), I(o.Queues));
        Check(o.Cpus is >= 1 and <= 16, nameof(o.Cpus), I(o.Cpus));
        Check(o.Streams is null or (>= 1 and <= 16), nameof(o.Streams), N(o.Streams) ?? "");
        Check(o.PingInterval is null or (>= 0.01 and <= 60), nameof(o.PingInterval), o.PingInterval?.ToString(CultureInfo.InvariantCulture) ?? "");
        Check(o.MemoryMb is >= 64 and <= 16384, nameof(o.MemoryMb), I(o.MemoryMb));
        Check(o.HostMtu is null or (>= 68 and <= 65535), nameof(o.HostMtu), N(o.HostMtu) ?? "");
        Check(o.CpuAffinity is null || CpuListRegex().IsMatch(o.CpuAffinity), nameof(o.CpuAffinity), o.CpuAffinity ?? "");
        Check(NameRegex().IsMatch(o.Machine), nameof(o.Machine), o.Machine);
        Check(o.Netns is null || NameRegex().IsMatch(o.Netns), nameof(o.Netns), o.Netns ?? "");
        Check(o.Pace is null or (>= 1 and <= 10_000_000), nameof(o.Pace), N(o.Pace) ?? "");
        foreach (string? path in new[] { o.QmpSocket, o.Incoming })
        {
            Check(path is null || (path.Length is > 0 and < 108 && !path.Contains(',', StringComparison.Ordinal)), "socket path", path ?? "");
        }
        foreach (string word in o.KernelExtra)
        {
            Check(KernelWordRegex().IsMatch(word), nameof(o.KernelExtra), word);
        }
        foreach (string? value in new[] { o.Role, o.Ip, o.Peer })
        {
            Check(value is null || WordRegex().IsMatch(value), "kernel parameter", value ?? "");
        }
    }

    private static void Check(bool ok, string what, string value)
    {
        if (!ok)
        {
            throw new ArgumentException($"invalid guest option {what}: '{value}'");
        }
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string? N(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^[A-Za-z0-9-]{1,32}$")]
    private static partial Regex NameRegex();

    [GeneratedRegex("^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")]
    private static partial Regex MacRegex();

    [GeneratedRegex("^[0-9]+([-,][0-9]+)*$")]
    private static partial Regex CpuListRegex();

    // Kernel command line words are split on spaces and the init evaluates them: letters, digits and . , : / _ - only.
    [GeneratedRegex("^[A-Za-z0-9.,:/_-]+$")]
    private static partial Regex WordRegex();

    [GeneratedRegex("^[A-Za-z0-9._-]+=[A-Za-z0-9.,:/_-]+$")]
    private static partial Regex KernelWordRegex();
}
