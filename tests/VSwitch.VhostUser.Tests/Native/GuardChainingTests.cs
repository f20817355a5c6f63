using System.Diagnostics;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser.Tests.Support;

namespace VSwitch.VhostUser.Tests.Native;

/// <summary>
/// The guard in a .NET process keeps the runtime's own SIGBUS behaviour for every fault that is not in a front-end
/// mapping: a child process (this assembly, running only
/// <see cref="Child_contains_a_guest_fault_then_touches_an_unguarded_mapping"/>) first has a guest memory fault
/// contained, then touches a truncated mapping of its own; that SIGBUS must reach the runtime, which ends the process
/// with its AccessViolationException report, exactly as without the guard.
/// </summary>
public sealed class GuardChainingTests(ITestOutputHelper output)
{
    private const string MarkerVariable = "VSWITCH_GUARD_CHILD_MARKER";

    [Fact]
    public async Task A_SIGBUS_outside_every_front_end_mapping_still_goes_to_the_runtime()
    {
        string marker = Path.Combine(Path.GetTempPath(), $"vsw-guard-child-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[]
        {
            "exec", typeof(GuardChainingTests).Assembly.Location,
            "-method", $"{typeof(GuardChainingTests).FullName}.{nameof(Child_contains_a_guest_fault_then_touches_an_unguarded_mapping)}",
            "-explicit", "only",
        })
        {
            start.ArgumentList.Add(a);
        }
        start.Environment[MarkerVariable] = marker;
        try
        {
            using Process child = Process.Start(start) ?? throw new InvalidOperationException("cannot start the child");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(120));
            Task<string> stdout = child.StandardOutput.ReadToEndAsync(timeout.Token);
            Task<string> stderr = child.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await child.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                child.Kill();
                Assert.Fail("the child did not finish within 120 s");
            }
            string text = await stdout + await stderr;
            string steps = File.Exists(marker) ? await File.ReadAllTextAsync(marker, TestContext.Current.CancellationToken) : "";
            output.WriteLine($"exit code {child.ExitCode}; steps: {steps.ReplaceLineEndings(" ")}");
            output.WriteLine(text);
            Assert.Equal("contained\ntouching\n", steps);
            Assert.Contains("System.AccessViolationException", text, StringComparison.Ordinal);
            Assert.Equal(128 + 6, child.ExitCode);   // the runtime's fail-fast: abort(), SIGABRT
        }
        finally
        {
            File.Delete(marker);
        }
    }

    /// <summary>The child's part; skipped unless started by the test above (it ends its process on purpose).</summary>
    [Fact(Explicit = true)]
    public void Child_contains_a_guest_fault_then_touches_an_unguarded_mapping()
    {
        string? marker = Environment.GetEnvironmentVariable(MarkerVariable);
        if (marker is null)
        {
            Assert.Skip("runs only as the child process of " + nameof(A_SIGBUS_outside_every_front_end_mapping_still_goes_to_the_runtime));
        }
        using (var rig = new PortRig())
        using (FakeFrontend guest = rig.Connect())
        {
            guest.NegotiateLikeQemu();
            rig.WaitForState(PortState.Up);
            Assert.True(guest.Regions[0].Memory.Truncate(0));
            var clock = Stopwatch.StartNew();
            while (rig.Port.State != PortState.Error)
            {
                Assert.True(clock.Elapsed < PortRig.Timeout, "the guest fault was not contained");
                int n = rig.Port.Receive(0, rig.Batch);
                rig.Batch.FreeAll();
                if (n > 0)
                {
                    rig.Port.CompleteReceive(0);
                }
                Thread.Sleep(1);
            }
        }
        File.WriteAllText(marker, "contained\n");
        using var own = new Memfd(8192, "not-a-guest");
        Assert.True(own.Truncate(0));
        File.AppendAllText(marker, "touching\n");
        byte lost = own.Span(4096, 1)[0];
        File.AppendAllText(marker, $"survived ({lost})\n");
    }
}
