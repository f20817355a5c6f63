using System.Diagnostics;
using Xunit;

namespace VSwitch.TestKit;

/// <summary>
/// Waits for a condition with a deadline, for tests whose subject moves on another thread or in another process
/// (a daemon writing a file, a port coming up, a counter reaching a value). A fixed pause is right on an idle machine and
/// wrong on a busy one; a deadline is only reached when something is really stuck, so it is generous (CI runs on a
/// loaded 2-core machine) and the failure says what was awaited and what was seen instead.
/// </summary>
public static class Eventually
{
    /// <summary>The default deadline: long enough for a loaded machine, short enough to fail a stuck test in time.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Polls <paramref name="condition"/> (often at first, then every 100 ms) until it holds; fails the test with
    /// <paramref name="what"/> and, if given, <paramref name="detail"/>'s text once <paramref name="timeout"/> passed.
    /// </summary>
    public static void True(Func<bool> condition, string what, TimeSpan? timeout = null, Func<string>? detail = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        if (!Within(condition, timeout ?? DefaultTimeout))
        {
            Assert.Fail($"timed out after {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s waiting for {what}" +
                (detail is null ? "" : ": " + detail()));
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passed; returns whether it held.</summary>
    public static bool Within(Func<bool> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        int pause = 1;
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                // One last look: the deadline may have passed while this thread was not scheduled.
                return condition();
            }
            Thread.Sleep(pause);
            pause = Math.Min(pause * 2, 100);
        }
        return true;
    }
}
