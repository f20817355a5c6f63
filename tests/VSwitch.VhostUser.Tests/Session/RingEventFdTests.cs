using System.Diagnostics;
using VSwitch.Core.Ports;
using VSwitch.TestKit.Virtio;
using VSwitch.VhostUser.Tests.Support;
using R = VSwitch.TestKit.Virtio.FakeFrontendRequest;

namespace VSwitch.VhostUser.Tests.Session;

/// <summary>
/// The fds of SET_VRING_KICK/CALL/ERR are something the front-end controls, and the datapath writes call fds and reads
/// kick fds: anything but an eventfd is refused with what it is, every accepted eventfd is made non-blocking, a call
/// eventfd whose counter is at its maximum costs a counted failure and never a blocked datapath thread (nor another
/// port's traffic on that thread), and a front-end that makes its eventfd blocking again, or keeps a datapath thread in
/// a write, is cut off with the reason while the thread goes free.
/// </summary>
public sealed class RingEventFdTests(ITestOutputHelper output)
{
    /// <summary>Connected with REPLY_ACK, features without EVENT_IDX (every batch signals), memory set, rings laid out.</summary>
    private static FakeFrontend Prepared(PortRig rig)
    {
        FakeFrontend f = rig.Connect();
        f.SetProtocolFeatures(FakeFrontend.QemuProtocolFeatures & f.GetProtocolFeatures() & ~R.ProtocolConfigureMemSlots);
        f.UseReplyAck = true;
        f.SetFeatures(f.GetFeatures() & FakeFrontend.LinuxGuestFeatures & ~R.FeatureEventIdx);
        f.AddRegion();
        f.SetMemTable();
        f.CreateRing(0);
        f.CreateRing(1);
        return f;
    }

    [Theory]
    [InlineData(R.SetVringCall, "call", "pipe", "a pipe")]
    [InlineData(R.SetVringKick, "kick", "socket", "a socket")]
    [InlineData(R.SetVringErr, "err", "file", "the file /dev/null")]
    [InlineData(R.SetVringCall, "call", "timerfd", "a timerfd fd")]
    [InlineData(R.SetVringKick, "kick", "memfd", "a memfd")]
    public void An_fd_that_is_not_an_eventfd_is_refused_with_what_it_is(uint request, string role, string kind, string described)
    {
        using var rig = new PortRig();
        using FakeFrontend f = rig.Connect();
        f.SetProtocolFeatures(R.ProtocolReplyAck);
        using var memfd = new Memfd(4096);
        int other = -1;
        int fd = kind switch
        {
            "pipe" => FakeFrontendFds.Pipe(out other),
            "socket" => FakeFrontendFds.SocketPair(out other),
            "file" => FakeFrontendFds.Open("/dev/null"),
            "timerfd" => FakeFrontendFds.TimerFd(),
            _ => memfd.Fd,
        };
        try
        {
            f.Send(request, FakeFrontend.U64(1), [fd], FakeFrontend.Version1 | FakeFrontend.NeedReplyFlag);
            var replies = new List<FakeFrontendReply>();
            Assert.True(f.WaitForClose(PortRig.Timeout, replies), "the session must end");
            Assert.NotEqual(0UL, Assert.Single(replies).U64);
        }
        finally
        {
            FakeFrontendFds.Close(other);
            if (kind != "memfd")
            {
                FakeFrontendFds.Close(fd);
            }
        }
        string expected = $"the {role} fd of ring 1 is {described}, not an eventfd";
        string? lastError = rig.Port.GetStatus().LastError;
        output.WriteLine(lastError ?? "(none)");
        Assert.Contains(expected, lastError, StringComparison.Ordinal);
        Assert.Contains(rig.Log.Lines, l => l.Text.Contains(expected, StringComparison.Ordinal));
        rig.WaitForState(PortState.Waiting);
    }

    [Fact]
    public void A_refused_pipe_is_closed()
    {
        using var rig = new PortRig();
        using FakeFrontend f = rig.Connect();
        using var probe = new FakeFrontendFdProbe();
        f.Send(R.SetVringCall, FakeFrontend.U64(0), [probe.Fd]);
        Assert.True(f.WaitForClose(PortRig.Timeout));
        Assert.True(probe.IsClosedEverywhere(PortRig.Timeout));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_eventfd_is_accepted_and_made_non_blocking(bool blocking)
    {
        using var rig = new PortRig();
        using FakeFrontend f = Prepared(rig);
        int call = FakeFrontendFds.EventFd(blocking);
        int kick = FakeFrontendFds.EventFd(blocking);
        try
        {
            f.SetVringCall(0, call);
            f.SetVringKick(1, kick);
            Assert.True(FakeFrontendFds.IsNonBlocking(call), "call eventfd");
            Assert.True(FakeFrontendFds.IsNonBlocking(kick), "kick eventfd");
            // QEMU and DPDK create their eventfds non-blocking: for them the switch changes nothing and says nothing.
            Assert.Equal(blocking ? 2 : 0, rig.Log.Lines.Count(l => l.Text.Contains("the switch made it non-blocking", StringComparison.Ordinal)));
        }
        finally
        {
            FakeFrontendFds.Close(call);
            FakeFrontendFds.Close(kick);
        }
    }

    [Fact]
    public void A_call_eventfd_at_its_maximum_costs_counted_failures_not_a_blocked_datapath()
    {
        using var rig = new PortRig();
        using FakeFrontend f = Prepared(rig);
        // Created blocking, counter at 2^64-2: any further write of 1 blocks unless the description is non-blocking.
        int fullCall = FakeFrontendFds.EventFd(blocking: true, initial: FakeFrontendFds.EventFdMax);
        int fullTxCall = FakeFrontendFds.EventFd(blocking: true, initial: FakeFrontendFds.EventFdMax);
        try
        {
            FakeFrontendRing rx = f.Ring(0);
            FakeFrontendRing tx = f.Ring(1);
            f.StartRing(rx);
            f.StartRing(tx);
            f.SetVringCall(0, fullCall);
            f.SetVringCall(1, fullTxCall);
            f.SetVringEnable(0, true);
            f.SetVringEnable(1, true);
            rx.PostReceiveBuffers(8);
            for (int i = 0; i < 4; i++)
            {
                tx.Transmit(PortRig.Frame(100 + i));
            }
            RunAsDatapath(() =>
            {
                rig.Send(0, [PortRig.Frame(1)]);
                rig.Send(0, [PortRig.Frame(2)]);
                Assert.Equal(4, rig.Receive(0, 4).Count);
            }, fullCall, fullTxCall);
            Assert.Equal(2, rx.ReceiveFrames(mergeable: true).Count);
            Assert.Equal(4, tx.ReadUsed().Count);
            VhostUserPortStatus status = rig.Port.GetStatus();
            Assert.True(status.Rings.Single(r => r.Index == 0).CallFailures >= 2, "failed notifications of ring 0 are counted");
            Assert.True(status.Rings.Single(r => r.Index == 1).CallFailures >= 1, "failed notifications of ring 1 are counted");
            Assert.True(rig.Port.Stats.Tx[0].Errors >= 2 && rig.Port.Stats.Rx[0].Errors >= 1, "and count as queue errors");
            PortRig.WaitFor(() => rig.Log.Lines.Any(l => l.Text.Contains("a guest notification failed", StringComparison.Ordinal)), "the log line");
            Assert.Equal(FakeFrontendFds.EventFdMax, FakeFrontendFds.Read(fullCall));
            Assert.Equal(PortState.Up, rig.Port.State);
        }
        finally
        {
            FakeFrontendFds.Close(fullCall);
            FakeFrontendFds.Close(fullTxCall);
        }
    }

    [Fact]
    public void A_second_port_on_the_same_datapath_thread_keeps_forwarding_while_the_first_has_full_call_eventfds()
    {
        using var hostile = new PortRig(name: "hostile");
        using var honest = new PortRig(name: "honest");
        using FakeFrontend a = hostile.Connect();
        using FakeFrontend b = honest.Connect();
        a.NegotiateLikeDpdk();
        b.NegotiateLikeDpdk();
        hostile.WaitForState(PortState.Up);
        honest.WaitForState(PortState.Up);
        int fullRx = FakeFrontendFds.EventFd(blocking: true, initial: FakeFrontendFds.EventFdMax);
        int fullTx = FakeFrontendFds.EventFd(blocking: true, initial: FakeFrontendFds.EventFdMax);
        try
        {
            a.SetVringCall(0, fullRx);
            a.SetVringCall(1, fullTx);
            a.GetFeatures();
            const int Frames = 64;
            a.Ring(0).PostReceiveBuffers(Frames);
            b.Ring(0).PostReceiveBuffers(Frames);
            for (int i = 0; i < Frames; i++)
            {
                a.Ring(1).Transmit(PortRig.Frame(i));
                b.Ring(1).Transmit(PortRig.Frame(1000 + i));
            }
            // One thread forwards both ways, as one datapath thread owning both ports' queues does: a -> b and b -> a.
            int toB = 0, toA = 0;
            RunAsDatapath(() =>
            {
                var clock = Stopwatch.StartNew();
                while ((toB < Frames || toA < Frames) && clock.Elapsed < PortRig.Timeout)
                {
                    toB += Forward(hostile, honest);
                    toA += Forward(honest, hostile);
                }
            }, fullRx, fullTx);
            Assert.Equal(Frames, toB);
            Assert.Equal(Frames, toA);
            Assert.True(b.Ring(0).WaitForCall(PortRig.Timeout), "the honest guest is still notified");
            Assert.Equal(Frames, b.Ring(0).ReceiveFrames(mergeable: false).Count);
            Assert.Equal(Frames, a.Ring(0).ReceiveFrames(mergeable: false).Count);
            VhostUserPortStatus status = hostile.Port.GetStatus();
            Assert.True(status.Rings.Single(r => r.Index == 0).CallFailures > 0 && status.Rings.Single(r => r.Index == 1).CallFailures > 0);
            Assert.Equal(0, honest.Port.GetStatus().Rings.Sum(r => r.CallFailures));
        }
        finally
        {
            FakeFrontendFds.Close(fullRx);
            FakeFrontendFds.Close(fullTx);
        }
    }

    [Theory]
    [InlineData("call")]
    [InlineData("kick")]
    public void A_front_end_that_makes_its_eventfd_blocking_again_is_cut_off_and_the_next_one_works(string role)
    {
        using var rig = new PortRig();
        using (FakeFrontend f = rig.Connect())
        {
            f.NegotiateLikeQemu();
            rig.WaitForState(PortState.Up);
            FakeFrontendRing ring = f.Ring(1);
            FakeFrontendFds.SetNonBlocking(role == "call" ? ring.CallFd : ring.KickFd, false);
            Assert.True(f.WaitForClose(PortRig.Timeout), "the session must end");
        }
        rig.WaitForState(PortState.Error);
        string? reason = rig.Port.GetStatus().LastError;
        output.WriteLine(reason ?? "(none)");
        Assert.Contains($"the front-end made its {role} eventfd blocking again (O_NONBLOCK cleared)", reason, StringComparison.Ordinal);
        Assert.Contains(rig.Events, e => e.Kind == VhostUserPortEventKind.Failed);

        using FakeFrontend next = rig.Connect();
        next.NegotiateLikeQemu();
        rig.WaitForState(PortState.Up);
        next.Ring(1).Transmit(PortRig.Frame(7));
        Assert.Equal(PortRig.Frame(7), Assert.Single(rig.Receive(0, 1)));
    }

    [Fact]
    public void A_datapath_thread_left_blocked_on_a_full_call_eventfd_is_freed_and_the_front_end_cut_off()
    {
        using var rig = new PortRig();
        using FakeFrontend f = rig.Connect();
        f.NegotiateLikeDpdk();
        rig.WaitForState(PortState.Up);
        FakeFrontendRing rx = f.Ring(0);
        rx.PostReceiveBuffers(8);
        // The attack: clear O_NONBLOCK on the shared description, fill the counter, and once the datapath is stuck in
        // its write, set O_NONBLOCK again so that a look at the flags finds nothing wrong.
        FakeFrontendFds.SetNonBlocking(rx.CallFd, false);
        Assert.True(FakeFrontendFds.Write(rx.CallFd, FakeFrontendFds.EventFdMax));
        var datapath = new Thread(() => rig.Send(0, [PortRig.Frame(1)])) { IsBackground = true };
        datapath.Start();
        WaitUntilSomeThreadBlocksWritingAFullEventFd();
        FakeFrontendFds.SetNonBlocking(rx.CallFd, true);
        try
        {
            Assert.True(datapath.Join(PortRig.Timeout), "the datapath thread must be freed");
        }
        finally
        {
            _ = FakeFrontendFds.Read(rx.CallFd);
            datapath.Join(PortRig.Timeout);
        }
        Assert.True(f.WaitForClose(PortRig.Timeout), "the session must end");
        rig.WaitForState(PortState.Error);
        string? reason = rig.Port.GetStatus().LastError;
        output.WriteLine(reason ?? "(none)");
        // The session sees either the cleared flag (if it looked during the attack's set-up) or the thread in the write.
        Assert.True(
            reason?.Contains("a datapath thread was caught writing the call eventfd with its counter full", StringComparison.Ordinal) == true
            || reason?.Contains("made its call eventfd blocking again", StringComparison.Ordinal) == true, reason);
        Assert.Single(rx.ReceiveFrames(mergeable: false));
    }

    /// <summary>
    /// Waits until a thread of this process sits in write(2) on a full eventfd (the switch's own copy of the front-end's
    /// call eventfd, which has another fd number): the kernel shows each thread's current system call in
    /// /proc/self/task/TID/syscall ("1 0xFD ..." for write on x86-64, "64 0xFD ..." on arm64), and an eventfd's counter
    /// in /proc/self/fdinfo/FD.
    /// </summary>
    private static void WaitUntilSomeThreadBlocksWritingAFullEventFd()
    {
        string write = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "64" : "1";
        PortRig.WaitFor(() => Directory.GetDirectories("/proc/self/task").Any(task =>
        {
            try
            {
                string[] call = File.ReadAllText(Path.Combine(task, "syscall")).Split(' ');
                if (call.Length < 2 || call[0] != write)
                {
                    return false;
                }
                int fd = Convert.ToInt32(call[1], 16);
                return File.ReadAllText($"/proc/self/fdinfo/{fd}").Contains("eventfd-count: fffffffffffffffe", StringComparison.Ordinal);
            }
            catch (Exception e) when (e is IOException or FormatException or OverflowException)
            {
                return false;
            }
        }), "a thread blocked writing a full eventfd");
    }

    /// <summary>Receives what <paramref name="from"/> has and sends it to <paramref name="to"/>, as a datapath thread does.</summary>
    private static int Forward(PortRig from, PortRig to)
    {
        int n = from.Port.Receive(0, from.Batch);
        if (n > 0)
        {
            to.Port.Send(0, from.Batch);
            from.Port.CompleteReceive(0);
        }
        return n;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on its own thread, standing in for a datapath thread, and fails if it does not
    /// finish in time (it would be blocked in a call-eventfd write); then frees it by resetting those eventfds.
    /// </summary>
    private static void RunAsDatapath(Action work, params int[] fullEventFds)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                work();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { IsBackground = true };
        thread.Start();
        bool finished = thread.Join(PortRig.Timeout);
        if (!finished)
        {
            foreach (int fd in fullEventFds)
            {
                _ = FakeFrontendFds.Read(fd);
            }
            thread.Join(PortRig.Timeout);
        }
        Assert.True(finished, "the datapath thread blocked");
        if (failure is not null)
        {
            throw new InvalidOperationException("the datapath thread failed", failure);
        }
    }
}
