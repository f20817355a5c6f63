namespace VSwitch.Rpc.Messages;

/// <summary>Parameters of capture-stop.</summary>
/// <param name="Id">The capture's number.</param>
public sealed record CaptureIdParams(int Id);
