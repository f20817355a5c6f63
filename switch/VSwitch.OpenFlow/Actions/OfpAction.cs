using VSwitch.OpenFlow.Match;

namespace VSwitch.OpenFlow.Actions;

/// <summary>
/// One OpenFlow 1.3 action, decoded and checked for syntax (lengths, reserved ports, ethertypes, writable
/// fields). Whether the switch supports it and whether it fits the flow's match are the switch's to check.
/// A plain value: immutable, no allocation.
/// </summary>
/// <param name="Type">Action type.</param>
/// <param name="Value">
/// The argument: the port of <see cref="OfpActionType.Output"/>, the group of <see cref="OfpActionType.Group"/>,
/// the queue of <see cref="OfpActionType.SetQueue"/>, the ethertype of the push and pop-MPLS actions, the TTL of the
/// set-TTL actions; 0 otherwise.
/// </param>
/// <param name="MaxLen">For output to the controller: bytes of the packet to send (<c>OFPCML_NO_BUFFER</c> = all).</param>
/// <param name="Field">For <see cref="OfpActionType.SetField"/>: the field and value (never masked).</param>
public readonly record struct OfpAction(OfpActionType Type, uint Value, ushort MaxLen, OxmEntry Field)
{
    /// <summary>Output to <paramref name="port"/>; <paramref name="maxLen"/> matters for the controller port.</summary>
    public static OfpAction Output(uint port, ushort maxLen = 0) => new(OfpActionType.Output, port, maxLen, default);

    /// <summary>Apply group <paramref name="groupId"/>.</summary>
    public static OfpAction Group(uint groupId) => new(OfpActionType.Group, groupId, 0, default);

    /// <summary>Push a VLAN tag with <paramref name="etherType"/> (0x8100 or 0x88a8).</summary>
    public static OfpAction PushVlan(ushort etherType = 0x8100) => new(OfpActionType.PushVlan, etherType, 0, default);

    /// <summary>Pop the outer VLAN tag.</summary>
    public static OfpAction PopVlan() => new(OfpActionType.PopVlan, 0, 0, default);

    /// <summary>Decrement the IP TTL.</summary>
    public static OfpAction DecNwTtl() => new(OfpActionType.DecNwTtl, 0, 0, default);

    /// <summary>Set the IP TTL.</summary>
    public static OfpAction SetNwTtl(byte ttl) => new(OfpActionType.SetNwTtl, ttl, 0, default);

    /// <summary>Set the output queue.</summary>
    public static OfpAction SetQueue(uint queueId) => new(OfpActionType.SetQueue, queueId, 0, default);

    /// <summary>Set a field; the entry must be exact (no mask).</summary>
    public static OfpAction SetField(OxmEntry field) => new(OfpActionType.SetField, 0, 0, field);

    /// <summary>An action without argument (copy/dec TTL, pop VLAN or PBB).</summary>
    public static OfpAction Simple(OfpActionType type) => new(type, 0, 0, default);

    /// <summary>Size of the action on the wire.</summary>
    public int WireLength => Type switch
    {
        OfpActionType.Output => 16,
        OfpActionType.SetField => (4 + Field.WireLength + 7) & ~7,
        _ => 8,
    };

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        OfpActionType.Output => MaxLen != 0 ? $"output:{Value}/{MaxLen}" : $"output:{Value}",
        OfpActionType.SetField => $"set_field:{Field}",
        OfpActionType.CopyTtlOut or OfpActionType.CopyTtlIn or OfpActionType.DecMplsTtl or OfpActionType.PopVlan
            or OfpActionType.DecNwTtl or OfpActionType.PopPbb => Type.ToString(),
        _ => $"{Type}:{Value:x}",
    };
}
