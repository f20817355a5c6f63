namespace VSwitch.Core.Ports;

/// <summary>
/// The offloads a port's peer accepted on frames the switch sends to it (a guest's GUEST_CSUM/GUEST_TSO4/6 features,
/// a tap's TUNSETOFFLOAD bits). A frame that asks for more is finished in software before the port's
/// <see cref="IPort.Send"/>: the checksum completed, the super-frame cut into segments.
/// </summary>
[Flags]
public enum PortOffloads
{
    /// <summary>Only complete, MTU-sized frames (pcap ports, captures, peers that refused offloads).</summary>
    None = 0,

    /// <summary>Frames with a pending checksum (NeedsCsum) are fine.</summary>
    Csum = 1,

    /// <summary>TCP/IPv4 super-frames are fine (needs <see cref="Csum"/>).</summary>
    Tso4 = 2,

    /// <summary>TCP/IPv6 super-frames are fine (needs <see cref="Csum"/>).</summary>
    Tso6 = 4,

    /// <summary>Super-frames with ECN (CWR) are fine.</summary>
    TsoEcn = 8,
}

/// <summary>Text forms of <see cref="PortOffloads"/> for status output.</summary>
public static class PortOffloadsText
{
    /// <summary>
    /// The set offloads as "csum", "tso4", "tso6" and <paramref name="ecnName"/>, joined by <paramref name="separator"/>,
    /// or <paramref name="none"/> when the set is empty. Control path only (allocates).
    /// </summary>
    public static string Names(PortOffloads offloads, char separator, string ecnName, string none)
    {
        if (offloads == PortOffloads.None)
        {
            return none;
        }
        var names = new List<string>(4);
        if ((offloads & PortOffloads.Csum) != 0)
        {
            names.Add("csum");
        }
        if ((offloads & PortOffloads.Tso4) != 0)
        {
            names.Add("tso4");
        }
        if ((offloads & PortOffloads.Tso6) != 0)
        {
            names.Add("tso6");
        }
        if ((offloads & PortOffloads.TsoEcn) != 0)
        {
            names.Add(ecnName);
        }
        return string.Join(separator, names);
    }
}
