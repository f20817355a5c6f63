using System.Collections.Immutable;
using System.Globalization;
using VSwitch.Control.Model;
using VSwitch.Core.Ports;
using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Ports;

/// <summary>
/// The option rules of the <c>pcap</c> port type: <c>iface</c> (a live interface) or capture files — <c>rx-file</c>
/// (replayed into the switch; with <c>rx-rate</c> frames per second, default as fast as taken, and <c>rx-loop</c>
/// true/false, default false) and/or <c>tx-file</c> (records what the switch sends). Paths must be absolute (the CLI
/// makes them so). The composition root derives from it to create the real ports. Control thread only.
/// </summary>
public abstract class PcapPortType : IPortType
{
    /// <summary>The type name.</summary>
    public const string TypeName = "pcap";

    private static readonly string[] s_keys =
        [PcapOptions.Iface, PcapOptions.RxFileKey, PcapOptions.RxRateKey, PcapOptions.RxLoopKey, PcapOptions.TxFileKey];

    /// <inheritdoc/>
    public string Type => TypeName;

    /// <inheritdoc/>
    public string Description => "libpcap: a live interface (--iface) or capture files replayed (--rx-file) and recorded (--tx-file)";

    /// <inheritdoc/>
    public ImmutableSortedDictionary<string, string> NormalizeOptions(string portName, IReadOnlyDictionary<string, string> options,
        PortTypeContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in options)
        {
            if (Array.IndexOf(s_keys, key) < 0)
            {
                throw ControlException.Invalid($"port type {TypeName} has no option '{key}' (known: {string.Join(", ", s_keys)})");
            }
            result[key] = value;
        }
        bool hasRx = result.ContainsKey(PcapOptions.RxFileKey);
        bool hasTx = result.ContainsKey(PcapOptions.TxFileKey);
        if (result.TryGetValue(PcapOptions.Iface, out string? iface))
        {
            if (hasRx || hasTx || result.ContainsKey(PcapOptions.RxRateKey) || result.ContainsKey(PcapOptions.RxLoopKey))
            {
                throw ControlException.Invalid("a pcap port takes either iface or rx-file/tx-file (with rx-rate, rx-loop), not both");
            }
            CheckInterfaceName(iface);
            return result.ToImmutable();
        }
        if (!hasRx && !hasTx)
        {
            throw ControlException.Invalid("a pcap port needs iface (--iface IF) or rx-file and/or tx-file (--rx-file, --tx-file)");
        }
        if (hasRx)
        {
            result[PcapOptions.RxFileKey] = CheckedPath(PcapOptions.RxFileKey, result[PcapOptions.RxFileKey]);
            result[PcapOptions.RxLoopKey] = CheckedBool(result.GetValueOrDefault(PcapOptions.RxLoopKey));
            if (result.TryGetValue(PcapOptions.RxRateKey, out string? rate))
            {
                result[PcapOptions.RxRateKey] = CheckedRate(rate);
            }
        }
        else if (result.ContainsKey(PcapOptions.RxRateKey) || result.ContainsKey(PcapOptions.RxLoopKey))
        {
            throw ControlException.Invalid("rx-rate and rx-loop need rx-file");
        }
        if (hasTx)
        {
            result[PcapOptions.TxFileKey] = CheckedPath(PcapOptions.TxFileKey, result[PcapOptions.TxFileKey]);
            if (hasRx && string.Equals(result[PcapOptions.TxFileKey], result[PcapOptions.RxFileKey], StringComparison.Ordinal))
            {
                throw ControlException.Invalid("rx-file and tx-file must be different files");
            }
        }
        return result.ToImmutable();
    }

    /// <inheritdoc/>
    public string? SocketPath(PortConfig port) => null;

    /// <inheritdoc/>
    public abstract IPort Create(PortConfig port);

    /// <inheritdoc/>
    public abstract PortStatusResult Describe(IPort port, PortConfig config);

    private static void CheckInterfaceName(string iface)
    {
        if (iface.Length is 0 or > PcapOptions.MaxInterfaceNameLength || iface.Contains('/', StringComparison.Ordinal)
            || iface.Any(char.IsWhiteSpace) || iface is "." or "..")
        {
            throw ControlException.Invalid($"iface '{iface}' is not a valid interface name (1 to {PcapOptions.MaxInterfaceNameLength} characters, no '/' or spaces)");
        }
    }

    private static string CheckedPath(string key, string path)
    {
        if (path.Length == 0 || !Path.IsPathFullyQualified(path))
        {
            throw ControlException.Invalid($"{key} '{path}' is not an absolute path");
        }
        return path.Contains('\0', StringComparison.Ordinal) ? throw ControlException.Invalid($"{key} contains a NUL character") : path;
    }

    private static string CheckedBool(string? text) => text switch
    {
        null or "false" or "0" or "no" => "false",
        "true" or "1" or "yes" => "true",
        _ => throw ControlException.Invalid($"rx-loop '{text}' is not true or false"),
    };

    private static string CheckedRate(string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double rate) || !double.IsFinite(rate) || rate <= 0)
        {
            throw ControlException.Invalid($"rx-rate '{text}' is not a positive number of frames per second");
        }
        return rate.ToString("R", CultureInfo.InvariantCulture);
    }
}
