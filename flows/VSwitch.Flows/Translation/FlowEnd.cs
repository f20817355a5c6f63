namespace VSwitch.Flows.Translation;

/// <summary>How the walk through the tables ended, which decides why a packet nothing was sent for is counted as dropped.</summary>
public enum FlowEnd : byte
{
    /// <summary>The last flow ended the pipeline (with or without outputs).</summary>
    Completed,

    /// <summary>A table had no matching flow and no table-miss flow: OpenFlow 1.3 drops the packet (§5.4).</summary>
    TableMiss,
}
