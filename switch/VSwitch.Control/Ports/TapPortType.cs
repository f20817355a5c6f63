using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using VSwitch.Control.Model;
using VSwitch.Core.Ports;
using VSwitch.Rpc.Messages;

namespace VSwitch.Control.Ports;

/// <summary>
/// The option rules of the <c>tap</c> port type: <c>ifname</c> (the Linux interface to create or attach to; default
/// the port name, at most 15 bytes) and <c>queues</c> (1..16, default 1; more than one makes a multi_queue tap).
/// <see cref="NormalizeOptions"/> stores both, so a restart re-creates the same interface. The MTU is the port's
/// generic <c>mtu</c> setting. The composition root derives from it to create the real ports. Control thread only.
/// </summary>
public abstract class TapPortType : IPortType
{
    /// <summary>The type name.</summary>
    public const string TypeName = "tap";

    /// <summary>Option key of the interface name.</summary>
    public const string IfName = "ifname";

    /// <summary>Option key of the queue count.</summary>
    public const string Queues = "queues";

    /// <summary>Most queues a tap port may have.</summary>
    public const int MaxQueues = 16;

    /// <summary>Longest interface name: IFNAMSIZ is 16 bytes including the terminating NUL (netdevice(7)).</summary>
    public const int MaxIfNameBytes = 15;

    private static readonly string[] s_keys = [IfName, Queues];

    /// <inheritdoc/>
    public string Type => TypeName;

    /// <inheritdoc/>
    public string Description => "Linux TAP interface (/dev/net/tun), created by the switch or an existing persistent one";

    /// <inheritdoc/>
    public ImmutableSortedDictionary<string, string> NormalizeOptions(string portName, IReadOnlyDictionary<string, string> options,
        PortTypeContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in options)
        {
            if (Array.IndexOf(s_keys, key) < 0)
            {
                throw ControlException.Invalid($"port type {TypeName} has no option '{key}' (known: {string.Join(", ", s_keys)})");
            }
            result[key] = value;
        }
        string ifName = result.GetValueOrDefault(IfName) ?? portName;
        if (CheckIfName(ifName) is string problem)
        {
            throw ControlException.Invalid(result.ContainsKey(IfName)
                ? $"ifname: {problem}"
                : $"{problem}; the interface name defaults to the port name, give another with --ifname");
        }
        result[IfName] = ifName;
        string queues = result.GetValueOrDefault(Queues) ?? "1";
        if (!int.TryParse(queues, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n is < 1 or > MaxQueues)
        {
            throw ControlException.Invalid($"queues '{queues}' is not a number in 1..{MaxQueues}");
        }
        result[Queues] = n.ToString(CultureInfo.InvariantCulture);
        return result.ToImmutable();
    }

    /// <inheritdoc/>
    public string? SocketPath(PortConfig port) => null;

    /// <inheritdoc/>
    public abstract IPort Create(PortConfig port);

    /// <inheritdoc/>
    public abstract PortStatusResult Describe(IPort port, PortConfig config);

    /// <inheritdoc/>
    public virtual bool TryChangeMtu(IPort port, PortConfig next) => false;

    /// <summary>Null when <paramref name="ifName"/> can name a Linux interface, else why not (the kernel's dev_valid_name rule).</summary>
    public static string? CheckIfName(string? ifName)
    {
        if (string.IsNullOrEmpty(ifName))
        {
            return "interface name is empty";
        }
        if (Encoding.UTF8.GetByteCount(ifName) > MaxIfNameBytes)
        {
            return $"interface name '{ifName}' is longer than {MaxIfNameBytes} bytes";
        }
        if (ifName is "." or "..")
        {
            return $"interface name '{ifName}' is not allowed";
        }
        foreach (char c in ifName)
        {
            if (c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return $"interface name '{ifName}' contains '/', ':', a space or a control character";
            }
        }
        return null;
    }
}
