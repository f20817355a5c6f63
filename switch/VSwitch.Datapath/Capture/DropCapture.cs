using System.Runtime.CompilerServices;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Packets;

namespace VSwitch.Datapath.Capture;

/// <summary>
/// The ingress port's captures for the batch a datapath thread is processing, so the stages that drop a packet
/// (no rule, drop flow, VLAN, same-as-ingress, ...) can record it before freeing it. Set once per batch by the
/// thread's <see cref="Pipeline.PmdContext"/>. Owning datapath thread only.
/// </summary>
internal sealed class DropCapture
{
    private readonly DropCounters _drops;

    public DropCapture(DropCounters drops) => _drops = drops;

    /// <summary>The ingress port's taps for the current batch, or null (the common case).</summary>
    public CaptureTap[]? Taps { get; set; }

    /// <summary>Records <paramref name="packet"/> as dropped for <paramref name="reason"/> when the ingress port has captures.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(PacketBuffer packet, DropReason reason)
    {
        CaptureTap[]? taps = Taps;
        if (taps is not null)
        {
            CaptureHooks.RecordDrop(taps, packet, reason, _drops);
        }
    }
}
