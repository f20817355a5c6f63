using VSwitch.OpenFlow.Actions;
using VSwitch.OpenFlow.Instructions;
using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Messages;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Codec;

/// <summary>
/// <c>struct ofp_table_features</c> (64 fixed bytes: length, table_id, pad 5, name 32, metadata_match,
/// metadata_write, config, max_entries) followed by properties, each a TLV whose length excludes its padding to 8
/// (OpenFlow 1.3.5 §7.3.5.5.2). Instruction and action properties list 4-byte headers, field properties 4-byte OXM
/// headers, next-tables one byte per table.
/// </summary>
internal static class TableFeaturesCodec
{
    public const int FixedSize = 64;
    private const int NameSize = 32;

    private enum Prop : ushort
    {
        Instructions = 0, InstructionsMiss = 1, NextTables = 2, NextTablesMiss = 3, WriteActions = 4, WriteActionsMiss = 5,
        ApplyActions = 6, ApplyActionsMiss = 7, Match = 8, Wildcards = 10, WriteSetfield = 12, WriteSetfieldMiss = 13,
        ApplySetfield = 14, ApplySetfieldMiss = 15, Experimenter = 0xfffe, ExperimenterMiss = 0xffff,
    }

    public static bool TryRead(ReadOnlySpan<byte> s, out TableFeatures? features, out int consumed, out OfpError error)
    {
        features = null;
        consumed = 0;
        int length = s.Length >= 2 ? (s[0] << 8) | s[1] : 0;
        if (length < FixedSize || length % 8 != 0 || length > s.Length)
        {
            return Fail(TableFeaturesFailedCode.BadLen, out error);
        }
        var r = new WireReader(s[..length]);
        r.Skip(2);
        byte table = r.U8();
        r.Skip(5);
        string name = MessageWriter.ReadFixedString(r.Bytes(NameSize));
        var f = new TableFeatures(table, name, r.U64(), r.U64(), r.U32(), r.U32());
        ReadOnlySpan<byte> props = s[FixedSize..length];
        while (!props.IsEmpty)
        {
            int plen = props.Length >= 4 ? (props[2] << 8) | props[3] : 0;
            int padded = (plen + 7) & ~7;
            if (plen < 4 || padded > props.Length)
            {
                return Fail(TableFeaturesFailedCode.BadLen, out error);
            }
            var type = (Prop)((props[0] << 8) | props[1]);
            if (!TryApply(ref f, type, props[4..plen], out error))
            {
                return false;
            }
            props = props[padded..];
        }
        features = f;
        consumed = length;
        error = default;
        return true;
    }

    private static bool TryApply(ref TableFeatures f, Prop type, ReadOnlySpan<byte> p, out OfpError error)
    {
        error = default;
        switch (type)
        {
            case Prop.Instructions or Prop.InstructionsMiss:
                if (!TryHeaders(p, out List<ushort> inst, out error))
                {
                    return false;
                }
                var ilist = inst.ConvertAll(t => (OfpInstructionType)t);
                f = type == Prop.Instructions ? f with { Instructions = ilist } : f with { InstructionsMiss = ilist };
                return true;
            case Prop.NextTables or Prop.NextTablesMiss:
                byte[] tables = p.ToArray();
                f = type == Prop.NextTables ? f with { NextTables = tables } : f with { NextTablesMiss = tables };
                return true;
            case Prop.WriteActions or Prop.WriteActionsMiss or Prop.ApplyActions or Prop.ApplyActionsMiss:
                if (!TryHeaders(p, out List<ushort> acts, out error))
                {
                    return false;
                }
                var alist = acts.ConvertAll(t => (OfpActionType)t);
                f = type switch
                {
                    Prop.WriteActions => f with { WriteActions = alist },
                    Prop.WriteActionsMiss => f with { WriteActionsMiss = alist },
                    Prop.ApplyActions => f with { ApplyActions = alist },
                    _ => f with { ApplyActionsMiss = alist },
                };
                return true;
            case Prop.Match or Prop.Wildcards or Prop.WriteSetfield or Prop.WriteSetfieldMiss or Prop.ApplySetfield or Prop.ApplySetfieldMiss:
                if (!TryFields(p, out List<OxmFieldSupport> fields, out error))
                {
                    return false;
                }
                var plain = fields.ConvertAll(x => x.Field);
                f = type switch
                {
                    Prop.Match => f with { Match = fields },
                    Prop.Wildcards => f with { Wildcards = plain },
                    Prop.WriteSetfield => f with { WriteSetfield = plain },
                    Prop.WriteSetfieldMiss => f with { WriteSetfieldMiss = plain },
                    Prop.ApplySetfield => f with { ApplySetfield = plain },
                    _ => f with { ApplySetfieldMiss = plain },
                };
                return true;
            case Prop.Experimenter or Prop.ExperimenterMiss:
                return true;
            default:
                return Fail(TableFeaturesFailedCode.BadType, out error);
        }
    }

    // Instruction and action headers: type 2, len 2; an experimenter entry may be longer than 4.
    private static bool TryHeaders(ReadOnlySpan<byte> p, out List<ushort> types, out OfpError error)
    {
        types = [];
        while (!p.IsEmpty)
        {
            int len = p.Length >= 4 ? (p[2] << 8) | p[3] : 0;
            if (len < 4 || len > p.Length)
            {
                return Fail(TableFeaturesFailedCode.BadLen, out error);
            }
            types.Add((ushort)((p[0] << 8) | p[1]));
            p = p[len..];
        }
        error = default;
        return true;
    }

    private static bool TryFields(ReadOnlySpan<byte> p, out List<OxmFieldSupport> fields, out OfpError error)
    {
        fields = [];
        while (!p.IsEmpty)
        {
            if (p.Length < 4)
            {
                return Fail(TableFeaturesFailedCode.BadLen, out error);
            }
            uint header = (uint)((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]);
            int field = (int)((header >> 9) & 0x7f);
            // Experimenter OXM headers carry a 4-byte experimenter id after the header.
            int size = (header >> 16) == OxmFieldInfo.ExperimenterClass ? 8 : 4;
            if (size > p.Length)
            {
                return Fail(TableFeaturesFailedCode.BadLen, out error);
            }
            if (OxmFieldInfo.TryFromWire((ushort)(header >> 16), field, out OxmField known))
            {
                fields.Add(new OxmFieldSupport(known, (header & 0x100) != 0));
            }
            p = p[size..];
        }
        error = default;
        return true;
    }

    private static bool Fail(TableFeaturesFailedCode code, out OfpError error)
    {
        error = OfpError.Of(code);
        return false;
    }

    public static void Write(MessageWriter w, TableFeatures f)
    {
        int start = w.Length;
        w.U16(0);
        w.U8(f.TableId);
        w.Zeros(5);
        w.FixedString(f.Name, NameSize);
        w.U64(f.MetadataMatch);
        w.U64(f.MetadataWrite);
        w.U32(f.Config);
        w.U32(f.MaxEntries);
        WriteHeaders(w, Prop.Instructions, f.Instructions.Select(x => (ushort)x));
        WriteHeaders(w, Prop.InstructionsMiss, (f.InstructionsMiss ?? f.Instructions).Select(x => (ushort)x));
        WriteTables(w, Prop.NextTables, f.NextTables);
        WriteTables(w, Prop.NextTablesMiss, f.NextTablesMiss ?? f.NextTables);
        WriteHeaders(w, Prop.WriteActions, f.WriteActions.Select(x => (ushort)x));
        WriteHeaders(w, Prop.WriteActionsMiss, (f.WriteActionsMiss ?? f.WriteActions).Select(x => (ushort)x));
        WriteHeaders(w, Prop.ApplyActions, f.ApplyActions.Select(x => (ushort)x));
        WriteHeaders(w, Prop.ApplyActionsMiss, (f.ApplyActionsMiss ?? f.ApplyActions).Select(x => (ushort)x));
        WriteFields(w, Prop.Match, f.Match);
        WriteFields(w, Prop.Wildcards, f.Wildcards.Select(x => new OxmFieldSupport(x, false)));
        WriteFields(w, Prop.WriteSetfield, f.WriteSetfield.Select(x => new OxmFieldSupport(x, false)));
        WriteFields(w, Prop.WriteSetfieldMiss, (f.WriteSetfieldMiss ?? f.WriteSetfield).Select(x => new OxmFieldSupport(x, false)));
        WriteFields(w, Prop.ApplySetfield, f.ApplySetfield.Select(x => new OxmFieldSupport(x, false)));
        WriteFields(w, Prop.ApplySetfieldMiss, (f.ApplySetfieldMiss ?? f.ApplySetfield).Select(x => new OxmFieldSupport(x, false)));
        w.PatchU16(start, (ushort)(w.Length - start));
    }

    private static void WriteHeaders(MessageWriter w, Prop type, IEnumerable<ushort> types)
    {
        int start = BeginProp(w, type);
        foreach (ushort t in types)
        {
            w.U16(t);
            w.U16(4);
        }
        EndProp(w, start);
    }

    private static void WriteTables(MessageWriter w, Prop type, IReadOnlyList<byte> tables)
    {
        int start = BeginProp(w, type);
        foreach (byte t in tables)
        {
            w.U8(t);
        }
        EndProp(w, start);
    }

    private static void WriteFields(MessageWriter w, Prop type, IEnumerable<OxmFieldSupport> fields)
    {
        int start = BeginProp(w, type);
        foreach (OxmFieldSupport f in fields)
        {
            int size = OxmFieldInfo.Size(f.Field);
            w.U32(OxmCodec.Header(f.Field, f.Maskable, f.Maskable ? size * 2 : size));
        }
        EndProp(w, start);
    }

    private static int BeginProp(MessageWriter w, Prop type)
    {
        int start = w.Length;
        w.U16((ushort)type);
        w.U16(0);
        return start;
    }

    private static void EndProp(MessageWriter w, int start)
    {
        w.PatchU16(start + 2, (ushort)(w.Length - start));
        w.PadTo8(start);
    }
}
