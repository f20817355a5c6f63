using System.Runtime.InteropServices;
using VSwitch.Ports.Pcap.Interop;

namespace VSwitch.Ports.Pcap;

/// <summary>
/// A libpcap filter expression compiled to a BPF program for Ethernet frames (tcpdump syntax), run on frames in
/// memory. Thread rules: compile on any thread (compilation is serialised); <see cref="Matches"/> from one thread at a
/// time (the capture's writer thread). Owns unmanaged memory: dispose it. Lives here because this is the assembly that
/// links libpcap; the daemon's packet capture uses it.
/// </summary>
public sealed unsafe class BpfFilter : IDisposable
{
    private static readonly Lock s_compileLock = new();
    private nint _program;

    private BpfFilter(nint program) => _program = program;

    /// <summary>Compiles <paramref name="expression"/>; on a syntax error returns false with libpcap's message.</summary>
    public static bool TryCompile(string expression, int snaplen, out BpfFilter? filter, out string error)
    {
        filter = null;
        error = "";
        nint pcap;
        try
        {
            pcap = LibPcap.pcap_open_dead(LibPcap.DLT_EN10MB, snaplen);
        }
        catch (DllNotFoundException)
        {
            error = "capture filters need libpcap (libpcap0.8), which is not installed";
            return false;
        }
        if (pcap == 0)
        {
            error = "libpcap could not create a handle";
            return false;
        }
        nint program = Marshal.AllocHGlobal(LibPcap.BpfProgramSize);
        try
        {
            int rc;
            lock (s_compileLock)
            {
                rc = LibPcap.pcap_compile(pcap, program, expression, 1, LibPcap.PCAP_NETMASK_UNKNOWN);
            }
            if (rc != 0)
            {
                error = Marshal.PtrToStringUTF8(LibPcap.pcap_geterr(pcap)) ?? "syntax error";
                Marshal.FreeHGlobal(program);
                return false;
            }
            filter = new BpfFilter(program);
            return true;
        }
        finally
        {
            LibPcap.pcap_close(pcap);
        }
    }

    /// <summary>True when the filter accepts the frame (<paramref name="data"/> are its captured bytes).</summary>
    public bool Matches(ReadOnlySpan<byte> data, int originalLength)
    {
        ObjectDisposedException.ThrowIf(_program == 0, this);
        if (data.IsEmpty)
        {
            return false;
        }
        var header = new LibPcap.PacketHeader { CapturedLength = (uint)data.Length, Length = (uint)originalLength };
        fixed (byte* bytes = data)
        {
            // SAFETY: header lives on this stack frame and bytes pins data's caplen bytes for the call; the BPF
            // interpreter reads at most caplen bytes of the frame.
            return LibPcap.pcap_offline_filter(_program, &header, bytes) != 0;
        }
    }

    /// <summary>Frees the program.</summary>
    public void Dispose()
    {
        if (_program != 0)
        {
            LibPcap.pcap_freecode(_program);
            Marshal.FreeHGlobal(_program);
            _program = 0;
        }
    }
}
