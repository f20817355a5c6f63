using System.Diagnostics;
using System.Text;
using Mono.Unix.Native;

namespace VSwitch.SystemBench;

/// <summary>
/// A long-running child (vswitchd, ovsdb-server, ovs-vswitchd) with its output kept in memory, ended by its own PID:
/// SIGTERM, then SIGKILL after a timeout. Also runs short commands to completion.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ChildProcess Start(CommandLog log, string file, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        ProcessStartInfo psi = Info(file, args, env);
        log.Add(Describe(psi, env));
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs a command to completion (killed by PID after <paramref name="timeoutSeconds"/>); throws on a non-zero exit.</summary>
    public static string Run(CommandLog? log, string file, IEnumerable<string> args, IDictionary<string, string>? env = null, int timeoutSeconds = 60, string? stdin = null)
    {
        ProcessStartInfo psi = Info(file, args, env);
        psi.RedirectStandardInput = stdin is not null;
        log?.Add(Describe(psi, env) + (stdin is not null ? " < (generated input)" : ""));
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
            throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish within {timeoutSeconds} s");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', psi.ArgumentList)} exited {process.ExitCode}: {stderr.Result}{stdout.Result}");
        }
        return stdout.Result;
    }

    /// <summary>SIGTERM by PID, SIGKILL after <paramref name="timeout"/>.</summary>
    public void Stop(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }
        Syscall.kill(_process.Id, Signum.SIGTERM);
        if (!_process.WaitForExit((int)timeout.TotalMilliseconds))
        {
            Syscall.kill(_process.Id, Signum.SIGKILL);
            _process.WaitForExit(5000);
        }
    }

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static ProcessStartInfo Info(string file, IEnumerable<string> args, IDictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }
        return psi;
    }

    private static string Describe(ProcessStartInfo psi, IDictionary<string, string>? env)
    {
        string prefix = env is null ? "" : string.Join(' ', env.Select(kv => $"{kv.Key}={kv.Value}")) + " ";
        return prefix + psi.FileName + " " + string.Join(' ', psi.ArgumentList.Select(Quote));
    }

    private static string Quote(string a) => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_=./,:@%+".Contains(c)) ? a : "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
