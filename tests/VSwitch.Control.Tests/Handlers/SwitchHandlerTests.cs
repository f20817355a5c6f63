using VSwitch.Control.Model;
using VSwitch.Control.Rpc.Handlers;
using VSwitch.Control.Runtime;
using VSwitch.Control.Tests.Fakes;
using VSwitch.Core.Diagnostics;
using VSwitch.Core.Net;
using VSwitch.Rpc;
using VSwitch.Rpc.Messages;
using Xunit;

namespace VSwitch.Control.Tests.Handlers;

/// <summary>fdb-*, set, port-stats/status and pmd-* against the fake runtime.</summary>
public sealed class SwitchHandlerTests : IDisposable
{
    private readonly ControlFixture _f = new();

    public SwitchHandlerTests()
    {
        var ports = new PortHandlers(_f.Control);
        ports.AddPort(new AddPortParams("vm1", "vhostuser", null));
        ports.AddPort(new AddPortParams("vm2", "vhostuser", null));
    }

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Fdb_show_names_ports_and_sorts_and_fdb_flush_takes_a_name_or_number()
    {
        _f.Runtime.Fdb.AddRange([
            new LearnedMac(2, 0, MacAddress.Parse("52:54:00:00:00:02"), 1),
            new LearnedMac(1, 10, MacAddress.Parse("52:54:00:00:00:01"), 3),
            new LearnedMac(1, 0, MacAddress.Parse("52:54:00:00:00:09"), 0),
            new LearnedMac(44, 0, MacAddress.Parse("52:54:00:00:00:44"), 0)]);
        var fdb = new FdbHandlers(_f.Control);
        FdbEntryInfo[] entries = fdb.FdbShow().Entries;
        Assert.Equal([1, 1, 2, 44], entries.Select(e => e.OfPort));
        Assert.Equal([0, 10], entries.Take(2).Select(e => e.Vlan));
        Assert.Equal(["vm1", "vm1", "vm2", null], entries.Select(e => e.Port));

        Assert.Equal(2, fdb.FdbFlush(new FdbFlushParams("vm1")).Flushed);
        Assert.Equal(1, fdb.FdbFlush(new FdbFlushParams("2")).Flushed);
        Assert.Equal(RpcErrorCodes.NotFound, Assert.Throws<ControlException>(() => fdb.FdbFlush(new FdbFlushParams("vm7"))).Code);
        Assert.Equal(1, fdb.FdbFlush(new FdbFlushParams(null)).Flushed);
    }

    [Fact]
    public void Fdb_show_carries_the_table_counters_with_the_moved_MACs()
    {
        _f.Runtime.Fdb.Add(new LearnedMac(1, 0, MacAddress.Parse("52:54:00:00:00:01"), 0));
        _f.Runtime.FdbMoves = 3;
        FdbStatsInfo? stats = new FdbHandlers(_f.Control).FdbShow().Stats;
        Assert.NotNull(stats);
        Assert.Equal(3, stats.Moved);
        Assert.Equal(1, stats.Entries);
    }

    [Fact]
    public void Set_applies_and_stores_settings_after_checking_all_of_them()
    {
        var settings = new SettingsHandlers(_f.Control);
        SettingsInfo s = settings.Set(new SetParams(new() { ["mac-aging-time"] = "60", ["mac-table-size"] = "2048", ["pmd-mode"] = "busy" }));
        Assert.Equal(60, s.MacAgingTime);
        Assert.Equal(60, _f.Runtime.MacAging);
        Assert.Equal(2048, _f.Runtime.MacTableSize);
        Assert.Equal(PmdMode.Busy, _f.Runtime.PmdMode);
        Assert.Equal(new SwitchSettings(60, 2048, 1, null, PmdMode.Busy), _f.StoredConfig().Settings);

        Assert.Contains("unknown setting 'mac-aging'",
            Assert.Throws<ControlException>(() => settings.Set(new SetParams(new() { ["mac-aging"] = "5" }))).Message, StringComparison.Ordinal);
        Assert.Contains("not a whole number",
            Assert.Throws<ControlException>(() => settings.Set(new SetParams(new() { ["mac-aging-time"] = "-5" }))).Message, StringComparison.Ordinal);
        Assert.Contains("outside",
            Assert.Throws<ControlException>(() => settings.Set(new SetParams(new() { ["mac-table-size"] = "1", ["mac-aging-time"] = "9" }))).Message, StringComparison.Ordinal);
        Assert.Contains("vswitchd --pmd-threads",
            Assert.Throws<ControlException>(() => settings.Set(new SetParams(new() { ["pmd-threads"] = "2" }))).Message, StringComparison.Ordinal);
        Assert.Equal(60, _f.Runtime.MacAging);
        Assert.Equal(60, _f.StoredConfig().Settings.MacAgingTime);
    }

    [Fact]
    public void Port_stats_sum_queues_and_name_drop_reasons()
    {
        var stats = _f.Runtime.Stats["vm2"];
        stats.Rx[0].Packets = 5;
        stats.Rx[1].Packets = 7;
        stats.Rx[1].Bytes = 700;
        stats.Tx[0].Drops.Add(DropReason.TxNoGuestBuffer, 3);
        var handlers = new StatsHandlers(_f.Control);
        PortStatsInfo vm2 = handlers.PortStats(new PortStatsParams("vm2", Queues: true)).Ports.Single();
        Assert.Equal(12, vm2.Rx.Packets);
        Assert.Equal(700, vm2.Rx.Bytes);
        Assert.Equal(3, vm2.Tx.Drops);
        Assert.Equal(3, vm2.Tx.DropsByReason["TxNoGuestBuffer"]);
        Assert.Equal(2, vm2.Queues!.Length);
        Assert.Equal(7, vm2.Queues[1].Rx.Packets);

        PortStatsInfo[] all = handlers.PortStats(new PortStatsParams(null, false)).Ports;
        Assert.Equal(["vm1", "vm2"], all.Select(p => p.Name));
        Assert.Null(all[0].Queues);
        Assert.Equal(RpcErrorCodes.NotFound,
            Assert.Throws<ControlException>(() => handlers.PortStatus(new PortNameParams("vm3"))).Code);
        Assert.Equal("listening", handlers.PortStatus(new PortNameParams("vm1")).Connection);
    }

    [Fact]
    public void Pmd_commands_reach_the_runtime()
    {
        var pmd = new PmdHandlers(_f.Control);
        Assert.Single(pmd.PmdStats().Threads);
        pmd.PmdStatsClear();
        Assert.Equal(1, _f.Runtime.PmdStatsClears);
        Assert.Equal(2, pmd.PmdRxqShow().Threads[0].Queues.Length);
    }
}
