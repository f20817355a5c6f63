using Xunit;

namespace VSwitch.Integration.Tests;

/// <summary>Tests that start real peers (testpmd, QEMU) share 2 CPUs: they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealPeers
{
    /// <summary>The collection name.</summary>
    public const string Name = "real peers";
}
