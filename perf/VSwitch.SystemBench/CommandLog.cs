using System.Text;
using System.Text.RegularExpressions;

namespace VSwitch.SystemBench;

/// <summary>
/// Every command the benchmark runs, in order, for the results file, with the per-run names (temporary
/// directories, DPDK file prefixes) replaced by placeholders and the repository's own paths made relative so repeated runs collapse into one line. Thread-safe.
/// </summary>
internal sealed partial class CommandLog(string repo)
{
    private readonly List<string> _lines = [];
    private readonly string _repoPrefix = repo.TrimEnd('/') + "/";

    public void Add(string line)
    {
        line = line.Replace(_repoPrefix, "", StringComparison.Ordinal);
        line = TempDir().Replace(line, "$$DIR");
        line = Prefix().Replace(line, "${name}PIDxN");
        lock (_lines)
        {
            if (!_lines.Contains(line))
            {
                _lines.Add(line);
            }
        }
    }

    /// <summary>Distinct command lines in first-seen order.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Appends the results file's "Commands" section: the first <paramref name="maxLines"/> distinct lines in a code block.</summary>
    public void AppendSection(StringBuilder sb, int maxLines = int.MaxValue)
    {
        sb.AppendLine("## Commands");
        sb.AppendLine();
        sb.AppendLine("```");
        foreach (string line in Lines.Take(maxLines))
        {
            sb.AppendLine(line);
        }
        sb.AppendLine("```");
    }

    [GeneratedRegex(@"/tmp/vsbench-[a-z]+[A-Za-z0-9]{6}")]
    private static partial Regex TempDir();

    [GeneratedRegex(@"\b(?<name>vst|vsbovs|vsb[tovnb])\d+x\d+")]
    private static partial Regex Prefix();
}
