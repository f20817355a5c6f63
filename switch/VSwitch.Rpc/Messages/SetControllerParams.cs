namespace VSwitch.Rpc.Messages;

/// <summary>Parameters of set-controller: the whole new list of controller targets (replacing the old one).</summary>
/// <param name="Targets">Controller addresses, <c>tcp:HOST[:PORT]</c> (port 6653 when omitted); at least one.</param>
public sealed record SetControllerParams(string[] Targets);
