using Microsoft.Extensions.Logging;
using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Core.Ports;
using VSwitch.Rpc.Messages;

namespace VSwitch.Daemon.Ports;

/// <summary>
/// Creates the ports of type <c>vhostuser</c> (server mode) or <c>vhostuserclient</c> (client mode); the option rules
/// come from <see cref="VhostUserPortType"/>. Control thread only.
/// </summary>
internal sealed class VhostUserPortFactory : VhostUserPortType
{
    private readonly ILoggerFactory _loggers;

    public VhostUserPortFactory(bool clientMode, ILoggerFactory loggers)
        : base(clientMode)
    {
        _loggers = loggers;
    }

    public override IPort Create(PortConfig port)
    {
        ArgumentNullException.ThrowIfNull(port);
        VhostUserOptions options = VhostUserOptions.From(port, ClientMode);
        ILogger log = _loggers.CreateLogger("vhost-user");
        // TODO(#2): create, start and return VhostUserPort.Create(options, new PortId((ushort)port.OfPort), log) once
        // ports/VSwitch.VhostUser is referenced here; until then the port is configured but carries no traffic.
        log.LogWarning("port {Port}: vhost-user is not built into this vswitchd yet; socket {Socket} is not opened", port.Name,
            options.SocketPath);
        return new UnwiredPort(new PortId((ushort)port.OfPort), port.Name, "vhost-user is not built into this vswitchd yet (#2)");
    }

    public override PortStatusResult Describe(IPort port, PortConfig config)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(config);
        string? lastError = port is UnwiredPort unwired ? unwired.Reason : null;
        return new PortStatusResult(config.Name, config.Type, config.OfPort, "down", ClientMode ? "not connecting" : "not listening",
            SocketPath(config), config.Mtu, 0, null, [], null, [], [], lastError);
    }
}
