using VSwitch.OpenFlow.Connection;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Tests.Fakes;
using VSwitch.OpenFlow.Wire;
using VSwitch.TestKit;
using Xunit;

namespace VSwitch.OpenFlow.Tests.Connection;

public sealed class ConnectionTests
{
    private static FlowMod Add(uint xid, ushort priority) =>
        new(xid, 0, 0, 0, FlowModCommand.Add, 0, 0, priority, OfpBufferId.NoBuffer, OfpPortNo.Any, OfpGroupId.Any, 0, OfpMatch.Any, []);

    private static async Task WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task A_peer_without_OpenFlow_1_3_gets_HELLO_FAILED_INCOMPATIBLE_and_is_disconnected()
    {
        await using var bridge = new TestBridge();
        await using var client = await OfpTestClient.ConnectAsync(bridge.SocketPath, hello: false);
        await client.SendAsync(new Hello(1, 0x01, 0));
        Assert.IsType<Hello>(await client.ReceiveAsync());
        var error = Assert.IsType<ErrorMessage>(await client.ReceiveAsync());
        Assert.Equal(OfpError.Of(HelloFailedCode.Incompatible), error.Error);
        Assert.Contains("OpenFlow 1.3", System.Text.Encoding.ASCII.GetString(error.Data.Span));
        Assert.Null(await client.ReceiveRawAsync());

        // A bitmap without bit 4 is refused too, even with a higher header version.
        await using var other = await OfpTestClient.ConnectAsync(bridge.SocketPath, hello: false);
        await other.SendAsync(new Hello(1, 0x06, (1u << 5) | (1u << 6)));
        Assert.IsType<Hello>(await other.ReceiveAsync());
        Assert.Equal(OfpError.Of(HelloFailedCode.Incompatible), Assert.IsType<ErrorMessage>(await other.ReceiveAsync()).Error);
    }

    [Fact]
    public async Task A_message_shorter_than_its_header_ends_only_that_connection()
    {
        await using var bridge = new TestBridge();
        await using var bad = await OfpTestClient.ConnectAsync(bridge.SocketPath);
        await bad.SendRawAsync([4, (byte)OfpType.EchoRequest, 0, 4, 0, 0, 0, 9]);
        Assert.Equal(OfpError.Of(BadRequestCode.BadLen), Assert.IsType<ErrorMessage>(await bad.ReceiveAsync()).Error);
        Assert.Null(await bad.ReceiveRawAsync());

        await using var good = await OfpTestClient.ConnectAsync(bridge.SocketPath);
        await good.SendAsync(new FeaturesRequest(5));
        Assert.Equal(5u, (await good.ReceiveAsync<FeaturesReply>()).Xid);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public async Task A_flood_of_hostile_messages_gets_errors_and_the_connection_and_switch_go_on(int seed)
    {
        await using var bridge = new TestBridge();
        await using var client = await OfpTestClient.ConnectAsync(bridge.SocketPath);
        var random = new Random(seed);
        const int count = 2000;
        for (int i = 0; i < count; i++)
        {
            byte[] m = new byte[random.Next(8, 200)];
            random.NextBytes(m);
            m[0] = 4;
            // Anything but HELLO, ECHO_REQUEST and messages the switch would answer with data.
            m[1] = (byte)new[] { 4, 9, 13, 14, 15, 16, 17, 24, 28, 29, 40, 99 }[random.Next(12)];
            m[2] = (byte)(m.Length >> 8);
            m[3] = (byte)m.Length;
            m[4] = m[5] = m[6] = m[7] = 0;
            try
            {
                await client.SendRawAsync(m);
            }
            catch (IOException)
            {
                Assert.Fail($"message {i} ({Convert.ToHexString(m)}) closed the connection: {string.Join(" | ", bridge.Log.Lines)}");
            }
        }
        await client.SendAsync(new BarrierRequest(777));
        int errors = 0;
        while (true)
        {
            OfpMessage reply = await client.ReceiveAsync();
            if (reply is BarrierReply b)
            {
                Assert.Equal(777u, b.Xid);
                break;
            }
            Assert.IsType<ErrorMessage>(reply);
            errors++;
        }
        Assert.InRange(errors, count / 2, count);
        await client.SendAsync(new FeaturesRequest(778));
        Assert.Equal(778u, (await client.ReceiveAsync<FeaturesReply>()).Xid);
    }

    [Fact]
    public async Task Barrier_is_answered_after_every_earlier_flow_mod_is_done()
    {
        await using var bridge = new TestBridge();
        bridge.Switch.FlowModDelay = TimeSpan.FromMilliseconds(30);
        await using var client = await OfpTestClient.ConnectAsync(bridge.SocketPath);
        for (ushort p = 1; p <= 5; p++)
        {
            await client.SendAsync(Add(p, p));
        }
        await client.SendAsync(new BarrierRequest(99));
        Assert.Equal(99u, (await client.ReceiveAsync<BarrierReply>()).Xid);
        Assert.Equal(5, bridge.Switch.Flows.Count);
        Assert.Equal(1, bridge.Switch.Barriers);
    }

    [Fact]
    public async Task Roles_follow_the_master_election_and_a_slave_may_not_change_the_switch()
    {
        await using var bridge = new TestBridge();
        await using var a = await OfpTestClient.ConnectAsync(bridge.SocketPath);
        await using var b = await OfpTestClient.ConnectAsync(bridge.SocketPath);
        await a.SendAsync(new RoleRequest(1, ControllerRole.Master, 10));
        Assert.Equal(new RoleReply(1, ControllerRole.Master, 10), await a.ReceiveAsync<RoleReply>());
        await b.SendAsync(new RoleRequest(2, ControllerRole.Master, 11));
        Assert.Equal(new RoleReply(2, ControllerRole.Master, 11), await b.ReceiveAsync<RoleReply>());
        await a.SendAsync(new RoleRequest(3, ControllerRole.NoChange, 0));
        Assert.Equal(ControllerRole.Slave, (await a.ReceiveAsync<RoleReply>()).Role);

        // An older generation is stale.
        await a.SendAsync(new RoleRequest(4, ControllerRole.Master, 9));
        Assert.Equal(OfpError.Of(RoleRequestFailedCode.Stale), (await a.ReceiveAsync<ErrorMessage>()).Error);

        // The slave's flow mod is refused; its queries are answered.
        await a.SendAsync(Add(5, 1));
        Assert.Equal(OfpError.Of(BadRequestCode.IsSlave), (await a.ReceiveAsync<ErrorMessage>()).Error);
        Assert.Empty(bridge.Switch.Flows);
        await a.SendAsync(new FeaturesRequest(6));
        Assert.Equal(6u, (await a.ReceiveAsync<FeaturesReply>()).Xid);

        // Packet-ins go to the master, not to the slave (default async filters).
        await WaitFor(() => bridge.Hub.Connections.Count(c => c.State == ConnectionState.Connected) == 2, "two connections");
        var e = new PacketInEvent(PacketInReason.Action, 0, 0x55, 2, 0, 128);
        Assert.Equal(1, bridge.Hub.PublishPacketIn(e, new byte[64]));
        PacketIn pin = await b.ReceiveAsync<PacketIn>();
        Assert.Equal(64, pin.TotalLen);
        Assert.Equal(OxmEntry.Exact(OxmField.InPort, 2), Assert.Single(pin.Match.Entries));
        Assert.Equal(0x55UL, pin.Cookie);
    }

    [Fact]
    public async Task Flow_removed_reaches_master_and_equal_by_default_and_set_async_picks_the_reasons_per_role()
    {
        await using var bridge = new TestBridge();
        await using var equal = await OfpTestClient.ConnectAsync(bridge.SocketPath);
        await using var slave = await OfpTestClient.ConnectAsync(bridge.SocketPath);
        await slave.SendAsync(new RoleRequest(1, ControllerRole.Slave, 0));
        Assert.Equal(ControllerRole.Slave, (await slave.ReceiveAsync<RoleReply>()).Role);
        await WaitFor(() => bridge.Hub.Connections.Count(c => c.State == ConnectionState.Connected) == 2, "two connections");

        // Defaults (OpenFlow 1.3.5 §6.1.1): every reason to master and equal, none to a slave.
        var deleted = new FlowRemoved(0, 0x5, 10, FlowRemovedReason.Delete, 1, 2, 3, 60, 0, 7, 700, OfpMatch.Any);
        Assert.Equal(1, bridge.Hub.PublishFlowRemoved(deleted));
        Assert.Equal(deleted, await equal.ReceiveAsync<FlowRemoved>());

        // The equal connection keeps only idle timeouts; the slave asks for deletes in its slave mask.
        await equal.SendAsync(new SetAsync(2, AsyncConfig.Default with { FlowRemovedMaster = 1u << (int)FlowRemovedReason.IdleTimeout }));
        await equal.SendAsync(new GetAsyncRequest(3));
        Assert.Equal(1u, (await equal.ReceiveAsync<GetAsyncReply>()).Config.FlowRemovedMaster);
        await slave.SendAsync(new SetAsync(4, AsyncConfig.Default with { FlowRemovedSlave = 1u << (int)FlowRemovedReason.Delete }));
        await slave.SendAsync(new GetAsyncRequest(5));
        Assert.Equal(4u, (await slave.ReceiveAsync<GetAsyncReply>()).Config.FlowRemovedSlave);

        Assert.Equal(1, bridge.Hub.PublishFlowRemoved(deleted with { Cookie = 0x6 }));
        Assert.Equal(0x6UL, (await slave.ReceiveAsync<FlowRemoved>()).Cookie);
        Assert.Equal(0, bridge.Hub.PublishFlowRemoved(deleted with { Reason = FlowRemovedReason.GroupDelete }));
        Assert.Equal(1, bridge.Hub.PublishFlowRemoved(deleted with { Cookie = 0x7, Reason = FlowRemovedReason.IdleTimeout }));
        FlowRemoved idle = await equal.ReceiveAsync<FlowRemoved>();
        Assert.Equal((0x7UL, FlowRemovedReason.IdleTimeout), (idle.Cookie, idle.Reason));
    }

    [Fact]
    public async Task Set_async_decides_which_packet_ins_a_connection_gets_and_max_len_cuts_the_frame()
    {
        await using var bridge = new TestBridge();
        await using var client = await OfpTestClient.ConnectAsync(bridge.SocketPath);
        await client.SendAsync(new SetAsync(1, AsyncConfig.Default with { PacketInMaster = 1u << (int)PacketInReason.NoMatch }));
        await client.SendAsync(new GetAsyncRequest(2));
        Assert.Equal(1u, (await client.ReceiveAsync<GetAsyncReply>()).Config.PacketInMaster);

        Assert.Equal(0, bridge.Hub.PublishPacketIn(new PacketInEvent(PacketInReason.Action, 0, 0, 1, 0, 0xffff), new byte[100]));
        byte[] frame = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        Assert.Equal(1, bridge.Hub.PublishPacketIn(new PacketInEvent(PacketInReason.NoMatch, 3, 7, 1, 0x99, 40), frame));
        PacketIn pin = await client.ReceiveAsync<PacketIn>();
        Assert.Equal(PacketInReason.NoMatch, pin.Reason);
        Assert.Equal(3, pin.TableId);
        Assert.Equal(100, pin.TotalLen);
        Assert.Equal(frame[..40], pin.Data.ToArray());
        Assert.True(pin.Match.TryGet(OxmField.Metadata, out OxmEntry md));
        Assert.Equal((UInt128)0x99, md.Value);
    }

    // With a peer that keeps up (the steady state), each packet-in's pooled array comes back to the pool before the
    // next burst, so publishing allocates nothing. A burst larger than the pool's spare arrays costs one array per
    // message in flight, bounded by the output queue cap.
    [Fact]
    public async Task Publishing_a_packet_in_to_a_peer_that_keeps_up_allocates_no_buffer_per_packet()
    {
        await using var bridge = new TestBridge();
        await using var client = await OfpTestClient.ConnectAsync(bridge.SocketPath);
        await WaitFor(() => bridge.Hub.Connections.Any(c => c.State == ConnectionState.Connected), "handshake");
        var e = new PacketInEvent(PacketInReason.Action, 0, 0, 1, 0, 0xffff);
        byte[] frame = new byte[64];
        long received = 0;
        Task drain = Task.Run(async () =>
        {
            while (await client.ReceiveRawAsync(TimeSpan.FromSeconds(60)) is not null)
            {
                Interlocked.Increment(ref received);
            }
        }, TestContext.Current.CancellationToken);
        long sent = 0;
        void Rounds(int rounds)
        {
            for (int r = 0; r < rounds; r++)
            {
                for (int i = 0; i < 4; i++)
                {
                    sent += bridge.Hub.PublishPacketIn(e, frame);
                }
                while (Interlocked.Read(ref received) < sent)
                {
                    Thread.Yield();
                }
            }
        }
        Rounds(200);
        long bytes = Allocations.SteadyState(() => Rounds(2000));
        // Measured: 32 bytes per round of 4 (the writer's wake-up), none per packet-in encode.
        Assert.True(bytes <= 2000 * 32, $"8000 packet-ins in 2000 rounds allocated {bytes} bytes on the publishing thread");
        bridge.Hub.CloseAll("test over");
        await drain;
    }

    [Fact]
    public async Task A_peer_that_answers_no_echo_is_disconnected_after_two_probe_intervals()
    {
        var options = OpenFlowOptions.Default with { ProbeInterval = TimeSpan.FromMilliseconds(300), ProbeTick = TimeSpan.FromMilliseconds(20) };
        await using var bridge = new TestBridge(options);
        await using var client = await OfpTestClient.ConnectAsync(bridge.SocketPath);
        Assert.IsType<EchoRequest>(await client.ReceiveAsync());
        Assert.Null(await client.ReceiveRawAsync());
        await WaitFor(() => bridge.Hub.Connections.Count == 0, "the connection to go");

        // One that answers stays.
        await using var alive = await OfpTestClient.ConnectAsync(bridge.SocketPath);
        for (int i = 0; i < 3; i++)
        {
            var echo = Assert.IsType<EchoRequest>(await alive.ReceiveAsync());
            await alive.SendAsync(new EchoReply(echo.Xid, echo.Data.ToArray()));
        }
        Assert.Single(bridge.Hub.Connections);
    }

    [Fact]
    public async Task Meter_delete_all_succeeds_and_meter_add_is_refused()
    {
        await using var bridge = new TestBridge();
        await using var client = await OfpTestClient.ConnectAsync(bridge.SocketPath);
        await client.SendAsync(new MeterMod(1, MeterModCommand.Delete, 0, 0xffffffff, 0));
        await client.SendAsync(new MeterMod(2, MeterModCommand.Add, 1, 1, 1));
        await client.SendAsync(new BarrierRequest(3));
        var error = await client.ReceiveAsync<ErrorMessage>();
        Assert.Equal(2u, error.Xid);
        Assert.Equal(OfpError.Of(MeterModFailedCode.OutOfMeters), error.Error);
        Assert.Equal(3u, (await client.ReceiveAsync<BarrierReply>()).Xid);
    }
}
