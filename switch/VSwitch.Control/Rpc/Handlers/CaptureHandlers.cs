using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Rpc.Handlers;

/// <summary>capture-start, capture-stop and capture-list. Called by the dispatcher, one request at a time.</summary>
public sealed class CaptureHandlers
{
    /// <summary>Largest snapshot length accepted (libpcap's maximum).</summary>
    public const int MaxSnaplen = 262144;

    private readonly ControlPlane _control;

    /// <summary>Creates the handlers over <paramref name="control"/>.</summary>
    public CaptureHandlers(ControlPlane control)
    {
        ArgumentNullException.ThrowIfNull(control);
        _control = control;
    }

    /// <summary>capture-start: validates every parameter, then asks the runtime to start.</summary>
    public CaptureStartResult CaptureStart(CaptureStartParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (p.Ports.Length == 0)
        {
            throw ControlException.Invalid("name at least one port to capture on");
        }
        if (p.Ports.Distinct(StringComparer.Ordinal).Count() != p.Ports.Length)
        {
            throw ControlException.Invalid("a port is named twice");
        }
        foreach (string port in p.Ports)
        {
            _control.GetPort(port);
        }
        if (p.Direction is not ("rx" or "tx" or "both"))
        {
            throw ControlException.Invalid($"direction must be rx, tx or both, not '{p.Direction}'");
        }
        if (p.Format is not ("pcapng" or "pcap"))
        {
            throw ControlException.Invalid($"format must be pcapng or pcap, not '{p.Format}'");
        }
        if (p.Snaplen is < 1 or > MaxSnaplen)
        {
            throw ControlException.Invalid($"snaplen must be between 1 and {MaxSnaplen}");
        }
        if (p.Count < 0)
        {
            throw ControlException.Invalid("count must not be negative");
        }
        if (!double.IsFinite(p.DurationSeconds) || p.DurationSeconds < 0)
        {
            throw ControlException.Invalid("duration must be a non-negative number of seconds");
        }
        return RuntimeMessages.CaptureStarted(_control.Runtime.CaptureStart(RuntimeMessages.CaptureRequest(p)));
    }

    /// <summary>capture-stop ID.</summary>
    public CaptureInfo CaptureStop(CaptureIdParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return RuntimeMessages.Capture(_control.Runtime.CaptureStop(p.Id));
    }

    /// <summary>capture-list.</summary>
    public CaptureListResult CaptureList() => new([.. _control.Runtime.CaptureList().Select(RuntimeMessages.Capture)]);
}
