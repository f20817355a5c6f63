namespace VSwitch.Control.Runtime;

/// <summary>The running switch's controller connections.</summary>
/// <param name="FailOpen">True while the bridge forwards NORMAL because its controllers are gone.</param>
/// <param name="Links">One entry per configured target, in the order they were set.</param>
public sealed record ControllerReport(bool FailOpen, IReadOnlyList<ControllerLinkStatus> Links);
