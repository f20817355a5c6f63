using VSwitch.Core.Time;
using VSwitch.OpenFlow.Connection;
using VSwitch.OpenFlow.Transport;

namespace VSwitch.OpenFlow.Tests.Fakes;

/// <summary>A fake switch behind a real management socket in a temporary folder of its own.</summary>
public sealed class TestBridge : IAsyncDisposable
{
    private readonly string _dir;

    public TestBridge(OpenFlowOptions? options = null, IClock? clock = null)
    {
        _dir = Path.Combine(Path.GetTempPath(), $"vsof-{Environment.ProcessId}-{Guid.NewGuid():N}"[..28]);
        Directory.CreateDirectory(_dir);
        SocketPath = Path.Combine(_dir, "br0.mgmt");
        Switch = new FakeSwitch();
        Hub = new OpenFlowHub(Switch, clock ?? new MonotonicClock(), Log, options);
        Listener = OfpListener.Unix(Hub, SocketPath);
        Listener.Start();
    }

    public string SocketPath { get; }

    public ListLogger Log { get; } = new();

    public FakeSwitch Switch { get; }

    public OpenFlowHub Hub { get; }

    public OfpListener Listener { get; }

    public async ValueTask DisposeAsync()
    {
        await Listener.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
