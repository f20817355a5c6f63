using System.Globalization;

namespace VSwitch.TestKit.Guests;

/// <summary>
/// One machine-readable line a guest printed on its console: <c>VSRESULT &lt;fact&gt; key=value ...</c>.
/// Immutable; test tooling only.
/// </summary>
/// <param name="Fact">What the line reports: boot, link, features, reach, ping, listen, send, recv, idle, reload, stats, error, done.</param>
/// <param name="Values">The line's key=value pairs.</param>
/// <param name="Line">The line as printed.</param>
/// <param name="At">When the host read it, measured from QEMU's start.</param>
public sealed record GuestResult(string Fact, IReadOnlyDictionary<string, string> Values, string Line, TimeSpan At)
{
    /// <summary>The marker that starts every result line.</summary>
    public const string Marker = "VSRESULT";

    /// <summary>The value of <paramref name="key"/>; throws naming the line when it is absent.</summary>
    public string this[string key] =>
        Values.TryGetValue(key, out string? value) ? value : throw new KeyNotFoundException($"no '{key}' in guest line: {Line}");

    /// <summary>The value of <paramref name="key"/> as an integer.</summary>
    public long GetInt64(string key) => long.Parse(this[key], NumberStyles.Integer, CultureInfo.InvariantCulture);

    /// <summary>The value of <paramref name="key"/> as a number.</summary>
    public double GetDouble(string key) => double.Parse(this[key], NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses one console line. Leading spaces and carriage returns are ignored; a line that does not start with
    /// the marker, or whose fields are not all key=value with a non-empty key, is not a result.
    /// </summary>
    public static bool TryParse(string line, TimeSpan at, out GuestResult? result)
    {
        result = null;
        string[] words = line.Trim(' ', '\r', '\n', '\t').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 2 || words[0] != Marker || words[1].Contains('=', StringComparison.Ordinal))
        {
            return false;
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 2; i < words.Length; i++)
        {
            int eq = words[i].IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return false;
            }
            values[words[i][..eq]] = words[i][(eq + 1)..];
        }
        result = new GuestResult(words[1], values, line.TrimEnd('\r'), at);
        return true;
    }
}
