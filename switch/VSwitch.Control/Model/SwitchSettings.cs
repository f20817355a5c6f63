namespace VSwitch.Control.Model;

/// <summary>Switch-wide settings. Immutable and thread-safe.</summary>
/// <param name="MacAgingTime">Seconds after which an unused learned MAC is forgotten (OVS default 300).</param>
/// <param name="MacTableSize">Maximum number of learned MACs (OVS default 8192).</param>
/// <param name="PmdThreads">Number of datapath threads.</param>
/// <param name="PmdCpus">CPU list the datapath threads are pinned to (<see cref="CpuList"/>), or null.</param>
/// <param name="PmdMode">Idle behaviour of the datapath threads.</param>
public sealed record SwitchSettings(int MacAgingTime = 300, int MacTableSize = 8192, int PmdThreads = 1, string? PmdCpus = null,
    PmdMode PmdMode = PmdMode.Adaptive)
{
    /// <summary>Smallest mac-aging-time in seconds (the MAC table ages in whole seconds and refreshes once a second).</summary>
    public const int MinMacAgingTime = 15;

    /// <summary>Largest mac-aging-time: one hour.</summary>
    public const int MaxMacAgingTime = 3600;

    /// <summary>Smallest MAC table.</summary>
    public const int MinMacTableSize = 16;

    /// <summary>Largest MAC table (a million entries).</summary>
    public const int MaxMacTableSize = 1 << 20;

    /// <summary>Most datapath threads.</summary>
    public const int MaxPmdThreads = 64;

    /// <summary>The first problem with these settings, or null.</summary>
    public string? FindProblem()
    {
        if (MacAgingTime is < MinMacAgingTime or > MaxMacAgingTime)
        {
            return $"mac-aging-time {MacAgingTime} is outside {MinMacAgingTime}..{MaxMacAgingTime}";
        }
        if (MacTableSize is < MinMacTableSize or > MaxMacTableSize)
        {
            return $"mac-table-size {MacTableSize} is outside {MinMacTableSize}..{MaxMacTableSize}";
        }
        if (PmdThreads is < 1 or > MaxPmdThreads)
        {
            return $"pmd-threads {PmdThreads} is outside 1..{MaxPmdThreads}";
        }
        if (PmdCpus is not null && !CpuList.TryParse(PmdCpus, out _, out string? error))
        {
            return $"pmd-cpus: {error}";
        }
        return Enum.IsDefined(PmdMode) ? null : $"pmd-mode {(int)PmdMode} is unknown";
    }
}
