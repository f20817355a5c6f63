using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Ports.Vxlan;
using VSwitch.TestKit;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Vxlan.Tests;

/// <summary>
/// VXLAN ports on the loopback of a network namespace of their own (so no UDP port clashes with the host, and the
/// loopback's MTU can be set): "host A" is 127.0.0.1, "host B" 127.0.0.2, anything else in 127/8 is a stranger. Every
/// socket is opened inside the namespace; the ports are then driven from the test's thread.
/// </summary>
internal sealed class VxlanRig : IDisposable
{
    public const string A = "127.0.0.1";
    public const string B = "127.0.0.2";

    private readonly List<IDisposable> _owned = [];

    public VxlanRig(int? loopbackMtu = null)
    {
        Prerequisite.Require(Prerequisite.IsRoot, "VXLAN port tests need root (a network namespace per test)");
        Namespace = new NetNamespace("vxu");
        if (loopbackMtu is int mtu)
        {
            HostCommand.Ip("-n", Namespace.Name, "link", "set", "lo", "mtu", mtu.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        Pool = new PacketPool(512, 10_000);
    }

    public NetNamespace Namespace { get; }

    public VxlanEndpoints Endpoints { get; } = new();

    public PacketPool Pool { get; }

    public static uint Ip(string text) => VxlanPortOptions.TryParseIpv4(text, out uint ip) ? ip : throw new ArgumentException(text);

    /// <summary>Opens a port in the namespace, local <paramref name="local"/>, remote <paramref name="remote"/> (null: flow).</summary>
    public VxlanPort Open(ushort id, string local, string? remote, uint? vni = 42, Func<VxlanPortOptions, VxlanPortOptions>? change = null)
    {
        var options = new VxlanPortOptions { Name = "vx" + id, LocalIp = Ip(local), RemoteIp = remote is null ? null : Ip(remote), Vni = vni };
        options = change?.Invoke(options) ?? options;
        VxlanPort port = Namespace.Run(() => VxlanPort.Open(options, new PortId(id), Endpoints));
        _owned.Add(port);
        return port;
    }

    /// <summary>A plain UDP socket bound to <paramref name="local"/> (port 0 = any) in the namespace, for crafted datagrams.</summary>
    public Socket Udp(string local, int port = 0)
    {
        Socket s = Namespace.Run(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(local), port));
            return socket;
        });
        _owned.Add(s);
        return s;
    }

    /// <summary>A raw socket in the namespace that sees every UDP packet arriving with its IPv4 header.</summary>
    public Socket RawUdp()
    {
        Socket s = Namespace.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Udp));
        s.ReceiveTimeout = 5_000;
        _owned.Add(s);
        return s;
    }

    /// <summary>Sends copies of <paramref name="frames"/> through <paramref name="port"/>.</summary>
    public void Send(VxlanPort port, IEnumerable<byte[]> frames)
    {
        var batch = new PacketBatch();
        foreach (byte[] f in frames)
        {
            Assert.True(Pool.TryRent(out PacketBuffer? p));
            Assert.True(p.TryCopyFrom(f));
            batch.TryAdd(p);
            if (batch.IsFull)
            {
                port.Send(0, batch);
            }
        }
        port.Send(0, batch);
        Assert.Equal(0, batch.Count);
    }

    /// <summary>Sends a crafted datagram (the whole UDP payload) from <paramref name="from"/> to <paramref name="to"/>:4789.</summary>
    public static void SendDatagram(Socket from, string to, byte[] payload, int port = VxlanHeader.DefaultPort) =>
        from.SendTo(payload, new IPEndPoint(IPAddress.Parse(to), port));

    /// <summary>A VXLAN datagram carrying <paramref name="frame"/> with <paramref name="vni"/>.</summary>
    public static byte[] Datagram(uint vni, byte[] frame)
    {
        var d = new byte[VxlanHeader.Size + frame.Length];
        VxlanHeader.Write(d, vni);
        frame.CopyTo(d, VxlanHeader.Size);
        return d;
    }

    /// <summary>
    /// Polls <paramref name="poller"/> until <paramref name="wanted"/> packets arrived or <paramref name="timeoutMs"/>
    /// passed; returns copies with their in-ports. Each receive is completed and its packets freed, as the datapath does.
    /// </summary>
    public static List<(byte[] Frame, PortId InPort)> Receive(VxlanPort poller, int wanted, int timeoutMs = 5_000)
    {
        var got = new List<(byte[], PortId)>();
        var batch = new PacketBatch();
        var clock = Stopwatch.StartNew();
        while (got.Count < wanted && clock.ElapsedMilliseconds < timeoutMs)
        {
            int n = poller.Receive(0, batch);
            if (n == 0)
            {
                Thread.Sleep(1);
                continue;
            }
            for (int i = 0; i < batch.Count; i++)
            {
                Assert.True(batch[i].IsExternal);
                got.Add((batch[i].Span.ToArray(), batch[i].InPort));
            }
            batch.FreeAll();
            poller.CompleteReceive(0);
        }
        return got;
    }

    /// <summary>Receives until nothing came for <paramref name="quietMs"/>; returns how many packets arrived.</summary>
    public static int Drain(VxlanPort poller, int quietMs = 300) => Receive(poller, int.MaxValue, quietMs).Count;

    /// <summary>A UDP frame of <paramref name="size"/> bytes in flow <paramref name="flow"/>, numbered <paramref name="seq"/> in its last 4 bytes.</summary>
    public static byte[] Frame(int flow, int size, int seq)
    {
        byte[] f = PacketFactory.Ipv4Udp(srcPort: (ushort)(10_000 + flow), payloadLength: size - 42);
        BinaryPrimitives.WriteInt32BigEndian(f.AsSpan(size - 4), seq);
        return f;
    }

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
        Namespace.Dispose();
    }
}
