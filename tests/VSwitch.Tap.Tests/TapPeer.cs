using System.Diagnostics;
using VSwitch.Core.Net;
using VSwitch.Core.Packets;
using VSwitch.Core.Ports;
using VSwitch.Ports.Tap;
using VSwitch.TestKit;
using VSwitch.TestKit.Net;

using Xunit;

namespace VSwitch.Tap.Tests;

/// <summary>
/// A <see cref="TapPort"/> whose interface was moved into a namespace of its own and given 10.77.0.1/24: the kernel
/// there is the real peer. The port side speaks as 10.77.0.2 with <see cref="Frames.OurMac"/>.
/// </summary>
internal sealed class TapPeer : IDisposable
{
    public const string KernelIp = "10.77.0.1";
    public const string OurIp = "10.77.0.2";

    public TapPeer(int queues = 1, int? mtu = null, bool offloads = true)
    {
        Prerequisite.Require(Prerequisite.IsRoot, "TAP tests need root (CAP_NET_ADMIN and netns)");
        Prerequisite.Require(File.Exists("/dev/net/tun"), "/dev/net/tun is missing");
        IfName = HostCommand.UniqueName("vtp");
        Port = TapPort.Open(new TapPortOptions { Name = "p", IfName = IfName, Queues = queues, Mtu = mtu, Offloads = offloads }, new PortId(1));
        Namespace = new NetNamespace("vtn");
        // IPv6 off: the kernel's own frames (DAD, MLD, router solicitations) would arrive at random moments.
        Namespace.Adopt(IfName, KernelIp + "/24", ipv6: false);
        KernelMac = MacAddress.Parse(Namespace.ReadSys($"/sys/class/net/{IfName}/address"));
        Pool = new PacketPool(256, 10_000);
    }

    public string IfName { get; }

    public TapPort Port { get; }

    public NetNamespace Namespace { get; }

    public MacAddress KernelMac { get; }

    public PacketPool Pool { get; }

    /// <summary>Sends copies of <paramref name="frames"/> on <paramref name="queue"/>.</summary>
    public void Send(int queue, params byte[][] frames)
    {
        var batch = new PacketBatch();
        foreach (byte[] f in frames)
        {
            Assert.True(Pool.TryRent(out PacketBuffer? p));
            Assert.True(p.TryCopyFrom(f));
            batch.TryAdd(p);
        }
        Port.Send(queue, batch);
        Assert.Equal(0, batch.Count);
    }

    /// <summary>
    /// Polls every queue until <paramref name="wanted"/> frames matching <paramref name="match"/> arrived or
    /// <paramref name="timeoutMs"/> passed (generous: only a failing test waits that long); returns copies of the matches.
    /// </summary>
    public List<byte[]> ReceiveUntil(Func<byte[], bool> match, int wanted, int timeoutMs = 30_000)
    {
        var found = new List<byte[]>();
        var batch = new PacketBatch();
        var watch = Stopwatch.StartNew();
        while (found.Count < wanted && watch.ElapsedMilliseconds < timeoutMs)
        {
            bool any = false;
            for (int q = 0; q < Port.RxQueueCount; q++)
            {
                int n = Port.Receive(q, batch);
                any |= n > 0;
                for (int i = 0; i < batch.Count; i++)
                {
                    Assert.Equal(Port.Id, batch[i].InPort);
                    byte[] copy = batch[i].Span.ToArray();
                    if (match(copy))
                    {
                        found.Add(copy);
                    }
                }
                batch.FreeAll();
            }
            if (!any)
            {
                Thread.Sleep(2);
            }
        }
        return found;
    }

    public void Dispose()
    {
        Port.Dispose();
        Namespace.Dispose();
    }
}
