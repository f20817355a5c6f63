using System.Net;
using Microsoft.Extensions.Logging;
using VSwitch.Control;
using VSwitch.Control.Rpc;
using VSwitch.Core.Time;
using VSwitch.OpenFlow.Adapter;
using VSwitch.OpenFlow.Connection;
using VSwitch.OpenFlow.Transport;

namespace VSwitch.Daemon.OpenFlow;

/// <summary>
/// The bridge's OpenFlow side: the adapter over the control plane (<see cref="ControlPlaneSwitch"/>), the hub that
/// speaks the protocol for it, the management socket <c>RUN_DIR/BRIDGE.mgmt</c> (permissions as the control socket)
/// and, when asked for, a passive TCP listener. Controller connections are added to <see cref="Hub"/> by their own
/// component. Created after the control plane restored the DB; disposed before the runtime stops.
/// </summary>
internal sealed class OpenFlowService : IAsyncDisposable
{
    private readonly List<OfpListener> _listeners = [];

    private OpenFlowService(ControlPlaneSwitch sw, OpenFlowHub hub, string socketPath)
    {
        Switch = sw;
        Hub = hub;
        SocketPath = socketPath;
    }

    /// <summary>The adapter: the switch as OpenFlow sees it.</summary>
    public ControlPlaneSwitch Switch { get; }

    /// <summary>The protocol hub every connection of this bridge belongs to.</summary>
    public OpenFlowHub Hub { get; }

    /// <summary>The management socket.</summary>
    public string SocketPath { get; }

    /// <summary>The management socket of <paramref name="bridge"/> in <paramref name="runDirectory"/>.</summary>
    public static string ManagementSocketPath(string runDirectory, string bridge) => Path.Combine(runDirectory, bridge + ".mgmt");

    /// <summary>Builds the adapter and hub and starts listening.</summary>
    /// <exception cref="IOException">A socket cannot be bound (another process listens on it).</exception>
    public static OpenFlowService Start(ControlPlane control, RpcDispatcher gate, DaemonOptions options, ILoggerFactory loggers)
    {
        var sw = new ControlPlaneSwitch(control, gate, loggers.CreateLogger("openflow"), options.DatapathId);
        var hub = new OpenFlowHub(sw, MonotonicClock.Instance, loggers);
        sw.Events = hub;
        var service = new OpenFlowService(sw, hub, ManagementSocketPath(options.RunDirectory, control.Config.Bridge));
        try
        {
            service.Listen(OfpListener.Unix(hub, service.SocketPath, options.ControlSocket.Apply));
            if (options.OpenFlowTcp is IPEndPoint tcp)
            {
                service.Listen(OfpListener.Tcp(hub, tcp));
            }
        }
        catch
        {
            service.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
        return service;
    }

    private void Listen(OfpListener listener)
    {
        _listeners.Add(listener);
        listener.Start();
    }

    /// <summary>Closes the listeners and their connections, then publishes and stores any change still pending.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (OfpListener l in _listeners)
        {
            await l.DisposeAsync().ConfigureAwait(false);
        }
        _listeners.Clear();
        await Switch.BarrierAsync().ConfigureAwait(false);
    }
}
