using System.Diagnostics;
using VSwitch.Control.Model;
using VSwitch.Control.Store;
using VSwitch.Control.Tests.Fakes;
using Xunit;

namespace VSwitch.Control.Tests.Store;

/// <summary>
/// Fault injection: a child process saves the DB in a tight loop and is SIGKILLed at random moments; whatever
/// the moment, the DB must load and be one complete generation written by the child.
/// </summary>
public sealed class KillDuringWriteTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Db_always_loads_after_the_writer_is_killed_mid_save(int seed)
    {
        string writer = TestBinaries.DbWriter();
        using var dir = new TempDir();
        string db = dir.File("conf.json");
        var random = new Random(seed);
        int kills = 0;
        int sawGenerations = 0;
        for (int round = 0; round < 8; round++)
        {
            using Process child = StartWriter(writer, db);
            string? first = child.StandardOutput.ReadLine();
            Assert.Equal("ready", first);
            Thread.Sleep(random.Next(0, 40));
            child.Kill();
            Assert.True(child.WaitForExit(10_000), "the writer did not die");
            kills++;

            SwitchConfig loaded = ConfigStore.LoadFile(db);
            Assert.Null(loaded.FindProblem());
            int g = loaded.Ports.Length;
            Assert.InRange(g, 1, 200);
            Assert.Equal(g + 1, loaded.Flows.Length);
            Assert.Equal("p" + g, loaded.Ports[^1].Name);
            sawGenerations += g;
        }
        Assert.Equal(8, kills);
        Assert.True(sawGenerations > 8, "the writer never got past its first save");
    }

    private static Process StartWriter(string writer, string db)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(writer);
        start.ArgumentList.Add(db);
        return Process.Start(start) ?? throw new InvalidOperationException("cannot start the DB writer");
    }
}
