namespace VSwitch.VhostUser.Session;

/// <summary>Policy per error: which end the session (and reset the port) and which only fail the request.</summary>
public static class VhostUserErrors
{
    /// <summary>
    /// True when the session must be closed and the port must wait for (or reconnect to) a front-end: the socket is
    /// gone, the framing cannot be trusted any more, or the front-end sent something hostile.
    /// </summary>
    public static bool ShouldReconnect(this VhostUserError error) => error != VhostUserError.UnsupportedRequest;
}
