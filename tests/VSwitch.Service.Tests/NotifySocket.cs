using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace VSwitch.Service.Tests;

/// <summary>
/// The service manager's end of sd_notify: a unix datagram socket that collects the messages a service sends
/// to $NOTIFY_SOCKET, as systemd does for Type=notify. A reader thread receives; waiting is thread-safe.
/// </summary>
public sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _reader;
    private readonly List<string> _messages = [];
    private readonly object _gate = new();

    public NotifySocket(string path)
    {
        Path = path;
        File.Delete(path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(path));
        _reader = new Thread(Read) { IsBackground = true, Name = "notify socket" };
        _reader.Start();
    }

    /// <summary>The value for $NOTIFY_SOCKET.</summary>
    public string Path { get; }

    /// <summary>Every message received so far, in order.</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>
    /// Waits for a message that assigns <paramref name="assignment"/> (e.g. <c>READY=1</c>) among those after the
    /// first <paramref name="skip"/>; returns the message, or null when <paramref name="stillRunning"/> turns false
    /// or the deadline passes.
    /// </summary>
    public string? WaitFor(string assignment, TimeSpan timeout, Func<bool> stillRunning, int skip = 0)
    {
        var clock = Stopwatch.StartNew();
        lock (_gate)
        {
            while (true)
            {
                for (int i = skip; i < _messages.Count; i++)
                {
                    if (_messages[i].Split('\n').Contains(assignment))
                    {
                        return _messages[i];
                    }
                }
                TimeSpan left = timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero || !stillRunning())
                {
                    return null;
                }
                Monitor.Wait(_gate, left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            }
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _reader.Join(5_000);
        File.Delete(Path);
    }

    private void Read()
    {
        byte[] buffer = new byte[4096];
        try
        {
            while (true)
            {
                int n = _socket.Receive(buffer);
                lock (_gate)
                {
                    _messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
                    Monitor.PulseAll(_gate);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Disposed.
        }
    }
}
