namespace VSwitch.Rpc.Messages;

/// <summary>Switch-wide settings, as set and show report them.</summary>
/// <param name="MacAgingTime">Seconds after which an unused learned MAC is forgotten.</param>
/// <param name="MacTableSize">Maximum number of learned MACs.</param>
/// <param name="PmdThreads">Number of datapath threads.</param>
/// <param name="PmdCpus">CPUs the datapath threads are pinned to (e.g. "1,3-4"), or null for no pinning.</param>
/// <param name="PmdMode">"adaptive" (sleep when idle) or "busy" (always poll).</param>
public sealed record SettingsInfo(int MacAgingTime, int MacTableSize, int PmdThreads, string? PmdCpus, string PmdMode);
