namespace VSwitch.OpenFlow.Wire;

/// <summary>Codes of <see cref="OfpErrorType.BadRequest"/> (<c>enum ofp_bad_request_code</c>).</summary>
public enum BadRequestCode : ushort
{
    /// <summary>The header's version is not the negotiated one.</summary>
    BadVersion = 0,
    /// <summary>Unknown or unsupported message type.</summary>
    BadType = 1,
    /// <summary>Unknown or unsupported multipart type.</summary>
    BadMultipart = 2,
    /// <summary>Experimenter id not supported.</summary>
    BadExperimenter = 3,
    /// <summary>Experimenter type not supported.</summary>
    BadExpType = 4,
    /// <summary>Permissions error.</summary>
    Eperm = 5,
    /// <summary>Wrong length for the message type.</summary>
    BadLen = 6,
    /// <summary>The buffer was already used.</summary>
    BufferEmpty = 7,
    /// <summary>The buffer does not exist (this switch buffers nothing).</summary>
    BufferUnknown = 8,
    /// <summary>The table id is invalid or the table does not exist.</summary>
    BadTableId = 9,
    /// <summary>Denied: the connection's role is slave.</summary>
    IsSlave = 10,
    /// <summary>Invalid port.</summary>
    BadPort = 11,
    /// <summary>Invalid packet in a packet-out.</summary>
    BadPacket = 12,
    /// <summary>A multipart request's parts overflowed the reassembly buffer.</summary>
    MultipartBufferOverflow = 13,
}
