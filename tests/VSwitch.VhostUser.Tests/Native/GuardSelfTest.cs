using System.Diagnostics;

namespace VSwitch.VhostUser.Tests.Native;

/// <summary>
/// The guest fault guard (ports/VSwitch.VhostUser/Native/guest_fault_guard.c) on its own, in a plain C process with a
/// stand-in for the runtime's SIGBUS handler installed first: a fault in a registered range is contained (whole range
/// replaced by zero pages, the owner's word set, the previous handler not called); every other SIGBUS (outside every
/// range, in an unregistered range, sent by kill) reaches the previous handler with its siginfo; the previous action's
/// flags are kept; the slot table is bounded and reused. The driver prints one line per check.
/// </summary>
public sealed class GuardSelfTest(ITestOutputHelper output)
{
    [Fact]
    public async Task Contains_registered_faults_and_chains_every_other_SIGBUS()
    {
        string program = Path.Combine(AppContext.BaseDirectory, "guard_selftest");
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process p = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + program);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> stderr = p.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
            Assert.Fail("guard_selftest did not finish within 30 s");
        }
        string text = await stdout + await stderr;
        output.WriteLine(text);
        Assert.Equal(0, p.ExitCode);
        Assert.Contains("0 failure(s)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILED", text, StringComparison.Ordinal);
    }
}
