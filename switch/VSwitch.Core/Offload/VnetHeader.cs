using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VSwitch.Core.Packets;

namespace VSwitch.Core.Offload;

/// <summary>
/// Reads and writes the 10-byte virtio-net header (VIRTIO 1.2 §5.1.6: flags u8, gso_type u8, then little-endian
/// hdr_len, gso_size, csum_start, csum_offset; num_buffers, when present, is the caller's business), the header in
/// front of every frame on a guest's rings and on a tap opened with IFF_VNET_HDR. Shared by the vhost-user and tap ports
/// so that both accept and produce exactly the same things.
/// Cost: a few loads and compares; no allocation, no exception.
/// </summary>
public static unsafe class VnetHeader
{
    /// <summary>Bytes read and written here (without num_buffers).</summary>
    public const int Size = 10;

    private const byte FlagNeedsCsum = 1;
    private const byte FlagDataValid = 2;
    private const byte GsoEcnBit = 0x80;

    /// <summary>
    /// Parses <paramref name="header"/> (at least <see cref="Size"/> readable bytes) for a frame of
    /// <paramref name="frameLength"/> bytes into <paramref name="offload"/>. Accepts only what the port enabled:
    /// a pending checksum only with <see cref="Ports.PortOffloads.Csum"/> in <paramref name="accepted"/>, TCPv4/TCPv6
    /// super-frames only with Tso4/Tso6 (and ECN with TsoEcn). Returns false for anything else: unknown flags or
    /// gso types, a checksum field that would lie outside the frame, a super-frame with gso_size 0, with hdr_len beyond
    /// the frame or without a pending checksum. The caller then drops the frame as <see cref="Diagnostics.DropReason.OffloadHeaderInvalid"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(byte* header, int frameLength, Ports.PortOffloads accepted, out PacketOffload offload)
    {
        // SAFETY: the caller guarantees Size readable bytes at header.
        offload = default;
        if (Unsafe.ReadUnaligned<ushort>(header) == 0)
        {
            return true; // the common case: no flag, no gso type; the other fields mean nothing then (as in the kernel)
        }
        return TryParseSlow(header, frameLength, accepted, out offload);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryParseSlow(byte* header, int frameLength, Ports.PortOffloads accepted, out PacketOffload offload)
    {
        offload = default;
        byte flags = header[0];
        byte gso = header[1];
        ushort hdrLen = BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(header + 2, 2));
        ushort gsoSize = BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(header + 4, 2));
        ushort csumStart = BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(header + 6, 2));
        ushort csumOffset = BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(header + 8, 2));
        if ((flags & ~(FlagNeedsCsum | FlagDataValid)) != 0)
        {
            return false;
        }
        if ((flags & FlagNeedsCsum) != 0)
        {
            if ((accepted & Ports.PortOffloads.Csum) == 0 || (uint)csumStart + csumOffset + 2u > (uint)frameLength)
            {
                return false;
            }
            offload.Flags |= OffloadFlags.NeedsCsum;
            offload.CsumStart = csumStart;
            offload.CsumOffset = csumOffset;
        }
        if ((flags & FlagDataValid) != 0)
        {
            offload.Flags |= OffloadFlags.DataValid;
        }
        bool ecn = (gso & GsoEcnBit) != 0;
        GsoType type = (GsoType)(gso & ~GsoEcnBit);
        switch (type)
        {
            case GsoType.None:
                if (ecn)
                {
                    return false;
                }
                return true;
            case GsoType.TcpV4 when (accepted & Ports.PortOffloads.Tso4) != 0:
            case GsoType.TcpV6 when (accepted & Ports.PortOffloads.Tso6) != 0:
                // hdr_len is only a hint (segmentation re-reads the headers), but one beyond the frame is a lie the
                // kernel's tun driver refuses too; it would be passed on to the next receiver.
                if (gsoSize == 0 || (flags & FlagNeedsCsum) == 0 || (ecn && (accepted & Ports.PortOffloads.TsoEcn) == 0)
                    || hdrLen > frameLength)
                {
                    return false;
                }
                offload.Gso = type;
                offload.GsoEcn = ecn;
                offload.GsoSize = gsoSize;
                offload.HdrLen = hdrLen;
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Writes <paramref name="offload"/> as a virtio-net header at <paramref name="header"/> (<see cref="Size"/> writable
    /// bytes). The caller has already finished in software whatever the receiver did not accept.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write(byte* header, in PacketOffload offload)
    {
        // SAFETY: the caller guarantees Size writable bytes at header.
        if (offload.IsPlain && offload.Flags == OffloadFlags.None)
        {
            Unsafe.WriteUnaligned<ulong>(header, 0);
            Unsafe.WriteUnaligned<ushort>(header + 8, 0);
            return;
        }
        header[0] = (byte)offload.Flags;
        header[1] = (byte)((byte)offload.Gso | (offload.GsoEcn ? GsoEcnBit : 0));
        BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(header + 2, 2), offload.Gso != GsoType.None ? offload.HdrLen : (ushort)0);
        BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(header + 4, 2), offload.Gso != GsoType.None ? offload.GsoSize : (ushort)0);
        bool csum = (offload.Flags & OffloadFlags.NeedsCsum) != 0;
        BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(header + 6, 2), csum ? offload.CsumStart : (ushort)0);
        BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(header + 8, 2), csum ? offload.CsumOffset : (ushort)0);
    }
}
