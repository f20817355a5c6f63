namespace VSwitch.TestKit.Guests;

/// <summary>
/// Everything that shapes one test guest: its virtio-net NIC, its vhost-user socket, its QEMU resources and the role
/// its init plays (passed as <c>vs.*</c> kernel parameters, see <c>tests/guests/README.md</c>). Immutable.
/// </summary>
public sealed record GuestOptions
{
    /// <summary>A short name for logs and QEMU's <c>-name</c> (letters, digits, '-').</summary>
    public required string Name { get; init; }

    /// <summary>The NIC's MAC address, <c>xx:xx:xx:xx:xx:xx</c>.</summary>
    public required string Mac { get; init; }

    /// <summary>The vhost-user unix socket path (no commas: QEMU's option syntax).</summary>
    public required string SocketPath { get; init; }

    /// <summary>Which side listens on the socket.</summary>
    public GuestSocketMode SocketMode { get; init; } = GuestSocketMode.QemuClient;

    /// <summary>Queue pairs of the NIC (<c>queues=</c>; above 1 also <c>mq=on</c>). Linux uses min(queues, CPUs).</summary>
    public int Queues { get; init; } = 1;

    /// <summary>Guest CPUs (<c>-smp</c>).</summary>
    public int Cpus { get; init; } = 1;

    /// <summary>Guest memory in MiB, a shareable memfd so the backend can map it.</summary>
    public int MemoryMb { get; init; } = 256;

    /// <summary>The device's MTU (<c>host_mtu=</c>, offers VIRTIO_NET_F_MTU); the guest adopts it. Null: not offered.</summary>
    public int? HostMtu { get; init; }

    /// <summary>Mergeable rx buffers (<c>mrg_rxbuf=</c>). Null: QEMU's default (on).</summary>
    public bool? MergeableRxBuffers { get; init; }

    /// <summary>
    /// False turns the NIC's checksum and TCP segmentation offloads off in QEMU (<c>csum=off,guest_csum=off,
    /// guest_tso4=off,guest_tso6=off,host_tso4=off,host_tso6=off</c>): the guest then computes every checksum and sends
    /// and takes only MTU-sized frames, whatever the backend offers (it still acks the ECN bits, which mean nothing
    /// without TSO). True: QEMU's defaults.
    /// </summary>
    public bool Offloads { get; init; } = true;

    /// <summary>Packed virtqueues on the guest's device (<c>packed=on</c>, VIRTIO_F_RING_PACKED); QEMU's default is split.</summary>
    public bool PackedRing { get; init; }

    /// <summary>
    /// A network namespace QEMU runs in (<c>ip netns exec</c>, which execs QEMU, so the PID stays QEMU's): its TCP
    /// sockets (a migration stream, <see cref="Incoming"/>) use that namespace's addresses. Null: the test's own namespace.
    /// </summary>
    public string? Netns { get; init; }

    /// <summary>Host CPUs QEMU may run on (<c>taskset -c</c> list, e.g. <c>"1"</c>), away from a busy-polling backend. Null: any.</summary>
    public string? CpuAffinity { get; init; }

    /// <summary>QEMU machine type; <c>pc</c> reached link-up slightly sooner than <c>q35</c> here.</summary>
    public string Machine { get; init; } = "pc";

    /// <summary>Boot the bzImage instead of the uncompressed kernel (about 7 s to link-up instead of about 4).</summary>
    public bool BootCompressedKernel { get; init; }

    /// <summary>QEMU is killed when it runs longer than this.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Comma-separated roles, run in order: features, reach, ping, probe, send, recv, duplex, pinger, pingend, hold, idle, reload.</summary>
    public string Role { get; init; } = "features";

    /// <summary>The guest's address with prefix, e.g. <c>10.0.0.1/24</c>.</summary>
    public string? Ip { get; init; }

    /// <summary>The peer's address for reach, ping and send.</summary>
    public string? Peer { get; init; }

    /// <summary>The guest interface's MTU, set before it comes up (<c>vs.mtu</c>).</summary>
    public int? Mtu { get; init; }

    /// <summary>Echo requests the ping role sends after the peer first answered.</summary>
    public int? PingCount { get; init; }

    /// <summary>Seconds between echo requests of ping and pinger (<c>ping -i</c>; the init's default is 0.2).</summary>
    public double? PingInterval { get; init; }

    /// <summary>ICMP payload bytes per echo request (<c>ping -s</c>).</summary>
    public int? PingSize { get; init; }

    /// <summary>Bytes the send role transfers (see <see cref="GuestPayload"/>).</summary>
    public long? Bytes { get; init; }

    /// <summary>TCP port of send and recv (stream i uses this port + i).</summary>
    public int? Port { get; init; }

    /// <summary>Parallel TCP connections of send and recv, stream i on guest CPU i mod CPUs (so on queue pair i).</summary>
    public int? Streams { get; init; }

    /// <summary>Seconds for idle, and the bound on one transfer.</summary>
    public int? Seconds { get; init; }

    /// <summary>Attempts (about a second each) reach and send make before giving up.</summary>
    public int? WaitSeconds { get; init; }

    /// <summary>
    /// Microseconds the recv role pauses after each read of at most 64 KiB (<c>vs.pace</c>): received data then waits
    /// in the guest's socket buffers, and a transfer lasts at least bytes / (64 KiB / pace). Null: reads at once.
    /// </summary>
    public int? Pace { get; init; }

    /// <summary>Extra kernel command line words, each <c>name=value</c> (e.g. <c>init_on_alloc=0</c>).</summary>
    public IReadOnlyList<string> KernelExtra { get; init; } = [];

    /// <summary><c>guest_announce=</c> of the NIC (VIRTIO_NET_F_GUEST_ANNOUNCE). Null: QEMU's default (on).</summary>
    public bool? GuestAnnounce { get; init; }

    /// <summary>A unix socket path on which QEMU serves QMP (<see cref="Qmp"/>). Null: no QMP.</summary>
    public string? QmpSocket { get; init; }

    /// <summary>
    /// Starts QEMU as a live-migration destination (<c>-incoming</c>, e.g. <c>unix:/path</c>): it loads the migration
    /// stream instead of booting. Null: boots.
    /// </summary>
    public string? Incoming { get; init; }
}
