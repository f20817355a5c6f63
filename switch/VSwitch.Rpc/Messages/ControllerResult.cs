namespace VSwitch.Rpc.Messages;

/// <summary>The result of get-controller, set-controller, del-controller and set-fail-mode, and part of show.</summary>
/// <param name="FailMode">"standalone" or "secure".</param>
/// <param name="FailOpen">True while the bridge forwards NORMAL because its controllers are gone (standalone only).</param>
/// <param name="Controllers">Each configured target with its connection, in the order they were set.</param>
public sealed record ControllerResult(string FailMode, bool FailOpen, ControllerInfo[] Controllers);
