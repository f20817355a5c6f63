namespace VSwitch.SystemBench;

/// <summary>
/// One device under test as configured for one measurement: which switch, how it forwards, which socket mode.
/// <paramref name="Mode"/> is <c>xconnect</c> (testpmd io), <c>normal</c> (NORMAL action, MAC learning) or
/// <c>inport</c> (two <c>priority=10,in_port=A,actions=output:B</c> flows); flow scenarios add the rule table to <c>inport</c>.
/// <paramref name="Capture"/> (vswitchd only): a packet capture runs on both ports, both directions, through the window.
/// </summary>
internal sealed record DutConfig(string Kind, string Mode, string Socket, bool Capture = false)
{
    public string Label => Kind switch
    {
        "testpmd" => "testpmd io",
        "ovs" => $"ovs-dpdk {Mode.ToUpperInvariant()}",
        _ => $"vswitchd {Mode.ToUpperInvariant()} {Socket}{(Capture ? " +capture" : "")}",
    };
}

/// <summary>One traffic pattern: a frame size, and either io circulation (<paramref name="Flows"/> 0) or flowgen with that many flows.</summary>
internal sealed record Scenario(int FrameSize, int Flows)
{
    public string Label => Flows == 0 ? $"{FrameSize} B io" : $"{FrameSize} B flowgen, {Flows} flows";
}

/// <summary>One measured window.</summary>
internal sealed record Measurement(int Round, Scenario Scenario, DutConfig Dut, double Seconds, long RxPort0, long RxPort1, long TxPort0, long TxPort1,
    long? AllocatedBytes, int? GcGen0, int? GcGen1, int? GcGen2, string? Error)
{
    /// <summary>vswitchd only: packets that matched one of the rule table's rules since the switch started (flow scenarios).</summary>
    public long? RuleHits { get; init; }

    /// <summary>vswitchd only: times its datapath thread went to sleep during the window (adaptive mode).</summary>
    public long? Sleeps { get; init; }

    /// <summary>vswitchd only: ns/packet per datapath stage over the batches it timed in the window.</summary>
    public StageTimes? Stages { get; init; }

    /// <summary>c2c round trip (ns, median) between CPU 0 and CPU 1 right before the window's processes started; NaN when the probe failed.</summary>
    public double C2cBeforeNs { get; init; } = double.NaN;

    /// <summary>c2c round trip (ns, median) right after the window's processes ended.</summary>
    public double C2cAfterNs { get; init; } = double.NaN;

    /// <summary>The window's c2c class from the two probes.</summary>
    public C2cClass Class { get; init; }

    /// <summary>CPU time of processes other than the generator, the device under test and the benchmark, in percent of one CPU over the window.</summary>
    public double? ForeignPercent { get; init; }

    /// <summary>Steal of each CPU over the window, in percent (index = CPU).</summary>
    public double[] StealPercent { get; init; } = [];

    /// <summary>Why the window is not used (foreign load or steal above the threshold); null when it is clean.</summary>
    public string? Flag { get; init; }

    /// <summary>Mpps of each whole second of the window.</summary>
    public double[] RatesMpps { get; init; } = [];

    /// <summary>The largest level change inside the window's per-second series, when large enough to report.</summary>
    public Step? Step { get; init; }

    public double Mpps => Error is null ? (RxPort0 + RxPort1) / Seconds / 1e6 : double.NaN;

    /// <summary>Counted in the medians and ratios: measured, and not flagged.</summary>
    public bool Usable => Error is null && Flag is null;
}

/// <summary>vswitchd's stage timing over one window (pmd-stats "stages"): batches timed and ns/packet per stage.</summary>
internal sealed record StageTimes(long Batches, double Rx, double Pipeline, double Tx, double Complete)
{
    public double Sum => Rx + Pipeline + Tx + Complete;
}
