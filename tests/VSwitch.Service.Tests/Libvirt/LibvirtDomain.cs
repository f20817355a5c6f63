using System.Diagnostics;
using System.Net.Sockets;
using System.Xml.Linq;
using Mono.Unix.Native;
using VSwitch.TestKit.Guests;
using Xunit;

namespace VSwitch.Service.Tests.Libvirt;

/// <summary>
/// A persistent libvirt domain running a guest-kit guest. Its serial console is a unix socket (written to, to release
/// a guest's <c>hold</c>) with a log file that QEMU appends to across boots, so the guest's result lines
/// of every boot stay readable. Dispose destroys and undefines it, and kills its QEMU by PID if libvirt could not.
/// Use from one thread.
/// </summary>
public sealed class LibvirtDomain : IDisposable
{
    private readonly Libvirtd _libvirt;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private LibvirtDomain(Libvirtd libvirt, string name, string consoleSocket, string consoleLog)
    {
        _libvirt = libvirt;
        Name = name;
        ConsoleSocket = consoleSocket;
        ConsoleLog = consoleLog;
    }

    public string Name { get; }

    public string ConsoleSocket { get; }

    public string ConsoleLog { get; }

    /// <summary>libvirt's log of this domain's QEMU (its command line and QEMU's messages).</summary>
    public string QemuLog
    {
        get
        {
            string file = _libvirt.Inside($"/var/log/libvirt/qemu/{Name}.log");
            return File.Exists(file) ? File.ReadAllText(file) : "(none)";
        }
    }

    /// <summary>Everything the guest printed on its console, over all its boots.</summary>
    public string Console => File.Exists(ConsoleLog) ? File.ReadAllText(ConsoleLog) : "";

    /// <summary>virsh domstate: "running", "shut off", ...</summary>
    public string State => _libvirt.CheckedVirsh("domstate", Name).Trim();

    /// <summary>The result lines so far, over all boots, in order.</summary>
    public IReadOnlyList<GuestResult> Results
    {
        get
        {
            var results = new List<GuestResult>();
            foreach (string line in Console.Split('\n'))
            {
                if (GuestResult.TryParse(line, _clock.Elapsed, out GuestResult? r))
                {
                    results.Add(r!);
                }
            }
            return results;
        }
    }

    /// <summary>Defines the domain from <paramref name="xml"/> (written to <paramref name="directory"/>).</summary>
    public static LibvirtDomain Define(Libvirtd libvirt, XElement xml, string directory, string consoleSocket, string consoleLog)
    {
        string name = xml.Element("name")!.Value;
        string file = Path.Combine(directory, name + ".xml");
        xml.Save(file);
        libvirt.CheckedVirsh("define", file);
        return new LibvirtDomain(libvirt, name, consoleSocket, consoleLog);
    }

    public void Start() => _libvirt.CheckedVirsh("start", Name);

    public void Destroy() => _libvirt.CheckedVirsh("destroy", Name);

    /// <summary>How many result lines report <paramref name="fact"/>.</summary>
    public int Count(string fact) => Results.Count(r => r.Fact == fact);

    /// <summary>
    /// Waits for the <paramref name="occurrence"/>-th line (from 1, over all boots) reporting <paramref name="fact"/>;
    /// fails with the console's tail when the timeout passes or the domain stops running.
    /// </summary>
    public GuestResult WaitForResult(string fact, TimeSpan timeout, int occurrence = 1)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            GuestResult? found = Results.Where(r => r.Fact == fact).Skip(occurrence - 1).FirstOrDefault();
            if (found is not null)
            {
                return found;
            }
            GuestResult? error = Results.FirstOrDefault(r => r.Fact == "error");
            Assert.True(error is null, $"{Name}: {error?.Line}\n{Tail()}");
            Assert.True(clock.Elapsed < timeout, $"{Name} printed no '{fact}' #{occurrence} within {timeout.TotalSeconds} s:\n{Tail()}");
            Thread.Sleep(250);
        }
    }

    /// <summary>Writes a line on the guest's serial console: a guest in its <c>hold</c> role goes on.</summary>
    public void Resume()
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(ConsoleSocket));
        socket.Send("\n"u8);
        socket.Shutdown(SocketShutdown.Both);
    }

    public void Dispose()
    {
        int? pid = QemuPid();
        _libvirt.Virsh("destroy", Name);
        _libvirt.Virsh("undefine", Name);
        if (pid is int p && Syscall.kill(p, 0) == 0 && File.Exists($"/proc/{p}/cmdline")
            && File.ReadAllText($"/proc/{p}/cmdline").Contains("guest=" + Name, StringComparison.Ordinal))
        {
            Syscall.kill(p, Signum.SIGKILL);
        }
    }

    private int? QemuPid()
    {
        string file = _libvirt.Inside($"/run/libvirt/qemu/{Name}.pid");
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out int pid) ? pid : null;
    }

    private string Tail()
    {
        string text = Console;
        return text.Length > 3000 ? text[^3000..] : text;
    }
}
