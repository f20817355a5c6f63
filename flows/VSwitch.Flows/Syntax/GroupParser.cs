using VSwitch.Core.Time;
using VSwitch.Flows.Groups;

namespace VSwitch.Flows.Syntax;

/// <summary>
/// Parses groups in the syntax of <c>ovs-ofctl add-group</c>: <c>group_id=ID,type=all|indirect,bucket=ACTIONS[,bucket=...]</c>,
/// where a bucket's actions run up to the next <c>bucket=</c> (written <c>bucket=actions=...</c> or <c>bucket=...</c>).
/// A bucket is an action set (one action of each type) and cannot apply a group: this switch runs ALL and INDIRECT
/// groups without chaining. Errors throw <see cref="FlowParseException"/>. Control thread only.
/// </summary>
public static class GroupParser
{
    /// <summary>Parses a whole group for add-group or mod-group.</summary>
    /// <exception cref="FlowParseException">The text is not a valid group.</exception>
    public static FlowGroup ParseGroup(string text, IClock clock, IPortNameResolver? ports = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(clock);
        uint? id = null;
        GroupType? type = null;
        var buckets = new List<GroupBucket>();
        long now = clock.NowMilliseconds;
        foreach ((string name, string? value, int at, string raw) in Items(text))
        {
            switch (name)
            {
                case "group_id":
                    id = Id(value, raw, at);
                    break;
                case "type":
                    type = Type(value, raw, at);
                    break;
                case "bucket":
                    string actions = value ?? string.Empty;
                    int offset = at + "bucket=".Length;
                    if (actions.StartsWith("actions=", StringComparison.OrdinalIgnoreCase))
                    {
                        actions = actions[8..];
                        offset += 8;
                    }
                    buckets.Add(new GroupBucket(ActionParser.ParseActionSet(actions, offset, ports, "a group bucket", allowGroup: false), now));
                    break;
                default:
                    MatchBuilder.Fail("unknown group field (expected group_id=, type=, bucket=)", raw, at);
                    break;
            }
        }
        if (id is null)
        {
            MatchBuilder.Fail("a group needs group_id=", text, 0);
        }
        if (type is null)
        {
            MatchBuilder.Fail("a group needs type=all or type=indirect", text, 0);
        }
        if (type == GroupType.Indirect && buckets.Count != 1)
        {
            MatchBuilder.Fail("an indirect group has exactly one bucket", text, 0);
        }
        return new FlowGroup(id.Value, type.Value, buckets, now);
    }

    /// <summary>Parses the selection of del-groups / dump-groups: empty (every group) or <c>group_id=ID|all</c>; null means every group.</summary>
    /// <exception cref="FlowParseException">The text is not a selection.</exception>
    public static uint? ParseSelection(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        uint? id = null;
        foreach ((string name, string? value, int at, string raw) in Items(text))
        {
            if (name != "group_id")
            {
                MatchBuilder.Fail("expected group_id=ID or group_id=all", raw, at);
            }
            id = string.Equals(value, "all", StringComparison.OrdinalIgnoreCase) ? null : Id(value, raw, at);
        }
        return id;
    }

    /// <summary>The type's ovs-ofctl name.</summary>
    public static string TypeName(GroupType type) => type switch
    {
        GroupType.All => "all",
        GroupType.Select => "select",
        GroupType.Indirect => "indirect",
        _ => "ff",
    };

    private static uint Id(string? value, string raw, int at)
    {
        ulong id = 0;
        if (value is null || !ValueText.TryParseNumber(value, FlowGroup.MaxId, out id))
        {
            MatchBuilder.Fail($"group_id must be a number from 0 to {FlowGroup.MaxId}", raw, at);
        }
        return (uint)id;
    }

    private static GroupType Type(string? value, string raw, int at)
    {
        switch (value?.ToLowerInvariant())
        {
            case "all": return GroupType.All;
            case "indirect": return GroupType.Indirect;
            case "select":
            case "ff":
            case "fast_failover":
                MatchBuilder.Fail("this switch runs group types all and indirect only", raw, at);
                return default;
            default:
                MatchBuilder.Fail("type must be all or indirect", raw, at);
                return default;
        }
    }

    // name=value items separated by commas or spaces; a bucket's value runs to the next ",bucket=" (or the end).
    private static IEnumerable<(string Name, string? Value, int At, string Raw)> Items(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i])))
            {
                i++;
            }
            if (i >= text.Length)
            {
                yield break;
            }
            int start = i;
            int eq = text.IndexOf('=', i);
            int comma = IndexOfSeparator(text, i);
            if (eq < 0 || (comma >= 0 && comma < eq))
            {
                int end = comma < 0 ? text.Length : comma;
                yield return (text[start..end].ToLowerInvariant(), null, start, text[start..end]);
                i = end;
                continue;
            }
            string name = text[start..eq].Trim().ToLowerInvariant();
            int valueEnd;
            if (name == "bucket")
            {
                int next = text.IndexOf("bucket=", eq + 1, StringComparison.OrdinalIgnoreCase);
                while (next > 0 && text[next - 1] is not (',' or ' '))
                {
                    next = text.IndexOf("bucket=", next + 1, StringComparison.OrdinalIgnoreCase);
                }
                valueEnd = next < 0 ? text.Length : next;
            }
            else
            {
                valueEnd = comma < 0 ? text.Length : comma;
            }
            string value = text[(eq + 1)..valueEnd].Trim().TrimEnd(',').Trim();
            yield return (name, value, start, text[start..valueEnd].TrimEnd(',', ' '));
            i = valueEnd;
        }
    }

    private static int IndexOfSeparator(string text, int from)
    {
        for (int j = from; j < text.Length; j++)
        {
            if (text[j] == ',' || char.IsWhiteSpace(text[j]))
            {
                return j;
            }
        }
        return -1;
    }
}
