using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>
/// A decoded OpenFlow 1.3 message: one record per message type, checked by the decoder before anyone sees it.
/// Fields of type <see cref="ReadOnlyMemory{T}"/> (echo data, packet data, error data) may point into the
/// connection's receive buffer: they are valid only while the message is being handled; copy what you keep.
/// </summary>
/// <param name="Xid">Transaction id; replies carry the request's.</param>
public abstract record OfpMessage(uint Xid)
{
    /// <summary>The message type in the header.</summary>
    public abstract OfpType Type { get; }
}
