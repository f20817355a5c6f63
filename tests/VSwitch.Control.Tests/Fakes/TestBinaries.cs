namespace VSwitch.Control.Tests.Fakes;

/// <summary>Finds the programs built beside this test project, in the same configuration.</summary>
public static class TestBinaries
{
    /// <summary>The DB writer used by the fault-injection test (built through a project reference).</summary>
    public static string DbWriter()
    {
        // AppContext.BaseDirectory is .../tests/VSwitch.Control.Tests/bin/CONFIG/TFM/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        string tfm = output.Name;
        string configuration = output.Parent!.Name;
        string project = output.Parent!.Parent!.Parent!.FullName;
        string path = Path.Combine(project, "DbWriter", "bin", configuration, tfm, "vswitch-dbwriter.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("the DB writer was not built", path);
    }
}
