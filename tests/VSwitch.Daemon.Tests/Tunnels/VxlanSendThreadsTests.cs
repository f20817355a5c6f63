using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using VSwitch.Daemon.Tests.Forwarding;
using VSwitch.TestKit;
using VSwitch.TestKit.Net;
using Xunit;

namespace VSwitch.Daemon.Tests.Tunnels;

/// <summary>
/// Two datapath threads sending into one vxlan port at once: a vswitchd with <c>--pmd-threads 2</c> whose two tap
/// ports are polled by different threads, each forwarded to the tunnel by a flow; the remote end is a plain UDP socket
/// on the underlay that reads every VXLAN datagram. Each thread's transmit queue is its own, so what each endpoint
/// sent arrives complete and in order, and the per-queue counters show both threads' traffic.
/// </summary>
[Collection(RealPeerCollection.Name)]
public sealed class VxlanSendThreadsTests(ITestOutputHelper output)
{
    private const int Vni = 4343;
    private const int Windows = 25;
    private const int Window = 64;
    private const int PayloadSize = 1000;

    [Fact]
    public void Two_datapath_threads_send_through_one_vxlan_port_at_once_and_every_datagram_arrives_in_order()
    {
        using var hosts = new TunnelHosts();
        NetNamespace a = hosts.Namespace("vxa");
        NetNamespace k = hosts.Namespace("vxk");
        TunnelHosts.Link(a, "10.77.0.1/24", k, "ul", "10.77.0.2/24");
        DaemonProcess d = hosts.Daemon(a, "--pmd-threads", "2");
        using var remote = k.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 8 << 20, ReceiveTimeout = 200 };
            s.Bind(new IPEndPoint(IPAddress.Parse("10.77.0.2"), 4789));
            return s;
        });
        try
        {
            (NetNamespace t1, string if1) = hosts.Endpoint(d, a, "t1", "192.168.77.1/24");
            (NetNamespace t2, string if2) = hosts.Endpoint(d, a, "t2", "192.168.77.3/24");
            TunnelHosts.Tunnel(d, "vx1", "10.77.0.1", "10.77.0.2", Vni);
            TunnelHosts.Ok(d.Ctl("add-flow", "priority=100,in_port=t1,actions=output:vx1"));
            TunnelHosts.Ok(d.Ctl("add-flow", "priority=100,in_port=t2,actions=output:vx1"));
            Assert.Contains("transmit queues: 3", d.Ctl("port-status", "vx1").Stdout, StringComparison.Ordinal);
            int thread1 = Owner(d, "t1"), thread2 = Owner(d, "t2");
            Assert.NotEqual(thread1, thread2);
            // No ARP: each endpoint sends to a made-up neighbour behind the tunnel.
            HostCommand.Ip("-n", t1.Name, "neigh", "add", "192.168.77.9", "lladdr", "02:00:00:77:00:09", "dev", if1);
            HostCommand.Ip("-n", t2.Name, "neigh", "add", "192.168.77.9", "lladdr", "02:00:00:77:00:09", "dev", if2);

            var receiver = new Receiver(remote);
            var senders = new[] { new Sender(t1, "192.168.77.1", 0), new Sender(t2, "192.168.77.3", 1) };
            using var start = new Barrier(senders.Length);
            var errors = new List<Exception>();
            Thread[] threads = [.. senders.Select(s => new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    s.Run(receiver);
                }
                catch (Exception e)
                {
                    lock (errors)
                    {
                        errors.Add(e);
                    }
                }
            }) { IsBackground = true })];
            var reading = new Thread(receiver.Run) { IsBackground = true };
            reading.Start();
            foreach (Thread t in threads)
            {
                t.Start();
            }
            foreach (Thread t in threads)
            {
                Assert.True(t.Join(TimeSpan.FromMinutes(5)), "a sender did not finish");
            }
            Assert.Empty(errors);
            // Everything vswitchd sent into the tunnel reached the remote socket (nothing else uses the flows' ports).
            Eventually.True(() => receiver.Datagrams == TunnelHosts.Counter(d, "vx1", "tx"), "every datagram vswitchd sent to arrive",
                detail: () => $"{receiver.Datagrams} received; " + d.Ctl("port-stats", "vx1", "--json").Stdout);
            receiver.Stop();
            reading.Join(TimeSpan.FromSeconds(10));
            foreach (Sender s in senders)
            {
                Assert.Equal(Enumerable.Range(0, Windows * Window), receiver.Sequence(s.Id));
                Assert.Equal(Convert.ToHexString(s.Md5()), Convert.ToHexString(receiver.Md5(s.Id)));
            }
            Assert.Equal(0, Drops(d));
            long[] perQueue = TxPerQueue(d);
            output.WriteLine($"vx1 transmit queues: {string.Join(", ", perQueue)} packets; t1 on thread {thread1}, t2 on thread {thread2}");
            Assert.True(perQueue[thread1] >= Windows * Window && perQueue[thread2] >= Windows * Window,
                $"each thread's datagrams went out on its own queue: {string.Join(", ", perQueue)}");
        }
        catch
        {
            output.WriteLine("--- vswitchd log:\n" + d.Log);
            output.WriteLine(d.Ctl("port-stats", "--queues").Stdout);
            throw;
        }
    }

    /// <summary>The datapath thread polling <paramref name="port"/>'s receive queue.</summary>
    private static int Owner(DaemonProcess d, string port)
    {
        foreach (JsonElement thread in d.Ctl("pmd-rxq-show", "--json").Json().GetProperty("threads").EnumerateArray())
        {
            foreach (JsonElement queue in thread.GetProperty("queues").EnumerateArray())
            {
                if (queue.GetProperty("port").GetString() == port)
                {
                    return thread.GetProperty("thread").GetInt32();
                }
            }
        }
        throw new InvalidOperationException($"no thread polls {port}");
    }

    private static long Drops(DaemonProcess d) =>
        d.Ctl("port-stats", "vx1", "--json").Json().GetProperty("ports").EnumerateArray().Single().GetProperty("tx").GetProperty("drops").GetInt64();

    private static long[] TxPerQueue(DaemonProcess d) =>
        [.. d.Ctl("port-stats", "vx1", "--queues", "--json").Json().GetProperty("ports").EnumerateArray().Single().GetProperty("queues")
            .EnumerateArray().Select(q => q.GetProperty("tx").GetProperty("packets").GetInt64())];

    /// <summary>
    /// One endpoint: a UDP socket in its namespace sending <see cref="Windows"/> windows of <see cref="Window"/>
    /// numbered datagrams (byte 0 its id, bytes 1..4 the number, the rest seeded random), each window only once the
    /// receiver has all of the previous one, so no queue on the way (the tap's, the datapath's) overflows however slow
    /// the machine is.
    /// </summary>
    private sealed class Sender
    {
        private readonly Socket _socket;
        private readonly IPEndPoint _to = new(IPAddress.Parse("192.168.77.9"), 9000);
        private readonly List<byte[]> _payloads = [];

        public Sender(NetNamespace ns, string local, int id)
        {
            Id = id;
            _socket = ns.Run(() =>
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                s.Bind(new IPEndPoint(IPAddress.Parse(local), 0));
                return s;
            });
            var random = new Random(1000 + id);
            for (int i = 0; i < Windows * Window; i++)
            {
                byte[] p = new byte[PayloadSize];
                random.NextBytes(p);
                p[0] = (byte)id;
                BinaryPrimitives.WriteInt32BigEndian(p.AsSpan(1), i);
                _payloads.Add(p);
            }
        }

        public int Id { get; }

        public void Run(Receiver receiver)
        {
            using (_socket)
            {
                for (int w = 0; w < Windows; w++)
                {
                    for (int i = w * Window; i < (w + 1) * Window; i++)
                    {
                        _socket.SendTo(_payloads[i], _to);
                    }
                    int wanted = (w + 1) * Window;
                    Eventually.True(() => receiver.Count(Id) >= wanted, $"endpoint {Id}'s window {w} to arrive",
                        detail: () => $"{receiver.Count(Id)} of {wanted} arrived");
                }
            }
        }

        public byte[] Md5() => MD5.HashData(_payloads.SelectMany(p => p).ToArray());
    }

    /// <summary>Reads VXLAN datagrams on the remote's socket and keeps each endpoint's payloads in arrival order.</summary>
    private sealed class Receiver(Socket socket)
    {
        private readonly List<byte[]>[] _payloads = [[], []];
        private volatile bool _stop;
        private long _datagrams;

        public long Datagrams => Interlocked.Read(ref _datagrams);

        public int Count(int id)
        {
            lock (_payloads)
            {
                return _payloads[id].Count;
            }
        }

        public IEnumerable<int> Sequence(int id)
        {
            lock (_payloads)
            {
                return [.. _payloads[id].Select(p => BinaryPrimitives.ReadInt32BigEndian(p.AsSpan(1)))];
            }
        }

        public byte[] Md5(int id)
        {
            lock (_payloads)
            {
                return MD5.HashData(_payloads[id].SelectMany(p => p).ToArray());
            }
        }

        public void Stop() => _stop = true;

        public void Run()
        {
            var buffer = new byte[65536];
            while (!_stop)
            {
                int n;
                try
                {
                    n = socket.Receive(buffer);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
                {
                    continue;
                }
                Interlocked.Increment(ref _datagrams);
                // VXLAN (8) + Ethernet (14) + IPv4 (20, no options from these senders) + UDP (8), then the payload.
                const int Offset = 8 + 14 + 20 + 8;
                if (n == Offset + PayloadSize && BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(8 + 12)) == 0x0800
                    && buffer[Offset] is 0 or 1)
                {
                    lock (_payloads)
                    {
                        _payloads[buffer[Offset]].Add(buffer.AsSpan(Offset, PayloadSize).ToArray());
                    }
                }
            }
        }
    }
}
