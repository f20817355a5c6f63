using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Core.Ports;

namespace VSwitch.Daemon;

/// <summary>A port the runtime created: its configuration, its port type and the live port. Immutable.</summary>
internal sealed record RunningPort(PortConfig Config, IPortType Type, IPort Port);
