using Microsoft.Extensions.Logging;
using VSwitch.Control;
using VSwitch.Control.Runtime;
using VSwitch.Datapath.Capture;
using VSwitch.Ports.Pcap;

namespace VSwitch.Daemon.Capture;

/// <summary>
/// The daemon's captures: starts them (filter compiled first, so a bad expression is an error before anything runs),
/// stops them, lists the running ones and keeps the summaries of the last finished ones so a client can read the
/// totals after its stream ended. Sockets are <c>RUN_DIR/capture-ID.sock</c> with the control socket's permissions.
/// Thread rules: control thread only (requests are serialised); each capture runs its own writer thread.
/// </summary>
internal sealed class CaptureRegistry : IDisposable
{
    private const int FinishedKept = 32;

    /// <summary>Captures that may run at once (each holds up to ~32 MiB of ring and a thread).</summary>
    public const int MaxRunning = 16;
    private readonly string _runDirectory;
    private readonly SocketPermissions _permissions;
    private readonly Func<TimeSpan, bool> _waitQuiescent;
    private readonly ILogger _log;
    private readonly Dictionary<int, CaptureSession> _sessions = [];
    private int _nextId = 1;

    public CaptureRegistry(string runDirectory, SocketPermissions permissions, Func<TimeSpan, bool> waitQuiescent, ILogger log)
    {
        _runDirectory = runDirectory;
        _permissions = permissions;
        _waitQuiescent = waitQuiescent;
        _log = log;
    }

    /// <summary>Starts a capture of <paramref name="points"/> (in the order of the request's ports).</summary>
    /// <exception cref="ControlException">The filter does not compile, or the socket cannot be created.</exception>
    public CaptureStarted Start(CaptureRequest request, IReadOnlyList<CapturePoint> points)
    {
        Prune();
        if (_sessions.Values.Count(s => !s.IsFinished) >= MaxRunning)
        {
            throw new ControlException(VSwitch.Rpc.RpcErrorCodes.Unavailable, $"{MaxRunning} captures are running already; stop one first");
        }
        BpfFilter? filter = null;
        if (!string.IsNullOrWhiteSpace(request.Filter) && !BpfFilter.TryCompile(request.Filter, request.Snaplen, out filter, out string error))
        {
            throw ControlException.Invalid($"bad capture filter '{request.Filter}': {error}");
        }
        int id = _nextId++;
        string path = Path.Combine(_runDirectory, $"capture-{id}.sock");
        CaptureSession session;
        try
        {
            session = new CaptureSession(id, path, _permissions, request, points, filter, _waitQuiescent, _log);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
        {
            filter?.Dispose();
            throw new ControlException(VSwitch.Rpc.RpcErrorCodes.Unavailable, $"cannot create the capture socket {path}: {e.Message}");
        }
        _sessions[id] = session;
        session.Start();
        _log.LogInformation("capture {Id} on {Ports} started, streaming through {Socket}", id, string.Join(",", request.Ports), path);
        return new CaptureStarted(id, path);
    }

    /// <summary>Ends capture <paramref name="id"/> (if it still runs) and returns its summary.</summary>
    public CaptureStatus Stop(int id)
    {
        if (!_sessions.TryGetValue(id, out CaptureSession? session))
        {
            throw new ControlException(VSwitch.Rpc.RpcErrorCodes.NotFound, $"no capture {id}");
        }
        if (!session.IsFinished)
        {
            session.Stop(TimeSpan.FromSeconds(5));
        }
        return session.Info();
    }

    /// <summary>Captures that are waiting for their reader or running.</summary>
    public IReadOnlyList<CaptureStatus> List()
    {
        Prune();
        return [.. _sessions.Values.Where(s => !s.IsFinished).OrderBy(s => s.Id).Select(s => s.Info())];
    }

    /// <summary>Ends every capture (their files are completed).</summary>
    public void Dispose()
    {
        foreach (CaptureSession s in _sessions.Values)
        {
            s.Dispose();
        }
        _sessions.Clear();
    }

    private void Prune()
    {
        int[] finished = [.. _sessions.Values.Where(s => s.IsFinished).Select(s => s.Id).OrderBy(i => i)];
        for (int i = 0; i < finished.Length - FinishedKept; i++)
        {
            _sessions.Remove(finished[i], out CaptureSession? s);
            s?.Dispose();
        }
    }
}
