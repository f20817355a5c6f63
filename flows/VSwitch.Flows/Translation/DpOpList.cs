namespace VSwitch.Flows.Translation;

/// <summary>Helpers over a list of <see cref="DpOp"/>s. Stateless; no allocation.</summary>
public static class DpOpList
{
    /// <summary>
    /// The last op in [<paramref name="start"/>, <paramref name="end"/>) that uses the packet itself: an output or a
    /// clone scope (whose ops are skipped over). The datapath hands that op the original packet and every earlier one a
    /// copy. -1 when no op there sends the packet anywhere.
    /// </summary>
    public static int LastUse(ReadOnlySpan<DpOp> ops, int start, int end)
    {
        int last = -1;
        for (int i = start; i < end && i < ops.Length; i++)
        {
            if (ops[i].IsOutput)
            {
                last = i;
            }
            else if (ops[i].Kind == DpOpKind.Clone)
            {
                last = i;
                i += ops[i].Length;
            }
        }
        return last;
    }
}
