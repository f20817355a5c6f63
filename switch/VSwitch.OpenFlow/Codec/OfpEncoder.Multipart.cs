using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Codec;

public static partial class OfpEncoder
{
    /// <summary>
    /// Encodes a reply of any size as MULTIPART_REPLY messages of at most <paramref name="maxMessage"/> bytes
    /// (OpenFlow 1.3.5 §7.3.5: every part but the last carries OFPMPF_REPLY_MORE). Each step of the returned
    /// sequence leaves exactly one whole message in <paramref name="output"/> (cleared first); the caller sends it
    /// before asking for the next, so a reply of any length costs one message of memory.
    /// </summary>
    /// <param name="output">Receives one message per step.</param>
    /// <param name="scratch">Holds one entry while it is measured.</param>
    /// <param name="xid">The request's xid.</param>
    /// <param name="kind">Reply type.</param>
    /// <param name="items">Entries, all of the type <paramref name="kind"/> implies; may be empty.</param>
    /// <param name="maxMessage">Split limit (tests use small ones).</param>
    /// <exception cref="InvalidOperationException">One entry alone is larger than a message can be.</exception>
    public static IEnumerable<bool> EncodeMultipartReplies(MessageWriter output, MessageWriter scratch, uint xid, MultipartType kind,
        IEnumerable<MultipartItem> items, int maxMessage = MaxMessage)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(scratch);
        ArgumentNullException.ThrowIfNull(items);
        output.Clear();
        int start = BeginReply(output, xid, kind);
        foreach (MultipartItem item in items)
        {
            scratch.Clear();
            MultipartItemCodec.Write(scratch, item);
            if (16 + scratch.Length > maxMessage)
            {
                throw new InvalidOperationException($"a {kind} entry of {scratch.Length} bytes does not fit in one message");
            }
            if (output.Length - start + scratch.Length > maxMessage)
            {
                output.PatchU16(start + 10, (ushort)MultipartFlags.More);
                output.EndMessage(start);
                yield return true;
                output.Clear();
                start = BeginReply(output, xid, kind);
            }
            output.Bytes(scratch.WrittenSpan);
        }
        output.EndMessage(start);
        yield return false;
    }

    private static int BeginReply(MessageWriter w, uint xid, MultipartType kind)
    {
        int start = w.BeginMessage(OfpType.MultipartReply, xid);
        w.U16((ushort)kind);
        w.U16(0);
        w.Zeros(4);
        return start;
    }
}
