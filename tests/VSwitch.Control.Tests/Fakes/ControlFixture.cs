using Microsoft.Extensions.Logging.Abstractions;
using VSwitch.Control.Model;
using VSwitch.Control.Ports;
using VSwitch.Control.Rpc;
using VSwitch.Control.Store;
using VSwitch.Daemon.Ports;
using VSwitch.TestKit;

namespace VSwitch.Control.Tests.Fakes;

/// <summary>A control plane over a fake runtime and a real DB in a temporary directory.</summary>
public sealed class ControlFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public ControlFixture(SwitchConfig? initial = null)
    {
        DbPath = _dir.File("conf.json");
        RunDir = _dir.File("run");
        Directory.CreateDirectory(RunDir);
        Store = ConfigStore.Open(DbPath);
        // The real vhost-user types: their option rules are what add-port applies; ports are the fake runtime's business.
        Types.Register(new VhostUserPortType(clientMode: false, NullLoggerFactory.Instance));
        Types.Register(new VhostUserPortType(clientMode: true, NullLoggerFactory.Instance));
        Control = new ControlPlane(initial ?? Store.Load(), Store, Runtime, Types, new PortTypeContext(RunDir), Clock,
            NullLogger.Instance);
        Control.Restore();
        Dispatcher = ControlMethods.CreateDispatcher(Control);
    }

    public string DbPath { get; }

    public string RunDir { get; }

    public ConfigStore Store { get; }

    public FakeRuntime Runtime { get; } = new();

    public PortTypeRegistry Types { get; } = new();

    public ManualClock Clock { get; } = new() { NowMilliseconds = 1_000_000 };

    public ControlPlane Control { get; }

    public RpcDispatcher Dispatcher { get; }

    public string TempPath(string name) => _dir.File(name);

    /// <summary>What a restarted daemon would load.</summary>
    public SwitchConfig StoredConfig() => ConfigStore.LoadFile(DbPath);

    public void Dispose()
    {
        Store.Dispose();
        _dir.Dispose();
    }
}
