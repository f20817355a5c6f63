using System.Runtime.InteropServices;
using VSwitch.Flows.Keys;

namespace VSwitch.Flows.Translation;

/// <summary>
/// One datapath op (<see cref="DpOpKind"/>) with its operands packed in a fixed 32-byte layout; the named properties
/// say which operand each kind uses. A plain value; arrays of it live in each datapath thread's flow cache.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct DpOp
{
    private readonly DpOpKind _kind;
    private readonly byte _byte;
    private readonly ushort _short;
    private readonly int _int;
    private readonly ulong _long;
    private readonly UInt128 _wide;

    private DpOp(DpOpKind kind, byte b = 0, ushort s = 0, int i = 0, ulong l = 0, UInt128 w = default)
    {
        _kind = kind;
        _byte = b;
        _short = s;
        _int = i;
        _long = l;
        _wide = w;
    }

    /// <summary>What the op does.</summary>
    public DpOpKind Kind => _kind;

    /// <summary><see cref="DpOpKind.Output"/>: the port number.</summary>
    public ushort Port => _short;

    /// <summary><see cref="DpOpKind.PushVlan"/>: the TPID.</summary>
    public ushort Tpid => _short;

    /// <summary><see cref="DpOpKind.SetVlanVid"/>, <see cref="DpOpKind.ModVlanVid"/>: the VLAN id; the PCP kinds: the priority.</summary>
    public ushort VlanValue => _short;

    /// <summary><see cref="DpOpKind.SetTtl"/>: the TTL.</summary>
    public byte Ttl => _byte;

    /// <summary><see cref="DpOpKind.SetField"/>: the field.</summary>
    public FlowField Field => (FlowField)_byte;

    /// <summary><see cref="DpOpKind.SetField"/>: the value.</summary>
    public UInt128 Value => _wide;

    /// <summary><see cref="DpOpKind.Controller"/>, <see cref="DpOpKind.DecTtl"/>: bytes of the packet for the controllers.</summary>
    public ushort MaxLen => _short;

    /// <summary><see cref="DpOpKind.Controller"/>: the PACKET_IN reason (0 no match, 1 action, 2 invalid TTL).</summary>
    public byte Reason => _byte;

    /// <summary><see cref="DpOpKind.Controller"/>, <see cref="DpOpKind.DecTtl"/>: the table of the flow that sent the packet.</summary>
    public byte TableId => (byte)_int;

    /// <summary><see cref="DpOpKind.Controller"/>, <see cref="DpOpKind.DecTtl"/>: that flow's cookie.</summary>
    public ulong Cookie => _long;

    /// <summary><see cref="DpOpKind.Controller"/>, <see cref="DpOpKind.DecTtl"/>: the pipeline metadata at that point.</summary>
    public ulong Metadata => (ulong)_wide;

    /// <summary><see cref="DpOpKind.DecTtl"/>: true when an expired packet goes to the controllers.</summary>
    public bool ToController => _byte != 0;

    /// <summary><see cref="DpOpKind.Clone"/>: number of ops that follow and run on the copy.</summary>
    public int Length => _int;

    /// <summary>True for the kinds that hand the packet (or a copy) to a port, NORMAL or the controllers.</summary>
    public bool IsOutput => _kind <= DpOpKind.Controller;

    /// <summary>Output to a port.</summary>
    public static DpOp Output(ushort port) => new(DpOpKind.Output, s: port);

    /// <summary>An output without operand: in_port, flood, all, normal.</summary>
    public static DpOp Simple(DpOpKind kind) => new(kind);

    /// <summary>A PACKET_IN.</summary>
    public static DpOp Controller(ushort maxLen, byte reason, byte tableId, ulong cookie, ulong metadata) =>
        new(DpOpKind.Controller, reason, maxLen, tableId, cookie, metadata);

    /// <summary>Push a tag.</summary>
    public static DpOp PushVlan(ushort tpid) => new(DpOpKind.PushVlan, s: tpid);

    /// <summary>Pop a tag.</summary>
    public static DpOp PopVlan() => new(DpOpKind.PopVlan);

    /// <summary>One of the four VLAN rewrites with its value.</summary>
    public static DpOp Vlan(DpOpKind kind, ushort value) => new(kind, s: value);

    /// <summary>Set a field.</summary>
    public static DpOp SetField(FlowField field, UInt128 value) => new(DpOpKind.SetField, (byte)field, w: value);

    /// <summary>Decrement the TTL; an expired packet goes to the controllers when <paramref name="toController"/>.</summary>
    public static DpOp DecTtl(bool toController, ushort maxLen, byte tableId, ulong cookie, ulong metadata) =>
        new(DpOpKind.DecTtl, toController ? (byte)1 : (byte)0, maxLen, tableId, cookie, metadata);

    /// <summary>Set the TTL.</summary>
    public static DpOp SetTtl(byte ttl) => new(DpOpKind.SetTtl, ttl);

    /// <summary>The next <paramref name="length"/> ops run on a copy.</summary>
    public static DpOp Clone(int length) => new(DpOpKind.Clone, i: length);

    /// <inheritdoc/>
    public override string ToString() => _kind switch
    {
        DpOpKind.Output => $"output:{Port}",
        DpOpKind.Controller => $"controller(reason={Reason},table={TableId},max_len={MaxLen})",
        DpOpKind.PushVlan => $"push_vlan:0x{Tpid:x4}",
        DpOpKind.SetVlanVid or DpOpKind.SetVlanPcp or DpOpKind.ModVlanVid or DpOpKind.ModVlanPcp => $"{_kind}:{VlanValue}",
        DpOpKind.SetField => $"set_field:{Value:x}->{FlowFields.Name(Field)}",
        DpOpKind.SetTtl => $"set_ttl:{Ttl}",
        DpOpKind.Clone => $"clone({Length})",
        _ => _kind.ToString(),
    };
}
