using System.Diagnostics;

namespace VSwitch.Service.Tests;

/// <summary>What one finished program printed and returned.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout:\n{Stdout}\n--- stderr:\n{Stderr}";
}

/// <summary>
/// Runs a program to completion with a deadline, optionally with a clean environment (as systemd starts services).
/// The program is killed by its own handle, with its children, if it overruns. Thread-safe.
/// </summary>
public static class Command
{
    /// <summary>systemd's PATH for system services.</summary>
    public const string ServicePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>
    /// Runs <paramref name="file"/>. <paramref name="environment"/> entries are added (a null value removes one);
    /// with <paramref name="cleanEnvironment"/> the program starts with only PATH and those entries.
    /// </summary>
    public static CommandResult Run(string file, IEnumerable<string> args, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null, bool cleanEnvironment = false, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        if (cleanEnvironment)
        {
            psi.Environment.Clear();
            psi.Environment["PATH"] = ServicePath;
        }
        foreach ((string key, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(60);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
        }
        p.StandardInput.Close();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {limit.TotalSeconds} s;\n{stdout.Result}{stderr.Result}");
        }
        p.WaitForExit();
        return new CommandResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs <paramref name="file"/> and fails with its output unless it exits 0; returns stdout.</summary>
    public static string Check(string file, params string[] args)
    {
        CommandResult r = Run(file, args);
        return r.ExitCode == 0 ? r.Stdout : throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {r}");
    }

    /// <summary>A name of <paramref name="prefix"/> and 6 random hex digits: unique enough for users, groups and domains.</summary>
    public static string UniqueName(string prefix) => prefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
}
