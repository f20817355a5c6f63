using VSwitch.Core.Packets;
using VSwitch.Core.Time;
using VSwitch.Datapath.Controller;

namespace VSwitch.Datapath.Pipeline;

/// <summary>
/// The datapath shared by all datapath threads: the currently published <see cref="DatapathConfig"/> and the
/// per-thread contexts. Thread rules: the control thread calls <see cref="Publish"/> and <see cref="CreatePmd"/>;
/// datapath threads read <see cref="Current"/> once per batch (acquire), so each batch sees one whole snapshot.
/// A snapshot that drops a port must not be followed by releasing that port until every thread has passed a
/// quiescent point (its <see cref="PmdStats.Iterations"/> advanced after the publish).
/// </summary>
public sealed class SwitchDatapath
{
    private readonly List<PmdContext> _pmds = [];
    private DatapathConfig _config;

    /// <summary>Creates the datapath with its first snapshot.</summary>
    public SwitchDatapath(DatapathConfig initial, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(clock);
        _config = initial;
        Clock = clock;
    }

    /// <summary>The clock used for flow statistics and MAC aging (read once per batch).</summary>
    public IClock Clock { get; }

    /// <summary>Announces frames written to any context's <see cref="PmdContext.PacketIns"/> to their consumer.</summary>
    public PacketInSignal PacketInSignal { get; } = new();

    /// <summary>The published snapshot (acquire read). Any thread.</summary>
    public DatapathConfig Current => Volatile.Read(ref _config);

    /// <summary>The contexts created so far (control plane; for statistics).</summary>
    public IReadOnlyList<PmdContext> Pmds
    {
        get
        {
            lock (_pmds)
            {
                return [.. _pmds];
            }
        }
    }

    /// <summary>Makes <paramref name="config"/> the snapshot every thread uses from its next batch on (release write). Control thread.</summary>
    public void Publish(DatapathConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Volatile.Write(ref _config, config);
    }

    /// <summary>
    /// Creates the context of datapath thread <paramref name="threadIndex"/>. It clones into <paramref name="pool"/>
    /// (default: 1024 buffers of the default size), which then belongs to that thread. Its flow cache holds
    /// <paramref name="emcEntries"/> exact matches and <paramref name="megaflows"/> translated flows. Control thread.
    /// </summary>
    public PmdContext CreatePmd(int threadIndex, PacketPool? pool = null, int emcEntries = 8192, int megaflows = 16384)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threadIndex);
        var pmd = new PmdContext(this, threadIndex, pool ?? new PacketPool(1024), emcEntries, megaflows);
        lock (_pmds)
        {
            _pmds.Add(pmd);
        }
        return pmd;
    }
}
