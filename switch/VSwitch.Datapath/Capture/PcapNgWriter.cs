using System.Buffers.Binary;
using System.Text;
using VSwitch.Core.Diagnostics;

namespace VSwitch.Datapath.Capture;

/// <summary>
/// pcapng writer (little-endian section): a Section Header Block, one Interface Description Block per port (if_name,
/// Ethernet, snaplen, if_tsresol 9 = nanoseconds), an Enhanced Packet Block per frame with epb_flags carrying the
/// direction (1 inbound, 2 outbound) and, for dropped frames, an opt_comment naming the drop reason, and at the end
/// one Interface Statistics Block per interface (isb_ifrecv, isb_ifdrop = ring full, isb_filteraccept,
/// isb_usrdeliv). Blocks are built in one reusable scratch buffer; nothing is allocated per frame. One writer thread.
/// </summary>
public sealed class PcapNgWriter : CaptureFileWriter
{
    private const uint ShbType = 0x0A0D0D0A;
    private const uint IdbType = 1;
    private const uint IsbType = 5;
    private const uint EpbType = 6;
    private const ushort LinkTypeEthernet = 1;
    private const uint FlagInbound = 1;
    private const uint FlagOutbound = 2;

    private readonly Stream _output;
    private readonly byte[][] _reasonComments;
    private byte[] _block = new byte[1024];

    /// <summary>Writes to <paramref name="output"/>.</summary>
    public PcapNgWriter(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _reasonComments = new byte[(int)DropReason.Count][];
        for (int i = 0; i < _reasonComments.Length; i++)
        {
            _reasonComments[i] = Encoding.UTF8.GetBytes("dropped: " + (DropReason)i);
        }
    }

    /// <inheritdoc/>
    public override void WriteHeader(IReadOnlyList<string> interfaces, int snaplen)
    {
        ArgumentNullException.ThrowIfNull(interfaces);
        int n = Begin(ShbType);
        n = PutU32(n, 0x1A2B3C4D);
        n = PutU16(n, 1);
        n = PutU16(n, 0);
        n = PutU64(n, ulong.MaxValue); // section length not known in advance
        n = PutOption(n, 4, Encoding.UTF8.GetBytes("vswitchd")); // shb_userappl
        n = PutEndOfOptions(n);
        Finish(n);
        foreach (string name in interfaces)
        {
            n = Begin(IdbType);
            n = PutU16(n, LinkTypeEthernet);
            n = PutU16(n, 0);
            n = PutU32(n, (uint)snaplen);
            n = PutOption(n, 2, Encoding.UTF8.GetBytes(name)); // if_name
            n = PutOption(n, 9, [9]); // if_tsresol: 10^-9 s
            n = PutEndOfOptions(n);
            Finish(n);
        }
    }

    /// <inheritdoc/>
    public override void WriteFrame(in CaptureRecord record, ReadOnlySpan<byte> data)
    {
        Reserve(64 + data.Length + 64);
        int n = Begin(EpbType);
        n = PutU32(n, (uint)record.Interface);
        n = PutTimestamp(n, record.TimestampNs);
        n = PutU32(n, (uint)data.Length);
        n = PutU32(n, (uint)record.OriginalLength);
        data.CopyTo(_block.AsSpan(n));
        n = Pad(n + data.Length);
        Span<byte> flags = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(flags, record.Kind == CaptureKind.Tx ? FlagOutbound : FlagInbound);
        n = PutOption(n, 2, flags); // epb_flags
        if (record.Kind == CaptureKind.Drop && (uint)record.Reason < (uint)_reasonComments.Length)
        {
            n = PutOption(n, 1, _reasonComments[(int)record.Reason]); // opt_comment
        }
        n = PutEndOfOptions(n);
        Finish(n);
    }

    /// <inheritdoc/>
    public override void WriteEnd(IReadOnlyList<CaptureInterfaceStats> stats, long startNs, long timestampNs)
    {
        ArgumentNullException.ThrowIfNull(stats);
        Span<byte> value = stackalloc byte[8];
        for (int i = 0; i < stats.Count; i++)
        {
            CaptureInterfaceStats s = stats[i];
            int n = Begin(IsbType);
            n = PutU32(n, (uint)i);
            n = PutTimestamp(n, timestampNs);
            n = PutOption(n, 2, Timestamp(value, startNs)); // isb_starttime
            n = PutOption(n, 3, Timestamp(value, timestampNs)); // isb_endtime
            n = PutOption(n, 4, U64(value, s.Received)); // isb_ifrecv
            n = PutOption(n, 5, U64(value, s.RingFull)); // isb_ifdrop
            n = PutOption(n, 6, U64(value, s.FilterAccepted)); // isb_filteraccept
            n = PutOption(n, 8, U64(value, s.Delivered)); // isb_usrdeliv
            n = PutEndOfOptions(n);
            Finish(n);
        }
    }

    private static Span<byte> U64(Span<byte> buffer, long value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, (ulong)value);
        return buffer;
    }

    // pcapng timestamps are split into a high and a low 32-bit word, each little-endian.
    private static Span<byte> Timestamp(Span<byte> buffer, long ns)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)((ulong)ns >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[4..], (uint)ns);
        return buffer;
    }

    private int Begin(uint type)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_block, type);
        return 8; // type + total length (filled in by Finish)
    }

    private void Finish(int n)
    {
        int total = n + 4;
        Reserve(total);
        BinaryPrimitives.WriteUInt32LittleEndian(_block.AsSpan(4), (uint)total);
        BinaryPrimitives.WriteUInt32LittleEndian(_block.AsSpan(n), (uint)total);
        _output.Write(_block, 0, total);
    }

    private void Reserve(int bytes)
    {
        if (_block.Length < bytes + 64)
        {
            Array.Resize(ref _block, bytes + 1024);
        }
    }

    private int PutU16(int n, ushort v)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_block.AsSpan(n), v);
        return n + 2;
    }

    private int PutU32(int n, uint v)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_block.AsSpan(n), v);
        return n + 4;
    }

    private int PutU64(int n, ulong v)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_block.AsSpan(n), v);
        return n + 8;
    }

    private int PutTimestamp(int n, long ns)
    {
        Timestamp(_block.AsSpan(n, 8), ns);
        return n + 8;
    }

    private int PutOption(int n, ushort code, ReadOnlySpan<byte> value)
    {
        Reserve(n + 4 + value.Length + 4);
        n = PutU16(n, code);
        n = PutU16(n, (ushort)value.Length);
        value.CopyTo(_block.AsSpan(n));
        return Pad(n + value.Length);
    }

    private int PutEndOfOptions(int n) => PutU32(n, 0);

    private int Pad(int n)
    {
        int padded = (n + 3) & ~3;
        _block.AsSpan(n, padded - n).Clear();
        return padded;
    }
}
