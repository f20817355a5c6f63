using VSwitch.OpenFlow.Actions;
using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Codec;

/// <summary>
/// Writes OpenFlow 1.3 messages in the layouts of OpenFlow 1.3.5 §7, big-endian, with the padding the spec
/// requires, into a <see cref="MessageWriter"/> (several messages may follow each other). Stateless and
/// thread-safe; allocates nothing beyond the writer's pooled buffer for fixed-layout messages.
/// </summary>
public static partial class OfpEncoder
{
    /// <summary>The largest message; multipart replies are split below it.</summary>
    public const int MaxMessage = OfpHeader.MaxLength;

    /// <summary>Appends <paramref name="message"/> to <paramref name="w"/>.</summary>
    /// <exception cref="InvalidOperationException">The message would exceed 65535 bytes.</exception>
    public static void Encode(OfpMessage message, MessageWriter w)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(w);
        int start = w.BeginMessage(message.Type, message.Xid);
        WriteBody(message, w, start);
        w.EndMessage(start);
    }

    private static void WriteBody(OfpMessage message, MessageWriter w, int start)
    {
        switch (message)
        {
            case Hello m:
                w.PatchU16(start, (ushort)((m.Version << 8) | (byte)OfpType.Hello));
                if (m.VersionBitmap != 0)
                {
                    // §7.5.1: one OFPHET_VERSIONBITMAP element: type 1, length 8, one 32-bit bitmap.
                    w.U16(1);
                    w.U16(8);
                    w.U32(m.VersionBitmap);
                }
                break;
            case ErrorMessage m:
                w.U16((ushort)m.Error.Type);
                w.U16(m.Error.Code);
                w.Bytes(m.Data.Span);
                break;
            case EchoRequest m:
                w.Bytes(m.Data.Span);
                break;
            case EchoReply m:
                w.Bytes(m.Data.Span);
                break;
            case FeaturesReply m:
                w.U64(m.Features.DatapathId);
                w.U32(m.Features.BufferCount);
                w.U8(m.Features.TableCount);
                w.U8(m.Features.AuxiliaryId);
                w.Zeros(2);
                w.U32((uint)m.Features.Capabilities);
                w.U32(0);
                break;
            case GetConfigReply m:
                WriteConfig(w, m.Config);
                break;
            case SetConfig m:
                WriteConfig(w, m.Config);
                break;
            case PacketIn m:
                WritePacketIn(w, m);
                break;
            case FlowRemoved m:
                WriteFlowRemoved(w, m);
                break;
            case PortStatus m:
                w.U8((byte)m.Reason);
                w.Zeros(7);
                PortCodec.Write(w, m.Port);
                break;
            case PacketOut m:
                w.U32(m.BufferId);
                w.U32(m.InPort);
                w.U16((ushort)ActionCodec.ListLength(m.Actions));
                w.Zeros(6);
                ActionCodec.WriteList(w, m.Actions);
                w.Bytes(m.Data.Span);
                break;
            case FlowMod m:
                WriteFlowMod(w, m);
                break;
            case GroupMod m:
                w.U16((ushort)m.Command);
                w.U8((byte)m.GroupType);
                w.Zeros(1);
                w.U32(m.GroupId);
                GroupCodec.WriteBuckets(w, m.Buckets);
                break;
            case PortMod m:
                w.U32(m.PortNo);
                w.Zeros(4);
                w.UInt(m.HwAddr, 6);
                w.Zeros(2);
                w.U32((uint)m.Config);
                w.U32((uint)m.Mask);
                w.U32((uint)m.Advertise);
                w.Zeros(4);
                break;
            case TableMod m:
                w.U8(m.TableId);
                w.Zeros(3);
                w.U32(m.Config);
                break;
            case MultipartRequest m:
                WriteMultipartRequest(w, m);
                break;
            case MultipartReply m:
                w.U16((ushort)m.Kind);
                w.U16((ushort)m.Flags);
                w.Zeros(4);
                foreach (MultipartItem item in m.Items)
                {
                    MultipartItemCodec.Write(w, item);
                }
                break;
            case QueueGetConfigRequest m:
                w.U32(m.Port);
                w.Zeros(4);
                break;
            case QueueGetConfigReply m:
                w.U32(m.Port);
                w.Zeros(4);
                break;
            case RoleRequest m:
                WriteRole(w, m.Role, m.GenerationId);
                break;
            case RoleReply m:
                WriteRole(w, m.Role, m.GenerationId);
                break;
            case GetAsyncReply m:
                WriteAsync(w, m.Config);
                break;
            case SetAsync m:
                WriteAsync(w, m.Config);
                break;
            case MeterMod m:
                w.U16((ushort)m.Command);
                w.U16(m.Flags);
                w.U32(m.MeterId);
                for (int i = 0; i < m.BandCount; i++)
                {
                    // A drop band with zero rate and burst: only the count is kept by the decoder.
                    w.U16(1);
                    w.U16(16);
                    w.Zeros(12);
                }
                break;
            default:
                // FeaturesRequest, GetConfigRequest, BarrierRequest/Reply, GetAsyncRequest: header only.
                break;
        }
    }

    private static void WriteConfig(MessageWriter w, SwitchConfig c)
    {
        w.U16((ushort)c.Flags);
        w.U16(c.MissSendLen);
    }

    private static void WriteRole(MessageWriter w, ControllerRole role, ulong generation)
    {
        w.U32((uint)role);
        w.Zeros(4);
        w.U64(generation);
    }

    private static void WriteAsync(MessageWriter w, AsyncConfig c)
    {
        w.U32(c.PacketInMaster);
        w.U32(c.PacketInSlave);
        w.U32(c.PortStatusMaster);
        w.U32(c.PortStatusSlave);
        w.U32(c.FlowRemovedMaster);
        w.U32(c.FlowRemovedSlave);
    }

    private static void WritePacketIn(MessageWriter w, PacketIn m)
    {
        w.U32(m.BufferId);
        w.U16(m.TotalLen);
        w.U8((byte)m.Reason);
        w.U8(m.TableId);
        w.U64(m.Cookie);
        MatchCodec.Write(w, m.Match);
        w.Zeros(2);
        w.Bytes(m.Data.Span);
    }

    private static void WriteFlowRemoved(MessageWriter w, FlowRemoved m)
    {
        w.U64(m.Cookie);
        w.U16(m.Priority);
        w.U8((byte)m.Reason);
        w.U8(m.TableId);
        w.U32(m.DurationSec);
        w.U32(m.DurationNsec);
        w.U16(m.IdleTimeout);
        w.U16(m.HardTimeout);
        w.U64(m.PacketCount);
        w.U64(m.ByteCount);
        MatchCodec.Write(w, m.Match);
    }

    private static void WriteFlowMod(MessageWriter w, FlowMod m)
    {
        w.U64(m.Cookie);
        w.U64(m.CookieMask);
        w.U8(m.TableId);
        w.U8((byte)m.Command);
        w.U16(m.IdleTimeout);
        w.U16(m.HardTimeout);
        w.U16(m.Priority);
        w.U32(m.BufferId);
        w.U32(m.OutPort);
        w.U32(m.OutGroup);
        w.U16((ushort)m.Flags);
        w.Zeros(2);
        MatchCodec.Write(w, m.Match);
        InstructionCodec.WriteList(w, m.Instructions);
    }

    private static void WriteMultipartRequest(MessageWriter w, MultipartRequest m)
    {
        w.U16((ushort)m.Kind);
        w.U16((ushort)m.Flags);
        w.Zeros(4);
        switch (m.Kind)
        {
            case MultipartType.Flow or MultipartType.Aggregate:
                FlowStatsRequest f = m.Flow ?? new FlowStatsRequest(OfpTableId.All, OfpPortNo.Any, OfpGroupId.Any, 0, 0, OfpMatch.Any);
                w.U8(f.TableId);
                w.Zeros(3);
                w.U32(f.OutPort);
                w.U32(f.OutGroup);
                w.Zeros(4);
                w.U64(f.Cookie);
                w.U64(f.CookieMask);
                MatchCodec.Write(w, f.Match);
                break;
            case MultipartType.PortStats:
                w.U32(m.PortNo);
                w.Zeros(4);
                break;
            case MultipartType.Queue:
                w.U32(m.PortNo);
                w.U32(m.QueueId);
                break;
            case MultipartType.Group:
                w.U32(m.GroupId);
                w.Zeros(4);
                break;
            case MultipartType.Meter or MultipartType.MeterConfig:
                w.U32(m.MeterId);
                w.Zeros(4);
                break;
            case MultipartType.TableFeatures:
                foreach (TableFeatures t in m.TableFeatures)
                {
                    TableFeaturesCodec.Write(w, t);
                }
                break;
        }
    }
}
