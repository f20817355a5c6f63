using System.Globalization;
using Microsoft.Extensions.Logging;
using VSwitch.Control;
using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Control.Rpc.Handlers;
using VSwitch.Core.Ports;
using VSwitch.Ports.Pcap;
using VSwitch.Rpc.Messages;

namespace VSwitch.Daemon.Ports;

/// <summary>
/// Creates ports of type <c>pcap</c>: a <see cref="PcapLivePort"/> for <c>iface</c>, else a <see cref="PcapFilePort"/>;
/// the option rules come from <see cref="PcapPortType"/>. An interface that cannot be opened or a tx file that cannot be
/// created fails add-port; a bad rx file does not (the port shows the error in port-status). Control thread only.
/// </summary>
internal sealed class PcapPortFactory(ILoggerFactory loggers) : PcapPortType
{
    private readonly ILogger _log = loggers.CreateLogger("pcap");

    public override IPort Create(PortConfig port)
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

    public override PortStatusResult Describe(IPort port, PortConfig config)
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
            return new PortStatusResult(config.Name, config.Type, config.OfPort, PortHandlers.StateName(port.State), null, null,
                config.Mtu, 0, null, [], null, [], [], null);
        }
        var details = new List<PortDetail> { new("mode", s.Live ? "live" : "file") };
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
        return new PortStatusResult(config.Name, config.Type, config.OfPort, PortHandlers.StateName(s.State), s.Activity, null,
            config.Mtu, 1, null, [], null, [], [], s.LastError)
        {
            Details = [.. details],
        };
    }

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);
}
