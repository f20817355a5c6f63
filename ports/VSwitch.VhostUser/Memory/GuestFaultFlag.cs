using System.Runtime.InteropServices;

namespace VSwitch.VhostUser.Memory;

/// <summary>
/// The fault word of one port: native memory that libvswitch_guard sets, from its SIGBUS handler, to the cookie of the
/// first of the port's mappings that lost pages under the switch (see <see cref="GuestFaultGuard"/>). Datapath threads
/// read it once per batch through <see cref="IsSet"/> (one load of a line nobody writes until a fault); the session
/// reads the cookie, reports the fault and resets the word for the next front-end. The word lives in native memory
/// because the signal handler writes it by address. Lifetime: one reference for the owner and one per registered
/// mapping; the memory is freed when the last one is released, so a mapping that had to be left registered (a ring
/// that could not be quiesced) keeps its word alive. Thread-safe.
/// </summary>
internal sealed unsafe class GuestFaultFlag
{
    private readonly int* _word;
    private int _references = 1;

    // SAFETY: _word points to 64 bytes of native memory owned by this object until the last Release.
    public GuestFaultFlag()
    {
        // A cache line of its own: datapath threads read it every batch and must not share it with written data.
        _word = (int*)NativeMemory.AlignedAlloc(64, 64);
        *_word = 0;
    }

    /// <summary>The word's address, handed to the guard at registration and to ring snapshots.</summary>
    public nint Address => (nint)_word;

    /// <summary>The cookie of the first mapping that faulted, or 0.</summary>
    public int Cookie => Volatile.Read(ref *_word);

    /// <summary>Datapath: true when a mapping behind <paramref name="address"/> (an <see cref="Address"/>) faulted.</summary>
    // SAFETY: address comes from a ring snapshot, which the session builds from a live flag; the flag is freed only
    // when the port is disposed and no mapping is registered, i.e. when no snapshot can be in use any more.
    public static bool IsSet(nint address) => Volatile.Read(ref *(int*)address) != 0;

    /// <summary>Clears the word (session, when a new front-end starts with fresh mappings).</summary>
    public void Reset() => Volatile.Write(ref *_word, 0);

    /// <summary>Takes a reference (a mapping registered with this word).</summary>
    public void Retain() => Interlocked.Increment(ref _references);

    /// <summary>Drops a reference; the last one frees the word.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            NativeMemory.AlignedFree(_word);
        }
    }
}
