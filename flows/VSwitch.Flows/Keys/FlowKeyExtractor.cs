namespace VSwitch.Flows.Keys;

/// <summary>Parses raw frame bytes into a <see cref="FlowKey"/>.</summary>
public static class FlowKeyExtractor
{
    /// <summary>
    /// Parses <paramref name="frame"/> into <paramref name="key"/>. Never reads past the span, never throws,
    /// allocates nothing. Returns false for a runt (shorter than an Ethernet header); truncated or malformed
    /// upper headers leave their fields zero and their <see cref="FlowKey.Present"/> bit clear.
    /// </summary>
    public static bool TryExtract(ReadOnlySpan<byte> frame, ushort inPort, out FlowKey key) => throw new NotImplementedException();
}
