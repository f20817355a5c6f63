using VSwitch.TestKit.Guests;
using Xunit;

namespace VSwitch.Integration.Tests.Guests;

public sealed class QemuCommandLineTests
{
    private static readonly GuestImage Image = new("/k", "/k/vmlinux", "/k/vmlinuz", "/k/initramfs.cpio.gz", "6.1.0-56-amd64");

    private static GuestOptions Options => new() { Name = "a", Mac = "02:00:00:00:00:01", SocketPath = "/run/t/a.sock" };

    private static string ValueOf(IReadOnlyList<string> args, string option)
    {
        int i = args.ToList().IndexOf(option);
        Assert.True(i >= 0 && i + 1 < args.Count, $"no {option} in: {string.Join(' ', args)}");
        return args[i + 1];
    }

    [Fact]
    public void QEMU_client_reconnects_and_has_shared_memory_and_no_MSIX()
    {
        var args = QemuCommandLine.Build(Image, Options);
        Assert.Equal(QemuCommandLine.Qemu, args[0]);
        Assert.Equal("socket,id=c0,path=/run/t/a.sock,reconnect=1", ValueOf(args, "-chardev"));
        Assert.Equal("memory-backend-memfd,id=mem,size=256M,share=on", ValueOf(args, "-object"));
        Assert.Equal("node,memdev=mem", ValueOf(args, "-numa"));
        Assert.Equal("256", ValueOf(args, "-m"));
        Assert.Equal("vhost-user,id=n0,chardev=c0,queues=1", ValueOf(args, "-netdev"));
        Assert.Equal("virtio-net-pci,netdev=n0,mac=02:00:00:00:00:01,vectors=0", ValueOf(args, "-device"));
        Assert.Equal("/k/vmlinux", ValueOf(args, "-kernel"));
        Assert.Equal("/k/initramfs.cpio.gz", ValueOf(args, "-initrd"));
        Assert.Equal("pc,accel=tcg", ValueOf(args, "-machine"));
        Assert.Contains("-no-reboot", args);
        Assert.Contains("-nodefaults", args);
    }

    [Fact]
    public void QEMU_server_listens_without_waiting()
    {
        var args = QemuCommandLine.Build(Image, Options with { SocketMode = GuestSocketMode.QemuServer });
        Assert.Equal("socket,id=c0,path=/run/t/a.sock,server=on,wait=off", ValueOf(args, "-chardev"));
    }

    [Fact]
    public void Packed_ring_reaches_the_device()
    {
        var args = QemuCommandLine.Build(Image, Options with { PackedRing = true });
        Assert.Equal("virtio-net-pci,netdev=n0,mac=02:00:00:00:00:01,vectors=0,packed=on", ValueOf(args, "-device"));
    }

    [Fact]
    public void Offloads_off_turns_the_checksum_and_segmentation_properties_of_the_device_off()
    {
        var args = QemuCommandLine.Build(Image, Options with { Offloads = false });
        Assert.Equal("virtio-net-pci,netdev=n0,mac=02:00:00:00:00:01,vectors=0,csum=off,guest_csum=off,guest_tso4=off,guest_tso6=off,"
            + "host_tso4=off,host_tso6=off", ValueOf(args, "-device"));
    }

    [Fact]
    public void Multiqueue_MTU_and_mergeable_buffers_reach_the_device()
    {
        var args = QemuCommandLine.Build(Image, Options with { Queues = 2, Cpus = 2, HostMtu = 9000, MergeableRxBuffers = false, MemoryMb = 512 });
        Assert.Equal("virtio-net-pci,netdev=n0,mac=02:00:00:00:00:01,vectors=0,mq=on,host_mtu=9000,mrg_rxbuf=off", ValueOf(args, "-device"));
        Assert.Equal("vhost-user,id=n0,chardev=c0,queues=2", ValueOf(args, "-netdev"));
        Assert.Equal("2", ValueOf(args, "-smp"));
        Assert.Equal("memory-backend-memfd,id=mem,size=512M,share=on", ValueOf(args, "-object"));
    }

    [Fact]
    public void Affinity_runs_QEMU_under_taskset()
    {
        var args = QemuCommandLine.Build(Image, Options with { CpuAffinity = "1" });
        Assert.Equal(["taskset", "-c", "1", QemuCommandLine.Qemu], args.Take(4));
    }

    [Fact]
    public void A_namespace_runs_QEMU_under_ip_netns_exec_before_taskset()
    {
        var args = QemuCommandLine.Build(Image, Options with { Netns = "vxa-1", CpuAffinity = "1" });
        Assert.Equal(["ip", "netns", "exec", "vxa-1", "taskset", "-c", "1", QemuCommandLine.Qemu], args.Take(8));
    }

    [Fact]
    public void Compressed_kernel_on_request()
    {
        var args = QemuCommandLine.Build(Image, Options with { BootCompressedKernel = true });
        Assert.Equal("/k/vmlinuz", ValueOf(args, "-kernel"));
    }

    [Fact]
    public void Role_parameters_go_on_the_kernel_command_line()
    {
        var o = Options with
        {
            Role = "ping,send", Ip = "10.0.0.1/24", Peer = "10.0.0.2", Mtu = 9000, PingCount = 7, PingSize = 8972,
            Bytes = 33554432, Port = 5002, Seconds = 30, WaitSeconds = 20,
        };
        Assert.Equal(
            "console=ttyS0 quiet panic=-1 no_timer_check cryptomgr.notests vs.role=ping,send vs.ip=10.0.0.1/24 vs.peer=10.0.0.2 vs.mtu=9000 vs.count=7 vs.size=8972 "
            + "vs.bytes=33554432 vs.port=5002 vs.time=30 vs.wait=20",
            ValueOf(QemuCommandLine.Build(Image, o), "-append"));
        Assert.Equal("console=ttyS0 quiet panic=-1 no_timer_check cryptomgr.notests vs.role=features", QemuCommandLine.KernelArguments(Options));
    }

    [Fact]
    public void Migration_options_reach_QEMU_and_the_kernel()
    {
        var o = Options with
        {
            Queues = 2, Cpus = 2, GuestAnnounce = false, QmpSocket = "/run/t/a.qmp", Incoming = "unix:/run/t/m.sock",
            Pace = 40000, KernelExtra = ["init_on_alloc=0", "ipv6.disable=1"],
        };
        var args = QemuCommandLine.Build(Image, o);
        Assert.Equal("virtio-net-pci,netdev=n0,mac=02:00:00:00:00:01,vectors=0,mq=on,guest_announce=off", ValueOf(args, "-device"));
        Assert.Equal("unix:/run/t/a.qmp,server=on,wait=off", ValueOf(args, "-qmp"));
        Assert.Equal("unix:/run/t/m.sock", ValueOf(args, "-incoming"));
        Assert.EndsWith(" vs.pace=40000 init_on_alloc=0 ipv6.disable=1", ValueOf(args, "-append"), StringComparison.Ordinal);
    }

    public static TheoryData<GuestOptions> Invalid => new()
    {
        Options with { Name = "a b" },
        Options with { Mac = "02:00:00:00:00" },
        Options with { SocketPath = "/run/a,server=on" },
        Options with { SocketPath = "/" + new string('x', 120) },
        Options with { Queues = 0 },
        Options with { Cpus = 0 },
        Options with { MemoryMb = 16 },
        Options with { HostMtu = 10 },
        Options with { CpuAffinity = "1; reboot" },
        Options with { Role = "ping vs.peer=1.2.3.4" },
        Options with { Ip = "10.0.0.1/24\"" },
        Options with { Peer = "$(reboot)" },
        Options with { KernelExtra = ["init=/bin/sh quiet"] },
        Options with { KernelExtra = ["nowords"] },
        Options with { QmpSocket = "/run/a.qmp,server=off" },
        Options with { Incoming = "unix:/run/m,x=1" },
        Options with { Pace = 0 },
        Options with { Netns = "a b" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Rejects_values_that_would_break_QEMU_or_kernel_syntax(GuestOptions o) =>
        Assert.Throws<ArgumentException>(() => QemuCommandLine.Build(Image, o));
}
