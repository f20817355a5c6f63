using System.Text;
using System.Text.RegularExpressions;

namespace VSwitch.Service.Tests;

/// <summary>
/// The [Service] section of an installed unit file, read as systemd reads it (systemd.syntax(7)): comment lines,
/// sections, KEY=VALUE with repeated keys kept in order, and the command lines split into words with systemd's
/// quoting. Only what the vswitchd unit uses is supported; anything else (command prefixes such as '-' or '+',
/// specifiers other than %t, %S and %%, $VARIABLES other than $MAINPID) fails loudly rather than being misread.
/// </summary>
public sealed partial class ServiceUnit
{
    private readonly Dictionary<string, List<string>> _service;

    private ServiceUnit(string path, Dictionary<string, List<string>> service)
    {
        Path = path;
        _service = service;
    }

    public string Path { get; }

    public static ServiceUnit Load(string path)
    {
        var sections = new Dictionary<string, Dictionary<string, List<string>>>(StringComparer.Ordinal);
        Dictionary<string, List<string>>? current = null;
        foreach (string raw in File.ReadAllLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                current = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                sections[line[1..^1]] = current;
                continue;
            }
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (current is null || eq <= 0 || line.EndsWith('\\'))
            {
                throw new FormatException($"{path}: cannot read line '{raw}'");
            }
            string key = line[..eq].Trim();
            if (!current.TryGetValue(key, out List<string>? values))
            {
                current[key] = values = [];
            }
            values.Add(line[(eq + 1)..].Trim());
        }
        return new ServiceUnit(path, sections.TryGetValue("Service", out var service) ? service : throw new FormatException($"{path}: no [Service] section"));
    }

    /// <summary>The last value of <paramref name="key"/> in [Service], or null.</summary>
    public string? Get(string key) => _service.TryGetValue(key, out List<string>? v) ? v[^1] : null;

    /// <summary>The value of <paramref name="key"/>, which must be set.</summary>
    public string Require(string key) => Get(key) ?? throw new FormatException($"{Path}: {key}= is not set");

    /// <summary>
    /// The words of a command line setting, with the specifiers systemd expands in a system unit: %t (the runtime
    /// directory root, /run), %S (the state directory root, /var/lib) and %%. <paramref name="mainPid"/> replaces $MAINPID.
    /// </summary>
    public IReadOnlyList<string> CommandLine(string key, string runtimeRoot, string stateRoot, int? mainPid = null)
    {
        string value = Require(key);
        if (value.Length > 0 && value[0] is '-' or '@' or '+' or '!' or ':')
        {
            throw new NotSupportedException($"{key}= with a prefix ('{value[0]}') is not emulated");
        }
        var words = new List<string>();
        foreach (string word in Split(value))
        {
            string expanded = SpecifierRegex().Replace(word, m => m.Value switch
            {
                "%t" => runtimeRoot,
                "%S" => stateRoot,
                "%%" => "%",
                _ => throw new NotSupportedException($"specifier {m.Value} in {key}= is not emulated"),
            });
            if (expanded.Contains('$', StringComparison.Ordinal))
            {
                expanded = expanded.Replace("$MAINPID", mainPid?.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    ?? throw new InvalidOperationException("$MAINPID without a main process"), StringComparison.Ordinal);
                if (expanded.Contains('$', StringComparison.Ordinal))
                {
                    throw new NotSupportedException($"variable in {key}= is not emulated: {word}");
                }
            }
            words.Add(expanded);
        }
        return words;
    }

    /// <summary>systemd's word splitting: whitespace separates, single or double quotes group, backslash escapes.</summary>
    private static List<string> Split(string value)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '\\' && i + 1 < value.Length)
            {
                word.Append(value[++i]);
                inWord = true;
            }
            else if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (quote != '\0')
        {
            throw new FormatException("unterminated quote in: " + value);
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words;
    }

    [GeneratedRegex("%.")]
    private static partial Regex SpecifierRegex();
}
