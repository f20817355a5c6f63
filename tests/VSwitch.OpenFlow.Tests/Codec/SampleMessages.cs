using VSwitch.OpenFlow.Actions;
using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Tests.Codec;

/// <summary>One or more messages of every type, with every field away from its default.</summary>
public static class SampleMessages
{
    public static OfpMatch RichMatch => OfpMatch.Create(
        OxmEntry.Exact(OxmField.InPort, 3), OxmEntry.Exact(OxmField.InPhyPort, 3), OxmEntry.Masked(OxmField.Metadata, 0x10, 0xf0),
        OxmEntry.Masked(OxmField.EthDst, 0x0100_0000_0000, 0x0100_0000_0000), OxmEntry.Exact(OxmField.EthSrc, 0x0011_2233_4455),
        OxmEntry.Exact(OxmField.EthType, 0x86dd), OxmEntry.Exact(OxmField.VlanVid, 0x1005), OxmEntry.Exact(OxmField.VlanPcp, 3),
        OxmEntry.Exact(OxmField.IpDscp, 10), OxmEntry.Exact(OxmField.IpEcn, 1), OxmEntry.Exact(OxmField.IpProto, 58),
        OxmEntry.Masked(OxmField.Ipv6Src, (UInt128)0x2001_0db8 << 96, UInt128.MaxValue << 64),
        OxmEntry.Exact(OxmField.Ipv6Dst, 1), OxmEntry.Masked(OxmField.Ipv6Flabel, 0x12345, 0xfffff - 1 - 0x80000 + 1),
        OxmEntry.Exact(OxmField.Icmpv6Type, 135), OxmEntry.Exact(OxmField.Icmpv6Code, 0), OxmEntry.Exact(OxmField.Ipv6NdTarget, 99),
        OxmEntry.Exact(OxmField.Ipv6NdSll, 0x0a0b_0c0d_0e0f), OxmEntry.Masked(OxmField.TunnelId, 5, 0xff), OxmEntry.Masked(OxmField.Ipv6Exthdr, 1, 1));

    public static IEnumerable<OfpMessage> All()
    {
        OfpMatch tcp = OfpMatch.Create(OxmEntry.Exact(OxmField.EthType, 0x0800), OxmEntry.Masked(OxmField.Ipv4Src, 0x0a00_0000, 0xff00_0000),
            OxmEntry.Exact(OxmField.IpProto, 6), OxmEntry.Exact(OxmField.TcpDst, 80));
        OfpAction[] actions =
        [
            OfpAction.Output(2), OfpAction.Output(OfpPortNo.Controller, 128), OfpAction.PushVlan(), OfpAction.PopVlan(), OfpAction.DecNwTtl(),
            OfpAction.SetNwTtl(9), OfpAction.SetQueue(1), OfpAction.Group(7), OfpAction.SetField(OxmEntry.Exact(OxmField.EthDst, 1)),
            OfpAction.SetField(OxmEntry.Exact(OxmField.Ipv6Dst, UInt128.MaxValue)), new(OfpActionType.PushMpls, 0x8847, 0, default),
            new(OfpActionType.PopMpls, 0x0800, 0, default), OfpAction.Simple(OfpActionType.CopyTtlOut), new(OfpActionType.SetMplsTtl, 3, 0, default),
        ];
        OfpInstruction[] instructions =
        [
            OfpInstruction.Meter(4), OfpInstruction.ApplyActions(actions), OfpInstruction.ClearActions(),
            OfpInstruction.WriteActions(OfpAction.Output(1), OfpAction.Group(2)), OfpInstruction.WriteMetadata(0x10, 0xff), OfpInstruction.GotoTable(5),
        ];
        var port = new OfpPort(7, 0x0200_0000_0007, "vhost-user-7", PortConfig.NoPacketIn, PortState.Live, PortFeatures.Rate10GbFd,
            PortFeatures.Autoneg, PortFeatures.Copper, PortFeatures.Fiber, 10_000_000, 40_000_000);
        OfpBucket[] buckets = [new(0, OfpPortNo.Any, OfpGroupId.Any, [OfpAction.Output(1)]), new(3, 2, 9, [OfpAction.DecNwTtl(), OfpAction.Output(2)])];
        var flowFilter = new FlowStatsRequest(1, 2, 3, 0xabc, 0xfff, tcp);

        yield return new Hello(1, OfpHeader.Version13, 0x10);
        yield return new Hello(2, OfpHeader.Version13, 0);
        yield return new ErrorMessage(3, OfpError.Of(BadMatchCode.BadPrereq), new byte[] { 4, 14, 0, 8, 0, 0, 0, 1 });
        yield return new EchoRequest(4, new byte[] { 1, 2, 3 });
        yield return new EchoReply(5, new byte[] { 1, 2, 3 });
        yield return new FeaturesRequest(6);
        yield return new FeaturesReply(7, new SwitchFeatures(0x1234_5678_9abc, 0, 4, 0, SwitchCapabilities.FlowStats | SwitchCapabilities.GroupStats));
        yield return new GetConfigRequest(8);
        yield return new GetConfigReply(9, new SwitchConfig(ConfigFlags.FragDrop, 256));
        yield return new SetConfig(10, new SwitchConfig(ConfigFlags.InvalidTtlToController, 0xffff));
        yield return new PacketIn(11, OfpBufferId.NoBuffer, 60, PacketInReason.Action, 2, 0x99, RichMatch, new byte[60]);
        yield return new FlowRemoved(12, 0x77, 100, FlowRemovedReason.HardTimeout, 1, 5, 6, 10, 20, 30, 40, tcp);
        yield return new PortStatus(13, PortStatusReason.Modify, port);
        yield return new PacketOut(14, OfpBufferId.NoBuffer, OfpPortNo.Controller, actions, new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
        yield return new FlowMod(15, 0x1, 0xff, 1, FlowModCommand.ModifyStrict, 10, 20, 300, OfpBufferId.NoBuffer, OfpPortNo.Any, OfpGroupId.Any,
            FlowModFlags.SendFlowRem | FlowModFlags.CheckOverlap | FlowModFlags.ResetCounts, RichMatch, instructions);
        yield return new FlowMod(16, 0, 0, OfpTableId.All, FlowModCommand.Delete, 0, 0, 0, OfpBufferId.NoBuffer, 4, 5, FlowModFlags.None, OfpMatch.Any, []);
        yield return new GroupMod(17, GroupModCommand.Add, GroupType.Select, 42, buckets);
        yield return new GroupMod(18, GroupModCommand.Delete, GroupType.All, OfpGroupId.All, []);
        yield return new PortMod(19, 7, 0x0200_0000_0007, PortConfig.PortDown, PortConfig.PortDown | PortConfig.NoFwd, PortFeatures.Rate1GbFd);
        yield return new TableMod(20, 3, 0);
        foreach (MultipartType kind in new[] { MultipartType.Desc, MultipartType.Table, MultipartType.GroupDesc, MultipartType.GroupFeatures,
            MultipartType.MeterFeatures, MultipartType.PortDesc })
        {
            yield return new MultipartRequest(21, kind, MultipartFlags.None);
        }
        yield return new MultipartRequest(22, MultipartType.Flow, MultipartFlags.None) { Flow = flowFilter };
        yield return new MultipartRequest(23, MultipartType.Aggregate, MultipartFlags.None) { Flow = flowFilter };
        yield return new MultipartRequest(24, MultipartType.PortStats, MultipartFlags.None) { PortNo = 7 };
        yield return new MultipartRequest(25, MultipartType.Queue, MultipartFlags.None) { PortNo = OfpPortNo.Any, QueueId = 0xffffffff };
        yield return new MultipartRequest(26, MultipartType.Group, MultipartFlags.None) { GroupId = OfpGroupId.All };
        yield return new MultipartRequest(27, MultipartType.Meter, MultipartFlags.None) { MeterId = 0xffffffff };
        yield return new MultipartRequest(27, MultipartType.MeterConfig, MultipartFlags.None) { MeterId = 1 };
        yield return new MultipartRequest(28, MultipartType.TableFeatures, MultipartFlags.More) { TableFeatures = [Features(0)] };
        yield return Reply(MultipartType.Desc, new SwitchDescription("m", "h", "s", "serial", "dp"));
        yield return Reply(MultipartType.Flow, new FlowStats(1, 2, 3, 4, 5, 6, FlowModFlags.SendFlowRem, 7, 8, 9, RichMatch, instructions),
            new FlowStats(0, 0, 0, 0, 0, 0, FlowModFlags.None, 0, 0, 0, OfpMatch.Any, []));
        yield return Reply(MultipartType.Aggregate, new AggregateStats(1, 2, 3));
        yield return Reply(MultipartType.Table, new TableStats(0, 1, 2, 3), new TableStats(1, 4, 5, 6));
        yield return Reply(MultipartType.PortStats, new PortStats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
        yield return Reply(MultipartType.Queue, new QueueStats(1, 2, 3, 4, 5, 6, 7));
        yield return Reply(MultipartType.Group, new GroupStats(1, 2, 3, 4, 5, 6, [new BucketCounter(1, 2), new BucketCounter(3, 4)]));
        yield return Reply(MultipartType.GroupDesc, new GroupDesc(GroupType.FastFailover, 9, buckets));
        yield return Reply(MultipartType.GroupFeatures, new GroupFeatures(0xf, 0x3, [1, 2, 3, 4], [5, 6, 7, 8]));
        yield return Reply(MultipartType.MeterFeatures, new MeterFeatures(1, 2, 3, 4, 5));
        yield return Reply(MultipartType.TableFeatures, Features(0), Features(1));
        yield return Reply(MultipartType.PortDesc, port, port with { PortNo = 8, Name = "p8" });
        yield return new BarrierRequest(29);
        yield return new BarrierReply(30);
        yield return new QueueGetConfigRequest(31, 7);
        yield return new QueueGetConfigReply(32, 7);
        yield return new RoleRequest(33, ControllerRole.Master, 0xdead_beef);
        yield return new RoleReply(34, ControllerRole.Slave, 7);
        yield return new GetAsyncRequest(35);
        yield return new GetAsyncReply(36, AsyncConfig.Default);
        yield return new SetAsync(37, new AsyncConfig(1, 2, 3, 4, 5, 6));
        yield return new MeterMod(38, MeterModCommand.Delete, 0, 0xffffffff, 0);
        yield return new MeterMod(39, MeterModCommand.Add, 1, 1, 2);
    }

    public static TableFeatures Features(byte table) => new(table, "t" + table, ulong.MaxValue, 0xff, 0, 1000)
    {
        Instructions = [OfpInstructionType.GotoTable, OfpInstructionType.ApplyActions],
        InstructionsMiss = [OfpInstructionType.ApplyActions],
        NextTables = [2, 3],
        NextTablesMiss = [3],
        WriteActions = [OfpActionType.Output],
        WriteActionsMiss = [OfpActionType.Output],
        ApplyActions = [OfpActionType.Output, OfpActionType.SetField],
        ApplyActionsMiss = [OfpActionType.Output],
        Match = [new(OxmField.InPort, false), new(OxmField.EthDst, true)],
        Wildcards = [OxmField.EthDst],
        WriteSetfield = [OxmField.EthDst],
        WriteSetfieldMiss = [OxmField.EthDst],
        ApplySetfield = [OxmField.VlanVid],
        ApplySetfieldMiss = [OxmField.VlanVid],
    };

    private static MultipartReply Reply(MultipartType kind, params MultipartItem[] items) => new(40, kind, MultipartFlags.None, items);
}
