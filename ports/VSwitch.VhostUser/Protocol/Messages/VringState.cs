using System.Runtime.InteropServices;

namespace VSwitch.VhostUser.Protocol.Messages;

/// <summary>"A vring state description": ring index and a number (size or base).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public readonly record struct VringState(uint Index, uint Num)
{
    /// <summary>Size on the wire.</summary>
    public const int Size = 8;

    /// <summary>Every bit pattern is well-formed; the index and number are checked per request by the session.</summary>
    public bool IsValid() => true;
}
