using VSwitch.Core.Ports;

namespace VSwitch.Control.Runtime;

/// <summary>
/// A port's live counters and how many of its queues are in use. <see cref="Stats"/> is the object datapath threads
/// write without locks, so what is read from it may be one batch old. Immutable reference to mutable counters.
/// </summary>
/// <param name="Stats">Per-queue packet, byte, error and drop counters.</param>
/// <param name="QueueCount">Queues in use (the higher of the receive and transmit counts); 0 for a port that is not running.</param>
public sealed record PortCounters(PortStats Stats, int QueueCount);
