namespace VSwitch.VhostUser.Protocol.Messages;

/// <summary>
/// The u64 payload of SET_VRING_KICK / SET_VRING_CALL / SET_VRING_ERR: bits 0-7 are the ring index, bit 8 says
/// that no fd is passed (for kick: the back-end must poll the ring instead of waiting for kicks).
/// </summary>
public readonly record struct VringFdPayload(ulong Value)
{
    /// <summary>The "invalid fd / no fd" flag.</summary>
    public const ulong NoFdFlag = 0x100;

    /// <summary>The ring index.</summary>
    public uint Index => (uint)(Value & 0xff);

    /// <summary>True when no fd accompanies the message.</summary>
    public bool NoFd => (Value & NoFdFlag) != 0;

    /// <summary>No bits besides index and flag.</summary>
    public bool IsValid() => (Value & ~(0xffUL | NoFdFlag)) == 0;
}
