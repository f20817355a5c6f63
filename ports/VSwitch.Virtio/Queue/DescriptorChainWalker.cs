using VSwitch.Virtio.Memory;

namespace VSwitch.Virtio.Queue;

/// <summary>Walks one descriptor chain.</summary>
public ref struct DescriptorChainWalker
{
    /// <summary>Starts a walk at <paramref name="head"/>.</summary>
    public DescriptorChainWalker(GuestMemory memory, SplitQueue queue, ushort head)
    {
        _ = memory;
        _ = queue;
        Head = head;
    }

    /// <summary>The chain's head index.</summary>
    public ushort Head { get; }

    /// <summary>Produces the next descriptor.</summary>
    public ChainStatus Next(out Descriptor descriptor) => throw new NotImplementedException();
}
