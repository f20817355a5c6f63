using VSwitch.OpenFlow.Actions;
using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Codec;

public static partial class OfpDecoder
{
    // struct ofp_packet_in: buffer_id 4, total_len 2, reason 1, table_id 1, cookie 8, match, pad 2, data.
    private static OfpMessage? DecodePacketIn(OfpHeader h, ReadOnlyMemory<byte> body, ref OfpError error)
    {
        ReadOnlySpan<byte> s = body.Span;
        if (s.Length < 16 + 8 + 2)
        {
            return BadLen(ref error);
        }
        var r = new WireReader(s);
        uint bufferId = r.U32();
        ushort totalLen = r.U16();
        var reason = (PacketInReason)r.U8();
        byte tableId = r.U8();
        ulong cookie = r.U64();
        if (!MatchCodec.TryRead(s[16..], out OfpMatch match, out int used, out error))
        {
            return null;
        }
        int data = 16 + used + 2;
        if (data > s.Length)
        {
            return BadLen(ref error);
        }
        return new PacketIn(h.Xid, bufferId, totalLen, reason, tableId, cookie, match, body[data..]);
    }

    // struct ofp_flow_removed: 40 fixed bytes after the header, then the match.
    private static OfpMessage? DecodeFlowRemoved(OfpHeader h, ReadOnlySpan<byte> s, ref OfpError error)
    {
        if (s.Length < 40 + 8)
        {
            return BadLen(ref error);
        }
        var r = new WireReader(s);
        ulong cookie = r.U64();
        ushort priority = r.U16();
        var reason = (FlowRemovedReason)r.U8();
        byte tableId = r.U8();
        uint sec = r.U32();
        uint nsec = r.U32();
        ushort idle = r.U16();
        ushort hard = r.U16();
        ulong packets = r.U64();
        ulong bytes = r.U64();
        if (!MatchCodec.TryRead(s[40..], out OfpMatch match, out int used, out error))
        {
            return null;
        }
        return 40 + used == s.Length
            ? new FlowRemoved(h.Xid, cookie, priority, reason, tableId, sec, nsec, idle, hard, packets, bytes, match)
            : BadLen(ref error);
    }

    private static OfpMessage? DecodePortStatus(OfpHeader h, ReadOnlySpan<byte> s, ref OfpError error)
    {
        if (s.Length != 8 + PortCodec.Size)
        {
            return BadLen(ref error);
        }
        return new PortStatus(h.Xid, (PortStatusReason)s[0], PortCodec.Read(s[8..]));
    }

    // §7.3.7 struct ofp_packet_out: buffer_id 4, in_port 4, actions_len 2, pad 6, actions, data.
    private static OfpMessage? DecodePacketOut(OfpHeader h, ReadOnlyMemory<byte> body, ref OfpError error)
    {
        ReadOnlySpan<byte> s = body.Span;
        if (s.Length < 16)
        {
            return BadLen(ref error);
        }
        var r = new WireReader(s);
        uint bufferId = r.U32();
        uint inPort = r.U32();
        int actionsLen = r.U16();
        if (actionsLen % 8 != 0 || 16 + actionsLen > s.Length)
        {
            return BadLen(ref error);
        }
        // §7.3.7: in_port is a standard port or OFPP_CONTROLLER; OVS also takes LOCAL and ANY ("none").
        if (!OfpPortNo.IsStandard(inPort) && inPort is not (OfpPortNo.Controller or OfpPortNo.Local or OfpPortNo.Any))
        {
            return Refuse(OfpError.Of(BadRequestCode.BadPort), ref error);
        }
        if (!ActionCodec.TryReadList(s.Slice(16, actionsLen), out OfpAction[] actions, out error))
        {
            return null;
        }
        return new PacketOut(h.Xid, bufferId, inPort, actions, body[(16 + actionsLen)..]);
    }

    // §7.3.4.2 struct ofp_flow_mod: 40 fixed bytes after the header, the match, then instructions to the end.
    private static OfpMessage? DecodeFlowMod(OfpHeader h, ReadOnlySpan<byte> s, ref OfpError error)
    {
        if (s.Length < 40 + 8)
        {
            return BadLen(ref error);
        }
        var r = new WireReader(s);
        ulong cookie = r.U64();
        ulong cookieMask = r.U64();
        byte tableId = r.U8();
        var command = (FlowModCommand)r.U8();
        ushort idle = r.U16();
        ushort hard = r.U16();
        ushort priority = r.U16();
        uint bufferId = r.U32();
        uint outPort = r.U32();
        uint outGroup = r.U32();
        var flags = (FlowModFlags)r.U16();
        if (command > FlowModCommand.DeleteStrict)
        {
            return Refuse(OfpError.Of(FlowModFailedCode.BadCommand), ref error);
        }
        if (((ushort)flags & ~0x1f) != 0)
        {
            return Refuse(OfpError.Of(FlowModFailedCode.BadFlags), ref error);
        }
        bool isDelete = command is FlowModCommand.Delete or FlowModCommand.DeleteStrict;
        // §7.3.4.2: OFPTT_ALL is valid only for delete.
        if (tableId == OfpTableId.All && !isDelete)
        {
            return Refuse(OfpError.Of(FlowModFailedCode.BadTableId), ref error);
        }
        if (!MatchCodec.TryRead(s[40..], out OfpMatch match, out int used, out error))
        {
            return null;
        }
        byte pipelineTable = tableId == OfpTableId.All ? (byte)0 : tableId;
        if (!InstructionCodec.TryReadList(s[(40 + used)..], pipelineTable, out OfpInstruction[] instructions, out error))
        {
            return null;
        }
        return new FlowMod(h.Xid, cookie, cookieMask, tableId, command, idle, hard, priority, bufferId, outPort, outGroup, flags,
            match, instructions);
    }

    // §7.3.4.3 struct ofp_group_mod: command 2, type 1, pad 1, group_id 4, buckets to the end.
    private static OfpMessage? DecodeGroupMod(OfpHeader h, ReadOnlySpan<byte> s, ref OfpError error)
    {
        if (s.Length < 8)
        {
            return BadLen(ref error);
        }
        var r = new WireReader(s);
        var command = (GroupModCommand)r.U16();
        var type = (GroupType)r.U8();
        r.Skip(1);
        uint groupId = r.U32();
        if (command > GroupModCommand.Delete)
        {
            return Refuse(OfpError.Of(GroupModFailedCode.BadCommand), ref error);
        }
        if (command != GroupModCommand.Delete && type > GroupType.FastFailover)
        {
            return Refuse(OfpError.Of(GroupModFailedCode.BadType), ref error);
        }
        bool validId = groupId <= OfpGroupId.Max || (command == GroupModCommand.Delete && groupId == OfpGroupId.All);
        if (!validId)
        {
            return Refuse(OfpError.Of(GroupModFailedCode.InvalidGroup), ref error);
        }
        if (!GroupCodec.TryReadBuckets(s[8..], out OfpBucket[] buckets, out error))
        {
            return null;
        }
        if (command != GroupModCommand.Delete && !GroupCodec.TryCheckBuckets(type, buckets, out error))
        {
            return null;
        }
        return new GroupMod(h.Xid, command, type, groupId, buckets);
    }

    // struct ofp_port_mod: port_no 4, pad 4, hw_addr 6, pad 2, config 4, mask 4, advertise 4, pad 4.
    private static OfpMessage? DecodePortMod(OfpHeader h, ReadOnlySpan<byte> s, ref OfpError error)
    {
        if (s.Length != 32)
        {
            return BadLen(ref error);
        }
        var r = new WireReader(s);
        uint port = r.U32();
        r.Skip(4);
        ulong hw = (ulong)OxmCodec.ReadNumber(r.Bytes(6));
        r.Skip(2);
        var config = (PortConfig)r.U32();
        var mask = (PortConfig)r.U32();
        var advertise = (PortFeatures)r.U32();
        if (!OfpPortNo.IsStandard(port) && port != OfpPortNo.Local)
        {
            return Refuse(OfpError.Of(PortModFailedCode.BadPort), ref error);
        }
        const uint known = (uint)(PortConfig.PortDown | PortConfig.NoRecv | PortConfig.NoFwd | PortConfig.NoPacketIn);
        if ((((uint)config | (uint)mask) & ~known) != 0)
        {
            return Refuse(OfpError.Of(PortModFailedCode.BadConfig), ref error);
        }
        return new PortMod(h.Xid, port, hw, config, mask, advertise);
    }

    private static OfpMessage? DecodeTableMod(OfpHeader h, ReadOnlySpan<byte> s, ref OfpError error)
    {
        if (s.Length != 8)
        {
            return BadLen(ref error);
        }
        var r = new WireReader(s);
        byte table = r.U8();
        r.Skip(3);
        return new TableMod(h.Xid, table, r.U32());
    }

    // struct ofp_meter_mod: command 2, flags 2, meter_id 4, then bands of at least 16 bytes each (§7.3.4.4).
    private static OfpMessage? DecodeMeterMod(OfpHeader h, ReadOnlySpan<byte> s, ref OfpError error)
    {
        if (s.Length < 8)
        {
            return BadLen(ref error);
        }
        var r = new WireReader(s);
        var command = (MeterModCommand)r.U16();
        ushort flags = r.U16();
        uint meterId = r.U32();
        if (command > MeterModCommand.Delete)
        {
            return Refuse(OfpError.Of(MeterModFailedCode.BadCommand), ref error);
        }
        int bands = 0;
        ReadOnlySpan<byte> rest = s[8..];
        while (!rest.IsEmpty)
        {
            int length = rest.Length >= 4 ? (rest[2] << 8) | rest[3] : 0;
            if (length < 16 || length % 8 != 0 || length > rest.Length)
            {
                return Refuse(OfpError.Of(MeterModFailedCode.BadBand), ref error);
            }
            bands++;
            rest = rest[length..];
        }
        return new MeterMod(h.Xid, command, flags, meterId, bands);
    }
}
