using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using VSwitch.Control;
using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Control.Runtime;
using VSwitch.Core.Ports;
using VSwitch.Ports.Pcap;

namespace VSwitch.Daemon.Ports;

/// <summary>
/// The <c>pcap</c> port type, all of it in this one place: <c>iface</c> (a live interface) or capture files —
/// <c>rx-file</c> (replayed into the switch; with <c>rx-rate</c> frames per second, default as fast as taken, and
/// <c>rx-loop</c> true/false, default false) and/or <c>tx-file</c> (records what the switch sends). Paths must be
/// absolute (the CLI makes them so). It creates a <see cref="PcapLivePort"/> for <c>iface</c>, else a
/// <see cref="PcapFilePort"/>, and describes them. An interface that cannot be opened or a tx file that cannot be
/// created fails add-port; a bad rx file does not (the port shows the error in port-status). Control thread only.
/// </summary>
public sealed class PcapPortType(ILoggerFactory loggers) : IPortType
{
    /// <summary>The type name.</summary>
    public const string TypeName = "pcap";

    private static readonly string[] s_keys =
        [PcapOptions.Iface, PcapOptions.RxFileKey, PcapOptions.RxRateKey, PcapOptions.RxLoopKey, PcapOptions.TxFileKey];

    private readonly ILogger _log = loggers.CreateLogger("pcap");

    /// <inheritdoc/>
    public string Type => TypeName;

    /// <inheritdoc/>
    public string Description => "libpcap: a live interface (--iface) or capture files replayed (--rx-file) and recorded (--tx-file)";

    /// <inheritdoc/>
    public ImmutableSortedDictionary<string, string> NormalizeOptions(string portName, IReadOnlyDictionary<string, string> options,
        PortTypeContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = PortOptions.CopyKnown(TypeName, options, s_keys);
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
    public IPort Create(PortConfig port)
    {
        ArgumentNullException.ThrowIfNull(port);
        PcapOptions o = PcapOptions.From(port);
        if (!PcapLibrary.IsInstalled)
        {
            throw ControlException.Invalid($"port '{port.Name}': {PcapLibrary.MissingMessage}");
        }
        var id = new PortId((ushort)port.OfPort);
        try
        {
            if (o.Interface is string iface)
            {
                PcapLivePort live = PcapLivePort.Open(id, port.Name, iface);
                _log.LogInformation("port {Port}: capturing on {Interface}", port.Name, iface);
                return live;
            }
            var file = new PcapFilePort(id, port.Name, o.RxFile, o.RxRate, o.RxLoop, o.TxFile);
            _log.LogInformation("port {Port}: replaying {RxFile}, recording into {TxFile}", port.Name, o.RxFile ?? "nothing", o.TxFile ?? "nowhere");
            return file;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            throw ControlException.Invalid($"port '{port.Name}': {e.Message}");
        }
    }

    /// <inheritdoc/>
    public PortStatusReport Describe(IPort port, PortConfig config)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(config);
        PcapPortStatus? s = port switch
        {
            PcapLivePort live => live.GetStatus(),
            PcapFilePort file => file.GetStatus(),
            _ => null,
        };
        if (s is null)
        {
            return new PortStatusReport(port.State, null, null, config.Mtu, 0, null);
        }
        var details = new List<KeyValuePair<string, string>> { new("mode", s.Live ? "live" : "file") };
        if (s.Live)
        {
            details.Add(new("iface", s.Interface!));
        }
        else
        {
            if (s.RxFile is not null)
            {
                details.Add(new("rx-file", s.RxFile));
                details.Add(new("rx-rate", s.RxRate is double r ? r.ToString("R", CultureInfo.InvariantCulture) + " frames/s" : "unpaced"));
                details.Add(new("rx-loop", s.RxLoop ? "true" : "false"));
                details.Add(new("frames replayed", Num(s.Replayed)));
                details.Add(new("loops done", Num(s.LoopsDone)));
                details.Add(new("frames skipped (too large)", Num(s.Skipped)));
            }
            if (s.TxFile is not null)
            {
                details.Add(new("tx-file", s.TxFile));
                details.Add(new("frames recorded", Num(s.Recorded)));
            }
        }
        return new PortStatusReport(s.State, s.Activity, null, config.Mtu, 1, s.LastError) { Details = details };
    }

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

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);
}
