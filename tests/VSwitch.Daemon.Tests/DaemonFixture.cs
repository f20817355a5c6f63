namespace VSwitch.Daemon.Tests;

/// <summary>One running vswitchd shared by the tests of a class (they use distinct port names).</summary>
public sealed class DaemonFixture : IDisposable
{
    public DaemonFixture()
    {
        Daemon = new DaemonProcess();
        Daemon.Start();
    }

    public DaemonProcess Daemon { get; }

    public void Dispose() => Daemon.Dispose();
}
