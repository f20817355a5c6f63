using System.Collections.Immutable;
using System.Globalization;

namespace VSwitch.Control.Model;

/// <summary>
/// The bridge's OpenFlow settings: controllers to connect to, the fail mode, an optional passive TCP listener and the
/// datapath id. Immutable and thread-safe.
/// </summary>
/// <param name="Controllers">Controller targets (<c>tcp:HOST[:PORT]</c>), in the order given.</param>
/// <param name="FailMode">What happens while no controller is connected.</param>
/// <param name="Listen">A passive TCP listener (<c>ptcp:PORT[:IP]</c>), or null for the management socket only.</param>
/// <param name="DatapathId">The datapath id (16 hex digits), or null to derive it from the bridge name.</param>
/// <param name="ProbeIntervalMs">Idle time before an echo probe on a controller connection, in ms; fail-open waits three of them.</param>
public sealed record OpenFlowSettings(ImmutableArray<string> Controllers = default, FailMode FailMode = FailMode.Standalone,
    string? Listen = null, string? DatapathId = null, int ProbeIntervalMs = 5000)
{
    /// <summary>Shortest probe interval (OVS refuses less than 1 s too).</summary>
    public const int MinProbeIntervalMs = 1000;

    /// <summary>Longest probe interval: an hour.</summary>
    public const int MaxProbeIntervalMs = 3_600_000;

    /// <summary>No controllers, standalone, no TCP listener, derived datapath id, 5 s probes.</summary>
    public static OpenFlowSettings Default { get; } = new([]);

    /// <summary>The controllers (never default).</summary>
    public ImmutableArray<string> Controllers { get; init; } = Controllers.IsDefault ? [] : Controllers;

    /// <summary>The first problem with these settings, or null. Targets are checked by the OpenFlow layer when applied.</summary>
    public string? FindProblem()
    {
        if (!Enum.IsDefined(FailMode))
        {
            return $"fail mode {(int)FailMode} is unknown";
        }
        if (ProbeIntervalMs is < MinProbeIntervalMs or > MaxProbeIntervalMs)
        {
            return $"probe interval {ProbeIntervalMs} ms is outside {MinProbeIntervalMs}..{MaxProbeIntervalMs}";
        }
        if (DatapathId is not null && !TryParseDatapathId(DatapathId, out _))
        {
            return $"datapath id '{DatapathId}' is not 1 to 16 hex digits";
        }
        foreach (string c in Controllers)
        {
            if (string.IsNullOrWhiteSpace(c))
            {
                return "a controller target is empty";
            }
        }
        return null;
    }

    /// <summary>Parses a datapath id: 1 to 16 hex digits, with or without 0x.</summary>
    public static bool TryParseDatapathId(string text, out ulong id)
    {
        ArgumentNullException.ThrowIfNull(text);
        string digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        id = 0;
        return digits.Length is >= 1 and <= 16
            && ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out id);
    }
}
