namespace VSwitch.Ports.Vxlan;

/// <summary>
/// The shared receive sockets of every VXLAN port of one switch, one <see cref="VxlanEndpoint"/> per local address and
/// UDP port: the first port on an address and port opens it, the last one to leave closes it. Thread-safe (one lock;
/// control side only, never on the datapath).
/// </summary>
public sealed class VxlanEndpoints
{
    private readonly Dictionary<(uint Local, ushort Port), VxlanEndpoint> _endpoints = [];
    private readonly object _gate = new();

    /// <summary>Receive slots each new endpoint gets (64 KiB each).</summary>
    public int ReceiveSlots { get; init; } = 32;

    /// <summary>Endpoints open now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _endpoints.Count;
            }
        }
    }

    /// <summary>Adds <paramref name="port"/> to the endpoint of its local address and UDP port, opening it if needed.</summary>
    /// <exception cref="IOException">The endpoint's socket cannot be opened.</exception>
    /// <exception cref="ArgumentException">Another port on the endpoint already receives the same packets.</exception>
    internal VxlanEndpoint Join(VxlanPort port, uint localIp, ushort udpPort)
    {
        lock (_gate)
        {
            bool opened = false;
            if (!_endpoints.TryGetValue((localIp, udpPort), out VxlanEndpoint? endpoint))
            {
                endpoint = VxlanEndpoint.Open(localIp, udpPort, ReceiveSlots);
                opened = true;
            }
            try
            {
                endpoint.Join(port);
            }
            catch
            {
                if (opened)
                {
                    endpoint.Dispose();
                }
                throw;
            }
            _endpoints[(localIp, udpPort)] = endpoint;
            return endpoint;
        }
    }

    /// <summary>Takes <paramref name="port"/> off <paramref name="endpoint"/>; closes the endpoint when it was the last port.</summary>
    internal void Leave(VxlanPort port, VxlanEndpoint endpoint)
    {
        lock (_gate)
        {
            if (endpoint.Leave(port) == 0)
            {
                _endpoints.Remove((endpoint.LocalIp, endpoint.Port));
                endpoint.Dispose();
            }
        }
    }
}
