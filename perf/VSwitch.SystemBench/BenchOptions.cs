using System.Globalization;

namespace VSwitch.SystemBench;

/// <summary>Command-line options of the system benchmark (see <see cref="Usage"/>).</summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        vswitch-system-bench: packets per second through testpmd, OVS-DPDK and vswitchd with a dpdk-testpmd generator.

        Options:
          --dut LIST          testpmd,ovs,vswitchd (default: all three)
          --sizes LIST        io frame sizes in bytes, FCS included (default: 64,1518; 'none' skips)
          --flows LIST        flowgen flow counts against the 10,000-rule table (default: 1000,10000; 'none' skips)
          --rules N           wildcard rules in the table of the flow scenarios (default: 10000)
          --modes LIST        vswitchd/OVS forwarding: normal,inport (default: both)
          --sockets LIST      vswitchd socket modes: vhostuser,vhostuserclient (default: both)
          --warmup SECONDS    traffic before the window opens (default: 2)
          --window SECONDS    measured window (default: 4)
          --reps N            rounds; every round runs every device once, the order rotated by one device per
                              round (default: 7)
          --tx-first N        bursts of 32 each generator port injects in io mode (default: 4)
          --ring TYPE         split or packed: the virtqueue layout the generator's ports ask for
                              (packed adds packed_vq=1 to its net_virtio_user vdevs; default: split)
          --c2c-threshold NS  cache-line round trip between CPU 0 and CPU 1 (probed right before each window's
                              processes start and right after they end) below which a window is 'near',
                              at or above which it is 'far' (default: 150)
          --c2c-round-trips N round trips per probe (default: 100000)
          --c2c-only          only probe c2c five times, one second apart, print the figures and exit
          --max-foreign PCT   flag a window in which other processes used more than PCT % of a CPU
                              (default: 10); flagged windows are listed and counted, not used in medians
          --max-steal PCT     flag a window in which CPU 0 or CPU 1 had more than PCT % steal (default: 5)
          --idle              also measure vswitchd's CPU with two connected idle ports (10 s) and its
                              first-packet-after-idle latency (two in-process vhost-user guests, ~5 s)
          --capture           also measure each vswitchd configuration with `vswitchctl capture vm0 vm1
                              --snaplen 128 -w /dev/null` running (both ports, both directions)
          --smoke             a few seconds: vswitchd (vhostuser, NORMAL, 64 B) only, one short window;
                              exits 1 unless packets crossed both ways with 0 bytes allocated on the datapath thread;
                              with --tcp or --vxlan: one 2 s iperf3 window of vswitchd (across the tunnel with
                              --vxlan), exits 1 unless TCP data crossed
          --out DIR           results directory (default: perf/results of the repository)
          --json PATH         also write the measurements as JSON
          --vswitchd DLL      vswitchd.dll (default: the Release build next to this program's repository)
          --vswitchctl DLL    vswitchctl.dll (default: likewise)
          --ovs-vswitchd PATH the DPDK build of ovs-vswitchd (default: /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk)
          --allow-busy        run even when the machine is busy (the results file says so)

        TCP mode (instead of the packet matrix):
          --tcp               iperf3 TCP between two network namespaces joined by each device in turn
                              (needs iperf3); --reps rounds, results in perf/results/system-bench-tcp-*.md
          --tcp-devices LIST  vswitchd,vswitchd-nooffload,bridge,ovs-tso (default: these four): vswitchd with two
                              tap ports (offloads on / off), a Linux bridge with veth pairs, OVS-DPDK with two
                              type=tap ports and userspace-tso-enable=true; also vswitchd-vxlan, kernel-vxlan
                              (see --vxlan)
          --tcp-seconds S     iperf3 time per window, after one omitted second (default: 8)
          --vxlan             the TCP mode across a VXLAN tunnel: two host namespaces on a veth underlay (MTU
                              1500), an endpoint namespace behind each, overlay MTU 1450; devices
                              vswitchd-vxlan (a vswitchd per host: tap port + vxlan port) and kernel-vxlan (a
                              Linux bridge + vxlan device per host), unless --tcp-devices names others

        Guest mode (instead of the packet matrix):
          --guests            TCP between QEMU guests of the guest kit (TCG) on vhost-user ports of vswitchd, and
                              from a guest to a network namespace behind a tap port; --reps rounds, results in
                              perf/results/system-bench-guests-*.md (and .json with --json)
          --guest-devices L   vswitchd,vswitchd-nooffload,before (default: the first two, and before when
                              --before-vswitchd is given): offloads on, -o offloads=off on every port, and the
                              build before offloads
          --guest-scenarios L g2g,g2ns (default: both): guest to guest, guest to namespace
          --guest-mib N       MiB per transfer; each run sends N MiB of zeros, then N MiB of the md5-checked
                              payload (default: 32)
          --guest-cpus LIST   host CPUs of the guests' QEMUs (taskset list; default: 1, away from the
                              datapath thread on CPU 0)
          --before-vswitchd DLL    vswitchd.dll of the build before offloads (device 'before')
          --before-vswitchctl DLL  its vswitchctl.dll (default: this build's)
        """;

    public HashSet<string> Duts { get; private set; } = ["testpmd", "ovs", "vswitchd"];

    public int[] Sizes { get; private set; } = [64, 1518];

    public int[] Flows { get; private set; } = [1000, 10000];

    public int Rules { get; private set; } = 10000;

    public HashSet<string> Modes { get; private set; } = ["normal", "inport"];

    public HashSet<string> Sockets { get; private set; } = ["vhostuser", "vhostuserclient"];

    public double WarmupSeconds { get; private set; } = 2;

    public double WindowSeconds { get; private set; } = 4;

    public int Reps { get; private set; } = 7;

    public int TxFirstBursts { get; private set; } = 4;

    /// <summary><c>split</c> or <c>packed</c>: the ring layout the generator asks for.</summary>
    public string Ring { get; private set; } = "split";

    /// <summary>c2c round trip (ns) separating near windows from far ones.</summary>
    public double C2cThresholdNs { get; private set; } = 150;

    public int C2cRoundTrips { get; private set; } = 100_000;

    /// <summary>Only probe c2c and print it (which placement the VM has right now), measuring nothing else.</summary>
    public bool C2cOnly { get; private set; }

    /// <summary>Foreign CPU load (percent of one CPU) above which a window is flagged.</summary>
    public double MaxForeignPercent { get; private set; } = 10;

    /// <summary>Steal on CPU 0 or 1 (percent) above which a window is flagged.</summary>
    public double MaxStealPercent { get; private set; } = 5;

    public bool Idle { get; private set; }

    /// <summary>Also measure every vswitchd configuration with a capture running on both ports.</summary>
    public bool Capture { get; private set; }

    public bool Smoke { get; private set; }

    public bool AllowBusy { get; private set; }

    public string? OutDir { get; private set; }

    public string? JsonPath { get; private set; }

    public string? VswitchdDll { get; private set; }

    public string? VswitchctlDll { get; private set; }

    public string OvsVswitchd { get; private set; } = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk";

    /// <summary>Run the TCP mode instead of the packet matrix.</summary>
    public bool Tcp { get; private set; }

    /// <summary>The TCP mode's devices (see <see cref="TcpBench.Devices"/>).</summary>
    public HashSet<string> TcpDevices { get; private set; } = [.. TcpBench.LocalDevices];

    /// <summary>iperf3 seconds per TCP window.</summary>
    public double TcpSeconds { get; private set; } = 8;

    /// <summary>Run the guest mode instead of the packet matrix.</summary>
    public bool Guests { get; private set; }

    /// <summary>The guest mode's devices (see <see cref="GuestBench.Devices"/>).</summary>
    public HashSet<string> GuestDevices { get; private set; } = ["vswitchd", "vswitchd-nooffload"];

    /// <summary>The guest mode's scenarios (see <see cref="GuestBench.Scenarios"/>).</summary>
    public HashSet<string> GuestScenarios { get; private set; } = [.. GuestBench.Scenarios];

    /// <summary>MiB per guest transfer.</summary>
    public int GuestMiB { get; private set; } = 32;

    /// <summary>Host CPUs of the guests (taskset list).</summary>
    public string GuestCpus { get; private set; } = "1";

    /// <summary>vswitchd.dll of the build before offloads, or null.</summary>
    public string? BeforeVswitchdDll { get; private set; }

    /// <summary>vswitchctl.dll of the build before offloads, or null (this build's).</summary>
    public string? BeforeVswitchctlDll { get; private set; }

    /// <summary>Parses the arguments; returns null and prints the reason on an error.</summary>
    public static BenchOptions? Parse(string[] args, TextWriter error)
    {
        var o = new BenchOptions();
        bool guestDevicesGiven = false;
        bool tcpDevicesGiven = false;
        bool vxlan = false;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException(a + " needs a value");
                switch (a)
                {
                    case "--dut": o.Duts = Set(Next(), "testpmd", "ovs", "vswitchd"); break;
                    case "--sizes":
                        string sizes = Next();
                        o.Sizes = sizes == "none" ? [] : Ints(sizes, 64, 9000);
                        break;
                    case "--flows":
                        string flows = Next();
                        o.Flows = flows == "none" ? [] : Ints(flows, 1, 1_000_000);
                        break;
                    case "--rules": o.Rules = Int(Next(), 0, 100_000); break;
                    case "--modes": o.Modes = Set(Next(), "normal", "inport"); break;
                    case "--sockets": o.Sockets = Set(Next(), "vhostuser", "vhostuserclient"); break;
                    case "--warmup": o.WarmupSeconds = Seconds(Next()); break;
                    case "--window": o.WindowSeconds = Seconds(Next()); break;
                    case "--reps": o.Reps = Int(Next(), 1, 100); break;
                    case "--tx-first": o.TxFirstBursts = Int(Next(), 1, 16); break;
                    case "--ring": o.Ring = Set(Next(), "split", "packed") is { Count: 1 } r ? r.Single() : throw new FormatException("--ring takes one of split, packed"); break;
                    case "--c2c-threshold": o.C2cThresholdNs = Number(Next(), 1, 100_000); break;
                    case "--c2c-round-trips": o.C2cRoundTrips = Int(Next(), C2cProbe.Batch, 10_000_000); break;
                    case "--c2c-only": o.C2cOnly = true; break;
                    case "--max-foreign": o.MaxForeignPercent = Number(Next(), 0, 10_000); break;
                    case "--max-steal": o.MaxStealPercent = Number(Next(), 0, 100); break;
                    case "--idle": o.Idle = true; break;
                    case "--capture": o.Capture = true; break;
                    case "--smoke": o.Smoke = true; break;
                    case "--allow-busy": o.AllowBusy = true; break;
                    case "--out": o.OutDir = Next(); break;
                    case "--json": o.JsonPath = Next(); break;
                    case "--vswitchd": o.VswitchdDll = Next(); break;
                    case "--vswitchctl": o.VswitchctlDll = Next(); break;
                    case "--ovs-vswitchd": o.OvsVswitchd = Next(); break;
                    case "--tcp": o.Tcp = true; break;
                    case "--tcp-devices": o.TcpDevices = Set(Next(), TcpBench.Devices); tcpDevicesGiven = true; break;
                    case "--vxlan": o.Tcp = true; vxlan = true; break;
                    case "--tcp-seconds": o.TcpSeconds = Int(Next(), 1, 600); break;
                    case "--guests": o.Guests = true; break;
                    case "--guest-devices": o.GuestDevices = Set(Next(), GuestBench.Devices); guestDevicesGiven = true; break;
                    case "--guest-scenarios": o.GuestScenarios = Set(Next(), GuestBench.Scenarios); break;
                    case "--guest-mib": o.GuestMiB = Int(Next(), 1, 1024); break;
                    case "--guest-cpus": o.GuestCpus = Next().All(c => char.IsAsciiDigit(c) || c is ',' or '-') ? args[i] : throw new FormatException("--guest-cpus takes a CPU list such as 1 or 0-1"); break;
                    case "--before-vswitchd": o.BeforeVswitchdDll = Next(); break;
                    case "--before-vswitchctl": o.BeforeVswitchctlDll = Next(); break;
                    default: throw new FormatException("unknown option " + a);
                }
            }
        }
        catch (FormatException e)
        {
            error.WriteLine(e.Message);
            error.WriteLine(Usage);
            return null;
        }
        if (vxlan && !tcpDevicesGiven)
        {
            o.TcpDevices = [.. TcpBench.TunnelDevices];
        }
        if (o.Smoke && o.Tcp)
        {
            // One short window of vswitchd: across the tunnel with --vxlan, else between two taps.
            o.TcpDevices = tcpDevicesGiven ? o.TcpDevices : [vxlan ? "vswitchd-vxlan" : "vswitchd"];
            o.TcpSeconds = 2;
        }
        if (!guestDevicesGiven && o.BeforeVswitchdDll is not null)
        {
            o.GuestDevices.Add("before");
        }
        if (o.GuestDevices.Contains("before") && o.BeforeVswitchdDll is null)
        {
            error.WriteLine("--guest-devices before needs --before-vswitchd DLL");
            return null;
        }
        if (o.Smoke)
        {
            o.Duts = ["vswitchd"];
            o.Sizes = [64];
            o.Flows = [];
            o.Modes = ["normal"];
            o.Sockets = ["vhostuser"];
            o.WarmupSeconds = 1;
            o.WindowSeconds = 2;
            o.Reps = 1;
        }
        return o;
    }

    private static HashSet<string> Set(string value, params string[] allowed)
    {
        var set = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        foreach (string s in set)
        {
            if (!allowed.Contains(s))
            {
                throw new FormatException($"'{s}' is not one of {string.Join(", ", allowed)}");
            }
        }
        return set.Count == 0 ? throw new FormatException("empty list") : set;
    }

    private static int[] Ints(string value, int min, int max) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => Int(v, min, max))];

    private static int Int(string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n : throw new FormatException($"'{value}' is not a number from {min} to {max}");

    private static double Number(string value, double min, double max) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n) && n >= min && n <= max
            ? n : throw new FormatException($"'{value}' is not a number from {min} to {max}");

    private static double Seconds(string value) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double s) && s > 0 && s <= 600
            ? s : throw new FormatException($"'{value}' is not a number of seconds (0-600)");
}
