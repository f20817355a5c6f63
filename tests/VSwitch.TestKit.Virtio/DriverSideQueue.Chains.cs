using System.Buffers.Binary;
using VSwitch.Virtio.Queue;

namespace VSwitch.TestKit.Virtio;

/// <summary>Building chains: well-formed ones from descriptor free-list entries, and raw (possibly hostile) ones.</summary>
public sealed partial class DriverSideQueue
{
    /// <summary>
    /// Builds a direct chain over <paramref name="buffers"/> from free descriptors, appends its head to the avail ring
    /// (not yet published: call <see cref="PublishAvail"/>) and returns the head.
    /// </summary>
    public ushort AddChain(params DriverBuffer[] buffers)
    {
        if (buffers.Length == 0 || buffers.Length > _freeDescriptors.Count)
        {
            throw new InvalidOperationException($"Need {buffers.Length} free descriptors, have {_freeDescriptors.Count}.");
        }
        var indexes = new ushort[buffers.Length];
        for (int i = 0; i < indexes.Length; i++)
        {
            indexes[i] = _freeDescriptors.Pop();
        }
        for (int i = 0; i < buffers.Length; i++)
        {
            bool last = i == buffers.Length - 1;
            ushort flags = (ushort)((buffers[i].IsWritable ? Descriptor.WriteFlag : 0) | (last ? 0 : Descriptor.NextFlag));
            WriteDescriptor(indexes[i], buffers[i].Gpa, buffers[i].Length, flags, last ? (ushort)0 : indexes[i + 1]);
        }
        _chains[indexes[0]] = indexes;
        PushAvail(indexes[0]);
        return indexes[0];
    }

    /// <summary>
    /// Builds an indirect chain: a table of <paramref name="buffers"/> in buffer space and one descriptor with
    /// VIRTQ_DESC_F_INDIRECT pointing at it. Appends the head to the avail ring (not yet published) and returns it.
    /// </summary>
    public ushort AddIndirectChain(params DriverBuffer[] buffers)
    {
        ulong table = Allocate((ulong)buffers.Length * Descriptor.Size);
        for (int i = 0; i < buffers.Length; i++)
        {
            bool last = i == buffers.Length - 1;
            ushort flags = (ushort)((buffers[i].IsWritable ? Descriptor.WriteFlag : 0) | (last ? 0 : Descriptor.NextFlag));
            WriteRawDescriptorAt(table + ((ulong)i * Descriptor.Size), buffers[i].Gpa, buffers[i].Length, flags, (ushort)(last ? 0 : i + 1));
        }
        return AddRawChainHead(table, (uint)(buffers.Length * Descriptor.Size), Descriptor.IndirectFlag);
    }

    /// <summary>
    /// Takes one free descriptor, writes it with exactly the given fields (anything, hostile included), appends it to
    /// the avail ring (not yet published) and returns its index.
    /// </summary>
    public ushort AddRawChainHead(ulong address, uint length, ushort flags, ushort next = 0)
    {
        ushort index = _freeDescriptors.Pop();
        WriteDescriptor(index, address, length, flags, next);
        _chains[index] = [index];
        PushAvail(index);
        return index;
    }

    /// <summary>A single device-readable buffer holding <paramref name="data"/>, added to the avail ring (not yet published).</summary>
    public ushort AddReadable(ReadOnlySpan<byte> data) => AddChain(DriverBuffer.Readable(AllocateWith(data), (uint)data.Length));

    /// <summary>A single device-writable buffer of <paramref name="length"/> bytes, added to the avail ring (not yet published).</summary>
    public ushort AddWritable(uint length) => AddChain(DriverBuffer.Writable(Allocate(length), length));

    /// <summary>Writes descriptor <paramref name="index"/> of the table with raw fields (no bookkeeping).</summary>
    public void WriteDescriptor(ushort index, ulong address, uint length, ushort flags, ushort next)
    {
        if (index >= QueueSize)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }
        WriteRawDescriptorAt(DescTable.Value + ((ulong)index * Descriptor.Size), address, length, flags, next);
    }

    /// <summary>Writes a descriptor with raw fields at any guest address of this area (indirect tables).</summary>
    public void WriteRawDescriptorAt(ulong gpa, ulong address, uint length, ushort flags, ushort next)
    {
        Span<byte> d = Span(gpa, Descriptor.Size);
        BinaryPrimitives.WriteUInt64LittleEndian(d, address);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], length);
        BinaryPrimitives.WriteUInt16LittleEndian(d[12..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(d[14..], next);
    }

    /// <summary>Appends <paramref name="head"/> (any value) to the avail ring at the shadow idx, without publishing.</summary>
    public void PushAvail(ushort head)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(Span(AvailRing.Value + 4 + (2u * (uint)(_availShadow & (QueueSize - 1))), 2), head);
        _availShadow++;
    }

    /// <summary>Stores any avail idx (hostile jumps included) and makes it the shadow too.</summary>
    public void SetAvailIdxRaw(ushort idx)
    {
        _availShadow = idx;
        PublishAvail();
    }
}
