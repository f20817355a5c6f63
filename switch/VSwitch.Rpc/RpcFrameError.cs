namespace VSwitch.Rpc;

/// <summary>Why a frame could not be read; the connection is closed in every case.</summary>
public enum RpcFrameError
{
    /// <summary>The stream ended inside a frame.</summary>
    Truncated,

    /// <summary>The length prefix was zero or negative.</summary>
    BadLength,

    /// <summary>The length prefix exceeded the reader's limit.</summary>
    TooLarge,
}
