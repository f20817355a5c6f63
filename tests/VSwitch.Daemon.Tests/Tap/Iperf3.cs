using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VSwitch.TestKit;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.Tap;

/// <summary>What one iperf3 TCP run reported (its JSON's <c>end</c> section).</summary>
/// <param name="SentBytes">Bytes the sender wrote.</param>
/// <param name="ReceivedBytes">Bytes the receiver read.</param>
/// <param name="Retransmits">Segments the sender's TCP retransmitted.</param>
/// <param name="ReceiverGbps">The receiver's rate, Gbit/s (printed only: speed is never asserted).</param>
internal sealed record Iperf3Result(long SentBytes, long ReceivedBytes, long Retransmits, double ReceiverGbps);

/// <summary>
/// iperf3 (Debian package <c>iperf3</c>) between two network namespaces: a one-shot server (<c>-s -1</c>) in one, a
/// client sending a fixed number of bytes (<c>-n</c>) from the other, so a run ends when the transfer is complete, not
/// after a time. Both processes are ended by their own PID if they overrun.
/// </summary>
internal static class Iperf3
{
    /// <summary>Fails (CI) or skips unless iperf3 is installed.</summary>
    public static void Require() =>
        Prerequisite.Require(Prerequisite.FindOnPath("iperf3") is not null, "iperf3 is missing (apt-get install iperf3; scripts/setup.sh)");

    /// <summary>
    /// Starts a server in <paramref name="server"/> on <paramref name="ip"/>:<paramref name="port"/> and a client in
    /// <paramref name="client"/> sending <paramref name="bytes"/> to it (with <paramref name="reverse"/>, the server sends
    /// to the client). While the client runs, <paramref name="abandon"/> is asked every 200 ms: when it returns a reason,
    /// both processes are ended and that reason is returned instead of a result.
    /// </summary>
    public static (Iperf3Result? Result, string? Abandoned) Run(NetNamespace client, NetNamespace server, string ip, int port, long bytes,
        bool reverse, Func<string?> abandon, TimeSpan timeout)
    {
        using Process serverProcess = Start(server, "iperf3", "-s", "-1", "-B", ip, "-p", Num(port));
        _ = serverProcess.StandardOutput.ReadToEndAsync();
        try
        {
            Eventually.True(() => serverProcess.HasExited || TapNamespaces.ListensOn(server, port), $"iperf3 to listen on {ip}:{port}");
            if (serverProcess.HasExited)
            {
                Assert.Fail("iperf3 server ended before the client started: " + serverProcess.StandardError.ReadToEnd());
            }
            string[] args = ["iperf3", "-c", ip, "-p", Num(port), "-n", Num(bytes), "-J", "--connect-timeout", "10000"];
            using Process clientProcess = Start(client, reverse ? [.. args, "-R"] : args);
            Task<string> json = clientProcess.StandardOutput.ReadToEndAsync();
            Task<string> errors = clientProcess.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            try
            {
                while (!clientProcess.WaitForExit(200))
                {
                    if (abandon() is string reason)
                    {
                        return (null, reason);
                    }
                    Assert.True(clock.Elapsed < timeout, $"iperf3 did not finish {bytes} bytes within {timeout.TotalSeconds} s");
                }
                clientProcess.WaitForExit();
                Assert.True(clientProcess.ExitCode == 0, $"iperf3 client exited {clientProcess.ExitCode}: {json.Result} {errors.Result}");
                return (Parse(json.Result), null);
            }
            finally
            {
                End(clientProcess);
            }
        }
        finally
        {
            End(serverProcess);
        }
    }

    private static Iperf3Result Parse(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement end = doc.RootElement.GetProperty("end");
        JsonElement sent = end.GetProperty("sum_sent");
        JsonElement received = end.GetProperty("sum_received");
        return new Iperf3Result((long)sent.GetProperty("bytes").GetDouble(), (long)received.GetProperty("bytes").GetDouble(),
            sent.TryGetProperty("retransmits", out JsonElement r) ? r.GetInt64() : 0,
            received.GetProperty("bits_per_second").GetDouble() / 1e9);
    }

    private static Process Start(NetNamespace ns, params string[] command)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        // `ip netns exec` execs the command, so the PID is iperf3's own.
        foreach (string a in (string[])["netns", "exec", ns.Name, .. command])
        {
            psi.ArgumentList.Add(a);
        }
        return Process.Start(psi) ?? throw new InvalidOperationException("cannot start iperf3");
    }

    private static void End(Process p)
    {
        if (!p.HasExited)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(5_000);
        }
    }

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);
}
