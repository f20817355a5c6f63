using System.Collections.Immutable;
using VSwitch.Control.Model;
using VSwitch.Control.Store;
using VSwitch.Control.Tests.Fakes;
using Xunit;

namespace VSwitch.Control.Tests.Store;

public sealed class ConfigRoundTripTests
{
    [Fact]
    public void Saved_config_loads_back_identical()
    {
        using var dir = new TempDir();
        var port = new PortConfig("vm1", "vhostuser", 7, null, "20-30", 9000,
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
                [new KeyValuePair<string, string>("socket", "/run/vswitch/vm1.sock"), new("socket-mode", "0660")]));
        SwitchConfig config = SwitchConfig.Default.WithPort(port) with
        {
            Flows = ["priority=0,actions=normal", "priority=10,in_port=7,actions=drop"],
            Settings = new SwitchSettings(60, 1024, 2, "1,3", PmdMode.Busy),
        };
        using (var store = ConfigStore.Open(dir.File("conf.json")))
        {
            store.Save(config);
        }
        SwitchConfig loaded = ConfigStore.LoadFile(dir.File("conf.json"));
        Assert.Equal(ConfigStore.Serialize(config), ConfigStore.Serialize(loaded));
        Assert.Equal("20-30", loaded.Ports[0].Trunks);
        Assert.Equal("0660", loaded.Ports[0].Option("socket-mode"));
        Assert.Equal(PmdMode.Busy, loaded.Settings.PmdMode);
        Assert.False(File.Exists(dir.File("conf.json.tmp")));
    }
}
