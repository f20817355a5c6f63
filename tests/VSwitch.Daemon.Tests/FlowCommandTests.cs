using System.Text.Json;
using Xunit;

namespace VSwitch.Daemon.Tests;

/// <summary>add-flow, add-flows, mod-flows, del-flows and dump-flows through the real programs.</summary>
public sealed class FlowCommandTests : IDisposable
{
    private readonly DaemonProcess _d = new();

    public FlowCommandTests()
    {
        _d.Start();
        Assert.Equal(0, _d.Ctl("add-port", "vm1", "vhostuser").ExitCode);
        Assert.Equal(0, _d.Ctl("add-port", "vm2", "vhostuser", "--ofport", "7").ExitCode);
    }

    public void Dispose() => _d.Dispose();

    [Fact]
    public void Flows_by_port_name_round_trip_through_dump_flows()
    {
        Assert.Equal(0, _d.Ctl("add-flow", "priority=10,in_port=vm1,actions=output:vm2").ExitCode);
        JsonElement[] flows = Flows();
        Assert.Equal(2, flows.Length);
        Assert.Equal(10, flows[0].GetProperty("priority").GetInt32());
        Assert.Equal("in_port=vm1", flows[0].GetProperty("match").GetString());
        Assert.Equal("output:vm2", flows[0].GetProperty("actions").GetString());
        Assert.Equal(0, flows[0].GetProperty("packets").GetInt64());

        string text = _d.Ctl("dump-flows").Stdout;
        Assert.Matches(@"^ cookie=0x0, duration=[0-9.]+s, table=0, n_packets=0, n_bytes=0, idle_age=\d+, priority=10,in_port=vm1,actions=output:vm2\n", text);
        Assert.Contains("priority=0,actions=normal", text, StringComparison.Ordinal);
        Assert.Single(_d.Ctl("dump-flows", "in_port=7").Stdout.Trim().Split('\n'));
    }

    [Fact]
    public void Add_flows_reads_a_file_or_stdin_and_mod_and_del_flows_select_loosely_or_strictly()
    {
        string file = Path.Combine(_d.Root, "flows.txt");
        File.WriteAllLines(file, ["# two flows", "priority=20,in_port=vm1,tcp,actions=drop", "", "priority=21,in_port=vm1,udp,actions=drop"]);
        Assert.Equal(0, _d.Ctl("add-flows", file).ExitCode);
        CtlResult stdin = Vswitchctl.Run(["--run-dir", _d.RunDir, "add-flows", "-", "--json"], stdin: "priority=30,in_port=vm2,actions=normal\n");
        Assert.Equal(0, stdin.ExitCode);
        Assert.Equal(1, stdin.Json().GetProperty("count").GetInt32());
        Assert.Equal(4, Flows().Length);

        CtlResult mod = _d.Ctl("mod-flows", "in_port=vm1,actions=output:vm2", "--json");
        Assert.Equal(2, mod.Json().GetProperty("count").GetInt32());
        Assert.Equal(0, _d.Ctl("mod-flows", "--strict", "priority=20,in_port=vm1,tcp,actions=normal").ExitCode);
        Assert.Equal("normal", Flows().Single(f => f.GetProperty("priority").GetInt32() == 20).GetProperty("actions").GetString());

        Assert.Equal(0, _d.Ctl("del-flows", "--strict", "priority=21,in_port=vm1,udp").ExitCode);
        Assert.Equal(3, Flows().Length);
        Assert.Equal(2, _d.Ctl("del-flows", "in_port=vm1", "--json").Json().GetProperty("count").GetInt32() + 1);
        Assert.Equal(0, _d.Ctl("del-flows").ExitCode);
        Assert.Empty(Flows());
    }

    [Theory]
    [InlineData(new[] { "add-flow", "in_port=vm9,actions=drop" }, 1, "'vm9'")]
    [InlineData(new[] { "add-flow", "in_port=vm1,nw_dst=10.0.0.300,actions=drop" }, 1, "10.0.0.300")]
    [InlineData(new[] { "add-flow", "in_port=vm1,actions=teleport:3" }, 1, "teleport")]
    [InlineData(new[] { "add-flow", "in_port=vm1" }, 1, "actions")]
    [InlineData(new[] { "mod-flows", "in_port=vm1" }, 1, "needs actions")]
    [InlineData(new[] { "del-flows", "bogus_field=1" }, 1, "bogus_field")]
    [InlineData(new[] { "add-flows", "/nonexistent/flows.txt" }, 2, "cannot read /nonexistent/flows.txt")]
    [InlineData(new[] { "add-flow" }, 2, "Required argument missing")]
    public void Bad_flows_fail_naming_the_offending_token(string[] args, int exitCode, string token)
    {
        CtlResult r = _d.Ctl(args);
        Assert.Equal(exitCode, r.ExitCode);
        Assert.StartsWith("vswitchctl: ", r.Stderr, StringComparison.Ordinal);
        Assert.Contains(token, r.Stderr, StringComparison.Ordinal);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Single(Flows());
    }

    [Fact]
    public void Flows_in_several_tables_and_their_instructions_round_trip_and_select_by_table()
    {
        Assert.Equal(0, _d.Ctl("add-flow", "table=0,priority=5,in_port=vm1,actions=write_metadata:0x7/0xff,goto_table:3").ExitCode);
        Assert.Equal(0, _d.Ctl("add-flow", "table=3,priority=6,metadata=0x7/0xff,actions=set_field:10.0.0.9->ip_dst,write_actions(output:vm2)").ExitCode);
        CtlResult bad = _d.Ctl("add-flow", "table=3,actions=goto_table:1");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("goto_table", bad.Stderr, StringComparison.Ordinal);

        JsonElement table3 = Flows().Single(f => f.GetProperty("priority").GetInt32() == 6);
        Assert.Equal(3, table3.GetProperty("table").GetInt32());
        string text = _d.Ctl("dump-flows", "table=3").Stdout;
        Assert.Single(text.Trim().Split('\n'));
        Assert.Contains("table=3, n_packets=0", text, StringComparison.Ordinal);
        Assert.True(text.Contains("actions=set_field:10.0.0.9->ipv4_dst,write_actions(output:vm2)", StringComparison.Ordinal), text);
        Assert.Equal(1, _d.Ctl("del-flows", "table=0,in_port=vm1", "--json").Json().GetProperty("count").GetInt32());
        Assert.Equal(2, Flows().Length);
    }

    private JsonElement[] Flows() => [.. _d.Ctl("dump-flows", "--json").Json().GetProperty("flows").EnumerateArray()];
}
