using System.Text.Json;
using Xunit;

namespace VSwitch.Daemon.Tests;

/// <summary>fdb-show, fdb-flush, set and the pmd-* commands through the real programs.</summary>
public sealed class SwitchCommandTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private readonly DaemonProcess _d = fixture.Daemon;

    [Fact]
    public void Fdb_commands_answer_for_an_empty_table_and_name_unknown_ports()
    {
        Assert.Equal(0, _d.Ctl("add-port", "f1", "vhostuser").ExitCode);
        JsonElement fdb = _d.Ctl("fdb-show", "--json").Json();
        Assert.Equal(JsonValueKind.Array, fdb.GetProperty("entries").ValueKind);
        Assert.Contains("MAC", _d.Ctl("fdb-show").Stdout, StringComparison.Ordinal);
        Assert.Equal(0, _d.Ctl("fdb-flush", "--json").Json().GetProperty("flushed").GetInt32());
        Assert.Equal(0, _d.Ctl("fdb-flush", "f1").ExitCode);
        CtlResult bad = _d.Ctl("fdb-flush", "f9");
        Assert.Equal(1, bad.ExitCode);
        Assert.Equal("vswitchctl: no port named 'f9'", bad.Stderr.Trim());
    }

    [Fact]
    public void Set_changes_settings_that_show_reports()
    {
        Assert.Equal(0, _d.Ctl("set", "mac-aging-time=60", "mac-table-size=2048").ExitCode);
        JsonElement settings = _d.Ctl("show", "--json").Json().GetProperty("settings");
        Assert.Equal(60, settings.GetProperty("mac_aging_time").GetInt32());
        Assert.Equal(2048, settings.GetProperty("mac_table_size").GetInt32());
        Assert.Equal(1, settings.GetProperty("pmd_threads").GetInt32());
        Assert.Contains("mac-aging-time: 60", _d.Ctl("show").Stdout, StringComparison.Ordinal);

        CtlResult bad = _d.Ctl("set", "mac-aging-time=5");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("mac-aging-time 5 is outside 15..3600", bad.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, _d.Ctl("set", "mac-aging-time").ExitCode);
        Assert.Equal(1, _d.Ctl("set", "colour=blue").ExitCode);
    }

    [Fact]
    public void Pmd_commands_report_each_datapath_thread()
    {
        JsonElement thread = _d.Ctl("pmd-stats", "--json").Json().GetProperty("threads").EnumerateArray().Single();
        Assert.Equal(0, thread.GetProperty("thread").GetInt32());
        Assert.True(thread.GetProperty("idle_ms").GetInt64() >= 0);
        Assert.Equal(JsonValueKind.Object, thread.GetProperty("drops_by_reason").ValueKind);
        // The thread's own pool (1024 buffers, over 2 MiB): in huge pages by default (thp), or on the heap where the
        // kernel has THP disabled; its size is what it holds from the system.
        Assert.Equal(1024, thread.GetProperty("pool_buffers").GetInt32());
        Assert.Contains(thread.GetProperty("pool_backing").GetString(), new[] { "thp", "heap" });
        Assert.True(thread.GetProperty("pool_bytes").GetInt64() >= 1024 * 9408);
        string text = _d.Ctl("pmd-stats").Stdout;
        Assert.Contains("pmd thread 0", text, StringComparison.Ordinal);
        Assert.Contains("packet pool: 1024 buffers", text, StringComparison.Ordinal);
        Assert.Equal(0, _d.Ctl("pmd-stats-clear").ExitCode);
        JsonElement rxq = _d.Ctl("pmd-rxq-show", "--json").Json().GetProperty("threads").EnumerateArray().Single();
        Assert.Equal(JsonValueKind.Array, rxq.GetProperty("queues").ValueKind);
        Assert.Contains("pmd thread 0", _d.Ctl("pmd-rxq-show").Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("add-port")]
    [InlineData("del-port")]
    [InlineData("set-port")]
    [InlineData("show")]
    [InlineData("list-ports")]
    [InlineData("port-stats")]
    [InlineData("port-status")]
    [InlineData("add-flow")]
    [InlineData("add-flows")]
    [InlineData("mod-flows")]
    [InlineData("del-flows")]
    [InlineData("dump-flows")]
    [InlineData("fdb-show")]
    [InlineData("fdb-flush")]
    [InlineData("set")]
    [InlineData("pmd-stats")]
    [InlineData("pmd-stats-clear")]
    [InlineData("pmd-rxq-show")]
    public void Every_command_has_help(string command)
    {
        CtlResult r = Vswitchctl.Run([command, "--help"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("vswitchctl " + command, r.Stdout, StringComparison.Ordinal);
        Assert.Contains("--json", r.Stdout, StringComparison.Ordinal);
    }
}
