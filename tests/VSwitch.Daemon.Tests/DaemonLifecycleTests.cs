using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mono.Unix.Native;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Daemon.Tests;

/// <summary>Start, stop, crash and restart of the real vswitchd: persistence, signals, corrupt DB, detach.</summary>
public sealed partial class DaemonLifecycleTests
{
    [Fact]
    public void Without_a_daemon_every_command_says_it_cannot_connect()
    {
        using var d = new DaemonProcess();
        CtlResult r = d.Ctl("show");
        Assert.Equal(3, r.ExitCode);
        Assert.Equal($"vswitchctl: cannot connect to vswitchd at {d.SocketPath} (no such socket)", r.Stderr.Trim());
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void The_run_directory_comes_from_VSWITCH_RUN_DIR_when_no_option_names_it()
    {
        using var d = new DaemonProcess();
        d.Start();
        CtlResult r = Vswitchctl.Run(["list-ports", "--json"], new Dictionary<string, string> { ["VSWITCH_RUN_DIR"] = d.RunDir });
        Assert.Equal(0, r.ExitCode);
        CtlResult fallback = Vswitchctl.Run(["list-ports"], new Dictionary<string, string> { ["VSWITCH_RUN_DIR"] = "" });
        Assert.Contains(fallback.ExitCode == 3 ? "/run/vswitch/vswitchd.ctl" : "", fallback.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void After_kill_9_and_restart_show_and_dump_flows_are_identical()
    {
        using var d = new DaemonProcess();
        d.Start();
        Assert.Equal(0, d.Ctl("add-port", "vm1", "vhostuser", "--tag", "10").ExitCode);
        Assert.Equal(0, d.Ctl("add-port", "vm2", "vhostuserclient", "--socket", Path.Combine(d.Root, "vm2.sock"), "--ofport", "9", "--trunks", "1-5").ExitCode);
        Assert.Equal(0, d.Ctl("add-flow", "priority=100,in_port=vm1,dl_type=0x0800,nw_dst=10.0.0.0/8,actions=mod_vlan_vid:5,output:vm2").ExitCode);
        Assert.Equal(0, d.Ctl("add-flow", "cookie=0x42,priority=50,in_port=vm2,actions=drop").ExitCode);
        Assert.Equal(0, d.Ctl("set", "mac-aging-time=120").ExitCode);
        string show = d.Ctl("show", "--json").Stdout;
        string flows = FlowsWithoutTimes(d.Ctl("dump-flows").Stdout);

        d.Kill();
        d.Start();

        Assert.Equal(StatesErased(show), StatesErased(d.Ctl("show", "--json").Stdout));
        Assert.Equal(flows, FlowsWithoutTimes(d.Ctl("dump-flows").Stdout));
        Assert.Contains("vm1.sock", d.Ctl("port-status", "vm1").Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7)]
    public async Task Killing_the_daemon_while_it_writes_the_db_always_leaves_a_db_that_loads(int seed)
    {
        var random = new Random(seed);
        using var d = new DaemonProcess();
        int added = 0;
        for (int round = 0; round < 4; round++)
        {
            d.Start();
            int before = d.Ctl("dump-flows", "--json").Json().GetProperty("flows").GetArrayLength();
            Assert.Equal(added + 1, before);
            using var writer = new CancellationTokenSource();
            int[] acknowledgedSoFar = [0];
            var writes = Task.Run(() =>
            {
                int n = 0;
                while (!writer.IsCancellationRequested)
                {
                    if (d.Ctl("add-flow", $"priority={1000 + (round * 100) + n},in_port=1,actions=drop").ExitCode == 0)
                    {
                        n++;
                        Volatile.Write(ref acknowledgedSoFar[0], n);
                    }
                }
                return n;
            }, TestContext.Current.CancellationToken);
            // The kill must land while the daemon writes: after the first acknowledged change (each vswitchctl is a
            // process start, which takes a second or more on a busy machine), at a random moment among the next ones.
            // Killed earlier, a first start leaves no DB at all and the round tests nothing.
            Eventually.True(() => Volatile.Read(ref acknowledgedSoFar[0]) > 0 || writes.IsCompleted, "a first acknowledged add-flow",
                TimeSpan.FromSeconds(60));
            await Task.Delay(random.Next(0, 700), TestContext.Current.CancellationToken);
            d.Kill();
            writer.Cancel();
            int acknowledged = await writes;
            JsonElement db;
            using (JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(d.DbPath)))
            {
                db = doc.RootElement.Clone();
            }
            int stored = db.GetProperty("flows").GetArrayLength() - 1;
            // Every acknowledged change is in the DB; at most the one in flight at the kill is there unacknowledged.
            Assert.InRange(stored - added, acknowledged, acknowledged + 1);
            added = stored;
        }
        d.Start();
        Assert.Equal(added + 1, d.Ctl("dump-flows", "--json").Json().GetProperty("flows").GetArrayLength());
    }

    [Fact]
    public void Sigterm_stops_cleanly_and_removes_the_control_socket_and_pid_file()
    {
        using var d = new DaemonProcess();
        string pidFile = Path.Combine(d.Root, "vswitchd.pid");
        d.Start("--pidfile", pidFile);
        // The pid file is written once the daemon is ready, just after its control socket listens.
        Eventually.True(() => File.Exists(pidFile), "the pid file", detail: () => d.Log);
        Assert.Equal(d.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(pidFile).Trim());
        Assert.Equal(0, d.Terminate());
        Assert.False(File.Exists(d.SocketPath));
        Assert.False(File.Exists(pidFile));
        Assert.Contains("SIGTERM: stopping", d.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_db_is_refused_and_left_untouched()
    {
        using var d = new DaemonProcess();
        Directory.CreateDirectory(Path.GetDirectoryName(d.DbPath)!);
        File.WriteAllText(d.DbPath, "{ \"format\": 1, \"bridge\": ");
        Assert.Equal(78, d.RunToExit());
        Assert.Equal("{ \"format\": 1, \"bridge\": ", File.ReadAllText(d.DbPath));
        Assert.False(File.Exists(d.SocketPath));
    }

    [Fact]
    public void A_second_daemon_on_the_same_db_is_refused()
    {
        using var d = new DaemonProcess();
        d.Start();
        Assert.Equal(1, d.RunToExit());
        Assert.Equal(0, d.Ctl("show").ExitCode);
    }

    [Fact]
    public void A_second_daemon_on_the_same_run_directory_is_refused_before_it_touches_any_port_socket()
    {
        using var first = new DaemonProcess();
        first.Start();
        Assert.Equal(0, first.Ctl("add-port", "r1", "vhostuser").ExitCode);
        string socket = Path.Combine(first.RunDir, "r1.sock");
        Eventually.True(() => File.Exists(socket), "the port socket " + socket, detail: () => first.Log);
        DateTime created = File.GetLastWriteTimeUtc(socket);

        using var second = new DaemonProcess(first.RunDir);
        Directory.CreateDirectory(Path.GetDirectoryName(second.DbPath)!);
        File.Copy(first.DbPath, second.DbPath);
        Assert.Equal(1, second.RunToExit());
        Assert.Contains("another vswitchd is listening", second.Log, StringComparison.Ordinal);
        Assert.Equal(created, File.GetLastWriteTimeUtc(socket));
        Assert.Equal("r1", first.Ctl("list-ports").Stdout.Trim());
    }

    [Fact]
    public void Detach_returns_once_ready_and_the_background_daemon_answers()
    {
        using var d = new DaemonProcess();
        string pidFile = Path.Combine(d.Root, "bg.pid");
        Assert.Equal(0, d.RunToExit("--detach", "--pidfile", pidFile, "--log-file", Path.Combine(d.Root, "bg.log")));
        int pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            Assert.Equal(0, d.Ctl("show").ExitCode);
            Assert.Contains("vswitchd ready", File.ReadAllText(Path.Combine(d.Root, "bg.log")), StringComparison.Ordinal);
        }
        finally
        {
            Syscall.kill(pid, Signum.SIGTERM);
            // The detached daemon is not our child: its pid file going away is the sign it stopped.
            if (!Eventually.Within(() => !File.Exists(pidFile), Eventually.DefaultTimeout))
            {
                Syscall.kill(pid, Signum.SIGKILL);
            }
        }
        Assert.False(File.Exists(pidFile));
    }

    [Fact]
    public void Sighup_reopens_the_log_file_after_it_was_moved_away()
    {
        using var d = new DaemonProcess();
        string log = Path.Combine(d.Root, "vswitchd.log");
        d.Start("--log-file", log);
        File.Move(log, log + ".1");
        Syscall.kill(d.Pid, Signum.SIGHUP);
        // The handler runs on a thread-pool thread of the daemon: on a busy machine that can take seconds.
        Eventually.True(() => File.Exists(log), "vswitchd to reopen " + log + " after SIGHUP", detail: () => d.Log);
        Assert.Equal(0, d.Ctl("add-port", "h1", "vhostuser").ExitCode);
        Assert.Contains("port h1: added", File.ReadAllText(log), StringComparison.Ordinal);
        Assert.Contains("config DB", File.ReadAllText(log + ".1"), StringComparison.Ordinal);
        Assert.Equal(0, d.Terminate());
    }

    [Fact]
    public void Pmd_cpus_pins_the_datapath_thread()
    {
        Prerequisite.Require(Environment.ProcessorCount >= 2, "needs two CPUs to pin to CPU 1");
        using var d = new DaemonProcess();
        d.Start("--pmd-cpus", "1");
        string? allowed = null;
        // The thread is named when it starts and pins itself a moment later, so wait for the pin rather than the name.
        Eventually.Within(() =>
        {
            foreach (string task in Directory.GetDirectories($"/proc/{d.Pid}/task"))
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == "pmd0")
                {
                    allowed = File.ReadAllLines(Path.Combine(task, "status")).Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
                }
            }
            return allowed == "Cpus_allowed_list:\t1";
        }, Eventually.DefaultTimeout);
        Assert.Equal("Cpus_allowed_list:\t1", allowed);
        Assert.Equal(1, d.Ctl("pmd-stats", "--json").Json().GetProperty("threads")[0].GetProperty("cpu").GetInt32());
    }

    [Fact]
    public void Pmd_stats_counts_sleeps_in_adaptive_mode_and_none_in_busy_mode()
    {
        using var d = new DaemonProcess();
        d.Start();
        var window = Stopwatch.StartNew();
        Assert.Equal(0, d.Ctl("pmd-stats-clear").ExitCode);
        // No ports: an adaptive thread backs off 100 ms at a time, again and again. How many sleeps fit in a window
        // depends on how busy the machine is, so wait for two and bound the rate by the window's measured length.
        Eventually.True(() => SleepsOfThread0(d) >= 2, "two sleeps of an adaptive thread with no ports", detail: () => d.Ctl("pmd-stats").Stdout);
        long adaptive = SleepsOfThread0(d);
        long windowMs = window.ElapsedMilliseconds;
        Assert.True(adaptive <= windowMs / 6, $"{adaptive} sleeps in {windowMs} ms: the thread does not back off");
        Assert.Contains("sleeps: ", d.Ctl("pmd-stats").Stdout, StringComparison.Ordinal);

        Assert.Equal(0, d.Ctl("set", "pmd-mode=busy").ExitCode);
        // The mode is switched when the command returns, but a sleep begun before may still end, and count, after the
        // clear: at most that one in the first window, none at all in the next.
        Assert.Equal(0, d.Ctl("pmd-stats-clear").ExitCode);
        Thread.Sleep(600);
        Assert.InRange(SleepsOfThread0(d), 0, 1);
        Assert.Equal(0, d.Ctl("pmd-stats-clear").ExitCode);
        Thread.Sleep(600);
        Assert.Equal(0, SleepsOfThread0(d));
        Assert.Equal(0, d.Ctl("set", "pmd-mode=adaptive").ExitCode);
    }

    private static long SleepsOfThread0(DaemonProcess d) =>
        d.Ctl("pmd-stats", "--json").Json().GetProperty("threads")[0].GetProperty("sleeps").GetInt64();

    [Fact]
    public void Bad_daemon_options_fail_with_one_line()
    {
        using var d = new DaemonProcess();
        Assert.Equal(2, d.RunToExit("--pmd-mode", "lazy"));
        Assert.Equal(2, d.RunToExit("--pmd-cpus", "1-"));
        Assert.Equal(2, d.RunToExit("--datapath-id", "0"));
        Assert.Equal(2, d.RunToExit("--datapath-id", "12345678901234567"));
    }

    private static string StatesErased(string showJson) => StateRegex().Replace(showJson, "\"state\": \"?\"");

    private static string FlowsWithoutTimes(string dump) => TimesRegex().Replace(dump, "");

    [GeneratedRegex("\"state\": \"[a-z]+\"")]
    private static partial Regex StateRegex();

    [GeneratedRegex(@"duration=[0-9.]+s, |idle_age=\d+, ")]
    private static partial Regex TimesRegex();
}
