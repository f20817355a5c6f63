using System.Diagnostics;

namespace VSwitch.Daemon;

/// <summary>
/// --detach: .NET cannot fork, so the foreground process starts itself again (stdio on /dev/null, in a new session
/// via setsid in the child) and waits until the child has written its pid file, then exits 0; if the child dies
/// first, it exits with the child's code. The child is told it is the detached one by an environment variable.
/// </summary>
internal static class Detach
{
    /// <summary>Set in the child's environment.</summary>
    public const string ChildVariable = "VSWITCHD_DETACHED";

    public static bool IsChild => Environment.GetEnvironmentVariable(ChildVariable) == "1";

    /// <summary>Starts the detached child and waits for it to be ready. Returns the exit code for the foreground process.</summary>
    public static int StartChild(string[] args, string pidFile, string? logFile, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" </dev/null >/dev/null 2>&1");
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("the executable path is unknown");
        start.ArgumentList.Add(host);
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            // Started as "dotnet vswitchd.dll": the child needs the assembly too.
            start.ArgumentList.Add(typeof(Detach).Assembly.Location);
        }
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment[ChildVariable] = "1";
        File.Delete(pidFile);
        using Process child = Process.Start(start) ?? throw new InvalidOperationException("cannot start vswitchd in the background");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (PidFile.TryRead(pidFile) == child.Id)
            {
                return 0;
            }
            if (child.WaitForExit(50))
            {
                Console.Error.WriteLine($"vswitchd: the background process failed to start (exit {child.ExitCode}){(logFile is null ? "" : "; see " + logFile)}");
                return child.ExitCode == 0 ? 1 : child.ExitCode;
            }
        }
        Console.Error.WriteLine($"vswitchd: the background process (pid {child.Id}) did not become ready within {timeout.TotalSeconds} s");
        return 1;
    }
}
