using VSwitch.TestKit.Virtio;
using VSwitch.Virtio.Queue;
using Xunit;

namespace VSwitch.Virtio.Tests.Queue;

public sealed class NotificationTests
{
    private static void UseOne(VirtqueueRig rig)
    {
        rig.Driver.AddWritable(16);
        rig.Driver.PublishAvail();
        Assert.True(rig.Queue.TryPopAvail(rig.Memory, out ushort head));
        rig.Queue.TryAddUsed(rig.Memory, head, 0, null);
        rig.Queue.PublishUsed(rig.Memory, null);
        rig.Driver.ReadUsed();
    }

    [Theory]
    [InlineData((ushort)0, (ushort)1, (ushort)0, true)]
    [InlineData((ushort)0, (ushort)2, (ushort)1, false)]
    [InlineData((ushort)5, (ushort)10, (ushort)0, true)]
    [InlineData((ushort)10, (ushort)10, (ushort)0, false)]
    [InlineData((ushort)9, (ushort)10, (ushort)9, true)]
    [InlineData((ushort)65535, (ushort)1, (ushort)65534, true)]   // wraps
    [InlineData((ushort)3, (ushort)1, (ushort)65534, false)]
    [InlineData((ushort)7, (ushort)7, (ushort)7, false)]           // nothing new
    public void Need_event_is_the_spec_formula(ushort eventIdx, ushort newIdx, ushort oldIdx, bool expected)
    {
        Assert.Equal(expected, SplitQueue.NeedEvent(eventIdx, newIdx, oldIdx));
        // Cross-check with the set definition: event in [old, new) mod 2^16.
        bool inWindow = (ushort)(eventIdx - oldIdx) < (ushort)(newIdx - oldIdx);
        Assert.Equal(inWindow, expected);
    }

    [Fact]
    public void Without_event_idx_no_interrupt_flag_decides()
    {
        var rig = new VirtqueueRig(queueSize: 8);
        UseOne(rig);
        Assert.True(rig.Queue.NeedsNotification(rig.Memory));

        rig.Driver.SetAvailFlags(SplitQueue.AvailFlagNoInterrupt);
        UseOne(rig);
        Assert.False(rig.Queue.NeedsNotification(rig.Memory));

        rig.Driver.SetAvailFlags(0);
        UseOne(rig);
        Assert.True(rig.Queue.NeedsNotification(rig.Memory));
    }

    [Fact]
    public void Event_idx_notifies_exactly_when_used_idx_passes_used_event()
    {
        var rig = new VirtqueueRig(queueSize: 8, eventIdx: true);
        rig.Driver.SetAvailFlags(SplitQueue.AvailFlagNoInterrupt);   // must be ignored with EVENT_IDX

        UseOne(rig);                                  // used idx 1; first check after setup always notifies
        Assert.True(rig.Queue.NeedsNotification(rig.Memory));

        rig.Driver.SetUsedEvent(3);                  // "interrupt me when entry 3 is written" (idx reaches 4)
        var decisions = new List<bool>();
        for (int i = 0; i < 6; i++)
        {
            UseOne(rig);                              // used idx 2..7
            decisions.Add(rig.Queue.NeedsNotification(rig.Memory));
        }
        Assert.Equal([false, false, true, false, false, false], decisions);
    }

    [Fact]
    public void Event_idx_batch_crossing_used_event_notifies_once()
    {
        var rig = new VirtqueueRig(queueSize: 8, eventIdx: true);
        UseOne(rig);
        rig.Queue.NeedsNotification(rig.Memory);
        rig.Driver.SetUsedEvent(2);

        for (int i = 0; i < 3; i++)
        {
            rig.Driver.AddWritable(16);
        }
        rig.Driver.PublishAvail();
        while (rig.Queue.TryPopAvail(rig.Memory, out ushort h))
        {
            rig.Queue.TryAddUsed(rig.Memory, h, 0, null);
        }
        rig.Queue.PublishUsed(rig.Memory, null);      // used idx 1 -> 4: entry 2 was written in this batch

        Assert.True(rig.Queue.NeedsNotification(rig.Memory));
        Assert.False(rig.Queue.NeedsNotification(rig.Memory));   // nothing new since
    }

    [Fact]
    public void Set_state_restarts_the_notification_decision()
    {
        var rig = new VirtqueueRig(queueSize: 8, eventIdx: true);
        UseOne(rig);
        rig.Queue.NeedsNotification(rig.Memory);
        rig.Driver.SetUsedEvent(100);
        UseOne(rig);
        Assert.False(rig.Queue.NeedsNotification(rig.Memory));

        rig.Queue.SetState(rig.Queue.GetState());
        Assert.True(rig.Queue.NeedsNotification(rig.Memory));
    }

    [Fact]
    public void Disable_and_enable_without_event_idx_toggle_used_flags()
    {
        var rig = new VirtqueueRig(queueSize: 8);

        rig.Queue.DisableNotifications(rig.Memory);
        Assert.Equal(SplitQueue.UsedFlagNoNotify, rig.Driver.UsedFlags);

        Assert.False(rig.Queue.EnableNotifications(rig.Memory));
        Assert.Equal(0, rig.Driver.UsedFlags);
    }

    [Fact]
    public void Enable_rechecks_and_reports_buffers_that_arrived_while_disabled()
    {
        var rig = new VirtqueueRig(queueSize: 8);
        rig.Queue.DisableNotifications(rig.Memory);
        rig.Driver.AddWritable(16);
        rig.Driver.PublishAvail();

        Assert.True(rig.Queue.EnableNotifications(rig.Memory));
    }

    [Fact]
    public void Event_idx_enable_writes_avail_event_and_disable_leaves_flags_zero()
    {
        var rig = new VirtqueueRig(queueSize: 8, eventIdx: true);
        UseOne(rig);
        UseOne(rig);

        rig.Queue.DisableNotifications(rig.Memory);
        Assert.Equal(0, rig.Driver.UsedFlags);        // VIRTIO 1.2 §2.7.10.2: flags stay 0 with EVENT_IDX

        Assert.False(rig.Queue.EnableNotifications(rig.Memory));
        Assert.Equal(2, rig.Driver.AvailEvent);
        Assert.Equal(0, rig.Driver.UsedFlags);

        rig.Driver.AddWritable(16);
        rig.Driver.PublishAvail();
        Assert.True(rig.Queue.EnableNotifications(rig.Memory));
    }
}
