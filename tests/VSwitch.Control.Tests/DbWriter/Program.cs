using System.Collections.Immutable;
using System.Globalization;
using VSwitch.Control.Model;
using VSwitch.Control.Store;

// Saves a growing configuration to the DB named by args[0] in an endless loop, so a test can SIGKILL it at
// any moment of a save. Generation g has g ports named p1..pg and g+1 flows; "ready" is printed after the
// first save.
string path = args[0];
using ConfigStore store = ConfigStore.Open(path);
SwitchConfig config = store.Load();
int generation = config.Ports.Length;
bool announced = false;
while (true)
{
    generation = (generation % 200) + 1;
    var ports = ImmutableArray.CreateBuilder<PortConfig>(generation);
    var flows = ImmutableArray.CreateBuilder<string>(generation + 1);
    flows.Add(SwitchConfig.DefaultFlow);
    for (int i = 1; i <= generation; i++)
    {
        string name = "p" + i.ToString(CultureInfo.InvariantCulture);
        ports.Add(new PortConfig(name, "vhostuser", i, null, null, null,
            ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
                [new KeyValuePair<string, string>("socket", "/run/vswitch/" + name + ".sock")])));
        flows.Add(string.Create(CultureInfo.InvariantCulture, $"priority={i},in_port={i},actions=output:{(i % generation) + 1}"));
    }
    store.Save(config with { Ports = ports.MoveToImmutable(), Flows = flows.MoveToImmutable() });
    if (!announced)
    {
        Console.WriteLine("ready");
        Console.Out.Flush();
        announced = true;
    }
}
