using VSwitch.VhostUser.Session;
using VSwitch.VhostUser.Transport;

namespace VSwitch.VhostUser.Protocol;

/// <summary>
/// Reads one front-end message and checks its shape before any handler sees it (rust-vmm <c>handle_request</c>
/// preamble): header version and flags, payload no larger than any request allows, payload size and fd count as
/// <see cref="RequestRule"/> says for the request. The payload buffer and fd set are reused for every message.
/// Whatever the outcome, every fd that arrived is in <see cref="Fds"/>, and the caller closes what no handler took
/// (<see cref="ReceivedFds.CloseRest"/>). Session thread only.
/// </summary>
internal sealed class MessageReader
{
    /// <summary>Largest payload accepted (SET_MEM_TABLE with 8 regions is 264 bytes; a config-space message at most 4 KiB + 12).</summary>
    public const int MaxPayload = UnixConnection.MaxPayload;

    /// <summary>Most fds one message may carry.</summary>
    public const int MaxFds = UnixConnection.MaxFds;

    private readonly UnixConnection _connection;
    private readonly byte[] _payload = new byte[MaxPayload];

    /// <summary>Creates a reader over <paramref name="connection"/> (which stays the caller's).</summary>
    public MessageReader(UnixConnection connection) => _connection = connection;

    /// <summary>The fds of the last message not yet taken by a handler.</summary>
    public ReceivedFds Fds { get; } = new();

    /// <summary>
    /// Reads the next message. On success <paramref name="header"/> and <paramref name="payload"/> (valid until the
    /// next call) describe it and null is returned. Otherwise the error says why; <see cref="VhostUserError.UnsupportedRequest"/>
    /// means the message was read whole (framing intact) but no handler exists for it.
    /// </summary>
    public VhostUserError? TryRead(out MessageHeader header, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        VhostUserError? error = _connection.TryRead(out header, _payload, Fds);
        if (error is not null)
        {
            return error;
        }
        payload = _payload.AsSpan(0, (int)header.PayloadSize);
        RequestRule rule = RequestRule.For((FrontendRequest)header.Request);
        if (!rule.Supported)
        {
            return VhostUserError.UnsupportedRequest;
        }
        if (!rule.SizeFits(payload.Length))
        {
            return VhostUserError.InvalidPayloadSize;
        }
        return rule.FdsFit(Fds.Count) ? null : VhostUserError.InvalidFds;
    }
}
