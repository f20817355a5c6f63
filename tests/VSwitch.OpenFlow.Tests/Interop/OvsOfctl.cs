using VSwitch.TestKit;
using VSwitch.TestKit.Net;

namespace VSwitch.OpenFlow.Tests.Interop;

/// <summary>Runs the real ovs-ofctl (Debian openvswitch-common) with OpenFlow 1.3 against a socket.</summary>
public static class OvsOfctl
{
    public static string? Path => Prerequisite.FindOnPath("ovs-ofctl");

    public static void Require() => Prerequisite.Require(Path is not null, "ovs-ofctl not installed (apt-get install openvswitch-common)");

    /// <summary>Runs <c>ovs-ofctl -O OpenFlow13 COMMAND unix:SOCKET ARGS</c>; returns exit code and output.</summary>
    public static (int Code, string Out, string Err) Run(string socket, string command, params string[] args)
    {
        var all = new List<string> { "-O", "OpenFlow13", "--timeout=20", command, "unix:" + socket };
        all.AddRange(args);
        return HostCommand.Run(Path!, all, 30_000);
    }

    /// <summary>Runs and fails the test with stderr when ovs-ofctl does not exit 0; returns stdout.</summary>
    public static string Ok(string socket, string command, params string[] args)
    {
        (int code, string output, string err) = Run(socket, command, args);
        return code == 0 ? output : throw new Xunit.Sdk.XunitException($"ovs-ofctl {command} {string.Join(' ', args)} exited {code}: {err}{output}");
    }
}
