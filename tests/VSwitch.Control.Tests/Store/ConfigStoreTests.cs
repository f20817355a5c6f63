using System.Text;
using VSwitch.Control.Model;
using VSwitch.Control.Store;
using VSwitch.Control.Tests.Fakes;
using Xunit;

namespace VSwitch.Control.Tests.Store;

public sealed class ConfigStoreTests
{
    [Fact]
    public void Missing_db_loads_the_embedded_default()
    {
        using var dir = new TempDir();
        using var store = ConfigStore.Open(dir.File("sub/conf.json"));
        SwitchConfig config = store.Load();
        Assert.Equal("br0", config.Bridge);
        Assert.Empty(config.Ports);
        Assert.Equal(["priority=0,actions=normal"], config.Flows);
        Assert.False(File.Exists(dir.File("sub/conf.json")));
    }

    [Fact]
    public void Save_replaces_the_file_and_leaves_no_temporary_file()
    {
        using var dir = new TempDir();
        using var store = ConfigStore.Open(dir.File("conf.json"));
        store.Save(SwitchConfig.Default);
        store.Save(SwitchConfig.Default with { Bridge = "br1" });
        Assert.Equal("br1", ConfigStore.LoadFile(dir.File("conf.json")).Bridge);
        Assert.Equal(new[] { "conf.json", "conf.json.lock" }, Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f)!).Order().ToArray());
    }

    [Fact]
    public void Temporary_file_left_by_an_interrupted_save_is_removed_on_open()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("conf.json.tmp"), "{ half a docu");
        using var store = ConfigStore.Open(dir.File("conf.json"));
        Assert.False(File.Exists(dir.File("conf.json.tmp")));
    }

    [Fact]
    public void A_second_open_of_the_same_db_is_refused_while_the_first_holds_it()
    {
        using var dir = new TempDir();
        using (var first = ConfigStore.Open(dir.File("conf.json")))
        {
            var e = Assert.Throws<IOException>(() => ConfigStore.Open(dir.File("conf.json")));
            Assert.Contains("in use", e.Message, StringComparison.Ordinal);
        }
        using var again = ConfigStore.Open(dir.File("conf.json"));
    }

    public static TheoryData<string, string> CorruptDocuments => new()
    {
        { "", "empty" },
        { "{ \"format\": 1, \"bridge\": \"br0\", ", "" },
        { "[1,2,3]", "" },
        { "null", "null" },
        { "{\"format\":1,\"bridge\":\"br0\",\"ports\":[],\"flows\":[],\"settings\":{\"mac_aging_time\":300,\"mac_table_size\":8192,\"pmd_threads\":1,\"pmd_cpus\":null,\"pmd_mode\":\"Adaptive\"},\"extra\":1}", "extra" },
        { "{\"format\":2,\"bridge\":\"br0\",\"ports\":[],\"flows\":[],\"settings\":{\"mac_aging_time\":300,\"mac_table_size\":8192,\"pmd_threads\":1,\"pmd_cpus\":null,\"pmd_mode\":\"Adaptive\"}}", "format 2" },
        { "{\"format\":1,\"bridge\":\"br0\",\"ports\":[],\"flows\":[],\"settings\":{\"mac_aging_time\":0,\"mac_table_size\":8192,\"pmd_threads\":1,\"pmd_cpus\":null,\"pmd_mode\":\"Adaptive\"}}", "mac-aging-time" },
        { "{\"format\":1,\"bridge\":\"br0\",\"ports\":[" + Port("a", 1) + "," + Port("a", 2) + "],\"flows\":[],\"settings\":{\"mac_aging_time\":300,\"mac_table_size\":8192,\"pmd_threads\":1,\"pmd_cpus\":null,\"pmd_mode\":\"Adaptive\"}}", "used twice" },
        { "{\"format\":1,\"bridge\":\"br0\",\"ports\":[" + Port("a", 1) + "," + Port("b", 1) + "],\"flows\":[],\"settings\":{\"mac_aging_time\":300,\"mac_table_size\":8192,\"pmd_threads\":1,\"pmd_cpus\":null,\"pmd_mode\":\"Adaptive\"}}", "ofport 1" },
        { "{\"format\":1,\"bridge\":\"br0\",\"ports\":[" + Port("9x", 1) + "],\"flows\":[],\"settings\":{\"mac_aging_time\":300,\"mac_table_size\":8192,\"pmd_threads\":1,\"pmd_cpus\":null,\"pmd_mode\":\"Adaptive\"}}", "not valid" },
    };

    [Theory]
    [MemberData(nameof(CorruptDocuments))]
    public void A_corrupt_db_is_refused_with_its_path_and_left_exactly_as_found(string content, string expected)
    {
        using var dir = new TempDir();
        string path = dir.File("conf.json");
        File.WriteAllText(path, content);
        using var store = ConfigStore.Open(path);
        var e = Assert.Throws<CorruptConfigException>(store.Load);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllText(path, Encoding.UTF8));
    }

    [Fact]
    public void Default_config_survives_a_round_trip()
    {
        using var dir = new TempDir();
        using var store = ConfigStore.Open(dir.File("conf.json"));
        store.Save(SwitchConfig.Default);
        Assert.Null(store.Load().FindProblem());
        Assert.Equal(ConfigStore.Serialize(SwitchConfig.Default), File.ReadAllBytes(dir.File("conf.json")));
    }

    private static string Port(string name, int ofport) =>
        $"{{\"name\":\"{name}\",\"type\":\"vhostuser\",\"ofport\":{ofport},\"tag\":null,\"trunks\":null,\"mtu\":null,\"options\":{{}}}}";
}
