using Xunit;

namespace VSwitch.Integration.Tests.Guests;

/// <summary>
/// Guests under TCG and a busy-polling backend need both CPUs: tests that boot guests run alone, not beside other
/// test classes.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GuestCollection
{
    public const string Name = "Guests";
}
