using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Core.Time;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Connection;

/// <summary>
/// The OpenFlow side of one bridge: every connection to it (listeners' and controllers'), the calls into the
/// switch (one at a time, whatever the connection), the master election of OpenFlow 1.3.5 §6.3.7, and the
/// delivery of async messages to each connection its role and filters allow.
/// Thread rules: everything is thread-safe. Publishing reads a copy-on-write array of connections and allocates
/// nothing per connection for packet-ins beyond each one's pooled buffer.
/// </summary>
public sealed class OpenFlowHub : IOpenFlowEvents
{
    private readonly IOpenFlowSwitch _switch;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly object _lock = new();
    private OfpConnection[] _connections = [];
    private bool _generationDefined;
    private ulong _generation;

    /// <summary>Creates the hub for <paramref name="sw"/>; connections are made by listeners and controllers.</summary>
    public OpenFlowHub(IOpenFlowSwitch sw, IClock clock, ILoggerFactory? loggers = null, OpenFlowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sw);
        ArgumentNullException.ThrowIfNull(clock);
        _switch = sw;
        Clock = clock;
        Loggers = loggers ?? NullLoggerFactory.Instance;
        Options = options ?? OpenFlowOptions.Default;
    }

    /// <summary>Limits and timers of every connection.</summary>
    public OpenFlowOptions Options { get; }

    internal IClock Clock { get; }

    internal ILoggerFactory Loggers { get; }

    /// <summary>The connections open now.</summary>
    public IReadOnlyList<OfpConnectionInfo> Connections => Array.ConvertAll(Volatile.Read(ref _connections), c => c.Info);

    /// <inheritdoc/>
    public bool IsControllerConnected
    {
        get
        {
            foreach (OfpConnection c in Volatile.Read(ref _connections))
            {
                if (c.Kind == ConnectionKind.Active && c.State == ConnectionState.Connected)
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>Raised (on a connection's thread) when a connection completes or loses its handshake.</summary>
    public event Action? ConnectionsChanged;

    /// <summary>Makes a connection over <paramref name="stream"/>; run it with <see cref="OfpConnection.RunAsync"/>.</summary>
    public OfpConnection CreateConnection(Stream stream, string name, ConnectionKind kind)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new OfpConnection(stream, name, kind, this, Options, Clock, Loggers.CreateLogger("VSwitch.OpenFlow"));
    }

    /// <summary>Closes every connection (the bridge is going away).</summary>
    public void CloseAll(string reason)
    {
        foreach (OfpConnection c in Volatile.Read(ref _connections))
        {
            c.Close(reason);
        }
    }

    internal void Register(OfpConnection c)
    {
        lock (_lock)
        {
            _connections = [.. _connections, c];
        }
    }

    internal void Unregister(OfpConnection c)
    {
        lock (_lock)
        {
            _connections = Array.FindAll(_connections, x => x != c);
        }
        ConnectionsChanged?.Invoke();
    }

    internal void OnConnected(OfpConnection c) => ConnectionsChanged?.Invoke();

    internal async ValueTask<T> CallAsync<T>(Func<IOpenFlowSwitch, T> query)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return query(_switch);
        }
        finally
        {
            _gate.Release();
        }
    }

    internal async ValueTask<OfpError?> ChangeAsync(Func<IOpenFlowSwitch, ValueTask<OfpError?>> change)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return await change(_switch).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    internal async ValueTask BarrierAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await _switch.BarrierAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// OpenFlow 1.3.5 §6.3.7: MASTER and SLAVE requests carry a generation id, compared with the last one seen as a
    /// wrapping 64-bit counter; an older one is STALE. A new master demotes the old master to slave. EQUAL and
    /// NOCHANGE do not touch the generation.
    /// </summary>
    internal OfpResult<RoleReply> ChangeRole(OfpConnection c, RoleRequest r)
    {
        lock (_lock)
        {
            if (r.Role is ControllerRole.Master or ControllerRole.Slave)
            {
                if (_generationDefined && (long)(r.GenerationId - _generation) < 0)
                {
                    return OfpResult<RoleReply>.Fail(OfpError.Of(RoleRequestFailedCode.Stale));
                }
                _generationDefined = true;
                _generation = r.GenerationId;
            }
            if (r.Role == ControllerRole.Master)
            {
                foreach (OfpConnection other in _connections)
                {
                    if (other != c && other.Role == ControllerRole.Master)
                    {
                        other.Role = ControllerRole.Slave;
                    }
                }
            }
            if (r.Role != ControllerRole.NoChange)
            {
                c.Role = r.Role;
            }
            return OfpResult<RoleReply>.Ok(new RoleReply(r.Xid, c.Role, _generationDefined ? _generation : ulong.MaxValue));
        }
    }

    /// <inheritdoc/>
    public int PublishPacketIn(in PacketInEvent packetIn, ReadOnlySpan<byte> frame)
    {
        int sent = 0;
        foreach (OfpConnection c in Volatile.Read(ref _connections))
        {
            if (c.Wants(OfpType.PacketIn, (int)packetIn.Reason) && c.TryQueuePacketIn(packetIn, frame))
            {
                sent++;
            }
        }
        return sent;
    }

    /// <inheritdoc/>
    public int PublishFlowRemoved(FlowRemoved message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Publish(OfpType.FlowRemoved, (int)message.Reason, message);
    }

    /// <inheritdoc/>
    public int PublishPortStatus(PortStatusReason reason, OfpPort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        return Publish(OfpType.PortStatus, (int)reason, new PortStatus(0, reason, port));
    }

    private int Publish(OfpType type, int reason, OfpMessage message)
    {
        int sent = 0;
        foreach (OfpConnection c in Volatile.Read(ref _connections))
        {
            if (c.Wants(type, reason) && c.TryQueueAsync(message))
            {
                sent++;
            }
        }
        return sent;
    }
}
