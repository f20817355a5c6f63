using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Control.Runtime;
using VSwitch.Daemon.OpenFlow;
using VSwitch.OpenFlow;
using VSwitch.OpenFlow.Messages;
using VSwitch.TestKit;
using Xunit;
using OfPortConfig = VSwitch.OpenFlow.Messages.PortConfig;
using OfPortState = VSwitch.OpenFlow.Messages.PortState;

namespace VSwitch.Control.Tests.OpenFlow;

/// <summary>
/// PORT_STATUS leaves when a port change is notified, without waiting for a poll: the safety read is set to an hour
/// here, so only the notification can wake the monitor. A change nothing notifies is found by the safety read.
/// </summary>
public sealed class PortStatusMonitorTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Added_changed_and_deleted_ports_are_published_when_notified()
    {
        using var signal = new PortChangeSignal();
        var ports = new FakePorts();
        ports.Set(Port(1, "p1", OfPortState.Live));
        var events = new RecordingEvents();
        await using (var monitor = new PortStatusMonitor(signal, ports.Read, events, TimeSpan.FromHours(1), NullLogger.Instance))
        {
            monitor.Start();

            ports.Set(Port(1, "p1", OfPortState.Live), Port(2, "vm1", OfPortState.LinkDown));
            signal.Notify();
            events.WaitFor(PortStatusReason.Add, "vm1", OfPortState.LinkDown);

            ports.Set(Port(1, "p1", OfPortState.Live), Port(2, "vm1", OfPortState.Live));
            signal.Notify();
            events.WaitFor(PortStatusReason.Modify, "vm1", OfPortState.Live);

            ports.Set(Port(2, "vm1", OfPortState.Live));
            signal.Notify();
            events.WaitFor(PortStatusReason.Delete, "p1", OfPortState.Live);
        }
        // Each change once, and nothing for the port that did not change.
        Assert.Equal(["Add vm1", "Modify vm1", "Delete p1"], events.Seen);
    }

    [Fact]
    public async Task A_change_nothing_notifies_is_found_by_the_safety_read()
    {
        // As a tap set down from outside the switch: its state is only learnt by reading it.
        using var signal = new PortChangeSignal();
        var ports = new FakePorts();
        ports.Set(Port(1, "tap1", OfPortState.Live));
        var events = new RecordingEvents();
        await using var monitor = new PortStatusMonitor(signal, ports.Read, events, TimeSpan.FromMilliseconds(50), NullLogger.Instance);
        monitor.Start();
        ports.Set(Port(1, "tap1", OfPortState.LinkDown));
        events.WaitFor(PortStatusReason.Modify, "tap1", OfPortState.LinkDown);
    }

    private static OfpPort Port(uint no, string name, OfPortState state) =>
        new(no, 0x02_00_00_00_00_00UL | no, name, OfPortConfig.None, state, PortFeatures.Rate10GbFd, PortFeatures.None, PortFeatures.None,
            PortFeatures.None, 10_000_000, 10_000_000);

    private sealed class FakePorts
    {
        private IReadOnlyList<OfpPort> _ports = [];

        public void Set(params OfpPort[] ports) => Volatile.Write(ref _ports, ports);

        public IReadOnlyList<OfpPort> Read() => Volatile.Read(ref _ports);
    }

    private sealed class RecordingEvents : IOpenFlowEvents
    {
        private readonly List<(PortStatusReason Reason, OfpPort Port)> _seen = [];

        public bool IsControllerConnected => true;

        public List<string> Seen
        {
            get
            {
                lock (_seen)
                {
                    return [.. _seen.Select(s => $"{s.Reason} {s.Port.Name}")];
                }
            }
        }

        public int PublishPacketIn(in PacketInEvent packetIn, ReadOnlySpan<byte> frame) => 0;

        public int PublishFlowRemoved(FlowRemoved message) => 0;

        public int PublishPortStatus(PortStatusReason reason, OfpPort port)
        {
            lock (_seen)
            {
                _seen.Add((reason, port));
            }
            return 1;
        }

        public void WaitFor(PortStatusReason reason, string name, OfPortState state) =>
            Eventually.True(() =>
            {
                lock (_seen)
                {
                    return _seen.Exists(s => s.Reason == reason && s.Port.Name == name && s.Port.State == state);
                }
            }, $"PORT_STATUS {reason} {name} {state}", Deadline, () => string.Join(", ", Seen));
    }
}
