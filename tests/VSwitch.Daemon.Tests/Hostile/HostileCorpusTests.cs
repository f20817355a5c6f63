using System.Diagnostics;
using System.Text;
using System.Text.Json;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.Daemon.Tests.Hostile;

/// <summary>
/// The hostile corpus of <c>tests/hostile</c> (an independent vhost-user front-end in Python, written from the
/// specifications, sharing no code with the port) against a real vswitchd with four ports: a (server mode, attacked),
/// b (server mode, bystander), c (client mode, bystander) and d (client mode, attacked). After every case the tool
/// checks that the daemon lives and its control socket answers, that b and c forward to each other while the hostile
/// session is still open, that a fresh front-end on the attacked port passes frames both ways, and that the daemon holds
/// no fd or mapping of anything a front-end sent, no new fd or shared mapping, and an RSS within tolerance (runtime
/// noise such as an assembly or JIT code mapped on first use is printed, not failed). One daemon per group of cases.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class HostileCorpusTests(ITestOutputHelper output)
{
    private static readonly TimeSpan GroupTimeout = TimeSpan.FromMinutes(10);

    [Theory]
    [InlineData("framing,floods")]
    [InlineData("fds")]
    [InlineData("memory,rings,log")]
    [InlineData("chains,receive")]
    [InlineData("sessions")]
    public void The_daemon_survives_every_hostile_case(string groups) => RunCorpus(["--group", groups, "--pending", "exclude"]);

    private void RunCorpus(string[] selection)
    {
        string? python = Prerequisite.FindOnPath("python3");
        Prerequisite.Require(python is not null, "python3 not installed (scripts/setup.sh installs it)");
        using var d = new DaemonProcess();
        d.Start();
        string a = Path.Combine(d.RunDir, "a.sock"), b = Path.Combine(d.RunDir, "b.sock");
        string c = Path.Combine(d.Root, "c.sock"), dd = Path.Combine(d.Root, "d.sock");
        AddPort(d, "a", "vhostuser");
        AddPort(d, "b", "vhostuser");
        AddPort(d, "c", "vhostuserclient", "--socket", c);
        AddPort(d, "d", "vhostuserclient", "--socket", dd);
        string json = Path.Combine(d.Root, "results.json");
        string[] args =
        [
            Path.Combine(Programs.Repository, "tests", "hostile", "hostile.py"), "run",
            "--pid", d.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--ctl-socket", d.SocketPath,
            "--server-victim", a, "--server-victim-name", "a", "--client-victim", dd, "--client-victim-name", "d",
            "--peer", $"b:server:{b}", "--peer", $"c:client:{c}", "--bystanders", "b,c", "--json", json, .. selection,
        ];
        (int exit, string stdout, string stderr) = RunTool(python!, args);
        output.WriteLine(stdout);
        if (stderr.Length > 0)
        {
            output.WriteLine("stderr: " + stderr);
        }
        Assert.True(File.Exists(json), $"the corpus wrote no results (exit {exit}): {stderr}\n{Tail(d.Log)}");
        using JsonDocument results = JsonDocument.Parse(File.ReadAllText(json));
        var runs = results.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.NotEmpty(runs);
        var failed = runs.Where(r => r.GetProperty("verdict").GetString() != "pass")
            .Select(r => $"{r.GetProperty("case").GetString()} ({r.GetProperty("mode").GetString()}): "
                + string.Join("; ", r.GetProperty("failures").EnumerateArray().Select(f => f.GetString())))
            .ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {runs.Count} hostile cases failed:\n{string.Join('\n', failed)}\n{Tail(d.Log)}");
        Assert.Equal(0, exit);
        Assert.Equal(0, d.Ctl("show").ExitCode);
    }

    private static void AddPort(DaemonProcess d, params string[] args)
    {
        CtlResult r = d.Ctl(["add-port", .. args]);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    private static (int Exit, string Stdout, string Stderr) RunTool(string python, string[] args)
    {
        var start = new ProcessStartInfo(python) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using Process p = Process.Start(start) ?? throw new InvalidOperationException("cannot start python3");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(GroupTimeout))
        {
            p.Kill();
            p.WaitForExit(10_000);
            Assert.Fail($"the hostile corpus did not finish within {GroupTimeout.TotalMinutes} min:\n{stdout}\n{stderr}");
        }
        p.WaitForExit();
        lock (stdout)
        {
            lock (stderr)
            {
                return (p.ExitCode, stdout.ToString(), stderr.ToString());
            }
        }
    }

    private static string Tail(string text) => text.Length > 4000 ? "daemon log (end): " + text[^4000..] : "daemon log: " + text;
}
