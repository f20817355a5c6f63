using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Core.Ports;
using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Tests.Fakes;

/// <summary>The real vhost-user option rules; creating ports is the fake runtime's business, so Create is never reached.</summary>
public sealed class TestVhostUserType(bool clientMode) : VhostUserPortType(clientMode)
{
    public override IPort Create(PortConfig port) => throw new InvalidOperationException("the fake runtime creates no ports");

    public override PortStatusResult Describe(IPort port, PortConfig config) => throw new InvalidOperationException("not used");
}
