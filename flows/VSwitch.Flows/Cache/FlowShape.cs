namespace VSwitch.Flows.Cache;

/// <summary>Shapes of translated flows that the datapath forwards without interpreting their ops.</summary>
public enum FlowShape : byte
{
    /// <summary>Anything else: the ops run one by one.</summary>
    General,

    /// <summary>No ops at all: the packet is dropped.</summary>
    Drop,

    /// <summary>Exactly NORMAL.</summary>
    Normal,

    /// <summary>Exactly one output to <see cref="CachedFlow.Port"/>.</summary>
    Output,
}
