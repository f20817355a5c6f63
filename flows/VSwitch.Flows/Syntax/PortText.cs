using System.Globalization;
using VSwitch.Flows.Actions;

namespace VSwitch.Flows.Syntax;

/// <summary>
/// Port numbers and names in flow text: a number is taken as-is, LOCAL is <see cref="OpenFlowPort.Local"/>,
/// anything else goes through the <see cref="IPortNameResolver"/>. Control thread only.
/// </summary>
internal static class PortText
{
    public static ushort Parse(string text, IPortNameResolver? ports, int position)
    {
        if (ValueText.TryParseNumber(text, ushort.MaxValue, out ulong number))
        {
            return (ushort)number;
        }
        if (text.Equals("local", StringComparison.OrdinalIgnoreCase))
        {
            return OpenFlowPort.Local;
        }
        ushort port = 0;
        if (ports is null || !ports.TryResolve(text, out port))
        {
            MatchBuilder.Fail(ports is null ? "port names need a port table; use a port number" : "no port has this name", text, position);
        }
        return port;
    }

    /// <summary>True when <paramref name="text"/> is a port reference (number, LOCAL or a known name).</summary>
    public static bool IsPort(string text, IPortNameResolver? ports) =>
        ValueText.TryParseNumber(text, ushort.MaxValue, out _)
        || text.Equals("local", StringComparison.OrdinalIgnoreCase)
        || (ports is not null && ports.TryResolve(text, out _));

    /// <summary>The port's name when it has one that parses back to the same port, else its number (or LOCAL).</summary>
    public static string Format(ushort port, IPortNameResolver? ports)
    {
        if (port == OpenFlowPort.Local)
        {
            return "LOCAL";
        }
        if (ports is not null && ports.TryGetName(port, out string name) && IsPlainName(name)
            && ports.TryResolve(name, out ushort back) && back == port)
        {
            return name;
        }
        return port.ToString(CultureInfo.InvariantCulture);
    }

    private static bool IsPlainName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]) || ActionParser.IsKeyword(name))
        {
            return false;
        }
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '-' && c != '.')
            {
                return false;
            }
        }
        return true;
    }
}
