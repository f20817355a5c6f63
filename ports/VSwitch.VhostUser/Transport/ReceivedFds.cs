using VSwitch.Native;

namespace VSwitch.VhostUser.Transport;

/// <summary>
/// The fds that arrived with one message. A handler <see cref="Take"/>s the ones it keeps; <see cref="CloseRest"/>
/// closes every fd not taken, so a malformed or unexpected message can never leak one (rust-vmm
/// <c>check_attached_files</c>). Reused for every message of a session; not thread-safe.
/// </summary>
internal sealed class ReceivedFds
{
    private readonly List<int> _fds = new(UnixConnection.MaxFds);

    /// <summary>Number of fds still held.</summary>
    public int Count => _fds.Count;

    /// <summary>Adds a received fd.</summary>
    public void Add(int fd) => _fds.Add(fd);

    /// <summary>Fd <paramref name="index"/> for use during this message only (it is still closed by <see cref="CloseRest"/>).</summary>
    public int Peek(int index) => _fds[index];

    /// <summary>Hands fd <paramref name="index"/> to the caller, who now owns it.</summary>
    public int Take(int index)
    {
        int fd = _fds[index];
        _fds[index] = -1;
        return fd;
    }

    /// <summary>Closes every fd not taken and empties the set.</summary>
    public void CloseRest()
    {
        foreach (int fd in _fds)
        {
            FileDescriptor.CloseIfValid(fd);
        }
        _fds.Clear();
    }
}
