namespace VSwitch.Flows.Syntax;

/// <summary>
/// One "name=value" (or "name:value", or bare "name") item of a flow text, with where it starts.
/// <see cref="Value"/> is null for a bare name.
/// </summary>
internal readonly record struct FlowItem(string Text, int Start, string Name, string? Value, int ValueStart)
{
    /// <summary>
    /// Splits <paramref name="text"/> into items separated by commas or white space, as ovs-ofctl does.
    /// The item named <c>actions</c> takes the whole rest of the text as its value and ends the list.
    /// </summary>
    public static List<FlowItem> Split(string text)
    {
        var items = new List<FlowItem>();
        int i = 0;
        while (i < text.Length)
        {
            if (IsSeparator(text[i]))
            {
                i++;
                continue;
            }
            int start = i;
            int delimiter = -1;
            while (i < text.Length && !IsSeparator(text[i]))
            {
                if (delimiter < 0 && (text[i] == '=' || text[i] == ':'))
                {
                    delimiter = i;
                    if (text.AsSpan(start, i - start).Equals("actions", StringComparison.OrdinalIgnoreCase))
                    {
                        items.Add(new FlowItem(text[start..], start, "actions", text[(i + 1)..], i + 1));
                        return items;
                    }
                }
                i++;
            }
            string name = delimiter < 0 ? text[start..i] : text[start..delimiter];
            string? value = delimiter < 0 ? null : text[(delimiter + 1)..i];
            items.Add(new FlowItem(text[start..i], start, name.ToLowerInvariant(), value, delimiter + 1));
        }
        return items;
    }

    private static bool IsSeparator(char c) => c == ',' || char.IsWhiteSpace(c);
}
