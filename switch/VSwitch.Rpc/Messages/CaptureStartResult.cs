namespace VSwitch.Rpc.Messages;

/// <summary>Result of capture-start: connect to <paramref name="Socket"/> (a unix stream socket) to read the capture file's bytes.</summary>
/// <param name="Id">The capture's number (for capture-stop).</param>
/// <param name="Socket">Path of the socket that streams the file; the capture begins when a reader connects.</param>
public sealed record CaptureStartResult(int Id, string Socket);
