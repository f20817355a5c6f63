using VSwitch.Rpc;

namespace VSwitch.Control.Rpc;

/// <summary>
/// What one client may cost the daemon. Immutable.
/// </summary>
/// <param name="MaxRequestBytes">Largest request frame; a larger one closes the connection after an error reply.</param>
/// <param name="MaxConnections">Clients served at once; more are answered with an error and closed.</param>
/// <param name="RequestTimeout">Time a client has to deliver its next request; an idle or stalled client is closed.</param>
public sealed record RpcServerLimits(int MaxRequestBytes, int MaxConnections, TimeSpan RequestTimeout)
{
    /// <summary>1 MiB requests, 64 clients, 60 s per request.</summary>
    public static RpcServerLimits Default { get; } = new(RpcFraming.MaxRequestLength, 64, TimeSpan.FromSeconds(60));
}
