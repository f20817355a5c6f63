using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Codec;

/// <summary>
/// <c>struct ofp_port</c> (64 bytes): port_no 4, pad 4, hw_addr 6, pad 2, name 16, then config, state, curr,
/// advertised, supported, peer, curr_speed and max_speed, 4 bytes each.
/// </summary>
internal static class PortCodec
{
    public const int Size = 64;
    public const int NameSize = 16;

    public static OfpPort Read(ReadOnlySpan<byte> s)
    {
        var r = new WireReader(s[..Size]);
        uint no = r.U32();
        r.Skip(4);
        ulong hw = (ulong)OxmCodec.ReadNumber(r.Bytes(6));
        r.Skip(2);
        string name = MessageWriter.ReadFixedString(r.Bytes(NameSize));
        return new OfpPort(no, hw, name, (PortConfig)r.U32(), (PortState)r.U32(), (PortFeatures)r.U32(), (PortFeatures)r.U32(),
            (PortFeatures)r.U32(), (PortFeatures)r.U32(), r.U32(), r.U32());
    }

    public static void Write(MessageWriter w, OfpPort p)
    {
        w.U32(p.PortNo);
        w.Zeros(4);
        w.UInt(p.HwAddr, 6);
        w.Zeros(2);
        w.FixedString(p.Name, NameSize);
        w.U32((uint)p.Config);
        w.U32((uint)p.State);
        w.U32((uint)p.Current);
        w.U32((uint)p.Advertised);
        w.U32((uint)p.Supported);
        w.U32((uint)p.Peer);
        w.U32(p.CurrentSpeedKbps);
        w.U32(p.MaxSpeedKbps);
    }
}
