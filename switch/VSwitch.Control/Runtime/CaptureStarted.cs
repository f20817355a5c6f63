namespace VSwitch.Control.Runtime;

/// <summary>A capture that was started. Immutable.</summary>
/// <param name="Id">The capture's number (for stopping it).</param>
/// <param name="Socket">Path of the unix stream socket its file streams through; recording begins when a reader connects.</param>
public sealed record CaptureStarted(int Id, string Socket);
