using VSwitch.TestKit;

namespace VSwitch.Service.Tests;

/// <summary>
/// One install for the whole test assembly (the build inside it is the slow part), made by the first test that needs
/// it, after that test has checked the prerequisites; removed again (uninstall --purge, tree deleted) at the end.
/// </summary>
public sealed class InstallFixture : IDisposable
{
    private readonly Lazy<InstalledTree> _tree = new(InstalledTree.Install, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Skips (or fails in CI) unless installing and running the service can be emulated here; returns the install.</summary>
    public InstalledTree Require()
    {
        RequireTools();
        return _tree.Value;
    }

    /// <summary>Root and the tools the install and the service emulation use.</summary>
    public static void RequireTools()
    {
        Prerequisite.Require(Prerequisite.IsRoot, "installing needs root (groupadd, chown, setpriv)");
        foreach (string tool in (string[])["dotnet", "setpriv", "systemd-tmpfiles", "groupadd", "useradd", "stat"])
        {
            Prerequisite.Require(Prerequisite.FindOnPath(tool) is not null, $"{tool} not found (scripts/setup.sh installs what is missing)");
        }
    }

    public void Dispose()
    {
        if (_tree.IsValueCreated)
        {
            _tree.Value.Dispose();
        }
    }
}
