using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace VSwitch.OpenFlow.Transport;

/// <summary>
/// A controller address as OVS writes it: <c>tcp:HOST[:PORT]</c>, the port 6653 (IANA's OpenFlow port) when
/// omitted; an IPv6 host in brackets (<c>tcp:[2001:db8::1]:6653</c>). Immutable.
/// </summary>
/// <param name="Host">Host name or address.</param>
/// <param name="Port">TCP port.</param>
public sealed record ControllerTarget(string Host, int Port)
{
    /// <summary>The OpenFlow port IANA assigned.</summary>
    public const int DefaultPort = 6653;

    /// <summary>Parses <paramref name="text"/>; <paramref name="error"/> says what is wrong otherwise.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ControllerTarget? target, [NotNullWhen(false)] out string? error)
    {
        target = null;
        if (text is null || !text.StartsWith("tcp:", StringComparison.Ordinal))
        {
            error = $"'{text}' is not a controller target (expected tcp:HOST[:PORT])";
            return false;
        }
        string rest = text[4..];
        string host;
        string? port = null;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < rest.Length && rest[close + 1] != ':'))
            {
                error = $"'{text}': an IPv6 address goes in brackets, e.g. tcp:[2001:db8::1]:6653";
                return false;
            }
            host = rest[1..close];
            port = close + 1 < rest.Length ? rest[(close + 2)..] : null;
        }
        else
        {
            int colon = rest.IndexOf(':', StringComparison.Ordinal);
            host = colon < 0 ? rest : rest[..colon];
            port = colon < 0 ? null : rest[(colon + 1)..];
        }
        int p = DefaultPort;
        if (host.Length == 0 || (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out p) || p is < 1 or > 65535)))
        {
            error = $"'{text}': expected tcp:HOST[:PORT] with a port from 1 to 65535";
            return false;
        }
        target = new ControllerTarget(host, p);
        error = null;
        return true;
    }

    /// <summary><c>tcp:HOST:PORT</c>.</summary>
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"tcp:[{Host}]:{Port}" : $"tcp:{Host}:{Port}";
}
