namespace VSwitch.VhostUser.Session;

/// <summary>Why a session ended or a message was refused (rust-vmm <c>Error</c>).</summary>
public enum VhostUserError
{
    /// <summary>The front-end closed the socket.</summary>
    Disconnected,

    /// <summary>A socket call failed.</summary>
    SocketBroken,

    /// <summary>Bad version or unknown flag bits in a header.</summary>
    InvalidHeader,

    /// <summary>Payload larger than any request allows.</summary>
    OversizedMessage,

    /// <summary>Payload size wrong for the request.</summary>
    InvalidPayloadSize,

    /// <summary>More fds than one message may carry.</summary>
    TooManyFds,

    /// <summary>Fds missing or extra for the request.</summary>
    InvalidFds,

    /// <summary>A field out of range: ring index, queue size, feature bits, region layout, ring address.</summary>
    InvalidParameter,

    /// <summary>mmap of a region or log failed.</summary>
    MapFailed,

    /// <summary>The request is not supported.</summary>
    UnsupportedRequest,

    /// <summary>A datapath thread did not let go of a ring in time, so the change could not be made safely.</summary>
    QuiesceTimeout,

    /// <summary>The request came in a state where it makes no sense (e.g. ring addresses before memory).</summary>
    InvalidState,

    /// <summary>A ring's kick, call or err fd is not an eventfd (a pipe, a socket, a file...), which the switch never uses.</summary>
    NotAnEventFd,

    /// <summary>A front-end mapping lost pages under the switch (the front-end truncated its memory file or dirty log).</summary>
    GuestMemoryFault,

    /// <summary>The front-end made a ring's eventfd blocking again, or a datapath thread was found blocked on one.</summary>
    BlockingEventFd,
}
