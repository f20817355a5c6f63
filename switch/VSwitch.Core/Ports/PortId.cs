namespace VSwitch.Core.Ports;

/// <summary>An OpenFlow-style port number (1..0xfeff for real ports), as users see it as <c>ofport</c>.</summary>
public readonly record struct PortId(ushort Value)
{
    /// <summary>Largest number a real port may have (OpenFlow 1.0 <c>OFPP_MAX</c>).</summary>
    public const ushort MaxValue = 0xff00;

    /// <summary>"No port".</summary>
    public static PortId None => default;

    /// <inheritdoc/>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
