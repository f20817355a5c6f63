namespace VSwitch.VhostUser.Tests.Support;

/// <summary>Tests that count process-wide fds and mappings: they run alone, so other tests' sockets do not blur the count.</summary>
[CollectionDefinition(nameof(Sequential), DisableParallelization = true)]
public sealed class Sequential
{
}
