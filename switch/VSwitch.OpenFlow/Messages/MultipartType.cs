namespace VSwitch.OpenFlow.Messages;

/// <summary>Multipart request and reply types (<c>enum ofp_multipart_type</c>, OpenFlow 1.3.5 §7.3.5).</summary>
public enum MultipartType : ushort
{
    /// <summary>Switch description.</summary>
    Desc = 0,
    /// <summary>Individual flow statistics.</summary>
    Flow = 1,
    /// <summary>Aggregate flow statistics.</summary>
    Aggregate = 2,
    /// <summary>Table statistics.</summary>
    Table = 3,
    /// <summary>Port statistics.</summary>
    PortStats = 4,
    /// <summary>Queue statistics.</summary>
    Queue = 5,
    /// <summary>Group counters.</summary>
    Group = 6,
    /// <summary>Group descriptions.</summary>
    GroupDesc = 7,
    /// <summary>Group features.</summary>
    GroupFeatures = 8,
    /// <summary>Meter statistics.</summary>
    Meter = 9,
    /// <summary>Meter configuration.</summary>
    MeterConfig = 10,
    /// <summary>Meter features.</summary>
    MeterFeatures = 11,
    /// <summary>Table features.</summary>
    TableFeatures = 12,
    /// <summary>Port descriptions.</summary>
    PortDesc = 13,
    /// <summary>Vendor extension.</summary>
    Experimenter = 0xffff,
}
