namespace VSwitch.OpenFlow.Messages;

/// <summary>Multipart flags (<c>OFPMPF_REQ_MORE</c>, <c>OFPMPF_REPLY_MORE</c>).</summary>
[Flags]
public enum MultipartFlags : ushort
{
    /// <summary>Last (or only) part.</summary>
    None = 0,
    /// <summary>More parts follow with the same xid.</summary>
    More = 1,
}
