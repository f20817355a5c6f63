using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace VSwitch.Daemon.Systemd;

/// <summary>
/// Tells the service manager how the daemon is doing, as sd_notify(3) does, without libsystemd: one datagram of
/// newline-separated <c>KEY=VALUE</c> assignments to the unix socket named by <c>$NOTIFY_SOCKET</c> (a path, or an
/// abstract name written with a leading <c>@</c>). A unit with <c>Type=notify</c> counts the service as started when
/// <c>READY=1</c> arrives, so units ordered after vswitchd find its sockets listening. Without the variable every
/// call does nothing. A failed send is logged once and never stops the daemon. Control thread only.
/// </summary>
internal sealed class ServiceNotifier : IDisposable
{
    /// <summary>The environment variable systemd sets for <c>Type=notify</c> services.</summary>
    public const string SocketVariable = "NOTIFY_SOCKET";

    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _target;
    private readonly ILogger _log;
    private bool _failed;

    private ServiceNotifier(Socket? socket, UnixDomainSocketEndPoint? target, ILogger log)
    {
        _socket = socket;
        _target = target;
        _log = log;
    }

    /// <summary>True when a service manager listens for notifications.</summary>
    public bool Enabled => _socket is not null;

    /// <summary>The notifier for this process's environment; logs (and ignores) an address it cannot use.</summary>
    public static ServiceNotifier FromEnvironment(ILogger log)
    {
        ArgumentNullException.ThrowIfNull(log);
        string? address = Environment.GetEnvironmentVariable(SocketVariable);
        if (string.IsNullOrEmpty(address))
        {
            return new ServiceNotifier(null, null, log);
        }
        if (address[0] is not ('/' or '@'))
        {
            // systemd 253 and later may name an AF_VSOCK address ("vsock:CID:PORT"), for virtual machines only.
            log.LogWarning("{Variable}={Address}: not a unix socket address; readiness is not reported", SocketVariable, address);
            return new ServiceNotifier(null, null, log);
        }
        // An abstract socket's name starts with a NUL byte where the variable has '@' (unix(7)).
        string path = address[0] == '@' ? "\0" + address[1..] : address;
        return new ServiceNotifier(new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified),
            new UnixDomainSocketEndPoint(path), log);
    }

    /// <summary>Start-up is complete: the control socket and the restored ports listen.</summary>
    public void Ready(string status) => Send($"READY=1\nSTATUS={OneLine(status)}\nMAINPID={Environment.ProcessId}");

    /// <summary>The daemon begins to shut down (systemd then does not count the exit as a crash while it waits).</summary>
    public void Stopping() => Send("STOPPING=1\nSTATUS=stopping");

    /// <inheritdoc/>
    public void Dispose() => _socket?.Dispose();

    private void Send(string message)
    {
        if (_socket is null || _target is null)
        {
            return;
        }
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(message), _target);
        }
        catch (SocketException e) when (!_failed)
        {
            _failed = true;
            _log.LogWarning("cannot notify the service manager on ${Variable}: {Reason}", SocketVariable, e.Message);
        }
        catch (SocketException)
        {
            // Logged once above.
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
