using System.Diagnostics;
using System.Text.Json;
using System.Xml.Linq;
using VSwitch.TestKit.Guests;
using Xunit;

namespace VSwitch.Service.Tests.Libvirt;

/// <summary>
/// Two libvirt domains (type qemu: TCG, no KVM here) defined from the XML in docs/LIBVIRT.md, on the installed
/// vswitchd started as its unit says: domain A on a vhostuser port (libvirt mode='client'), domain B on a
/// vhostuserclient port (mode='server', its socket in RUN_DIR/qemu). QEMU runs as libvirt-qemu, which reaches the
/// sockets only through the group the install added it to. One scenario, because the two domains boot once (TCG
/// guests under libvirt are slow on two busy CPUs): traffic in both socket modes; B destroyed and started again;
/// vswitchd restarted under both running domains. The guests' scripts (see tests/guests/README.md):
/// A "ping,send,hold,ping,hold,ping,send,idle", B "ping,recv,idle" (again from the start after its restart).
/// </summary>
public sealed class LibvirtGuestTests(InstallFixture install, ITestOutputHelper output) : IDisposable
{
    private const string MacA = "52:54:00:00:00:0a";
    private const string MacB = "52:54:00:00:00:0b";
    private const long Bytes = 4L << 20;
    private static readonly TimeSpan s_boot = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan s_transfer = TimeSpan.FromMinutes(4);
    private readonly List<IDisposable> _cleanup = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    [Fact]
    public void DomainsOnBothSocketModesSwitchTrafficAndSurviveADomainRestartAndAVswitchdRestart()
    {
        InstalledTree tree = install.Require();
        GuestImage image = GuestKit.RequireAvailable();
        string root = Path.Combine(tree.Root, Command.UniqueName("virt"));
        Directory.CreateDirectory(root);
        File.SetUnixFileMode(root, (UnixFileMode)0x1ed);
        ServiceProcess service = Track(new ServiceProcess(tree, root));
        service.Start();
        Libvirtd libvirt = Track(Libvirtd.Start(Path.Combine(root, "libvirt")));
        Step($"libvirtd started by the test (pid {libvirt.Pid}): {libvirt.Uri}");
        CommandResult Ctl(params string[] args)
        {
            CommandResult r = tree.Ctl(service.RunDir, args);
            Assert.True(r.ExitCode == 0, $"vswitchctl {string.Join(' ', args)}: {r}");
            return r;
        }

        Ctl("add-port", "vm-a", "vhostuser");
        Ctl("add-port", "vm-b", "vhostuserclient", "--socket", Path.Combine(service.RunDir, "qemu", "vm-b.sock"));
        XElement nicA = XElement.Parse(Ctl("libvirt-xml", "vm-a", "--mac", MacA).Stdout);
        XElement nicB = XElement.Parse(Ctl("libvirt-xml", "vm-b", "--mac", MacB).Stdout);
        Assert.Equal("client", nicA.Element("source")!.Attribute("mode")!.Value);
        Assert.Equal("server", nicB.Element("source")!.Attribute("mode")!.Value);

        string guestFiles = CopyGuestKit(image, root);
        LibvirtDomain a = Define(libvirt, root, guestFiles, "a", nicA, MacA, "10.0.0.1/24", "10.0.0.2", "ping,send,hold,ping,hold,ping,send,idle");
        LibvirtDomain b = Define(libvirt, root, guestFiles, "b", nicB, MacB, "10.0.0.2/24", "10.0.0.1", "ping,recv,idle");
        try
        {
            a.Start();
            b.Start();
            Step("both domains started");

            // 1. Both socket modes carry traffic: pings both ways, then 4 MiB from A to B.
            Assert.Equal("5", a.WaitForResult("ping", s_boot)["received"]);
            Assert.Equal("5", b.WaitForResult("ping", s_boot)["received"]);
            GuestResult sent = a.WaitForResult("send", s_transfer);
            GuestResult received = b.WaitForResult("recv", s_transfer);
            Assert.Equal(Bytes, received.GetInt64("bytes"));
            Assert.Equal(sent["md5"], received["md5"]);
            Assert.Equal(GuestPayload.Md5(Bytes), received["md5"]);
            Step($"pings and {Bytes >> 20} MiB ({received["seconds"]} s) through both socket modes");

            // 2. virsh destroy and start of B: a new QEMU listens on the socket again, vswitchd reconnects to it.
            a.WaitForResult("hold", s_boot);
            b.Destroy();
            WaitForPort(service, tree, "vm-b", "waiting");
            b.Start();
            b.WaitForResult("boot", s_boot, occurrence: 2);
            Assert.Equal("5", b.WaitForResult("ping", s_boot, occurrence: 2)["received"]);
            a.Resume();
            Assert.Equal("5", a.WaitForResult("ping", s_boot, occurrence: 2)["received"]);
            Step("B destroyed and started: its port reconnected, pings both ways again");

            // 3. vswitchd restarted under both domains: they keep running (no new boot) and pass traffic again.
            a.WaitForResult("hold", s_boot, occurrence: 2);
            Assert.Equal(0, service.Stop());
            Step("vswitchd stopped");
            service.Start();
            WaitForPort(service, tree, "vm-a", "up");
            WaitForPort(service, tree, "vm-b", "up");
            Step("vswitchd started again: both ports up");
            Assert.Equal("running", a.State);
            Assert.Equal("running", b.State);
            a.Resume();
            Assert.Equal("5", a.WaitForResult("ping", s_boot, occurrence: 3)["received"]);
            GuestResult sentAgain = a.WaitForResult("send", s_transfer, occurrence: 2);
            GuestResult receivedAgain = b.WaitForResult("recv", s_transfer, occurrence: 2);
            Assert.Equal(sentAgain["md5"], receivedAgain["md5"]);
            Assert.Equal(GuestPayload.Md5(Bytes), receivedAgain["md5"]);
            Assert.Equal(1, a.Count("boot"));
            Assert.Equal(2, b.Count("boot"));
            Step($"after the restart: pings and {Bytes >> 20} MiB ({receivedAgain["seconds"]} s) again, no guest rebooted");
        }
        catch
        {
            output.WriteLine($"--- a console:\n{a.Console}\n--- b console:\n{b.Console}\n--- vswitchd:\n{service.Log}");
            output.WriteLine("--- port-status:\n" + tree.Ctl(service.RunDir, ["port-status", "vm-a"]).Stdout + tree.Ctl(service.RunDir, ["port-status", "vm-b"]).Stdout);
            output.WriteLine($"--- QEMU log of a:\n{a.QemuLog}\n--- QEMU log of b:\n{b.QemuLog}\n--- libvirtd:\n{libvirt.Log}");
            throw;
        }
    }

    public void Dispose()
    {
        for (int i = _cleanup.Count - 1; i >= 0; i--)
        {
            _cleanup[i].Dispose();
        }
    }

    private LibvirtDomain Define(Libvirtd libvirt, string root, string guestFiles, string name, XElement nic, string mac, string ip, string peer, string role)
    {
        // The kernel command line as the guest kit builds it for QEMU; the mac and socket are the NIC's business here.
        string cmdline = QemuCommandLine.KernelArguments(new GuestOptions
        {
            Name = name,
            Mac = mac,
            SocketPath = "unused",
            Role = role,
            Ip = ip,
            Peer = peer,
            PingCount = 5,
            Bytes = Bytes,
            Seconds = 900,
        });
        string domainName = Command.UniqueName("vswt-" + name + "-");
        XElement xml = DomainXml.ForTest(domainName, nic, Path.Combine(guestFiles, "vmlinux"), Path.Combine(guestFiles, "initramfs.cpio.gz"),
            cmdline, Path.Combine(root, name + ".console"), Path.Combine(root, name + ".log"));
        output.WriteLine(xml.ToString());
        return Track(LibvirtDomain.Define(libvirt, xml, root, Path.Combine(root, name + ".console"), Path.Combine(root, name + ".log")));
    }

    // libvirt gives the kernel and initramfs to libvirt-qemu while a domain runs: copies keep the shared kit untouched.
    private static string CopyGuestKit(GuestImage image, string root)
    {
        string directory = Path.Combine(root, "guest");
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, (UnixFileMode)0x1ed);
        File.Copy(image.Kernel, Path.Combine(directory, "vmlinux"));
        File.Copy(image.Initramfs, Path.Combine(directory, "initramfs.cpio.gz"));
        return directory;
    }

    private static void WaitForPort(ServiceProcess service, InstalledTree tree, string port, string state)
    {
        var clock = Stopwatch.StartNew();
        string last = "";
        while (clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            CommandResult r = tree.Ctl(service.RunDir, ["port-status", port, "--json"]);
            if (r.ExitCode == 0)
            {
                last = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("state").GetString() ?? "";
                if (last == state)
                {
                    return;
                }
            }
            Thread.Sleep(250);
        }
        Assert.Fail($"port {port} is '{last}', not '{state}', after 2 minutes:\n{service.Log}");
    }

    private void Step(string what) => output.WriteLine($"[{_clock.Elapsed.TotalSeconds,5:F0} s] {what}");

    private T Track<T>(T disposable)
        where T : IDisposable
    {
        _cleanup.Add(disposable);
        return disposable;
    }
}
